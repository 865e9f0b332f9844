"""Writes one unpublished folder-store version in place: SQLite metadata, FTS5, vector indexes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.ann import VectorIndex, load_vector_index, new_vector_index
from index.stores.folder.schema import METADATA, SCHEMA, SENTENCE_VECTORS, VECTORS, connect
from index.stories import Fingerprint, same_story
from index.types import Article, Chunk, filter_key


class FolderWriter:
    def __init__(self, directory: Path, dimension: int, vector_kind: str) -> None:
        self.directory = directory
        self.db = connect(directory / METADATA)
        self.db.executescript(SCHEMA)
        self.vectors = _load_or_new(vector_kind, directory / VECTORS, dimension)
        self.sentence_vectors = _load_or_new(vector_kind, directory / SENTENCE_VECTORS, dimension)
        self._next_id = self.db.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM chunks").fetchone()[0]
        self._next_sentence = self.db.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM sentences").fetchone()[0]

    def known_articles(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, content_sha FROM articles"))

    def known_unusable(self) -> dict[str, tuple[str, str]]:
        return {path: (sha, reason) for path, sha, reason in self.db.execute("SELECT * FROM skipped")}

    def mark_unusable(self, key: str, content_sha: str, reason: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO skipped VALUES (?, ?, ?)", (key, content_sha, reason))

    def remove(self, keys: Sequence[str]) -> int:
        keys = list(keys)
        ids: list[int] = []
        sentence_ids: list[int] = []
        for batch in _batches(keys, 500):
            marks = ",".join("?" * len(batch))
            self.db.execute(f"DELETE FROM skipped WHERE path IN ({marks})", batch)
            of_paths = f"(SELECT article_id FROM articles WHERE path IN ({marks}))"
            ids += [r[0] for r in self.db.execute(f"SELECT id FROM chunks WHERE article_id IN {of_paths}", batch)]
            sentence_ids += [r[0] for r in self.db.execute(
                f"SELECT id FROM sentences WHERE article_id IN {of_paths}", batch)]
            for table in ("sentences", "article_authors", "chunks", "story_bands"):
                self.db.execute(f"DELETE FROM {table} WHERE article_id IN {of_paths}", batch)
            self.db.execute(f"DELETE FROM articles WHERE path IN ({marks})", batch)
        for batch in _batches(ids, 500):
            self.db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({','.join('?' * len(batch))})", batch)
        self.vectors.remove(np.asarray(ids, dtype=np.int64))
        self.sentence_vectors.remove(np.asarray(sentence_ids, dtype=np.int64))
        return len(ids)

    def story_for(self, fingerprint: Fingerprint) -> str | None:
        """The story of an already stored near-duplicate, found through shared LSH band keys."""
        marks = ",".join("?" * len(fingerprint.bands))
        rows = self.db.execute(
            f"""SELECT DISTINCT a.story_id, a.signature FROM story_bands b JOIN articles a USING(article_id)
                WHERE b.key IN ({marks})""", fingerprint.bands).fetchall()
        return same_story(fingerprint, [(r[0], np.frombuffer(r[1], dtype=np.uint64)) for r in rows])

    def add(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
            sentences: list[tuple[int, int, int]], sentence_vectors: np.ndarray,
            fingerprint: Fingerprint) -> str:
        story_id = self.story_for(fingerprint) or article.article_id
        self.db.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.article_id, article.path, article.content_sha, article.title, article.source,
                json.dumps(article.authors), article.reported_from,
                _iso(article.published_date), _iso(article.updated_date),
                article.section, article.page, article.conflict, article.url,
                json.dumps(article.extra), article.body,
                _key(article.source), _key(article.section), _key(article.conflict),
                _iso(article.effective_date), story_id, fingerprint.signature.tobytes(),
            ),
        )
        self.db.executemany("INSERT INTO story_bands VALUES (?, ?)",
                            [(key, article.article_id) for key in fingerprint.bands])
        self.db.executemany("INSERT INTO article_authors VALUES (?, ?, ?)",
                            [(article.article_id, name, filter_key(name)) for name in article.authors])
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._next_id += len(chunks)
        self.db.executemany(
            'INSERT INTO chunks (id, chunk_id, article_id, position, start, "end", sentences) VALUES (?,?,?,?,?,?,?)',
            [(int(i), c.chunk_id, c.article_id, c.position, c.start, c.end, json.dumps(c.sentences))
             for i, c in zip(ids, chunks)],
        )
        self.db.executemany("INSERT INTO chunks_fts (rowid, title, text) VALUES (?, ?, ?)",
                            [(int(i), article.title, c.text) for i, c in zip(ids, chunks)])
        self.vectors.add(ids, vectors)
        sentence_ids = np.arange(self._next_sentence, self._next_sentence + len(sentences), dtype=np.int64)
        self._next_sentence += len(sentences)
        self.db.executemany(
            'INSERT INTO sentences (id, chunk, article_id, start, "end", vector) VALUES (?,?,?,?,?,?)',
            [(int(sid), int(ids[pos]), article.article_id, start, end,
              np.asarray(vector, dtype=np.float32).tobytes())
             for sid, (pos, start, end), vector in zip(sentence_ids, sentences, sentence_vectors)],
        )
        self.sentence_vectors.add(sentence_ids, sentence_vectors)
        return story_id

    def counts(self) -> tuple[int, int, int]:
        return tuple(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("articles", "chunks", "sentences"))

    def abandon(self) -> None:
        self.db.close()

    def close(self) -> None:
        """Commit and flush everything to disk; the version is complete after this."""
        self.db.commit()
        self.db.execute("PRAGMA optimize")
        self.db.close()
        self.vectors.save(self.directory / VECTORS)
        self.sentence_vectors.save(self.directory / SENTENCE_VECTORS)


def _load_or_new(kind: str, path: Path, dimension: int) -> VectorIndex:
    return load_vector_index(kind, path, dimension) if path.exists() else new_vector_index(kind, dimension)


def _key(value: str | None) -> str | None:
    return filter_key(value) if value else None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
