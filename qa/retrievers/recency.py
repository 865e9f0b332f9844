"""A bounded preference for articles near the as-of date: a rescorer of the fused list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from index import ArticleLookup
from qa.retrievers.base import Hits, by_score


@dataclass(frozen=True)
class Recency:
    """A score is multiplied by at most ``1 + weight``, halving with every ``half_life_days`` of age;
    undated articles are neither boosted nor cut."""

    as_of: date
    weight: float
    half_life_days: float

    def factor(self, published: date | None) -> float:
        if published is None or self.weight <= 0:
            return 1.0
        age = max(0, (self.as_of - published).days)
        return 1.0 + self.weight * 0.5 ** (age / self.half_life_days)

    def rescore(self, fused: Hits, index: ArticleLookup) -> Hits:
        dates = index.chunk_dates([cid for cid, _ in fused])
        return by_score({cid: score * self.factor(dates.get(cid)) for cid, score in fused})
