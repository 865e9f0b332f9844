"""File names and the SQLite schema of one folder-store version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.keywords import FTS_TOKENIZER

MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"  # whole-chunk vectors (the vector index type is in the manifest)
SENTENCE_VECTORS = "sentences.faiss"
METADATA = "meta.sqlite"

# *_key columns hold filter_key(value): filters compare Unicode-normalised, case-folded values.
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
    body TEXT NOT NULL,
    source_key TEXT, section_key TEXT, conflict_key TEXT,
    effective_date TEXT,                 -- the later of published and updated: when the stored text existed
    story_id TEXT NOT NULL,              -- shared by near-duplicate articles (index/stories.py)
    signature BLOB NOT NULL              -- MinHash of the body's word shingles
);
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
    chunk INTEGER NOT NULL,              -- the first chunk that holds it
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    vector BLOB NOT NULL                 -- float32 unit vector: answers read it here, not from the ANN
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


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.row_factory = sqlite3.Row
    return conn
