"""Vector segments: an incremental build adds one small file per vector kind instead of rewriting one big one.

A version's vectors are the segment files its state lists, oldest first. Ids only grow and are never
reused, so each segment holds one contiguous id range, and merging neighbours keeps that true. Rows
removed from the metadata leave their vectors in a segment's file: their ids are listed in the
``removed_vectors`` table and hidden in memory when a reader loads the segment, until a merge or a
rewrite drops them from the file.

Merges are size-tiered, as in LSM trees and Lucene: after a build, the newest segment is merged into
the one before it while it holds at least half as many live vectors. An archive of N vectors built in
batches of B then has about log2(N/B) segments, and each vector is rewritten O(log(N/B)) times over
its life, instead of on every build. A segment with more than ``REWRITE_SHARE`` removed vectors is
rewritten on its own.
"""

from __future__ import annotations

import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.ann import VectorIndex, VectorIndexError, load_vector_index, new_vector_index

MERGE_RATIO = 2  # merge the newest segment into the previous one once it is at least 1/MERGE_RATIO of its size
REWRITE_SHARE = 0.2  # rewrite a segment once more than this share of its vectors are removed ones


@dataclass(frozen=True)
class Segment:
    file: str
    lo: int  # the ids it may hold: lo <= id < hi
    hi: int
    vectors: int  # vectors in the file, removed ones included
    bytes: int | None = None  # the file's size as written (None in versions written before sizes were kept)

    @classmethod
    def from_json(cls, data: dict) -> "Segment":
        size = data.get("bytes")
        return cls(file=str(data["file"]), lo=int(data["lo"]), hi=int(data["hi"]), vectors=int(data["vectors"]),
                   bytes=None if size is None else int(size))

    def check(self, directory: Path) -> None:
        """The file is there at the size it was written: what a build checks before adding to a version,
        instead of loading every segment (seconds at 100k articles)."""
        path = directory / self.file
        try:
            size = path.stat().st_size
        except OSError:
            raise VectorIndexError(f"{path} is missing") from None
        if self.bytes is not None and size != self.bytes:
            raise VectorIndexError(f"{path} is damaged: {size:,} bytes where {self.bytes:,} were written")

    def to_json(self) -> dict:
        return asdict(self)

    def removed_in(self, removed: np.ndarray) -> np.ndarray:
        """The removed ids (sorted) that fall in this segment's range."""
        return removed[np.searchsorted(removed, self.lo):np.searchsorted(removed, self.hi)]


class SegmentedIndex:
    """A reader's view of several segments, searched as one; removed ids are hidden in memory only."""

    def __init__(self, kind: str, dimension: int, parts: list[VectorIndex],
                 ranges: list[tuple[int, int]] | None = None) -> None:
        self.kind = kind
        self.dimension = dimension
        self.parts = parts
        self.ranges = ranges or [(0, 2**63 - 1)] * len(parts)
        self._splits: list[tuple[np.ndarray, list[np.ndarray]]] = []  # (allowed, its share per part), newest first
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path, kind: str, dimension: int, segments: list[Segment],
             removed: np.ndarray) -> "SegmentedIndex":
        parts = []
        for segment in segments:
            segment.check(directory)
            part = load_vector_index(kind, directory / segment.file, dimension)
            part.remove(segment.removed_in(removed))
            parts.append(part)
        return cls(kind, dimension, parts, [(s.lo, s.hi) for s in segments])

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if len(self.parts) == 1:
            return self.parts[0].search(vector, k, allowed)
        subsets = [None] * len(self.parts) if allowed is None else self._split(allowed)
        hits = [hit for part, subset in zip(self.parts, subsets) if subset is None or len(subset)
                for hit in part.search(vector, k, subset)]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Row for row, each from the segment whose id range holds it."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(self.parts) == 1:
            return self.parts[0].vectors(ids)
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        done = np.zeros(len(ids), dtype=bool)
        for part, (lo, hi) in zip(self.parts, self.ranges):
            mine = (ids >= lo) & (ids < hi)
            if mine.any():
                out[mine] = part.vectors(ids[mine])
                done |= mine
        if not done.all():
            raise VectorIndexError(f"no vector segment holds ids {ids[~done][:5].tolist()}")
        return out

    def _split(self, allowed: np.ndarray) -> list[np.ndarray]:
        """Each segment's share of ``allowed`` (sorted ids): a filter costs each segment what falls in its
        range, not the whole set. Kept for the last few arrays, by identity, so a segment's own cache of
        what a filter means to it (hnsw.py) keeps working."""
        with self._lock:
            for held, split in self._splits:
                if held is allowed:
                    return split
        split = [allowed[np.searchsorted(allowed, lo):np.searchsorted(allowed, hi)] for lo, hi in self.ranges]
        with self._lock:
            self._splits = [(allowed, split)] + self._splits[:7]
        return split

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)


@dataclass
class Change:
    """What a build does to one kind's segments: the list to publish, the published files it no longer
    needs (deleted once no reader can be loading them) and the files it wrote (deleted if it fails)."""

    segments: list[Segment]
    retired: list[str]
    written: list[str]
    rewritten_ranges: list[tuple[int, int]]  # their removed ids are gone from the files: forget them


def add_segment(directory: Path, kind: str, dimension: int, stem: str, generation: int,
                segments: list[Segment], new: VectorIndex, lo: int, hi: int, removed: np.ndarray) -> Change:
    """Save this build's vectors as a new segment, then merge and rewrite as the rules above say.

    Only the new file and the files of merged or rewritten segments are written; ``removed`` is the
    sorted ids of removed rows whose vectors are still in some segment's file.
    """
    change = Change(segments=list(segments), retired=[], written=[], rewritten_ranges=[])
    names = (f"{stem}.{generation}.{n}.faiss" for n in range(10**6))
    if len(new):
        file = next(names)
        change.segments.append(Segment(file, lo, hi, len(new), save_segment(new, directory / file)))
        change.written.append(file)

    def live(segment: Segment) -> int:
        return segment.vectors - len(segment.removed_in(removed))

    def rewrite(parts: list[Segment]) -> Segment | None:
        nonlocal removed
        merged = new_vector_index(kind, dimension)
        for part in parts:
            index = load_vector_index(kind, directory / part.file, dimension)
            ids, vectors = index.export()
            keep = ~np.isin(ids, part.removed_in(removed))
            merged.add(ids[keep], vectors[keep])
        for part in parts:
            if part.file in change.written:  # written by this build and merged at once: never published
                change.written.remove(part.file)
                (directory / part.file).unlink()
            else:
                change.retired.append(part.file)
        lo, hi = parts[0].lo, parts[-1].hi
        change.rewritten_ranges.append((lo, hi))
        removed = removed[(removed < lo) | (removed >= hi)]
        if not len(merged):
            return None
        file = next(names)
        size = save_segment(merged, directory / file)
        change.written.append(file)
        return Segment(file, lo, hi, len(merged), size)

    out = change.segments
    while len(out) >= 2 and live(out[-1]) * MERGE_RATIO >= live(out[-2]):
        merged = rewrite(out[-2:])
        out[-2:] = [merged] if merged is not None else []
    for i, segment in enumerate(list(out)):
        if len(segment.removed_in(removed)) > REWRITE_SHARE * segment.vectors:
            out[i] = rewrite([segment])
    change.segments = [s for s in out if s is not None]
    return change


def save_segment(index: VectorIndex, path: Path) -> int:
    """Save and fsync; returns the file's size, which the segment records."""
    index.save(path)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
        return os.fstat(handle.fileno()).st_size
