"""Stage "entities": the people, organisations and places the response's articles mention (found at build
time, index/entities.py), so a reader sees who and what the sources are about and can filter by them.

It reads the entities of every article an answer may cite (the answer passages, the top_k passages, the
citations) or, for /search, of the page's articles; the responses list them (``across`` for an answer's
sources, ``distinct`` for one search result). An index built without the recogniser has none: the lists
are empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index import Entity, entity_key, entity_name
from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import Settings

#: Most entities listed for an answer's sources, and for one search result (the most mentioned first).
ANSWER_ENTITIES = 24
RESULT_ENTITIES = 10


@dataclass(frozen=True)
class NamedEntity:
    name: str  # as first written, without a leading "the"
    kind: str  # person, organisation or place
    count: int  # articles mentioning it (across sources) or mentions in the article (one article)


class EntitiesStage:
    name = "entities"
    uses_index = True
    passages_needed = 0

    def __init__(self, answer_passages: int) -> None:
        self.answer_passages = answer_passages  # a generated answer may cite any of them

    def run(self, state: State, snapshot: Snapshot) -> None:
        metas = [r.article for r in state.articles]
        metas += [p.chunk.article for p in state.passages[:max(state.request.top_k, self.answer_passages)]]
        if state.answer is not None:
            metas += [c.passage.chunk.article for c in state.answer.citations]
        revisions = {m.article_id: m.revision for m in metas}  # the revision quoted: entity offsets index into it
        state.entities = snapshot.index.entities(list(revisions), revisions) if revisions else {}


def _key(entity: Entity) -> tuple[str, str]:
    return entity.kind, entity_key(entity.text)


def distinct(entities: Sequence[Entity], limit: int = RESULT_ENTITIES) -> list[NamedEntity]:
    """One article's entities once each (by kind and name, case-insensitive), most mentioned first, then in
    text order."""
    counts: dict[tuple[str, str], list] = {}
    for e in entities:
        counts.setdefault(_key(e), [entity_name(e.text), e.kind, 0])[2] += 1
    ranked = sorted(counts.values(), key=lambda v: -v[2])  # stable: ties keep text order
    return [NamedEntity(*v) for v in ranked[:limit]]


def across(by_article: dict[str, list[Entity]], article_ids: Iterable[str],
           limit: int = ANSWER_ENTITIES) -> list[NamedEntity]:
    """The entities of these articles, each with how many of them mention it: most widely mentioned first,
    then by mentions in all, then in the order the sources name them."""
    found: dict[tuple[str, str], list] = {}
    for article_id in dict.fromkeys(article_ids):
        seen = set()
        for e in by_article.get(article_id, []):
            key = _key(e)
            entry = found.setdefault(key, [entity_name(e.text), e.kind, 0, 0])
            entry[3] += 1
            if key not in seen:
                seen.add(key)
                entry[2] += 1
    ranked = sorted(found.values(), key=lambda v: (-v[2], -v[3]))
    return [NamedEntity(name, kind, articles) for name, kind, articles, _ in ranked[:limit]]


@STAGES.register("entities")
def _entities(settings: Settings, services: Services) -> EntitiesStage:
    return EntitiesStage(settings.answer.answer_passages)
