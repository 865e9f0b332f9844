"""Time in a question, read relative to the as-of date: the windows it names ("this week", "in 2006",
"on March 3", "since March 2008", "in 2007 and 2008") and whether it asks about the present ("now",
"currently", "latest").

A window is evidence about the event, never a cut (qa/time_evidence.py scores it): relative words
are rolling and soft-edged ("this week" asked on a Thursday is the seven days before, so Sunday's
report counts), "last year" is read both as the past twelve months and as the previous calendar year,
and a window wholly after the as-of date is a planned event, matched by the dates articles mention.

Rules rather than a general date parser: relative phrases are few, and every rule is listed in
tests/qa/test_timeframe.py against a fixed as-of date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
YEAR = r"(?:1[89]|20)\d{2}"
UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365}
NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "few": 3, "several": 3}
COUNT = r"(?P<count>\d+|" + "|".join(NUMBER_WORDS) + ")"
#: "recently" and friends: how far back a window reaches.
RECENT_DAYS = 30
#: Words before a month that make it a date ("in March", "since March 2008"): without them a month
#: name followed by a number ("march 20 blocks") is read as a date only when written with a capital.
DATE_WORDS = r"(?:in|during|since|on|by|until|before|after|of|from|early|late|mid-?|last)"

PRESENT = re.compile(
    r"\b(now|nowadays|currently|current|latest|newest|most recent|still|so far|at present|presently|"
    r"these days|at the moment|as of today|right now|ongoing|to date)\b"
    r"|^\s*(who|what|which)\s+(leads|heads|runs|chairs|governs|controls|is leading|is running)\b"
    r"|\bwhat is the (status|state)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeWindow:
    """Days a question is about, as evidence: ``soft_days`` past either edge still count, fading."""

    start: date
    end: date
    phrase: str  # the words it was read from
    soft_days: int = 0
    relative: bool = False  # read from words relative to the as-of date ("this week"), not a named period
    planned: bool = False  # wholly after the as-of date: an event announced ahead, found by mentions only

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_window(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, as_of: date) -> int:
    """The year of the most recent such month on or before the as-of date."""
    return as_of.year if month <= as_of.month else as_of.year - 1


def _years(first: int, last: int) -> tuple[date, date] | None:
    return (date(first, 1, 1), date(last, 12, 31)) if first <= last else None


Span = tuple[date, date]


def _rules(as_of: date):
    """(pattern, function of the match → a list of (start, end, soft days, relative)), most specific first.
    A match claims its words: later rules do not read them again."""

    def day_of(m) -> date | None:
        month, day = MONTHS[m["month"].lower().rstrip(".")], int(m["day"])
        try:
            named = date(int(m["year"]) if m["year"] else as_of.year, month, day)
            if not m["year"] and named > as_of:
                named = named.replace(year=as_of.year - 1)
        except ValueError:  # "February 30", or February 29 of a common year
            return None
        return named

    def on_day(m):
        if not m["year"] and not m["lead"] and not m["month"][0].isupper():
            return []  # "march 20 blocks": the verb
        named = day_of(m)
        return [(named, named, 2, False)] if named else []

    def since_month(m):
        start = date(int(m["year"]), MONTHS[m["month"].lower().rstrip(".")], 1)
        return [(start, max(start, as_of), 7, False)]

    def month_year(m):
        return [(*_month_window(int(m["year"]), MONTHS[m["month"].lower().rstrip(".")]), 7, False)]

    def bare_month(m):
        month = MONTHS[m["month"].lower().rstrip(".")]
        return [(*_month_window(_latest_month(month, as_of), month), 7, False)]

    def year_range(m):
        first, second = int(m["y1"]), m["y2"] or m["y3"]
        last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
        span = _years(first, last)
        return [(*span, 30, False)] if span else []

    def since_year(m):
        start = date(int(m["year"]), 1, 1)
        return [(start, max(start, as_of), 30, False)]

    def year(m):
        return [(*_years(int(m["year"]), int(m["year"])), 30, False)]

    def span(m):
        count = m["count"].lower()
        n = int(count) if count.isdigit() else NUMBER_WORDS.get(count, 1)
        days = n * UNITS[m["unit"].lower()]
        return [(as_of - timedelta(days=days), as_of, max(2, days // 4), True)]

    def rolling(back: int, length: int, soft: int):
        return lambda m: [(as_of - timedelta(days=back + length), as_of - timedelta(days=back), soft, True)]

    def last_month(m):
        first = as_of.replace(day=1)
        previous = first - timedelta(days=1)
        return [(*_month_window(previous.year, previous.month), 7, True),
                (as_of - timedelta(days=60), as_of - timedelta(days=30), 7, True)]

    def last_year(m):
        return [(as_of - timedelta(days=365), as_of, 30, True), (*_years(as_of.year - 1, as_of.year - 1), 30, True)]

    month_day = rf"(?P<lead>\b(?:on|of|since|by|until|before|after)\s+)?\b{MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?" \
                rf"(?:,?\s+(?P<year>{YEAR}))?\b"
    return [
        (rf"\bsince\s+{MONTH}\s+(?P<year>{YEAR})\b", since_month),
        (month_day, on_day),
        (rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}(?:,?\s+(?P<year>{YEAR}))?\b",
         lambda m: [(d, d, 2, False)] if (d := day_of(m)) else []),
        (rf"\b(?:{DATE_WORDS}\s+)?{MONTH},?\s+(?:of\s+)?(?P<year>{YEAR})\b", month_year),
        (rf"\b{DATE_WORDS}\s+{MONTH}(?!\s+\d)\b", bare_month),
        (rf"\b(?:(?:in|during|between|from)\s+)?(?P<y1>{YEAR})(?:\s*(?:-|–|—)\s*(?P<y2>{YEAR}|\d{{2}})|"
         rf"\s+(?:to|and|through|until)\s+(?:in\s+)?(?P<y3>{YEAR}))\b", year_range),
        (rf"\bsince\s+(?P<year>{YEAR})\b", since_year),
        (rf"\b(?:in|during|of|for|by|before|after|throughout)\s+(?P<year>{YEAR})\b", year),
        (rf"\b(?:in|over|during|for)\s+the\s+(?:past|last)\s+{COUNT}\s+(?P<unit>days?|weeks?|months?|years?)\b", span),
        (rf"\b(?:past|last)\s+{COUNT}\s+(?P<unit>days?|weeks?|months?|years?)\b", span),
        (r"\btoday\b|\bthis morning\b|\btonight\b", rolling(0, 0, 1)),
        (r"\byesterday\b", rolling(1, 0, 1)),
        (r"\b(?:(?:in|over|during)\s+the\s+)?(?:past|last)\s+(?:12|twelve)\s+months\b|"
         r"\b(?:(?:in|over|during)\s+the\s+)?past\s+year\b", rolling(0, 365, 30)),
        (r"\b(?:(?:in|over|during)\s+the\s+)?past\s+week\b|\bthis\s+week\b", rolling(0, 7, 3)),
        (r"\blast\s+week\b", rolling(7, 7, 3)),
        (r"\b(?:(?:in|over|during)\s+the\s+)?past\s+month\b|\bthis\s+month\b", rolling(0, 30, 7)),
        (r"\blast\s+month\b", last_month),
        (r"\bthis\s+year\b", lambda m: [(date(as_of.year, 1, 1), as_of, 30, True)]),
        (r"\b(?:over\s+|in\s+|during\s+)?(?:the\s+)?last\s+year\b", last_year),
        (r"\b(?:recently|lately|in\s+recent\s+(?:days|weeks))\b", rolling(0, RECENT_DAYS, 14)),
    ]


def time_windows(question: str, as_of: date) -> list[TimeWindow]:
    """Every window the question names, relative to ``as_of``, in the order its words come."""
    found: list[tuple[int, TimeWindow]] = []
    taken: list[tuple[int, int]] = []
    for pattern, make in _rules(as_of):
        for match in re.finditer(pattern, question, re.IGNORECASE):
            if "month" in match.groupdict() and match["month"] == "may":
                continue  # "may" the verb, not the month (which is written "May")
            a, b = match.span()
            if any(a < y and b > x for x, y in taken):
                continue
            spans = make(match)
            if spans:
                taken.append((a, b))
            for start, end, soft, relative in spans:
                found.append((a, TimeWindow(start, end, match.group(0).strip(), soft, relative, start > as_of)))
    return [w for _, w in sorted(found, key=lambda item: item[0])]


def time_window(question: str, as_of: date) -> TimeWindow | None:
    """The first window the question names (see ``time_windows``); None when it names none."""
    windows = time_windows(question, as_of)
    return windows[0] if windows else None


def asks_for_present(question: str) -> bool:
    """Whether the question asks about the state of things now (a soft preference for recent articles)."""
    return PRESENT.search(question) is not None
