"""Windows read from a question as evidence in the ranking, never as a cut.

An article scores for a window when it was published in it or shortly after (reports follow
events: ``lag_days``), or when the chunk's text mentions a date inside it (an inquiry a year later
naming the night of the riot, a preview naming next year's merger). Soft edges fade the score
over ``window.soft_days`` past either end; a mention counts in proportion to how precisely it
names the window (a mention of "2009" says little about 5 July 2009). A planned window (wholly
after the as-of date) scores by mentions only: a report of a plan is published before the event.

Pure functions of dates, tested in tests/qa/test_time_evidence.py; ``WindowEvidence`` applies them
as a rescorer of the fused candidates, with the dates the index stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from index import DateMention, IndexReader
from qa.timeframe import TimeWindow


@dataclass(frozen=True)
class TimeEvidenceSettings:
    weight: float = 1.0  # a candidate's score is multiplied by at most 1 + weight
    lag_days: int = 7  # publication this many days after a window still reports on it in full
    mention_weight: float = 0.25  # a mentioned date's evidence against publication's (0: publication only)


def _fade(distance_days: int, soft_days: int) -> float:
    """1 inside (distance 0), halving every ``soft_days`` outside, 0 past four of them or without a soft edge."""
    if distance_days <= 0:
        return 1.0
    if soft_days <= 0 or distance_days > 4 * soft_days:
        return 0.0
    return 0.5 ** (distance_days / soft_days)


def _distance(first: date, last: date, start: date, end: date) -> int:
    """Days between the spans [first, last] and [start, end]; 0 when they overlap."""
    if last < start:
        return (start - last).days
    if first > end:
        return (first - end).days
    return 0


def published_score(published: date | None, window: TimeWindow, lag_days: int) -> float:
    if published is None or window.planned:
        return 0.0
    end = window.end if window.relative else window.end + _days(lag_days)
    return _fade(_distance(published, published, window.start, end), window.soft_days)


def mention_score(mentions: Sequence[DateMention], window: TimeWindow) -> float:
    best = 0.0
    for m in mentions:
        fade = _fade(_distance(m.first, m.last, window.start, window.end), window.soft_days)
        if fade == 0.0:
            continue
        span = (m.last - m.first).days + 1
        best = max(best, fade * min(1.0, window.days / span))
    return best


def evidence(published: date | None, mentions: Sequence[DateMention], windows: Sequence[TimeWindow],
             lag_days: int, mention_weight: float = 1.0) -> float:
    """How strongly a chunk speaks about any of the windows, 0 to 1."""
    return max((max(published_score(published, w, lag_days), mention_weight * mention_score(mentions, w))
                for w in windows), default=0.0)


class WindowEvidence:
    """A rescorer of the fused list (qa.retrievers.Rescorer): ``score × (1 + weight × evidence)``.
    One per request; ``found`` keeps each candidate's evidence for the passages cut from the list."""

    def __init__(self, windows: Sequence[TimeWindow], settings: TimeEvidenceSettings) -> None:
        self.windows = list(windows)
        self.settings = settings
        self.found: dict[int, float] = {}

    def rescore(self, fused: list[tuple[int, float]], index: IndexReader) -> list[tuple[int, float]]:
        if not self.windows or not fused or self.settings.weight <= 0:
            return fused
        ids = [cid for cid, _ in fused]
        dates = index.chunk_dates(ids)
        weight = self.settings.mention_weight
        mentioned = index.date_mentions(ids) if weight > 0 else {}
        self.found = {cid: evidence(dates.get(cid), mentioned.get(cid, ()), self.windows, self.settings.lag_days,
                                    weight) for cid in ids}
        boosted = [(cid, score * (1.0 + self.settings.weight * self.found[cid])) for cid, score in fused]
        return sorted(boosted, key=lambda item: (-item[1], item[0]))


def candidate_filters(window: TimeWindow, lag_days: int, mentions: bool = True) -> list[tuple[str, tuple[date, date]]]:
    """The restrictions of a window-restricted retrieval: published in the window (plus lag and soft
    edge) unless it is planned, and mentioning it."""
    out = []
    if not window.planned:
        soft = _days(window.soft_days)
        out.append(("window", (window.start - soft, window.end + soft + _days(0 if window.relative else lag_days))))
    if mentions:
        out.append(("mentioning", (window.start - _days(window.soft_days), window.end + _days(window.soft_days))))
    return out


def describe(window: TimeWindow) -> str:
    if window.start == window.end:
        return f"'{window.phrase}' ({window.start})"
    return f"'{window.phrase}' ({window.start} to {window.end})"


def empty_window_note(windows: Sequence[TimeWindow], newest: date | None) -> str:
    """Said when no evidence speaks about the question's window: the answer comes from the best there is."""
    named = "; ".join(describe(w) for w in windows)
    tail = f"; the newest matching article is from {newest}" if newest else ""
    return f"nothing from {named} in the index{tail}"


def _days(n: int) -> timedelta:
    return timedelta(days=n)
