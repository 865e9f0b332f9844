"""The folder store: versioned index folders on one machine's disk, switched atomically.

    <index_dir>/current        -> versions/<id>   (symlink; replaced with one rename)
    <index_dir>/versions/<id>/ a version: manifest.json, meta.sqlite (WAL), vector segment files
    <index_dir>/versions/.building-<id>/  a full build in progress; removed or ignored if the build dies
    <index_dir>/last_build.json           outcome of the most recent build attempt

A full build writes a new version folder and switches ``current`` to it. An incremental build adds a
generation to the live folder in place (writer.py, segments.py): one SQLite commit publishes it, and
readers keep the snapshot they opened. Version ids name both: ``<folder>`` or ``<folder>@<generation>``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from index.ann import VectorIndexError
from index.stores.base import STORES, BuildInProgress, IndexUnavailable, StoreOptions
from index.stores.folder.reader import FolderReader, read_manifest
from index.stores.folder.schema import MANIFEST, METADATA, SENTENCE_VECTORS, VECTORS, State, connect
from index.stores.folder.writer import FolderWriter
from index.types import FormatMismatch, Manifest

CURRENT = "current"
VERSIONS = "versions"
BUILDING_PREFIX = ".building-"
LAST_BUILD = "last_build.json"
LOCK = ".build.lock"
SEGMENT_FILE = re.compile(r"^(vectors|sentences)(\.\d+\.\d+)?\.faiss$")  # a full build's, or a later one

__all__ = ["FolderStore", "CURRENT", "VERSIONS", "MANIFEST", "METADATA", "VECTORS", "SENTENCE_VECTORS"]


@STORES.register("folder")
def open_folder_store(location: Path | str, options: StoreOptions) -> "FolderStore":
    return FolderStore(Path(location), options.keep_versions)


class FolderStore:
    def __init__(self, directory: Path, keep_versions: int = 2) -> None:
        self.directory = Path(directory)
        self.location = str(self.directory)
        self.keep_versions = keep_versions
        self._generation_cache: tuple[tuple, int] | None = None  # (files' signature, generation)

    # --- reading ---------------------------------------------------------------------------

    def live_version(self) -> str | None:
        folder = self._live_folder()
        if folder is None:
            return None
        generation = self._generation(folder)
        return folder if not generation else f"{folder}@{generation}"

    def folder(self, version: str) -> Path:
        """The folder that holds ``version``."""
        return self.directory / VERSIONS / version.split("@")[0]

    def open(self, version: str | None = None) -> FolderReader:
        # its newest generation: a version is never re-opened older
        return FolderReader(self.folder(version) if version else self._live_directory())

    def live_manifest(self) -> Manifest:
        directory = self._live_directory()
        read_manifest(directory)  # the format check, with its own message
        try:
            conn = connect(directory / METADATA, readonly=True)
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"{directory / METADATA} is missing or corrupt ({exc})") from None
        try:
            state = State.read(conn)
            manifest = Manifest.from_json(state.manifest)
        except (sqlite3.DatabaseError, FormatMismatch, ValueError, TypeError) as exc:
            raise IndexUnavailable(f"{directory / METADATA} is missing or corrupt ({exc})") from None
        finally:
            conn.close()
        segments = state.chunk_segments + state.sentence_segments
        if any(segment.bytes is None for segment in segments):  # written before sizes were kept: load them
            FolderReader(directory).close()
            return manifest
        try:
            for segment in segments:
                segment.check(directory)
        except VectorIndexError as exc:
            raise IndexUnavailable(str(exc)) from None
        return manifest

    def _live_directory(self) -> Path:
        """The live version's folder (or this folder, when pointed at a version itself)."""
        if (self.directory / MANIFEST).exists():
            return self.directory
        version = self._live_folder()
        if version is None:
            if self.directory.exists() and not self.directory.is_dir():
                raise IndexUnavailable(f"{self.directory} is a file, not an index folder")
            raise IndexUnavailable(
                f"no index in {self.directory}; build one with `python scripts/build_index.py` (or `qa build`)")
        return self.folder(version)

    def _live_folder(self) -> str | None:
        try:
            target = os.readlink(self.directory / CURRENT)
        except OSError:
            return None
        return Path(target).name if (self.directory / target).is_dir() else None

    def _generation(self, folder: str) -> int:
        """The live folder's committed generation (0 when unreadable: opening it will say why).

        Read again only when the database or its WAL changed on disk: ``live_version`` runs on every
        request, and a read-only open of a WAL database nobody else has open replays the WAL (~6 ms).
        No connection is kept: one left open would keep a pruned version's files open too."""
        path = self.directory / VERSIONS / folder / METADATA
        signature = (folder, *_stat(path), *_stat(path.with_name(path.name + "-wal")))
        cached = self._generation_cache
        if cached is not None and cached[0] == signature:
            return cached[1]
        try:
            conn = connect(path, readonly=True)
        except sqlite3.Error:
            return 0
        try:
            row = conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
            generation = int(row[0]) if row else 0
        except (sqlite3.Error, ValueError):
            return 0
        finally:
            conn.close()
        self._generation_cache = (signature, generation)
        return generation

    # --- building --------------------------------------------------------------------------

    @contextmanager
    def lock(self):
        """One build at a time per index folder; a second one fails fast instead of racing."""
        handle = self._lock_file()
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildInProgress(f"another build of {self.directory} is running; try again when it ends") from None
            yield
        finally:
            handle.close()

    def build_running(self) -> bool:
        if not (self.directory / LOCK).exists():
            return False
        with open(self.directory / LOCK, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False

    def _lock_file(self):
        if self.directory.exists() and not self.directory.is_dir():
            raise IndexUnavailable(f"{self.directory} is a file, not an index folder; choose another --index")
        self.directory.mkdir(parents=True, exist_ok=True)
        return open(self.directory / LOCK, "w")

    def begin(self, incremental: bool, dimension: int, vector_kind: str) -> FolderWriter:
        live = self._live_folder()
        if incremental and live is not None:
            folder = self.directory / VERSIONS / live
            writer = FolderWriter(folder, dimension, vector_kind, in_place=True)
            _drop_unused_segments(folder, writer.previous)
            writer.version_id = live
            return writer
        version_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        staging = self.directory / VERSIONS / f"{BUILDING_PREFIX}{version_id}"
        staging.mkdir(parents=True, exist_ok=False)
        writer = FolderWriter(staging, dimension, vector_kind, in_place=False)
        writer.version_id = version_id
        return writer

    def publish(self, writer: FolderWriter, manifest: Manifest, on_stage: Callable[[str], None]) -> str:
        if writer.in_place:
            return self._publish_in_place(writer, manifest, on_stage)
        staging = writer.directory
        (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        writer.finish(manifest)
        writer.commit()
        on_stage("written")
        _verify(staging)
        on_stage("verified")
        final = self.directory / VERSIONS / writer.version_id
        _fsync_tree(staging)
        staging.rename(final)
        on_stage("renamed")
        tmp_link = self.directory / f".{CURRENT}.{os.getpid()}"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(Path(VERSIONS) / writer.version_id)
        os.replace(tmp_link, self.directory / CURRENT)
        _fsync_dir(self.directory)
        self.prune()
        return writer.version_id

    def _publish_in_place(self, writer: FolderWriter, manifest: Manifest, on_stage: Callable[[str], None]) -> str:
        writer.finish(manifest)
        on_stage("written")
        writer.check()
        on_stage("verified")
        on_stage("renamed")  # everything is in place; the commit below is the switch
        writer.commit()
        tmp = writer.directory / f".{MANIFEST}.tmp"  # for people and tools; readers read it from the database
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        os.replace(tmp, writer.directory / MANIFEST)
        self.prune()
        return f"{writer.version_id}@{writer.generation}"

    def discard(self, writer: FolderWriter) -> None:
        writer.abandon()
        if not writer.in_place:
            shutil.rmtree(writer.directory, ignore_errors=True)

    def prune(self) -> None:
        """Drop old versions beyond ``keep_versions`` (the live one always stays) and leftovers of dead builds."""
        versions_dir = self.directory / VERSIONS
        if not versions_dir.is_dir():
            return
        live = self._live_folder()
        published = sorted((p for p in versions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
                           key=lambda p: p.name, reverse=True)
        for old in [p for p in published if p.name != live][max(0, self.keep_versions - 1):]:
            shutil.rmtree(old, ignore_errors=True)
        for leftover in versions_dir.glob(f"{BUILDING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def record_outcome(self, outcome: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".{LAST_BUILD}.tmp"
        tmp.write_text(json.dumps(outcome, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, self.directory / LAST_BUILD)

    def last_outcome(self) -> dict | None:
        try:
            return json.loads((self.directory / LAST_BUILD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def _drop_unused_segments(folder: Path, state: State) -> None:
    """Delete segment files the committed state does not list: left by a build that died, or retired
    by a merge at least one generation ago (a reader opening the generation before may still load one
    retired by the live generation, so those stay one more build)."""
    keep = {s.file for s in state.chunk_segments + state.sentence_segments}
    keep |= {file for generation, file in state.retired if generation >= state.generation}
    for path in folder.iterdir():
        if SEGMENT_FILE.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)
    state.retired = [(g, f) for g, f in state.retired if f in keep]


def _verify(staging: Path) -> None:
    """Open the staged version as a reader would (counts must agree), and check that a stored
    vector is found again and leads to a stored chunk (copies may outrank it: only the score counts)."""
    reader = FolderReader(staging)
    try:
        probe = reader.any_sentence()
        if probe is not None:
            hits = reader.sentence_search(probe[1], 1)
            if not hits or hits[0][1] < 0.99 or not reader.chunks([hits[0][0]]):
                raise IndexUnavailable(f"verification failed: a stored vector did not find itself in {staging}")
    finally:
        reader.close()


def _fsync_tree(path: Path) -> None:
    for file in path.iterdir():
        if file.is_file():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
