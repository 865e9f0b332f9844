"""Saved web pages (``.html``/``.htm``), and any fetched news page → its article text and metadata.

The text is trafilatura's main-content extraction (navigation, ads, comments and related
links left out), one paragraph per blank-line-separated block, exactly as it will be stored:
offsets and quotes refer to it. Metadata comes from what the page declares (``page_meta.py``),
then trafilatura's own reading, then htmldate for dates nothing declares.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html import unescape
from pathlib import Path

from index.formats.base import FORMATS, Record, UnusableFile, content_sha, read_capped
from index.formats.fields import article_from
from index.formats.page_meta import PageMeta, clean, parse_tree, read_meta
from index.formats.text import decode, normalise_newlines, parse_date, remove_controls
from index.types import Article

SUFFIXES = (".html", ".htm")
MIN_WORDS = 25  # less than this is a teaser, a paywall stub or a page of links, not an article
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
# A page declaring Latin-1 or ASCII is read as Windows-1252, as browsers do (the WHATWG encoding standard).
WINDOWS_1252_ALIASES = {"latin_1", "iso8859_1", "ascii", "cp1252"}
DOMAIN_LIKE = re.compile(r"[\w-]+(?:\.[\w-]+)+")  # "example.com": trafilatura's stand-in for a site name
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "figcaption", "td")

logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its warnings are ours to word, in the report
logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass
class Page:
    """An article read from a page: the stored body and what is known about it."""

    body: str
    title: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    published: date | None = None
    updated: date | None = None
    section: str | None = None
    url: str | None = None  # canonical
    warnings: list[str] = field(default_factory=list)
    published_guessed: bool = False  # read from the page text by htmldate, not declared: a feed's date wins
    source_guessed: bool = False  # only the host name was known: a feed's title wins

    def fields(self) -> list[tuple[str, str | list[str]]]:
        """Key/value pairs in the seed format's names, for the article's fields and the corpus writer."""
        pairs: list[tuple[str, str | list[str]]] = [
            ("Source", self.source or ""), ("Title", self.title or ""), ("Authors", list(self.authors)),
            ("Published_Date", self.published.isoformat() if self.published else ""),
            ("Updated_Date", self.updated.isoformat() if self.updated else ""),
            ("Section", self.section or ""), ("URL", self.url or ""),
        ]
        return [(k, v) for k, v in pairs if v]


class SavedPage:
    """A page saved in the corpus: the stored body is the extracted text, so offsets and quotes refer to it."""

    def records(self, path: Path, key: str, suffix: str, max_bytes: int) -> Iterator[Record]:
        raw = read_capped(path, max_bytes)
        text, warnings = decode_page(raw)
        yield Record(key, content_sha(raw), text, suffix, tuple(warnings))

    def parse(self, record: Record) -> Article:
        page = extract_page(record.text)
        article = article_from(record, page.body, page.fields(), page.warnings)
        article.title = article.title or next(line for line in page.body.split("\n") if line.strip())[:300]
        return article


for _suffix in SUFFIXES:
    FORMATS.register(_suffix, SavedPage)


def decode_page(raw: bytes, declared: str | None = None) -> tuple[str, list[str]]:
    """Decode a page: byte-order mark, else the server's charset, else the page's ``<meta charset>``, else UTF-8.

    UTF-8 (and no declaration) goes through ``text.decode``, which repairs stray
    Windows-1252 bytes and reports them; a declared other encoding is honoured when the
    bytes fit it, and reported when they do not.
    """
    if raw[:3] == b"\xef\xbb\xbf" or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return decode(raw)
    label = declared or _meta_charset(raw[:4096])
    codec = _codec(label) if label else None
    if label and codec is None:
        text, warnings = decode(raw)
        return text, [f"the page declares an unknown encoding {label!r}; read as UTF-8", *warnings]
    if codec is None or codec in ("utf_8", "utf_8_sig"):
        return decode(raw)
    if codec in ("utf_16", "utf_16_le", "utf_16_be", "utf_32"):  # a page cannot say "UTF-16" in ASCII bytes
        return decode(raw)
    try:
        return raw.decode(codec), []
    except UnicodeDecodeError:
        if codec == "cp1252":  # the five bytes Windows-1252 leaves undefined are C1 controls to browsers
            marked = raw.decode("cp1252", errors="surrogateescape")
            return re.sub("[\udc80-\udcff]", lambda m: chr(ord(m.group()) - 0xDC00), marked), []
        text, warnings = decode(raw)
        return text, [f"the page declares {label!r} but its bytes are not; read as UTF-8", *warnings]


def _meta_charset(head: bytes) -> str | None:
    match = CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name.replace("-", "_")
    except LookupError:
        return None
    return "cp1252" if name in WINDOWS_1252_ALIASES else name


def extract_page(text: str, url: str | None = None) -> Page:
    """The article of a decoded page; raises ``UnusableFile`` when it holds no article text.

    ``url`` is where the page came from (a feed entry's link), used when the page names no
    canonical address of its own and to resolve a relative one.
    """
    import trafilatura  # loaded on first use: a corpus without pages never pays for it

    text = remove_controls(text)
    tree = parse_tree(text)
    if tree is None:
        raise UnusableFile("not an HTML page (nothing could be parsed)")
    meta = read_meta(tree, url)
    try:
        document = trafilatura.bare_extraction(
            text, url=meta.url or url, with_metadata=True, include_comments=False, include_tables=True,
            include_images=False, include_links=False, include_formatting=False, deduplicate=False)
    except Exception as exc:  # noqa: BLE001 — a third-party parser on hostile input must not stop a build
        raise UnusableFile(f"the page could not be read ({type(exc).__name__}: {str(exc)[:120]})") from None
    body = paragraphs(document.text if document is not None else None)
    if len(body.split()) < MIN_WORDS:
        raise UnusableFile("no article text in the page (only navigation, links or boilerplate"
                           f"{'' if not body else f'; {len(body.split())} words'})")
    return _page(body, meta, document, text)


def paragraphs(text: str | None) -> str:
    """One paragraph per line from trafilatura → blank-line-separated, so no sentence spans two."""
    if not text:
        return ""
    lines = (line.strip() for line in normalise_newlines(remove_controls(text)).split("\n"))
    return "\n\n".join(line for line in lines if line)


def _page(body: str, meta: PageMeta, document, text: str) -> Page:
    page = Page(body=body, title=meta.title, source=meta.source, authors=list(meta.authors),
                section=meta.section, url=meta.url, warnings=list(meta.notes))
    if document is not None:  # trafilatura's own metadata fills gaps (it reads some markup we do not)
        page.title = page.title or clean(document.title)
        sitename = clean(document.sitename)
        if page.source is None and sitename:
            page.source, page.source_guessed = sitename, bool(DOMAIN_LIKE.fullmatch(sitename))
        if not page.authors and document.author:
            page.authors = [n.strip() for n in document.author.split(";") if n.strip()]
        page.section = page.section or next((c for c in document.categories or [] if c.strip()), None)
    page.title = page.title or meta.document_title
    page.published = _date(meta.published, "published date", page.warnings)
    page.updated = _date(meta.updated, "updated date", page.warnings)
    if page.published is None:
        estimated = (document.date if document is not None else None) or _htmldate(text, original=True)
        page.published = parse_date(estimated)
        page.published_guessed = page.published is not None
        if page.published:
            page.warnings.append(f"published date {page.published} read from the page text (no date declared)")
        else:
            page.warnings.append("no published date on the page; left undated")
    if page.updated is None and page.published is not None:
        latest = parse_date(_htmldate(text, original=False))
        if latest and latest > page.published:
            page.updated = latest
    if page.updated and page.published and page.updated < page.published:
        page.warnings.append(f"updated date {page.updated} is before the published date; ignored")
        page.updated = None
    return page


def _date(value: str | None, what: str, warnings: list[str]) -> date | None:
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        warnings.append(f"{what} {value!r} could not be read as a date")
    return parsed


def _htmldate(text: str, original: bool) -> str | None:
    from htmldate import find_date

    try:
        return find_date(text, original_date=original, extensive_search=original)
    except Exception:  # noqa: BLE001 — a date is optional; a failure to find one is not worth a lost article
        return None


def fragment_text(html: str) -> str:
    """Text of an HTML fragment (a feed entry's content), one block element per paragraph."""
    from lxml import etree
    from lxml.html import fragment_fromstring

    if "<" not in html:  # text with no tags is still HTML: "Smith &amp; Jones" is "Smith & Jones"
        return paragraphs(unescape(html))
    try:
        root = fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    etree.strip_elements(root, "script", "style", "noscript", "iframe", "form", with_tail=False)
    blocks = [el for el in root.iter(*BLOCK_TAGS) if not any(a.tag in BLOCK_TAGS for a in el.iterancestors())]
    if not blocks:
        return paragraphs(root.text_content())
    return "\n\n".join(filter(None, (clean(b.text_content()) for b in blocks)))
