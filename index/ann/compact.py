"""Compact vectors with exact re-scoring: small codes in memory find a shortlist, float16 vectors on
disk (memory-mapped) re-score it exactly — the FAISS refine / DiskANN pattern.

Why: a million chunks with their ~5.2 sentence vectors each must fit 1 GiB of resident memory, and no
code that small keeps top-10 recall on its own (``scripts/bench_codecs.py``). The float16 copy costs
disk (768 bytes a vector at 384 dimensions), which is cheap; only the rows a query re-scores are read.

- **In memory**: an IVF index (``LISTS_PER_SQRT``·sqrt(n) lists) over 4-bit product-quantiser codes
  scanned with FAISS's SIMD fast scan (``CODES``: d/2 bytes a vector), with row positions as its ids;
  the store ids of the rows (int64) and a tombstone flag per row.
- **On disk**: the same file as the codes, after them, 4 KiB-aligned: every row as float16, mapped
  read-only with ``MADV_RANDOM`` so a query pulls in only the pages it re-scores.
- **Search**: the codes give k + ``SHORTLIST`` candidates; their float16 rows are scored exactly and the
  best k returned, so scores are exact inner products. A query probes ``PROBE_PER_SQRT``·sqrt(lists) of
  the lists, not a fixed share: with sqrt(n)-sized lists it scans ~n^0.75 codes, sublinear in n (a fixed
  share of 35% made it linear: 2.4× slower than HNSW at 300,000 vectors).
  A small allowed set (``EXACT_MAX`` rows or ``EXACT_SHARE`` of the index) is scored exactly from the
  float16 rows; a larger one filters the list scan by a bitmap, before the cut.
- **Adds** stay float16 in memory, searched exactly, until a search finds more than ``TAIL_MAX`` of
  them or the index is saved: then they are coded (the lists and codes trained on the first
  ``MIN_TRAIN`` or more rows, and again from the float16 rows once the index has grown
  ``RETRAIN_GROWTH``-fold). Below ``MIN_TRAIN`` rows nothing is coded and every search is exact.
- **Vectors and export** read the float16 rows (no float32 copy is kept anywhere); ``export`` returns
  them as float16, which a merge re-adds without rounding twice.
- **Damage**: a file shorter or longer than written is refused when opened ("damaged: N bytes where M
  were written"); every row read is checked to be the unit vector it was written as, so a zeroed or
  overwritten page is named as damage, never scored as zeros. ``add`` refuses vectors that are not unit.
- **Removals** are tombstones; ``save`` rebuilds the codes from the live rows once tombstones exceed
  ``COMPACT_SHARE``.
"""

from __future__ import annotations

import math
import mmap
import os
import threading
from pathlib import Path

import faiss
import numpy as np

from index.ann import _file
from index.ann._threads import one_thread
from index.ann.base import VECTOR_INDEXES, VectorIndexError

# Tuned on the real-model 3,000-article archive (38,868 sentence vectors, 392 real questions): what limits agreement with exact search is the lists probed, not the
# shortlist (100 re-scored rows found what 400 did). 4·sqrt(n) lists probing 1/16, 1/8, 1/4, 0.35 of them:
# top-10 agreement 0.916, 0.954, 0.981, 0.990; p50 0.35, 0.44, 0.71, 0.77 ms.
# The share needed falls as the index grows (Wikinews sentence vectors tiled to 300,000, 2,190 lists: 300 and
# 400 probed gave 0.980 and 0.985 at 0.66 and 0.75 ms, where 0.35 of them took 2.1 ms), so the lists probed
# grow with the square root of the lists, not with the lists. PROBE_PER_SQRT 5, 6, 7, 9 (interleaved, one run):
# 78,531 real sentence vectors 0.970, 0.976, 0.980, 0.986 at 0.41-0.52 ms; 1.2M tiled 0.979, 0.981, 0.982, 0.985
# at 1.43, 1.55, 1.72, 2.03 ms. Small indexes probe more than the old 35% (14,627 chunks: 0.992 instead of 0.984,
# 0.29 ms either way).
LISTS_PER_SQRT = 4.0  # IVF lists: this many per sqrt(rows), at most one per TRAIN_PER_LIST rows
TRAIN_PER_LIST = 39  # training rows per list (FAISS warns below 39)
TRAIN_MAX = 100_000  # training sample cap: k-means cost grows with sample × lists
PROBE_PER_SQRT = 9.0  # lists a query scans: this many per sqrt(lists) (47% of 375 lists, 27% of 1,120, 9% of 9,800) ...
PROBE_MIN = 8  # ... and at least this many lists ...
SCAN_MIN = 5_000  # ... and rows: a small index's short lists miss more (7,755 chunks: 0.959 with 0.3 of them)
SHORTLIST = 100  # candidates re-scored exactly per query beyond k (sentence searches ask for k=400)
MIN_TRAIN = 1_000  # below this many rows, nothing is coded: searches are exact
TAIL_MAX = 5_000  # uncoded rows a search scans exactly before it codes them
RETRAIN_GROWTH = 4  # retrain lists and codes once the index holds this many times the rows trained on
EXACT_MAX, EXACT_SHARE = 4_000, 0.01  # allowed sets up to this size or share are scored exactly
FILTER_PROBE_MAX = 8.0  # a filtered scan probes up to this many times more lists as the allowed share falls
COMPACT_SHARE = 0.2  # save() drops tombstoned rows once they exceed this share
NORM_TOLERANCE = 0.01  # a stored row is a unit vector within float16's rounding; beyond this it is damage
ALIGN = 4096
BLOCK = 65_536  # rows converted to float32 at a time while coding or writing


def _codes(dimension: int) -> str:
    """4-bit PQ with fast scan, one byte per two dimensions: measured against RaBitQ and 8-bit codes in
    scripts/bench_compact.py (the fastest scan at the same recall after re-scoring)."""
    if dimension % 2:
        raise VectorIndexError(f"the compact index needs an even dimension, not {dimension}")
    return f"PQ{dimension // 2}x4fs"


class CompactIndex:
    kind = "compact"

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.shortlist = SHORTLIST
        self.probe_per_sqrt = PROBE_PER_SQRT
        self._path: Path | None = None  # where the mapped rows come from, named in damage reports
        self._mapped = np.empty((0, dimension), np.float16)  # rows saved in the file (a memmap after load)
        self._fresh: list[np.ndarray] = []  # float16 rows added since, in memory
        self._fresh_rows: np.ndarray | None = None
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # adds not yet joined to the arrays below
        self._pending_count = 0
        self._labels = np.empty(0, np.int64)  # store id of each row
        self._dead = np.empty(0, bool)
        self._removed = 0
        self._ivf: faiss.IndexIVF | None = None  # codes of rows [0, _coded)
        self._coded = 0
        self._trained_on = 0
        self._lookup: tuple[np.ndarray | None, np.ndarray] | None = None
        self._plans: list[tuple[np.ndarray, tuple]] = []
        self._lock = threading.RLock()

    @property
    def structure(self) -> str:
        return "compact"

    # --- the protocol ---------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not len(ids):
            return
        vectors = np.asarray(vectors)
        if vectors.shape != (len(ids), self.dimension):
            raise VectorIndexError(f"{len(ids)} ids need {len(ids)}×{self.dimension} vectors, got {vectors.shape}")
        rows = vectors.astype(np.float16)
        norms = np.linalg.norm(rows.astype(np.float32), axis=1)
        if np.any(np.abs(norms - 1) > NORM_TOLERANCE):
            bad = int(np.argmax(np.abs(norms - 1)))
            raise VectorIndexError(f"the compact index keeps unit vectors; id {ids[bad]} has norm {norms[bad]:.3f}")
        with self._lock:  # appended here, joined by _settle: a build adds an article at a time
            self._pending.append((ids.copy(), rows))
            self._pending_count += len(ids)

    def remove(self, ids: np.ndarray) -> int:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not len(ids):
            return 0
        with self._lock:
            self._settle()
            positions = np.unique(self._positions(ids))
            positions = positions[~self._dead[positions]]
            self._dead[positions] = True
            self._removed += len(positions)
            self._plans = []
            return len(positions)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if self._pending:
            with self._lock:
                self._settle()
        alive = len(self)
        if k <= 0 or alive <= 0:
            return []
        if len(self._labels) - self._coded > TAIL_MAX and len(self._labels) >= MIN_TRAIN:
            with self._lock:
                self._code()
        query = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(-1))
        with self._lock:  # a consistent view: adds and coding replace these attributes
            ivf, coded, n = self._ivf, self._coded, len(self._labels)
        if allowed is None:
            bits = self._alive_bits(coded) if self._removed else None
            candidates = self._shortlist(ivf, query, k, bits, 1.0)
            tail = np.arange(coded, n)
            candidates = np.concatenate([candidates, tail[~self._dead[tail]]])
            return self._rescored(query, candidates, k)
        positions = self._plan(np.asarray(allowed, dtype=np.int64).reshape(-1))
        if not len(positions):
            return []
        if ivf is None or len(positions) <= max(EXACT_MAX, EXACT_SHARE * alive):
            return self._rescored(query, positions, k)
        mask = np.zeros(coded, bool)
        coded_part = positions[positions < coded]
        mask[coded_part] = True
        boost = min(FILTER_PROBE_MAX, max(1.0, 0.1 / (len(positions) / alive)))
        candidates = self._shortlist(ivf, query, k, np.packbits(mask, bitorder="little"), boost)
        return self._rescored(query, np.concatenate([candidates, positions[positions >= coded]]), k)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        with self._lock:
            self._settle()
            positions = self._positions(ids) if len(ids) else np.empty(0, np.int64)
            if len(positions) != len(ids) or self._dead[positions].any():
                raise VectorIndexError(f"the vector index holds none for some of ids {ids[:5].tolist()}...")
            return self._rows(positions)

    def export(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            self._settle()
            keep = np.flatnonzero(~self._dead)
            rows = self._all_rows()
            out = np.empty((len(keep), self.dimension), np.float16)
            for at in range(0, len(keep), BLOCK):
                out[at:at + BLOCK] = rows[keep[at:at + BLOCK]]
            return self._labels[keep].copy(), out

    def save(self, path: Path) -> None:
        self._save(path, self.kind)

    @classmethod
    def load(cls, path: Path, dimension: int) -> "CompactIndex":
        header, arrays, ivf, end = _file.read_parts(path, cls.kind)
        return cls._from_parts(path, dimension, header, arrays, ivf, end)

    def __len__(self) -> int:
        return len(self._labels) + self._pending_count - self._removed

    def resident_bytes(self) -> int:
        """Its own count of the memory it holds: codes, list ids and centroids (as FAISS serialises them),
        store ids, tombstones and rows not yet saved; the float16 file's pages are the OS cache's. What
        scripts/bench_compact.py sets beside the RSS it measures."""
        with self._lock:
            codes = 0 if self._ivf is None else len(faiss.serialize_index(self._ivf))
            fresh = sum(r.nbytes for r in self._fresh) + sum(r.nbytes for _, r in self._pending)
            return codes + self._labels.nbytes + self._dead.nbytes + fresh

    # --- saved parts (shared with the auto index) -------------------------------------------

    def _save(self, path: Path, kind: str) -> None:
        path = Path(path)
        with self._lock:
            self._settle()
            if self._removed > COMPACT_SHARE * len(self._labels):
                self._compact()
            if len(self._labels) >= MIN_TRAIN:
                self._code()  # a reader opens it ready to search
            header = {"kind": kind, "structure": "compact", "dimension": self.dimension, "rows": len(self._labels),
                      "coded": self._coded, "trained_on": self._trained_on, "codes": _codes(self.dimension),
                      "align": ALIGN}
            arrays = {"labels": self._labels, "tombstones": np.flatnonzero(self._dead).astype(np.int64)}
            rows = self._all_rows()
            # Written aside and renamed: this index may be mapping the file it replaces.
            temporary = path.with_name(path.name + ".tmp")
            _file.write(temporary, header, arrays, self._ivf)
            with open(temporary, "ab") as f:
                f.write(b"\0" * (-f.tell() % ALIGN))
                for at in range(0, len(rows), BLOCK):
                    f.write(np.ascontiguousarray(rows[at:at + BLOCK], dtype="<f2").tobytes())
            os.replace(temporary, path)

    @classmethod
    def _from_parts(cls, path: Path, dimension: int, header: dict, arrays: dict, ivf, end: int) -> "CompactIndex":
        if header.get("dimension") != dimension or (ivf is not None and ivf.d != dimension):
            raise VectorIndexError(f"{path} has dimension {header.get('dimension')}, but the manifest says {dimension}")
        try:
            rows, coded = int(header["rows"]), int(header["coded"])
            labels, tombstones = arrays["labels"], arrays["tombstones"]
            align = int(header["align"])
        except (KeyError, TypeError, ValueError) as exc:
            raise VectorIndexError(f"{path} is missing or corrupt (no {exc})") from None
        if len(labels) != rows or coded != (0 if ivf is None else ivf.ntotal) or coded > rows or (
                len(tombstones) and (tombstones.min() < 0 or tombstones.max() >= rows)):
            raise VectorIndexError(f"{path} is missing or corrupt (ids do not match the codes)")
        offset = end + (-end % align)
        expected = offset + rows * dimension * 2
        size = path.stat().st_size
        if size != expected:
            raise VectorIndexError(f"{path} is damaged: {size:,} bytes where {expected:,} were written "
                                   f"(its float16 vectors are cut or padded)")
        index = cls(dimension)
        index._path = path
        if rows:
            mapped = np.memmap(path, dtype="<f2", mode="r", offset=offset, shape=(rows, dimension))
            if hasattr(mmap, "MADV_RANDOM"):  # no read-ahead: a query touches only the pages it re-scores
                mapped._mmap.madvise(mmap.MADV_RANDOM)
            index._mapped = mapped
        index._labels = labels
        index._dead = np.zeros(rows, bool)
        index._dead[tombstones] = True
        index._removed = int(index._dead.sum())
        index._ivf, index._coded = ivf, coded
        index._trained_on = int(header.get("trained_on", coded))
        return index

    @classmethod
    def _from_vectors(cls, dimension: int, ids: np.ndarray, vectors: np.ndarray) -> "CompactIndex":
        index = cls(dimension)
        index.add(ids, vectors)
        return index

    # --- inside -----------------------------------------------------------------------------

    def _settle(self) -> None:
        """Join pending adds to the row arrays (once per batch of adds, not once per add)."""
        if not self._pending:
            return
        ids = np.concatenate([i for i, _ in self._pending])
        self._fresh.extend(r for _, r in self._pending)
        self._pending, self._pending_count = [], 0
        self._fresh_rows = None
        self._labels = np.concatenate([self._labels, ids])
        self._dead = np.concatenate([self._dead, np.zeros(len(ids), bool)])
        self._lookup = None
        self._plans = []

    def _all_rows(self) -> np.ndarray:
        """Every row, saved and fresh, as one array (a memmap while nothing is fresh)."""
        if not self._fresh:
            return self._mapped
        if self._fresh_rows is None:
            self._fresh_rows = np.concatenate(self._fresh)
            self._fresh = [self._fresh_rows]
        if not len(self._mapped):
            return self._fresh_rows
        return _Rows(self._mapped, self._fresh_rows)

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        """These rows as float32, checked to be the unit vectors that were written."""
        positions = np.asarray(positions, dtype=np.int64)
        order = np.argsort(positions, kind="stable")  # ascending reads: neighbouring rows share pages
        rows = np.empty((len(positions), self.dimension), np.float32)
        rows[order] = self._all_rows()[positions[order]]
        norms = np.einsum("ij,ij->i", rows, rows)
        bad = np.flatnonzero(np.abs(norms - 1) > 2 * NORM_TOLERANCE)
        if len(bad):
            where = self._path or "the compact vector index"
            raise VectorIndexError(f"{where} is damaged: the vector of id {self._labels[positions[bad[0]]]} "
                                   f"has norm {math.sqrt(norms[bad[0]]):.3f} where a unit vector was written")
        return rows

    def _rescored(self, query: np.ndarray, positions: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not len(positions):
            return []
        # einsum, not @: NumPy hands a matrix-vector product to multi-threaded BLAS, whose threads spin on
        # the shared cores (1,600 rows: 3.6 ms with @, 0.1 ms with einsum, under load).
        scores = np.einsum("ij,j->i", self._rows(positions), query)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        ids, scores = self._labels[positions[top]], scores[top]
        order = np.lexsort((ids, -scores))  # best first; equal scores by id
        return list(zip(ids[order].tolist(), scores[order].tolist()))

    def _shortlist(self, ivf, query: np.ndarray, k: int, bits: np.ndarray | None, boost: float) -> np.ndarray:
        """Positions of the best ``shortlist`` coded rows by their codes (tombstones and filters excluded)."""
        if ivf is None:
            return np.empty(0, np.int64)
        params = faiss.SearchParametersIVF()
        per_list = max(1.0, ivf.ntotal / ivf.nlist)
        params.nprobe = min(ivf.nlist, max(PROBE_MIN, math.ceil(SCAN_MIN / per_list),
                                           math.ceil(self.probe_per_sqrt * math.sqrt(ivf.nlist) * boost)))
        if bits is not None:
            selector = faiss.IDSelectorBitmap(len(bits) * 8, faiss.swig_ptr(bits))
            params.sel = selector  # both kept alive while searching
        with one_thread():
            _, found = ivf.search(query.reshape(1, -1), k + self.shortlist, params=params)
        return found[0][found[0] >= 0]

    def _alive_bits(self, coded: int) -> np.ndarray:
        return np.packbits(~self._dead[:coded], bitorder="little")

    def _plan(self, allowed: np.ndarray) -> np.ndarray:
        """Live positions of the allowed ids, kept for the last few arrays by identity (a reader passes the
        same cached array for the same filter; mapping a large set costs milliseconds)."""
        with self._lock:
            for held, positions in self._plans:
                if held is allowed:
                    return positions
            positions = np.unique(self._positions(allowed))
            positions = positions[~self._dead[positions]]
            self._plans = [(allowed, positions)] + self._plans[:7]
            return positions

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of those ids the index holds (tombstones included)."""
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
            return np.empty(0, np.int64)
        at = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
        at = at[keys[at] == ids]
        return at if order is None else order[at]

    def _code(self) -> None:
        """Code the uncoded rows; train (again) first if there are no codes or the index has outgrown them."""
        n = len(self._labels)
        if n < MIN_TRAIN or (self._coded == n and self._ivf is not None):
            return
        rows = self._all_rows()
        # One thread: with OpenMP's two, coding 4,000 rows took 3-25 s instead of 0.5 s on the shared
        # machine (its threads spin while the other core is busy; see _threads.py).
        with one_thread():
            if self._ivf is None or n >= RETRAIN_GROWTH * self._trained_on:
                self._ivf, self._coded, self._trained_on = self._trained(rows, n), 0, n
            ivf = self._ivf
            for at in range(self._coded, n, BLOCK):
                block = np.arange(at, min(n, at + BLOCK), dtype=np.int64)
                ivf.add_with_ids(np.ascontiguousarray(rows[at:at + BLOCK], dtype=np.float32), block)
        self._coded = n
        self._plans = []

    def _trained(self, rows, n: int) -> faiss.IndexIVF:
        lists = max(1, min(int(LISTS_PER_SQRT * math.sqrt(n)), n // TRAIN_PER_LIST))
        ivf = faiss.index_factory(self.dimension, f"IVF{lists},{_codes(self.dimension)}", faiss.METRIC_INNER_PRODUCT)
        ivf.cp.niter = 10
        sample = np.sort(np.random.default_rng(0).permutation(n)[:min(n, TRAIN_MAX, lists * 256)])
        ivf.train(np.ascontiguousarray(rows[sample], dtype=np.float32))
        return ivf

    def _compact(self) -> None:
        keep = np.flatnonzero(~self._dead)
        rows = self._all_rows()
        kept = np.empty((len(keep), self.dimension), np.float16)
        for at in range(0, len(keep), BLOCK):
            kept[at:at + BLOCK] = rows[keep[at:at + BLOCK]]
        labels, ivf, trained_on = self._labels[keep], self._ivf, self._trained_on
        self._mapped, self._fresh, self._fresh_rows = np.empty((0, self.dimension), np.float16), [kept], kept
        self._labels, self._dead, self._removed = labels, np.zeros(len(keep), bool), 0
        self._lookup, self._plans = None, []
        self._ivf, self._coded = None, 0
        if ivf is not None and len(keep) >= MIN_TRAIN:  # the same lists and codes, for the rows that stay
            ivf.reset()
            self._ivf, self._trained_on = ivf, trained_on


class _Rows:
    """Saved rows (memmap) followed by fresh ones, indexed by position like one array."""

    def __init__(self, mapped: np.ndarray, fresh: np.ndarray) -> None:
        self._mapped, self._fresh = mapped, fresh
        self.shape = (len(mapped) + len(fresh), mapped.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, slice):
            return np.concatenate([self._mapped[key], self._fresh[_shifted(key, len(self._mapped))]])
        positions = np.asarray(key, dtype=np.int64)
        split = len(self._mapped)
        out = np.empty((len(positions), self.shape[1]), np.float16)
        old = positions < split
        out[old] = self._mapped[positions[old]]
        out[~old] = self._fresh[positions[~old] - split]
        return out


def _shifted(key: slice, by: int) -> slice:
    start, stop = key.start or 0, key.stop
    return slice(max(0, start - by), None if stop is None else max(0, stop - by))


VECTOR_INDEXES.register(CompactIndex.kind, CompactIndex)
