"""The PostgreSQL store: every version of an index in one database (pgvector for vectors,
full-text search for keywords), shared by any number of service replicas.

    newsqa.live       one row: the published version readers use (switched in the build's transaction)
    newsqa.versions   published versions: id, name, floor, manifest
    newsqa.articles, chunks, sentences, story_bands, skipped   rows of all kept versions (schema.py)
    newsqa.outcome    the outcome of the most recent build attempt

Builds take a session advisory lock (released by the server if the build dies), write in one
transaction and publish by updating the pointer in that same transaction.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import psycopg
from psycopg import sql

from index.stores.base import BuildInProgress, IndexUnavailable
from index.stores.postgres.connection import READER_SETTINGS, Database, is_url, redact
from index.stores.postgres.live import CHANNEL, UNKNOWN, LiveWatcher
from index.stores.postgres.reader import PostgresReader, manifest_of
from index.stores.postgres.schema import FORMAT, SCHEMA, VECTOR_INDEXES, VERSIONED, ddl, ddl_mark, visible
from index.stores.postgres.writer import PostgresWriter
from index.types import Manifest

__all__ = ["PostgresStore", "is_url", "redact"]

log = logging.getLogger(__name__)
S = SCHEMA
#: The build lock: one advisory lock per schema (pg_locks shows a bigint key as classid/objid).
LOCK_KEY = (0x6E657773 << 32) | zlib.crc32(SCHEMA.encode())
#: Stored sentence vectors a build searches for before publishing.
VERIFY_PROBES = 8


class PostgresStore:
    def __init__(self, dsn: str, keep_versions: int = 2, pool_size: int = 4, timeout: float = 5.0) -> None:
        self.db = Database(dsn, pool_size, timeout)
        self.location = self.db.display  # printed in summaries and errors: never the password
        self.keep_versions = keep_versions
        self._live = LiveWatcher(lambda: self.db.connect(autocommit=True), _read_live)

    # --- reading ---------------------------------------------------------------------------

    def live_version(self) -> str | None:
        """Answered by the listening connection (live.py) once one runs, else one indexed lookup."""
        name = self._live.current()
        if name is not UNKNOWN:
            return name
        with self.db.connection() as conn:
            name = _read_live(conn)
        self._live.start()  # reachable: from now on, learn new versions as they are published
        return name

    def open(self, version: str | None = None) -> PostgresReader:
        columns = f"v.id, v.name, v.floor, v.manifest, v.chunks, v.tokens, (SELECT format FROM {S}.store)"
        query = (f"SELECT {columns} FROM {S}.versions v WHERE v.name = %s" if version else
                 f"SELECT {columns} FROM {S}.live l JOIN {S}.versions v ON v.id = l.version")
        try:
            with self.db.connection() as conn:
                row = conn.execute(query, (version,) if version else ()).fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        if row is None:
            if version:
                raise IndexUnavailable(f"version {version} is no longer kept in {self.location}; reload the service")
            raise IndexUnavailable(f"no index in {self.location}; build one with "
                                   f"`python scripts/build_index.py --index {self.location}` (or `qa build`)")
        if row[6] != FORMAT:
            raise IndexUnavailable(f"{self.location} holds an index in store format {row[6]}; this version reads "
                                   f"format {FORMAT}: drop schema {S} (DROP SCHEMA {S} CASCADE) and build again")
        return PostgresReader(self.db, row[0], row[1], row[2], manifest_of(row[3]), row[4], row[5])

    def live_manifest(self) -> Manifest:
        return self.open().manifest  # one row: a reader holds no connection or data of its own

    # --- building --------------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """A session advisory lock on a connection of its own: the server drops it if the build dies."""
        conn = self.db.connect(autocommit=True)
        try:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
                raise BuildInProgress(f"another build of {self.location} is running (it holds the database's "
                                      "build lock); try again when it ends")
            try:
                yield
            finally:  # released at once (closing alone frees it only when the server notices, a moment later)
                with suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        finally:
            conn.close()

    def build_running(self) -> bool:
        try:
            with self.db.connection() as conn:
                return conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND classid = %s::oid AND objid = %s::oid AND objsubid = 1)",
                    (LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF)).fetchone()[0]
        except IndexUnavailable:
            return False

    def begin(self, incremental: bool, dimension: int, vector_kind: str) -> PostgresWriter:
        conn = self.db.connect(autocommit=True)
        try:
            _ensure_schema(conn, dimension, self.db)
            self.prune(conn)  # drops rows left unreachable (a build that died after committing, old versions)
            live = conn.execute(f"SELECT v.id, v.floor FROM {S}.live l JOIN {S}.versions v ON v.id = l.version"
                                ).fetchone()
            version_id = conn.execute(f"SELECT nextval('{S}.version_ids')").fetchone()[0]
            conn.autocommit = False  # from here on, one transaction: the build's
            deferred = _defer_vector_indexes(conn)
        except BaseException:
            conn.close()
            raise
        floor = live[1] if incremental and live is not None else version_id
        name = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-v{version_id}"
        return PostgresWriter(conn, version_id, name, floor, deferred_indexes=deferred)

    def publish(self, writer: PostgresWriter, manifest: Manifest, on_stage: Callable[[str], None]) -> str:
        conn = writer.conn
        try:
            writer.finish()
            conn.execute(f"""INSERT INTO {S}.versions (id, name, floor, manifest, chunks, tokens)
                             VALUES (%s, %s, %s, %s, %s, %s)""",
                         (writer.version_id, writer.version, writer.floor, manifest.to_json(),
                          *writer.keyword_statistics()))
            on_stage("written")
            _verify(writer, manifest)
            on_stage("verified")
            on_stage("renamed")  # complete and in place, not live yet: a kill here still rolls everything back
            conn.execute(f"""INSERT INTO {S}.live (one, version) VALUES (true, %s)
                             ON CONFLICT (one) DO UPDATE SET version = excluded.version""", (writer.version_id,))
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, writer.version))  # delivered on commit
            conn.commit()
            self._live.published(writer.version)
        except psycopg.OperationalError as exc:
            raise self.db.unavailable(exc) from None
        finally:
            writer.abandon()
        try:
            with self.db.connection() as conn:
                self.prune(conn)
        except (IndexUnavailable, psycopg.Error) as exc:  # published already; the next build prunes
            log.warning("pruning old versions of %s failed: %s", self.location, exc)
        return writer.version

    def discard(self, writer: PostgresWriter) -> None:
        writer.abandon()

    def prune(self, conn: psycopg.Connection) -> None:
        """Delete versions beyond ``keep_versions`` (the live one always stays) and the rows no kept version sees."""
        with conn.transaction():
            kept = conn.execute(
                f"""SELECT id, floor FROM {S}.versions
                    WHERE id <= (SELECT version FROM {S}.live) ORDER BY id DESC LIMIT %s""",
                (self.keep_versions,)).fetchall()
            if not kept:
                return
            oldest = min(v for v, _ in kept)
            conn.execute(f"DELETE FROM {S}.versions WHERE id < %s", (oldest,))
            pairs = {"vs": [v for v, _ in kept], "floors": [f for _, f in kept]}
            for table in VERSIONED:
                conn.execute(
                    f"""DELETE FROM {S}.{table} t WHERE NOT EXISTS (
                            SELECT 1 FROM unnest(%(vs)s::bigint[], %(floors)s::bigint[]) AS k(v, floor)
                            WHERE t.born BETWEEN k.floor AND k.v AND (t.died IS NULL OR t.died > k.v))""", pairs)

    def record_outcome(self, outcome: dict) -> None:
        try:
            with self.db.connection() as conn:
                conn.execute(f"""INSERT INTO {S}.outcome (one, outcome) VALUES (true, %s)
                                 ON CONFLICT (one) DO UPDATE SET outcome = excluded.outcome""",
                             (json.dumps(outcome, default=str),))
        except (IndexUnavailable, psycopg.Error) as exc:
            log.warning("could not record the build outcome in %s: %s", self.location, exc)

    def last_outcome(self) -> dict | None:
        try:
            with self.db.connection() as conn:
                row = conn.execute(f"SELECT outcome FROM {S}.outcome").fetchone()
        except (IndexUnavailable, psycopg.Error):
            return None
        return row[0] if row else None

    def close(self) -> None:
        self._live.close()
        self.db.close()


def _read_live(conn: psycopg.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT v.name FROM {S}.live l JOIN {S}.versions v ON v.id = l.version").fetchone()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        return None  # nothing was ever built in this database
    return row[0] if row else None


def _defer_vector_indexes(conn: psycopg.Connection) -> bool:
    """In a build's transaction: when no row holds a vector (a first build, or every version pruned), drop the
    HNSW indexes so the build loads without maintaining them and creates them once at the end
    (``PostgresWriter.finish``); no reader can need them meanwhile. True if dropped."""
    empty = conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {S}.chunks) AND NOT EXISTS (SELECT 1 FROM {S}.sentences)"
                         ).fetchone()[0]
    if empty:
        conn.execute(f"DROP INDEX IF EXISTS {', '.join(f'{S}.{name}' for name in VECTOR_INDEXES)}")
    return empty


def _ensure_schema(conn: psycopg.Connection, dimension: int, db: Database) -> None:
    """Create the tables on first use; refuse a database laid out in another format or dimension, and
    say in one line what an administrator must do when this user may not create them."""
    location = db.display
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.errors.InsufficientPrivilege:
        raise IndexUnavailable(f"the pgvector extension is not installed in {location} and this user may not "
                               "install it; ask an administrator to run CREATE EXTENSION vector") from None
    except psycopg.errors.UndefinedFile:
        raise IndexUnavailable(f"the server of {location} has no pgvector extension; install pgvector 0.8 "
                               "or later on it") from None
    try:
        with conn.transaction():
            # Another format's tables are refused before the DDL below meets them (it names this format's columns).
            held = conn.execute(f"SELECT to_regclass('{S}.store') IS NOT NULL").fetchone()[0] and conn.execute(
                f"SELECT format FROM {S}.store").fetchone()
            if held and held[0] != FORMAT:
                stored_format, stored_dimension = held[0], dimension
            else:
                mark = ddl_mark(dimension)
                current = held and conn.execute(f"SELECT obj_description('{S}'::regnamespace)").fetchone()[0] == mark
                if not current:
                    conn.execute(ddl(dimension))
                    conn.execute(f"INSERT INTO {S}.store (one, format, dimension) VALUES (true, %s, %s) "
                                 "ON CONFLICT DO NOTHING", (FORMAT, dimension))
                stored_format, stored_dimension = conn.execute(f"SELECT format, dimension FROM {S}.store").fetchone()
                if not current and stored_dimension == dimension:
                    with suppress(psycopg.errors.InsufficientPrivilege), conn.transaction():
                        # Not the schema's owner: the DDL runs again next build, as it did before marks.
                        conn.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(sql.Identifier(S), sql.Literal(mark)))
    except psycopg.Error as exc:
        explained = db.explain(exc)
        if explained is None:
            raise
        raise explained from None
    if stored_format != FORMAT:
        raise IndexUnavailable(f"{location} holds an index in store format {stored_format}; this version writes "
                               f"format {FORMAT}: drop schema {S} (DROP SCHEMA {S} CASCADE) and build again")
    if stored_dimension != dimension:
        raise IndexUnavailable(f"{location} holds {stored_dimension}-dimension vectors but the encoder makes "
                               f"{dimension}; use another database for this model, or drop schema {S} first")


def _verify(writer: PostgresWriter, manifest: Manifest) -> None:
    """Counts agree with the manifest, and a stored sentence vector finds itself through the HNSW index."""
    counts = writer.counts()
    expected = (manifest.articles, manifest.chunks, manifest.sentences)
    if counts != expected:
        raise IndexUnavailable(f"verification failed: the version holds {counts} articles/chunks/sentences, "
                               f"the manifest says {expected}")
    scope = {"v": writer.version_id, "floor": writer.floor}
    # Searched as readers search (their ef_search); HNSW is approximate, and on weakly clustered vectors one
    # probe in a hundred may miss itself: most of the probes must find themselves (a broken index finds none).
    for statement in READER_SETTINGS:
        writer.conn.execute(statement.replace("SET ", "SET LOCAL ", 1))
    found = writer.conn.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE x.score >= 0.99) FROM (
                SELECT t.embedding FROM {S}.sentences t WHERE {visible('t')} ORDER BY t.id LIMIT {VERIFY_PROBES}) p
            CROSS JOIN LATERAL (
                SELECT 1 - (t.embedding <=> p.embedding) AS score FROM {S}.sentences t WHERE {visible('t')}
                ORDER BY t.embedding <=> p.embedding LIMIT 1) x""", scope).fetchone()
    probes, hits = found
    if probes and hits * 2 <= probes:
        raise IndexUnavailable(f"verification failed: only {hits} of {probes} stored vectors found themselves")
