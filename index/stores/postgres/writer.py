"""Writes one unpublished version in a single transaction, on a connection of its own.

Nothing a build writes is visible to other sessions until ``publish`` commits it together with
the switch of the live pointer; a build that fails or is killed is rolled back by the server.
Only what changed is written: new rows are born in this version, removed rows die in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from datetime import date, datetime, timezone

import numpy as np
import psycopg

from index.stores.postgres.literals import term_counts, vector_bytes
from index.stores.postgres.schema import SCHEMA, VECTOR_INDEXES, visible
from index.dates import DateMention
from index.entities import Entity, entity_key
from index.stories import Fingerprint, same_story
from index.types import Article, Chunk, filter_key, revision_valid_from

S = SCHEMA
#: Chunk and sentence rows buffered before they are written (a few MiB of vectors).
FLUSH_ROWS = 20_000
#: maintenance_work_mem of a build that creates the HNSW indexes after loading (the graph is built in memory
#: while it fits, much faster than inserting row by row; PostgreSQL takes only what it uses).
INDEX_BUILD_MEMORY = "1GB"
#: A table this build grew by more than this share of its rows is analysed before publishing.
ANALYZE_SHARE = 0.1

#: The binary COPY of each table: its columns and their types.
ARTICLES = ("articles", [
    ("row_id", "int8"), ("born", "int8"), ("article_id", "text"), ("path", "text"), ("content_sha", "text"),
    ("title", "text"), ("source", "text"), ("authors", "text[]"), ("author_keys", "text[]"),
    ("reported_from", "text"), ("published_date", "date"), ("updated_date", "date"), ("effective_date", "date"),
    ("section", "text"), ("page", "text"), ("conflict", "text"), ("url", "text"), ("extra", "jsonb"),
    ("body", "text"), ("source_key", "text"), ("section_key", "text"), ("conflict_key", "text"),
    ("story_id", "text"), ("signature", "bytea"), ("revision", "int4"), ("valid_from", "date")])
BANDS = ("story_bands", [("key", "int8"), ("article_row", "int8")])
#: vectors travel in pgvector's binary form (``vector_recv``), declared as bytes to the driver
CHUNKS = ("chunks", [("id", "int8"), ("born", "int8"), ("article_row", "int8"), ("chunk_id", "text"),
                     ("position", "int4"), ("start", "int4"), ('"end"', "int4"), ("sentences", "jsonb"),
                     ("tokens", "int4"), ("embedding", "bytea")])
POSTINGS = ("postings", [("stem", "text"), ("chunk", "int8"), ("born", "int8"), ("tokens", "int4"),
                          ("article_row", "int8"), ("tf_title", "int4"), ("tf_text", "int4")])
SENTENCES = ("sentences", [("id", "int8"), ("born", "int8"), ("chunk", "int8"), ("article_row", "int8"),
                           ("start", "int4"), ('"end"', "int4"), ("embedding", "bytea")])
MENTIONS = ("date_mentions", [("article_row", "int8"), ("start", "int4"), ('"end"', "int4"), ("first_day", "date"),
                              ("last_day", "date")])
ENTITIES = ("entities", [("article_row", "int8"), ("start", "int4"), ('"end"', "int4"), ("kind", "text"),
                         ("text", "text"), ("key", "text")])


@dataclass
class _Pending:
    """An added article not written yet."""

    article: Article
    chunks: list[Chunk]
    vectors: np.ndarray
    sentences: list[tuple[int, int, int]]
    sentence_vectors: np.ndarray
    fingerprint: Fingerprint
    story_id: str
    revision: int
    valid_from: date
    mentions: list[DateMention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)


class PostgresWriter:
    """``deferred_indexes``: the build loads into empty tables whose HNSW indexes it dropped; ``finish``
    creates them over the loaded rows (in the build's transaction: a failed build restores them)."""

    def __init__(self, conn: psycopg.Connection, version_id: int, name: str, floor: int,
                 deferred_indexes: bool = False) -> None:
        self.conn = conn
        self.version_id = version_id
        self.version = name
        self.floor = floor
        self.deferred_indexes = deferred_indexes
        self._scope = {"v": version_id, "floor": floor}
        self._pending: dict[str, _Pending] = {}  # article id -> what add() buffered, in order
        self._pending_bands: dict[int, list[_Pending]] = {}
        self._pending_rows = 0
        self._written: dict[str, int] = {}  # table -> rows this build wrote into it

    def _rows(self, statement: str, **params) -> list[tuple]:
        self.flush()  # what this statement reads includes everything added before it
        return self.conn.execute(statement, {**self._scope, **params}).fetchall()

    def known_articles(self) -> dict[str, str]:
        return dict(self._rows(f"SELECT a.path, a.content_sha FROM {S}.articles a "
                               f"WHERE {visible('a')} AND a.superseded IS NULL"))

    def known_unusable(self) -> dict[str, tuple[str, str]]:
        return {path: (sha, reason) for path, sha, reason in self._rows(
            f"SELECT k.path, k.content_sha, k.reason FROM {S}.skipped k WHERE {visible('k')}")}

    def mark_unusable(self, key: str, content_sha: str, reason: str) -> None:
        self._rows(f"UPDATE {S}.skipped k SET died = %(v)s WHERE k.path = %(path)s AND {visible('k')} RETURNING 1",
                   path=key)
        self.conn.execute(f"INSERT INTO {S}.skipped (path, content_sha, reason, born) VALUES (%s, %s, %s, %s)",
                          (key, content_sha, reason, self.version_id))

    def remove(self, keys: Sequence[str]) -> int:
        keys = list(keys)
        if not keys:
            return 0
        self._rows(f"UPDATE {S}.skipped k SET died = %(v)s WHERE k.path = ANY(%(keys)s) AND {visible('k')} RETURNING 1",
                   keys=keys)
        rows = [r[0] for r in self._rows(
            f"""UPDATE {S}.articles a SET died = %(v)s WHERE a.path = ANY(%(keys)s) AND {visible('a')}
                RETURNING a.row_id""", keys=keys)]
        if not rows:
            return 0
        self.conn.execute(f"UPDATE {S}.postings t SET died = %(v)s WHERE t.article_row = ANY(%(rows)s)",
                          {**self._scope, "rows": rows})
        removed = 0
        for table in ("sentences", "chunks"):  # they live and die with their article (and so do postings)
            removed = len(self._rows(
                f"UPDATE {S}.{table} t SET died = %(v)s WHERE t.article_row = ANY(%(rows)s) RETURNING 1", rows=rows))
        return removed  # the chunks

    def story_for(self, fingerprint: Fingerprint) -> str | None:
        """The story of a near-duplicate visible in this version, found through shared LSH band keys."""
        # Driven by the band keys, each match's article read by its key: inside the build's transaction the
        # planner's statistics predate the rows just loaded, and a join it plans on them scanned every article
        # per lookup (6 ms an article at 2,000). Not _rows: the buffered articles are compared below, unflushed.
        rows = self.conn.execute(
            f"""SELECT DISTINCT a.story_id, a.signature
                FROM (SELECT DISTINCT b.article_row FROM {S}.story_bands b WHERE b.key = ANY(%(keys)s)) m
                CROSS JOIN LATERAL (SELECT a.story_id, a.signature FROM {S}.articles a
                                    WHERE a.row_id = m.article_row AND {visible('a')}) a""",
            {**self._scope, "keys": list(fingerprint.bands)}).fetchall()
        candidates = [(story, np.frombuffer(sig, dtype=np.uint64)) for story, sig in rows]
        buffered = {id(p): p for key in fingerprint.bands for p in self._pending_bands.get(key, ())}
        candidates += [(p.story_id, p.fingerprint.signature) for p in buffered.values()]
        return same_story(fingerprint, candidates)

    def add(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
            sentences: list[tuple[int, int, int]], sentence_vectors: np.ndarray,
            fingerprint: Fingerprint) -> str:
        """Buffered: the rows are written by ``flush`` (binary COPY, many articles a statement); only the
        story lookup reads the database now (and the articles buffered before this one)."""
        story_id = self.story_for(fingerprint) or article.article_id
        revision, valid_from = self._new_revision(article)
        pending = _Pending(article, chunks, np.asarray(vectors), sentences, np.asarray(sentence_vectors),
                           fingerprint, story_id, revision, valid_from)
        self._pending[article.article_id] = pending
        self._pending_rows += len(chunks) + len(sentences)
        for key in fingerprint.bands:
            self._pending_bands.setdefault(key, []).append(pending)
        if self._pending_rows >= FLUSH_ROWS:
            self.flush()
        return story_id

    def _new_revision(self, article: Article) -> tuple[int, date]:
        """The revision number and valid_from of the article about to be added; a held latest revision is
        marked superseded by this version (its rows stay as they are: versions before this one still see
        it as the latest)."""
        if article.article_id in self._pending:  # a full build adding the history: its earlier revision first
            self.flush()
        # Not _rows: no other buffered article is this one, so nothing else need be written before the lookup.
        held = self.conn.execute(f"""SELECT a.row_id, a.revision, a.valid_from, a.effective_date FROM {S}.articles a
                                     WHERE a.article_id = %(id)s AND {visible('a')} AND a.superseded IS NULL""",
                                 {**self._scope, "id": article.article_id}).fetchall()
        today = datetime.now(timezone.utc).date()
        if not held:
            return 1, revision_valid_from(article, None, today)
        row_id, revision, previous, effective = held[0]
        valid_from = revision_valid_from(article, previous or effective or today, today)
        self.conn.execute(f"UPDATE {S}.articles a SET superseded = %(v)s, valid_to = %(to)s WHERE a.row_id = %(row)s",
                          {**self._scope, "row": row_id, "to": valid_from})
        return revision + 1, valid_from

    def add_date_mentions(self, article_id: str, mentions: Sequence[DateMention]) -> None:
        """The dates an added article's body mentions (they live and die with its row)."""
        if not mentions:
            return
        if article_id in self._pending:
            self._pending[article_id].mentions = list(mentions)
            return
        row_id = self._latest_row(article_id)
        with self.conn.cursor() as cur:
            with cur.copy(f'COPY {S}.date_mentions (article_row, start, "end", first_day, last_day) FROM STDIN') as copy:
                for m in mentions:
                    copy.write_row((row_id, m.start, m.end, m.first, m.last))

    def add_entities(self, article_id: str, entities: Sequence[Entity]) -> None:
        """The people, organisations and places an added article's body names (they live and die with its row)."""
        if not entities:
            return
        if article_id in self._pending:
            self._pending[article_id].entities = list(entities)
            return
        with self.conn.cursor() as cur:
            _copy(cur, ENTITIES, [(self._latest_row(article_id), e.start, e.end, e.kind, e.text, entity_key(e.text))
                                  for e in entities])

    def _latest_row(self, article_id: str) -> int:
        """The row of the article's latest revision visible to this build."""
        return self._rows(f"""SELECT a.row_id FROM {S}.articles a WHERE a.article_id = %(id)s AND {visible('a')}
                              AND a.superseded IS NULL""", id=article_id)[0][0]

    def flush(self) -> None:
        """Write the buffered articles: one statement for their ids, then one binary COPY per table."""
        pending = list(self._pending.values())
        if not pending:
            return
        self._pending, self._pending_bands, self._pending_rows = {}, {}, 0
        n_chunks = sum(len(p.chunks) for p in pending)
        n_sentences = sum(len(p.sentences) for p in pending)
        row_ids, chunk_ids, sentence_ids = self.conn.execute(
            f"""SELECT array(SELECT nextval(pg_get_serial_sequence('{S}.articles', 'row_id'))
                             FROM generate_series(1, %s)),
                       array(SELECT nextval('{S}.chunk_ids') FROM generate_series(1, %s)),
                       array(SELECT nextval('{S}.sentence_ids') FROM generate_series(1, %s))""",
            (len(pending), n_chunks, n_sentences)).fetchone()
        v = self.version_id
        chunk_at = sentence_at = 0
        articles, bands, chunk_rows, postings, sentence_rows, mentions, entities = [], [], [], [], [], [], []
        for p, row_id in zip(pending, row_ids):
            a = p.article
            articles.append((row_id, v, a.article_id, a.path, a.content_sha, a.title, a.source, list(a.authors),
                             [filter_key(n) for n in a.authors], a.reported_from, a.published_date,
                             a.updated_date, a.effective_date, a.section, a.page, a.conflict, a.url, a.extra,
                             a.body, _key(a.source), _key(a.section), _key(a.conflict), p.story_id,
                             p.fingerprint.signature.tobytes(), p.revision, p.valid_from))
            bands += [(key, row_id) for key in p.fingerprint.bands]
            ids = chunk_ids[chunk_at:chunk_at + len(p.chunks)]
            chunk_at += len(p.chunks)
            for cid, chunk, vec in zip(ids, p.chunks, vector_bytes(p.vectors)):
                counts, tokens = term_counts(a.title, chunk.text)
                chunk_rows.append((cid, v, row_id, chunk.chunk_id, chunk.position, chunk.start, chunk.end,
                                   chunk.sentences, tokens, vec))
                postings += [(stem, cid, v, tokens, row_id, in_title, in_text)
                             for stem, (in_title, in_text) in counts.items()]
            for sid, (position, start, end), vec in zip(sentence_ids[sentence_at:sentence_at + len(p.sentences)],
                                                         p.sentences, vector_bytes(p.sentence_vectors)):
                sentence_rows.append((sid, v, ids[position], row_id, start, end, vec))
            sentence_at += len(p.sentences)
            mentions += [(row_id, m.start, m.end, m.first, m.last) for m in p.mentions]
            entities += [(row_id, e.start, e.end, e.kind, e.text, entity_key(e.text)) for e in p.entities]
        # By stem: a stem's postings from one flush lie on neighbouring pages, so a keyword search reads a few
        # pages per stem and flush instead of one page per posting.
        postings.sort(key=itemgetter(0))
        with self.conn.cursor() as cur:
            for table, rows in ((ARTICLES, articles), (BANDS, bands), (CHUNKS, chunk_rows), (POSTINGS, postings),
                                (SENTENCES, sentence_rows), (MENTIONS, mentions), (ENTITIES, entities)):
                if rows:
                    _copy(cur, table, rows)
                    self._written[table[0]] = self._written.get(table[0], 0) + len(rows)

    def finish(self) -> None:
        """Everything written; the vector indexes a load into empty tables left for last built over it; and
        the planner's statistics of every table this build grew by over a tenth, committed with the rows, so
        the first questions to the new version are planned on its real sizes (autovacuum comes a minute later)."""
        self.flush()
        if self.deferred_indexes:
            self.conn.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
            for statement in VECTOR_INDEXES.values():
                self.conn.execute(statement)
            self.deferred_indexes = False
        if self._written:
            sizes = dict(self.conn.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relnamespace = %s::regnamespace AND relname = ANY(%s)",
                (S, list(self._written))).fetchall())
            grown = [t for t, n in self._written.items() if n > ANALYZE_SHARE * max(sizes.get(t, 0), 0)]
            if grown:  # ANALYZE in the transaction samples its own rows too
                self.conn.execute(f"ANALYZE {', '.join(f'{S}.{t}' for t in sorted(grown))}")
            self._written = {}

    def keyword_statistics(self) -> tuple[int, int]:
        """Chunks and their tokens in this version: BM25's N and average length."""
        n, tokens = self._rows(f"SELECT count(*), COALESCE(sum(t.tokens), 0) FROM {S}.chunks t WHERE {visible('t')}")[0]
        return int(n), int(tokens)

    def counts(self) -> tuple[int, int, int]:
        return tuple(self._rows(f"SELECT count(*) FROM {S}.{table} t WHERE {visible('t')}{latest}")[0][0]
                     for table, latest in (("articles", " AND t.superseded IS NULL"), ("chunks", ""),
                                           ("sentences", "")))

    def abandon(self) -> None:
        """Roll back everything this build wrote and let go of its connection."""
        self._pending, self._pending_bands, self._pending_rows = {}, {}, 0
        try:
            self.conn.rollback()
        except psycopg.Error:
            pass  # the connection is already gone: the server rolled back for us
        self.conn.close()


def _key(value: str | None) -> str | None:
    return filter_key(value) if value else None


def _copy(cur: psycopg.Cursor, table: tuple[str, list[tuple[str, str]]], rows: list[tuple]) -> None:
    name, columns = table
    with cur.copy(f"COPY {S}.{name} ({', '.join(c for c, _ in columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([t for _, t in columns])
        for row in rows:
            copy.write_row(row)
