"""Vector indexes: a protocol, one file per type, a factory keyed by the type in the manifest.

Nothing outside this package imports ``faiss``.
"""

from __future__ import annotations

from pathlib import Path

from index.ann.base import VectorIndex, VectorIndexError
from index.ann.auto import AutoIndex
from index.ann.compact import CompactIndex
from index.ann.flat import FlatIndex
from index.ann.hnsw import HNSWIndex

__all__ = ["KINDS", "VectorIndex", "VectorIndexError", "load_vector_index", "new_vector_index"]

KINDS: dict[str, type] = {FlatIndex.kind: FlatIndex, HNSWIndex.kind: HNSWIndex, AutoIndex.kind: AutoIndex,
                          CompactIndex.kind: CompactIndex}


def _kind(kind: str) -> type:
    try:
        return KINDS[kind]
    except KeyError:
        raise VectorIndexError(f"unknown vector index type {kind!r}; this version knows "
                               f"{', '.join(sorted(KINDS))}") from None


def new_vector_index(kind: str, dimension: int) -> VectorIndex:
    return _kind(kind)(dimension)


def load_vector_index(kind: str, path: Path, dimension: int) -> VectorIndex:
    if not path.exists():
        raise VectorIndexError(f"{path} is missing")
    return _kind(kind).load(path, dimension)
