"""Keyword query construction for the SQLite FTS5 index.

User text never reaches FTS5 syntax: it is cut into word tokens, stop words are dropped,
and every token is quoted, so `"`, `*`, `NEAR(`, `OR`, `-` are just characters.
"""

from __future__ import annotations

import re
import unicodedata

import Stemmer

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 64

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not of off on once only or other our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t don also did does many much""".split()
)


def terms(text: str) -> list[str]:
    """Lower-cased content words in order of first appearance, stop words removed."""
    seen: dict[str, None] = {}
    for token in TOKEN.findall(text.lower()):
        if token not in STOP_WORDS and token not in seen:
            seen[token] = None
    return list(seen)[:MAX_TERMS]


def fts_query(text: str) -> str | None:
    """An OR of quoted terms (BM25 ranks by how many and how rare); None when nothing is left."""
    words = terms(text)
    if not words:
        return None
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


_STEMMER = Stemmer.Stemmer("porter")  # the same algorithm as FTS5's porter tokenizer


def fold(token: str) -> str:
    """Lower-case and strip diacritics, as FTS5's unicode61 tokenizer does."""
    decomposed = unicodedata.normalize("NFKD", token.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stems(text: str) -> list[str]:
    """Stems of the content words of ``text``, matching the terms stored in the FTS5 index."""
    return _STEMMER.stemWords([fold(t) for t in terms(text)])


_STEM_OF: dict[str, str] = {}


def document_stems(text: str) -> list[str]:
    """Every word of a stored text as FTS5's tokenizer keeps it (stop words too: they count in BM25's
    length norm): ``\\w+``, lower case, diacritics removed, Porter stem. Each word is stemmed once."""
    out = []
    for word in TOKEN.findall(fold(text) if not text.isascii() else text.lower()):
        stem = _STEM_OF.get(word)
        if stem is None:
            if len(_STEM_OF) > 1_000_000:
                _STEM_OF.clear()
            stem = _STEM_OF[word] = _STEMMER.stemWord(word) or word
        out.append(stem)
    return out
