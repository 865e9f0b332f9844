"""``.jsonl``: an archive of articles, one JSON object per line (``text`` plus metadata keys).

The size limit applies to each line, not to the file; a line is named by its ``id`` or ``url``
(else its content hash), so inserting a line moves no other.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

from index.formats.base import FORMATS, Record, UnusableFile
from index.formats.fields import article_from
from index.formats.text import (LONE_SURROGATE, decode_marked, normalise_newlines, plain, remove_controls,
                                repair_stray_bytes, stray_note)
from index.types import Article

SAFE_KEY = re.compile(r"[A-Za-z0-9._:/?=&%+@-]{1,64}")  # no "#", "~" or spaces: kept as-is in a key
KEY_FIELDS = ("id", "url")  # what names a .jsonl record, in order of preference


class JsonLines:
    """One article per non-blank line."""

    def records(self, path: Path, key: str, suffix: str, max_bytes: int) -> Iterator[Record]:
        yield from _jsonl_records(path.read_bytes(), key, suffix, max_bytes)

    def parse(self, record: Record) -> Article:
        return _parse_json(record)


FORMATS.register(".jsonl", JsonLines)


def _jsonl_records(raw: bytes, file_key: str, suffix: str, max_bytes: int) -> Iterator[Record]:
    """One record per non-blank line, keyed by what names it so that inserting a line moves no other.

    A key already taken in the file yields a record that reports itself unusable, under a
    key of its own, so that neither line silently replaces the other.
    """
    marked, file_warnings = decode_marked(raw)
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(normalise_newlines(marked).split("\n"), start=1):
        line, repaired, _ = repair_stray_bytes(line)
        line = line.removeprefix("\ufeff")  # concatenated files leave a BOM at the start of later lines
        if not line.strip():
            continue
        sha = hashlib.sha256(line.encode("utf-8", errors="surrogatepass")).hexdigest()
        warnings = tuple(file_warnings) + ((stray_note(repaired, lineno),) if repaired else ())
        name, field = _line_name(line)
        key = f"{file_key}#{_key_token(name) if name else sha[:16]}"
        if key in first_line:
            earlier = first_line[key]
            reason = f"same {field} as line {earlier}" if field else f"identical to line {earlier}"
            yield Record(f"{key}~line{lineno}", sha, line, suffix, warnings,
                         unusable=f"{reason}; only the first is indexed")
            continue
        first_line[key] = lineno
        size = len(line.encode("utf-8", errors="surrogatepass"))
        too_large = (f"line is {size:,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)"
                     if size > max_bytes else None)
        yield Record(key, sha, line, suffix, warnings, unusable=too_large)


def _line_name(line: str) -> tuple[str | None, str | None]:
    """(value, field) of the line's ``id`` or ``url``; (None, None) when it has neither."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(obj, dict):
        return None, None
    for field in KEY_FIELDS:
        value = obj.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value), field
        if isinstance(value, str) and value.strip():
            return value.strip(), field
    return None, None


def _key_token(name: str) -> str:
    """Short plain ids stay readable in keys; anything long or odd is hashed to keep keys safe."""
    if SAFE_KEY.fullmatch(name):
        return name
    return hashlib.sha256(name.encode("utf-8", errors="surrogatepass")).hexdigest()[:16]


def _parse_json(record: Record) -> Article:
    try:
        obj = json.loads(record.text)
    except json.JSONDecodeError as exc:
        raise UnusableFile(f"line is not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise UnusableFile("line is JSON nested too deeply to read") from None
    if not isinstance(obj, dict):
        raise UnusableFile("line is JSON but not an object")
    obj = _clean_json(obj, "the line")
    body = obj.get("text", obj.get("body"))
    if not isinstance(body, str) or not normalise_newlines(body).strip():
        raise UnusableFile("no 'text' field with the article body")
    body = plain(body).strip()
    fields = [
        (str(k), [plain(_as_text(x)) for x in v if x is not None] if isinstance(v, list) else plain(_as_text(v)))
        for k, v in obj.items()
        if k not in ("text", "body") and v is not None
    ]
    article = article_from(record, body, fields, [])
    if not article.title:
        article.title = next(line for line in body.split("\n") if line.strip()).strip()[:300]
    return article


def _as_text(value: object) -> str:
    """A JSON value as the text a reader of the feed would write: ``true``, ``2.5``, ``{"a": 1}`` — not
    Python's ``True`` or ``{'a': 1}``."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _clean_json(value: object, where: str) -> object:
    """Every string as it will be stored: controls removed, lone surrogates refused.

    JSON allows an escaped half of a surrogate pair (``\\ud83d``) but no encoder, tokenizer
    or database accepts it, so the line is refused here rather than the build failing later.
    """
    if isinstance(value, str):
        if LONE_SURROGATE.search(value):
            raise UnusableFile(f"{where} holds an invalid Unicode escape (lone surrogate)")
        return remove_controls(value)
    if isinstance(value, list):
        return [_clean_json(item, where) for item in value]
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            key = _clean_json(key, "a field name")
            cleaned[key] = _clean_json(item, f"field {key!r}")
        return cleaned
    return value
