"""Approximate search: a FAISS HNSW graph over inner product, with removals and filters before the cut.

- **Graph**: ``IndexHNSWFlat`` (M=32, efConstruction=80) over internal positions 0..n-1; an int64 array
  maps positions to the store's ids. Vectors are kept in full (``storage="flat"``: ~1,820 bytes a
  vector at 384 dimensions, graph included), so filtered scans are exact and compaction is lossless.
  ``storage="sq8"`` (8-bit scalar quantisation, ~665 bytes a vector; scores approximate to ~1e-3) is
  what ``auto`` switches to for very large indexes; it is recorded in the file.
- **Search**: efSearch 256 (at least k), on the calling thread only. Recall@10 against exact search:
  0.998 on 10k and 50k real sentence vectors, 0.974 at 1M tiled ones (``scripts/bench_ann.py``); with
  8-bit storage 0.966 there, and 0.92 at 1.2M in ``scripts/bench_compact.py``'s tiling.
- **Filters** (``allowed``) apply before the cut. A small allowed set (at most ``EXACT_MAX`` vectors
  or ``EXACT_SHARE`` of the index) is scanned exactly — a filtered graph walk there is slower and
  misses results (recall 0.33–0.54 at 0.5–1% with plain efSearch). Larger sets walk the graph with a
  bitmap selector, efSearch raised up to 4× as the allowed share falls below 10%.
- **Removals**: FAISS HNSW cannot delete, so removed ids become tombstones — still used to route through
  the graph, never returned. ``save`` rebuilds the graph from the live vectors once tombstones exceed
  ``COMPACT_SHARE`` of it; tombstones are saved and loaded with the graph.
- **Adds** are buffered and inserted into the graph ``FLUSH`` vectors at a time (a build adds one
  article at a time; FAISS inserts a large batch on all cores). A search or save inserts what is
  pending first. FAISS (1.15) builds deterministically, so the same adds in the same batches give the
  same graph and the same results; an incremental add gives a different graph than a full build,
  with the same results within the approximation (tests/index/test_ann.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import faiss
import numpy as np

from index.ann import _file
from index.ann._threads import one_thread
from index.ann.base import VECTOR_INDEXES, VectorIndexError

M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 256  # recall@10 at 1M (tiled) vectors: 0.978 at 128, 0.989 at 256; p50 0.34 -> 0.59 ms
FLUSH = 20_000  # pending vectors inserted into the graph at once
COMPACT_SHARE = 0.2  # save() rebuilds the graph when more than this share of it is tombstones
EXACT_MAX = 8_000  # allowed sets up to this size are scanned exactly ...
EXACT_SHARE = 0.01  # ... and so are those up to this share of the index
FILTER_EF_SHARE, FILTER_EF_MAX = 0.1, 4.0  # a filtered walk's efSearch grows as the allowed share falls below 0.1
SMALL_SET = 4096  # allowed sets up to this size are sorted; larger ones become a mask over the index
PLANS_KEPT = 8  # filter plans kept per index (see _filter_plan)
STORAGES = ("flat", "sq8")


class HNSWIndex:
    kind = "hnsw"

    def __init__(self, dimension: int, storage: str = "flat") -> None:
        if storage not in STORAGES:
            raise VectorIndexError(f"unknown HNSW storage {storage!r}; known: {', '.join(STORAGES)}")
        self.dimension = dimension
        self.storage = storage
        self.ef_search = EF_SEARCH
        self._graph: faiss.Index | None = None  # created at the first insert (sq8 trains on it)
        self._labels = np.empty(0, dtype=np.int64)  # store id of each graph position
        self._dead = np.empty(0, dtype=bool)  # tombstones, by graph position
        self._removed = 0
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_count = 0
        self._lookup: tuple[np.ndarray | None, np.ndarray] | None = None  # (order, sorted labels)
        self._alive_bits: np.ndarray | None = None
        self._plans: list[tuple[np.ndarray, tuple]] = []  # (allowed array, its filter plan), newest first
        self._lock = threading.RLock()

    @property
    def structure(self) -> str:
        return f"hnsw-{self.storage}"

    # --- the protocol ---------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not len(ids):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dimension):
            raise VectorIndexError(f"{len(ids)} ids need {len(ids)}×{self.dimension} vectors, "
                                   f"got {vectors.shape}")
        with self._lock:
            self._pending.append((ids.copy(), vectors.copy()))
            self._pending_count += len(ids)
            if self._pending_count >= FLUSH:
                self._flush()

    def remove(self, ids: np.ndarray) -> int:
        ids = _distinct(np.asarray(ids, dtype=np.int64).reshape(-1))
        if not len(ids):
            return 0
        with self._lock:
            self._flush()
            positions = self._positions(ids)
            positions = positions[~self._dead[positions]]
            if len(positions):
                self._dead[positions] = True
                self._removed += len(positions)
                self._alive_bits = None
                self._plans = []
            return len(positions)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if self._pending:
            with self._lock:
                self._flush()
        graph = self._graph
        alive = 0 if graph is None else graph.ntotal - self._removed
        if k <= 0 or alive <= 0:
            return []
        query = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if allowed is None:
            k = min(k, alive)
            bits = self._alive_bitmap()
            ef = max(self.ef_search, k)
            if self._removed:  # tombstones take slots in the walk; widen it by their share
                ef = int(ef * graph.ntotal / alive)
            return self._walk(query, k, ef, bits)
        positions, bits, count = self._filter_plan(allowed, graph.ntotal, alive)
        if not count:
            return []
        k = min(k, count)
        if positions is not None:
            return self._exact(np.ascontiguousarray(query[0]), k, positions)
        share = count / alive
        ef = int(max(self.ef_search, k) * min(FILTER_EF_MAX, max(1.0, FILTER_EF_SHARE / share)))
        return self._walk(query, k, ef, bits)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        with self._lock:
            self._flush()
            positions = self._positions(ids) if len(ids) else np.empty(0, np.int64)
            if len(positions) != len(ids) or self._dead[positions].any():
                raise VectorIndexError(f"the vector index holds none for some of ids {ids[:5].tolist()}...")
            return np.array(self._vectors(positions), dtype=np.float32).reshape(len(ids), self.dimension)

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            self._flush()
            if self._graph is None:
                return np.empty(0, np.int64), np.empty((0, self.dimension), np.float32)
            keep = np.flatnonzero(~self._dead)
            return self._labels[keep].copy(), np.array(self._vectors(keep), dtype=np.float32)

    def _filter_plan(self, allowed: np.ndarray, ntotal: int, alive: int):
        """``(positions to scan exactly, or None; bitmap for a filtered walk, or None; allowed count)``.

        Kept for the last few ``allowed`` arrays (by identity: a reader passes the same cached array for
        the same filter), because mapping a large allowed set to graph positions costs milliseconds per
        query (~20 ms for 365k sentence ids) while the walk itself takes one or two."""
        with self._lock:
            for held, plan in self._plans:
                if held is allowed:
                    return plan
        positions = self._positions(np.asarray(allowed, dtype=np.int64).reshape(-1))
        mask = None
        if len(positions) <= SMALL_SET:  # sorting a few is cheaper than a mask over the whole index
            positions = _distinct(positions)
            positions = positions[~self._dead[positions]]
        else:  # (np.unique hashes: 100k ids took 210 ms; a mask over 1M positions takes ~2 ms)
            mask = np.zeros(ntotal, dtype=bool)
            mask[positions] = True
            if self._removed:
                mask &= ~self._dead
            positions = None
        count = len(positions) if mask is None else int(np.count_nonzero(mask))
        if count <= max(EXACT_MAX, EXACT_SHARE * alive):
            plan = (np.flatnonzero(mask) if positions is None else positions, None, count)
        else:
            if mask is None:
                mask = np.zeros(ntotal, dtype=bool)
                mask[positions] = True
            plan = (None, np.packbits(mask, bitorder="little"), count)
        with self._lock:
            self._plans = [(allowed, plan)] + self._plans[:PLANS_KEPT - 1]
        return plan

    def save(self, path: Path) -> None:
        self._save(path, self.kind)

    @classmethod
    def load(cls, path: Path, dimension: int) -> "HNSWIndex":
        header, arrays, graph = _file.read(path, cls.kind)
        return cls._from_parts(path, dimension, header, arrays, graph)

    def __len__(self) -> int:
        return (0 if self._graph is None else self._graph.ntotal) - self._removed + self._pending_count

    # --- saved parts (shared with the auto index) -------------------------------------------

    def _save(self, path: Path, kind: str) -> None:
        with self._lock:
            self._flush()
            if self._removed and self._removed > COMPACT_SHARE * self._graph.ntotal:
                self._compact()
            _file.write(path, self._header(kind), self._arrays(), self._graph)

    def _header(self, kind: str) -> dict:
        return {"kind": kind, "structure": "hnsw", "storage": self.storage, "dimension": self.dimension,
                "M": M, "ef_construction": EF_CONSTRUCTION}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"labels": self._labels, "tombstones": np.flatnonzero(self._dead).astype(np.int64)}

    @classmethod
    def _from_parts(cls, path: Path, dimension: int, header: dict, arrays: dict, graph) -> "HNSWIndex":
        if header.get("dimension") != dimension or (graph is not None and graph.d != dimension):
            raise VectorIndexError(f"{path} has dimension {header.get('dimension')}, but the manifest says {dimension}")
        try:
            index = cls(dimension, header["storage"])
            labels, tombstones = arrays["labels"], arrays["tombstones"]
        except KeyError as exc:
            raise VectorIndexError(f"{path} is missing or corrupt (no {exc})") from None
        if len(labels) != (0 if graph is None else graph.ntotal) or (len(tombstones) and (
                tombstones.min() < 0 or tombstones.max() >= len(labels))):
            raise VectorIndexError(f"{path} is missing or corrupt (ids do not match the graph)")
        index._graph = graph
        index._labels = labels
        index._dead = np.zeros(len(labels), dtype=bool)
        index._dead[tombstones] = True
        index._removed = int(index._dead.sum())
        return index

    @classmethod
    def _from_vectors(cls, dimension: int, storage: str, ids: np.ndarray, vectors: np.ndarray) -> "HNSWIndex":
        index = cls(dimension, storage)
        index._insert(np.asarray(ids, dtype=np.int64), np.ascontiguousarray(vectors, dtype=np.float32))
        return index

    # --- inside -----------------------------------------------------------------------------

    def _new_graph(self, sample: np.ndarray, like: faiss.Index | None = None) -> faiss.Index:
        if self.storage == "flat":
            graph = faiss.IndexHNSWFlat(self.dimension, M, faiss.METRIC_INNER_PRODUCT)
        else:
            graph = faiss.IndexHNSWSQ(self.dimension, faiss.ScalarQuantizer.QT_8bit, M, faiss.METRIC_INNER_PRODUCT)
            if like is None:
                graph.train(sample)  # per-dimension ranges from the first insert; later values are clipped to them
            else:  # the same ranges, so decoded vectors encode to the same codes again
                storage = faiss.downcast_index(graph.storage)
                storage.sq.trained = faiss.downcast_index(like.storage).sq.trained
                storage.is_trained = graph.is_trained = True
        graph.hnsw.efConstruction = EF_CONSTRUCTION
        return graph

    def _flush(self) -> None:
        if not self._pending:
            return
        ids = np.concatenate([i for i, _ in self._pending])
        vectors = np.concatenate([v for _, v in self._pending])
        self._pending, self._pending_count = [], 0
        self._insert(ids, vectors)

    def _insert(self, ids: np.ndarray, vectors: np.ndarray, like: faiss.Index | None = None) -> None:
        if not len(ids):
            return
        if self._graph is None:
            self._graph = self._new_graph(vectors, like)
        self._graph.add(vectors)
        self._labels = np.concatenate([self._labels, ids])
        self._dead = np.concatenate([self._dead, np.zeros(len(ids), dtype=bool)])
        self._lookup = None
        self._alive_bits = None
        self._plans = []

    def _vectors(self, positions: np.ndarray) -> np.ndarray:
        """The stored vectors at these graph positions (exact for flat storage, decoded for sq8)."""
        storage = faiss.downcast_index(self._graph.storage)
        if self.storage == "flat":
            n = storage.ntotal
            return faiss.rev_swig_ptr(storage.get_xb(), n * self.dimension).reshape(n, self.dimension)[positions]
        return storage.reconstruct_batch(np.ascontiguousarray(positions, dtype=np.int64))

    def _compact(self) -> None:
        keep = np.flatnonzero(~self._dead)
        ids, vectors, old = self._labels[keep], self._vectors(keep), self._graph
        self._graph, self._labels, self._dead, self._removed = None, np.empty(0, np.int64), np.empty(0, bool), 0
        self._insert(ids, vectors, like=old)

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """Graph positions of those ids that are in the graph (tombstones included)."""
        lookup = self._lookup
        if lookup is None:
            labels = self._labels
            if len(labels) < 2 or bool(np.all(labels[1:] > labels[:-1])):
                lookup = (None, labels)
            else:
                order = np.argsort(labels, kind="stable")
                lookup = (order, labels[order])
            self._lookup = lookup
        order, keys = lookup
        if not len(keys):
            return np.empty(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
        at = at[keys[at] == ids]
        return at if order is None else order[at]

    def _alive_bitmap(self) -> np.ndarray | None:
        if not self._removed:
            return None
        bits = self._alive_bits
        if bits is None:
            bits = self._alive_bits = np.packbits(~self._dead, bitorder="little")
        return bits

    def _walk(self, query: np.ndarray, k: int, ef: int, bits: np.ndarray | None) -> list[tuple[int, float]]:
        params = faiss.SearchParametersHNSW()
        params.efSearch = ef
        if bits is not None:
            selector = faiss.IDSelectorBitmap(self._graph.ntotal, faiss.swig_ptr(bits))
            params.sel = selector
        with one_thread():
            scores, positions = self._graph.search(query, k, params=params)
        return _ranked([(int(self._labels[p]), float(s)) for p, s in zip(positions[0], scores[0]) if p >= 0])

    def _exact(self, query: np.ndarray, k: int, positions: np.ndarray) -> list[tuple[int, float]]:
        positions = np.ascontiguousarray(positions, dtype=np.int64)
        if self.storage == "flat":  # inner products in place, without copying the vectors out
            scores = np.empty(len(positions), dtype=np.float32)
            storage = faiss.downcast_index(self._graph.storage)
            with one_thread():
                faiss.fvec_inner_products_by_idx(faiss.swig_ptr(scores), faiss.swig_ptr(query), storage.get_xb(),
                                                 faiss.swig_ptr(positions), self.dimension, 1, len(positions))
        else:  # distances on the codes, for the allowed positions only
            mask = np.zeros(self._graph.ntotal, dtype=bool)
            mask[positions] = True
            bits = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))  # both kept alive while searching
            params = faiss.SearchParameters(sel=selector)
            with one_thread():
                found, at = faiss.downcast_index(self._graph.storage).search(query.reshape(1, -1), k, params=params)
            return _ranked([(int(self._labels[p]), float(s)) for p, s in zip(at[0], found[0]) if p >= 0])
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        return _ranked([(int(self._labels[positions[t]]), float(scores[t])) for t in top])


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted, without repeats (np.unique's hashing is far slower on large int arrays)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _ranked(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Best first; equal scores by id, so results do not depend on the walk's order."""
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))


VECTOR_INDEXES.register(HNSWIndex.kind, HNSWIndex)
