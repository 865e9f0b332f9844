"""Index stores: protocols in ``base``, one package per implementation, chosen by location.

A folder path selects the folder store; a ``postgresql://`` (or ``postgres://``) URL the
PostgreSQL store. A PostgreSQL store is kept per URL for the process, so its connection pool is
shared by every caller (``live_version`` runs on each request).
"""

from __future__ import annotations

import threading
from pathlib import Path

from index.stores.base import BuildInProgress, IndexReader, IndexUnavailable, IndexWriter, Store
from index.stores.folder import FolderStore

__all__ = ["BuildInProgress", "IndexReader", "IndexUnavailable", "IndexWriter", "Store", "close_stores",
           "is_database_url", "open_store"]

_DATABASES: dict[tuple[str, int], Store] = {}
_LOCK = threading.Lock()


def is_database_url(location) -> bool:
    """Whether ``location`` names a database (rather than a folder)."""
    from index.stores.postgres.connection import is_url

    return is_url(str(location)) if isinstance(location, str) else False


def open_store(location: Path | str, keep_versions: int = 2, pool_size: int | None = None,
               timeout: float | None = None) -> Store:
    """The store at ``location``; ``pool_size`` and ``timeout`` (seconds) size a database's connection pool."""
    if not is_database_url(location):
        return FolderStore(Path(location), keep_versions)
    from index.stores.postgres import PostgresStore  # psycopg is only imported when a database is used

    with _LOCK:
        store = _DATABASES.get((location, keep_versions))
        if store is None:
            store = _DATABASES[(location, keep_versions)] = PostgresStore(location, keep_versions)
    store.db.configure(pool_size, timeout)
    return store


def close_stores() -> None:
    """Close every database pool this process opened (tests call it before stopping their server)."""
    with _LOCK:
        stores = list(_DATABASES.values())
        _DATABASES.clear()
    for store in stores:
        store.close()
