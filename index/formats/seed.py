"""The seed format (``=== METADATA ===`` key/value lines, ``=== ARTICLE ===``, the body) and plain
``.txt``/``.md`` articles (the title is the first non-empty line)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from index.formats.base import FORMATS, Record, UnusableFile, content_sha, read_capped
from index.formats.fields import article_from
from index.formats.text import decode, normalise_newlines, plain, remove_controls
from index.types import Article

METADATA_MARKER = re.compile(r"^\s*=+\s*METADATA\s*=+\s*$", re.IGNORECASE | re.MULTILINE)
ARTICLE_MARKER = re.compile(r"^\s*=+\s*ARTICLE\s*=+\s*$", re.IGNORECASE | re.MULTILINE)
KEY_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _\-]{0,40}?)\s*:\s*(.*?)\s*$")


class SeedText:
    """One article per file."""

    def records(self, path: Path, key: str, suffix: str, max_bytes: int) -> Iterator[Record]:
        raw = read_capped(path, max_bytes)
        text, warnings = decode(raw)
        yield Record(key, content_sha(raw), text, suffix, tuple(warnings))

    def parse(self, record: Record) -> Article:
        return _parse_text(record)


FORMATS.register(".txt", SeedText)
FORMATS.register(".md", SeedText)


def _parse_text(record: Record) -> Article:
    text = remove_controls(normalise_newlines(record.text))
    warnings: list[str] = []
    meta_match = METADATA_MARKER.search(text)
    article_match = ARTICLE_MARKER.search(text)
    fields: list[tuple[str, str]] = []
    if article_match:
        header = text[: article_match.start()]
        if meta_match and meta_match.start() < article_match.start():
            header = text[meta_match.end(): article_match.start()]
        fields = _key_values(header.split("\n"))
        body = text[article_match.end():]
    elif meta_match:
        # Metadata with no ARTICLE marker: key/value lines run until the first line that is not one.
        lines = text[meta_match.end():].split("\n")
        consumed = next((i for i, line in enumerate(lines) if line.strip() and not KEY_VALUE.match(line)),
                        len(lines))
        fields = _key_values(lines[:consumed])
        body = "\n".join(lines[consumed:])
        warnings.append("no '=== ARTICLE ===' marker; body taken after the metadata lines")
    else:
        body = text
    body = plain(body).strip()
    if not body:
        raise UnusableFile("no article body")
    article = article_from(record, body, [(k, plain(v)) for k, v in fields], warnings)
    if not article.title:
        first = next(line for line in body.split("\n") if line.strip())
        article.title = first.strip().lstrip("#").strip()[:300]
    return article


def _key_values(lines: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for line in lines:
        match = KEY_VALUE.match(line)
        if match:
            pairs.append((match.group(1), match.group(2)))
    return pairs
