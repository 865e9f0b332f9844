"""Snippets: the sentence(s) of a passage that best match a query, verbatim, at most ~50 words.

A whole chunk (~150 words) buries the matching sentence mid-paragraph; news search shows two
lines. Sentences are scored like the answerer's (stored sentence embeddings against the query,
plus IDF-weighted overlap of query words, which catches names the small model blurs), but
nothing is embedded at query time: a sentence without a stored vector scores by its words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from index import DeferredVectors, IndexReader
from qa.grouping import ArticleResult, Snippet
from qa.passages import Passage

WEIGHT_SIMILARITY = 0.6
WEIGHT_OVERLAP = 0.4
WORD = re.compile(r"\S+")


class Snippets:
    """Chooses each result's snippet for one query over one index."""

    def __init__(self, query: str, query_vector: np.ndarray | None, index: IndexReader, max_words: int) -> None:
        self.vector = query_vector
        self.index = index
        self.max_words = max_words
        stems = sorted(set(index.stems(query)))
        n = max(index.chunk_count(), 1)
        df = index.document_frequencies(stems) if stems else {}
        # A sentence holds a query word when a word of it starts with the word's stem: stemming every
        # sentence (the index's stemmer) costs more than the rest of the snippet together.
        self.terms = [(re.compile(rf"(?<!\w){re.escape(s)}", re.IGNORECASE),
                       math.log(1 + (n - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5))) for s in stems]

    def fill(self, results: Sequence[ArticleResult]) -> None:
        if self.vector is not None and isinstance(self.index, DeferredVectors):
            self.index.chunks([r.best.chunk.id for r in results])  # their sentence vectors, in one round trip
        for result in results:
            result.snippet = self.of(result.best)

    def of(self, passage: Passage) -> Snippet:
        spans = [s for s in passage.sentences if _text(passage, *s).strip()] or [(passage.start, passage.end)]
        scores = self.scores(passage, spans)
        best = int(np.argmax(scores))
        lo = hi = best
        words = _words(passage, *spans[best])
        # Add whole neighbouring sentences (the better-scoring side first) while the limit allows.
        while True:
            sides = [i for i in (lo - 1, hi + 1) if 0 <= i < len(spans)]
            sides = [i for i in sides if words + _words(passage, *spans[i]) <= self.max_words]
            if not sides:
                break
            pick = max(sides, key=lambda i: scores[i])
            words += _words(passage, *spans[pick])
            lo, hi = min(lo, pick), max(hi, pick)
        start, end = spans[lo][0], spans[hi][1]
        if words > self.max_words:  # one sentence longer than the limit: cut after its last whole word
            cut = list(WORD.finditer(_text(passage, start, end)))[self.max_words - 1]
            return Snippet(start, start + cut.end(), _text(passage, start, start + cut.end()), truncated=True)
        return Snippet(start, end, _text(passage, start, end))

    def scores(self, passage: Passage, spans: list[tuple[int, int]]) -> list[float]:
        stored = (self.index.sentence_vectors(passage.chunk.article.article_id, [s for s, _ in spans],
                                              passage.chunk.article.revision)
                  if self.vector is not None else {})
        total = sum(idf for _, idf in self.terms) or 1.0
        out = []
        for start, end in spans:
            vector = stored.get(start)
            similarity = float(vector @ self.vector) if vector is not None else 0.0
            text = _text(passage, start, end)
            overlap = sum(idf for term, idf in self.terms if term.search(text)) / total
            out.append(WEIGHT_SIMILARITY * similarity + WEIGHT_OVERLAP * overlap)
        return out


def _text(passage: Passage, start: int, end: int) -> str:
    """Article text at [start, end), read from the passage's chunk (offsets are the article's)."""
    offset = passage.chunk.start
    return passage.chunk.text[start - offset:end - offset]


def _words(passage: Passage, start: int, end: int) -> int:
    return len(WORD.findall(_text(passage, start, end)))
