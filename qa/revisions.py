"""An article's revisions as a reader sees them: the versions an edited article went through, and what
changed between two of them (a unified diff of the text, line by line)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from index import Article, ArticleMeta, NewsQAError


class UnknownRevision(NewsQAError, LookupError):
    """An article or revision the index does not hold."""

    http_status = 404
    exit_code = 2


@dataclass
class RevisionDiff:
    from_revision: int
    to_revision: int
    diff: str  # unified diff of the two texts ("" when they read alike line by line)


@dataclass
class History:
    article_id: str
    revisions: list[ArticleMeta]  # oldest first
    diffs: list[RevisionDiff]


def unified_diff(old: Article, new: Article) -> str:
    """The change from ``old`` to ``new`` as a unified diff of their texts (lines of the body)."""
    lines = difflib.unified_diff(old.body.splitlines(keepends=True), new.body.splitlines(keepends=True),
                                 fromfile=f"{old.article_id} revision {old.revision}",
                                 tofile=f"{new.article_id} revision {new.revision}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def history(index, article_id: str, pair: tuple[int | None, int | None] | None = None) -> History:
    """The article's revisions with the diff between each and the next, or only between ``pair``
    (from, to; a missing ``from`` is the revision before ``to``, a missing ``to`` the latest);
    ``UnknownRevision`` names the article or revision it does not hold."""
    revisions = index.revisions(article_id)
    if not revisions:
        raise UnknownRevision(f"no article with id {article_id!r}")
    numbers = [m.revision for m in revisions]
    if pair is not None:
        first, last = pair
        last = numbers[-1] if last is None else last
        first = max((n for n in numbers if n < last), default=last) if first is None else first
        pair = (first, last)
    steps = list(zip(numbers, numbers[1:])) if pair is None else [pair]
    for number in {n for step in steps for n in step}:
        if number not in numbers:
            raise UnknownRevision(f"article {article_id!r} has no revision {number} "
                                  f"(its revisions: {', '.join(map(str, numbers))})")
    bodies = {n: index.article(article_id, n) for n in {n for step in steps for n in step}}
    diffs = [RevisionDiff(a, b, unified_diff(bodies[a], bodies[b])) for a, b in steps]
    return History(article_id, revisions, diffs)
