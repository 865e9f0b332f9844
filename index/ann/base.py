"""What the stores may ask of a vector index (the way txtai's ``ann/`` separates backends)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from index.errors import NewsQAError
from index.registry import Registry


class VectorIndexError(NewsQAError, RuntimeError):
    """A vector index file is missing, corrupt or of another shape; the message names the file."""

    http_status = 503  # the index cannot be served until it is rebuilt
    exit_code = 1


@runtime_checkable
class VectorIndex(Protocol):
    """Unit vectors addressed by int64 ids; scores are inner products (cosine), higher is better.

    Implementations need not keep vectors exactly (approximate indexes compress them): ``vectors``
    and ``export`` give back what is stored, decoded.
    """

    kind: str
    dimension: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> int:
        """Drop these ids (unknown ones are ignored); returns how many were removed."""
        ...

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k ``(id, score)``, best first; ``allowed`` restricts candidates before the cut."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these ids, row for row (decoded, for compressed storage). Answers read
        sentence vectors here, so the store keeps no second copy; an id the index lacks raises."""
        ...

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live ``(ids, vectors)``: what a segment merge re-adds (decoded, for compressed storage)."""
        ...

    def save(self, path: Path) -> None: ...

    def __len__(self) -> int: ...


#: Vector index types by name (the manifest's ``vector_index``): each registers its class, which makes an
#: empty index from a dimension and has ``load(path, dimension)``. Each type's module registers itself.
VECTOR_INDEXES: Registry[VectorIndex] = Registry("vector index type")
