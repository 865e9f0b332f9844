"""On-disk layout of one index version: ``manifest.json``, ``vectors.faiss``, ``meta.sqlite``.

Versions are immutable once published; builds write a new one (see ``index.build``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from index.keywords import FTS_TOKENIZER
from index.types import Article, Chunk

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
SENTENCE_VECTORS = "sentences.faiss"
METADATA = "meta.sqlite"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    content_sha TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT, authors TEXT NOT NULL, reported_from TEXT,
    published_date TEXT, updated_date TEXT,
    section TEXT, page TEXT, conflict TEXT, url TEXT,
    extra TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_date);
CREATE TABLE IF NOT EXISTS article_authors (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE
);
CREATE INDEX IF NOT EXISTS article_authors_name ON article_authors(name);
CREATE INDEX IF NOT EXISTS article_authors_article ON article_authors(article_id);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,              -- the FAISS id
    chunk_id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    sentences TEXT NOT NULL              -- JSON [[start, end], ...] in the article body
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,              -- the id in sentences.faiss
    chunk INTEGER NOT NULL,              -- the first chunk (FAISS id) that holds it
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_article ON sentences(article_id, start);
CREATE INDEX IF NOT EXISTS sentences_chunk ON sentences(chunk);
CREATE TABLE IF NOT EXISTS skipped (     -- records that read but hold no usable article
    path TEXT PRIMARY KEY,
    content_sha TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, text, tokenize='{FTS_TOKENIZER}');
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
"""


@dataclass
class Manifest:
    format_version: int
    model: str
    dimension: int
    chunking: dict
    articles: int
    chunks: int
    sentences: int
    corpus_dir: str
    corpus_fingerprint: str
    built_at: str
    build_seconds: float
    skipped: int = 0
    extra: dict = field(default_factory=dict)

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> "Manifest":
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.row_factory = sqlite3.Row
    return conn


def new_vector_index(dimension: int) -> faiss.Index:
    """Exact inner product over unit vectors (= cosine), addressable by id for removal."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


class StoreWriter:
    """Edits an unpublished version in place: the builder's only way to write an index."""

    def __init__(self, directory: Path, dimension: int) -> None:
        self.directory = directory
        self.db = connect(directory / METADATA)
        self.db.executescript(SCHEMA)
        self.vectors = _read_or_new(directory / VECTORS, dimension)
        self.sentence_vectors = _read_or_new(directory / SENTENCE_VECTORS, dimension)
        self._next_id = self.db.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM chunks").fetchone()[0]
        self._next_sentence = self.db.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM sentences").fetchone()[0]

    def known_articles(self) -> dict[str, str]:
        """path → content_sha of what this version already holds."""
        return dict(self.db.execute("SELECT path, content_sha FROM articles"))

    def known_unusable(self) -> dict[str, tuple[str, str]]:
        """path → (content_sha, reason) of records an earlier build found unusable."""
        return {path: (sha, reason) for path, sha, reason in self.db.execute("SELECT * FROM skipped")}

    def mark_unusable(self, path: str, content_sha: str, reason: str) -> None:
        """Remember an unusable record, so unchanged it is not parsed again nor counted as a change."""
        self.db.execute("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)", (path, content_sha, reason))

    def remove_paths(self, paths: list[str]) -> int:
        if not paths:
            return 0
        for batch in _batches(paths, 500):
            self.db.execute(f"DELETE FROM skipped WHERE path IN ({','.join('?' * len(batch))})", batch)
        ids: list[int] = []
        sentence_ids: list[int] = []
        for batch in _batches(paths, 500):
            marks = ",".join("?" * len(batch))
            ids += [r[0] for r in self.db.execute(
                f"SELECT c.id FROM chunks c JOIN articles a USING(article_id) WHERE a.path IN ({marks})", batch)]
            sentence_ids += [r[0] for r in self.db.execute(
                f"SELECT s.id FROM sentences s JOIN articles a USING(article_id) WHERE a.path IN ({marks})", batch)]
            self.db.execute(f"DELETE FROM sentences WHERE article_id IN "
                            f"(SELECT article_id FROM articles WHERE path IN ({marks}))", batch)
            self.db.execute(f"DELETE FROM article_authors WHERE article_id IN "
                            f"(SELECT article_id FROM articles WHERE path IN ({marks}))", batch)
            self.db.execute(f"DELETE FROM chunks WHERE article_id IN "
                            f"(SELECT article_id FROM articles WHERE path IN ({marks}))", batch)
            self.db.execute(f"DELETE FROM articles WHERE path IN ({marks})", batch)
        for batch in _batches(ids, 500):
            self.db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({','.join('?' * len(batch))})", batch)
        if ids:
            self.vectors.remove_ids(np.asarray(ids, dtype=np.int64))
        if sentence_ids:
            self.sentence_vectors.remove_ids(np.asarray(sentence_ids, dtype=np.int64))
        return len(ids)

    def add(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
            sentences: list[tuple[int, int, int]], sentence_vectors: np.ndarray) -> None:
        """Store an article with its chunks and its distinct sentences ``(chunk position, start, end)``."""
        self.db.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.article_id, article.path, article.content_sha, article.title, article.source,
                json.dumps(article.authors), article.reported_from,
                _iso(article.published_date), _iso(article.updated_date),
                article.section, article.page, article.conflict, article.url,
                json.dumps(article.extra), article.body,
            ),
        )
        self.db.executemany("INSERT INTO article_authors VALUES (?, ?)",
                            [(article.article_id, name) for name in article.authors])
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._next_id += len(chunks)
        self.db.executemany(
            'INSERT INTO chunks (id, chunk_id, article_id, position, start, "end", sentences) VALUES (?,?,?,?,?,?,?)',
            [(int(i), c.chunk_id, c.article_id, c.position, c.start, c.end, json.dumps(c.sentences))
             for i, c in zip(ids, chunks)],
        )
        self.db.executemany("INSERT INTO chunks_fts (rowid, title, text) VALUES (?, ?, ?)",
                            [(int(i), article.title, c.text) for i, c in zip(ids, chunks)])
        if len(chunks):
            self.vectors.add_with_ids(vectors, ids)
        sentence_ids = np.arange(self._next_sentence, self._next_sentence + len(sentences), dtype=np.int64)
        self._next_sentence += len(sentences)
        self.db.executemany(
            'INSERT INTO sentences (id, chunk, article_id, start, "end") VALUES (?,?,?,?,?)',
            [(int(sid), int(ids[pos]), article.article_id, start, end)
             for sid, (pos, start, end) in zip(sentence_ids, sentences)],
        )
        if len(sentences):
            self.sentence_vectors.add_with_ids(sentence_vectors, sentence_ids)

    def counts(self) -> tuple[int, int, int]:
        """Articles, chunks and sentences held."""
        return tuple(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("articles", "chunks", "sentences"))

    def abandon(self) -> None:
        self.db.close()

    def close(self) -> None:
        """Commit and flush everything to disk; the version is complete after this."""
        self.db.commit()
        self.db.execute("PRAGMA optimize")
        self.db.close()
        faiss.write_index(self.vectors, str(self.directory / VECTORS))
        faiss.write_index(self.sentence_vectors, str(self.directory / SENTENCE_VECTORS))


def _read_or_new(path: Path, dimension: int) -> faiss.Index:
    return faiss.read_index(str(path)) if path.exists() else new_vector_index(dimension)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
