"""Connections to one database: a pool for readers, dedicated connections for builds.

An outage must not wedge the service: a failed checkout or a connection lost mid-query becomes
``IndexUnavailable`` (the API's 503, with the reason), and the pool is replaced, so the first
request after the database returns connects afresh instead of waiting out a reconnect backoff.
A pool is made only once one connection succeeded, so a refused login is said as such at once
rather than after a pool's timeout. No message ever holds any part of the URL's user-info.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from index.errors import NewsQAError
from index.stores.base import IndexUnavailable

log = logging.getLogger(__name__)

SCHEMES = ("postgresql", "postgres")
#: Session settings of every reader connection: pgvector 0.8 keeps scanning the HNSW graph until
#: enough rows pass the WHERE clause (filters and version), so filtering never starves the top-k.
READER_SETTINGS = ("SET hnsw.iterative_scan = relaxed_order", "SET hnsw.ef_search = 40")
#: Seconds a request holding a connection waits for a spare one before running its statements in turn.
SPARE_WAIT = 0.001
T, U = TypeVar("T"), TypeVar("U")


def is_url(location) -> bool:
    return isinstance(location, str) and location.split("://", 1)[0].lower() in SCHEMES and "://" in location


class BadDatabaseURL(NewsQAError, ValueError):
    """An index URL libpq would read otherwise than it looks (and so print a piece of its password)."""

    http_status = 422
    exit_code = 2


def redact(dsn: str) -> str:
    """The DSN without its user-info (user and password) or a ``password=``/``user=`` parameter: safe to print."""
    parts = urlsplit(dsn)
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in ("password", "user")])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def secrets_of(dsn: str) -> list[str]:
    """Every piece of the DSN's user-info and ``password``/``user`` parameters, raw and decoded, longest first:
    what a driver's message must never show (libpq may split the user-info elsewhere than we do)."""
    parts = urlsplit(dsn)
    userinfo = parts.netloc.rpartition("@")[0]
    values = [userinfo, *(v for k, v in parse_qsl(parts.query) if k.lower() in ("password", "user"))]
    pieces = {p for value in values for text in (value, unquote(value)) for p in [text, *re.split(r"[:@]", text)]}
    return sorted((p for p in pieces if len(p) > 1), key=len, reverse=True)  # one letter: it would garble all


def check_url(dsn: str) -> None:
    """Refuse a user-info with an un-encoded ``@``: libpq would take the rest of the password for the host
    and print it in its error ("failed to resolve host '…@127.0.0.1'")."""
    if urlsplit(dsn).netloc.count("@") > 1:
        raise BadDatabaseURL(f"the index URL {redact(dsn)} has an '@' in its user name or password; write it "
                             "as %40 there (percent-encoding), so it is not read as the host")


class Database:
    """One DSN's connection pool, replaced after an outage; errors name the database, never its password."""

    def __init__(self, dsn: str, pool_size: int = 4, timeout: float = 5.0) -> None:
        check_url(dsn)
        self.dsn = dsn
        self.display = redact(dsn)
        self.pool_size = pool_size
        self.timeout = timeout
        self._pool: ConnectionPool | None = None
        self._threads: ThreadPoolExecutor | None = None  # runs the second of two statements sent at once
        self._lock = threading.Lock()
        self._secrets = secrets_of(dsn)

    def configure(self, pool_size: int | None = None, timeout: float | None = None) -> None:
        """Apply the service's settings (the store may have been opened with defaults first)."""
        with self._lock:
            if timeout is not None:
                self.timeout = timeout
            if pool_size is not None and pool_size != self.pool_size:
                self.pool_size = pool_size
                if self._pool is not None:
                    self._pool.resize(min_size=min(2, pool_size), max_size=pool_size)

    def reason(self, exc: BaseException) -> str:
        """The driver's first line, without any piece of the user-info."""
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        for secret in self._secrets:
            reason = reason.replace(secret, "***")
        return reason

    def unavailable(self, exc: BaseException) -> IndexUnavailable:
        """The error a user sees: a login the server refused is said as such, anything else is an outage."""
        reason = self.reason(exc)
        refused = reason.partition("FATAL:")[2].strip()
        if refused:  # the server answered and refused: a wrong password, an unknown user or database
            return IndexUnavailable(f"the index database {self.display} refused the connection ({refused}); "
                                    "check the user, password and database name in the index URL")
        return IndexUnavailable(f"the index database {self.display} is unreachable ({reason}); "
                                "requests are served again as soon as it is back")

    def explain(self, exc: psycopg.Error) -> IndexUnavailable | None:
        """A one-line reason for the setup errors a user can meet (a missing privilege, pgvector installed
        where this user does not look for it); None for anything else."""
        reason = self.reason(exc)
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            database = urlsplit(self.dsn).path.strip("/") or "<database>"
            return IndexUnavailable(
                f"the index URL's user lacks a privilege on {self.display} ({reason}); the first build creates "
                f"the schema newsqa, so an administrator must GRANT CREATE ON DATABASE {database} to that user "
                "(or create the schema owned by it)")
        if isinstance(exc, (psycopg.errors.UndefinedObject, psycopg.errors.UndefinedFunction)) and "vector" in reason:
            return IndexUnavailable(
                f"the pgvector extension of {self.display} is not on this user's search_path ({reason}); add its "
                "schema to the search_path (ALTER ROLE … SET search_path = \"$user\", public, <its schema>) "
                "or install it in schema public")
        return None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled autocommit connection with the reader settings."""
        pool = self._current_pool()
        with self._said(pool), pool.connection(timeout=self.timeout) as conn:
            yield conn

    @contextmanager
    def spare_connection(self) -> Iterator[psycopg.Connection | None]:
        """Another pooled connection if one is free at once, else None. Taken while holding one, it is never
        waited for: two requests each holding one connection and waiting for a second would wedge the pool."""
        pool = self._current_pool()
        try:
            conn = pool.getconn(timeout=SPARE_WAIT)
        except PoolTimeout:
            yield None
            return
        try:
            with self._said(pool):
                yield conn
        finally:
            pool.putconn(conn)

    def at_once(self, first: Callable[[psycopg.Connection], T], second: Callable[[psycopg.Connection], U]
                ) -> tuple[T, U]:
        """``first`` and ``second`` run on two connections at the same time when a second is free (the server
        works on both at once: one round trip's wait instead of two), else one after the other on one."""
        with self.connection() as conn, self.spare_connection() as spare:
            if spare is None:
                return first(conn), second(conn)
            later = self._executor().submit(second, spare)
            try:
                done = first(conn)
            finally:
                wait([later])  # the spare goes back to the pool only once its statement is over
            return done, later.result()

    @contextmanager
    def _said(self, pool: ConnectionPool) -> Iterator[None]:
        """Driver errors as a user reads them: an outage replaces the pool and is a 503 with the reason."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # PoolTimeout is one too
            self._discard(pool)
            raise self.unavailable(exc) from None
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedObject,
                psycopg.errors.UndefinedFunction) as exc:
            explained = self.explain(exc)
            if explained is None:
                raise
            raise explained from None

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="newsqa-pg")
            return self._threads

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        """A connection of its own (a build holds its lock and its transaction on one)."""
        try:
            return psycopg.connect(self.dsn, autocommit=autocommit, connect_timeout=self._connect_timeout())
        except psycopg.OperationalError as exc:
            raise self.unavailable(exc) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)
        if pool is not None:
            pool.close(timeout=2)

    def _connect_timeout(self) -> int:
        return max(2, int(round(self.timeout)))  # libpq's minimum is 2 s

    def _current_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is not None:
                return self._pool
        self.connect(autocommit=True).close()  # fails at once, in words, on a refused login or a dead server
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.dsn, min_size=min(2, self.pool_size), max_size=self.pool_size, open=False, name="newsqa",
                    kwargs={"autocommit": True, "connect_timeout": self._connect_timeout()},
                    configure=_configure, reset=_returned, check=_check,
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
    _returned(conn)


#: A pooled connection used within this many seconds is handed out without a round trip to test it (a
#: question's statements follow each other closely; the test cost as much as a small statement). One idle
#: longer is tested first, so after an outage the pool reconnects instead of failing a request.
FRESH_SECONDS = 2.0
_last_used: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _returned(conn: psycopg.Connection) -> None:
    _last_used[conn] = time.monotonic()


def _check(conn: psycopg.Connection) -> None:
    if conn.broken or conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    if time.monotonic() - _last_used.get(conn, float("-inf")) > FRESH_SECONDS:
        ConnectionPool.check_connection(conn)
