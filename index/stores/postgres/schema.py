"""The tables of the PostgreSQL store, in one schema of the database.

Versions share the tables. Every row carries ``born`` (the build that wrote it) and ``died``
(the build that removed it, or NULL). Version ``v`` with floor ``f`` (the full build it descends
from) sees the rows with ``f <= born <= v`` and ``died`` NULL or above ``v``: an incremental build
writes only what changed, a full build starts from an empty view without touching old rows, and
readers of the previous version keep seeing exactly their rows until they are pruned.
"""

from __future__ import annotations

import hashlib
import re

from psycopg import sql

SCHEMA = "newsqa"
FORMAT = 2  # bumped when the tables change meaning; a database in another format is refused
#: 2: postings carry their chunk's born, died, tokens and article row (a keyword search joins nothing)

_DDL = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.store (one boolean PRIMARY KEY DEFAULT true CHECK (one), format int NOT NULL,
                                      dimension int NOT NULL);
CREATE SEQUENCE IF NOT EXISTS {s}.version_ids;
CREATE TABLE IF NOT EXISTS {s}.versions (
    id bigint PRIMARY KEY,
    name text NOT NULL UNIQUE,
    floor bigint NOT NULL,               -- the oldest build whose rows this version may see
    manifest jsonb NOT NULL,
    chunks bigint NOT NULL,              -- BM25's collection statistics: rows, and tokens over all rows
    tokens bigint NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {s}.live (    -- the one-row pointer readers follow
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL REFERENCES {s}.versions(id)
);
CREATE TABLE IF NOT EXISTS {s}.outcome (one boolean PRIMARY KEY DEFAULT true CHECK (one), outcome jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.articles (
    row_id bigserial PRIMARY KEY,
    born bigint NOT NULL, died bigint,
    article_id text NOT NULL, path text NOT NULL, content_sha text NOT NULL, title text NOT NULL,
    source text, authors text[] NOT NULL, author_keys text[] NOT NULL, reported_from text,
    published_date date, updated_date date,
    effective_date date,                 -- the later of published and updated: when the stored text existed
    section text, page text, conflict text, url text, extra jsonb NOT NULL, body text NOT NULL,
    source_key text, section_key text, conflict_key text,   -- filter_key(value): what filters compare
    story_id text NOT NULL,
    signature bytea NOT NULL             -- MinHash of the body's word shingles (index/stories.py)
);
CREATE INDEX IF NOT EXISTS articles_article_id ON {s}.articles (article_id);
CREATE INDEX IF NOT EXISTS articles_path ON {s}.articles (path);
CREATE INDEX IF NOT EXISTS articles_story ON {s}.articles (story_id);
CREATE INDEX IF NOT EXISTS articles_source ON {s}.articles (source_key);
CREATE INDEX IF NOT EXISTS articles_published ON {s}.articles (published_date);
CREATE INDEX IF NOT EXISTS articles_authors ON {s}.articles USING gin (author_keys);
CREATE TABLE IF NOT EXISTS {s}.story_bands (   -- LSH band keys: candidates for the same story
    key bigint NOT NULL,
    article_row bigint NOT NULL REFERENCES {s}.articles(row_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS story_bands_key ON {s}.story_bands (key);
CREATE INDEX IF NOT EXISTS story_bands_article ON {s}.story_bands (article_row);
CREATE SEQUENCE IF NOT EXISTS {s}.chunk_ids;
CREATE TABLE IF NOT EXISTS {s}.chunks (
    id bigint PRIMARY KEY,               -- stable across incremental builds, unique across versions
    born bigint NOT NULL, died bigint,   -- always those of its article (denormalised: no join to filter)
    article_row bigint NOT NULL REFERENCES {s}.articles(row_id) ON DELETE CASCADE,
    chunk_id text NOT NULL, position int NOT NULL, start int NOT NULL, "end" int NOT NULL,
    sentences jsonb NOT NULL,            -- [[start, end], ...] in the article body
    tokens int NOT NULL,                 -- title and text tokens: BM25's document length
    embedding vector({dimension}) NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON {s}.chunks (article_row);
CREATE TABLE IF NOT EXISTS {s}.postings (  -- the keyword index: Porter stems per chunk, as FTS5 stores them
    stem text NOT NULL,
    chunk bigint NOT NULL,               -- its chunk's id ...
    born bigint NOT NULL, died bigint,   -- ... and the chunk's born, died, tokens and article (denormalised: a
    tokens int NOT NULL,                 -- keyword search reads postings alone, no lookup per posting)
    article_row bigint NOT NULL REFERENCES {s}.articles(row_id) ON DELETE CASCADE,
    tf_title int NOT NULL, tf_text int NOT NULL
);
CREATE INDEX IF NOT EXISTS postings_stem ON {s}.postings (stem);
CREATE INDEX IF NOT EXISTS postings_article ON {s}.postings (article_row);
CREATE INDEX IF NOT EXISTS chunks_embedding ON {s}.chunks USING hnsw (embedding vector_cosine_ops);
CREATE SEQUENCE IF NOT EXISTS {s}.sentence_ids;
CREATE TABLE IF NOT EXISTS {s}.sentences (
    id bigint PRIMARY KEY,
    born bigint NOT NULL, died bigint,
    chunk bigint NOT NULL,               -- the first chunk that holds it
    article_row bigint NOT NULL REFERENCES {s}.articles(row_id) ON DELETE CASCADE,
    start int NOT NULL, "end" int NOT NULL,
    embedding vector({dimension}) NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_article ON {s}.sentences (article_row, start);
CREATE INDEX IF NOT EXISTS sentences_embedding ON {s}.sentences USING hnsw (embedding vector_cosine_ops);
CREATE TABLE IF NOT EXISTS {s}.date_mentions (  -- dates the body mentions (index/dates.py); live with the article row
    article_row bigint NOT NULL REFERENCES {s}.articles(row_id) ON DELETE CASCADE,
    start int NOT NULL, "end" int NOT NULL,
    first_day date NOT NULL, last_day date NOT NULL   -- the days the words name, inclusive
);
CREATE INDEX IF NOT EXISTS date_mentions_article ON {s}.date_mentions (article_row, start);
CREATE INDEX IF NOT EXISTS date_mentions_days ON {s}.date_mentions (first_day, last_day);
CREATE TABLE IF NOT EXISTS {s}.entities (  -- people, organisations, places the body names (index/entities.py)
    article_row bigint NOT NULL REFERENCES {s}.articles(row_id) ON DELETE CASCADE,
    start int NOT NULL, "end" int NOT NULL,
    kind text NOT NULL,                  -- person, organisation or place
    text text NOT NULL,                  -- body[start:end]
    key text NOT NULL                    -- filter_key(text): what the entity filter and facets compare
);
CREATE INDEX IF NOT EXISTS entities_article ON {s}.entities (article_row, start);
CREATE INDEX IF NOT EXISTS entities_key ON {s}.entities (key, article_row);
CREATE TABLE IF NOT EXISTS {s}.skipped (   -- records that read but hold no usable article
    path text NOT NULL, content_sha text NOT NULL, reason text NOT NULL,
    born bigint NOT NULL, died bigint
);
CREATE INDEX IF NOT EXISTS skipped_path ON {s}.skipped (path);
-- Revisions (index format 6): a changed article is a new row, revision n+1; the held row is kept, marked
-- superseded by the version that added the next (versions before it still see it as the latest) and
-- valid until the next revision's valid_from. Added in place: a database of an older index format is
-- rebuilt with --full into the same tables.
ALTER TABLE {s}.articles ADD COLUMN IF NOT EXISTS revision int NOT NULL DEFAULT 1;
ALTER TABLE {s}.articles ADD COLUMN IF NOT EXISTS valid_from date;  -- this revision's text from this day ...
ALTER TABLE {s}.articles ADD COLUMN IF NOT EXISTS valid_to date;    -- ... until the next revision's
ALTER TABLE {s}.articles ADD COLUMN IF NOT EXISTS superseded bigint;  -- the version that added the next
CREATE INDEX IF NOT EXISTS articles_superseded ON {s}.articles (superseded) WHERE superseded IS NOT NULL;
-- Bodies out of line uncompressed: a passage, a quote and a snippet are substr() of the body, which then reads
-- only the slices it needs instead of decompressing the whole body (a 145-passage read at 10,000 articles:
-- 6.7-7.2 -> 5.6-6.0 ms; the table 13% larger). Applies to rows written from now on.
ALTER TABLE {s}.articles ALTER COLUMN body SET STORAGE EXTERNAL;
"""

#: Tables whose rows carry born/died, pruned when no kept version sees them (story_bands and postings follow
#: their article).
VERSIONED = ("sentences", "chunks", "articles", "skipped")


def ddl(dimension: int, schema: str = SCHEMA) -> sql.Composed:
    return sql.SQL(_DDL).format(s=sql.Identifier(schema), dimension=sql.Literal(int(dimension)))


def ddl_mark(dimension: int) -> str:
    """What the schema's comment holds once ``ddl(dimension)`` has run: a build whose DDL is already in
    place skips it, for its ALTER TABLEs lock the articles table against every replica's reads (and
    queue behind a long one) even when they change nothing."""
    return "news-qa schema " + hashlib.sha256(f"{_DDL}{int(dimension)}".encode()).hexdigest()[:16]


def visible(alias: str) -> str:
    """The rows of version ``%(v)s`` (with floor ``%(floor)s``) in table ``alias``."""
    return f"({alias}.born BETWEEN %(floor)s AND %(v)s AND ({alias}.died IS NULL OR {alias}.died > %(v)s))"


#: The HNSW indexes by name, as the DDL creates them: a build into empty tables drops them and creates them
#: after loading (writer.finish), much faster than maintaining them row by row.
VECTOR_INDEXES = {
    name: f"CREATE INDEX {name} ON {SCHEMA}.{table} USING hnsw (embedding vector_cosine_ops)"
    for name, table in re.findall(r"CREATE INDEX IF NOT EXISTS (\w+) ON \{s\}\.(\w+) USING hnsw", _DDL)
}
