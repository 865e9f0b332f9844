"""What the sentence scorer measures of each (question, candidate sentence) pair.

A near miss is usually on topic and similar in wording, but lacks one rare word or name the question
has, or holds no fact of the kind asked for. So besides similarity and coverage of the question's
terms, the features weigh what is *missing*: the IDF of question terms absent from the sentence, from
its passage and from all the evidence, and question names found nowhere. Every feature is a plain
number computed from text, vectors and the passage list, so the same code serves training
(scripts/train_answerer.py) and the service; names are recorded with the trained parameters.

Names of the question are found by capitalisation (not by the optional entity recogniser), so the
features — and the trained model — are the same whether or not spaCy is installed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.answering.kinds import content_of, expected_kind, kind_match
from qa.answering.lemmas import base_forms

FEATURES = (
    "similarity",              # cosine of sentence and question embeddings
    "similarity_gap",          # similarity minus the best candidate's (0 for the most similar)
    "coverage",                # IDF-weighted share of question terms the sentence holds
    "coverage_gap",            # coverage minus the best candidate's
    "missing_weight",          # summed IDF of question terms the sentence lacks
    "max_missing_idf",         # IDF of the rarest question term the sentence lacks
    "passage_missing_weight",  # summed IDF of question terms its whole passage lacks
    "evidence_missing_weight",  # summed IDF of question terms no candidate passage holds
    "kind_present",            # the question asks for a kind of fact and the sentence holds a new one
    "kind_absent",             # it asks for one and the sentence holds none
    "entity_share",            # share of the question's names found in the sentence (1 when it names none)
    "entities_missing_passage",  # question names absent from the sentence's passage
    "entities_missing_evidence",  # question names absent from every candidate passage
    "passage_reciprocal_rank",  # 1 / (1 + rank of the passage among those retrieved)
    "passage_score",           # the passage's fused score relative to the best passage's
    "position",                # log(1 + offset of the sentence in its article / 100)
    "length",                  # log of the sentence's word count
    "neighbour_similarity",    # best similarity of the sentences just before and after it
    "neighbour_coverage",      # best coverage of those neighbours
    "similarity_x_coverage",   # the two main signals together
    "context_coverage",        # coverage of the sentence read with the one before it and its article's title
    "new_names",               # log(1 + capitalised words the question lacks; a first word only opening a name)
    "new_full_name",           # two or more adjacent such words (a full name) when the question asks "who"
    # Derived from the columns above (``derive``): ranks within the question's candidates, two interactions.
    "similarity_rank",         # 1 / (1 + rank of its similarity among the candidates)
    "coverage_rank",           # 1 / (1 + rank of its coverage)
    "kind_x_coverage",         # holds a new fact of the asked kind and the question's terms
    "kind_x_context_coverage",  # holds one and, read in its context, the question's terms (the answer beside
                                # the sentence restating the question: "The seat had been held by Oona King")
)
BASE = 23  # columns computed from text; the rest are derived from them

_WORD = re.compile(r"\w+")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*[\w]")
_NAME_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:(?:de|van|von|bin|al|da|di|del|la|le)\s+)?[A-Z][\w'’-]*)+")
_OPENERS = {"the", "a", "an", "in", "on", "at", "but", "and", "after", "as", "for", "it", "he", "she", "they",
            "we", "this", "that", "these", "those", "there", "his", "her", "their", "its", "when", "while", "if",
            "with", "from", "by", "to", "of", "some", "many", "most", "former", "new", "last", "earlier", "later",
            "according", "during", "since", "however", "meanwhile", "under", "before", "both", "all", "no"}
_NOT_NAMES = {"what", "who", "whom", "whose", "which", "when", "where", "why", "how", "is", "are", "was",
              "were", "did", "does", "do", "the", "a", "an", "in", "on", "of", "i", "has", "have", "had", "can",
              "will", "would", "could", "should", "name", "list", "tell"}


@dataclass(frozen=True)
class Candidate:
    """One sentence that may answer, with what the scorer needs to know of its passage."""

    text: str
    similarity: float
    passage: int  # rank of its passage among the retrieved ones (0 = best)
    passage_score: float  # the passage's fused retrieval score
    start: int  # offset of the sentence in its article
    previous: int | None = None  # index (in the candidate list) of the sentence before it in its passage
    next: int | None = None


def question_names(question: str) -> list[str]:
    """Words of the question written with a capital (not its first word, whose capital says nothing, nor a
    question word), lower-cased: the names a quote must mention to be about the same thing."""
    names = []
    for match in _CAPITALISED.finditer(question):
        word = match.group(0).rstrip(".").lower()
        for suffix in ("'s", "’s"):
            word = word.removesuffix(suffix)
        if not question[:match.start()].strip():
            continue
        if word not in _NOT_NAMES and word not in names:
            names.append(word)
    return names


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _name_found(name: str, words: set[str], text_lower: str) -> bool:
    return name in words or (not name.isalnum() and name in text_lower)


def _new_names(sentence: str, question_words: set[str]) -> tuple[int, bool]:
    """Capitalised words of the sentence the question lacks, and whether two of them stand together as a
    full name does ("Oona King"). Any sentence starts with a capital, so its first word counts only when it
    opens a run of capitalised words that is not a common opener ("Clive Betts, MP for…", not "The Oxford")."""
    offset = len(sentence) - len(sentence.lstrip())
    opening = _NAME_RUN.match(sentence, offset)
    words = set()
    for match in _CAPITALISED.finditer(sentence):
        word = match.group(0).rstrip(".").lower()
        if match.start() == offset and (opening is None or word in _OPENERS):
            continue
        if word not in question_words and word not in _NOT_NAMES:
            words.add(word)
    full = False
    for run in _NAME_RUN.finditer(sentence):
        if sum(1 for w in run.group(0).split() if w.rstrip(".").lower() in words) >= 2:
            full = True
            break
    return len(words), full


def extract(question: str, candidates: Sequence[Candidate], passage_texts: Sequence[str],
            stems: Callable[[str], list[str]], idf: Mapping[str, float],
            passage_titles: Sequence[str] = ()) -> np.ndarray:
    """The feature matrix (one row per candidate, columns in ``FEATURES`` order).

    ``passage_texts[i]`` is the text of the passage ranked ``i`` and ``passage_titles[i]`` its article's
    title; ``stems`` is the index's analyser and ``idf`` the weight of each question stem (stems missing
    from it weigh 0)."""
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    index_stems = stems

    def stems(text: str) -> list[str]:  # the index's analyser on base forms: "won" meets "win" (lemmas.py)
        return index_stems(base_forms(text))

    q_stems = sorted(set(stems(content_of(question))))
    weights = {s: float(idf.get(s, 0.0)) for s in q_stems}
    total = sum(weights.values()) or 1.0
    kind = expected_kind(question)
    names = question_names(question)

    passage_stems = [set(stems(t)) for t in passage_texts]
    passage_words = [_words(t) for t in passage_texts]
    passage_lower = [t.lower() for t in passage_texts]
    all_stems = set().union(*passage_stems) if passage_stems else set()
    evidence_missing = sum(w for s, w in weights.items() if s not in all_stems)
    names_missing_evidence = sum(
        1 for name in names if not any(_name_found(name, w, t) for w, t in zip(passage_words, passage_lower)))
    best_passage_score = max((c.passage_score for c in candidates), default=0.0) or 1.0

    title_stems = [set(stems(t)) for t in passage_titles]
    question_words = _words(question)
    coverage = np.zeros(n)
    sentence_stems = [set(stems(c.text)) for c in candidates]
    for i, c in enumerate(candidates):
        missing = [w for s, w in weights.items() if s not in sentence_stems[i]]
        coverage[i] = (total - sum(missing)) / total if weights else 0.0
        context = sentence_stems[i] | (sentence_stems[c.previous] if c.previous is not None else set())
        if c.passage < len(title_stems):
            context = context | title_stems[c.passage]
        out[i, 20] = sum(w for s, w in weights.items() if s in context) / total if weights else 0.0
        new_names, full_name = _new_names(c.text, question_words)
        out[i, 21] = math.log1p(new_names)
        out[i, 22] = 1.0 if kind == "name" and full_name else 0.0
        p = c.passage
        p_stems = passage_stems[p] if p < len(passage_stems) else sentence_stems[i]
        words, lower = _words(c.text), c.text.lower()
        if names:
            entity_share = sum(1 for name in names if _name_found(name, words, lower)) / len(names)
            p_words = passage_words[p] if p < len(passage_words) else words
            p_lower = passage_lower[p] if p < len(passage_lower) else lower
            names_missing_passage = sum(1 for name in names if not _name_found(name, p_words, p_lower))
        else:
            entity_share, names_missing_passage = 1.0, 0
        has_kind = kind_match(kind, c.text, question)
        row = out[i]
        row[0] = c.similarity
        row[4] = sum(missing)
        row[5] = max(missing, default=0.0)
        row[6] = sum(w for s, w in weights.items() if s not in p_stems)
        row[7] = evidence_missing
        row[8] = 1.0 if kind is not None and has_kind else 0.0
        row[9] = 1.0 if kind is not None and not has_kind else 0.0
        row[10] = entity_share
        row[11] = names_missing_passage
        row[12] = names_missing_evidence
        row[13] = 1.0 / (1 + c.passage)
        row[14] = c.passage_score / best_passage_score
        row[15] = math.log1p(max(c.start, 0) / 100)
        row[16] = math.log(1 + len(c.text.split()))
    similarity = out[:, 0]
    out[:, 1] = similarity - similarity.max()
    out[:, 2] = coverage
    out[:, 3] = coverage - coverage.max()
    for i, c in enumerate(candidates):
        neighbours = [j for j in (c.previous, c.next) if j is not None]
        out[i, 17] = max((similarity[j] for j in neighbours), default=0.0)
        out[i, 18] = max((coverage[j] for j in neighbours), default=0.0)
    out[:, 19] = similarity * coverage
    return derive(out)


def _reciprocal_rank(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return 1.0 / (1.0 + ranks)


def derive(x: np.ndarray) -> np.ndarray:
    """Fill the derived columns from the first ``BASE`` ones (a wider matrix is filled in place)."""
    if x.shape[1] == BASE:
        x = np.hstack([x, np.zeros((len(x), len(FEATURES) - BASE))])
    if len(x):
        x[:, BASE] = _reciprocal_rank(x[:, 0])
        x[:, BASE + 1] = _reciprocal_rank(x[:, 2])
        x[:, BASE + 2] = x[:, 8] * x[:, 2]
        x[:, BASE + 3] = x[:, 8] * x[:, 20]
    return x
