"""Vectors in pgvector's text form, and the terms of the keyword index.

The store indexes the stems the project's own Porter stemmer makes (``index.keywords``, FTS5's
algorithm), not PostgreSQL's English dictionary, so ``stems()`` and the keyword index agree exactly,
stems need no round trip, and BM25 is computed over the same terms as the folder store's FTS5.
"""

from __future__ import annotations

import struct

import numpy as np

from index.keywords import document_stems, stems

MAX_STEM_CHARS = 200  # longer "words" are noise (and would bloat the stem index)


def vector(values: np.ndarray) -> str:
    return "[" + ",".join(map(repr, np.asarray(values, dtype=np.float32).tolist())) + "]"


def vector_bytes(values: np.ndarray) -> list[bytes]:
    """Each row of ``values`` in pgvector's binary form (``vector_recv``): the dimension and a reserved
    int16, then big-endian float4s."""
    values = np.atleast_2d(np.asarray(values, dtype=">f4"))
    header = struct.pack(">hh", values.shape[1], 0)
    return [header + row.tobytes() for row in values]


def parse_vector(text: str) -> np.ndarray:
    return np.array(text[1:-1].split(","), dtype=np.float32)


def term_counts(title: str, text: str) -> tuple[dict[str, tuple[int, int]], int]:
    """Each stem's (title, text) occurrences, and the number of tokens: one chunk's postings and length."""
    counts: dict[str, list[int]] = {}
    tokens = 0
    for column, part in enumerate((title, text)):
        found = document_stems(part)  # the folder store's keyword tokens: each word folded and stemmed once
        tokens += len(found)
        for stem in found:
            if 0 < len(stem) <= MAX_STEM_CHARS:
                counts.setdefault(stem, [0, 0])[column] += 1
    return {stem: (t, x) for stem, (t, x) in counts.items()}, tokens


def query_stems(text: str) -> list[str]:
    """The query's distinct content-word stems (what FTS5's OR query of quoted terms matches)."""
    return list(dict.fromkeys(s for s in stems(text) if 0 < len(s) <= MAX_STEM_CHARS))
