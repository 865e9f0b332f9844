"""Records that cross module boundaries on the build side and out to the query side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(kw_only=True)
class ArticleMeta:
    """Everything about an article but its body: what a citation carries."""

    article_id: str
    path: str  # corpus-relative, with "#n" for line n of a .jsonl file
    content_sha: str
    title: str
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    reported_from: str | None = None
    published_date: date | None = None
    updated_date: date | None = None
    section: str | None = None
    page: str | None = None
    conflict: str | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Article(ArticleMeta):
    body: str
    warnings: list[str] = field(default_factory=list)  # parse notes, reported by the build only


@dataclass
class Chunk:
    chunk_id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]  # absolute (start, end) in the article body


@dataclass
class StoredChunk:
    """A chunk read back from an index, with its article's metadata."""

    id: int  # FAISS id
    chunk_id: str
    position: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]
    article: ArticleMeta


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class Filters:
    """Metadata restrictions; empty lists and None mean "no restriction"."""

    source: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    section: list[str] = field(default_factory=list)
    conflict: list[str] = field(default_factory=list)
    published_after: date | None = None
    published_before: date | None = None

    def is_empty(self) -> bool:
        return not (
            self.source or self.author or self.section or self.conflict
            or self.published_after or self.published_before
        )
