"""The kind of fact a question asks for, and whether a sentence holds one the question does not."""

from __future__ import annotations

import re

NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                    r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.IGNORECASE)
DATE = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})\b|\b(?:January|February|March|April|May|June|July|August|September|"
                  r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                  r"yesterday|today|tomorrow|century|decade)\b", re.IGNORECASE)
DURATION = re.compile(
    r"(?:\d[\d,.]*|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|hundred|several|few|many|half)\b)[\s-]+(?:\w+[\s-]+)?"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|"
    r"miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inches?)\b", re.IGNORECASE)
# "how long", "how many" … name the kind of answer, not what it is about.
QUESTION_FORM = re.compile(r"\bhow\s+(?:long|many|much|far|old|big|large|often|tall|high)\b", re.IGNORECASE)
# "How long did the meeting last?": the closing verb asks for the duration too ("spent five hours"), while
# "last" in a sentence is mostly "last week".
_DURATION_VERB = re.compile(r"\blast(?:ed)?\W*$", re.IGNORECASE)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
# "this week", "over the past year", "recently", "currently": when the question is asked, relative to its as-of date. A
# report says "on Tuesday" or names the date instead, so these words are never terms the answer must hold (the
# plan reads them as time evidence). Absolute dates ("in 2008") stay terms: sentences often state them.
RELATIVE_TIME = re.compile(
    r"\b(?:(?:this|last|past|next|previous|coming)\s+(?:few\s+)?(?:week(?:end)?|month|year|days?|weeks|months|years)"
    r"|(?:over|in|during)\s+the\s+(?:past|last|previous)\s+(?:\d+|a|one|two|three|four|five|six|several|few)?\s*"
    r"(?:days?|weeks?|months?|years?)|so\s+far\s+this\s+(?:week|month|year)|(?:in\s+)?recent\s+(?:days|weeks|months)"
    r"|recently|lately|yesterday|today|tonight|this\s+morning|at\s+the\s+weekend"
    r"|currently|presently|nowadays|at\s+present|these\s+days|(?:right\s+)?now)\b", re.IGNORECASE)

KINDS = ("number", "duration", "date", "name", "place", "organisation")
# "Which MP …", "What minister …": a person asked for by role, as "who" asks.
_PERSON_ROLE = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:mps?|ministers?|senators?|presidents?|leaders?|officials?|players?|coach(?:es)?|"
    r"candidates?|persons?|people|man|men|woman|women|officers?|judges?|actors?|actress(?:es)?|singers?|authors?|"
    r"writers?|members?|politicians?|directors?|executives?|spokes(?:man|woman|person)|journalists?|reporters?|"
    r"scientists?|doctors?|soldiers?|suspects?|victims?|governors?|mayors?|chancellors?|premiers?|prime\s+ministers?|"
    r"ambassadors?|diplomats?|athletes?|drivers?|managers?|founders?|chairm[ae]n|ceos?|inventors?|artists?)\b"
    r"(?!\s+(?:states?|countries|nations|organi[sz]ations?|groups?|parties|bod(?:y|ies)|companies|firms)\b)")


def expected_kind(question: str) -> str | None:
    """The kind of fact a question asks for, from its wording (None: not a short-fact question)."""
    q = question.lower()
    if re.search(r"\bhow (long|far)\b", q):
        return "duration"
    if re.search(r"\bhow (many|much|old|big|large|often|tall|high)\b|\bwhat (percentage|number|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time|century)\b|\bwhich (year|date|day|month)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q) or _PERSON_ROLE.search(q):
        return "name"
    if re.search(r"\bwhere\b|\b(?:what|which) (?:city|country|town|state|county|province|region|island|place)\b", q):
        return "place"
    if re.search(r"\b(?:what|which) (?:company|organi[sz]ation|party|team|firm|group|agency|club|university)\b", q):
        return "organisation"
    return None


def asks_for_person(question: str) -> bool:
    """"Which MP …", "What minister …": a person asked for by role (a bare "who" may be answered by a team
    or a company)."""
    return _PERSON_ROLE.search(question.lower()) is not None


def content_of(question: str) -> str:
    """The question without the words that only name the kind of answer or when it is asked relative to its
    as-of date (its terms to look for)."""
    text = RELATIVE_TIME.sub(" ", QUESTION_FORM.sub(" ", question))
    if re.search(r"\bhow\s+long\b", question, re.IGNORECASE):
        text = _DURATION_VERB.sub(" ", text)
    return text


def kind_match(kind: str | None, sentence: str, question: str) -> float:
    """1.0 when the sentence holds a fact of the expected kind that the question does not already hold."""
    if kind is None:
        return 0.0
    # Places and organisations are names to a pattern; the entity recogniser tells them apart for spans.
    pattern = {"number": NUMBER, "duration": DURATION, "date": DATE, "name": NAME, "place": NAME,
               "organisation": NAME}[kind]
    asked = {m.lower() for m in pattern.findall(question)}
    return 1.0 if any(m.lower() not in asked for m in pattern.findall(sentence)) else 0.0
