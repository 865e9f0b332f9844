"""Stage "verdict": a claim checked against the record — supported, contradicted, mixed, or not enough
evidence — with the deciding sentences, each a dated verbatim quote, newest first (qa.claims)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from index import ArticleMeta
from qa.claims import Judgement, Thresholds, judge, read
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


def thresholds(s: ClaimSettings) -> Thresholds:
    return Thresholds(support_coverage=s.check_support_coverage,
                      support_sentence_coverage=s.check_support_sentence_coverage,
                      contradict_coverage=s.check_contradict_coverage,
                      sentence_coverage=s.check_min_sentence_coverage, align_weight=s.check_align_weight,
                      publication_lag_days=s.check_publication_lag_days,
                      support_similarity=s.check_support_similarity,
                      contradict_similarity=s.check_contradict_similarity)


class VerdictStage:
    name = "verdict"
    uses_index = True
    passages_needed = 10  # the claim's top passages, beside the most similar sentences of any article

    def __init__(self, settings: ClaimSettings) -> None:
        self.settings = settings
        self.thresholds = thresholds(settings)

    def run(self, state: State, snapshot: Snapshot) -> None:
        index, as_of = snapshot.index, state.plan.as_of
        claim = read(state.request.question, index.stems, as_of)
        n = max(index.chunk_count(), 1)
        df = index.document_frequencies(sorted(claim.stems))
        # BM25's IDF of the claim's stems the index holds; a stem no chunk holds weighs 1 (qa.claims.coverage):
        # no sentence can cover it, so it must not outweigh the words that place the event.
        idf = {s: math.log(1 + (n - f + 0.5) / (f + 0.5)) for s, f in df.items() if f}
        judged: dict[str, list[Quote]] = {"supports": [], "contradicts": []}
        seen: set[str] = set()
        titles: dict[str, object] = {}
        for meta, start, end, text, similarity in self._candidates(state, snapshot):
            key = normalise(text)
            if key in seen:  # the same sentence carried by a syndicated copy
                continue
            seen.add(key)
            published = meta.effective_date
            if meta.article_id not in titles:
                titles[meta.article_id] = read(meta.title or "", index.stems, published or as_of)
            verdict: Judgement = judge(claim, read(text, index.stems, published or as_of), idf, self.thresholds,
                                       titles[meta.article_id], published, similarity)
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
