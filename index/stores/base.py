"""The store interfaces: where versions of an index live, how a build writes one, how queries read one.

A store owns versioning: a build stages a new version and publishes it with one atomic switch;
readers hold the version they opened, so a swap never disturbs a request in flight and a killed
build never touches what is live.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import numpy as np

from index.dates import DateMention
from index.entities import Entity
from index.errors import NewsQAError
from index.registry import Registry
from index.stories import Fingerprint
from index.types import Article, ArticleMeta, Chunk, Facets, Filters, Manifest, SentenceHit, StoredChunk

Hits = list[tuple[int, float]]  # (chunk id, score), best first
SEARCHES = ("dense", "sentence", "keyword")  # what hybrid_search can run
#: Sentences a sentence search reads per chunk it returns: its k chunks are the first k distinct owners of the
#: k·SENTENCE_DEPTH nearest sentences; searched exactly, a deeper read changes only the tail (when fewer than
#: k chunks own those), and the scan's cost grows with the sentences read (pgvector's HNSW walk over real
#: vectors: 4.7 ms for 200, 9.7 for 400). Depth 2 against 4 (scripts/bench_sentence_depth.py, evaluate.py,
#: evaluate_news.py): SQuAD retrieval and answers identical; Wikinews dev R@1 .828 against .833 (one question
#: of 192), R@5–R@20 and answers identical; the lead quote of /ask unchanged for all 392 questions.
SENTENCE_DEPTH = 2


class IndexUnavailable(NewsQAError, RuntimeError):
    """No usable index at a location; the message names the file or part and what to do."""

    http_status = 503  # the service stays up and answers again once the index (or its database) is back
    exit_code = 1


class BuildInProgress(NewsQAError, RuntimeError):
    """Another build of the same index holds its lock."""

    http_status = 409
    exit_code = 1


# --- reading, by role: a component types itself against the role it uses ----------------------

@runtime_checkable
class ArticleLookup(Protocol):
    """Articles and chunks by id, with their metadata: what a citation is made of."""

    def article(self, article_id: str, revision: int | None = None) -> Article | None:
        """The article's latest revision, or revision ``revision`` (None when unknown)."""
        ...

    def chunks(self, ids: Sequence[int]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (unknown ids are left out), with their article's metadata."""
        ...

    def story_members(self, story_ids: Sequence[str], as_of: date | None = None) -> dict[str, list[ArticleMeta]]:
        """Every article of each story, oldest first; with ``as_of``, only those evidence may cite then
        (dated no later, or undated), so a copy published afterwards is not listed."""
        ...

    def chunk_dates(self, ids: Sequence[int]) -> dict[int, date | None]:
        """Each chunk's article date (the later of published and updated), for recency."""
        ...


@runtime_checkable
class RevisionHistory(Protocol):
    """The versions of an article: an edited article is stored as a new revision, the older ones kept."""

    def revisions(self, article_id: str) -> list[ArticleMeta]:
        """Every stored revision of the article, oldest first, with its validity (empty when unknown)."""
        ...


@runtime_checkable
class VectorSearch(Protocol):
    """Nearest chunks and sentences to a query vector, and the stored sentence vectors."""

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        """Chunks by cosine similarity of their whole-chunk vectors; filters apply before the cut."""
        ...

    def sentence_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> Hits:
        """Chunks scored by their best-matching sentence: a factoid question usually targets one sentence."""
        ...

    def similar_sentences(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[SentenceHit]:
        """Stored sentences nearest to ``vector``, best first, with their articles (for corroboration)."""
        ...

    def sentence_vectors(self, article_id: str, starts: Sequence[int],
                         revision: int | None = None) -> dict[int, np.ndarray]:
        """Stored vectors of an article's sentences (of its latest revision, or of ``revision``), by start
        offset (answers reuse them)."""
        ...


@runtime_checkable
class KeywordSearch(Protocol):
    """Chunks ranked by the words of a question."""

    def keyword_search(self, text: str, k: int, filters: Filters | None = None,
                       title_weight: float = 1.0) -> Hits:
        """Chunks by BM25 over chunk text and title; user text never reaches query syntax."""
        ...


@runtime_checkable
class DeferredVectors(Protocol):
    """A store that reads a chunk's sentence vectors with the chunk (PostgreSQL: in the same statement) and can
    leave them out: a search reads its whole candidate pool without them, and ``chunks`` of the few passages a
    page shows then brings theirs in one round trip. Optional: other stores have no such method."""

    def chunks_without_vectors(self, ids: Sequence[int]) -> list[StoredChunk]:
        """``chunks``, their sentence vectors not read (``sentence_vectors`` and ``chunks`` still bring them)."""
        ...


@runtime_checkable
class BatchedSearch(Protocol):
    """Several searches in one call: a database store answers each call in one round trip."""

    def similar_sentences_many(self, vectors: np.ndarray, k: int,
                               filters: Filters | None = None) -> list[list[SentenceHit]]:
        """``similar_sentences`` for each row of ``vectors`` (one round trip on a database store)."""
        ...

    def hybrid_search(self, text: str, vector: np.ndarray, k: int, filters: Filters | None = None,
                      title_weight: float = 1.0, kinds: Sequence[str] = SEARCHES) -> dict[str, Hits]:
        """Each of ``kinds`` (dense, sentence, keyword) ranked as its own method ranks it, by kind: a store
        may answer all in one round trip (PostgreSQL); otherwise ``separate_searches``."""
        ...


@runtime_checkable
class TermStatistics(Protocol):
    """How the keyword index sees words: their stems and how many chunks hold each."""

    def stems(self, text: str) -> list[str]:
        """Content-word stems of ``text`` as the keyword index stores them (for term statistics)."""
        ...

    def document_frequencies(self, stems: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each stem: the IDF that keyword search itself uses."""
        ...


@runtime_checkable
class DateMentions(Protocol):
    """The dates chunks mention, stored at build time (relative ones resolved against the article's date)."""

    def date_mentions(self, ids: Sequence[int]) -> dict[int, list[DateMention]]:
        """The dates each chunk's text mentions (index/dates.py), in text order; chunks with none are left out."""
        ...

    def chunks_mentioning(self, first: date, last: date, filters: Filters | None = None) -> list[int]:
        """Ids of the chunks whose text mentions a day from ``first`` to ``last``, among those ``filters`` pass."""
        ...


@runtime_checkable
class EntityMentions(Protocol):
    """The people, organisations and places articles mention, found at build time (index/entities.py)."""

    def entities(self, article_ids: Sequence[str],
                 revisions: Mapping[str, int] | None = None) -> dict[str, list[Entity]]:
        """Each article's entities in text order, at their body offsets; articles with none are left out.
        Of each article's latest revision, or of the revision ``revisions`` names for it."""
        ...


@runtime_checkable
class FacetSource(Protocol):
    """The filter values an index holds, and the chunks a filter keeps."""

    def facets(self, limit: int = 100) -> Facets:
        """Filter values present in the index with article counts (at most ``limit`` per field)."""
        ...

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray: ...


@runtime_checkable
class IndexReader(ArticleLookup, RevisionHistory, VectorSearch, KeywordSearch, BatchedSearch, TermStatistics, DateMentions,
                  EntityMentions, FacetSource, Protocol):
    """A read-only, thread-safe view of one published version: every role, and its lifecycle.

    A store's reader implements all of it; a component asks only for the role it uses.
    """

    manifest: Manifest
    version: str

    def check_encoder(self, identity: str, dimension: int) -> None:
        """Raise ``IndexUnavailable`` unless the index was built by an encoder with this identity."""
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
        """Remove these records' articles, every revision (and unusable marks); returns the chunks removed."""
        ...

    def add(self, article: Article, chunks: list[Chunk], vectors: np.ndarray,
            sentences: list[tuple[int, int, int]], sentence_vectors: np.ndarray,
            fingerprint: Fingerprint) -> str:
        """Store an article, its chunks and its distinct sentences ``(chunk position, start, end)``.

        The article joins the story of a stored near-duplicate (by ``fingerprint``) or starts its
        own; returns the story id. An article already held (same id) gets a new revision: the held one
        is kept, text and chunks unchanged, valid until the new one's ``valid_from`` (its Updated_Date
        when later than the held one's, else the build date).
        """
        ...

    def add_date_mentions(self, article_id: str, mentions: Sequence[DateMention]) -> None:
        """The dates an article added by ``add`` mentions in its body; removed with the article."""
        ...

    def add_entities(self, article_id: str, entities: Sequence[Entity]) -> None:
        """The people, organisations and places an article added by ``add`` mentions; removed with the article."""
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


@dataclass(frozen=True)
class StoreOptions:
    """What opening a store is given besides its location."""

    keep_versions: int = 2  # built versions kept (the live one included)
    pool_size: int | None = None  # connections per process, for a store behind a server (None: its default)
    timeout: float | None = None  # seconds to wait for such a connection (None: its default)


#: Stores by the scheme of their location: ``folder`` for a path, the URL scheme otherwise
#: (``postgresql``, ``postgres``). ``factory(location, options)``; each store registers itself, and a
#: factory may offer ``close_all()`` to release what it keeps open for the process (a connection pool).
STORES: Registry[Store] = Registry("index store")
