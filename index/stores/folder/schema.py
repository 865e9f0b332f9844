"""File names and the SQLite schema of one folder-store version."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from index.keywords import FTS_TOKENIZER
from index.stores.folder.segments import Segment

MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"  # whole-chunk vectors (the vector index type is in the manifest)
SENTENCE_VECTORS = "sentences.faiss"
METADATA = "meta.sqlite"

# *_key columns hold filter_key(value): filters compare Unicode-normalised, case-folded values.
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles (   -- one row per revision of an article
    article_id TEXT PRIMARY KEY,         -- the row: the article's id for revision 1, "<id>@<n>" for revision n
    path TEXT NOT NULL,
    content_sha TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT, authors TEXT NOT NULL, reported_from TEXT,
    published_date TEXT, updated_date TEXT,
    section TEXT, page TEXT, conflict TEXT, url TEXT,
    extra TEXT NOT NULL,
    body TEXT NOT NULL,
    source_key TEXT, section_key TEXT, conflict_key TEXT,
    effective_date TEXT,                 -- the later of published and updated: when the stored text existed
    story_id TEXT NOT NULL,              -- shared by near-duplicate articles (index/stories.py)
    signature BLOB NOT NULL,             -- MinHash of the body's word shingles
    article TEXT NOT NULL,               -- the article's id, shared by its revisions
    revision INTEGER NOT NULL,           -- 1, 2, ...: a changed text is stored again, the old rows are kept
    valid_from TEXT NOT NULL,            -- this revision is the article's text from this day (ISO) ...
    valid_to TEXT,                       -- ... until the next revision's valid_from
    superseded INTEGER                   -- the generation that added the next revision (NULL: the latest);
);                                       -- readers of older generations still see this row as the latest
CREATE INDEX IF NOT EXISTS articles_article ON articles(article, revision);
CREATE INDEX IF NOT EXISTS articles_path ON articles(path);
CREATE INDEX IF NOT EXISTS articles_superseded ON articles(superseded) WHERE superseded IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_source ON articles(source_key);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_date);
CREATE INDEX IF NOT EXISTS articles_effective ON articles(effective_date);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE TABLE IF NOT EXISTS story_bands (  -- LSH band keys: candidates for the same story
    key INTEGER NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS story_bands_key ON story_bands(key);
CREATE INDEX IF NOT EXISTS story_bands_article ON story_bands(article_id);
CREATE TABLE IF NOT EXISTS article_authors (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS article_authors_name ON article_authors(name_key);
CREATE INDEX IF NOT EXISTS article_authors_article ON article_authors(article_id);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,              -- the id in vectors.faiss
    chunk_id TEXT NOT NULL,              -- <article id>-<position>: the same in every revision
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    sentences TEXT NOT NULL              -- JSON [[start, end], ...] in the article body
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,              -- the id in sentences.faiss
    chunk INTEGER NOT NULL,              -- the first chunk that holds it
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL               -- (its vector is in the sentence vector segments only: answers
);                                       -- read it there; versions written before kept a float32 copy here)
CREATE INDEX IF NOT EXISTS sentences_article ON sentences(article_id, start);
CREATE INDEX IF NOT EXISTS sentences_chunk ON sentences(chunk);
CREATE TABLE IF NOT EXISTS date_mentions (  -- dates the body mentions (index/dates.py), by offset
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    first_day TEXT NOT NULL,             -- ISO dates: the days the words name, inclusive
    last_day TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS date_mentions_article ON date_mentions(article_id, start);
CREATE INDEX IF NOT EXISTS date_mentions_days ON date_mentions(first_day, last_day);
CREATE TABLE IF NOT EXISTS entities (  -- people, organisations, places the body names (index/entities.py)
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    kind TEXT NOT NULL,                  -- person, organisation or place
    text TEXT NOT NULL,                  -- body[start:end]
    key TEXT NOT NULL                    -- filter_key(text): what the entity filter and facets compare
);
CREATE INDEX IF NOT EXISTS entities_article ON entities(article_id, start);
CREATE INDEX IF NOT EXISTS entities_key ON entities(key, article_id);
CREATE TABLE IF NOT EXISTS skipped (     -- records that read but hold no usable article
    path TEXT PRIMARY KEY,
    content_sha TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (       -- the committed generation: see State
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS removed_vectors (  -- ids of removed rows whose vectors a segment file still holds
    kind TEXT NOT NULL,                  -- 'chunks' or 'sentences'
    id INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, text, tokenize='{FTS_TOKENIZER}');
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
"""


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection that leaves transactions to the caller (``BEGIN`` ... ``COMMIT``).

    Read-only connections are shared by a reader's threads (SQLite serialises them) and hold one read
    transaction for the reader's life: in WAL mode that pins the snapshot the reader opened, while an
    incremental build commits the next generation into the same file.
    """
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
    else:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = sqlite3.Row
    return conn


@dataclass
class State:
    """What one committed generation of a version holds. It lives in the database, so a reader's snapshot
    and the vector files it loads always agree."""

    generation: int = 0
    next_chunk: int = 0  # ids are never reused: an old reader's vectors never name another row
    next_sentence: int = 0
    chunk_segments: list[Segment] = field(default_factory=list)
    sentence_segments: list[Segment] = field(default_factory=list)
    retired: list[tuple[int, str]] = field(default_factory=list)  # (generation that retired it, file)
    manifest: str = ""

    @classmethod
    def read(cls, db: sqlite3.Connection) -> "State":
        values = {row[0]: row[1] for row in db.execute("SELECT key, value FROM state")}
        try:
            return cls(
                generation=int(values["generation"]), next_chunk=int(values["next_chunk"]),
                next_sentence=int(values["next_sentence"]),
                chunk_segments=[Segment.from_json(s) for s in json.loads(values["chunk_segments"])],
                sentence_segments=[Segment.from_json(s) for s in json.loads(values["sentence_segments"])],
                retired=[(int(g), str(f)) for g, f in json.loads(values["retired"])],
                manifest=values["manifest"],
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise sqlite3.DatabaseError(f"its state is incomplete ({exc})") from None

    def write(self, db: sqlite3.Connection) -> None:
        values = {
            "generation": str(self.generation), "next_chunk": str(self.next_chunk),
            "next_sentence": str(self.next_sentence),
            "chunk_segments": json.dumps([s.to_json() for s in self.chunk_segments]),
            "sentence_segments": json.dumps([s.to_json() for s in self.sentence_segments]),
            "retired": json.dumps(self.retired), "manifest": self.manifest,
        }
        db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", values.items())
