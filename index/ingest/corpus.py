"""Writing ingested articles into the corpus folder, in the seed format the build already reads.

One file per article under ``<corpus>/ingested/``, named from its canonical URL
(``urls.article_file_name``), so the incremental build embeds exactly the new and changed
ones. Writes are atomic (a hidden temporary file, then a rename: a build running meanwhile
sees the old file or the new one, and ignores hidden files), and nothing is ever deleted.
A hidden state file remembers every address seen for each file (so an entry's link and
its page's ``rel=canonical`` lead to one file even when they differ) and the HTTP
validators of fetched addresses.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from index.formats.html import Page
from index.formats.urls import article_file_name, url_key

FOLDER = "ingested"
STATE_FILE = ".ingest-state.json"
TEXT_FROM_PAGE, TEXT_FROM_FEED = "page", "feed"
URL_LINE = re.compile(r"^URL:\s*(\S+)\s*$", re.MULTILINE)
UPDATED_LINE = re.compile(r"^Updated_Date:\s*(\S+)\s*$", re.MULTILINE)
TEXT_FROM_LINE = re.compile(r"^Text_From:\s*(\w+)\s*$", re.MULTILINE)
ONE_LINE = re.compile(r"\s+")


@dataclass
class IngestState:
    """Addresses → file names, and HTTP validators by address; lost state only costs re-downloads."""

    aliases: dict[str, str] = field(default_factory=dict)  # url_key → file name
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # url → {"etag", "last_modified"}


@dataclass
class StoredArticle:
    url: str | None
    url_key: str | None
    body: str


class Corpus:
    """The ingested part of a corpus folder."""

    def __init__(self, corpus_dir: Path) -> None:
        self.folder = corpus_dir / FOLDER
        self.state_path = self.folder / STATE_FILE
        self.state = self._load_state()
        self._saved = json.dumps(self.state.__dict__, sort_keys=True)

    def _load_state(self) -> IngestState:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            state = IngestState(dict(data.get("aliases", {})), dict(data.get("validators", {})))
        except (OSError, ValueError, AttributeError, TypeError):
            state = IngestState()  # missing or damaged: rebuilt from the files' own URL lines below
        for path in sorted(self.folder.glob("*.txt")) if self.folder.is_dir() else []:
            match = URL_LINE.search(_head(path))
            key = url_key(match.group(1)) if match else None
            if key:
                state.aliases.setdefault(key, path.name)
        return state

    def stored(self, name: str) -> StoredArticle | None:
        """The article now in file ``name`` (its URL and body), or None when there is none."""
        try:
            text = (self.folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        head, _, body = text.partition("=== ARTICLE ===")
        match = URL_LINE.search(head)
        url = match.group(1) if match else None
        return StoredArticle(url, url_key(url), body.strip())

    def file_for(self, keys: list[str], named_by: str) -> str:
        """The file of the article known under any of ``keys`` (in order), else a new name from ``named_by``."""
        for key in keys:
            if key in self.state.aliases:
                return self.state.aliases[key]
        return article_file_name(named_by)

    def remember(self, keys: list[str], name: str) -> None:
        for key in keys:
            self.state.aliases.setdefault(key, name)

    def write(self, name: str, page: Page, text_from: str) -> str:
        """Write one article; returns "added", "updated", "unchanged" or "kept" (page text not replaced).

        Text extracted from the article's page is better than a feed's copy of it: a re-run
        without the page never overwrites it with the feed's version. A rewritten body records
        when it changed (``Updated_Date``: the source's modified date, else today), so an as-of
        date before the change does not quote the new text.
        """
        path = self.folder / name
        try:
            old = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            old = None
        if old is not None and page.updated is None:
            page.updated = _updated_date(old)  # the date recorded for the stored text still holds
            if _body(old) != page.body.strip():
                page.updated = datetime.now(timezone.utc).date()
        text = render(page, text_from)
        if old == text:
            return "unchanged"
        if old is not None and text_from == TEXT_FROM_FEED and _text_from(old) == TEXT_FROM_PAGE:
            return "kept"
        atomic_write(path, text)
        return "added" if old is None else "updated"

    def save_state(self) -> None:
        current = json.dumps(self.state.__dict__, sort_keys=True)
        if current != self._saved:
            atomic_write(self.state_path, json.dumps(self.state.__dict__, indent=1, sort_keys=True) + "\n")
            self._saved = current


def render(page: Page, text_from: str) -> str:
    """The seed format: ``=== METADATA ===``, one ``Key: value`` line each, ``=== ARTICLE ===``, the body."""
    lines = ["=== METADATA ==="]
    for key, value in page.fields():
        if isinstance(value, list):
            value = "; ".join(value)  # ";" splits names without breaking "King, Jr."
        lines.append(f"{key}: {ONE_LINE.sub(' ', value).strip()}")
    lines += [f"Text_From: {text_from}", "", "=== ARTICLE ===", page.body.strip(), ""]
    return "\n".join(lines)


def atomic_write(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp", delete=False, newline="\n")
    try:
        with handle:
            handle.write(text)
            handle.flush()
            # mkstemp creates 0600: a build or service under another account could not read the article.
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (only readable by setting it; set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _head(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(4096).split("=== ARTICLE ===", 1)[0]
    except OSError:
        return ""


def _body(text: str) -> str:
    return text.split("=== ARTICLE ===", 1)[-1].strip()


def _updated_date(text: str) -> date | None:
    match = UPDATED_LINE.search(text.split("=== ARTICLE ===", 1)[0])
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def _text_from(text: str) -> str | None:
    match = TEXT_FROM_LINE.search(text.split("=== ARTICLE ===", 1)[0])
    return match.group(1) if match else None
