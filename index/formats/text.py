"""Text helpers every format shares: bytes to clean text, entities, dates, author lists.

Text reaches the rest of the build clean: decoded (UTF-8 with stray Windows-1252 bytes
repaired, whole-file Windows-1252, or UTF-16/32 with a byte-order mark), C0 control
characters removed, and no lone surrogates, which nothing downstream can encode.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime

from dateutil import parser as date_parser

from index.formats.base import UnusableFile

EMPTY_VALUES = {"", "not specified", "unspecified", "unknown", "n/a", "na", "none", "null", "-", "—"}
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


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Decode a file's bytes; the warnings say what had to be guessed, for the build summary."""
    marked, warnings = decode_marked(raw)
    text, repaired, first = repair_stray_bytes(marked)
    if repaired:
        line = normalise_newlines(marked[:first]).count("\n") + 1
        warnings.append(stray_note(repaired, line))
    return text, warnings


def decode_marked(raw: bytes) -> tuple[str, list[str]]:
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


def repair_stray_bytes(marked: str) -> tuple[str, int, int]:
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


def stray_note(count: int, line: int) -> str:
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


def plain(text: str) -> str:
    """Plain text as stored: entities decoded, then newlines and controls cleaned (``&#13;`` is a CR too)."""
    return remove_controls(normalise_newlines(decode_entities(text)))


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
    return read_date(value)[0]


def read_date(value: str | None) -> tuple[date | None, str | None]:
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
