"""RSS 0.9x/1.0/2.0 and Atom feeds → entries, through feedparser (which also sanitises entry HTML)."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import urljoin

from index.errors import NewsQAError
from index.formats.page_meta import clean
from index.formats.text import decode_entities
from index.formats.urls import is_web_url


class FeedError(NewsQAError):
    """A feed that cannot be read at all; the message says why, in a line."""

    http_status = 422
    exit_code = 1


@dataclass
class FeedEntry:
    link: str | None
    entry_id: str | None
    title: str | None
    authors: list[str] = field(default_factory=list)
    published: date | None = None
    updated: date | None = None
    content: str | None = None  # the entry's own full content (content:encoded, Atom <content>), HTML
    summary: str | None = None
    section: str | None = None


@dataclass
class Feed:
    location: str
    title: str | None
    entries: list[FeedEntry]
    notes: list[str] = field(default_factory=list)  # e.g. read despite being malformed
    link: str | None = None  # the channel's link: the site the feed speaks for


def read_feed(data: bytes, location: str, address: str | None = None) -> Feed:
    """Parse a feed's bytes; raise ``FeedError`` when they hold no feed.

    A relative item link ("/news/dam-cracks") is resolved (RFC 3986) against the address the feed
    was fetched from (``address``, after redirects), else ``location`` when it is a URL, else the
    channel's link.

    feedparser reads a malformed feed as far as it can ("bozo"): with entries, they are used
    and the problem is noted; without any, the feed is refused.
    """
    import feedparser

    if not data.strip():
        raise FeedError("the feed is empty")
    parsed = feedparser.parse(data)  # bytes, never a str: feedparser would take a str for a path or URL
    problem = _bozo_reason(parsed) if parsed.get("bozo") else None
    if not parsed.entries:
        if problem:
            raise FeedError(f"not a readable RSS or Atom feed ({problem})")
        if not parsed.get("version"):
            raise FeedError("not an RSS or Atom feed")
    notes = [f"the feed is malformed ({problem}); read {len(parsed.entries)} entries anyway"] if problem else []
    channel = parsed.get("feed", {})
    channel_link = (channel.get("link") or "").strip() or None
    base = next((u for u in (address, location, channel_link) if u and is_web_url(u)), None)
    return Feed(location, _text(channel.get("title")), [_entry(e, base) for e in parsed.entries], notes,
                link=channel_link)


def _bozo_reason(parsed) -> str:
    exc = parsed.get("bozo_exception")
    text = str(exc).splitlines()[0] if exc is not None and str(exc) else type(exc).__name__
    return text[:200]


def _entry(raw, base: str | None) -> FeedEntry:
    contents = [c for c in raw.get("content", []) if c.get("value")]
    html = next((c for c in contents if "html" in (c.get("type") or "")), contents[0] if contents else None)
    authors = [_text(a.get("name")) for a in raw.get("authors", []) if isinstance(a, dict) and a.get("name")]
    if not authors and raw.get("author"):
        authors = [_text(raw.get("author"))]
    tags = [t.get("term") for t in raw.get("tags", []) if isinstance(t, dict) and t.get("term")]
    return FeedEntry(
        link=_absolute((raw.get("link") or "").strip(), base),
        entry_id=(raw.get("id") or "").strip() or None,
        title=_text(raw.get("title")),
        authors=[a for a in authors if a],
        published=_date(dict.get(raw, "published_parsed")),  # dict.get: feedparser maps a missing one to the other
        updated=_date(dict.get(raw, "updated_parsed")),
        content=html.get("value") if html else None,
        summary=raw.get("summary") or None,
        section=_text(tags[0]) if tags else None,
    )


def _absolute(link: str, base: str | None) -> str | None:
    if not link:
        return None
    return urljoin(base, link) if base and not is_web_url(link) else link


def _text(value: object) -> str | None:
    """A title or name as one line of text. feedparser has decoded the XML once; what still reads
    ``&amp;`` was escaped twice by the publisher ("Tom &amp;amp; Jerry"), so it is decoded again."""
    text = clean(value)
    return clean(decode_entities(text)) if text else None


def _date(value: time.struct_time | None) -> date | None:
    """feedparser gives UTC struct_times; a date out of range is no date."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc).date()
    except (OverflowError, ValueError, OSError):
        return None
