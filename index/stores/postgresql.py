"""Registers the PostgreSQL store (index/stores/postgres/) for ``postgresql://`` and ``postgres://`` URLs.

Registration lives apart from the store so that a folder-only install never loads psycopg: the driver
is imported when a database is first opened. One store is kept per URL for the process, so its
connection pool is shared by every caller (``live_version`` runs on each request).
"""

from __future__ import annotations

import threading

from index.stores.base import STORES, Store, StoreOptions

SCHEMES = ("postgresql", "postgres")

_OPEN: dict[tuple[str, int], Store] = {}
_LOCK = threading.Lock()


def open_database(location: str, options: StoreOptions) -> Store:
    """The store of the database at ``location``; the options' pool size and timeout size its pool."""
    from index.stores.postgres import PostgresStore

    key = (str(location), options.keep_versions)
    with _LOCK:
        store = _OPEN.get(key)
        if store is None:
            store = _OPEN[key] = PostgresStore(str(location), options.keep_versions)
    store.db.configure(options.pool_size, options.timeout)
    return store


def close_all() -> None:
    """Close every pool this process opened (tests call it before stopping their server)."""
    with _LOCK:
        stores = list(_OPEN.values())
        _OPEN.clear()
    for store in stores:
        store.close()


open_database.close_all = close_all
for _scheme in SCHEMES:
    STORES.register(_scheme, open_database)
