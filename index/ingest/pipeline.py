"""Feeds → articles in the corpus folder: for each entry, find its text, fill its metadata, write it.

Where an entry's text comes from, best first: its page in the saved-pages folder, its page
fetched from the web (when allowed and reachable), then the entry's own content when that
is the full article rather than a summary. Page metadata wins over the feed's (the page
is the publisher's own record); the feed fills what the page leaves out.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from index.formats import UnusableFile
from index.formats.html import SUFFIXES as HTML_SUFFIXES
from index.formats.html import Page, decode_page, extract_page, fragment_text
from index.formats.page_meta import is_amp, parse_tree, read_meta
from index.formats.urls import article_file_name, canonical_url, is_site_root, is_web_url, site_of, url_key
from index.ingest.corpus import TEXT_FROM_FEED, TEXT_FROM_PAGE, Corpus
from index.ingest.feeds import Feed, FeedEntry, FeedError, read_feed
from index.ingest.fetch import FetchError, fetch

SAME_ARTICLE_SHARE = 0.5  # of the shorter text's word 4-grams found in the other: an edit, not another article
FULL_TEXT_WORDS = 80  # an entry's summary shorter than this is a teaser, not the article
PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?|shtml)$", re.IGNORECASE)


@dataclass
class Outcome:
    """What happened to one entry (or one feed, when ``entry`` is None), for a one-line report."""

    feed: str
    entry: str | None  # the entry's link or title
    action: str  # "added", "updated", "unchanged", "kept", "duplicate", "skipped", "failed"
    file: str | None = None  # corpus-relative
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action and o.entry is not None)

    @property
    def failed_feeds(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.entry is None and o.action == "failed"]


@dataclass
class IngestOptions:
    corpus_dir: Path
    pages_dir: Path | None = None
    allow_fetch: bool = True
    max_bytes: int = 10_000_000


def ingest_feeds(feeds: list[str], options: IngestOptions) -> IngestReport:
    """Read every feed and write its new or changed entries into the corpus; never raises for bad input."""
    corpus = Corpus(options.corpus_dir)
    pages = SavedPages(options.pages_dir, options.max_bytes) if options.pages_dir else None
    run = _Run(corpus, pages, options)
    for location in feeds:
        try:
            feed, validators = run.load_feed(location)
        except (FeedError, FetchError, UnusableFile, OSError) as exc:
            run.report.outcomes.append(Outcome(location, None, "failed", notes=[_reason(exc)]))
            continue
        if feed is None:
            run.report.outcomes.append(Outcome(location, None, "unchanged", notes=["not modified since last read"]))
            continue
        run.report.outcomes.append(Outcome(location, None, "read", notes=[
            f"{len(feed.entries)} entries", *feed.notes]))
        ids = Counter(entry.entry_id for entry in feed.entries if entry.entry_id)
        run.repeated_ids = {entry_id for entry_id, n in ids.items() if n > 1}  # an id several entries share names none
        actions = [run.entry(feed, entry) for entry in feed.entries]
        if validators and "skipped" not in actions:
            # Remembered only once every entry was used: a skipped one (its page missing, unreachable or
            # without text) is tried again on the next run rather than hidden behind "not modified".
            corpus.state.validators[location] = validators
    corpus.save_state()
    return run.report


class _Run:
    def __init__(self, corpus: Corpus, pages: SavedPages | None, options: IngestOptions) -> None:
        self.corpus, self.pages, self.options = corpus, pages, options
        self.report = IngestReport()
        self.done: dict[str, str] = {}  # file name → entry that wrote it in this run
        self.unreachable: set[str] = set()  # hosts that failed to connect once: not tried again this run
        self.repeated_ids: set[str] = set()  # entry ids (guids) the current feed gives to several entries

    def load_feed(self, location: str) -> tuple[Feed | None, dict[str, str]]:
        """(the feed, or None when not modified; its HTTP validators, stored by the caller once it was used)."""
        if is_web_url(location):
            if not self.options.allow_fetch:
                raise FetchError("fetching is turned off (--no-fetch); give a saved feed file")
            fetched = fetch(location, self.options.max_bytes, self.corpus.state.validators.get(location))
            if fetched.not_modified:
                return None, {}
            return read_feed(fetched.body, location, fetched.url), fetched.validators()
        path = Path(location)
        size = path.stat().st_size
        if size > self.options.max_bytes:
            raise UnusableFile(f"the feed is {size:,} bytes, over the limit of {self.options.max_bytes:,} "
                               "(NEWSQA_MAX_FILE_BYTES)")
        return read_feed(path.read_bytes(), location), {}

    def entry(self, feed: Feed, entry: FeedEntry) -> str:
        """Ingest one entry; returns its outcome's action."""
        label = entry.link or entry.title or entry.entry_id or "(an entry with no link or title)"
        outcome = Outcome(feed.location, label, "skipped")
        self.report.outcomes.append(outcome)
        try:
            self._entry(feed, entry, outcome)
        except _NotModified as exc:
            outcome.action = "unchanged"
            outcome.notes.append(str(exc))
        except UnusableFile as exc:
            outcome.action = "skipped"
            outcome.notes.append(str(exc))
        return outcome.action

    def _entry(self, feed: Feed, entry: FeedEntry, outcome: Outcome) -> None:
        link = entry.link if entry.link and is_web_url(entry.link) else None
        if link is None and entry.entry_id and is_web_url(entry.entry_id):
            link = entry.entry_id
        page, text_from, why_not, read_from, fetched = self._page(link, outcome.notes)
        if page is None:
            page = _from_entry(entry)
            text_from = TEXT_FROM_FEED
            if page is None:
                raise UnusableFile(f"{why_not or 'no link'}; the feed carries only a summary, not the article")
            if why_not:
                outcome.notes.append(f"{why_not}; used the full text the feed carries")
        else:
            outcome.notes += _distrust_canonical(page, read_from or link, feed)
        _fill_from_feed(page, entry, feed)
        name, keys = self._file(feed, entry, page, link, outcome.notes)
        outcome.file = f"{self.corpus.folder.name}/{name}"
        if name in self.done:
            outcome.action = "duplicate"
            outcome.notes.append(f"same canonical URL as {self.done[name]}")
            return
        self.done[name] = outcome.entry or name
        if page.published is None and page.updated is None:
            outcome.notes.append("no date in the entry or on the page; ingested undated")
        outcome.notes += [w for w in page.warnings if "left undated" not in w]
        outcome.action = self.corpus.write(name, page, text_from)
        self.corpus.remember(keys, name)
        if fetched is not None and fetched.validators():  # the page was used: a later run may ask "modified?"
            self.corpus.state.validators[fetched.asked] = fetched.validators()
        if outcome.action == "kept":
            outcome.notes.append("the stored text came from the article's page; the feed's copy did not replace it")

    def _file(self, feed: Feed, entry: FeedEntry, page: Page, link: str | None,
              notes: list[str]) -> tuple[str, list[str]]:
        """(the corpus file of this entry's article, the keys it is known by from now on)."""
        own = url_key(link)
        keys = [k for k in dict.fromkeys((url_key(page.url), own)) if k]
        named_by = keys[0] if keys else None
        if entry.entry_id and entry.entry_id not in self.repeated_ids or not keys:
            # The feed's id for the entry (an RSS guid, an Atom id) names it across changes of its link: looked up
            # first. With no address at all, the file is named from it (or from the title).
            keys.insert(0, _entry_key(feed, entry))
        if named_by is None:
            named_by = keys[0]
            notes.append("the entry has no link; named from its id")
        name = self.corpus.file_for(keys, named_by)
        stored = self.corpus.stored(name)
        if stored is None or stored.url_key == own or same_article(stored.body, page.body):
            return name, keys
        # An address this entry shares with a stored article (a page's canonical claim) names another text:
        # never written over it; the entry is its own article under its own link.
        if own is None or article_file_name(own) == name:
            raise UnusableFile(f"its address names a different article already stored ({stored.url}); "
                               "not written over it")
        notes.append(f"{page.url} already names a different article; stored under its own link")
        page.url = canonical_url(link)
        return article_file_name(own), [own]

    def _page(self, link: str | None, notes: list[str]):
        """(page, "page", None, the address it was read from, what was fetched or None),
        or (None, "", why no page could be used, None, None)."""
        if link is None:
            return None, "", None, None, None
        why = "no saved page for it" if self.pages else None
        found = self.pages.find(link) if self.pages else None
        if found is not None:
            try:
                return _extract_saved(found, link, self.options.max_bytes), TEXT_FROM_PAGE, None, link, None
            except UnusableFile as exc:
                return None, "", f"saved page {found.name}: {exc}", None, None
            except OSError as exc:
                return None, "", f"saved page {found.name} could not be read ({exc.strerror or exc})", None, None
        if not self.options.allow_fetch:
            return None, "", why or "no page (no saved-pages folder given, and fetching is off)", None, None
        host = urlsplit(link).hostname or ""
        if host in self.unreachable:
            return None, "", f"{host} was unreachable earlier in this run", None, None
        link = canonical_url(link) or link  # no tracking parameters sent back; the full page, not its AMP copy
        try:
            fetched = fetch(link, self.options.max_bytes, self.corpus.state.validators.get(link))
        except FetchError as exc:
            if "could not connect" in str(exc) or "no answer" in str(exc):
                self.unreachable.add(host)
            return None, "", f"page not fetched: {exc}", None, None
        if fetched.not_modified:
            raise _NotModified()
        try:
            text, warnings = decode_page(fetched.body, fetched.charset)
            page = extract_page(text, fetched.url)
        except UnusableFile as exc:  # a paywall stub, an error page: the feed's own text may still be the article
            return None, "", f"fetched page: {exc}", None, None
        page.warnings[:0] = warnings
        return page, TEXT_FROM_PAGE, None, fetched.url, fetched


class _NotModified(UnusableFile):
    def __init__(self) -> None:
        super().__init__("page not modified since it was last fetched")


class SavedPages:
    """A folder of saved article pages, found by the canonical URL they declare or by file name.

    A crawler names files after the address's last path segment ("ferry-fares-rise.html")
    or anything at all; reading each page's ``rel=canonical``/``og:url`` finds either.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.by_key: dict[str, Path] = {}
        self.by_stem: dict[str, Path] = {}
        self.claims: dict[Path, str] = {}  # the address each page declares
        rank: dict[str, tuple[bool, int]] = {}  # several pages of one article: the non-AMP, larger one
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in HTML_SUFFIXES
                       and not p.name.startswith("."))
        for path in files:
            self.by_stem.setdefault(path.stem.lower(), path)
            try:
                if path.stat().st_size > max_bytes:
                    continue  # found by name, and refused with its size as the reason
                text, _ = decode_page(path.read_bytes())
            except (OSError, UnusableFile):
                continue
            tree = parse_tree(text)
            key = url_key(read_meta(tree).url) if tree is not None else None
            if key:
                self.claims[path] = key
            if key and (key not in rank or (is_amp(tree), -len(text)) < rank[key]):
                self.by_key[key], rank[key] = path, (is_amp(tree), -len(text))

    def find(self, link: str) -> Path | None:
        key = url_key(link)
        named = self._named(link)
        if key and key in self.by_key:
            # Pages of several articles may claim one address: the one saved under the link's own name is its page.
            return named if named is not None and self.claims.get(named) == key else self.by_key[key]
        return named

    def _named(self, link: str) -> Path | None:
        segments = [s for s in PurePosixPath(urlsplit(link).path).parts if s not in ("/", "amp", "AMP")]
        if not segments:
            return None
        return self.by_stem.get(PAGE_SUFFIX.sub("", segments[-1]).lower())


def _extract_saved(path: Path, link: str, max_bytes: int) -> Page:
    size = path.stat().st_size
    if size > max_bytes:
        raise UnusableFile(f"page is {size:,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)")
    text, warnings = decode_page(path.read_bytes())
    page = extract_page(text, link)
    page.warnings[:0] = warnings
    return page


def _entry_key(feed: Feed, entry: FeedEntry) -> str:
    token = f"{feed.title or feed.location}\0{entry.entry_id or entry.title}"
    return "entry:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def _distrust_canonical(page: Page, address: str | None, feed: Feed) -> list[str]:
    """A page's canonical URL names the article only on the site that serves the page or the feed, and never
    when it is the site root: pages of two outlets claiming one address stay two articles."""
    if page.url is None or address is None:
        return []
    trusted = {site_of(u) for u in (address, feed.location, feed.link)} - {None}
    if is_site_root(page.url):
        why = "is the site's home page"
    elif site_of(page.url) not in trusted:
        why = "is on another site"
    else:
        return []
    claimed, page.url = page.url, canonical_url(address)
    return [f"the page's canonical URL {claimed} {why}; named from its own address instead"]


def same_article(old: str, new: str) -> bool:
    """Whether ``new`` is a version of ``old`` (edited, extended, cut), not another article: most of the
    shorter text's word 4-grams are in the longer one."""
    a, b = _shingles(old), _shingles(new)
    if not a or not b:
        return old.split() == new.split()
    return len(a & b) >= SAME_ARTICLE_SHARE * min(len(a), len(b))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 4]) for i in range(len(words) - 3)}


def _from_entry(entry: FeedEntry) -> Page | None:
    """The entry's own content as the article: its content (``content:encoded``, Atom ``<content>``) is the
    article however short (a brief is still an article); a description or summary only when it is long enough
    not to be a teaser."""
    content = fragment_text(entry.content) if entry.content else ""
    if content.strip():
        return Page(body=content)
    summary = fragment_text(entry.summary) if entry.summary else ""
    if len(summary.split()) >= FULL_TEXT_WORDS:
        return Page(body=summary)
    return None


def _fill_from_feed(page: Page, entry: FeedEntry, feed: Feed) -> None:
    page.title = page.title or entry.title
    page.authors = page.authors or list(entry.authors)
    if feed.title and (page.source is None or page.source_guessed):
        page.source, page.source_guessed = feed.title, False
    page.section = page.section or entry.section
    if entry.published is not None and (page.published is None or page.published_guessed):
        page.published, page.published_guessed = entry.published, False
        page.warnings = [w for w in page.warnings if "published date" not in w and "left undated" not in w]
    if page.updated is None and entry.updated and page.published and entry.updated > page.published:
        page.updated = entry.updated
    if page.updated and page.published and page.updated <= page.published:
        page.updated = None  # an update on or before publication says nothing
    if page.url is None and entry.link:
        page.url = canonical_url(entry.link)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        return f"could not be read ({exc.strerror or exc})"
    return str(exc)
