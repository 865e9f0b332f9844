"""Chosen by size: exact (``flat``) while small, an HNSW graph past ``THRESHOLD`` vectors, and the graph
over 8-bit scalar-quantised vectors past ``COMPRESS_THRESHOLD``.

Each switch happens inside ``add`` and rebuilds from exact vectors (the flat index's, or the HNSW
graph's full-precision storage), so nothing is quantised twice. Switches are one-way: an index that
shrinks keeps its structure until a full rebuild. The saved file's header records the structure it
holds (``"flat"`` or ``"hnsw"``, with the HNSW storage).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.ann import _file
from index.ann._threads import one_thread
from index.ann.base import VECTOR_INDEXES, VectorIndexError
from index.ann.flat import FlatIndex
from index.ann.hnsw import HNSWIndex

# Measured with scripts/bench_ann.py on 2 shared cores (384 dimensions, k=10, one thread per query):
# exact search p50 0.40 ms at 10k vectors, 3.9 ms at 50k, 21 ms at 200k, 100 ms at 1M; HNSW 0.3-0.6 ms
# throughout (recall@10 0.998), at ~10 s of graph building per 20k vectors. See README.
THRESHOLD = 20_000
COMPRESS_THRESHOLD = 500_000  # sq8: 675 instead of 1,830 bytes a vector in memory (README)


class AutoIndex:
    kind = "auto"

    def __init__(self, dimension: int, inner: FlatIndex | HNSWIndex | None = None) -> None:
        self.dimension = dimension
        self._inner = inner if inner is not None else FlatIndex(dimension)

    @property
    def structure(self) -> str:
        return "flat" if isinstance(self._inner, FlatIndex) else self._inner.structure

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        inner = self._inner
        inner.add(ids, vectors)
        if isinstance(inner, FlatIndex) and len(inner) > THRESHOLD:
            self._inner = _to_hnsw(inner)
        elif isinstance(inner, HNSWIndex) and inner.storage == "flat" and len(inner) > COMPRESS_THRESHOLD:
            self._inner = _compressed(inner)

    def remove(self, ids: np.ndarray) -> int:
        return self._inner.remove(ids)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        with one_thread():  # the exact scan, too: see index/ann/_threads.py
            return self._inner.search(vector, k, allowed)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return self._inner.vectors(ids)

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        return self._inner.export()

    def save(self, path: Path) -> None:
        inner = self._inner
        if isinstance(inner, FlatIndex):
            _file.write(path, {"kind": self.kind, "structure": "flat", "dimension": self.dimension}, {},
                        inner._index)
        else:
            inner._save(path, self.kind)

    @classmethod
    def load(cls, path: Path, dimension: int) -> "AutoIndex":
        header, arrays, index = _file.read(path, cls.kind)
        structure = header.get("structure")
        if structure == "flat":
            if index is None or index.d != dimension:
                raise VectorIndexError(f"{path} has dimension {getattr(index, 'd', None)}, but the manifest "
                                       f"says {dimension}")
            return cls(dimension, FlatIndex(dimension, index))
        if structure == "hnsw":
            return cls(dimension, HNSWIndex._from_parts(path, dimension, header, arrays, index))
        raise VectorIndexError(f"{path} is missing or corrupt (unknown structure {structure!r})")

    def __len__(self) -> int:
        return len(self._inner)


def _to_hnsw(flat: FlatIndex) -> HNSWIndex:
    ids, vectors = flat.export()
    return HNSWIndex._from_vectors(flat.dimension, "sq8" if len(ids) > COMPRESS_THRESHOLD else "flat", ids, vectors)


def _compressed(index: HNSWIndex) -> HNSWIndex:
    with index._lock:
        index._flush()
        keep = np.flatnonzero(~index._dead)
        ids, vectors = index._labels[keep], index._vectors(keep)
    return HNSWIndex._from_vectors(index.dimension, "sq8", ids, vectors)


VECTOR_INDEXES.register(AutoIndex.kind, AutoIndex)
