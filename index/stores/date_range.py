"""The dates a version holds, so a date filter that excludes nothing is dropped before it costs a join.

Every question carries an as-of date (today by default); kept, it would restrict every vector and keyword
search to rows passing it. Both stores apply the same rule, so they search the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from index.types import Filters


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class DateRange:
    min_effective: date | None
    max_effective: date | None  # including a later revision's valid_from: an as-of before it is no no-op
    min_published: date | None
    max_published: date | None

    @classmethod
    def of(cls, low, high, first, last, revised=None) -> DateRange:
        """From a store's MIN/MAX query (dates or ISO strings; ``revised``: the latest valid_from of a later
        revision, if any)."""
        high, revised = _day(high), _day(revised)
        return cls(_day(low), max(filter(None, (high, revised)), default=None), _day(first), _day(last))

    def without_noops(self, filters: Filters) -> Filters:
        """``filters`` without an as-of date or window that every dated article of the version passes
        (undated articles pass date filters anyway)."""
        as_of, window = filters.as_of, filters.window
        if as_of and (self.max_effective is None or as_of >= self.max_effective):
            as_of = None
        if window and (self.min_published is None or (window[0] <= self.min_published
                                                       and window[1] >= self.max_published)):
            window = None
        if as_of is filters.as_of and window is filters.window:
            return filters
        return replace(filters, as_of=as_of, window=window)
