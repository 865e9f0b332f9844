"""Vector indexes: a protocol, one file per type, a factory keyed by the type in the manifest.

A new type is one file here that registers its class in ``VECTOR_INDEXES`` (and one import below, so
that the file runs); the contract suite tests every registered type. Nothing outside this package
imports ``faiss``.
"""

from __future__ import annotations

from pathlib import Path

from index.ann import auto, compact, flat, hnsw  # noqa: F401 - each registers its type
from index.ann.base import VECTOR_INDEXES, VectorIndex, VectorIndexError
from index.registry import UnknownChoice

__all__ = ["VECTOR_INDEXES", "VectorIndex", "VectorIndexError", "load_vector_index", "new_vector_index"]


def _kind(kind: str):
    """The registered type; an unknown one (an index written by a newer version) is an unusable index."""
    try:
        return VECTOR_INDEXES.get(kind)
    except UnknownChoice as exc:
        raise VectorIndexError(str(exc)) from None


def new_vector_index(kind: str, dimension: int) -> VectorIndex:
    return _kind(kind)(dimension)


def load_vector_index(kind: str, path: Path, dimension: int) -> VectorIndex:
    if not path.exists():
        raise VectorIndexError(f"{path} is missing")
    return _kind(kind).load(path, dimension)
