"""Stage "verdict": a claim checked against the record — supported, contradicted, mixed, or not enough
evidence — with the deciding sentences, each a dated verbatim quote, newest first (qa.claims)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from index import ArticleMeta
from qa.claims import Judgement, facts_of, judge
from qa.holder import Snapshot
from qa.passages import normalise
from qa.pipeline import STAGES, Services, State
from qa.settings import ClaimSettings, Settings

VERDICTS = ("supported", "contradicted", "mixed", "not_enough_evidence")


@dataclass
class Quote:
    """A sentence bearing on a claim, with why."""

    article: ArticleMeta
    start: int
    end: int
    text: str
    similarity: float
    reason: str


@dataclass
class Verdict:
    verdict: str
    supporting: list[Quote]
    contradicting: list[Quote]


class VerdictStage:
    name = "verdict"
    uses_index = True
    passages_needed = 10  # the claim's top passages, beside the most similar sentences of any article

    def __init__(self, settings: ClaimSettings) -> None:
        self.settings = settings

    def run(self, state: State, snapshot: Snapshot) -> None:
        s = self.settings
        claim = facts_of(state.request.question)
        judged: dict[str, list[Quote]] = {"supports": [], "contradicts": []}
        seen: set[str] = set()
        for meta, start, end, text, similarity in self._candidates(state, snapshot):
            key = normalise(text)
            if key in seen:  # the same sentence carried by a syndicated copy
                continue
            seen.add(key)
            verdict: Judgement = judge(claim, facts_of(text), similarity, s.check_support_similarity,
                                       s.check_contradict_similarity, s.check_min_overlap, facts_of(meta.title))
            if verdict.stance in judged:
                judged[verdict.stance].append(Quote(meta, start, end, text, round(similarity, 4), verdict.reason))
        supporting, contradicting = (self._newest_first(judged[k]) for k in ("supports", "contradicts"))
        verdict = ("mixed" if supporting and contradicting else "supported" if supporting
                   else "contradicted" if contradicting else "not_enough_evidence")
        state.verdict = Verdict(verdict, supporting, contradicting)

    def _candidates(self, state: State, snapshot: Snapshot):
        """(article, start, end, text, similarity) of the top passages' sentences and the most similar
        sentences anywhere within the plan's filters."""
        index, vector = snapshot.index, state.query_vector
        for p in state.passages:
            meta = p.chunk.article
            stored = index.sentence_vectors(meta.article_id, [start for start, _ in p.sentences], meta.revision)
            for start, end in p.sentences:
                if start in stored:
                    yield meta, start, end, p.text[start - p.start:end - p.start], float(np.dot(stored[start], vector))
        for hit in index.similar_sentences(vector, self.settings.check_candidates, state.plan.filters):
            yield hit.article, hit.start, hit.end, hit.text, float(hit.score)

    def _newest_first(self, quotes: list[Quote]) -> list[Quote]:
        quotes.sort(key=lambda q: (q.article.effective_date or date.min, q.similarity), reverse=True)
        return quotes[: self.settings.check_max_evidence]


@STAGES.register("verdict")
def _verdict(settings: Settings, services: Services) -> VerdictStage:
    return VerdictStage(settings.claims)
