"""Does a sentence support a claim, contradict it, or neither? Precision first, by slot alignment.

A fact-checker is hurt more by a wrong "supported" or "contradicted" than by "not enough evidence",
so a sentence counts only when it is about the same event as the claim, and then its values are
compared slot by slot:

- **About the same event**: the claim's content words other than its values (numbers and dates) are
  covered by the sentence and its article's title, weighted by IDF (the index's own term statistics,
  as the answer scorer weighs a question's terms), so a rare word ("Creemore") counts more than a
  common one ("market").
- **Slots**: the claim's numbers (with their currency or unit and scale: "$300 billion", "52%"), dates
  (the windows ``qa.timeframe`` reads: "on May 23, 2005", "in 2007", "since 2001") and names
  (capitalised words: "Molson Canada", "Kasai River"). Each slot keeps the content stems around it, so
  a sentence's slot is *aligned* with the claim's when they stand in the same context ("killed 32
  civilians" / "23 people were killed"), or, for names, share a head word ("Congo River" / "Kasai
  River").
- **Supports**: it covers the claim's content, states every number of the claim, names every name (in
  the sentence or its title), every date agrees (stated, or the article was published within the
  claim's window when the sentence names none), no aligned slot disagrees and the polarity is the same.
- **Contradicts**: it is about the same event, the claim's value is absent from it and an aligned slot
  of the same kind gives another value; or, at full coverage with every slot agreeing, the opposite
  polarity ("did not raise").
- Otherwise neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from qa.corroborate import MONTH_OR_DAY, content_words
from qa.timeframe import time_windows

YEAR = re.compile(r"\b(?:1[89]\d{2}|20\d{2})\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%| per ?cent)?")
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20"}
# "one of the leaders" picks one out of many: not a count a later report could change.
NUMBER_WORD = re.compile(r"\b(" + "|".join(w if w != "one" else r"one(?!\s+of\b)" for w in NUMBER_WORDS) + r")\b",
                         re.IGNORECASE)
# Capitalised words that do not start the sentence, joined into names ("Kevin Rudd", "Bank of England").
NAME = re.compile(r"\b[A-Z][\w-]+(?:['’]s\b)?(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w-]+(?:['’]s\b)?)*")
NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|denied|denies|deny|rejected|rejects|failed to|"
                      r"won't|didn't|doesn't|isn't|wasn't|aren't|weren't|hasn't|haven't|hadn't|cannot|can't)\b",
                      re.IGNORECASE)
# Capitalised for their place, not because they name someone: sentence openers, titles, calendar words.
NOT_NAMES = set("""The A An In On At By For From To Of As If When While After Before Since During But And Or So Yet
    He She It They We I You His Her Its Their Our This That These Those There Here Some Many Most All Both Each Other
    Officials Police Reports Sources According Mr Mrs Ms Dr Sir Prime Minister President Chief Secretary General
    Governor Mayor Senator Judge King Queen Prince""".split()) | {m for m in (
                "January February March April May June July August September October November December Monday "
                "Tuesday Wednesday Thursday Friday Saturday Sunday").split()}


@dataclass(frozen=True)
class Facts:
    """What a text asserts that can be compared value by value, without context (the timeline's changes)."""

    years: frozenset[str]
    numbers: frozenset[str]
    calendar: frozenset[str]  # month and weekday names
    names: frozenset[str]
    negated: bool
    words: frozenset[str]

    def kinds(self) -> dict[str, frozenset[str]]:
        return {"year": self.years, "number": self.numbers, "date": self.calendar, "name": self.names}


def facts_of(text: str) -> Facts:
    years = frozenset(YEAR.findall(text))
    spelled = NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)
    numbers = frozenset(_number(n) for n in NUMBER.findall(spelled)) - years
    names = set()
    for match in NAME.findall(text):
        words = [re.sub(r"['’]s$", "", w) for w in match.split()]
        words = [w for w in words if w not in NOT_NAMES and w not in ("of", "the")]
        if words:
            names.add(" ".join(words))
    return Facts(years, numbers, frozenset(m.lower() for m in MONTH_OR_DAY.findall(text)), frozenset(names),
                 bool(NEGATION.search(text)), frozenset(content_words(text)))


def _number(text: str) -> str:
    """One spelling per value: '6.75 per cent', '6.75%' → '6.75%'; '1,200' → '1200'."""
    text = text.replace(" ", "").replace("percent", "%").replace("per cent", "%")
    return text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(%)?", text) else text


# ---------------------------------------------------------------------------------------------------
# Slots: the values of a claim or sentence, each with the words around it.

Stems = Callable[[str], list[str]]

_CURRENCY = r"(?P<cur>(?:US|U\.S\.|C|CAN|CA|A|AU|NZ|HK|S|R)?\s?[$£€¥]|Rs\.?\s?|₹\s?)?"
_SPELLED_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                  "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
                  "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SPELLED = (r"(?:(?:" + "|".join(_TENS) + r")(?:[-\s](?:" + "|".join(list(_SPELLED_UNITS)[:9]) + r"))?|"
            + "|".join(_SPELLED_UNITS) + r"|a\s+dozen|dozens|hundreds)")
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6, "k": 1e3}
SLOT_NUMBER = re.compile(
    _CURRENCY
    + r"(?P<num>(?<![\w.,-])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w-])|(?<![\w.,-])\d+(?:\.\d+)?(?![\w-]|,\d)|"
    + r"(?<![\w-])" + _SPELLED + r"(?![\w-]))"
    + r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|m|k)\b)?"
    + r"(?P<unit>\s?(?:%|per\s?cent\b|percent\b|°C|°F|km\b|kilometres\b|kilometers\b|miles\b|tonnes\b|tons\b))?",
    re.IGNORECASE)
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
#: Words that say what kind of thing a name is, not which one: they align names ("Congo River" and
#: "Kasai River") but never identify one.
GENERIC = frozenset("""river lake sea ocean island islands mount mountain bay bank banks university college school
    party company companies corporation corp inc ltd limited group council union department ministry court house
    association federal national international united state states city county province republic democratic
    kingdom north south east west northern southern eastern western new the of and airlines airways airport
    station street road hospital church agency commission committee office authority organization organisation
    institute foundation service services club team league cup fc times news""".split())
#: First words of a sentence that are capitalised for their place (beside ``NOT_NAMES``).
_OPENERS = frozenset("""a an the in on at by for from to of as if when while after before since during but and or so
    yet he she it they we i you his her its their our this that these those there here some many most all both each
    other officials police reports sources according economy voters today yesterday however also more over about
    around nearly almost only just one two three four five six seven eight nine ten dozens hundreds thousands
    company workers residents authorities witnesses""".split())
NEGATED = NEGATION


@dataclass(frozen=True)
class Slot:
    """One value a text states: a number, a date or a name, where it stands, and the stems around it."""

    kind: str  # "number", "date" or "name"
    text: str
    start: int
    end: int
    value: object  # number: (unit, float); date: (first day, last day, "day"|"month"|"year"|"since"|"span"); name: words
    context: frozenset[str]
    relative: bool = False  # a date read from words relative to the article's day ("yesterday")
    stems: frozenset[str] = frozenset()  # a name's own content stems (left out of coverage when it differs)


@dataclass(frozen=True)
class Reading:
    """A claim or sentence read for checking: its content stems outside values, its slots, its polarity."""

    text: str
    stems: frozenset[str]
    slots: tuple[Slot, ...]
    negated: bool
    words: frozenset[str] = field(default=frozenset())  # lower-cased words, to find names in

    def of(self, kind: str) -> list[Slot]:
        return [s for s in self.slots if s.kind == kind]


def _spelled_value(text: str) -> float | None:
    t = text.lower().replace("-", " ").split()
    if not t:
        return None
    if t[0] in ("a", "dozens", "hundreds"):
        return {"a": 12.0, "dozens": 24.0, "hundreds": 200.0}[t[0]]
    value = 0
    for word in t:
        value += _TENS.get(word, 0) + _SPELLED_UNITS.get(word, 0)
    return float(value)


def _unit(match: re.Match) -> str:
    unit = (match["unit"] or "").strip().lower().replace(" ", "")
    if unit in ("%", "percent", "percent"):
        return "%"
    if unit.startswith("per"):
        return "%"
    if unit:
        return {"kilometres": "km", "kilometers": "km", "tons": "tonnes"}.get(unit, unit)
    cur = (match["cur"] or "").strip()
    if cur:
        return "£" if "£" in cur else "€" if "€" in cur else "¥" if "¥" in cur else "rs" if "s" in cur.lower() \
            and "$" not in cur else "₹" if "₹" in cur else "$"
    return ""


def _date_slots(text: str, reference: date) -> list[tuple[int, int, date, date, str, bool]]:
    """(start, end, first, last, granularity, relative) of each date the text names."""
    out = []
    taken: list[tuple[int, int]] = []
    for window in time_windows(text, reference):
        at = text.find(window.phrase)
        while at >= 0 and any(a <= at < b for a, b in taken):
            at = text.find(window.phrase, at + 1)
        if at < 0:
            continue
        end = at + len(window.phrase)
        if any(a <= at < b for a, b in taken):
            continue
        taken.append((at, end))
        phrase = window.phrase.lower()
        grain = ("since" if phrase.startswith("since") else "day" if window.start == window.end
                 else "month" if window.days <= 31 else "year" if window.days <= 366 else "span")
        out.append((at, end, window.start, window.end, grain, window.relative))
    for m in YEAR.finditer(text):  # a bare year ("the 1992 law") that no window rule read
        if not any(a <= m.start() < b for a, b in taken) and not re.match(r"\s?(?:%|km|people|[a-z]+s\b)",
                                                                            text[m.end():m.end() + 8]):
            year = int(m.group(0))
            out.append((m.start(), m.end(), date(year, 1, 1), date(year, 12, 31), "year", False))
            taken.append(m.span())
    return out


def _name_like(word: str, written: str) -> bool:
    """Whether a lone capitalised word opening a sentence reads as a name: an acronym, an inner capital
    ("McGuinty") or a possessive ("Nokia's")."""
    return word.isupper() or any(c.isupper() for c in word[1:]) or bool(re.search(r"['’]s$", written))


def _names(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, text, lower-cased words) of each run of capitalised words that is not a date or number."""
    out = []
    for m in NAME.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        words = [re.sub(r"['’]s$", "", w) for w in m.group(0).split()]
        first_of_sentence = not text[:m.start()].strip() or text[:m.start()].rstrip()[-1:] in ".:;\"“(—->"
        kept = [w for i, w in enumerate(words)
                if w not in NOT_NAMES and w.lower() not in ("of", "the")
                and not (i == 0 and first_of_sentence and w.lower() in _OPENERS)]
        if first_of_sentence and len(kept) == 1 and len(words) == 1 and not _name_like(words[0], m.group(0)):
            continue  # "Turnout was ...", "Despite ...": capitalised for its place
        if kept:
            out.append((m.start(), m.end(), m.group(0), tuple(w.lower() for w in kept)))
    return out


def read(text: str, stems: Stems, reference: date, window: int = 3) -> Reading:
    """The slots and content stems of ``text``; dates without a year are read relative to ``reference``
    (the claim's as-of day, or the sentence's publication day)."""
    cache: dict[str, str | None] = {}

    def stem(word: str) -> str | None:
        if word not in cache:
            found = stems(word)
            cache[word] = found[0] if found else None
        return cache[word]

    raw: list[tuple[str, int, int, object, bool]] = []
    for a, b, first, last, grain, relative in _date_slots(text, reference):
        raw.append(("date", a, b, (first, last, grain), relative))
    taken = [(a, b) for _, a, b, _, _ in raw]
    for m in SLOT_NUMBER.finditer(text):
        a, b = m.span()
        if any(x < b and a < y for x, y in taken):
            continue
        number = m["num"]
        value = float(number.replace(",", "")) if number[0].isdigit() else _spelled_value(number)
        if value is None:
            continue
        scale = (m["scale"] or "").lower()
        if scale in ("m", "k") and not m["cur"]:  # "5 m" is five metres, "10k" a race
            scale = ""
        value *= _SCALES.get(scale, 1.0)
        raw.append(("number", a, b, (_unit(m), value), False))
        taken.append((a, b))
    for a, b, name, words in _names(text, taken):
        raw.append(("name", a, b, words, False))
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    valued = [(a, b) for kind, a, b, _, _ in raw if kind != "name"]
    content = [(a, b, stem(w)) for a, b, w in tokens if not any(x <= a < y for x, y in valued)]
    content = [(a, b, s) for a, b, s in content if s]
    slots = []
    for kind, a, b, value, relative in sorted(raw, key=lambda r: r[1]):
        before = [s for x, y, s in content if y <= a][-window:]
        after = [s for x, y, s in content if x >= b][:window]
        own = frozenset(s for x, y, s in content if a <= x < b)
        slots.append(Slot(kind, text[a:b], a, b, value, frozenset(before + after), relative, own))
    return Reading(text, frozenset(s for _, _, s in content), tuple(slots), bool(NEGATION.search(text)),
                   frozenset(w.lower() for _, _, w in tokens))


# ---------------------------------------------------------------------------------------------------
# Comparing slots.

def _distinctive(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in GENERIC) or words


def name_in(words: tuple[str, ...], found: frozenset[str]) -> bool:
    """A name is stated when its distinctive words are ("Rudd" states "Kevin Rudd"; "Kasai River" does not
    state "Congo River"): any of them for a person's several names, all of them otherwise."""
    distinctive = _distinctive(words)
    if len(distinctive) < len(words):  # "Congo River": its kind of thing too
        return all(w in found for w in words if w not in ("of", "the", "and"))
    return any(w in found for w in distinctive)


def _initials(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words if w not in ("of", "the", "and"))


def same_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same name written another way: a shared distinctive word ("Rudd"), a shared stem of five letters
    ("Britain" / "British", "America" / "American") or one the other's initials ("RBI", "US")."""
    da, db = _distinctive(a), _distinctive(b)
    if set(da) & set(db):
        return True
    if any(x[:5] == y[:5] for x in da for y in db if len(x) >= 5 and len(y) >= 5):
        return True
    joined_a, joined_b = "".join(a), "".join(b)
    return (len(b) > 1 and joined_a == _initials(b)) or (len(a) > 1 and joined_b == _initials(a))


def _same_number(a: tuple[str, float], b: tuple[str, float]) -> bool:
    return (a[0] == b[0] or not a[0] or not b[0]) and abs(a[1] - b[1]) <= 1e-6 * max(abs(a[1]), abs(b[1]), 1.0)


def _comparable_numbers(a: tuple[str, float], b: tuple[str, float]) -> bool:
    return a[0] == b[0]


def _dates_agree(claim: tuple[date, date, str], other: tuple[date, date, str]) -> bool:
    (a, b, grain), (c, d, other_grain) = claim, other
    if grain == "since" or other_grain == "since":
        return grain == other_grain and a.year == c.year
    return a <= d and c <= b


def _aligned(claim: Slot, other: Slot, idf: Mapping[str, float], least: float) -> bool:
    """Whether ``other`` stands where ``claim`` stands: context stems they share weigh at least ``least``
    (IDF), or, for names, they share their kind of thing ("Congo River" / "Kasai River")."""
    if sum(idf.get(s, 1.0) for s in claim.context & other.context) >= least:
        return True
    if claim.kind == "name":
        generic = set(claim.value) & set(other.value) & GENERIC - {"of", "the", "and", "new"}
        return bool(generic)
    return False


@dataclass(frozen=True)
class Judgement:
    stance: str  # "supports", "contradicts" or "neither"
    reason: str
    coverage: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    """The rules' thresholds (``ClaimSettings``, chosen on the tune half of the Wikinews claims set)."""

    support_coverage: float = 0.7  # the claim's content words held by the sentence and its title
    support_sentence_coverage: float = 0.5  # ... by the sentence alone
    contradict_coverage: float = 0.8  # ... with the differing names left out
    sentence_coverage: float = 0.2  # ... by the sentence alone, to count at all
    align_weight: float = 1.0  # IDF of the context two values share to stand in the same place
    publication_lag_days: int = 14
    support_similarity: float = 0.5
    contradict_similarity: float = 0.5


def coverage(claim: Reading, found: frozenset[str], idf: Mapping[str, float],
             leave_out: frozenset[str] = frozenset()) -> float:
    """IDF-weighted share of the claim's content stems (values, and ``leave_out``, left out) that ``found``
    holds. A stem the index does not hold weighs 1."""
    weights = {s: idf.get(s, 1.0) for s in claim.stems - leave_out}
    total = sum(weights.values())
    return sum(w for s, w in weights.items() if s in found) / total if total else 0.0


def judge(claim: Reading, sentence: Reading, idf: Mapping[str, float], thresholds: Thresholds = Thresholds(),
          title: Reading | None = None, published: date | None = None, similarity: float = 1.0) -> Judgement:
    """How one sentence (of an article with ``title``, published on ``published``) bears on the claim."""
    t = thresholds
    found = sentence.stems | (title.stems if title else frozenset())
    cover, own = coverage(claim, found, idf), coverage(claim, sentence.stems, idf)
    if own < t.sentence_coverage or similarity < min(t.contradict_similarity, t.support_similarity):
        return Judgement("neither", "not about the same event", cover)

    least = t.align_weight
    # Slot by slot: "agree", "differ" (with the sentence's value), or None (not stated).
    agreed, differ, unstated = [], [], []
    for slot in claim.slots:
        theirs = sentence.of(slot.kind)
        if slot.kind == "number":
            if any(_same_number(slot.value, s.value) for s in theirs):
                agreed.append(slot)
                continue
            other = [s for s in theirs if _comparable_numbers(slot.value, s.value) and _aligned(slot, s, idf, least)
                     and not any(_same_number(c.value, s.value) for c in claim.of("number"))]
        elif slot.kind == "date":
            explicit = [s for s in theirs if not s.relative]
            if any(_dates_agree(slot.value, s.value) for s in theirs):
                agreed.append(slot)
                continue
            other = [s for s in explicit if _aligned(slot, s, idf, least)
                     and not any(_dates_agree(c.value, s.value) for c in claim.of("date"))]
            if not other and published is not None and slot.value[2] != "since":
                first, last, _ = slot.value
                if first - timedelta(days=2) <= published <= last + timedelta(days=t.publication_lag_days):
                    agreed.append(slot)  # the sentence reports it as news of its day
                    continue
        else:
            if name_in(slot.value, sentence.words) or any(same_name(slot.value, s.value) for s in theirs) or (
                    title is not None and (name_in(slot.value, title.words)
                                           or any(same_name(slot.value, s.value) for s in title.of("name")))):
                agreed.append(slot)
                continue
            other = [s for s in theirs if not any(same_name(c.value, s.value) for c in claim.of("name"))
                     and _aligned(slot, s, idf, least)]
        (differ if other else unstated).append((slot, other))

    if differ:
        # About the same event but for the differing values: the claim's other words are covered, and,
        # when the claim states more than one value, one that agrees pins the event down.
        about = coverage(claim, found, idf, frozenset().union(*(slot.stems for slot, _ in differ)))
        if about < t.contradict_coverage or similarity < t.contradict_similarity:
            return Judgement("neither", "not about the same event", about)
        if not agreed and len(claim.slots) > 1:
            return Judgement("neither", "gives other values for an event it does not pin down", about)
        slot, other = differ[0]
        return Judgement("contradicts", f"gives '{other[0].text}' where the claim says '{slot.text}'", about)
    if (not unstated and claim.negated != sentence.negated and cover >= t.support_coverage
            and own >= t.support_sentence_coverage and similarity >= t.support_similarity):
        return Judgement("contradicts", "says the opposite" if sentence.negated else "states what the claim denies",
                         cover)
    if (not unstated and claim.negated == sentence.negated and cover >= t.support_coverage
            and own >= t.support_sentence_coverage and similarity >= t.support_similarity):
        kinds = sorted({s.kind for s in agreed})
        return Judgement("supports", f"states the claim's {', '.join(kinds)}" if kinds
                         else "states the claim in other words", cover)
    return Judgement("neither", "does not settle the claim", cover)
