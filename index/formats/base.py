"""What every corpus format shares: the record (the unit of change detection), the error a file that
cannot become an article raises, and the registry of formats by file suffix."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from index.errors import NewsQAError
from index.registry import Registry
from index.types import Article


class UnusableFile(NewsQAError):
    """A file (or one .jsonl record) that cannot become an article; the message says why."""

    http_status = 422
    exit_code = 1


@dataclass(frozen=True)
class Record:
    """One would-be article: the unit of change detection in incremental builds."""

    key: str  # corpus-relative path, plus "#<id, url or content hash>" for a .jsonl line
    content_sha: str
    text: str  # decoded text of the file or the JSON line
    format: str  # the suffix whose format read it (a name in FORMATS), which also parses it
    warnings: tuple[str, ...] = ()  # decoding notes, copied onto the article
    unusable: str | None = None  # known before parsing (a repeated .jsonl key): why it is skipped


class CorpusFormat(Protocol):
    """Reads one kind of corpus file: its records (decoded, hashed), then each record's article."""

    def records(self, path: Path, key: str, suffix: str, max_bytes: int) -> Iterator[Record]:
        """The records of the file at ``path`` (``key``: its corpus-relative name); ``UnusableFile`` if none."""
        ...

    def parse(self, record: Record) -> Article:
        """The article of one record; ``UnusableFile`` when it holds none."""
        ...


#: Corpus formats by the file suffix they read (".txt", ".jsonl", ".html", ...).
FORMATS: Registry[CorpusFormat] = Registry("corpus file format")


def article_id_for(key: str) -> str:
    """Stable id: derives from where the article lives, so edits keep its id and links."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of a file that is one article; ``UnusableFile`` over the size limit."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnusableFile(f"file is {size:,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)")
    return path.read_bytes()


def content_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
