"""A bounded, thread-safe memo of one version's rows, so a question's later lookups need no round trip.

A published version never changes, so whatever one statement brought back about it (a chunk, its
sentence vectors, a story's members, a stem's frequency) stays true for as long as the reader lives.
The hybrid and passage statements fill it; chunks(), story_members(), sentence_vectors(),
chunk_dates() and document_frequencies() read it first and ask the database only for what is missing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Least recently used entries beyond ``size`` are dropped."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def put_many(self, items: Iterable[tuple[Hashable, V]]) -> None:
        with self._lock:
            for key, value in items:
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_many(self, keys: Iterable[Hashable]) -> tuple[dict, list]:
        """(the entries held, by key; the keys missing, in the order asked)."""
        found, missing = {}, []
        with self._lock:
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    found[key] = self._entries[key]
                else:
                    missing.append(key)
        return found, missing
