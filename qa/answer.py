"""Extractive answers: the best retrieved sentences, verbatim, each with its citation.

No generator is available offline, so every word of an answer is a quote whose article
and character offsets are returned. Sentences are scored by embedding similarity to the
question, IDF-weighted overlap of question words, whether they hold the kind of fact
the question asks for, and the rank of their passage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from index import Encoder, IndexReader
from qa.passages import Passage, normalise
from qa.settings import AnswerSettings

NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                    r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.IGNORECASE)
DATE = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})\b|\b(?:January|February|March|April|May|June|July|August|September|"
                  r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                  r"yesterday|today|tomorrow|century|decade)\b", re.IGNORECASE)
DURATION = re.compile(
    r"(?:\d[\d,.]*|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|several|few|many|half)\b)[\s-]+(?:\w+[\s-]+)?"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|"
    r"miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inches?)\b", re.IGNORECASE)
# "how long", "how many" … name the kind of answer, not what it is about.
QUESTION_FORM = re.compile(r"\bhow\s+(?:long|many|much|far|old|big|large|often|tall|high)\b", re.IGNORECASE)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")


# Sentence score = weighted sum of these signals. Set by hand, then checked on SQuAD dev
# (scripts/evaluate.py): similarity carries most of it, overlap catches names and rare words
# the small model blurs, the kind match breaks ties towards sentences holding the asked fact.
WEIGHT_SIMILARITY = 0.55
WEIGHT_OVERLAP = 0.35
WEIGHT_KIND = 0.10
WEIGHT_PASSAGE_RANK = 0.05
#: A sentence of a passage that speaks about the question's time window (published in it, or mentioning a
#: day inside it): between two sentences that say the same of different days, the one about the asked day wins.
WEIGHT_TIME_EVIDENCE = 0.05


@dataclass
class ScoredSentence:
    passage_index: int
    start: int  # offsets in the article body
    end: int
    text: str
    score: float
    similarity: float
    overlap: float
    has_kind: bool  # holds the kind of fact the question asks for (False when it asks for none)


@dataclass
class Citation:
    n: int
    passage: Passage
    start: int
    end: int
    quote: str
    score: float
    corroborated_by: list = field(default_factory=list)  # qa.corroborate.Evidence
    conflicting: list = field(default_factory=list)
    dates: list = field(default_factory=list)  # index.DateMention: the dates the quote mentions


@dataclass
class Answer:
    answer: str | None
    answerable: bool
    reason: str | None
    citations: list[Citation]
    method: str = "extractive"  # or "generated"
    confidence: float | None = None  # the best sentence's score, compared with answer_min_score


def expected_kind(question: str) -> str | None:
    """The kind of fact a question asks for, from its wording."""
    q = question.lower()
    if re.search(r"\bhow (long|far)\b", q):
        return "duration"
    if re.search(r"\bhow (many|much|old|big|large|often|tall|high)\b|\bwhat (percentage|number|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time|century)\b|\bwhich (year|date|day|month)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q):
        return "name"
    return None


def kind_match(kind: str | None, sentence: str, question: str) -> float:
    """1.0 when the sentence holds a fact of the expected kind that the question does not already hold."""
    if kind is None:
        return 0.0
    pattern = {"number": NUMBER, "duration": DURATION, "date": DATE, "name": NAME}[kind]
    asked = {m.lower() for m in pattern.findall(question)}
    return 1.0 if any(m.lower() not in asked for m in pattern.findall(sentence)) else 0.0


class Answerer:
    def __init__(self, encoder: Encoder, settings: AnswerSettings) -> None:
        self.encoder = encoder
        self.settings = settings

    def score_sentences(self, question: str, query_vector: np.ndarray, passages: list[Passage],
                        index: IndexReader) -> list[ScoredSentence]:
        candidates: list[tuple[int, int, int, str]] = []
        for p_index, passage in enumerate(passages[: self.settings.answer_passages]):
            for start, end in passage.sentences:
                text = passage.text[start - passage.start:end - passage.start]
                if text.strip():
                    candidates.append((p_index, start, end, text))
        if not candidates:
            return []
        vectors = self._sentence_vectors(candidates, passages, index)
        similarity = vectors @ query_vector
        q_stems = set(index.stems(QUESTION_FORM.sub(" ", question)))
        idf = self._idf(q_stems, index)
        total = sum(idf.values()) or 1.0
        kind = expected_kind(question)
        scored = []
        for (p_index, start, end, text), sim in zip(candidates, similarity):
            overlap = sum(idf[s] for s in q_stems & set(index.stems(text))) / total
            has_kind = kind_match(kind, text, question)
            score = (WEIGHT_SIMILARITY * float(sim) + WEIGHT_OVERLAP * overlap + WEIGHT_KIND * has_kind
                     + WEIGHT_PASSAGE_RANK / (1 + p_index) + WEIGHT_TIME_EVIDENCE * passages[p_index].time_evidence)
            scored.append(ScoredSentence(p_index, start, end, text, score, float(sim), overlap, bool(has_kind)))
        return sorted(scored, key=lambda s: -s.score)

    def _sentence_vectors(self, candidates, passages: list[Passage], index: IndexReader) -> np.ndarray:
        """The index's stored sentence vectors; only sentences it lacks are embedded now."""
        by_article: dict[str, list[int]] = {}
        for p_index, start, _, _ in candidates:
            by_article.setdefault(passages[p_index].chunk.article.article_id, []).append(start)
        stored = {(a, start): v for a, starts in by_article.items()
                  for start, v in index.sentence_vectors(a, starts).items()}
        keys = [(passages[p].chunk.article.article_id, start) for p, start, _, _ in candidates]
        missing = [i for i, key in enumerate(keys) if key not in stored]
        fresh = self.encoder.encode([candidates[i][3] for i in missing])
        vectors = np.zeros((len(candidates), self.encoder.dimension), dtype=np.float32)
        for row, key in enumerate(keys):
            if key in stored:
                vectors[row] = stored[key]
        for row, vector in zip(missing, fresh):
            vectors[row] = vector
        return vectors

    @staticmethod
    def _idf(q_stems: set[str], index: IndexReader) -> dict[str, float]:
        n = max(index.chunk_count(), 1)
        df = index.document_frequencies(sorted(q_stems))
        return {s: math.log(1 + (n - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in q_stems}

    def answer(self, question: str, query_vector: np.ndarray, passages: list[Passage],
               index: IndexReader) -> Answer:
        if not passages:
            return Answer(None, False, "No passage in the index matches this question (or the filters).", [])
        ranked = self.score_sentences(question, query_vector, passages, index)
        if not ranked:
            return Answer(None, False, "The retrieved passages hold no sentences to quote.", [])
        best = ranked[0]
        if best.score < self.settings.answer_min_score:
            return Answer(
                None, False,
                f"The closest sentence scores {best.score:.2f}, below the answerability threshold "
                f"{self.settings.answer_min_score:.2f}: the indexed articles do not seem to answer this question.",
                [], confidence=best.score,
            )
        chosen = [best]
        quoted = {normalise(best.text)}
        wants_kind = expected_kind(question) is not None
        for candidate in ranked[1:]:
            if len(chosen) >= self.settings.answer_max_sentences:
                break
            if normalise(candidate.text) in quoted:  # the same sentence carried by another article
                continue
            # A further sentence must be nearly as good and, for a factual question, hold such a fact too.
            if candidate.score >= self.settings.answer_extra_ratio * best.score and (
                    candidate.has_kind or not wants_kind):
                chosen.append(candidate)
                quoted.add(normalise(candidate.text))
        # Reading order within an article reads better than score order; the best article first.
        best_article = passages[best.passage_index].chunk.article.article_id

        def reading_order(s: ScoredSentence) -> tuple:
            article_id = passages[s.passage_index].chunk.article.article_id
            return (article_id != best_article, article_id, s.start)

        chosen.sort(key=reading_order)
        citations = [
            Citation(n=n, passage=passages[s.passage_index], start=s.start, end=s.end, quote=s.text, score=s.score)
            for n, s in enumerate(chosen, start=1)
        ]
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        return Answer(text, True, None, citations, confidence=best.score)

