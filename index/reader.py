"""``open_index``: the one way the query side reads what the build side wrote."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date
from pathlib import Path

import faiss
import numpy as np

from index.keywords import fts_query
from index.layout import live_version
from index.store import FORMAT_VERSION, MANIFEST, METADATA, SENTENCE_VECTORS, VECTORS, Manifest, connect
from index.types import Article, ArticleMeta, Filters, StoredChunk


class IndexUnavailable(RuntimeError):
    """No usable index at a path; the message names the file and what to do."""


class Index:
    """A read-only, thread-safe view of one published index version."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        manifest_path = directory / MANIFEST
        try:
            self.manifest = Manifest.read(directory)
        except FileNotFoundError:
            raise IndexUnavailable(f"{manifest_path} is missing: the index is incomplete; rebuild it") from None
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
            raise IndexUnavailable(f"{manifest_path} is unreadable ({exc}); rebuild the index") from None
        if self.manifest.format_version != FORMAT_VERSION:
            raise IndexUnavailable(
                f"{directory} was written in index format {self.manifest.format_version}; this version "
                f"reads format {FORMAT_VERSION}. Rebuild it with --full."
            )
        self.vectors = _read_vectors(directory / VECTORS, self.manifest.dimension)
        self.sentence_vectors = _read_vectors(directory / SENTENCE_VECTORS, self.manifest.dimension)
        self._local = threading.local()
        try:
            db = self._db()
            chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            sentences = db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailable(f"{directory / METADATA} is missing or corrupt ({exc}); rebuild the index") from None
        for what, stored, vectors, name, expected in (
            ("chunks", chunks, self.vectors, VECTORS, self.manifest.chunks),
            ("sentences", sentences, self.sentence_vectors, SENTENCE_VECTORS, self.manifest.sentences),
        ):
            if not stored == vectors.ntotal == expected:
                raise IndexUnavailable(
                    f"{directory} is inconsistent: {stored} {what} in {METADATA}, {vectors.ntotal} vectors in "
                    f"{name}, {expected} in {MANIFEST}; rebuild the index"
                )

    def check_model(self, model: str, dimension: int) -> None:
        """Refuse to serve vectors made by another model: similarities would be meaningless."""
        if self.manifest.model != model or self.manifest.dimension != dimension:
            raise IndexUnavailable(
                f"the index in {self.directory} was built with model {self.manifest.model!r} "
                f"({self.manifest.dimension} dimensions) but the configured model is {model!r} ({dimension}); "
                "rebuild it with --full or configure the model it was built with"
            )

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "db", None)
        if conn is None:
            path = self.directory / METADATA
            if not path.exists():
                raise sqlite3.DatabaseError("file not found")
            conn = self._local.db = connect(path, readonly=True)
        return conn

    # --- reading ---------------------------------------------------------------------------

    def article(self, article_id: str) -> Article | None:
        row = self._db().execute("SELECT * FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        return Article(**_meta_fields(row), body=row["body"])

    def chunks(self, ids: list[int]) -> list[StoredChunk]:
        """Chunks by FAISS id, in the order asked, with their articles' metadata."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._db().execute(
            f"""SELECT c.id, c.chunk_id, c.position, c.start, c."end", c.sentences,
                       substr(a.body, c.start + 1, c."end" - c.start) AS text,
                       a.article_id, a.path, a.content_sha, a.title, a.source, a.authors, a.reported_from,
                       a.published_date, a.updated_date, a.section, a.page, a.conflict, a.url, a.extra
                FROM chunks c JOIN articles a USING(article_id) WHERE c.id IN ({marks})""",
            [int(i) for i in ids],
        ).fetchall()
        by_id = {row["id"]: row for row in rows}
        out = []
        for i in ids:
            row = by_id.get(int(i))
            if row is None:
                continue
            out.append(StoredChunk(
                id=row["id"], chunk_id=row["chunk_id"], position=row["position"], start=row["start"],
                end=row["end"], text=row["text"],
                sentences=[tuple(s) for s in json.loads(row["sentences"])],
                article=ArticleMeta(**_meta_fields(row)),
            ))
        return out

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Top-k chunk ids by cosine similarity of whole chunks; filters restrict candidates before the cut."""
        return _search(self.vectors, vector, k, self._allowed("chunks", filters))

    def sentence_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Top-k chunk ids by their best-matching sentence: a question usually targets one sentence."""
        hits = _search(self.sentence_vectors, vector, k * 4, self._allowed("sentences", filters))
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        owner = dict(self._db().execute(f"SELECT id, chunk FROM sentences WHERE id IN ({marks})", [i for i, _ in hits]))
        best: dict[int, float] = {}
        for sentence_id, score in hits:  # best first, so the first score per chunk is its max
            best.setdefault(owner[sentence_id], score)
        return list(best.items())[:k]

    def sentence_vectors_for(self, article_id: str, starts: list[int]) -> dict[int, np.ndarray]:
        """Stored vectors of an article's sentences, by start offset (answers reuse them)."""
        if not starts:
            return {}
        marks = ",".join("?" * len(starts))
        rows = self._db().execute(f"SELECT id, start FROM sentences WHERE article_id = ? AND start IN ({marks})",
                                  [article_id, *starts]).fetchall()
        return {r["start"]: self.sentence_vectors.reconstruct(int(r["id"])) for r in rows}

    def _allowed(self, table: str, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        where, args = _filter_sql(filters)
        rows = self._db().execute(f"SELECT t.id FROM {table} t JOIN articles a USING(article_id) WHERE {where}", args)
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def keyword_search(self, text: str, k: int, filters: Filters | None = None,
                       title_weight: float = 1.0) -> list[tuple[int, float]]:
        """Top-k chunk ids by BM25 (higher is better) over chunk text and article title."""
        query = fts_query(text)
        if query is None or k <= 0:
            return []
        where, args = _filter_sql(filters)
        sql = f"""SELECT chunks_fts.rowid AS id, -bm25(chunks_fts, ?, 1.0) AS score
                  FROM chunks_fts
                  {"JOIN chunks c ON c.id = chunks_fts.rowid JOIN articles a USING(article_id)" if where else ""}
                  WHERE chunks_fts MATCH ? {"AND " + where if where else ""}
                  ORDER BY score DESC LIMIT ?"""
        rows = self._db().execute(sql, [title_weight, query, *args, k]).fetchall()
        return [(int(r["id"]), float(r["score"])) for r in rows]

    def document_frequencies(self, stems: list[str]) -> dict[str, int]:
        """How many chunks hold each (porter-stemmed) term: the IDF that BM25 itself uses."""
        if not stems:
            return {}
        rows = self._db().execute(
            f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(stems))})", stems)
        return {r["term"]: r["doc"] for r in rows}

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray:
        """Ids of the chunks whose articles pass the filters (all chunks for empty filters)."""
        allowed = self._allowed("chunks", filters)
        if allowed is None:
            return np.fromiter((r[0] for r in self._db().execute("SELECT id FROM chunks")), dtype=np.int64)
        return allowed

    def article_count(self) -> int:
        return self.manifest.articles

    def chunk_count(self) -> int:
        return self.manifest.chunks


def open_index(path: Path | str) -> Index:
    """Open the live version under an index folder (or a version folder itself)."""
    path = Path(path)
    if (path / MANIFEST).exists():
        return Index(path)
    version = live_version(path)
    if version is None:
        raise IndexUnavailable(
            f"no index in {path}; build one with `python scripts/build_index.py` (or `qa build`)"
        )
    return Index(version)


def _read_vectors(path: Path, dimension: int) -> faiss.Index:
    try:
        vectors = faiss.read_index(str(path))
    except RuntimeError as exc:
        raise IndexUnavailable(f"{path} is missing or corrupt ({_first_line(exc)}); rebuild the index") from None
    if vectors.d != dimension:
        raise IndexUnavailable(f"{path} has dimension {vectors.d}, but the manifest says {dimension}; rebuild the index")
    return vectors


def _search(vectors: faiss.Index, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
    """Inner-product top-k, restricted to ``allowed`` ids (before the cut) when given."""
    k = min(k, vectors.ntotal if allowed is None else allowed.size)
    if k <= 0:
        return []
    params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
    scores, ids = vectors.search(query, k, params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _meta_fields(row: sqlite3.Row) -> dict:
    return dict(
        article_id=row["article_id"], path=row["path"], content_sha=row["content_sha"], title=row["title"],
        source=row["source"], authors=json.loads(row["authors"]), reported_from=row["reported_from"],
        published_date=_date(row["published_date"]), updated_date=_date(row["updated_date"]),
        section=row["section"], page=row["page"], conflict=row["conflict"], url=row["url"],
        extra=json.loads(row["extra"]),
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _filter_sql(filters: Filters | None) -> tuple[str, list]:
    """SQL over ``articles a`` for the metadata filters (case-insensitive exact values)."""
    if filters is None or filters.is_empty():
        return "", []
    clauses, args = [], []
    for column in ("source", "section", "conflict"):
        values = getattr(filters, column)
        if values:
            clauses.append(f"a.{column} COLLATE NOCASE IN ({','.join('?' * len(values))})")
            args += values
    if filters.author:
        clauses.append(
            "EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = a.article_id "
            f"AND aa.name IN ({','.join('?' * len(filters.author))}))"
        )
        args += filters.author
    if filters.published_after:
        clauses.append("a.published_date >= ?")
        args.append(filters.published_after.isoformat())
    if filters.published_before:
        clauses.append("a.published_date <= ?")
        args.append(filters.published_before.isoformat())
    return " AND ".join(clauses), args


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
