"""Index stores: protocols in ``base``, one package per implementation, chosen by location.

Each store registers a factory in ``STORES`` under the scheme of the locations it serves: ``folder``
for a path (folder/), ``postgresql``/``postgres`` for a database URL (postgresql.py). A new store is
one package plus one registration, imported below so that it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from index.stores import folder, postgresql  # noqa: F401 - each registers its store
from index.stores.base import (
    STORES, ArticleLookup, BatchedSearch, DeferredVectors, BuildInProgress, DateMentions, EntityMentions, FacetSource, IndexReader, IndexUnavailable, IndexWriter, KeywordSearch,
    RevisionHistory, Store, StoreOptions, TermStatistics, VectorSearch,
)

__all__ = ["STORES", "ArticleLookup", "BatchedSearch", "DeferredVectors", "BuildInProgress", "DateMentions", "EntityMentions", "FacetSource", "IndexReader", "IndexUnavailable",
           "IndexWriter", "KeywordSearch", "RevisionHistory", "Store", "StoreOptions", "TermStatistics", "VectorSearch", "close_stores",
           "open_store", "scheme_of", "url_schemes"]

URL_LIKE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
FOLDER = "folder"


def scheme_of(location: Path | str) -> str:
    """The registry key of a location: its URL scheme, lower-cased, or ``folder`` for a path."""
    match = URL_LIKE.match(location) if isinstance(location, str) else None
    return match.group(1).lower() if match else FOLDER


def url_schemes() -> list[str]:
    """The URL schemes a store is registered for (every store but the folder one)."""
    return [name for name in STORES.names() if name != FOLDER]


def open_store(location: Path | str, keep_versions: int = 2, pool_size: int | None = None,
               timeout: float | None = None) -> Store:
    """The store at ``location``; ``pool_size`` and ``timeout`` (seconds) size a database's connection pool.

    A scheme no store is registered for raises ``UnknownChoice`` naming the registered ones."""
    return STORES.get(scheme_of(location))(location, StoreOptions(keep_versions, pool_size, timeout))


def close_stores() -> None:
    """Release what every store kind keeps open for the process (database pools)."""
    for name in STORES.names():
        close_all = getattr(STORES.get(name), "close_all", None)
        if close_all is not None:
            close_all()
