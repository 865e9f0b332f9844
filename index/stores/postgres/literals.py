"""Values in PostgreSQL's text forms: vectors, and the stems of FTS5's tokenizer as tsvector/tsquery.

The store indexes the stems the project's own Porter stemmer makes (``index.keywords``), not
PostgreSQL's English dictionary, so ``stems()`` and the keyword index agree exactly and stems need
no round trip. Every lexeme is quoted: user text is data inside a bound parameter, never syntax.
"""

from __future__ import annotations

import numpy as np
import Stemmer

from index.keywords import TOKEN, fold, stems

_STEMMER = Stemmer.Stemmer("porter")
MAX_LEXEME_CHARS = 200     # PostgreSQL allows 2 KB per lexeme; longer "words" are noise
MAX_POSITIONS = 255        # per lexeme (PostgreSQL keeps at most 256)
MAX_POSITION = 16383


def vector(values: np.ndarray) -> str:
    return "[" + ",".join(map(repr, np.asarray(values, dtype=np.float32).tolist())) + "]"


def parse_vector(text: str) -> np.ndarray:
    return np.array(text[1:-1].split(","), dtype=np.float32)


def quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def all_stems(text: str) -> list[str]:
    """Every token's stem in order, stop words included (as FTS5 indexes them)."""
    return _STEMMER.stemWords([fold(t) for t in TOKEN.findall(text)])


def tsvector(title: str, text: str) -> str:
    """Title stems at weight A, then text stems (weight D), with their positions."""
    positions: dict[str, list[str]] = {}
    at = 0
    for weight, part in (("A", title), ("", text)):
        for stem in all_stems(part):
            at = min(at + 1, MAX_POSITION)
            if 0 < len(stem) <= MAX_LEXEME_CHARS:
                found = positions.setdefault(stem, [])
                if len(found) < MAX_POSITIONS:
                    found.append(f"{at}{weight}")
    return " ".join(f"{quote(s)}:{','.join(p)}" for s, p in positions.items())


def tsquery(text: str) -> str | None:
    """An OR of the query's content-word stems (as FTS5's query); None when nothing is left."""
    words = [s for s in stems(text) if 0 < len(s) <= MAX_LEXEME_CHARS]
    return " | ".join(quote(s) for s in dict.fromkeys(words)) or None
