"""Which version is live, learnt by LISTEN/NOTIFY instead of a query per request.

A build publishes by updating the live pointer and notifying ``CHANNEL`` in the same transaction, so
the notification arrives exactly when the new version becomes visible. A service keeps one listening
connection; ``current()`` then answers without a round trip. It reads the pointer itself when it
starts listening (after LISTEN, so no publish falls in between) and every ``refresh`` seconds (so a
connection that died silently costs at most that much staleness); while it is not listening,
``current()`` answers ``UNKNOWN`` and the store queries as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)
CHANNEL = "newsqa_live"
UNKNOWN = object()


class LiveWatcher:
    def __init__(self, connect: Callable[[], psycopg.Connection], read: Callable[[psycopg.Connection], str | None],
                 refresh: float = 5.0) -> None:
        self._connect = connect  # a connection of its own (autocommit)
        self._read = read  # the live version's name, read on that connection
        self.refresh = refresh
        self._name: str | None = None
        self._known_at: float | None = None  # monotonic time of the last confirmation; None: not listening
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def current(self):
        """The live version's name (None: nothing published), or ``UNKNOWN`` if not confirmed lately."""
        known_at = self._known_at
        if known_at is None or time.monotonic() - known_at > 2 * self.refresh:
            return UNKNOWN
        return self._name

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="newsqa-live-watcher", daemon=True)
                self._thread.start()

    def published(self, name: str) -> None:
        """This process just published ``name``: its own next request sees it without waiting for the note."""
        if self._known_at is not None:
            self._confirm(name)

    def close(self) -> None:
        self._stop.set()
        self._known_at = None

    def _confirm(self, name: str | None) -> None:
        self._name, self._known_at = name, time.monotonic()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._confirm(self._read(conn))
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self.refresh, stop_after=1):
                            self._confirm(note.payload or None)
                        self._confirm(self._read(conn))  # also proves the connection still works
            except Exception as exc:  # noqa: BLE001 - any failure: fall back to queries, retry later
                self._known_at = None
                log.info("not listening for new index versions (%s); asking per request", exc)
                self._stop.wait(self.refresh)
        self._known_at = None
