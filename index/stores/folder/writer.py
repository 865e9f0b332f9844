"""Writes one generation of a folder-store version: SQLite metadata and FTS5 rows, vector segments."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from index.ann import load_vector_index, new_vector_index
from index.stores.base import IndexUnavailable
from index.stores.folder.keyword_index import KeywordWriter
from index.stores.folder.schema import METADATA, SCHEMA, SENTENCE_VECTORS, VECTORS, State, connect
from index.stores.folder.segments import Segment, add_segment, save_segment
from index.dates import DateMention
from index.entities import Entity, entity_key
from index.stories import Fingerprint, same_story
from index.types import Article, Chunk, Manifest, filter_key, revision_valid_from


class FolderWriter:
    """Writes one generation of a folder-store version inside a single SQLite transaction.

    A full build fills a new, unpublished version folder. An incremental build writes into the live
    version's folder in place: its rows go into the live database in one transaction that readers
    (each on its own WAL snapshot) see only once it commits, and its vectors go into new segment files
    (segments.py). So an update writes what changed, not a copy of the archive, and a build that dies
    before the commit leaves nothing behind that a reader could see.
    """

    def __init__(self, directory: Path, dimension: int, vector_kind: str, in_place: bool) -> None:
        self.directory = directory
        self.dimension = dimension
        self.vector_kind = vector_kind
        self.in_place = in_place
        self.db = connect(directory / METADATA)
        self.db.execute("PRAGMA journal_size_limit = 67108864")  # a WAL restarted after a big build shrinks back
        if not in_place:
            self.db.execute("PRAGMA journal_mode = DELETE")  # switched to WAL once complete
            self.db.executescript(SCHEMA)
        self.db.execute("BEGIN IMMEDIATE")
        self.previous = State.read(self.db) if in_place else State(generation=-1)
        self.generation = self.previous.generation + 1
        self._next_id = self.previous.next_chunk
        self._next_sentence = self.previous.next_sentence
        self.vectors = new_vector_index(vector_kind, dimension)  # this generation's adds only
        self.sentence_vectors = new_vector_index(vector_kind, dimension)
        # Versions written before answers read sentence vectors from the segments have a NOT NULL
        # float32 column for them; rows added to such a version leave it empty.
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(sentences)")}
        self._insert_sentence = ('INSERT INTO sentences (id, chunk, article_id, start, "end", vector) '
                                 "VALUES (?,?,?,?,?,x'')" if "vector" in columns else
                                 'INSERT INTO sentences (id, chunk, article_id, start, "end") VALUES (?,?,?,?,?)')
        self.keywords = KeywordWriter(directory)
        if in_place and not self.keywords.new:
            self.keywords.delete_from(self._next_id)  # chunks a build that died after its keyword commit left
        elif in_place:  # a version written before the keyword index: index what it holds once
            for chunk_id, title, text in self.db.execute("SELECT rowid, title, text FROM chunks_fts"):
                self.keywords.add([chunk_id], title, [text])
        self.state: State | None = None
        self._row_keys: dict[str, str] = {}  # article id -> row of the revision this build added
        self.written: list[str] = []
        self.committed = False

    def known_articles(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, content_sha FROM articles WHERE superseded IS NULL"))

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
            for table in ("sentences", "article_authors", "chunks", "story_bands", "date_mentions", "entities"):
                self.db.execute(f"DELETE FROM {table} WHERE article_id IN {of_paths}", batch)
            self.db.execute(f"DELETE FROM articles WHERE path IN ({marks})", batch)
        for batch in _batches(ids, 500):
            self.db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({','.join('?' * len(batch))})", batch)
        self.keywords.delete(ids)
        # Their vectors stay in published segment files, hidden by id until a merge drops them.
        self.db.executemany("INSERT OR IGNORE INTO removed_vectors VALUES ('chunks', ?)", ((i,) for i in ids))
        self.db.executemany("INSERT OR IGNORE INTO removed_vectors VALUES ('sentences', ?)",
                            ((i,) for i in sentence_ids))
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
        row_key, revision, valid_from = self._new_revision(article)
        self.db.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                row_key, article.path, article.content_sha, article.title, article.source,
                json.dumps(article.authors), article.reported_from,
                _iso(article.published_date), _iso(article.updated_date),
                article.section, article.page, article.conflict, article.url,
                json.dumps(article.extra), article.body,
                _key(article.source), _key(article.section), _key(article.conflict),
                _iso(article.effective_date), story_id, fingerprint.signature.tobytes(),
                article.article_id, revision, valid_from.isoformat(), None, None,
            ),
        )
        self.db.executemany("INSERT INTO story_bands VALUES (?, ?)",
                            [(key, row_key) for key in fingerprint.bands])
        self.db.executemany("INSERT INTO article_authors VALUES (?, ?, ?)",
                            [(row_key, name, filter_key(name)) for name in article.authors])
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._next_id += len(chunks)
        self.db.executemany(
            'INSERT INTO chunks (id, chunk_id, article_id, position, start, "end", sentences) VALUES (?,?,?,?,?,?,?)',
            [(int(i), c.chunk_id, row_key, c.position, c.start, c.end, json.dumps(c.sentences))
             for i, c in zip(ids, chunks)],
        )
        self.db.executemany("INSERT INTO chunks_fts (rowid, title, text) VALUES (?, ?, ?)",
                            [(int(i), article.title, c.text) for i, c in zip(ids, chunks)])
        self.keywords.add(ids, article.title, [c.text for c in chunks])
        self.vectors.add(ids, vectors)
        sentence_ids = np.arange(self._next_sentence, self._next_sentence + len(sentences), dtype=np.int64)
        self._next_sentence += len(sentences)
        self.db.executemany(
            self._insert_sentence,
            [(int(sid), int(ids[pos]), row_key, start, end) for sid, (pos, start, end) in
             zip(sentence_ids, sentences)],
        )
        self.sentence_vectors.add(sentence_ids, sentence_vectors)
        return story_id

    def _new_revision(self, article: Article) -> tuple[str, int, date]:
        """The row key, revision number and valid_from of the article about to be added; a held latest
        revision is marked superseded by this generation (its rows, text and chunks stay as they are)."""
        held = self.db.execute("SELECT article_id, revision, valid_from FROM articles "
                               "WHERE article = ? AND superseded IS NULL", (article.article_id,)).fetchone()
        if held is None:
            return article.article_id, 1, revision_valid_from(article, None, _today())
        revision = held["revision"] + 1
        valid_from = revision_valid_from(article, date.fromisoformat(held["valid_from"]), _today())
        self.db.execute("UPDATE articles SET superseded = ?, valid_to = ? WHERE article_id = ?",
                        (self.generation, valid_from.isoformat(), held["article_id"]))
        row_key = f"{article.article_id}@{revision}"
        self._row_keys[article.article_id] = row_key
        return row_key, revision, valid_from

    def add_date_mentions(self, article_id: str, mentions: Sequence[DateMention]) -> None:
        """The dates an added article's body mentions (removed with the article)."""
        row_key = self._row_keys.get(article_id, article_id)  # the revision just added
        self.db.executemany('INSERT INTO date_mentions (article_id, start, "end", first_day, last_day) '
                            "VALUES (?,?,?,?,?)",
                            [(row_key, m.start, m.end, m.first.isoformat(), m.last.isoformat()) for m in mentions])

    def add_entities(self, article_id: str, entities: Sequence[Entity]) -> None:
        """The people, organisations and places an added article's body names (removed with the article)."""
        row_key = self._row_keys.get(article_id, article_id)  # the revision just added
        self.db.executemany('INSERT INTO entities (article_id, start, "end", kind, text, key) VALUES (?,?,?,?,?,?)',
                            [(row_key, e.start, e.end, e.kind, e.text, entity_key(e.text)) for e in entities])

    def counts(self) -> tuple[int, int, int]:
        return tuple(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # articles: latest revisions
                     for table in ("articles WHERE superseded IS NULL", "chunks", "sentences"))

    def finish(self, manifest: Manifest) -> State:
        """Write this generation's vector segments (merging as segments.py says) and stage its state.

        Nothing is visible to readers until ``commit``.
        """
        segments = {}
        retired = list(self.previous.retired) if self.in_place else []
        for kind, stem, new, lo, hi, published in (
            ("chunks", VECTORS, self.vectors, self.previous.next_chunk, self._next_id,
             self.previous.chunk_segments),
            ("sentences", SENTENCE_VECTORS, self.sentence_vectors, self.previous.next_sentence,
             self._next_sentence, self.previous.sentence_segments),
        ):
            removed = np.fromiter((r[0] for r in self.db.execute(
                "SELECT id FROM removed_vectors WHERE kind = ? ORDER BY id", (kind,))), dtype=np.int64)
            if not self.in_place:  # a full build's single segment keeps the plain file name
                segments[kind] = [Segment(stem, lo, hi, len(new), save_segment(new, self.directory / stem))]
                self.written.append(stem)
                continue
            # Segments written before sizes were kept were loaded whole when this build checked the live
            # version (FolderStore.live_manifest): record their sizes, so later builds need not load them.
            published = [s if s.bytes is not None else replace(s, bytes=(self.directory / s.file).stat().st_size)
                         for s in published]
            change = add_segment(self.directory, self.vector_kind, self.dimension, Path(stem).stem,
                                 self.generation, published, new, lo, hi, removed)
            self.written += change.written
            segments[kind] = change.segments
            retired += [(self.generation, f) for f in change.retired]
            for lo_, hi_ in change.rewritten_ranges:
                self.db.execute("DELETE FROM removed_vectors WHERE kind = ? AND id >= ? AND id < ?",
                                (kind, lo_, hi_))
        self.state = State(
            generation=self.generation, next_chunk=self._next_id, next_sentence=self._next_sentence,
            chunk_segments=segments["chunks"], sentence_segments=segments["sentences"],
            retired=retired, manifest=manifest.to_json(),
        )
        self.state.write(self.db)
        return self.state

    def check(self) -> None:
        """Before the commit: the rows, the segments and the manifest agree, and the newest vectors are
        found again (only this generation's files are read: the rest were checked when published)."""
        state = self.state
        manifest = Manifest.from_json(state.manifest)
        for kind, segments, expected in (("chunks", state.chunk_segments, manifest.chunks),
                                         ("sentences", state.sentence_segments, manifest.sentences)):
            rows = self.db.execute(f"SELECT COUNT(*) FROM {kind}").fetchone()[0]
            hidden = self.db.execute("SELECT COUNT(*) FROM removed_vectors WHERE kind = ?", (kind,)).fetchone()[0]
            vectors = sum(s.vectors for s in segments) - hidden
            if not rows == vectors == expected:
                raise IndexUnavailable(f"verification failed in {self.directory}: {rows} {kind} stored, "
                                       f"{vectors} vectors in segments, {expected} in the manifest")
        newest = [s for s in state.sentence_segments if s.file in self.written]
        if newest:
            row = self.db.execute("SELECT id FROM sentences WHERE id >= ? AND id < ? LIMIT 1",
                                  (newest[-1].lo, newest[-1].hi)).fetchone()
            index = load_vector_index(self.vector_kind, self.directory / newest[-1].file, self.dimension)
            if row is not None:
                hits = index.search(index.vectors(np.array([row["id"]]))[0], 1)
                if not hits or hits[0][1] < 0.99:
                    raise IndexUnavailable(f"verification failed: a stored vector did not find itself in "
                                           f"{self.directory / newest[-1].file}")

    def commit(self) -> None:
        """Publish: one SQLite commit makes the generation's rows and segment list visible together.

        The keyword index commits just before (keyword_index.py says why that order is safe)."""
        self.keywords.commit()
        self.db.execute("COMMIT")
        self.committed = True
        if not self.in_place:
            self.db.execute("PRAGMA journal_mode = WAL")  # readers keep snapshots while later builds commit
        self.db.execute("PRAGMA optimize")
        # Back to an empty WAL when no reader is mid-call (readers hold no transaction between calls); a
        # reader mid-call makes it a passive checkpoint instead: a publish never waits for readers.
        self.db.execute("PRAGMA busy_timeout = 0")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def abandon(self) -> None:
        """Roll back the transaction and delete the files this build wrote, unless it committed them:
        a failure after the commit (tidying up) leaves what it published alone."""
        if self.committed:
            return
        self.keywords.abandon()
        try:
            self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        self.db.close()
        if self.in_place:
            for name in self.written:
                (self.directory / name).unlink(missing_ok=True)


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _key(value: str | None) -> str | None:
    return filter_key(value) if value else None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
