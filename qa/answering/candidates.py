"""The sentences of the top passages that compete for the answer, with their vectors and neighbours."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index import Encoder, IndexReader
from qa.answering.features import Candidate
from qa.answering.kinds import content_of
from qa.answering.lemmas import base_forms
from qa.passages import Passage


@dataclass(frozen=True)
class Sentence:
    passage_index: int
    start: int  # offsets in the article body
    end: int
    text: str


def gather(query_vector: np.ndarray, passages: list[Passage], index: IndexReader,
           encoder: Encoder) -> tuple[list[Sentence], list[Candidate]]:
    """Every non-blank sentence of ``passages`` (already cut to the answer depth), in passage order."""
    sentences: list[Sentence] = []
    for p_index, passage in enumerate(passages):
        for start, end in passage.sentences:
            text = passage.text[start - passage.start:end - passage.start]
            if text.strip():
                sentences.append(Sentence(p_index, start, end, text))
    if not sentences:
        return [], []
    similarity = sentence_vectors(sentences, passages, index, encoder) @ query_vector
    candidates = []
    for i, s in enumerate(sentences):
        prev_ok = i > 0 and sentences[i - 1].passage_index == s.passage_index
        next_ok = i + 1 < len(sentences) and sentences[i + 1].passage_index == s.passage_index
        candidates.append(Candidate(s.text, float(similarity[i]), s.passage_index,
                                    float(passages[s.passage_index].score), s.start,
                                    i - 1 if prev_ok else None, i + 1 if next_ok else None))
    return sentences, candidates


def sentence_vectors(sentences: list[Sentence], passages: list[Passage], index: IndexReader,
                     encoder: Encoder) -> np.ndarray:
    """The index's stored sentence vectors; only sentences it lacks are embedded now."""
    by_article: dict[tuple[str, int], list[int]] = {}  # (article id, revision) -> sentence starts
    for s in sentences:
        article = passages[s.passage_index].chunk.article
        by_article.setdefault((article.article_id, article.revision), []).append(s.start)
    stored = {(a, revision, start): v for (a, revision), starts in by_article.items()
              for start, v in index.sentence_vectors(a, starts, revision).items()}
    keys = [(passages[s.passage_index].chunk.article.article_id, passages[s.passage_index].chunk.article.revision,
             s.start) for s in sentences]
    missing = [i for i, key in enumerate(keys) if key not in stored]
    vectors = np.zeros((len(sentences), encoder.dimension), dtype=np.float32)
    for row, key in enumerate(keys):
        if key in stored:
            vectors[row] = stored[key]
    if missing:
        for row, vector in zip(missing, encoder.encode([sentences[i].text for i in missing])):
            vectors[row] = vector
    return vectors


def question_idf(question: str, index: IndexReader) -> dict[str, float]:
    """BM25's IDF of each content stem of the question, from the index's own term statistics."""
    q_stems = sorted(set(index.stems(base_forms(content_of(question)))))
    n = max(index.chunk_count(), 1)
    df = index.document_frequencies(q_stems)
    return {s: math.log(1 + (n - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in q_stems}
