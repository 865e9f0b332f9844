"""Reads one published version from PostgreSQL: every query is limited to that version's rows.

Filters are SQL ``WHERE`` clauses inside the vector and keyword queries, so they apply before the
cut to top-k (pgvector's iterative HNSW scan keeps going until enough rows pass). All values,
including user text, travel as bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import numpy as np

from index.dates import DateMention
from index.keywords import stems
from index.stores.base import Hits, IndexUnavailable
from index.stores.postgres.connection import Database
from index.stores.postgres.literals import parse_vector, query_stems, vector
from index.stores.postgres.schema import SCHEMA, visible
from index.types import (
    Article, ArticleMeta, Facets, Filters, FormatMismatch, Manifest, SentenceHit, StoredChunk, filter_key,
)

S = SCHEMA
META = ("a.article_id, a.path, a.content_sha, a.title, a.source, a.authors, a.reported_from, a.published_date, "
        "a.updated_date, a.section, a.page, a.conflict, a.url, a.extra, a.story_id")
META_FIELDS = ("article_id", "path", "content_sha", "title", "source", "authors", "reported_from", "published_date",
               "updated_date", "section", "page", "conflict", "url", "extra", "story_id")
#: BM25 as SQLite FTS5 computes it (fts5_aux.c), so both stores rank keywords alike.
K1, B = 1.2, 0.75


class PostgresReader:
    """A thread-safe view of one version; connections come from the store's pool per call."""

    def __init__(self, db: Database, version_id: int, name: str, floor: int, manifest: Manifest,
                 chunks: int, tokens: int) -> None:
        self.db = db
        self.version = name
        self.manifest = manifest
        self._scope = {"v": version_id, "floor": floor}
        self._bm25 = {"n": chunks, "avgdl": tokens / chunks if chunks else 1.0}

    def check_encoder(self, identity: str, dimension: int) -> None:
        if self.manifest.encoder != identity or self.manifest.dimension != dimension:
            raise IndexUnavailable(
                f"the index in {self.db.display} was built with encoder {self.manifest.encoder!r} "
                f"({self.manifest.dimension} dimensions) but the configured encoder is {identity!r} ({dimension}); "
                "rebuild it with --full or configure the model it was built with"
            )

    def close(self) -> None:
        """Nothing to release: connections belong to the store's pool, shared by all versions."""

    def _rows(self, statement: str, **params) -> list[tuple]:
        with self.db.connection() as conn:
            return conn.execute(statement, {**self._scope, **params}).fetchall()

    # --- records -----------------------------------------------------------------------------

    def article(self, article_id: str) -> Article | None:
        rows = self._rows(f"SELECT {META}, a.body FROM {S}.articles a WHERE a.article_id = %(id)s AND {visible('a')}",
                          id=article_id)
        return Article(**_meta(rows[0]), body=rows[0][len(META_FIELDS)]) if rows else None

    def chunks(self, ids: Sequence[int]) -> list[StoredChunk]:
        if not len(ids):
            return []
        rows = self._rows(
            f"""SELECT c.id, c.chunk_id, c.position, c.start, c."end", c.sentences,
                       substr(a.body, c.start + 1, c."end" - c.start), {META}
                FROM {S}.chunks c JOIN {S}.articles a ON a.row_id = c.article_row
                WHERE c.id = ANY(%(ids)s) AND {visible('c')}""", ids=[int(i) for i in ids])
        by_id = {r[0]: r for r in rows}
        return [StoredChunk(id=r[0], chunk_id=r[1], position=r[2], start=r[3], end=r[4], text=r[6],
                            sentences=[tuple(s) for s in r[5]], article=ArticleMeta(**_meta(r[7:])))
                for i in ids if (r := by_id.get(int(i))) is not None]

    def sentence_vectors(self, article_id: str, starts: Sequence[int]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        rows = self._rows(
            f"""SELECT s.start, s.embedding::text FROM {S}.sentences s JOIN {S}.articles a ON a.row_id = s.article_row
                WHERE a.article_id = %(id)s AND {visible('a')} AND s.start = ANY(%(starts)s)""",
            id=article_id, starts=[int(s) for s in starts])
        return {start: parse_vector(text) for start, text in rows}

    def story_members(self, story_ids: Sequence[str], as_of: date | None = None) -> dict[str, list[ArticleMeta]]:
        out: dict[str, list[ArticleMeta]] = {}
        if not story_ids:
            return out
        where, params = filter_sql(Filters(as_of=as_of))  # the rule evidence follows
        rows = self._rows(
            f"""SELECT {META} FROM {S}.articles a WHERE a.story_id = ANY(%(ids)s) AND {visible('a')}
                {"AND " + where if where else ""}
                ORDER BY a.published_date IS NULL, a.published_date, a.article_id""",
            ids=sorted(set(story_ids)), **params)
        for r in rows:
            meta = ArticleMeta(**_meta(r))
            out.setdefault(meta.story_id, []).append(meta)
        return out

    def chunk_dates(self, ids: Sequence[int]) -> dict[int, date | None]:
        if not len(ids):
            return {}
        rows = self._rows(
            f"""SELECT c.id, a.effective_date FROM {S}.chunks c JOIN {S}.articles a ON a.row_id = c.article_row
                WHERE c.id = ANY(%(ids)s) AND {visible('c')}""", ids=[int(i) for i in ids])
        return dict(rows)

    def date_mentions(self, ids: Sequence[int]) -> dict[int, list[DateMention]]:
        """The dates each chunk's text mentions, in text order (chunks mentioning none are left out)."""
        if not len(ids):
            return {}
        rows = self._rows(
            f"""SELECT c.id, m.start, m."end", m.first_day, m.last_day FROM {S}.chunks c
                JOIN {S}.date_mentions m ON m.article_row = c.article_row AND m.start >= c.start AND m."end" <= c."end"
                WHERE c.id = ANY(%(ids)s) AND {visible('c')} ORDER BY c.id, m.start""", ids=[int(i) for i in ids])
        out: dict[int, list[DateMention]] = {}
        for cid, start, end, first, last in rows:
            out.setdefault(cid, []).append(DateMention(start, end, first, last))
        return out

    def chunks_mentioning(self, first: date, last: date, filters: Filters | None = None) -> list[int]:
        """Ids of the chunks whose text mentions a day from ``first`` to ``last``, among those ``filters`` pass."""
        where, params = filter_sql(filters)
        rows = self._rows(
            f"""SELECT DISTINCT c.id FROM {S}.date_mentions m JOIN {S}.chunks c
                    ON c.article_row = m.article_row AND m.start >= c.start AND m."end" <= c."end"
                JOIN {S}.articles a ON a.row_id = c.article_row
                WHERE m.first_day <= %(m_last)s AND m.last_day >= %(m_first)s AND {visible('c')}
                {"AND " + where if where else ""} ORDER BY c.id""", m_first=first, m_last=last, **params)
        return [r[0] for r in rows]

    # --- search ------------------------------------------------------------------------------

    def dense_search(self, vector_: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        rows = self._nearest("chunks", "t.id", vector_, k, filters)
        return _ranked((int(r[0]), float(r[1])) for r in rows)

    def sentence_search(self, vector_: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        best: dict[int, float] = {}
        for chunk, score in _ranked((int(r[0]), float(r[1])) for r in self._nearest("sentences", "t.chunk", vector_,
                                                                                     k * 4, filters)):
            best.setdefault(chunk, score)  # best first, so the first score per chunk is its max
        return list(best.items())[:k]

    def similar_sentences(self, vector_: np.ndarray, k: int, filters: Filters | None = None) -> list[SentenceHit]:
        rows = self._nearest("sentences", f't.start, t."end", substr(a.body, t.start + 1, t."end" - t.start), {META}',
                             vector_, k, filters, join=True)
        hits = [SentenceHit(article=ArticleMeta(**_meta(r[3:])), start=r[0], end=r[1], text=r[2], score=float(r[-1]))
                for r in rows]
        return sorted(hits, key=lambda h: -h.score)

    def _nearest(self, table: str, columns: str, vector_: np.ndarray, k: int, filters: Filters | None,
                 join: bool = False) -> list[tuple]:
        if k <= 0:
            return []
        where, params = filter_sql(filters)
        join = join or bool(where)
        return self._rows(
            f"""SELECT {columns}, 1 - (t.embedding <=> %(q)s::vector) AS score FROM {S}.{table} t
                {f"JOIN {S}.articles a ON a.row_id = t.article_row" if join else ""}
                WHERE {visible('t')} {"AND " + where if where else ""}
                ORDER BY t.embedding <=> %(q)s::vector LIMIT %(k)s""",
            q=vector(vector_), k=int(k), **params)

    def keyword_search(self, text: str, k: int, filters: Filters | None = None, title_weight: float = 1.0) -> Hits:
        """BM25 over the postings of the query's stems (FTS5's formula: IDF floored at 1e-6, title weighted)."""
        terms = query_stems(text)
        if not terms or k <= 0:
            return []
        where, params = filter_sql(filters)
        rows = self._rows(
            f"""WITH hits AS (
                    SELECT p.stem, p.chunk, %(title_weight)s * p.tf_title + p.tf_text AS f, c.tokens
                    FROM {S}.postings p JOIN {S}.chunks c ON c.id = p.chunk
                    WHERE p.stem = ANY(%(terms)s) AND {visible('c')}),
                idf AS (
                    SELECT stem, GREATEST(ln((0.5 + %(n)s - count(*)) / (0.5 + count(*))), 1e-6) AS idf
                    FROM hits GROUP BY stem)
                SELECT h.chunk, sum(idf.idf * h.f * {K1 + 1} / (h.f + {K1} * (1 - {B} + {B} * h.tokens / %(avgdl)s)))
                       AS score
                FROM hits h JOIN idf USING (stem)
                {f"JOIN {S}.chunks c ON c.id = h.chunk JOIN {S}.articles a ON a.row_id = c.article_row WHERE {where}"
                 if where else ""}
                GROUP BY h.chunk ORDER BY score DESC, h.chunk LIMIT %(k)s""",
            terms=terms, k=int(k), title_weight=float(title_weight), **self._bm25, **params)
        return [(int(i), float(s)) for i, s in rows]

    # --- statistics --------------------------------------------------------------------------

    def stems(self, text: str) -> list[str]:
        return stems(text)

    def document_frequencies(self, stems_: Sequence[str]) -> dict[str, int]:
        if not stems_:
            return {}
        rows = self._rows(
            f"""SELECT p.stem, count(*) FROM {S}.postings p JOIN {S}.chunks c ON c.id = p.chunk
                WHERE p.stem = ANY(%(stems)s) AND {visible('c')} GROUP BY p.stem""", stems=list(stems_))
        return {stem: int(n) for stem, n in rows}

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray:
        where, params = filter_sql(filters)
        rows = self._rows(
            f"""SELECT c.id FROM {S}.chunks c {f"JOIN {S}.articles a ON a.row_id = c.article_row" if where else ""}
                WHERE {visible('c')} {"AND " + where if where else ""} ORDER BY c.id""", **params)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def facets(self, limit: int = 100) -> Facets:
        def counts(query: str) -> list[tuple[str, int]]:
            return [(name, n) for name, n in self._rows(query, limit=limit)]

        per_column = {
            column: counts(f"""SELECT MAX(a.{column}), COUNT(*) AS n FROM {S}.articles a
                               WHERE a.{column}_key IS NOT NULL AND {visible('a')}
                               GROUP BY a.{column}_key ORDER BY n DESC, MAX(a.{column}) LIMIT %(limit)s""")
            for column in ("source", "section", "conflict")
        }
        authors = counts(f"""SELECT MAX(t.name), COUNT(DISTINCT a.row_id) AS n
                             FROM {S}.articles a, unnest(a.authors, a.author_keys) AS t(name, key)
                             WHERE {visible('a')} GROUP BY t.key ORDER BY n DESC, MAX(t.name) LIMIT %(limit)s""")
        low, high = self._rows(f"SELECT MIN(a.published_date), MAX(a.published_date) FROM {S}.articles a "
                               f"WHERE {visible('a')}")[0]
        return Facets(author=authors, published_min=low, published_max=high, **per_column)

    def article_count(self) -> int:
        return self.manifest.articles

    def chunk_count(self) -> int:
        return self.manifest.chunks

    def any_sentence(self) -> tuple[int, np.ndarray] | None:
        rows = self._rows(f"SELECT t.chunk, t.embedding::text FROM {S}.sentences t WHERE {visible('t')} LIMIT 1")
        return (rows[0][0], parse_vector(rows[0][1])) if rows else None


def manifest_of(data) -> Manifest:
    """The manifest stored with a version, or ``IndexUnavailable`` saying to rebuild."""
    try:
        return Manifest.from_json(json.dumps(data))
    except FormatMismatch as exc:
        raise IndexUnavailable(f"the index was {exc}. Rebuild it with --full.") from None
    except (ValueError, TypeError) as exc:
        raise IndexUnavailable(f"the stored manifest is unreadable ({exc}); rebuild the index") from None


def filter_sql(filters: Filters | None) -> tuple[str, dict]:
    """SQL over ``articles a`` for the metadata filters (normalised, case-folded exact values), and its parameters."""
    if filters is None or filters.is_empty():
        return "", {}
    clauses, params = [], {}
    for column in ("source", "section", "conflict"):
        values = [filter_key(v) for v in getattr(filters, column)]
        if values:
            clauses.append(f"a.{column}_key = ANY(%(f_{column})s)")
            params[f"f_{column}"] = values
    if filters.author:
        clauses.append("a.author_keys && %(f_author)s::text[]")
        params["f_author"] = [filter_key(v) for v in filters.author]
    if filters.published_after:
        clauses.append("a.published_date >= %(f_after)s")
        params["f_after"] = filters.published_after
    if filters.published_before:
        clauses.append("a.published_date <= %(f_before)s")
        params["f_before"] = filters.published_before
    if filters.as_of:
        clauses.append("(a.effective_date IS NULL OR a.effective_date <= %(f_as_of)s)")
        params["f_as_of"] = filters.as_of
    if filters.window:
        clauses.append("(a.published_date IS NULL OR a.published_date BETWEEN %(f_from)s AND %(f_to)s)")
        params["f_from"], params["f_to"] = filters.window
    if filters.mentioning:
        clauses.append(f"EXISTS (SELECT 1 FROM {S}.date_mentions m WHERE m.article_row = a.row_id "
                       "AND m.first_day <= %(f_m_last)s AND m.last_day >= %(f_m_first)s)")
        params["f_m_first"], params["f_m_last"] = filters.mentioning
    return " AND ".join(clauses), params


def _meta(row: Sequence) -> dict:
    return dict(zip(META_FIELDS, row[:len(META_FIELDS)], strict=True)) | {"authors": list(row[5]),
                                                                          "extra": dict(row[13])}


def _ranked(hits) -> Hits:
    """Best first (a relaxed-order HNSW scan may return near-ties slightly out of order)."""
    return sorted(hits, key=lambda h: (-h[1], h[0]))
