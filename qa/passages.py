"""Passages: retrieved chunks trimmed so that no sentence and no story is returned twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from index import ArticleLookup, ArticleMeta, DeferredVectors, StoredChunk


@dataclass
class Passage:
    """A retrieved chunk, possibly trimmed so that no sentence is returned twice."""

    chunk: StoredChunk
    score: float
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]
    also_in: list[ArticleMeta] = field(default_factory=list)  # other articles of the same story
    time_evidence: float = 0.0  # how it speaks about the question's windows, 0 to 1 (qa/time_evidence.py)


def distinct_passages(fused: Sequence[tuple[int, float]], top_k: int | None, index: ArticleLookup,
                      as_of: date | None = None) -> list[Passage]:
    """The best ``top_k`` passages (None: all) of a fused list in which no sentence repeats and no story
    is represented by two of its copies; each passage lists in ``also_in`` the other copies that
    existed by ``as_of`` (the rule evidence follows)."""
    scores = dict(fused)
    seen = Seen()
    kept: list[Passage] = []
    page = top_k * 3 + 5 if top_k else max(len(fused), 1)  # a few more than asked: overlapping or duplicate chunks are dropped
    # A whole pool (top_k None: search results are grouped and paged from it) is read without sentence vectors
    # where a store can leave them out; the page's snippets read the few they need (qa/snippets.py).
    read = index.chunks_without_vectors if top_k is None and isinstance(index, DeferredVectors) else index.chunks
    for at in range(0, len(fused), page):
        for chunk in read([cid for cid, _ in fused[at:at + page]]):
            passage = seen.admit(Passage(chunk=chunk, score=scores[chunk.id], start=chunk.start, end=chunk.end,
                                         text=chunk.text, sentences=list(chunk.sentences)))
            if passage is not None:
                kept.append(passage)
                if len(kept) == top_k:
                    return _with_copies(kept, index, as_of)
    return _with_copies(kept, index, as_of)


def _with_copies(passages: list[Passage], index: ArticleLookup, as_of: date | None) -> list[Passage]:
    members = index.story_members([p.chunk.article.story_id for p in passages if p.chunk.article.story_id], as_of)
    for p in passages:
        p.also_in = [m for m in members.get(p.chunk.article.story_id, [])
                     if m.article_id != p.chunk.article.article_id]
    return passages


class Seen:
    """Sentences already returned (by article and offset, and by text), so none is returned twice."""

    def __init__(self) -> None:
        self.spans: set[tuple[str, int]] = set()
        self.texts: set[str] = set()
        self.story_of: dict[str, str] = {}  # story id → the article that represents it

    def admit(self, passage: Passage) -> Passage | None:
        """The passage trimmed to its first run of new sentences (offsets stay exact), or None.

        A passage from another copy of a story already represented is dropped whole: its
        sentences differ only by a dateline or an edit, and the copy is listed in ``also_in``.
        """
        article_id = passage.chunk.article.article_id
        story = passage.chunk.article.story_id
        if story is not None and self.story_of.get(story, article_id) != article_id:
            return None
        offset = passage.chunk.start

        def text(span: tuple[int, int]) -> str:
            return normalise(passage.chunk.text[span[0] - offset:span[1] - offset])

        run: list[tuple[int, int]] = []
        for span in passage.sentences:
            if (article_id, span[0]) not in self.spans and text(span) not in self.texts:
                run.append(span)
            elif run:
                break  # keep one contiguous run: the text between sentences stays the article's own
        if not run:
            return None
        passage.sentences = run
        passage.start, passage.end = run[0][0], run[-1][1]
        passage.text = passage.chunk.text[passage.start - offset: passage.end - offset]
        for span in run:
            self.spans.add((article_id, span[0]))
            self.texts.add(text(span))
        if story is not None:
            self.story_of[story] = article_id
        return passage


def normalise(text: str) -> str:
    """Lower case and single spaces: how two copies of one sentence are recognised."""
    return " ".join(text.lower().split())
