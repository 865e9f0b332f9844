"""Stage "timeline": the retrieved stories in date order, each article once with its first report, one
quoted sentence (of its best passage, the one closest to the query), its other copies, and what changed
since the point before (a number, year or calendar word the earlier quote gave differently) — so a change
is always between two reports, never between two sentences of one article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from index import ArticleMeta
from qa.claims import facts_of
from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import Settings


@dataclass
class Point:
    article: ArticleMeta  # the article quoted
    first_report: ArticleMeta  # the earliest copy of its story (often the article itself)
    start: int
    end: int
    quote: str
    score: float
    also_in: list[ArticleMeta] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # "number: 12 → 31"


#: A story joins the timeline when its passage scores at least this share of the best one: retrieval
#: always fills its list, and a timeline of loosely related stories misleads more than a short one.
RELEVANCE_SHARE = 0.5


#: Passages retrieved for a timeline: several may come from one long article, which is one point.
PASSAGES = 40


class TimelineStage:
    name = "timeline"
    uses_index = True
    passages_needed = PASSAGES

    def run(self, state: State, snapshot: Snapshot) -> None:
        index, vector = snapshot.index, state.query_vector
        points = []
        seen: set[str] = set()
        best_score = state.passages[0].score if state.passages else 0.0
        for p in state.passages:
            if p.score < RELEVANCE_SHARE * best_score or len(points) >= state.request.top_k:
                break
            if p.chunk.article.article_id in seen:  # one point per report: its best passage
                continue
            seen.add(p.chunk.article.article_id)
            copies = [p.chunk.article, *p.also_in]
            first = min(copies, key=lambda m: (m.effective_date or date.max, m.article_id))
            stored = index.sentence_vectors(p.chunk.article.article_id, [s for s, _ in p.sentences],
                                            p.chunk.article.revision)
            best = max(p.sentences, key=lambda span: float(np.dot(stored[span[0]], vector)) if span[0] in stored
                       else -1.0)
            quote = p.text[best[0] - p.start:best[1] - p.start]
            points.append(Point(p.chunk.article, first, best[0], best[1], quote, p.score,
                                [m for m in copies if m.article_id != p.chunk.article.article_id]))
        points.sort(key=lambda pt: (pt.first_report.effective_date or date.max, pt.article.article_id))
        for before, after in zip(points, points[1:]):
            after.changed = changes(before.quote, after.quote)
        state.timeline = points


WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


def changes(before: str, after: str) -> list[str]:
    """Values of a kind both quotes state that differ between them ("number: 12 → 31"); weekdays are
    left out (each report names the day it was written)."""
    old, new = facts_of(before).kinds(), facts_of(after).kinds()
    out = []
    for kind in ("number", "year", "date"):
        gone, came = old[kind] - new[kind] - WEEKDAYS, new[kind] - old[kind] - WEEKDAYS
        if gone and came:
            out.append(f"{kind}: {', '.join(sorted(gone))} → {', '.join(sorted(came))}")
    return out


@STAGES.register("timeline")
def _timeline(settings: Settings, services: Services) -> TimelineStage:
    return TimelineStage()
