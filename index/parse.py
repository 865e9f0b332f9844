"""Turn files into ``Article`` records, or say in words why a file cannot be used.

Four layouts are read: the seed format (``=== METADATA ===`` key/value block, then
``=== ARTICLE ===`` and the body), plain ``.txt``/``.md`` (title = first non-empty line),
``.jsonl`` (one article per line: ``text`` plus metadata keys) and saved web pages
(``.html``/``.htm``: main text and metadata extracted by ``index.ingest.html``).

Text reaches the rest of the build clean: decoded (UTF-8 with stray Windows-1252 bytes
repaired, whole-file Windows-1252, or UTF-16/32 with a byte-order mark), C0 control
characters removed, and no lone surrogates, which nothing downstream can encode.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dateutil import parser as date_parser

from index.types import Article

HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = {".txt", ".md", ".jsonl", *HTML_SUFFIXES}
METADATA_MARKER = re.compile(r"^\s*=+\s*METADATA\s*=+\s*$", re.IGNORECASE | re.MULTILINE)
ARTICLE_MARKER = re.compile(r"^\s*=+\s*ARTICLE\s*=+\s*$", re.IGNORECASE | re.MULTILINE)
KEY_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _\-]{0,40}?)\s*:\s*(.*?)\s*$")
EMPTY_VALUES = {"", "not specified", "unspecified", "unknown", "n/a", "na", "none", "null", "-", "—"}
KNOWN_KEYS = {
    "source", "title", "authors", "reported_from", "published_date", "updated_date",
    "section", "page", "conflict", "url",
}
NAME_SUFFIX = re.compile(r"(?:jr|sr)\.?|ii|iii|iv", re.IGNORECASE)
AUTHOR_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)
# Form feed, vertical tab and NEL (U+0085) break lines; every other C0 control but tab/newline/CR, DEL and
# the C1 controls (U+0080-U+009F: invisible, usually what is left of a mis-decoded byte) are dropped.
CONTROLS = ({c: None for c in range(32) if chr(c) not in "\t\n\r"} | {c: None for c in range(0x7F, 0xA0)}
            | {0x0B: "\n", 0x0C: "\n", 0x85: "\n"})
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
STRAY_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, as "surrogateescape" marks it
NON_ASCII = re.compile("[^\x00-\x7f]")
BYTE_ORDER_MARKS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)
SAFE_KEY = re.compile(r"[A-Za-z0-9._:/?=&%+@-]{1,64}")  # no "#", "~" or spaces: kept as-is in a key
KEY_FIELDS = ("id", "url")  # what names a .jsonl record, in order of preference
KEY_ALIASES = {"author": "authors", "byline": "authors", "published": "published_date", "date": "published_date",
               "updated": "updated_date", "link": "url", "outlet": "source", "publication": "source"}


class UnusableFile(Exception):
    """A file (or one .jsonl record) that cannot become an article; the message says why."""


@dataclass(frozen=True)
class Record:
    """One would-be article: the unit of change detection in incremental builds."""

    key: str  # corpus-relative path, plus "#<id, url or content hash>" for a .jsonl line
    content_sha: str
    text: str  # decoded text of the file or the JSON line
    kind: str  # "seed" (txt/md), "json" or "html"
    warnings: tuple[str, ...] = ()  # decoding notes, copied onto the article
    unusable: str | None = None  # known before parsing (a repeated .jsonl key): why it is skipped


def article_id_for(key: str) -> str:
    """Stable id: derives from where the article lives, so edits keep its id and links."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Decode a file's bytes; the warnings say what had to be guessed, for the build summary."""
    marked, warnings = _decode_marked(raw)
    text, repaired, first = _repair_stray_bytes(marked)
    if repaired:
        line = normalise_newlines(marked[:first]).count("\n") + 1
        warnings.append(_stray_note(repaired, line))
    return text, warnings


def _decode_marked(raw: bytes) -> tuple[str, list[str]]:
    """Decode, leaving stray non-UTF-8 bytes marked so callers can repair and report them per line.

    One stray Windows-1252 byte (a pasted curly quote) must not turn a UTF-8 file into
    mojibake, so stray bytes are repaired one by one. The whole file is read as Windows-1252
    only when that differs, i.e. it holds some valid UTF-8 sequences ("Ã©" is one) but more
    stray bytes: then the valid-looking sequences are accidents of a Windows-1252 file.
    """
    if not raw:
        raise UnusableFile("empty file (0 bytes)")
    for mark, encoding in BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            try:
                return raw.decode(encoding), []  # the codec reads the mark for byte order, then drops it
            except UnicodeDecodeError as exc:
                raise UnusableFile(f"{encoding.upper()} text is damaged at byte {exc.start:,}") from None
    sample = raw[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.05:
        raise UnusableFile("binary file, not text")
    marked = raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    strays = len(STRAY_BYTE.findall(marked))
    valid = len(NON_ASCII.findall(marked)) - strays if strays else 0
    if strays > valid > 0:
        for encoding in ("cp1252", "latin-1"):
            try:
                text = raw.removeprefix(b"\xef\xbb\xbf").decode(encoding)
                return text, [f"not valid UTF-8; decoded as {encoding}"]
            except UnicodeDecodeError:
                continue
    return marked, []


def _repair_stray_bytes(marked: str) -> tuple[str, int, int]:
    """(text, bytes repaired, index of the first): each marked byte read as Windows-1252."""
    first = STRAY_BYTE.search(marked)
    if not first:
        return marked, 0, -1
    text, count = STRAY_BYTE.subn(_stray_as_cp1252, marked)
    return text, count, first.start()


def _stray_as_cp1252(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return byte.decode("latin-1")


def _stray_note(count: int, line: int) -> str:
    return f"{count} byte(s) not valid UTF-8, read as Windows-1252 (first on line {line})"


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_entities(text: str) -> str:
    """``&mdash;``, ``&#8217;``, ``&#x21;`` → their characters; anything else stays as written.

    Only complete references (ending in ``;``) are read: plain text has bare ampersands ("AT&T",
    "R&D&notice") that ``html.unescape`` would partly eat (``&not`` → ¬).
    """
    return ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def remove_controls(text: str) -> str:
    """Controls are invisible but real: a NUL made SQLite's substr() stop short of the text, and Python's
    ``splitlines`` breaks at NEL where nothing is shown."""
    return text.translate(CONTROLS)


def read_records(path: Path, root: Path, max_bytes: int) -> Iterator[Record]:
    """Yield the records of one file; raise ``UnusableFile`` for a file that has none."""
    key = path.relative_to(root).as_posix()
    size = path.stat().st_size
    if path.suffix.lower() == ".jsonl":
        # A .jsonl file is an archive of articles: the limit applies to each of them, not to the file.
        yield from _jsonl_records(path.read_bytes(), key, max_bytes)
        return
    if size > max_bytes:
        raise UnusableFile(f"file is {size:,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)")
    raw = path.read_bytes()
    if path.suffix.lower() in HTML_SUFFIXES:
        from index.ingest.html import decode_page  # lazy: index.ingest imports this module

        text, warnings = decode_page(raw)
        yield Record(key, hashlib.sha256(raw).hexdigest(), text, "html", tuple(warnings))
        return
    text, warnings = decode(raw)
    yield Record(key, hashlib.sha256(raw).hexdigest(), text, "seed", tuple(warnings))


def _jsonl_records(raw: bytes, file_key: str, max_bytes: int) -> Iterator[Record]:
    """One record per non-blank line, keyed by what names it so that inserting a line moves no other.

    A key already taken in the file yields a record that reports itself unusable, under a
    key of its own, so that neither line silently replaces the other.
    """
    marked, file_warnings = _decode_marked(raw)
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(normalise_newlines(marked).split("\n"), start=1):
        line, repaired, _ = _repair_stray_bytes(line)
        line = line.removeprefix("\ufeff")  # concatenated files leave a BOM at the start of later lines
        if not line.strip():
            continue
        sha = hashlib.sha256(line.encode("utf-8", errors="surrogatepass")).hexdigest()
        warnings = tuple(file_warnings) + ((_stray_note(repaired, lineno),) if repaired else ())
        name, field = _line_name(line)
        key = f"{file_key}#{_key_token(name) if name else sha[:16]}"
        if key in first_line:
            earlier = first_line[key]
            reason = f"same {field} as line {earlier}" if field else f"identical to line {earlier}"
            yield Record(f"{key}~line{lineno}", sha, line, "json", warnings,
                         unusable=f"{reason}; only the first is indexed")
            continue
        first_line[key] = lineno
        size = len(line.encode("utf-8", errors="surrogatepass"))
        too_large = (f"line is {size:,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)"
                     if size > max_bytes else None)
        yield Record(key, sha, line, "json", warnings, unusable=too_large)


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


def parse_record(record: Record) -> Article:
    """Parse one record; raise ``UnusableFile`` when it holds no usable article."""
    if record.unusable:
        raise UnusableFile(record.unusable)
    if record.kind == "json":
        return _parse_json(record)
    if record.kind == "html":
        return _parse_html(record)
    return _parse_text(record)


def _parse_html(record: Record) -> Article:
    """A saved page: the stored body is the extracted text, so offsets and quotes refer to it."""
    from index.ingest.html import extract_page

    page = extract_page(record.text)
    article = _article(record, page.body, page.fields(), page.warnings)
    article.title = article.title or next(line for line in page.body.split("\n") if line.strip())[:300]
    return article


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
    body = _plain(body).strip()
    if not body:
        raise UnusableFile("no article body")
    article = _article(record, body, [(k, _plain(v)) for k, v in fields], warnings)
    if not article.title:
        first = next(line for line in body.split("\n") if line.strip())
        article.title = first.strip().lstrip("#").strip()[:300]
    return article


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
    body = _plain(body).strip()
    fields = [
        (str(k), [_plain(_as_text(x)) for x in v if x is not None] if isinstance(v, list) else _plain(_as_text(v)))
        for k, v in obj.items()
        if k not in ("text", "body") and v is not None
    ]
    article = _article(record, body, fields, [])
    if not article.title:
        article.title = next(line for line in body.split("\n") if line.strip()).strip()[:300]
    return article


def _plain(text: str) -> str:
    """Plain text as stored: entities decoded, then newlines and controls cleaned (``&#13;`` is a CR too)."""
    return remove_controls(normalise_newlines(decode_entities(text)))


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


def _article(record: Record, body: str, fields: list[tuple[str, str | list[str]]], warnings: list[str]) -> Article:
    """Fields onto an article; a list value (JSON) is taken as given for authors, joined otherwise."""
    article = Article(
        article_id=article_id_for(record.key), path=record.key, content_sha=record.content_sha,
        title="", body=body, warnings=[*record.warnings, *warnings],
    )
    seen: set[str] = set()
    for raw_key, value in fields:
        key = _canonical_key(raw_key)
        if key in seen:
            article.warnings.append(f"duplicate key {raw_key!r}: kept the first value")
            continue
        seen.add(key)
        if isinstance(value, list):
            if key == "authors":
                article.authors = [n.strip() for n in value if n.strip().lower() not in EMPTY_VALUES]
                continue
            value = ", ".join(value)
        if key not in KNOWN_KEYS:
            article.extra[key] = value
            continue
        cleaned = None if value.strip().lower() in EMPTY_VALUES else value.strip()
        if key == "authors":
            article.authors = split_authors(cleaned or "")
        elif key in ("published_date", "updated_date"):
            parsed, problem = _read_date(cleaned)
            if problem:
                article.warnings.append(f"{raw_key}: {problem}")
                article.extra[key] = cleaned
            setattr(article, key, parsed)
        elif key == "title":
            article.title = cleaned or ""
        else:
            setattr(article, key, cleaned)
    return article


def split_authors(value: str) -> list[str]:
    """"By A, B and C" → ["A", "B", "C"]; a suffix stays with its name: "King, Jr." is one author."""
    value = re.sub(r"^\s*by\s+", "", value, flags=re.IGNORECASE)
    names: list[str] = []
    for part in AUTHOR_SEPARATOR.split(value):
        part = part.strip()
        if not part or part.lower() in EMPTY_VALUES:
            continue
        if names and NAME_SUFFIX.fullmatch(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    return names


def parse_date(value: str | None) -> date | None:
    """ISO first, then common spellings ("Dec. 3, 2025", "3 December 2025"); None if unreadable."""
    return _read_date(value)[0]


def _read_date(value: str | None) -> tuple[date | None, str | None]:
    """(date, None), or (None, why not) for a value that is not empty.

    A date with no year ("Dec 3", "Monday") is no date: guessing one put articles in 1900.
    It is spotted by parsing against two default years: only a missing year changes the result.
    """
    if not value:
        return None, None
    try:
        return date.fromisoformat(value[:10]), None
    except ValueError:
        pass
    spelled = value.replace(".", " ")
    try:
        # Both leap years, so "Feb 29" without a year parses and is caught as yearless.
        first = date_parser.parse(spelled, default=datetime(2000, 1, 1))
        second = date_parser.parse(spelled, default=datetime(2004, 1, 1))
    except (ValueError, OverflowError):
        return None, f"could not read {value!r} as a date"
    if first != second:
        return None, f"{value!r} has no year; left undated"
    return first.date(), None
