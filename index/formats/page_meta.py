"""Metadata a news page declares about itself: JSON-LD, OpenGraph, meta tags, microdata, byline.

Each source is read separately and merged by trust: JSON-LD ``NewsArticle`` (written for
search engines, so usually complete and exact) first, then OpenGraph and ``article:*``
tags, then plain meta tags, microdata and a visible byline. ``html.py`` fills what is
still missing from trafilatura and htmldate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from index.formats.text import split_authors
from index.formats.urls import canonical_url

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting", "liveblogposting",
    "socialmediaposting", "report", "scholarlyarticle", "techarticle",
}
MAX_JSON_LD_CHARS = 1_000_000  # a bigger block is not metadata; json.loads on it would only cost time
BY_PREFIX = re.compile(r"^\s*(?:written\s+)?by[:\s]+", re.IGNORECASE)
BYLINE_TAIL = re.compile(r"\s*(?:\||·|—|–|\bpublished\b|\bupdated\b|\bposted\b|\d{1,2}:\d{2}).*$", re.IGNORECASE)
BYLINE_CLASS = ("byline", "author-name", "article-author", "story-author")
WHITESPACE = re.compile(r"\s+")


@dataclass
class PageMeta:
    """What the page says about itself; None/empty where it says nothing."""

    title: str | None = None
    document_title: str | None = None  # <title>, often with the outlet's name appended: the last resort
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # as written on the page; html.py reads it as a date
    updated: str | None = None
    section: str | None = None
    url: str | None = None  # canonical, absolute
    notes: list[str] = field(default_factory=list)


def is_amp(tree: lxml.html.HtmlElement) -> bool:
    """An AMP rendering (``<html amp>`` or ``<html ⚡>``): a copy of an article published elsewhere."""
    return any(name in tree.attrib for name in ("amp", "\u26a1"))


def parse_tree(text: str) -> lxml.html.HtmlElement | None:
    """The page as an lxml tree, or None when nothing parses (an empty or non-HTML document)."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input that declares an encoding
    try:
        return lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(remove_comments=True))
    except (etree.LxmlError, ValueError):
        return None


def read_meta(tree: lxml.html.HtmlElement, base_url: str | None = None) -> PageMeta:
    """Merge JSON-LD, OpenGraph, meta tags, microdata and byline, most trusted first."""
    meta = PageMeta()
    json_ld, tags = _json_ld(tree, meta.notes), _meta_tags(tree)
    sources = [json_ld, _open_graph(tree), tags, _microdata(tree), _byline(tree)]
    for found in sources:
        for name in ("title", "source", "published", "updated", "section"):
            if getattr(meta, name) is None and found.get(name):
                setattr(meta, name, clean(found[name]))
        if not meta.authors and found.get("authors"):
            meta.authors = _names(found["authors"])
    # The page's own word on its address: rel=canonical, then og:url, then JSON-LD's url.
    for candidate in (_link_canonical(tree), tags.get("og_url"), json_ld.get("url")):
        url = canonical_url(candidate, base_url)
        if url:
            meta.url = url
            break
    if meta.url is None:
        meta.url = canonical_url(base_url)
    meta.document_title = clean(tree.findtext(".//title"))
    return meta


def clean(value: object) -> str | None:
    """One line of plain text: entities decoded by lxml already, whitespace collapsed."""
    if value is None:
        return None
    text = WHITESPACE.sub(" ", str(value)).strip()
    return text or None


def _names(value: object) -> list[str]:
    if isinstance(value, str):  # one string may name several people: "By A, B and C"
        value = BYLINE_TAIL.sub("", BY_PREFIX.sub("", clean(value) or ""))
        return [n for n in split_authors(value) if not _looks_like_url(n)]
    names: list[str] = []  # a list (JSON-LD, microdata) names one person per item: "Doe, Jane" stays whole
    for item in value if isinstance(value, list) else [value]:
        name = clean(BY_PREFIX.sub("", item)) if isinstance(item, str) else None
        if name and not _looks_like_url(name) and name not in names:
            names.append(name)
    return names


def _looks_like_url(text: str) -> bool:
    return bool(re.match(r"^(?:https?:)?//|^www\.", text.strip(), re.IGNORECASE))


def _json_ld(tree, notes: list[str]) -> dict:
    """The first article-typed object among the page's JSON-LD blocks (``@graph`` and lists included)."""
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = script.text or ""
        if not raw.strip() or len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            notes.append("a JSON-LD block could not be read and was ignored")
            continue
        article = _find_article(data, depth=0)
        if article is not None:
            return _from_json_ld(article)
    return {}


def _find_article(data: object, depth: int) -> dict | None:
    if depth > 6:
        return None
    if isinstance(data, list):
        for item in data:
            found = _find_article(item, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(data, dict):
        return None
    types = data.get("@type")
    types = types if isinstance(types, list) else [types]
    if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types):
        return data
    return _find_article(data.get("@graph"), depth + 1) if "@graph" in data else None


def _from_json_ld(obj: dict) -> dict:
    def name_of(value: object) -> object:
        if isinstance(value, dict):
            return value.get("name")
        if isinstance(value, list):
            return [name_of(v) for v in value]
        return value

    section = obj.get("articleSection")
    if isinstance(section, list):
        section = next((s for s in section if isinstance(s, str) and s.strip()), None)
    entity = obj.get("mainEntityOfPage")
    url = obj.get("url") or (entity.get("@id") if isinstance(entity, dict) else entity)
    publisher = name_of(obj.get("publisher"))
    return {
        "title": _text(obj.get("headline") or obj.get("name")),
        "source": _text(publisher[0] if isinstance(publisher, list) and publisher else publisher),
        "authors": name_of(obj.get("author") or obj.get("creator")),
        "published": _text(obj.get("datePublished") or obj.get("dateCreated")),
        "updated": _text(obj.get("dateModified")),
        "section": _text(section),
        "url": _text(url),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _meta_values(tree) -> dict[str, str]:
    """``<meta>`` content by lower-cased property/name/itemprop; the first of each wins."""
    values: dict[str, str] = {}
    for element in tree.xpath("//meta[@content]"):
        content = element.get("content", "").strip()
        for attr in ("property", "name", "itemprop"):
            key = (element.get(attr) or "").strip().lower()
            if key and content and key not in values:
                values[key] = content
    return values


def _first(values: dict[str, str], *keys: str) -> str | None:
    return next((values[k] for k in keys if values.get(k)), None)


def _open_graph(tree) -> dict:
    values = _meta_values(tree)
    author = _first(values, "article:author")
    return {
        "title": _first(values, "og:title"),
        "source": _first(values, "og:site_name"),
        "authors": author if author and not _looks_like_url(author) else None,
        "published": _first(values, "article:published_time", "og:published_time"),
        "updated": _first(values, "article:modified_time", "og:updated_time", "og:modified_time"),
        "section": _first(values, "article:section"),
    }


def _meta_tags(tree) -> dict:
    values = _meta_values(tree)
    return {
        "title": _first(values, "twitter:title", "dc.title", "parsely-title", "sailthru.title"),
        "source": _first(values, "application-name", "publisher", "dc.publisher", "cxenseparse:site"),
        "authors": _first(values, "author", "byl", "parsely-author", "sailthru.author", "dc.creator",
                          "article.author", "cxenseparse:author"),
        "published": _first(values, "date", "pubdate", "publishdate", "publish-date", "article.published",
                            "dc.date", "dc.date.issued", "dcterms.created", "parsely-pub-date",
                            "sailthru.date", "datepublished", "original-publish-date"),
        "updated": _first(values, "last-modified", "dc.date.modified", "dcterms.modified", "article.updated",
                          "datemodified"),
        "section": _first(values, "section", "article.section", "parsely-section", "category"),
        "og_url": _first(values, "og:url"),
    }


def _microdata(tree) -> dict:
    def prop(name: str) -> str | None:
        for element in tree.xpath(f'//*[@itemprop="{name}"]'):
            value = element.get("datetime") or element.get("content")
            if value is None:
                named = element.xpath('.//*[@itemprop="name"]')
                value = (named[0] if named else element).text_content()
            if clean(value):
                return value
        return None

    authors = [clean(e.xpath('string(.//*[@itemprop="name"])') or e.text_content())
               for e in tree.xpath('//*[@itemprop="author"]')]
    return {"authors": [a for a in authors if a] or None, "published": prop("datePublished"),
            "updated": prop("dateModified"), "section": prop("articleSection")}


def _byline(tree) -> dict:
    """A visible "By Jane Doe" line: ``rel=author`` links, or an element whose class says byline."""
    links = [clean(a.text_content()) for a in tree.xpath('//a[@rel="author"]')]
    if any(links):
        return {"authors": [n for n in links if n]}
    condition = " or ".join(f'contains(translate(@class, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", '
                            f'"abcdefghijklmnopqrstuvwxyz"), "{c}")' for c in BYLINE_CLASS)
    for element in tree.xpath(f"//*[{condition}]"):
        text = clean(element.text_content())
        if text and len(text) < 200:
            return {"authors": text}
    return {}


def _link_canonical(tree) -> str | None:
    for link in tree.xpath("//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return link.get("href")
    return None
