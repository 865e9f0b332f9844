"""Extractive answers: the best retrieved sentences, verbatim, each with its citation.

No generator is available offline, so every word of an answer is a quote whose article
and character offsets are returned. Each sentence of the top passages is scored by a learned
model (qa/answering: features of the question/sentence pair; a listwise ranker and an answerability
logistic regression, trained by scripts/train_answerer.py). The ranker's best sentence leads — unless the
question asks for a kind of fact it lacks by the entity recogniser and one of the next few holds one (then
that one leads, the best kept beside it). The ranker's best sentence's probability of answering decides
whether to decline (below the threshold chosen on a validation split); the lead's is the answer's
confidence. Further sentences join, in the ranker's order, until the quoted ones hold the set share of the ranker's probability (a confidence set: when the ranker is sure, one quote; when two
sentences compete, both). For short-fact questions the entity of the asked kind inside the best quote is
marked as its span.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from index import Encoder, IndexReader
from qa.answering import candidates as gathering
from qa.answering.features import FEATURES, extract
from qa.answering.kinds import expected_kind, kind_match  # noqa: F401  (re-exported: the kinds' old home)
from qa.answering.model import DEFAULT_PATH, SentenceModel
from qa.answering.spans import EntitySpans, load_span_finder
from qa.passages import Passage, normalise
from qa.settings import AnswerSettings

_KIND_WORDS = {"number": "a number", "duration": "a duration", "date": "a date", "name": "a name",
               "place": "a place", "organisation": "an organisation"}
_COVERAGE = FEATURES.index("coverage")
_KIND = FEATURES.index("kind_present")
#: A sentence of a passage that speaks about the question's time window (published in it, or mentioning a
#: day inside it): between two sentences that say the same of different days, the one about the asked day wins.
#: Added to the ranker's logit (odds × e^0.25 ≈ 1.28 at full evidence; not learned: SQuAD is undated); the
#: decline rule reads the answerability probability itself.
WEIGHT_TIME_EVIDENCE = 0.25


@dataclass
class ScoredSentence:
    passage_index: int
    start: int  # offsets in the article body
    end: int
    text: str
    score: float  # P(the sentence answers the question), from the answerability model
    rank: float  # the ranker's logit (plus time evidence): orders the sentences of one question
    similarity: float
    overlap: float  # IDF-weighted share of the question's terms it holds
    has_kind: bool  # holds the kind of fact the question asks for (False when it asks for none)


@dataclass(frozen=True)
class AnswerSpan:
    """The short answer inside a quote, in the article's offsets: article text[start:end] == text."""

    start: int
    end: int
    text: str


@dataclass
class Citation:
    n: int
    passage: Passage
    start: int
    end: int
    quote: str
    score: float
    answer_span: AnswerSpan | None = None
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
    confidence: float | None = None  # P(the best sentence answers), compared with the decline threshold


class Answerer:
    def __init__(self, encoder: Encoder, settings: AnswerSettings) -> None:
        self.encoder = encoder
        self.settings = settings
        self.model = SentenceModel.load(settings.answer_model or DEFAULT_PATH)
        self.threshold = self.model.threshold if settings.answer_min_score is None else settings.answer_min_score
        self._spans: EntitySpans | None = None
        self._spans_loaded = False
        self._spans_lock = threading.Lock()

    def score_sentences(self, question: str, query_vector: np.ndarray, passages: list[Passage],
                        index: IndexReader) -> list[ScoredSentence]:
        """Every sentence of the top passages with its probability of answering, in the ranker's order."""
        passages = passages[: self.settings.answer_passages]
        sentences, candidates = gathering.gather(query_vector, passages, index, self.encoder)
        if not candidates:
            return []
        x = extract(question, candidates, [p.text for p in passages], index.stems,
                    gathering.question_idf(question, index), [p.chunk.article.title for p in passages])
        probability = self.model.probabilities(x)
        rank = self.model.rank_scores(x) + WEIGHT_TIME_EVIDENCE * np.asarray(
            [passages[s.passage_index].time_evidence for s in sentences])
        scored = [ScoredSentence(s.passage_index, s.start, s.end, s.text, float(p), float(r), c.similarity,
                                 float(row[_COVERAGE]), bool(row[_KIND]))
                  for s, c, row, p, r in zip(sentences, candidates, x, probability, rank)]
        return sorted(scored, key=lambda s: (-s.rank, s.passage_index, s.start))

    def span_finder(self) -> EntitySpans | None:
        """The entity model, loaded once on the first short-fact question (None when not installed)."""
        if not self._spans_loaded:
            with self._spans_lock:
                if not self._spans_loaded:
                    self._spans = load_span_finder(self.settings.answer_span_model)
                    self._spans_loaded = True
        return self._spans

    def _span(self, question: str, kind: str | None, s: ScoredSentence) -> AnswerSpan | None:
        finder = self.span_finder() if kind is not None else None
        found = finder.find(question, kind, s.text) if finder is not None else None
        if found is None:
            return None
        return AnswerSpan(s.start + found.start, s.start + found.end, found.text)

    def answer(self, question: str, query_vector: np.ndarray, passages: list[Passage],
               index: IndexReader) -> Answer:
        if not passages:
            return Answer(None, False, "No passage in the index matches this question (or the filters).", [])
        ranked = self.score_sentences(question, query_vector, passages, index)
        if not ranked:
            return Answer(None, False, "The retrieved passages hold no sentences to quote.", [])
        best = ranked[0]
        if best.score < self.threshold:
            return Answer(
                None, False,
                f"The closest sentence answers with probability {best.score:.2f}, below the answerability "
                f"threshold {self.threshold:.2f}: the indexed articles do not seem to answer this question.",
                [], confidence=best.score,
            )
        kind = expected_kind(question)
        share = _shares(ranked)
        lead = self._typed_lead(question, kind, ranked)
        if lead is None:
            return Answer(
                None, False,
                f"None of the {1 + self.settings.answer_type_lookahead} closest sentences names "
                f"{_KIND_WORDS.get(kind, 'the kind of fact asked for')}: the indexed articles do not seem to "
                "answer this question.", [], confidence=best.score)
        chosen = [lead] if lead is best else [lead, best]
        quoted = {normalise(s.text) for s in chosen}
        held = share[0] + (share[ranked.index(lead)] if lead is not best else 0.0)
        for candidate, candidate_share in zip(ranked[1:], share[1:]):
            if len(chosen) >= self.settings.answer_max_sentences or held >= self.settings.answer_confidence_mass:
                break
            if normalise(candidate.text) in quoted:  # the same sentence (or one carried by another article)
                continue
            if kind is not None and not candidate.has_kind:  # a factual question: only sentences with such a fact
                continue
            chosen.append(candidate)
            quoted.add(normalise(candidate.text))
            held += candidate_share
        # Reading order within an article reads better than score order; the lead's article first.
        best_article = passages[lead.passage_index].chunk.article.article_id

        def reading_order(s: ScoredSentence) -> tuple:
            article_id = passages[s.passage_index].chunk.article.article_id
            return (article_id != best_article, article_id, s.start)

        chosen.sort(key=reading_order)
        # A quote beside the lead scores below it by the ranker's odds between the two (mirrored for the
        # best-ranked sentence kept as context beside a typed lead), so the highest score marks the lead.
        citations = [
            Citation(n=n, passage=passages[s.passage_index], start=s.start, end=s.end, quote=s.text,
                     score=lead.score if s is lead else lead.score * float(np.exp(-abs(s.rank - lead.rank))),
                     answer_span=self._span(question, kind, s) if s is lead else None)
            for n, s in enumerate(chosen, start=1)
        ]
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        return Answer(text, True, None, citations, confidence=lead.score)

    def _typed_lead(self, question: str, kind: str | None, ranked: list[ScoredSentence]) -> ScoredSentence | None:
        """The sentence that leads the answer: the ranker's best, unless the question asks for a kind of fact
        (a name, a number, a date …) that the best sentence does not hold by the entity recogniser while one
        of the next few does and clears the threshold. A news lead often restates the question's words ("Which MP
        supports McDonald's campaign…?": "McDonald's has begun a campaign… by lobbying British MPs") and the fact
        asked for is in a later sentence ("Clive Betts, MP for…, agrees"); a sentence without an entity of the
        asked kind cannot answer it."""
        lookahead = self.settings.answer_type_lookahead
        finder = self.span_finder() if kind is not None and lookahead else None
        if finder is None or finder.holds(question, kind, ranked[0].text):
            return ranked[0]
        any_holds = False
        for candidate in ranked[1:1 + lookahead]:
            if finder.holds(question, kind, candidate.text):
                if candidate.score >= self.threshold:
                    return candidate
                any_holds = True
        return None if self.settings.answer_type_decline and not any_holds else ranked[0]


def _shares(ranked: list[ScoredSentence]) -> np.ndarray:
    """Each sentence's share of the ranker's softmax: its chance of being the answer if one is there."""
    logits = np.asarray([s.rank for s in ranked])
    e = np.exp(logits - logits.max())
    return e / e.sum()
