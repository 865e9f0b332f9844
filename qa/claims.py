"""Does a sentence support a claim, contradict it, or neither? Precision first.

A fact-checker is hurt more by a wrong "supported" or "contradicted" than by "not enough
evidence", so a sentence only counts when it is about the same thing (close in meaning and
sharing the claim's content words) and then:

- it supports the claim when it states every number, date and name of the claim, with the
  same polarity (negated or not);
- it contradicts it when it gives another value of a kind the claim states (a number, a year,
  a month or weekday, a name) in place of the claim's, or the opposite polarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.corroborate import MONTH_OR_DAY, content_words

YEAR = re.compile(r"\b(?:1[89]\d{2}|20\d{2})\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%| per ?cent)?")
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20"}
NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
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
    """What a claim or sentence asserts that can be checked value by value."""

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


def _name_known(name: str, names: frozenset[str]) -> bool:
    """Two names are the same when they share at least half of the longer one's words ("Rudd" and
    "Kevin Rudd"; not "Bank England" and "Reserve Bank Australia")."""
    parts = set(name.split())
    return any(len(parts & set(other.split())) * 2 >= max(len(parts), len(other.split())) for other in names)


@dataclass(frozen=True)
class Judgement:
    stance: str  # "supports", "contradicts" or "neither"
    reason: str


def judge(claim: Facts, sentence: Facts, similarity: float, support_similarity: float,
          contradict_similarity: float, min_overlap: float, context: Facts | None = None) -> Judgement:
    """How one sentence bears on the claim (see the module's rules); names in ``context`` (its article's
    title) count as stated for support ("Rudd was sworn in" under "Kevin Rudd sworn in as Australian PM")."""
    overlap = len(claim.words & sentence.words) / len(claim.words) if claim.words else 0.0
    if overlap < min_overlap:
        return Judgement("neither", "shares too few of the claim's words")
    if similarity >= contradict_similarity:
        for kind, values in claim.kinds().items():
            theirs = sentence.kinds()[kind]
            if kind == "name":
                missing = {n for n in values if not _name_known(n, theirs)}
                other = {n for n in theirs if not _name_known(n, values)}
            else:
                missing, other = set(values - theirs), set(theirs - values)
            if missing and other:
                return Judgement("contradicts", f"gives {_list(other)} where the claim says {_list(missing)}")
        if claim.negated != sentence.negated:
            return Judgement("contradicts", "says the opposite" if sentence.negated else
                             "states what the claim denies")
    if similarity >= support_similarity and claim.negated == sentence.negated:
        kinds = claim.kinds()
        stated = all(values <= sentence.kinds()[k] for k, values in kinds.items() if k != "name")
        known = sentence.names | (context.names if context else frozenset())
        named = all(_name_known(n, known) for n in claim.names)
        if stated and named:
            checked = [k for k, values in kinds.items() if values]
            return Judgement("supports", f"states the claim's {', '.join(checked)}" if checked
                             else "states the claim in other words")
    return Judgement("neither", "does not settle the claim")


def _list(values: set[str]) -> str:
    return " and ".join(f"'{v}'" for v in sorted(values))
