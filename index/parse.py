"""Turn files into ``Article`` records, or say in words why a file cannot be used.

Three layouts are read: the seed format (``=== METADATA ===`` key/value block, then
``=== ARTICLE ===`` and the body), plain ``.txt``/``.md`` (title = first non-empty line)
and ``.jsonl`` (one article per line: ``text`` plus metadata keys).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dateutil import parser as date_parser

from index.types import Article

SUFFIXES = {".txt", ".md", ".jsonl"}
METADATA_MARKER = re.compile(r"^\s*=+\s*METADATA\s*=+\s*$", re.IGNORECASE | re.MULTILINE)
ARTICLE_MARKER = re.compile(r"^\s*=+\s*ARTICLE\s*=+\s*$", re.IGNORECASE | re.MULTILINE)
KEY_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _\-]{0,40}?)\s*:\s*(.*?)\s*$")
EMPTY_VALUES = {"", "not specified", "unspecified", "unknown", "n/a", "na", "none", "null", "-", "—"}
KNOWN_KEYS = {
    "source", "title", "authors", "reported_from", "published_date", "updated_date",
    "section", "page", "conflict", "url",
}
KEY_ALIASES = {"author": "authors", "byline": "authors", "published": "published_date", "date": "published_date",
               "updated": "updated_date", "link": "url", "outlet": "source", "publication": "source"}


class UnusableFile(Exception):
    """A file (or one .jsonl record) that cannot become an article; the message says why."""


@dataclass(frozen=True)
class Record:
    """One would-be article: the unit of change detection in incremental builds."""

    key: str  # corpus-relative path, plus "#n" for a .jsonl line
    content_sha: str
    text: str  # decoded text of the file or the JSON line
    kind: str  # "seed" (txt/md) or "json"


def article_id_for(key: str) -> str:
    """Stable id: derives from where the article lives, so edits keep its id and links."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8 (BOM tolerated), falling back to Windows-1252/Latin-1."""
    if not raw:
        raise UnusableFile("empty file (0 bytes)")
    sample = raw[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.05:
        raise UnusableFile("binary file, not text")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return raw.decode(encoding), [f"not valid UTF-8; decoded as {encoding}"]
        except UnicodeDecodeError:
            continue
    raise UnusableFile("text encoding could not be decoded")  # latin-1 never fails; kept for safety


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_records(path: Path, root: Path, max_bytes: int) -> Iterator[Record]:
    """Yield the records of one file; raise ``UnusableFile`` for a file that has none."""
    key = path.relative_to(root).as_posix()
    size = path.stat().st_size
    if size > max_bytes:
        raise UnusableFile(f"file is {size:,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)")
    raw = path.read_bytes()
    if path.suffix.lower() == ".jsonl":
        text, _ = decode(raw)
        for lineno, line in enumerate(normalise_newlines(text).split("\n"), start=1):
            if line.strip():
                sha = hashlib.sha256(line.encode("utf-8")).hexdigest()
                yield Record(f"{key}#{lineno}", sha, line, "json")
        return
    text, _ = decode(raw)
    yield Record(key, hashlib.sha256(raw).hexdigest(), text, "seed")


def parse_record(record: Record) -> Article:
    """Parse one record; raise ``UnusableFile`` when it holds no usable article."""
    if record.kind == "json":
        return _parse_json(record)
    return _parse_text(record)


def _parse_text(record: Record) -> Article:
    text = normalise_newlines(record.text)
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
    body = body.strip()
    if not body:
        raise UnusableFile("no article body")
    article = _article(record, body, fields, warnings)
    if not article.title:
        first = next(line for line in body.split("\n") if line.strip())
        article.title = first.strip().lstrip("#").strip()[:300]
    return article


def _parse_json(record: Record) -> Article:
    try:
        obj = json.loads(record.text)
    except json.JSONDecodeError as exc:
        raise UnusableFile(f"line is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise UnusableFile("line is JSON but not an object")
    body = obj.get("text", obj.get("body"))
    if not isinstance(body, str) or not normalise_newlines(body).strip():
        raise UnusableFile("no 'text' field with the article body")
    body = normalise_newlines(body).strip()
    fields = [
        (str(k), ", ".join(map(str, v)) if isinstance(v, list) else str(v))
        for k, v in obj.items()
        if k not in ("text", "body") and v is not None
    ]
    article = _article(record, body, fields, [])
    if not article.title:
        article.title = next(line for line in body.split("\n") if line.strip()).strip()[:300]
    return article


def _key_values(lines: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for line in lines:
        match = KEY_VALUE.match(line)
        if match:
            pairs.append((match.group(1), match.group(2)))
    return pairs


def _canonical_key(key: str) -> str:
    key = re.sub(r"[\s\-]+", "_", key.strip().lower())
    return KEY_ALIASES.get(key, key)


def _article(record: Record, body: str, fields: list[tuple[str, str]], warnings: list[str]) -> Article:
    article = Article(
        article_id=article_id_for(record.key), path=record.key, content_sha=record.content_sha,
        title="", body=body, warnings=list(warnings),
    )
    seen: set[str] = set()
    for raw_key, value in fields:
        key = _canonical_key(raw_key)
        if key in seen:
            article.warnings.append(f"duplicate key {raw_key!r}: kept the first value")
            continue
        seen.add(key)
        if key not in KNOWN_KEYS:
            article.extra[key] = value
            continue
        cleaned = None if value.strip().lower() in EMPTY_VALUES else value.strip()
        if key == "authors":
            article.authors = split_authors(cleaned or "")
        elif key in ("published_date", "updated_date"):
            parsed = parse_date(cleaned)
            if cleaned and parsed is None:
                article.warnings.append(f"{raw_key}: could not read {cleaned!r} as a date")
                article.extra[key] = cleaned
            setattr(article, key, parsed)
        elif key == "title":
            article.title = cleaned or ""
        else:
            setattr(article, key, cleaned)
    return article


def split_authors(value: str) -> list[str]:
    """"By A, B and C" → ["A", "B", "C"]."""
    value = re.sub(r"^\s*by\s+", "", value, flags=re.IGNORECASE)
    parts = re.split(r"\s*(?:,|;|&|\band\b)\s*", value)
    return [p.strip() for p in parts if p.strip() and p.strip().lower() not in EMPTY_VALUES]


def parse_date(value: str | None) -> date | None:
    """ISO first, then common spellings ("Dec. 3, 2025", "3 December 2025"); None if unreadable."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        parsed = date_parser.parse(value.replace(".", " "), default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    return parsed.date()
