"""Connections to one database: a pool for readers, dedicated connections for builds.

An outage must not wedge the service: a failed checkout or a connection lost mid-query becomes
``IndexUnavailable`` (the API's 503, with the reason), and the pool is replaced, so the first
request after the database returns connects afresh instead of waiting out a reconnect backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from index.stores.base import IndexUnavailable

log = logging.getLogger(__name__)

SCHEMES = ("postgresql", "postgres")
#: Session settings of every reader connection: pgvector 0.8 keeps scanning the HNSW graph until
#: enough rows pass the WHERE clause (filters and version), so filtering never starves the top-k.
READER_SETTINGS = ("SET hnsw.iterative_scan = relaxed_order", "SET hnsw.ef_search = 100")


def is_url(location) -> bool:
    return isinstance(location, str) and location.split("://", 1)[0].lower() in SCHEMES and "://" in location


def redact(dsn: str) -> str:
    """The DSN without its password (in the user part or a ``password=`` parameter): safe to print."""
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class Database:
    """One DSN's connection pool, replaced after an outage; errors name the database, never its password."""

    def __init__(self, dsn: str, pool_size: int = 4, timeout: float = 5.0) -> None:
        self.dsn = dsn
        self.display = redact(dsn)
        self.pool_size = pool_size
        self.timeout = timeout
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()
        self._password = urlsplit(dsn).password

    def configure(self, pool_size: int | None = None, timeout: float | None = None) -> None:
        """Apply the service's settings (the store may have been opened with defaults first)."""
        with self._lock:
            if timeout is not None:
                self.timeout = timeout
            if pool_size is not None and pool_size != self.pool_size:
                self.pool_size = pool_size
                if self._pool is not None:
                    self._pool.resize(min_size=1, max_size=pool_size)

    def unavailable(self, exc: BaseException) -> IndexUnavailable:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if self._password:
            reason = reason.replace(self._password, "***")
        return IndexUnavailable(f"the index database {self.display} is unreachable ({reason}); "
                                "requests are served again as soon as it is back")

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled autocommit connection with the reader settings."""
        pool = self._current_pool()
        try:
            with pool.connection(timeout=self.timeout) as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # PoolTimeout is one too
            self._discard(pool)
            raise self.unavailable(exc) from None

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        """A connection of its own (a build holds its lock and its transaction on one)."""
        try:
            return psycopg.connect(self.dsn, autocommit=autocommit, connect_timeout=self._connect_timeout())
        except psycopg.OperationalError as exc:
            raise self.unavailable(exc) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(timeout=2)

    def _connect_timeout(self) -> int:
        return max(2, int(round(self.timeout)))  # libpq's minimum is 2 s

    def _current_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.dsn, min_size=1, max_size=self.pool_size, open=False, name="newsqa",
                    kwargs={"autocommit": True, "connect_timeout": self._connect_timeout()},
                    configure=_configure, check=ConnectionPool.check_connection,
                    reconnect_timeout=max(10.0, self.timeout * 2),
                )
                self._pool.open(wait=False)
            return self._pool

    def _discard(self, pool: ConnectionPool) -> None:
        with self._lock:
            if self._pool is not pool:
                return
            self._pool = None
        log.warning("lost the index database %s; reconnecting on the next request", self.display)
        threading.Thread(target=pool.close, kwargs={"timeout": 1.0}, daemon=True).start()


def _configure(conn: psycopg.Connection) -> None:
    for statement in READER_SETTINGS:
        conn.execute(statement)
