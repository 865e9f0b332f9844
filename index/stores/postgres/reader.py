"""Reads one published version from PostgreSQL: every query is limited to that version's rows.

Filters are SQL ``WHERE`` clauses inside the vector and keyword queries, so they apply before the
cut to top-k (pgvector's iterative HNSW scan keeps going until enough rows pass). All values,
including user text, travel as bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date

import numpy as np
import psycopg

from index.dates import DateMention
from index.entities import ENTITY_KINDS, Entity, entity_key, entity_name
from index.keywords import stems
from index.stores.base import SENTENCE_DEPTH, Hits, IndexUnavailable
from index.stores.date_range import DateRange
from index.stores.postgres.connection import Database
from index.stores.postgres import queries
from index.stores.postgres.literals import parse_vector, query_stems, vector
from index.stores.postgres.memo import Memo
from index.stores.postgres.schema import SCHEMA, visible
from index.types import (
    Article, ArticleMeta, Facets, Filters, FormatMismatch, Manifest, SentenceHit, StoredChunk, filter_key,
)

S = SCHEMA
META = ("a.article_id, a.path, a.content_sha, a.title, a.source, a.authors, a.reported_from, a.published_date, "
        "a.updated_date, a.section, a.page, a.conflict, a.url, a.extra, a.story_id, a.revision, a.valid_from, "
        "a.valid_to, a.superseded")
META_FIELDS = ("article_id", "path", "content_sha", "title", "source", "authors", "reported_from", "published_date",
               "updated_date", "section", "page", "conflict", "url", "extra", "story_id", "revision", "valid_from",
               "valid_to", "superseded")
#: How much of a version the reader remembers (a version never changes; see memo.py): about a hundred
#: questions' passages, their sentences (1.5 KiB a vector) and candidates' dates.
MEMO_CHUNKS, MEMO_SENTENCES, MEMO_STORIES, MEMO_DATES, MEMO_STEMS = 4096, 16384, 4096, 65536, 16384


class PostgresReader:
    """A thread-safe view of one version; connections come from the store's pool per call."""

    def __init__(self, db: Database, version_id: int, name: str, floor: int, manifest: Manifest,
                 chunks: int, tokens: int) -> None:
        self.db = db
        self.version = name
        self.manifest = manifest
        self._scope = {"v": version_id, "floor": floor}
        self._bm25 = {"n": chunks, "avgdl": tokens / chunks if chunks else 1.0}
        # chunk id -> (chunk, the starts of the sentence vectors read with it, None when read without)
        self._chunks: Memo[tuple[StoredChunk, tuple[int, ...] | None]] = Memo(MEMO_CHUNKS)
        self._sentences: Memo[np.ndarray] = Memo(MEMO_SENTENCES)  # (article id, start) -> vector
        self._stories: Memo[list[ArticleMeta]] = Memo(MEMO_STORIES)
        self._dates: Memo[date | None] = Memo(MEMO_DATES)
        self._frequencies: Memo[int] = Memo(MEMO_STEMS)
        self._mentions: Memo[list[DateMention]] = Memo(MEMO_CHUNKS)  # chunk id -> dates its text mentions
        # One statement at open: whether this version holds superseded revisions (every read then picks each
        # article's revision, filter_sql; None keeps the plain reads, no join to articles, of an index without
        # any) and the dates it holds, so a date filter that excludes nothing is dropped (DateRange).
        revised, low, high, first, last, later = self._rows(
            f"""SELECT bool_or(a.superseded <= %(v)s), MIN(a.effective_date), MAX(a.effective_date),
                       MIN(a.published_date), MAX(a.published_date), MAX(a.valid_from) FILTER (WHERE a.revision > 1)
                FROM {S}.articles a WHERE {visible('a')}""")[0]
        self._revised = version_id if revised else None
        # A later revision's valid_from counts as a date: an as-of before it is no no-op.
        self._range = DateRange.of(low, high, first, last, later)

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
        """Results in binary: a passage's sentence vectors arrive as their bytes (hex text was twice the size,
        and decoding it cost more than the statement)."""
        with self.db.connection() as conn:
            return _statement(statement, {**self._scope, **params})(conn)

    def _filter_sql(self, filters: Filters | None) -> tuple[str, dict]:
        """``filter_sql`` of this version, without the date conditions that exclude nothing here: every question
        carries an as-of date (today by default), and kept, it would join articles into every vector scan."""
        return filter_sql(None if filters is None else self._range.without_noops(filters), self._revised)

    # --- records -----------------------------------------------------------------------------

    def article(self, article_id: str, revision: int | None = None) -> Article | None:
        which = "a.revision = %(rev)s" if revision is not None else _LATEST
        rows = self._rows(f"""SELECT {META}, a.body FROM {S}.articles a WHERE a.article_id = %(id)s AND {visible('a')}
                              AND {which}""", id=article_id, rev=revision)
        return Article(**self._meta(rows[0]), body=rows[0][len(META_FIELDS)]) if rows else None

    def revisions(self, article_id: str) -> list[ArticleMeta]:
        rows = self._rows(f"""SELECT {META} FROM {S}.articles a WHERE a.article_id = %(id)s AND {visible('a')}
                              ORDER BY a.revision""", id=article_id)
        return [ArticleMeta(**self._meta(r)) for r in rows]

    def _meta(self, row: Sequence) -> dict:
        """An article row's fields; its valid_to only once this version holds the revision that superseded it."""
        fields = _meta(row)
        superseded = fields.pop("superseded")
        if superseded is None or superseded > self._scope["v"]:
            fields["valid_to"] = None
        return fields

    def chunks(self, ids: Sequence[int]) -> list[StoredChunk]:
        """One statement brings the chunks not yet held, with their sentence vectors and story members
        (what the answer and its citations read next). A chunk held without its vectors (read by
        ``chunks_without_vectors``, or its vectors since forgotten) is read again with them."""
        return self._chunks_of(ids, vectors=True)

    def chunks_without_vectors(self, ids: Sequence[int]) -> list[StoredChunk]:
        """``chunks`` without reading their sentence vectors (a search's whole candidate pool: a page of
        results shows a few of them). At 10,000 articles the vectors of a 145-passage pool were a third of
        the statement's time, and decoding them as much again."""
        return self._chunks_of(ids, vectors=False)

    def _chunks_of(self, ids: Sequence[int], vectors: bool) -> list[StoredChunk]:
        if not len(ids):
            return []
        entries, missing = self._chunks.get_many(int(i) for i in ids)
        held = {}
        for cid, (chunk, starts) in entries.items():
            if vectors and (starts is None or not self._holds_vectors(chunk.article, starts)):
                missing.append(cid)
            else:
                held[cid] = chunk
        if missing:
            held |= self._fetch_passages(missing, vectors)
        return [held[int(i)] for i in ids if int(i) in held]

    def _holds_vectors(self, article: ArticleMeta, starts: tuple[int, ...]) -> bool:
        """Whether every sentence vector the chunk's statement brought is still remembered (the sentence
        memo forgets on its own: without this check a remembered chunk cost a lookup per article)."""
        _, absent = self._sentences.get_many((article.article_id, article.revision, s) for s in starts)
        return not absent

    def _fetch_passages(self, ids: list[int], vectors: bool = True) -> dict[int, StoredChunk]:
        fetched: dict[int, StoredChunk] = {}
        entries, vectors_, stories = [], [], {}
        mentions = []
        articles: dict[int, ArticleMeta] = {}  # the chunks' articles by row: members of their stories too
        for r in self._rows(queries.passages(list(META_FIELDS), vectors), ids=ids):
            if r[0] == "member":
                meta = ArticleMeta(**self._meta(r[15:]))
                stories.setdefault(meta.story_id, []).append(meta)
                continue
            meta = articles.get(r[14]) or articles.setdefault(r[14], ArticleMeta(**self._meta(r[15:])))
            chunk = StoredChunk(id=r[1], chunk_id=r[2], position=r[3], start=r[4], end=r[5], text=r[7],
                                sentences=[tuple(x) for x in r[6]], article=meta)
            fetched[r[1]] = chunk
            starts = tuple(r[8] or ()) if vectors else None
            entries.append((r[1], (chunk, starts)))
            if starts:
                vectors_ += [((meta.article_id, meta.revision, start), v)
                             for start, v in zip(starts, _binary_vectors(r[9], len(starts)))]
            mentions.append((r[1], [DateMention(*m) for m in zip(r[10] or (), r[11] or (), r[12] or (), r[13] or ())]))
        for meta in articles.values():
            if meta.story_id is not None:  # an article of no story is no member (the SQL matches no NULL either)
                stories.setdefault(meta.story_id, []).append(meta)
        self._sentences.put_many(vectors_)
        self._chunks.put_many(entries)
        self._mentions.put_many(mentions)
        self._stories.put_many((story, _oldest_first(members)) for story, members in stories.items())
        return fetched

    def sentence_vectors(self, article_id: str, starts: Sequence[int],
                         revision: int | None = None) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        held, missing = self._sentences.get_many((article_id, revision, int(s)) for s in starts)
        out = {start: v for (_, _, start), v in held.items()}
        if missing:
            which = "a.revision = %(rev)s" if revision is not None else _LATEST
            rows = self._rows(
                f"""SELECT s.start, s.embedding::text FROM {S}.sentences s JOIN {S}.articles a ON a.row_id = s.article_row
                    WHERE a.article_id = %(id)s AND {visible('a')} AND {which} AND s.start = ANY(%(starts)s)""",
                id=article_id, rev=revision, starts=[start for _, _, start in missing])
            fetched = {start: parse_vector(text) for start, text in rows}
            self._sentences.put_many(((article_id, revision, start), v) for start, v in fetched.items())
            out |= fetched
        return out

    def story_members(self, story_ids: Sequence[str], as_of: date | None = None) -> dict[str, list[ArticleMeta]]:
        """Every member is remembered; ``as_of`` is applied here, by the rule filters follow (undated pass)."""
        if not story_ids:
            return {}
        out, missing = self._stories.get_many(sorted(set(story_ids)))
        if missing:
            rows = self._rows(
                f"""SELECT {META} FROM {S}.articles a WHERE a.story_id = ANY(%(ids)s) AND {visible('a')}
                    ORDER BY a.published_date IS NULL, a.published_date, a.article_id""", ids=missing)
            fetched: dict[str, list[ArticleMeta]] = {}
            for r in rows:
                meta = ArticleMeta(**self._meta(r))
                fetched.setdefault(meta.story_id, []).append(meta)
            self._stories.put_many(fetched.items())
            out |= fetched
        out = {story: [m for m in members if m.current_at(as_of)] for story, members in out.items()}
        if as_of is None:
            return {story: members for story, members in out.items() if members}
        cited = {story: [m for m in members if m.effective_date is None or m.effective_date <= as_of]
                 for story, members in out.items()}
        return {story: members for story, members in cited.items() if members}

    def chunk_dates(self, ids: Sequence[int]) -> dict[int, date | None]:
        if not len(ids):
            return {}
        out, missing = self._dates.get_many(int(i) for i in ids)
        if missing:
            fetched = dict(self._rows(
                f"""SELECT c.id, a.effective_date FROM {S}.chunks c JOIN {S}.articles a ON a.row_id = c.article_row
                    WHERE c.id = ANY(%(ids)s) AND {visible('c')}""", ids=missing))
            self._dates.put_many(fetched.items())
            out |= fetched
        return out

    def date_mentions(self, ids: Sequence[int]) -> dict[int, list[DateMention]]:
        """The dates each chunk's text mentions, in text order (chunks mentioning none are left out)."""
        if not len(ids):
            return {}
        held, missing = self._mentions.get_many(int(i) for i in ids)
        out = {cid: found for cid, found in held.items() if found}
        if not missing:
            return out
        rows = self._rows(
            f"""SELECT c.id, m.start, m."end", m.first_day, m.last_day FROM {S}.chunks c
                JOIN {S}.date_mentions m ON m.article_row = c.article_row AND m.start >= c.start AND m."end" <= c."end"
                WHERE c.id = ANY(%(ids)s) AND {visible('c')} ORDER BY c.id, m.start""", ids=missing)
        for cid, start, end, first, last in rows:
            out.setdefault(cid, []).append(DateMention(start, end, first, last))
        return out

    def chunks_mentioning(self, first: date, last: date, filters: Filters | None = None) -> list[int]:
        """Ids of the chunks whose text mentions a day from ``first`` to ``last``, among those ``filters`` pass."""
        where, params = self._filter_sql(filters)
        rows = self._rows(
            f"""SELECT DISTINCT c.id FROM {S}.date_mentions m JOIN {S}.chunks c
                    ON c.article_row = m.article_row AND m.start >= c.start AND m."end" <= c."end"
                JOIN {S}.articles a ON a.row_id = c.article_row
                WHERE m.first_day <= %(m_last)s AND m.last_day >= %(m_first)s AND {visible('c')}
                {"AND " + where if where else ""} ORDER BY c.id""", m_first=first, m_last=last, **params)
        return [r[0] for r in rows]

    def entities(self, article_ids: Sequence[str],
                 revisions: Mapping[str, int] | None = None) -> dict[str, list[Entity]]:
        """Each article's people, organisations and places in text order (articles naming none are left out),
        of its latest revision or the one ``revisions`` names. A version built without the recogniser has
        none, and is not asked (a question stays within its three statements)."""
        if not len(article_ids) or self.manifest.entities is None:
            return {}
        rows = self._rows(
            f"""SELECT a.article_id, e.start, e."end", e.kind, e.text, a.revision, a.superseded FROM {S}.entities e
                JOIN {S}.articles a ON a.row_id = e.article_row
                WHERE a.article_id = ANY(%(ids)s) AND {visible('a')} ORDER BY a.article_id, e.start""",
            ids=sorted(set(article_ids)))
        out: dict[str, list[Entity]] = {}
        revisions = revisions or {}
        for article_id, start, end, kind, text, revision, superseded in rows:
            wanted = revisions.get(article_id)
            if (revision == wanted) if wanted is not None else (superseded is None or superseded > self._scope["v"]):
                out.setdefault(article_id, []).append(Entity(start, end, kind, text))
        return out

    # --- search ------------------------------------------------------------------------------

    def dense_search(self, vector_: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        rows = self._nearest("chunks", "t.id", vector_, k, filters)
        return _ranked((int(r[0]), float(r[1])) for r in rows)

    def sentence_search(self, vector_: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        rows = self._nearest("sentences", "t.chunk", vector_, k * SENTENCE_DEPTH, filters)
        return _best_per_chunk([(int(r[0]), float(r[1])) for r in rows], k)

    def similar_sentences(self, vector_: np.ndarray, k: int, filters: Filters | None = None) -> list[SentenceHit]:
        return self.similar_sentences_many(np.asarray(vector_)[None, :], k, filters)[0]

    def similar_sentences_many(self, vectors: np.ndarray, k: int,
                               filters: Filters | None = None) -> list[list[SentenceHit]]:
        """One statement: a LATERAL nearest-sentence scan per vector."""
        if not len(vectors) or k <= 0:
            return [[] for _ in vectors]
        where, params = self._filter_sql(filters)
        # The text and metadata are read after the cut to k: read before it, the planner may detoast every
        # candidate's body (60 ms a quote at 300 articles when it scans rather than walks the graph).
        rows = self._rows(
            f"""SELECT x.n, x.start, x."end", substr(a.body, x.start + 1, x."end" - x.start), {META}, x.score
                FROM unnest(%(qs)s::vector[]) WITH ORDINALITY AS q(v, n) CROSS JOIN LATERAL (
                    SELECT q.n, t.start, t."end", t.article_row, 1 - (t.embedding <=> q.v) AS score
                    FROM {S}.sentences t {f"JOIN {S}.articles a ON a.row_id = t.article_row" if where else ""}
                    WHERE {visible('t')} {"AND " + where if where else ""}
                    ORDER BY t.embedding <=> q.v LIMIT %(k)s) x
                JOIN {S}.articles a ON a.row_id = x.article_row""",
            qs=[vector(v) for v in vectors], k=int(k), **params)
        out: list[list[SentenceHit]] = [[] for _ in vectors]
        for r in rows:
            out[r[0] - 1].append(SentenceHit(article=ArticleMeta(**self._meta(r[4:])), start=r[1], end=r[2], text=r[3],
                                             score=float(r[-1])))
        return [sorted(hits, key=lambda h: -h.score) for hits in out]

    def _nearest(self, table: str, columns: str, vector_: np.ndarray, k: int, filters: Filters | None,
                 join: bool = False) -> list[tuple]:
        if k <= 0:
            return []
        where, params = self._filter_sql(filters)
        return self._rows(queries.nearest(table, columns, where, join), q=vector(vector_), k=int(k), **params)

    def hybrid_search(self, text: str, vector_: np.ndarray, k: int, filters: Filters | None = None,
                      title_weight: float = 1.0, kinds: Sequence[str] = queries.KINDS) -> dict[str, Hits]:
        """The dense, sentence and keyword searches (each as its own method would rank): the vector scans in
        one statement and the keyword scan in another, sent at once on two connections (the server runs
        them side by side: 8.4 instead of 12.5 ms at 10,000 articles); the hits' dates and the question's
        stem frequencies are remembered for recency and the answerer."""
        terms = query_stems(text) if "keyword" in kinds else []
        asked = tuple(kind for kind in queries.KINDS if kind in kinds and (kind != "keyword" or terms))
        out: dict[str, Hits] = {kind: [] for kind in kinds}
        if k <= 0 or not asked:
            return out
        where, params = self._filter_sql(filters)
        params = {**self._scope, "q": vector(vector_), "k": int(k), "k_sentences": int(k) * SENTENCE_DEPTH,
                  "terms": terms, "title_weight": float(title_weight), **self._bm25, **params}
        vectors_ = tuple(kind for kind in asked if kind != "keyword")
        if vectors_ and "keyword" in asked:
            near, words = self.db.at_once(_statement(queries.hybrid(vectors_, where), params),
                                          _statement(queries.hybrid(("keyword",), where), params))
            rows = near + words
        else:
            rows = self._rows(queries.hybrid(asked, where), **params)
        found: dict[str, list[tuple[int, float]]] = {kind: [] for kind in asked}
        frequencies: dict[str, int] = {}
        for kind, chunk, score, day, stem in rows:
            if kind == "df":
                frequencies[stem] = int(score)
            else:
                found[kind].append((int(chunk), float(score)))
        self._dates.put_many((int(chunk), day) for kind, chunk, _, day, _ in rows if kind != "df")
        self._frequencies.put_many((stem, frequencies.get(stem, 0)) for stem in terms)
        if "dense" in asked:
            out["dense"] = _ranked(found["dense"])
        if "sentence" in asked:
            out["sentence"] = _best_per_chunk(found["sentence"], k)
        if "keyword" in asked:
            out["keyword"] = sorted(found["keyword"], key=lambda h: (-h[1], h[0]))
        return out

    def keyword_search(self, text: str, k: int, filters: Filters | None = None, title_weight: float = 1.0) -> Hits:
        """BM25 over the postings of the query's stems (FTS5's formula: IDF floored at 1e-6, title weighted)."""
        terms = query_stems(text)
        if not terms or k <= 0:
            return []
        where, params = self._filter_sql(filters)
        rows = self._rows(f"WITH {queries.keyword(where)} SELECT chunk, score FROM keyword ORDER BY score DESC, chunk",
                          terms=terms, k=int(k), title_weight=float(title_weight), **self._bm25, **params)
        return [(int(i), float(s)) for i, s in rows]

    # --- statistics --------------------------------------------------------------------------

    def stems(self, text: str) -> list[str]:
        return stems(text)

    def document_frequencies(self, stems_: Sequence[str]) -> dict[str, int]:
        if not stems_:
            return {}
        held, missing = self._frequencies.get_many(stems_)
        if missing:
            rows = self._rows(
                f"""SELECT p.stem, count(*) FROM {S}.postings p
                    WHERE p.stem = ANY(%(stems)s) AND {visible('p')} GROUP BY p.stem""", stems=list(missing))
            fetched = {stem: int(n) for stem, n in rows}
            self._frequencies.put_many((stem, fetched.get(stem, 0)) for stem in missing)
            held |= {stem: n for stem, n in fetched.items()}
        return {stem: n for stem, n in held.items() if n}

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray:
        where, params = self._filter_sql(filters)
        rows = self._rows(
            f"""SELECT c.id FROM {S}.chunks c {f"JOIN {S}.articles a ON a.row_id = c.article_row" if where else ""}
                WHERE {visible('c')} {"AND " + where if where else ""} ORDER BY c.id""", **params)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def facets(self, limit: int = 100) -> Facets:
        def counts(query: str) -> list[tuple[str, int]]:
            return [(name, n) for name, n in self._rows(query, limit=limit)]

        per_column = {
            column: counts(f"""SELECT MAX(a.{column}), COUNT(*) AS n FROM {S}.articles a
                               WHERE a.{column}_key IS NOT NULL AND {visible('a')} AND {_LATEST}
                               GROUP BY a.{column}_key ORDER BY n DESC, MAX(a.{column}) LIMIT %(limit)s""")
            for column in ("source", "section", "conflict")
        }
        authors = counts(f"""SELECT MAX(t.name), COUNT(DISTINCT a.row_id) AS n
                             FROM {S}.articles a, unnest(a.authors, a.author_keys) AS t(name, key)
                             WHERE {visible('a')} AND {_LATEST}
                             GROUP BY t.key ORDER BY n DESC, MAX(t.name) LIMIT %(limit)s""")
        low, high = self._rows(f"SELECT MIN(a.published_date), MAX(a.published_date) FROM {S}.articles a "
                               f"WHERE {visible('a')}")[0]
        entities = {kind: [(entity_name(name), n) for name, n in counts(f"""SELECT MAX(e.text), COUNT(DISTINCT a.row_id) AS n FROM {S}.entities e
                                     JOIN {S}.articles a ON a.row_id = e.article_row
                                     WHERE e.kind = '{kind}' AND {visible('a')} AND {_LATEST}
                                     GROUP BY e.key ORDER BY n DESC, MAX(e.text) LIMIT %(limit)s""")]
                    for kind in ENTITY_KINDS}
        return Facets(author=authors, published_min=low, published_max=high, entities=entities, **per_column)

    def article_count(self) -> int:
        return self.manifest.articles

    def chunk_count(self) -> int:
        return self.manifest.chunks

    def any_sentence(self) -> tuple[int, np.ndarray] | None:
        rows = self._rows(f"""SELECT t.chunk, t.embedding::text FROM {S}.sentences t JOIN {S}.articles a
                               ON a.row_id = t.article_row WHERE {visible('t')} AND {_LATEST} LIMIT 1""")
        return (rows[0][0], parse_vector(rows[0][1])) if rows else None


def manifest_of(data) -> Manifest:
    """The manifest stored with a version, or ``IndexUnavailable`` saying to rebuild."""
    try:
        return Manifest.from_json(json.dumps(data))
    except FormatMismatch as exc:
        raise IndexUnavailable(f"the index was {exc}. Rebuild it with --full.") from None
    except (ValueError, TypeError) as exc:
        raise IndexUnavailable(f"the stored manifest is unreadable ({exc}); rebuild the index") from None


#: The revision of an article version ``%(v)s`` sees as the latest.
_LATEST = "(a.superseded IS NULL OR a.superseded > %(v)s)"


def filter_sql(filters: Filters | None, revised: int | None = None) -> tuple[str, dict]:
    """SQL over ``articles a`` for the metadata filters (normalised, case-folded exact values), and its parameters.

    ``revised``: the reader's version when it holds superseded revisions: each article then passes in one
    revision only, the latest, or with ``as_of`` the one current then (``ArticleMeta.current_at``)."""
    clauses, params = [], {}
    if revised is not None:
        if filters is not None and filters.as_of:
            clauses.append("(a.superseded IS NULL OR a.superseded > %(v)s OR a.valid_to > %(f_as_of)s) "
                           "AND (a.revision = 1 OR a.valid_from <= %(f_as_of)s)")
            params["f_as_of"] = filters.as_of
        else:
            clauses.append(_LATEST)
    if filters is None or filters.is_empty():
        return " AND ".join(clauses), params
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
    for i, name in enumerate(dict.fromkeys(entity_key(v) for v in filters.entity)):  # each must be mentioned
        clauses.append(f"EXISTS (SELECT 1 FROM {S}.entities e WHERE e.article_row = a.row_id AND e.key = %(f_e{i})s)")
        params[f"f_e{i}"] = name
    return " AND ".join(clauses), params


def _meta(row: Sequence) -> dict:
    return dict(zip(META_FIELDS, row[:len(META_FIELDS)], strict=True)) | {"authors": list(row[5]),
                                                                          "extra": dict(row[13])}


def _best_per_chunk(sentence_hits: list[tuple[int, float]], k: int) -> Hits:
    """Chunks by their best sentence's score (best first, so the first score per chunk is its max)."""
    best: dict[int, float] = {}
    for chunk, score in _ranked(sentence_hits):
        best.setdefault(chunk, score)
    return list(best.items())[:k]


def _statement(statement: str, params: dict) -> Callable[[psycopg.Connection], list[tuple]]:
    """The statement, to run on a connection given later: its rows, in binary."""
    return lambda conn: conn.execute(statement, params, binary=True).fetchall()


def _binary_vectors(data: bytes, n: int) -> np.ndarray:
    """``n`` vectors in pgvector's binary form (``vector_send``: the dimension and a reserved int16, then
    big-endian float4s) one after another: each vector's 4-byte header is one float4 wide."""
    return np.frombuffer(data, dtype=">f4").reshape(n, -1)[:, 1:].astype(np.float32)


def _oldest_first(members: list[ArticleMeta]) -> list[ArticleMeta]:
    return sorted(members, key=lambda m: (m.published_date is None, m.published_date or date.min, m.article_id))


def _ranked(hits) -> Hits:
    """Best first (a relaxed-order HNSW scan may return near-ties slightly out of order)."""
    return sorted(hits, key=lambda h: (-h[1], h[0]))
