"""Time in a question, read relative to the as-of date: an explicit window ("last week",
"in 2006", "on March 3") becomes a date filter; words asking for the present ("now",
"currently", "latest") ask for a preference for recent articles.

Rules rather than a general date parser: relative phrases are few, and a wrong window hides
the answer, so every rule is listed in tests/qa/test_timeframe.py against a fixed as-of date.
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
UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365}
NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "few": 3, "several": 3}
#: "recently" and friends: how far back a window reaches.
RECENT_DAYS = 30

PRESENT = re.compile(
    r"\b(now|nowadays|currently|current|latest|newest|most recent|still|so far|at present|presently|"
    r"these days|at the moment|as of today|right now|ongoing|to date)\b"
    r"|^\s*(who|what|which)\s+(leads|heads|runs|chairs|governs|controls|is leading|is running)\b"
    r"|\bwhat is the (status|state)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeWindow:
    start: date
    end: date
    phrase: str  # the words it was read from


def _month_window(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _latest_month(month: int, as_of: date) -> int:
    """The year of the most recent such month on or before the as-of date."""
    return as_of.year if month <= as_of.month else as_of.year - 1


def _rules(as_of: date):
    """(pattern, function of the match → (start, end)), most specific first."""
    monday = as_of - timedelta(days=as_of.weekday())
    first = as_of.replace(day=1)
    last_month_end = first - timedelta(days=1)

    def on_day(m):
        """A named day; without a year, the latest such day on or before the as-of date."""
        month, day = MONTHS[m["month"].lower()], int(m["day"])
        try:
            named = date(int(m["year"]) if m["year"] else as_of.year, month, day)
            if not m["year"] and named > as_of:
                named = named.replace(year=as_of.year - 1)
        except ValueError:  # "February 30", or February 29 of a common year
            return None
        return named, named

    def span(m):
        count = m["count"].lower()
        n = int(count) if count.isdigit() else NUMBER_WORDS.get(count, 1)
        return as_of - timedelta(days=n * UNITS[m["unit"].lower()]), as_of

    return [
        (r"\b(?:on\s+)?" + MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d{2}))?\b", on_day),
        (r"\b(?:on\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + MONTH + r"(?:,?\s+(?P<year>(?:19|20)\d{2}))?\b",
         on_day),
        (r"\b(?:in|during|of|since)\s+" + MONTH + r"\s+(?P<year>(?:19|20)\d{2})\b",
         lambda m: _month_window(int(m["year"]), MONTHS[m["month"].lower()])),
        (r"\b(?:in|during)\s+" + MONTH + r"(?!\s+\d)\b",
         lambda m: _month_window(_latest_month(MONTHS[m["month"].lower()], as_of), MONTHS[m["month"].lower()])),
        (r"\b(?:in|during|of|for)\s+(?P<year>(?:19|20)\d{2})\b",
         lambda m: (date(int(m["year"]), 1, 1), date(int(m["year"]), 12, 31))),
        (r"\b(?:in|over|during)\s+the\s+(?:past|last)\s+(?P<count>\d+|a|one|two|three|four|five|six|seven|eight|nine"
         r"|ten|few|several)\s+(?P<unit>days?|weeks?|months?|years?)\b", span),
        (r"\b(?:past|last)\s+(?P<count>\d+|two|three|four|five|six|seven|eight|nine|ten|few|several)\s+"
         r"(?P<unit>days?|weeks?|months?|years?)\b", span),
        (r"\btoday\b|\bthis morning\b|\btonight\b", lambda m: (as_of, as_of)),
        (r"\byesterday\b", lambda m: (as_of - timedelta(days=1),) * 2),
        (r"\b(?:in the )?past week\b", lambda m: (as_of - timedelta(days=7), as_of)),
        (r"\bthis week\b", lambda m: (monday, as_of)),
        (r"\blast week\b", lambda m: (monday - timedelta(days=7), monday - timedelta(days=1))),
        (r"\bthis month\b", lambda m: (first, as_of)),
        (r"\blast month\b", lambda m: (last_month_end.replace(day=1), last_month_end)),
        (r"\bthis year\b", lambda m: (date(as_of.year, 1, 1), as_of)),
        (r"\blast year\b", lambda m: (date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31))),
        (r"\b(?:recently|lately|in recent (?:days|weeks))\b", lambda m: (as_of - timedelta(days=RECENT_DAYS), as_of)),
    ]


def time_window(question: str, as_of: date) -> TimeWindow | None:
    """The date window a question names, relative to ``as_of``; None when it names none."""
    for pattern, make in _rules(as_of):
        for match in re.finditer(pattern, question, re.IGNORECASE):
            if "month" in match.groupdict() and match["month"] == "may":
                continue  # "may" the verb, not the month (which is written "May")
            window = make(match)
            if window is not None:
                start, end = window
                return TimeWindow(start, min(end, as_of) if start <= as_of else end, match.group(0).strip())
    return None


def asks_for_present(question: str) -> bool:
    """Whether the question asks about the state of things now (a soft preference for recent articles)."""
    return PRESENT.search(question) is not None
