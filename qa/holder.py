"""The live index, held for requests: one snapshot per published version, swapped when a build
publishes a new one, and rebuilt in the background on request.

Nothing here knows how a question is answered; the pipeline asks for a snapshot and reads it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from index import (
    BuildError, BuildInProgress, Encoder, IndexReader, IndexSettings, IndexUnavailable, NewsQAError, build_index,
    open_store,
)
from qa.settings import HolderSettings

log = logging.getLogger(__name__)


class NoIndex(NewsQAError):
    """No servable index; the message says why and how to build one."""

    http_status = 503

    def __str__(self) -> str:
        return f"No index is available: {super().__str__()}"


class RebuildRefused(NewsQAError):
    """A rebuild cannot start now; the message says why."""

    http_status = 409


@dataclass(eq=False)
class Snapshot:
    """One index version; a request reads one snapshot throughout.

    A snapshot replaced by a newer version is closed once its last request has finished.
    """

    index: IndexReader
    version: str | None
    active: int = 0
    retired: bool = False
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> bool:
        """Count a request in; False if the snapshot was retired and closed meanwhile (take the new one)."""
        with self.lock:
            if self.closed:
                return False
            self.active += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.active -= 1
            self.closed = done = self.retired and self.active == 0
        if done:
            self.index.close()

    def retire(self) -> None:
        with self.lock:
            self.retired = True
            self.closed = done = self.active == 0
        if done:
            self.index.close()


class IndexHolder:
    """The store's live version as a snapshot, re-opened when a build publishes another."""

    def __init__(self, index_settings: IndexSettings, settings: HolderSettings, encoder: Encoder) -> None:
        self.index_settings = index_settings  # what a rebuild builds with
        self.settings = settings
        self.encoder = encoder
        self.store = open_store(index_settings.index_dir, index_settings.keep_versions,
                                pool_size=index_settings.pg_pool_size, timeout=index_settings.pg_timeout)
        self._snapshot: Snapshot | None = None
        self._error: str | None = None
        self._lock = threading.RLock()
        self._loaders: dict[str | None, threading.Thread] = {}  # versions being opened in the background
        self._rebuild: threading.Thread | None = None
        #: Called in a background thread with each version that becomes live (watched searches).
        self.listeners: list[Callable[[IndexReader], None]] = []
        self._notifiers: list[threading.Thread] = []

    def _current(self) -> Snapshot:
        """The live version's snapshot; a version published since the last call is opened in the background.

        Opening a large archive takes seconds (its vector segments are read into memory), so the request
        that notices a new version waits at most ``swap_wait_seconds`` for it: a small index switches at
        once, and a large one keeps answering from the previous version until the new one is ready."""
        try:
            version = self.store.live_version()
        except IndexUnavailable as exc:  # e.g. the index database is unreachable: a 503 with the reason
            raise NoIndex(str(exc)) from None
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        if current is None:
            with self._lock:
                if self._snapshot is None:
                    self._open(version)
                return self._snapshot
        with self._lock:
            loader = self._loaders.get(version)
            if loader is None and self._snapshot.version != version:
                loader = self._loaders[version] = threading.Thread(
                    target=self._open_in_background, args=(version,), name=f"open-index-{version}", daemon=True)
                loader.start()
        if loader is not None:
            loader.join(self.settings.swap_wait_seconds)
        return self._snapshot

    def _open_in_background(self, version: str | None) -> None:
        try:
            self._open(version)
        except NoIndex:
            pass  # recorded in self._error; the previous version keeps serving
        except Exception:  # noqa: BLE001 - a thread's failure must be logged, not lost
            log.exception("opening index version %s failed; still serving the previous one", version)
        finally:
            with self._lock:
                self._loaders.pop(version, None)

    def _open(self, version: str | None) -> None:
        """Open ``version`` and make it the live snapshot, retiring the one it replaces (whichever is live
        when it is ready: two loaders may overlap); on failure the live one keeps serving."""
        try:
            index = self.store.open(version) if version else self.store.open()
            index.check_encoder(self.encoder.identity, self.encoder.dimension)
        except IndexUnavailable as exc:
            with self._lock:
                self._error = str(exc)
                current = self._snapshot
                if current is not None:  # keep serving the last good version
                    log.error("new index not loaded, still serving %s: %s", current.index.version, exc)
                    current.version = version
                    return
            if self.store.build_running():
                raise NoIndex("a build of this index is in progress; it is served as soon as it is "
                              "published") from None
            raise NoIndex(str(exc)) from None
        with self._lock:
            self._error = None
            replaced, self._snapshot = self._snapshot, Snapshot(index, version)
        if replaced is not None:
            replaced.retire()
        log.info("serving index version %s (%d articles, %d chunks)", index.version,
                 index.article_count(), index.chunk_count())
        snapshot = self._snapshot
        if self.listeners and snapshot.enter():
            # Not a daemon: a listener may be encoding, and the interpreter must wait for it at exit (a
            # daemon thread inside the ONNX runtime when the process ends aborts it).
            notifier = threading.Thread(target=self._notify, args=(snapshot,), name=f"on-publish-{version}")
            with self._lock:
                self._notifiers = [t for t in self._notifiers if t.is_alive()] + [notifier]
            notifier.start()

    def _notify(self, snapshot: Snapshot) -> None:
        try:
            for listener in self.listeners:
                try:
                    listener(snapshot.index)
                except Exception:  # noqa: BLE001 - one listener's failure must not stop the others
                    log.exception("after publishing version %s: %s failed", snapshot.version, listener)
        finally:
            snapshot.leave()

    def settle(self, timeout: float | None = None) -> None:
        """Wait for versions being opened and their listeners (a command about to exit must: a daemon thread
        still encoding when the interpreter stops aborts the process)."""
        while True:  # a loader that finishes starts the listeners of the version it opened
            with self._lock:
                threads = [t for t in (*self._loaders.values(), *self._notifiers) if t.is_alive()]
            if not threads:
                return
            for thread in threads:
                thread.join(timeout)
            if timeout is not None:
                return

    def refresh(self) -> None:
        """Look for a newly published version now (e.g. on a timer) rather than at the next request."""
        try:
            self._current()
        except NoIndex:
            pass

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """The live snapshot, held open for the duration of one request."""
        snap = self._current()
        while not snap.enter():  # retired between the two lines by a swap: the live one is newer
            snap = self._current()
        try:
            yield snap
        except IndexUnavailable as exc:  # the store failed mid-request (a database went away): a 503, not a 500
            raise NoIndex(str(exc)) from None
        finally:
            snap.leave()

    def status(self) -> dict:
        """What /health reports: the live reader (or None), the error, the last build, builds running."""
        building = self.rebuild_running()
        try:
            snap = self._current()
        except NoIndex as exc:
            return {"index": None, "error": str(exc), "last_build": self.store.last_outcome(), "rebuilding": building}
        return {"index": snap.index, "error": self._error, "last_build": self.store.last_outcome(),
                "rebuilding": building}

    def start_rebuild(self, full: bool = False) -> None:
        """Rebuild in a background thread with the loaded encoder; raises ``RebuildRefused`` if one runs.

        Requests keep being served from the live version; the next request after the build
        publishes picks up the new one.
        """
        with self._lock:
            if self._rebuild is not None and self._rebuild.is_alive():
                raise RebuildRefused("a rebuild is already running; see /health")
            if self.store.build_running():
                raise RebuildRefused("another build of this index (e.g. `qa build`) is running; "
                                     "try again when it ends")
            self._rebuild = threading.Thread(target=self._run_rebuild, args=(full,), name="rebuild", daemon=True)
            self._rebuild.start()

    def _run_rebuild(self, full: bool) -> None:
        try:
            report = build_index(self.index_settings, encoder=self.encoder, full=full, progress=False)
            log.info("rebuild finished: %d articles, %d chunks in %.1f s", report.articles, report.chunks,
                     report.seconds)
        except (BuildError, BuildInProgress) as exc:
            log.error("rebuild failed, still serving the previous index: %s", exc)
        except Exception:  # recorded in last_build.json by build_index; never kill the service
            log.exception("rebuild failed, still serving the previous index")

    def rebuild_running(self) -> bool:
        """A rebuild by this service or a build by any other process of the same index."""
        return (self._rebuild is not None and self._rebuild.is_alive()) or self.store.build_running()
