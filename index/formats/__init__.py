"""Corpus files → articles: one module per format, registered by file suffix in ``FORMATS``.

``seed`` (the seed format and plain ``.txt``/``.md``), ``jsonl`` (an archive, one article per
line) and ``html`` (saved pages, with ``page_meta`` reading what a page declares) sit on the
shared helpers beneath them: ``text`` (decoding, entities, dates, authors), ``fields``
(metadata onto an article), ``urls`` (canonical addresses) and ``base`` (the record, the
error, the registry). A new format is one module that registers its suffixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from index.formats import html, jsonl, seed  # noqa: F401 (each registers its suffixes)
from index.formats.base import FORMATS, Record, UnusableFile, article_id_for
from index.formats.text import decode, parse_date, split_authors
from index.types import Article

__all__ = ["FORMATS", "Record", "UnusableFile", "article_id_for", "decode", "parse_date", "parse_record",
           "read_records", "split_authors", "suffixes"]


def suffixes() -> set[str]:
    """The file suffixes a corpus folder is read for (lower case, with the dot)."""
    return set(FORMATS.names())


def read_records(path: Path, root: Path, max_bytes: int) -> Iterator[Record]:
    """Yield the records of one file; raise ``UnusableFile`` for a file that has none."""
    suffix = path.suffix.lower()
    yield from FORMATS.create(suffix).records(path, path.relative_to(root).as_posix(), suffix, max_bytes)


def parse_record(record: Record) -> Article:
    """Parse one record; raise ``UnusableFile`` when it holds no usable article."""
    if record.unusable:
        raise UnusableFile(record.unusable)
    return FORMATS.create(record.format).parse(record)
