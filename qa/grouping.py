"""Search results as news search shows them: one result per article, in an order, a page at a time.

Retrieval ranks passages; a reader looks for articles. The passages of one article become one
result that keeps its best passage (for the snippet) and lists the others ("3 more passages").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from index import ArticleMeta, Registry
from qa.passages import Passage


@dataclass
class Snippet:
    """Verbatim article text at [start, end): the best-matching sentence(s) of the best passage."""

    start: int
    end: int
    text: str
    truncated: bool = False  # one long sentence cut after the word limit (the text still is the article's)


@dataclass
class ArticleResult:
    """One article: its best passage scores it; ``more`` are its other matching passages, best first."""

    best: Passage
    more: list[Passage] = field(default_factory=list)
    snippet: Snippet | None = None

    @property
    def article(self) -> ArticleMeta:
        return self.best.chunk.article

    @property
    def score(self) -> float:
        return self.best.score


def group_by_article(passages: Sequence[Passage]) -> list[ArticleResult]:
    """Passages (best first) folded into one result per article, in the order of each article's best."""
    results: dict[str, ArticleResult] = {}
    for passage in sorted(passages, key=lambda p: -p.score):  # stable: ties keep retrieval's order
        article_id = passage.chunk.article.article_id
        if article_id in results:
            results[article_id].more.append(passage)
        else:
            results[article_id] = ArticleResult(passage)
    return list(results.values())


def by_relevance(results: Sequence[ArticleResult]) -> list[ArticleResult]:
    return sorted(results, key=lambda r: (-r.score, r.article.article_id))


def _by_date(results: Sequence[ArticleResult], newest: bool) -> list[ArticleResult]:
    dated = [r for r in results if r.article.effective_date is not None]
    undated = [r for r in results if r.article.effective_date is None]

    def key(r: ArticleResult) -> tuple:
        day: date = r.article.effective_date
        return (-day.toordinal() if newest else day.toordinal(), -r.score, r.article.article_id)

    return sorted(dated, key=key) + by_relevance(undated)


#: Orders of the matching articles by name (each a function of the results). Dates are the as-of rule's
#: (``ArticleMeta.effective_date``: an update dates the stored text); undated articles come last, best
#: first; equal dates go best first.
SORTS: Registry[list[ArticleResult]] = Registry("sort order")
SORTS.register("relevance", by_relevance)
SORTS.register("newest", lambda results: _by_date(results, newest=True))
SORTS.register("oldest", lambda results: _by_date(results, newest=False))


def order(results: Sequence[ArticleResult], sort: str) -> list[ArticleResult]:
    """``results`` in the registered order ``sort`` (an unknown name fails listing the orders)."""
    return SORTS.get(sort)(results)
