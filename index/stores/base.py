"""The store interfaces: where versions of an index live, how a build writes one, how queries read one.

A store owns versioning: a build stages a new version and publishes it with one atomic switch;
readers hold the version they opened, so a swap never disturbs a request in flight and a killed
build never touches what is live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

from index.errors import NewsQAError
from index.stories import Fingerprint
from index.types import Article, ArticleMeta, Chunk, Facets, Filters, Manifest, SentenceHit, StoredChunk

Hits = list[tuple[int, float]]  # (chunk id, score), best first
SEARCHES = ("dense", "sentence", "keyword")  # what hybrid_search can run


class IndexUnavailable(NewsQAError, RuntimeError):
    """No usable index at a location; the message names the file or part and what to do."""

    http_status = 503


class BuildInProgress(NewsQAError, RuntimeError):
    """Another build of the same index holds its lock."""

    http_status = 409


@runtime_checkable
class IndexReader(Protocol):
    """A read-only, thread-safe view of one published version: all the query side may read."""

    manifest: Manifest
    version: str

    def check_encoder(self, identity: str, dimension: int) -> None:
        """Raise ``IndexUnavailable`` unless the index was built by an encoder with this identity."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def chunks(self, ids: Sequence[int]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (unknown ids are left out), with their article's metadata."""
        ...

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        """Chunks by cosine similarity of their whole-chunk vectors; filters apply before the cut."""
        ...

    def sentence_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        """Chunks scored by their best-matching sentence: a factoid question usually targets one sentence."""
        ...

    def keyword_search(self, text: str, k: int, filters: Filters | None = None,
                       title_weight: float = 1.0) -> Hits:
        """Chunks by BM25 over chunk text and title; user text never reaches query syntax."""
        ...

    def hybrid_search(self, text: str, vector: np.ndarray, k: int, filters: Filters | None = None,
                      title_weight: float = 1.0, kinds: Sequence[str] = SEARCHES) -> dict[str, Hits]:
        """Each of ``kinds`` (dense, sentence, keyword) ranked as its own method ranks it, by kind: a store
        may answer all in one round trip (PostgreSQL); otherwise ``separate_searches``."""
        ...

    def sentence_vectors(self, article_id: str, starts: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of an article's sentences, by start offset (answers reuse them)."""
        ...

    def similar_sentences(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[SentenceHit]:
        """Stored sentences nearest to ``vector``, best first, with their articles (for corroboration)."""
        ...

    def similar_sentences_many(self, vectors: np.ndarray, k: int,
                               filters: Filters | None = None) -> list[list[SentenceHit]]:
        """``similar_sentences`` for each row of ``vectors`` (one round trip on a database store)."""
        ...

    def story_members(self, story_ids: Sequence[str]) -> dict[str, list[ArticleMeta]]:
        """Every article of each story, oldest first."""
        ...

    def chunk_dates(self, ids: Sequence[int]) -> dict[int, date | None]:
        """Each chunk's article date (the later of published and updated), for recency."""
        ...

    def stems(self, text: str) -> list[str]:
        """Content-word stems of ``text`` as the keyword index stores them (for term statistics)."""
        ...

    def document_frequencies(self, stems: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each stem: the IDF that keyword search itself uses."""
        ...

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray: ...

    def facets(self, limit: int = 100) -> Facets:
        """Filter values present in the index with article counts (at most ``limit`` per field)."""
        ...

    def article_count(self) -> int: ...

    def chunk_count(self) -> int: ...

    def close(self) -> None:
        """Release files and connections; called when the version is retired and unused."""
        ...


def separate_searches(reader: IndexReader, text: str, vector: np.ndarray, k: int, filters: Filters | None,
                      title_weight: float, kinds: Sequence[str]) -> dict[str, Hits]:
    """``hybrid_search`` as one call per search: for stores where a call costs no round trip."""
    run = {"dense": lambda: reader.dense_search(vector, k, filters),
           "sentence": lambda: reader.sentence_search(vector, k, filters),
           "keyword": lambda: reader.keyword_search(text, k, filters, title_weight)}
    return {kind: run[kind]() for kind in kinds}


@runtime_checkable
class IndexWriter(Protocol):
    """Edits one unpublished version: the builder's only way to write an index."""

    def known_articles(self) -> dict[str, str]:
        """Corpus key → content hash of what this version already holds."""
        ...

    def known_unusable(self) -> dict[str, tuple[str, str]]:
        """Corpus key → (content hash, reason) of records an earlier build found unusable."""
        ...

    def mark_unusable(self, key: str, content_sha: str, reason: str) -> None: ...

    def remove(self, keys: Sequence[str]) -> int:
        """Remove these records' articles (and unusable marks); returns the chunks removed."""
        ...

    def add(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
            sentences: list[tuple[int, int, int]], sentence_vectors: np.ndarray,
            fingerprint: Fingerprint) -> str:
        """Store an article, its chunks and its distinct sentences ``(chunk position, start, end)``.

        The article joins the story of a stored near-duplicate (by ``fingerprint``) or starts its
        own; returns the story id.
        """
        ...

    def counts(self) -> tuple[int, int, int]:
        """Articles, chunks and sentences held."""
        ...


@runtime_checkable
class Store(Protocol):
    """One index location and its versions."""

    location: str

    def live_version(self) -> str | None:
        """The published version readers should use now; cheap enough to call per request."""
        ...

    def open(self, version: str | None = None) -> IndexReader:
        """A reader of ``version`` (default: the live one); raises ``IndexUnavailable``."""
        ...

    def live_manifest(self) -> Manifest:
        """The live version's manifest, after checks that read nothing in proportion to the archive;
        raises ``IndexUnavailable``. A build asks this, not ``open``, whether it can add to the live version."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Held for a whole build: one build at a time; raises ``BuildInProgress`` at once if taken."""
        ...

    def build_running(self) -> bool:
        """Whether any process holds the build lock now."""
        ...

    def begin(self, incremental: bool, dimension: int, vector_kind: str) -> IndexWriter:
        """Stage a new version: the live one plus this build's changes when ``incremental`` (written
        as changes, never as a copy of the archive), else an empty one."""
        ...

    def publish(self, writer: IndexWriter, manifest: Manifest, on_stage: Callable[[str], None]) -> str:
        """Verify and make the staged version live in one atomic step; returns its version id.

        Calls ``on_stage`` with "written", "verified" and "renamed" (crash tests stop there).
        """
        ...

    def discard(self, writer: IndexWriter) -> None:
        """Drop a staged version that will not be published."""
        ...

    def record_outcome(self, outcome: dict) -> None: ...

    def last_outcome(self) -> dict | None: ...
