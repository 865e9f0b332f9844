"""The dates a text mentions, as character spans with the days they cover.

Absolute ones ("January 6, 2021", "6 January 2021", "March 2005", "in 2024", "2005-2006",
"2021-01-06") and relative ones ("on Tuesday", "yesterday", "last week", "next month",
"January 6" without a year) resolved against the article's own published date. A mention
is the window it names: a day, a month, a year or a span of years.

A table of patterns rather than dateparser's ``search_dates``: on 1,000 Wikinews articles the
table takes 1.6 s where dateparser takes 44 s (27x; scripts/bench_dates.py), gives spans rather than
single days ("March 2005" is the month, not March 1), gives offsets (dateparser returns the words
only), and skips dateparser's frequent false hits ("1-2", "an $8", "may", "We", "of 27 years by a").
Month and weekday names count only when capitalised, as articles write dates: "may" and "march"
the verbs are left alone.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name: i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["Sept"] = 9
WEEKDAYS = {name: i for i, name in enumerate(calendar.day_name)}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
MONTH = rf"(?P<month>{_MONTH})\.?"  # abbreviations may end in a period
YEAR = r"(?:1[89]|20)\d{2}"
#: Earliest and latest years read as dates: a four-digit number outside is a count, not a year.
YEARS = (1800, 2100)


@dataclass(frozen=True, order=True)
class DateMention:
    """``text[start:end]`` names the days ``first`` to ``last`` (inclusive)."""

    start: int
    end: int
    first: date
    last: date

    def overlaps(self, first: date, last: date) -> bool:
        return self.first <= last and self.last >= first


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _year_span(first: int, last: int) -> tuple[date, date] | None:
    if not (YEARS[0] <= first <= last <= YEARS[1]):
        return None
    return date(first, 1, 1), date(last, 12, 31)


def _month(m: re.Match) -> int:
    return MONTHS[m["month"].rstrip(".")]


def _nearest_year(month: int, day: int, published: date) -> date | None:
    """A day named without its year: the one nearest the publication date (a report names last week's
    events and next month's plans alike)."""
    best = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - published).days) < abs((best - published).days):
            best = candidate
    return best


def _day(m: re.Match, published: date | None):
    month, day = _month(m), int(m["day"])
    if m["year"]:
        try:
            named = date(int(m["year"]), month, day)
        except ValueError:
            return None
        return named, named
    if published is None:
        return None
    named = _nearest_year(month, day, published)
    return (named, named) if named else None


def _month_year(m: re.Match, published: date | None):
    year = int(m["year"])
    return _month_span(year, _month(m)) if YEARS[0] <= year <= YEARS[1] else None


def _bare_month(m: re.Match, published: date | None):
    """"in March": the nearest March to the publication date; "last March" the one before, "next March" after."""
    if published is None:
        return None
    month = _month(m)
    lead = m[0].split()[0].lower()
    if lead == "last":  # the latest such month before publication
        year = published.year if month < published.month else published.year - 1
    elif lead == "next":
        year = published.year if month > published.month else published.year + 1
    else:
        year = (_nearest_year(month, 1, published) if month != published.month else published).year
    return _month_span(year, month)


def _year_range(m: re.Match, published: date | None):
    first = int(m["y1"])
    second = m["y2"] or m["y3"]
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    return _year_span(first, last) if last > first else None


def _year(m: re.Match, published: date | None):
    year = int(m["year"])
    return _year_span(year, year)


def _iso(m: re.Match, published: date | None):
    try:
        named = date(int(m["year"]), int(m["mm"]), int(m["dd"]))
    except ValueError:
        return None
    return named, named


#: Words before a weekday in the same sentence that put it after publication ("is expected to meet on Thursday").
FUTURE = re.compile(r"\b(?:will|would|expected to|scheduled|set to|due to|plans? to|planned|is to|are to|next)\b[^.!?]*$",
                    re.IGNORECASE)


def _weekday(m: re.Match, published: date | None):
    """"on Tuesday": the latest Tuesday on or before publication; "next Tuesday", or a weekday after
    "will", "expected to" ... in its sentence: the first one after it."""
    if published is None:
        return None
    wanted = WEEKDAYS[m["weekday"]]
    if (m["which"] or "").lower() == "next" or FUTURE.search(m.string, max(0, m.start() - 80), m.start()):
        named = published + timedelta(days=(wanted - published.weekday() - 1) % 7 + 1)
    else:
        named = published - timedelta(days=(published.weekday() - wanted) % 7)
        if (m["which"] or "").lower() == "last" and named == published:
            named -= timedelta(days=7)
    return named, named


def _relative(m: re.Match, published: date | None):
    if published is None:
        return None
    word = " ".join(m[0].lower().split())
    monday = published - timedelta(days=published.weekday())
    month_start = published.replace(day=1)
    if word in ("today", "tonight", "this morning", "this afternoon", "this evening"):
        return published, published
    if word in ("yesterday", "last night"):
        return (published - timedelta(days=1),) * 2
    if word == "tomorrow":
        return (published + timedelta(days=1),) * 2
    if word in ("this week", "earlier this week"):
        return monday, monday + timedelta(days=6)
    if word == "last week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if word == "next week":
        return monday + timedelta(days=7), monday + timedelta(days=13)
    if word in ("this month", "earlier this month"):
        return _month_span(published.year, published.month)
    if word == "last month":
        prev = month_start - timedelta(days=1)
        return _month_span(prev.year, prev.month)
    if word == "next month":
        nxt = month_start + timedelta(days=32)
        return _month_span(nxt.year, nxt.month)
    if word in ("this year", "earlier this year"):
        return _year_span(published.year, published.year)
    if word == "last year":
        return _year_span(published.year - 1, published.year - 1)
    if word == "next year":
        return _year_span(published.year + 1, published.year + 1)
    return None


ORDINAL = r"(?:st|nd|rd|th)?"
#: After a year-like number, words that make it a count ("2000 people", "1,900 to 2000 votes").
NOT_COUNTED = r"(?!\s*(?:%|percent|per cent|people|votes|troops|members|seats|points|jobs|workers|homes|dollars))"
#: (pattern, function of the match and the published date → (first, last) or None), most specific first.
#: A match claims its characters: later patterns do not match inside it.
PATTERNS = [
    (rf"\b(?P<year>{YEAR})-(?P<mm>0[1-9]|1[0-2])-(?P<dd>0[1-9]|[12]\d|3[01])\b", _iso),
    (rf"\b(?:{MONTH})\s+(?P<day>[0-3]?\d){ORDINAL}(?:,?\s+(?P<year>{YEAR}))?\b(?!\s*(?:%|percent|per cent))", _day),
    (rf"\b(?P<day>[0-3]?\d){ORDINAL}\s+(?:of\s+)?(?:{MONTH})(?:,?\s+(?P<year>{YEAR}))?\b", _day),
    (rf"\b(?:{MONTH}),?\s+(?:of\s+)?(?P<year>{YEAR})\b", _month_year),
    (rf"\b(?i:in|during|since|until|by|from|early|late|mid-?|last|next|this|before|after)\s+(?:{MONTH})\b(?!\s+\d)",
     _bare_month),
    (rf"\b(?i:between\s+|from\s+)?(?P<y1>{YEAR})(?:\s*(?:-|–|—)\s*(?P<y2>{YEAR}|\d{{2}})|"
     rf"\s+(?:to|and|through|until)\s+(?P<y3>{YEAR}))\b(?!-){NOT_COUNTED}", _year_range),
    (rf"\b(?i:in|during|since|until|by|from|of|for|before|after|early|late|mid-?|throughout|between|the)\s+"
     rf"(?P<year>{YEAR})\b(?![-–]\d)(?!\s+(?:and|to)\s+{YEAR}){NOT_COUNTED}", _year),
    (rf"\b(?P<year>{YEAR})(?='s\b|\s+(?:election|elections|season|census|budget|Olympics|World Cup|Games|"
     r"summit|campaign|earthquake|tsunami|general election|presidential election))", _year),
    (r"\b(?:(?P<which>(?i:last|next|this|on|late|early|since|until|by))\s+)?(?P<weekday>"
     + "|".join(WEEKDAYS) + r")\b(?:'s)?", _weekday),
    (r"\b(?:earlier\s+this\s+(?:week|month|year)|(?:this|last|next)\s+(?:week|month|year)|yesterday|today|"
     r"tomorrow|tonight|last\s+night|this\s+(?:morning|afternoon|evening))\b", _relative),
]
_COMPILED = [(re.compile(p), f) for p, f in PATTERNS]
#: Words a pattern needs as context but that are not part of the date: a mention's span starts after them.
_LEAD = re.compile(r"(?i:in|during|since|until|by|from|of|for|before|after|throughout|between|the|on)\s+")
_CASE_FREE = re.compile(r"\b(?:last|next|this|earlier|yesterday|today|tomorrow|tonight)\b", re.IGNORECASE)


def extract_dates(text: str, published: date | None) -> list[DateMention]:
    """Every date ``text`` mentions, by offset; relative ones need ``published`` (else they are left out)."""
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    for pattern, make in _COMPILED:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < b and end > a for a, b in taken):
                continue
            span = make(m, published)
            if span is None:
                continue
            taken.append((start, end))
            lead = _LEAD.match(text, start)
            out.append(DateMention(lead.end() if lead else start, end, span[0], span[1]))
    out.sort()
    return out


def lowercase_relative_words(text: str) -> str:
    """The text with "Last week" / "Today" at a sentence start lowered, so the relative patterns
    (written in lower case) read them too; offsets are unchanged."""
    return _CASE_FREE.sub(lambda m: m[0].lower(), text)


def mentions(text: str, published: date | None) -> list[DateMention]:
    """``extract_dates`` with relative words read whatever their case (the entry point builds use)."""
    return extract_dates(lowercase_relative_words(text), published)
