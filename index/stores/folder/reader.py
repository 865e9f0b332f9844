"""Reads one published folder-store version: the query side's view of it."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from index.ann import VectorIndexError
from index.dates import DateMention
from index.entities import ENTITY_KINDS, Entity, entity_key, entity_name
from index.keywords import fts_query, stems
from index.stores.base import SEARCHES, SENTENCE_DEPTH, Hits, IndexUnavailable, separate_searches
from index.stores.date_range import DateRange
from index.stores.folder import keyword_index
from index.stores.folder.keyword_index import KeywordReader
from index.stores.folder.schema import MANIFEST, METADATA, SENTENCE_VECTORS, VECTORS, State, connect
from index.stores.folder.segments import SegmentedIndex
from index.types import (
    Article, ArticleMeta, Facets, Filters, FormatMismatch, Manifest, SentenceHit, StoredChunk, filter_key,
)

META_COLUMNS = ("a.article_id, a.path, a.content_sha, a.title, a.source, a.authors, a.reported_from, "
                "a.published_date, a.updated_date, a.section, a.page, a.conflict, a.url, a.extra, a.story_id, "
                "a.article, a.revision, a.valid_from, a.valid_to, a.superseded")


#: Filtered id sets kept per reader, in ids (8 bytes each): 128 MiB.
ALLOWED_CACHE_IDS = 16_000_000


class FolderReader:
    """A read-only, thread-safe view of one generation of a version folder.

    One SQLite connection is shared by the threads. Opening reads in one transaction (the state, counts
    and maps agree with the segments loaded); after that no transaction is held: each statement reads
    on its own, so an idle reader never pins the WAL, which no build could then checkpoint (issue 24
    D12). Incremental builds commit newer generations into the same file, so every read is bounded by
    the ids of the generation this reader loaded: ids are never reused and builds only insert and
    delete rows, never change one, so a row read is that generation's row, a row added later is never
    seen, and one a later build removed drops out as an unknown id would. The one change a build makes
    to a row, marking an article's revision superseded (``superseded``, ``valid_to``), names the
    generation that made it, and a reader heeds it only when that generation is its own or older. (Facet counts and term
    statistics are read as they are now: they weigh and list, they cite nothing.)
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        read_manifest(directory)  # the format check, with its own message
        self._allowed_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._allowed_lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            if not (directory / METADATA).exists():
                raise sqlite3.DatabaseError("file not found")
            self._conn = connect(directory / METADATA, readonly=True)
            self._conn.execute("BEGIN")  # the snapshot starts at the first read below
            state = State.read(self._conn)
            self.manifest = Manifest.from_json(state.manifest)
            db = self._db()
            chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            sentences = db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
            low, high, first, last, revised = db.execute(
                "SELECT MIN(effective_date), MAX(effective_date), MIN(published_date), MAX(published_date), "
                "MAX(CASE WHEN revision > 1 THEN valid_from END) FROM articles").fetchone()
            # A later revision's valid_from counts as a date: an as-of before it is no no-op.
            self._dates = DateRange.of(low, high, first, last, revised)
            removed = {kind: np.fromiter((r[0] for r in db.execute(
                "SELECT id FROM removed_vectors WHERE kind = ? ORDER BY id", (kind,))), dtype=np.int64)
                for kind in ("chunks", "sentences")}
        except (sqlite3.DatabaseError, FormatMismatch, ValueError, TypeError) as exc:
            self.close()
            raise IndexUnavailable(f"{directory / METADATA} is missing or corrupt ({exc}); rebuild the index") from None
        self.generation = state.generation
        # This generation's view holds superseded revisions: every read then picks each article's revision
        # (``_filter_sql``); None keeps the plain reads of an index without any.
        self._revised = state.generation if db.execute(
            "SELECT 1 FROM articles WHERE superseded <= ? LIMIT 1", (state.generation,)).fetchone() else None
        self._next_chunk, self._next_sentence = state.next_chunk, state.next_sentence  # this generation's id bounds
        self.version = directory.name if not state.generation else f"{directory.name}@{state.generation}"
        try:
            self.vectors = SegmentedIndex.load(directory, self.manifest.vector_index, self.manifest.dimension,
                                               state.chunk_segments, removed["chunks"])
            self.sentence_vector_index = SegmentedIndex.load(
                directory, self.manifest.vector_index, self.manifest.dimension, state.sentence_segments,
                removed["sentences"])
        except VectorIndexError as exc:
            self.close()
            raise IndexUnavailable(f"{exc}; rebuild the index") from None
        try:
            self._owners = _IdMap.read(self._db(), "SELECT id, chunk FROM sentences ORDER BY id")
            self._dates_of = _IdMap.read(self._db(), f"""SELECT c.id, CAST(julianday(a.effective_date) AS INTEGER)
                - {_JULIAN_TO_ORDINAL} FROM chunks c JOIN articles a USING(article_id) ORDER BY c.id""")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise IndexUnavailable(f"{directory / METADATA} is missing or corrupt ({exc}); rebuild the index") from None
        self.keyword_index = None  # a version written before it has none until its next build: FTS5 serves
        if keyword_index.exists(directory):
            try:
                self.keyword_index = KeywordReader(directory, state.next_chunk)  # after the snapshot: see keyword_index.py
            except IndexUnavailable:
                self.close()
                raise
        for what, stored, vectors, name, expected in (
            ("chunks", chunks, self.vectors, VECTORS, self.manifest.chunks),
            ("sentences", sentences, self.sentence_vector_index, SENTENCE_VECTORS, self.manifest.sentences),
        ):
            if not stored == len(vectors) == expected:
                self.close()
                raise IndexUnavailable(
                    f"{directory} is inconsistent: {stored} {what} in {METADATA}, {len(vectors)} vectors in "
                    f"{name} and its segments, {expected} in its manifest; rebuild the index"
                )
        self._conn.execute("COMMIT")  # opened: from here on each statement reads on its own

    def check_encoder(self, identity: str, dimension: int) -> None:
        if self.manifest.encoder != identity or self.manifest.dimension != dimension:
            raise IndexUnavailable(
                f"the index in {self.directory} was built with encoder {self.manifest.encoder!r} "
                f"({self.manifest.dimension} dimensions) but the configured encoder is {identity!r} ({dimension}); "
                "rebuild it with --full or configure the model it was built with"
            )

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise IndexUnavailable(f"the reader of {self.directory} is closed")
        return self._conn

    def close(self) -> None:
        """Close the connection, so a pruned version's files are really released."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # --- reading ---------------------------------------------------------------------------

    def article(self, article_id: str, revision: int | None = None) -> Article | None:
        which, args = self._revision_sql(revision)
        row = self._db().execute(f"SELECT * FROM articles a WHERE a.article = ? AND {which} AND {_HELD}",
                                 (article_id, *args, self._next_chunk)).fetchone()
        if row is None:
            return None
        return Article(**self._meta(row), body=row["body"])

    def revisions(self, article_id: str) -> list[ArticleMeta]:
        rows = self._db().execute(f"SELECT {META_COLUMNS} FROM articles a WHERE a.article = ? AND {_HELD} "
                                  "ORDER BY a.revision", (article_id, self._next_chunk))
        return [ArticleMeta(**self._meta(r)) for r in rows]

    def _revision_sql(self, revision: int | None) -> tuple[str, list]:
        """SQL over ``articles a``: revision ``revision``, or (None) the latest this generation holds."""
        if revision is not None:
            return "a.revision = ?", [int(revision)]
        return "(a.superseded IS NULL OR a.superseded > ?)", [self.generation]

    def _meta(self, row: sqlite3.Row) -> dict:
        fields = _meta_fields(row)
        superseded = row["superseded"] is not None and row["superseded"] <= self.generation
        return fields | dict(article_id=row["article"], revision=row["revision"], valid_from=_date(row["valid_from"]),
                             valid_to=_date(row["valid_to"]) if superseded else None)

    def chunks(self, ids: Sequence[int]) -> list[StoredChunk]:
        if not ids:
            return []
        by_id = {}
        for batch in _batches([int(i) for i in ids], 500):
            rows = self._db().execute(
                f"""SELECT c.id, c.chunk_id, c.position, c.start, c."end", c.sentences, a.body, {META_COLUMNS}
                    FROM chunks c JOIN articles a USING(article_id)
                    WHERE c.id IN ({','.join('?' * len(batch))}) AND c.id < ?""",
                [*batch, self._next_chunk],
            ).fetchall()
            by_id.update((row["id"], row) for row in rows)
        out = []
        for i in ids:
            row = by_id.get(int(i))
            if row is None:
                continue
            out.append(StoredChunk(
                id=row["id"], chunk_id=row["chunk_id"], position=row["position"], start=row["start"],
                end=row["end"], text=row["body"][row["start"]:row["end"]],  # Python slicing: exact, NUL-safe
                sentences=[tuple(s) for s in json.loads(row["sentences"])],
                article=ArticleMeta(**self._meta(row)),
            ))
        return out

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        return self.vectors.search(vector, k, self._allowed("chunks", filters))

    def sentence_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        hits = self.sentence_vector_index.search(vector, k * SENTENCE_DEPTH, self._allowed("sentences", filters))
        if not hits:
            return []
        owners = self._owners.get(np.fromiter((i for i, _ in hits), dtype=np.int64, count=len(hits)))
        best: dict[int, float] = {}
        for owner, (_, score) in zip(owners.tolist(), hits):  # best first: the first score per chunk is its max
            best.setdefault(owner, score)
        return list(best.items())[:k]

    def similar_sentences_many(self, vectors: np.ndarray, k: int,
                               filters: Filters | None = None) -> list[list[SentenceHit]]:
        return [self.similar_sentences(v, k, filters) for v in vectors]

    def hybrid_search(self, text: str, vector: np.ndarray, k: int, filters: Filters | None = None,
                      title_weight: float = 1.0, kinds: Sequence[str] = SEARCHES) -> dict[str, Hits]:
        return separate_searches(self, text, vector, k, filters, title_weight, kinds)

    def sentence_vectors(self, article_id: str, starts: Sequence[int],
                         revision: int | None = None) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        marks = ",".join("?" * len(starts))
        which, args = self._revision_sql(revision)
        rows = self._db().execute(
            f"""SELECT s.start, s.id FROM sentences s JOIN articles a USING(article_id)
                WHERE a.article = ? AND {which} AND s.start IN ({marks}) AND s.id < ?""",
            [article_id, *args, *starts, self._next_sentence]).fetchall()
        if not rows:
            return {}
        vectors = self.sentence_vector_index.vectors(np.array([r["id"] for r in rows], dtype=np.int64))
        return {r["start"]: vector for r, vector in zip(rows, vectors)}

    def similar_sentences(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[SentenceHit]:
        hits = self.sentence_vector_index.search(vector, k, self._allowed("sentences", filters))
        if not hits:
            return []
        rows = self._db().execute(
            f"""SELECT s.id, s.start, s."end", a.body, {META_COLUMNS} FROM sentences s JOIN articles a
                USING(article_id) WHERE s.id IN ({','.join('?' * len(hits))})""", [i for i, _ in hits]).fetchall()
        by_id = {r["id"]: r for r in rows}
        return [SentenceHit(article=ArticleMeta(**self._meta(r)), start=r["start"], end=r["end"],
                            text=r["body"][r["start"]:r["end"]], score=score)
                for i, score in hits if (r := by_id.get(i)) is not None]

    def story_members(self, story_ids: Sequence[str], as_of: date | None = None) -> dict[str, list[ArticleMeta]]:
        out: dict[str, list[ArticleMeta]] = {}
        where, args = _filter_sql(Filters(as_of=as_of), self._revised)  # the rule evidence follows
        for batch in _batches(sorted(set(story_ids)), 500):
            rows = self._db().execute(
                f"""SELECT {META_COLUMNS} FROM articles a WHERE a.story_id IN ({','.join('?' * len(batch))})
                    AND {_HELD} {"AND " + where if where else ""}
                    ORDER BY a.published_date IS NULL, a.published_date, a.article_id""",
                [*batch, self._next_chunk, *args])
            for r in rows:
                out.setdefault(r["story_id"], []).append(ArticleMeta(**self._meta(r)))
        return out

    def chunk_dates(self, ids: Sequence[int]) -> dict[int, date | None]:
        ids = [int(i) for i in ids]
        days = self._dates_of.get(np.asarray(ids, dtype=np.int64))
        return {i: (date.fromordinal(d) if d > 0 else None) for i, d in zip(ids, days.tolist())}

    def date_mentions(self, ids: Sequence[int]) -> dict[int, list[DateMention]]:
        """The dates each chunk's text mentions, in text order (chunks mentioning none are left out)."""
        out: dict[int, list[DateMention]] = {}
        for batch in _batches(sorted({int(i) for i in ids}), 500):
            rows = self._db().execute(
                f"""SELECT c.id, m.start, m."end", m.first_day, m.last_day FROM chunks c
                    JOIN date_mentions m ON m.article_id = c.article_id AND m.start >= c.start AND m."end" <= c."end"
                    WHERE c.id IN ({','.join('?' * len(batch))}) ORDER BY c.id, m.start""", batch)
            for r in rows:
                out.setdefault(r[0], []).append(DateMention(r[1], r[2], _date(r[3]), _date(r[4])))
        return out

    def chunks_mentioning(self, first: date, last: date, filters: Filters | None = None) -> list[int]:
        """Ids of the chunks whose text mentions a day from ``first`` to ``last``, among those ``filters`` pass."""
        where, args = _filter_sql(None if filters is None else self._dates.without_noops(filters), self._revised)
        rows = self._db().execute(
            f"""SELECT DISTINCT c.id FROM date_mentions m JOIN chunks c
                    ON c.article_id = m.article_id AND m.start >= c.start AND m."end" <= c."end"
                JOIN articles a ON a.article_id = c.article_id
                WHERE m.first_day <= ? AND m.last_day >= ? {"AND " + where if where else ""} ORDER BY c.id""",
            [last.isoformat(), first.isoformat(), *args])
        return [r[0] for r in rows]

    def entities(self, article_ids: Sequence[str],
                 revisions: Mapping[str, int] | None = None) -> dict[str, list[Entity]]:
        """Each article's people, organisations and places in text order (articles naming none are left out),
        of its latest revision or the one ``revisions`` names."""
        out: dict[str, list[Entity]] = {}
        revisions = revisions or {}
        for batch in _batches(sorted(set(article_ids)), 500):
            rows = self._db().execute(
                f"""SELECT a.article, e.start, e."end", e.kind, e.text, a.revision, a.superseded FROM entities e
                    JOIN articles a ON a.article_id = e.article_id
                    WHERE a.article IN ({','.join('?' * len(batch))}) AND {_HELD}
                    ORDER BY a.article, e.start""", [*batch, self._next_chunk])
            for r in rows:
                wanted = revisions.get(r[0])
                if (r[5] == wanted) if wanted is not None else (r[6] is None or r[6] > self.generation):
                    out.setdefault(r[0], []).append(Entity(r[1], r[2], r[3], r[4]))
        return out

    def any_sentence(self) -> tuple[int, np.ndarray] | None:
        """One stored sentence's (chunk id, vector): a build verifies that search finds it again (a sentence of
        a latest revision: searches without as_of see no other)."""
        row = self._db().execute("SELECT s.id, s.chunk FROM sentences s JOIN articles a USING(article_id) "
                                 "WHERE (a.superseded IS NULL OR a.superseded > ?) LIMIT 1", (self.generation,)).fetchone()
        return None if row is None else (row["chunk"], self.sentence_vector_index.vectors(np.array([row["id"]]))[0])

    def _allowed(self, table: str, filters: Filters | None) -> np.ndarray | None:
        """Ids of ``table`` whose articles pass ``filters`` (None: all pass).

        Every question carries an as-of date (today by default), which usually excludes nothing: such
        date conditions are dropped, so the common query pays no filter at all. Other sets are kept
        (this version never changes), so a filter's O(matching rows) read is paid once, not per query.
        """
        if filters is None and self._revised is None:
            return None
        filters = self._dates.without_noops(filters or Filters())
        if filters.is_empty() and self._revised is None:
            return None
        key = (table, repr(filters))
        with self._allowed_lock:
            ids = self._allowed_cache.get(key)
            if ids is not None:
                self._allowed_cache.move_to_end(key)
                return ids
        where, args = _filter_sql(filters, self._revised)
        bound = self._next_chunk if table == "chunks" else self._next_sentence
        cursor = self._db().cursor()
        cursor.row_factory = None  # plain tuples: 10x cheaper than sqlite3.Row for millions of ids
        rows = cursor.execute(f"SELECT t.id FROM {table} t JOIN articles a USING(article_id) WHERE {where} "
                              "AND t.id < ?", [*args, bound]).fetchall()
        ids = np.sort(np.array(rows, dtype=np.int64).reshape(-1))  # sorted: keyword search tests membership
        with self._allowed_lock:
            self._allowed_cache[key] = ids
            while len(self._allowed_cache) > 1 and sum(map(len, self._allowed_cache.values())) > ALLOWED_CACHE_IDS:
                self._allowed_cache.popitem(last=False)
        return ids

    def keyword_search(self, text: str, k: int, filters: Filters | None = None,
                       title_weight: float = 1.0) -> Hits:
        query = fts_query(text)
        if query is None or k <= 0:
            return []
        # A date that excludes nothing must not cost a join per matching chunk (4x at 10k articles).
        filters = None if filters is None else self._dates.without_noops(filters)
        where, args = _filter_sql(filters, self._revised)
        if title_weight == 1.0 and self.keyword_index is not None:  # tantivy: ~100x faster on common words
            if not where:
                return self.keyword_index.search(stems(text), k)
            hits = self.keyword_index.search_within(stems(text), k, self._allowed("chunks", filters),
                                                    self.chunk_count())
            if hits is not None:
                return hits
        sql = f"""SELECT chunks_fts.rowid AS id, -bm25(chunks_fts, ?, 1.0) AS score
                  FROM chunks_fts
                  {"JOIN chunks c ON c.id = chunks_fts.rowid JOIN articles a USING(article_id)" if where else ""}
                  WHERE chunks_fts MATCH ? AND chunks_fts.rowid < ? {"AND " + where if where else ""}
                  ORDER BY score DESC LIMIT ?"""
        rows = self._db().execute(sql, [title_weight, query, self._next_chunk, *args, k]).fetchall()
        return [(int(r["id"]), float(r["score"])) for r in rows]

    def stems(self, text: str) -> list[str]:
        return stems(text)

    def document_frequencies(self, stems: Sequence[str]) -> dict[str, int]:
        if not stems:
            return {}
        rows = self._db().execute(
            f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(stems))})", list(stems))
        return {r["term"]: r["doc"] for r in rows}

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray:
        allowed = self._allowed("chunks", filters)
        if allowed is None:
            return np.fromiter((r[0] for r in self._db().execute("SELECT id FROM chunks WHERE id < ?",
                                                                 (self._next_chunk,))), dtype=np.int64)
        return allowed

    def facets(self, limit: int = 100) -> Facets:
        db = self._db()

        def counts(sql: str) -> list[tuple[str, int]]:
            # One display form per normalised key (the most common spelling), counted together.
            return [(r[0], r[1]) for r in db.execute(sql, (limit,))]

        latest = f"(superseded IS NULL OR superseded > {int(self.generation)})"  # each article once
        per_column = {
            column: counts(f"""SELECT MAX({column}), COUNT(*) AS n FROM articles WHERE {column}_key IS NOT NULL
                               AND {latest} GROUP BY {column}_key ORDER BY n DESC, MAX({column}) LIMIT ?""")
            for column in ("source", "section", "conflict")
        }
        authors = counts(f"""SELECT MAX(name), COUNT(DISTINCT article_id) AS n FROM article_authors
                             WHERE article_id IN (SELECT article_id FROM articles WHERE {latest})
                             GROUP BY name_key ORDER BY n DESC, MAX(name) LIMIT ?""")
        low, high = db.execute("SELECT MIN(published_date), MAX(published_date) FROM articles").fetchone()
        entities = {kind: [(entity_name(r[0]), r[1]) for r in db.execute(
            f"""SELECT MAX(text), COUNT(DISTINCT article_id) AS n FROM entities WHERE kind = ?
                AND article_id IN (SELECT article_id FROM articles WHERE {latest})
                GROUP BY key ORDER BY n DESC, MAX(text) LIMIT ?""", (kind, limit))] for kind in ENTITY_KINDS}
        return Facets(author=authors, published_min=_date(low), published_max=_date(high), entities=entities,
                      **per_column)

    def article_count(self) -> int:
        return self.manifest.articles

    def chunk_count(self) -> int:
        return self.manifest.chunks


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexUnavailable(f"{path} is missing: the index is incomplete; rebuild it") from None
    except FormatMismatch as exc:
        raise IndexUnavailable(f"{directory} was {exc}. Rebuild it with --full.") from None
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise IndexUnavailable(f"{path} is unreadable ({exc}); rebuild the index") from None


def _meta_fields(row: sqlite3.Row) -> dict:
    return dict(
        article_id=row["article_id"], path=row["path"], content_sha=row["content_sha"], title=row["title"],
        source=row["source"], authors=json.loads(row["authors"]), reported_from=row["reported_from"],
        published_date=_date(row["published_date"]), updated_date=_date(row["updated_date"]),
        section=row["section"], page=row["page"], conflict=row["conflict"], url=row["url"],
        extra=json.loads(row["extra"]), story_id=row["story_id"],
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _filter_sql(filters: Filters | None, revised: int | None = None) -> tuple[str, list]:
    """SQL over ``articles a`` for the metadata filters (normalised, case-folded exact values).

    ``revised``: the reader's generation when it holds superseded revisions: each article then passes in
    one revision only, the latest, or with ``as_of`` the one current then (``ArticleMeta.current_at``)."""
    clauses, args = [], []
    if revised is not None:
        if filters is not None and filters.as_of:
            clauses.append("(a.superseded IS NULL OR a.superseded > ? OR a.valid_to > ?) "
                           "AND (a.revision = 1 OR a.valid_from <= ?)")
            args += [revised, filters.as_of.isoformat(), filters.as_of.isoformat()]
        else:
            clauses.append("(a.superseded IS NULL OR a.superseded > ?)")
            args.append(revised)
    if filters is None or filters.is_empty():
        return " AND ".join(clauses), args
    for column in ("source", "section", "conflict"):
        values = [filter_key(v) for v in getattr(filters, column)]
        if values:
            clauses.append(f"a.{column}_key IN ({','.join('?' * len(values))})")
            args += values
    if filters.author:
        clauses.append(
            "EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = a.article_id "
            f"AND aa.name_key IN ({','.join('?' * len(filters.author))}))"
        )
        args += [filter_key(v) for v in filters.author]
    if filters.published_after:
        clauses.append("a.published_date >= ?")
        args.append(filters.published_after.isoformat())
    if filters.published_before:
        clauses.append("a.published_date <= ?")
        args.append(filters.published_before.isoformat())
    if filters.as_of:
        clauses.append("(a.effective_date IS NULL OR a.effective_date <= ?)")
        args.append(filters.as_of.isoformat())
    if filters.window:
        clauses.append("(a.published_date IS NULL OR a.published_date BETWEEN ? AND ?)")
        args += [d.isoformat() for d in filters.window]
    if filters.mentioning:
        clauses.append("EXISTS (SELECT 1 FROM date_mentions m WHERE m.article_id = a.article_id "
                       "AND m.first_day <= ? AND m.last_day >= ?)")
        args += [filters.mentioning[1].isoformat(), filters.mentioning[0].isoformat()]
    for name in dict.fromkeys(entity_key(v) for v in filters.entity):  # every entity named: each must be mentioned
        clauses.append("EXISTS (SELECT 1 FROM entities e WHERE e.article_id = a.article_id AND e.key = ?)")
        args.append(name)
    return " AND ".join(clauses), args


#: An article this reader's generation holds (its chunks' ids are below the generation's next id).
_HELD = "EXISTS (SELECT 1 FROM chunks h WHERE h.article_id = a.article_id AND h.id < ?)"

_JULIAN_TO_ORDINAL = 1721424  # CAST(julianday('0001-01-01') AS INTEGER) is 1721425; date(1, 1, 1).toordinal() is 1


@dataclass(frozen=True)
class _IdMap:
    """An id → integer table held in memory for a reader's life (ids sorted): the lookups every query
    makes for a few hundred ids (a sentence's chunk, a chunk's date) without a SQL round per query.
    About 12 bytes an id: 18 MB for 1.5M sentences."""

    ids: np.ndarray
    values: np.ndarray

    @classmethod
    def read(cls, db: sqlite3.Connection, sql: str) -> "_IdMap":
        cursor = db.cursor()
        cursor.row_factory = None
        flat = np.fromiter((v if v is not None else 0 for row in cursor.execute(sql) for v in row), dtype=np.int64)
        pairs = flat.reshape(-1, 2)
        return cls(pairs[:, 0].copy(), pairs[:, 1].astype(np.int32))

    def get(self, ids: np.ndarray) -> np.ndarray:
        """Values of these ids (0 for an id not held)."""
        if not len(self.ids):
            return np.zeros(len(ids), dtype=np.int32)
        at = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[at] == ids, self.values[at], 0)


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
