"""Exact search: FAISS ``IndexFlatIP`` under an id map. Right while an archive is small."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.ann._threads import one_thread
from index.ann.base import VECTOR_INDEXES, VectorIndexError


class FlatIndex:
    kind = "flat"

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @classmethod
    def load(cls, path: Path, dimension: int) -> "FlatIndex":
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise VectorIndexError(f"{path} is missing or corrupt ({_first_line(exc)})") from None
        if index.d != dimension:
            raise VectorIndexError(f"{path} has dimension {index.d}, but the manifest says {dimension}")
        return cls(dimension, index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                     np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        if not len(ids):
            return 0
        return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        k = min(k, self._index.ntotal if allowed is None else allowed.size)
        if k <= 0:
            return []
        params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        with one_thread():  # see _threads.py: OpenMP threads made one query 10-60x slower on a busy machine
            scores, ids = self._index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not len(ids):
            return np.empty((0, self.dimension), np.float32)
        try:
            return self._index.reconstruct_batch(ids)
        except RuntimeError:
            raise VectorIndexError(f"the vector index holds none for some of ids {ids[:5].tolist()}...") from None

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        n = self._index.ntotal
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        storage = faiss.downcast_index(self._index.index)
        vectors = faiss.rev_swig_ptr(storage.get_xb(), n * self.dimension).reshape(n, self.dimension).copy()
        return ids, vectors

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    def __len__(self) -> int:
        return int(self._index.ntotal)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


VECTOR_INDEXES.register(FlatIndex.kind, FlatIndex)
