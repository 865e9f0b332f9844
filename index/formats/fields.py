"""A record's metadata fields (``Key: value`` lines, JSON keys, page metadata) onto an ``Article``."""

from __future__ import annotations

import re

from index.formats.base import Record, article_id_for
from index.formats.text import EMPTY_VALUES, read_date, split_authors
from index.types import Article

KNOWN_KEYS = {
    "source", "title", "authors", "reported_from", "published_date", "updated_date",
    "section", "page", "conflict", "url",
}
KEY_ALIASES = {"author": "authors", "byline": "authors", "published": "published_date", "date": "published_date",
               "updated": "updated_date", "link": "url", "outlet": "source", "publication": "source"}


def _canonical_key(key: str) -> str:
    key = re.sub(r"[\s\-]+", "_", key.strip().lower())
    return KEY_ALIASES.get(key, key)


def article_from(record: Record, body: str, fields: list[tuple[str, str | list[str]]], warnings: list[str]) -> Article:
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
            parsed, problem = read_date(cleaned)
            if problem:
                article.warnings.append(f"{raw_key}: {problem}")
                article.extra[key] = cleaned
            setattr(article, key, parsed)
        elif key == "title":
            article.title = cleaned or ""
        else:
            setattr(article, key, cleaned)
    return article
