"""Writes one unpublished version in a single transaction, on a connection of its own.

Nothing a build writes is visible to other sessions until ``publish`` commits it together with
the switch of the live pointer; a build that fails or is killed is rolled back by the server.
Only what changed is written: new rows are born in this version, removed rows die in it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timezone

import numpy as np
import psycopg

from index.stores.postgres.literals import term_counts, vector
from index.stores.postgres.schema import SCHEMA, visible
from index.dates import DateMention
from index.entities import Entity, entity_key
from index.stories import Fingerprint, same_story
from index.types import Article, Chunk, filter_key, revision_valid_from

S = SCHEMA


class PostgresWriter:
    def __init__(self, conn: psycopg.Connection, version_id: int, name: str, floor: int) -> None:
        self.conn = conn
        self.version_id = version_id
        self.version = name
        self.floor = floor
        self._scope = {"v": version_id, "floor": floor}

    def _rows(self, statement: str, **params) -> list[tuple]:
        return self.conn.execute(statement, {**self._scope, **params}).fetchall()

    def known_articles(self) -> dict[str, str]:
        return dict(self._rows(f"SELECT a.path, a.content_sha FROM {S}.articles a "
                               f"WHERE {visible('a')} AND a.superseded IS NULL"))

    def known_unusable(self) -> dict[str, tuple[str, str]]:
        return {path: (sha, reason) for path, sha, reason in self._rows(
            f"SELECT k.path, k.content_sha, k.reason FROM {S}.skipped k WHERE {visible('k')}")}

    def mark_unusable(self, key: str, content_sha: str, reason: str) -> None:
        self._rows(f"UPDATE {S}.skipped k SET died = %(v)s WHERE k.path = %(path)s AND {visible('k')} RETURNING 1",
                   path=key)
        self.conn.execute(f"INSERT INTO {S}.skipped (path, content_sha, reason, born) VALUES (%s, %s, %s, %s)",
                          (key, content_sha, reason, self.version_id))

    def remove(self, keys: Sequence[str]) -> int:
        keys = list(keys)
        if not keys:
            return 0
        self._rows(f"UPDATE {S}.skipped k SET died = %(v)s WHERE k.path = ANY(%(keys)s) AND {visible('k')} RETURNING 1",
                   keys=keys)
        rows = [r[0] for r in self._rows(
            f"""UPDATE {S}.articles a SET died = %(v)s WHERE a.path = ANY(%(keys)s) AND {visible('a')}
                RETURNING a.row_id""", keys=keys)]
        if not rows:
            return 0
        removed = 0
        for table in ("sentences", "chunks"):  # they live and die with their article
            removed = len(self._rows(
                f"UPDATE {S}.{table} t SET died = %(v)s WHERE t.article_row = ANY(%(rows)s) RETURNING 1", rows=rows))
        return removed  # the chunks

    def story_for(self, fingerprint: Fingerprint) -> str | None:
        """The story of a near-duplicate visible in this version, found through shared LSH band keys."""
        rows = self._rows(
            f"""SELECT DISTINCT a.story_id, a.signature FROM {S}.story_bands b JOIN {S}.articles a
                ON a.row_id = b.article_row WHERE b.key = ANY(%(keys)s) AND {visible('a')}""",
            keys=list(fingerprint.bands))
        return same_story(fingerprint, [(story, np.frombuffer(sig, dtype=np.uint64)) for story, sig in rows])

    def add(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
            sentences: list[tuple[int, int, int]], sentence_vectors: np.ndarray,
            fingerprint: Fingerprint) -> str:
        story_id = self.story_for(fingerprint) or article.article_id
        revision, valid_from = self._new_revision(article)
        row_id = self.conn.execute(
            f"""INSERT INTO {S}.articles (born, article_id, path, content_sha, title, source, authors, author_keys,
                    reported_from, published_date, updated_date, effective_date, section, page, conflict, url, extra,
                    body, source_key, section_key, conflict_key, story_id, signature, revision, valid_from)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                        %s, %s)
                RETURNING row_id""",
            (self.version_id, article.article_id, article.path, article.content_sha, article.title, article.source,
             list(article.authors), [filter_key(n) for n in article.authors], article.reported_from,
             article.published_date, article.updated_date, article.effective_date, article.section, article.page,
             article.conflict, article.url, json.dumps(article.extra), article.body, _key(article.source),
             _key(article.section), _key(article.conflict), story_id, fingerprint.signature.tobytes(),
             revision, valid_from),
        ).fetchone()[0]
        chunk_ids = self._ids("chunk_ids", len(chunks))
        sentence_ids = self._ids("sentence_ids", len(sentences))
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {S}.story_bands (key, article_row) FROM STDIN") as copy:
                for key in fingerprint.bands:
                    copy.write_row((key, row_id))
            postings = [term_counts(article.title, chunk.text) for chunk in chunks]
            with cur.copy(f"""COPY {S}.chunks (id, born, article_row, chunk_id, position, start, "end", sentences,
                                               tokens, embedding) FROM STDIN""") as copy:
                for cid, chunk, vec, (_, tokens) in zip(chunk_ids, chunks, vectors, postings):
                    copy.write_row((cid, self.version_id, row_id, chunk.chunk_id, chunk.position, chunk.start,
                                    chunk.end, json.dumps(chunk.sentences), tokens, vector(vec)))
            with cur.copy(f"COPY {S}.postings (stem, chunk, tf_title, tf_text) FROM STDIN") as copy:
                for cid, (counts, _) in zip(chunk_ids, postings):
                    for stem, (in_title, in_text) in counts.items():
                        copy.write_row((stem, cid, in_title, in_text))
            with cur.copy(f"""COPY {S}.sentences (id, born, chunk, article_row, start, "end", embedding)
                              FROM STDIN""") as copy:
                for sid, (position, start, end), vec in zip(sentence_ids, sentences, sentence_vectors):
                    copy.write_row((sid, self.version_id, chunk_ids[position], row_id, start, end, vector(vec)))
        return story_id

    def _new_revision(self, article: Article) -> tuple[int, date]:
        """The revision number and valid_from of the article about to be added; a held latest revision is
        marked superseded by this version (its rows stay as they are: versions before this one still see
        it as the latest)."""
        held = self._rows(f"""SELECT a.row_id, a.revision, a.valid_from, a.effective_date FROM {S}.articles a
                              WHERE a.article_id = %(id)s AND {visible('a')} AND a.superseded IS NULL""",
                          id=article.article_id)
        today = datetime.now(timezone.utc).date()
        if not held:
            return 1, revision_valid_from(article, None, today)
        row_id, revision, previous, effective = held[0]
        valid_from = revision_valid_from(article, previous or effective or today, today)
        self._rows(f"UPDATE {S}.articles a SET superseded = %(v)s, valid_to = %(to)s WHERE a.row_id = %(row)s "
                   "RETURNING 1", row=row_id, to=valid_from)
        return revision + 1, valid_from

    def add_date_mentions(self, article_id: str, mentions: Sequence[DateMention]) -> None:
        """The dates an added article's body mentions (they live and die with its row)."""
        if not mentions:
            return
        row_id = self._rows(f"""SELECT a.row_id FROM {S}.articles a WHERE a.article_id = %(id)s AND {visible('a')}
                                AND a.superseded IS NULL""", id=article_id)[0][0]
        with self.conn.cursor() as cur:
            with cur.copy(f'COPY {S}.date_mentions (article_row, start, "end", first_day, last_day) FROM STDIN') as copy:
                for m in mentions:
                    copy.write_row((row_id, m.start, m.end, m.first, m.last))

    def add_entities(self, article_id: str, entities: Sequence[Entity]) -> None:
        """The people, organisations and places an added article's body names (they live and die with its row)."""
        if not entities:
            return
        row_id = self._rows(f"""SELECT a.row_id FROM {S}.articles a WHERE a.article_id = %(id)s AND {visible('a')}
                                AND a.superseded IS NULL""", id=article_id)[0][0]
        with self.conn.cursor() as cur:
            with cur.copy(f'COPY {S}.entities (article_row, start, "end", kind, text, key) FROM STDIN') as copy:
                for e in entities:
                    copy.write_row((row_id, e.start, e.end, e.kind, e.text, entity_key(e.text)))

    def _ids(self, sequence: str, n: int) -> list[int]:
        if n == 0:
            return []
        return [r[0] for r in self.conn.execute(
            f"SELECT nextval('{S}.{sequence}') FROM generate_series(1, %s)", (n,)).fetchall()]

    def keyword_statistics(self) -> tuple[int, int]:
        """Chunks and their tokens in this version: BM25's N and average length."""
        n, tokens = self._rows(f"SELECT count(*), COALESCE(sum(t.tokens), 0) FROM {S}.chunks t WHERE {visible('t')}")[0]
        return int(n), int(tokens)

    def counts(self) -> tuple[int, int, int]:
        return tuple(self._rows(f"SELECT count(*) FROM {S}.{table} t WHERE {visible('t')}{latest}")[0][0]
                     for table, latest in (("articles", " AND t.superseded IS NULL"), ("chunks", ""),
                                           ("sentences", "")))

    def abandon(self) -> None:
        """Roll back everything this build wrote and let go of its connection."""
        try:
            self.conn.rollback()
        except psycopg.Error:
            pass  # the connection is already gone: the server rolled back for us
        self.conn.close()


def _key(value: str | None) -> str | None:
    return filter_key(value) if value else None
