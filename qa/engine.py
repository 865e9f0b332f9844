"""The query side's face: one loaded encoder, the held index, and the pipelines of /ask and /search.

The HTTP API and the CLI call this; how a question is answered is the pipeline's (qa.pipeline,
qa.stages), how the live index is held and swapped the holder's (qa.holder).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from index import Article, Encoder, Facets, Filters, UnknownChoice, make_encoder
from qa import stages  # noqa: F401 - registers every stage
from qa.answer import Answer
from qa.grouping import SORTS, ArticleResult
from qa.holder import IndexHolder, NoIndex, RebuildRefused, Snapshot
from qa.passages import Passage
from qa.pipeline import ASK, CHECK, SEARCH, TIMELINE, Pipeline, Plan, Request, Services, State
from qa.revisions import History, history
from qa.settings import Settings
from qa.stages.timeline import Point
from qa.stages.verdict import Verdict
from qa.watches import WatchChecker

#: How /search results come: one per article (with a snippet) or one per passage.
GROUPS = ("article", "passage")

__all__ = ["AskResult", "CheckResult", "Engine", "NoIndex", "RebuildRefused", "SearchResult", "Snapshot",
           "TimelineResult"]


@dataclass
class SearchResult:
    passages: list[Passage]
    plan: Plan
    articles: list[ArticleResult] = field(default_factory=list)  # group=article: the page of articles
    total: int | None = None  # group=article: matching articles found (an estimate unless total_exact)
    total_exact: bool = False
    entities: dict = field(default_factory=dict)  # article id -> [Entity]: the results' articles'


@dataclass
class AskResult:
    passages: list[Passage]
    answer: Answer
    plan: Plan
    freshness_note: str | None = None
    entities: dict = field(default_factory=dict)  # article id -> [Entity]: of every article it may cite


@dataclass
class CheckResult:
    verdict: Verdict
    plan: Plan


@dataclass
class TimelineResult:
    points: list[Point]
    plan: Plan


class Engine:
    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.encoder = encoder or make_encoder(settings)
        self.holder = IndexHolder(settings, settings.holder, self.encoder)
        services = Services(self.encoder)
        self.asking = Pipeline.of(ASK, settings, services, self.holder)
        self.searching = Pipeline.of(SEARCH, settings, services, self.holder)
        self.checking = Pipeline.of(CHECK, settings, services, self.holder)
        self.timelines = Pipeline.of(TIMELINE, settings, services, self.holder)
        self.watches = WatchChecker(settings.watch, self.encoder)
        self.holder.listeners.append(self.watches.check)  # every published version is checked for watches
        self.poller = None  # a FeedPoller when the service polls feeds (qa serve --feeds)

    @property
    def store(self):
        return self.holder.store

    def ask(self, question: str, top_k: int, filters: Filters | None = None, as_of: date | None = None) -> AskResult:
        return self.result(self.asking.run(Request(question, top_k, filters, as_of)))

    @staticmethod
    def result(state: State) -> AskResult:
        return AskResult(state.passages, state.answer, state.plan, state.freshness_note, state.entities)

    def ask_steps(self, question: str, top_k: int, filters: Filters | None = None,
                  as_of: date | None = None) -> Iterator[tuple[str, State]]:
        """The /ask pipeline one stage at a time: (stage name, the state so far) after each (streamed answers)."""
        state = State(Request(question, top_k, filters, as_of), self.asking.passages_needed)
        for name in self.asking.steps(state):
            yield name, state

    def search(self, query: str, top_k: int, filters: Filters | None = None, as_of: date | None = None,
               group: str = "article", sort: str = "relevance", offset: int = 0) -> SearchResult:
        """A page of articles (``group="article"``, ``top_k`` of them from ``offset`` in ``sort`` order) or of
        passages (``group="passage"``, in the same orders)."""
        if group not in GROUPS:
            raise UnknownChoice(f"unknown grouping {group!r}; choose one of {', '.join(GROUPS)}")
        SORTS.get(sort)  # an unknown order fails naming the choices
        state = self.searching.run(Request(query, top_k, filters, as_of, group=group, sort=sort, offset=offset))
        return SearchResult(state.passages, state.plan, state.articles, state.total, state.total_exact,
                            state.entities)

    def check(self, claim: str, filters: Filters | None = None, as_of: date | None = None) -> CheckResult:
        """A claim against the record as of a date: a verdict and the sentences deciding it."""
        state = self.checking.run(Request(claim, self.checking.passages_needed, filters, as_of))
        return CheckResult(state.verdict, state.plan)

    def timeline(self, query: str, points: int, filters: Filters | None = None,
                 as_of: date | None = None) -> TimelineResult:
        """The stories matching ``query`` in date order, each quoted once, with what changed between them."""
        state = self.timelines.run(Request(query, points, filters, as_of))
        return TimelineResult(state.timeline, state.plan)

    def article(self, article_id: str, revision: int | None = None) -> Article | None:
        """The article's latest revision, or revision ``revision``."""
        with self.holder.snapshot() as snap:
            return snap.index.article(article_id, revision)

    def revisions(self, article_id: str, pair: tuple[int, int] | None = None) -> History:
        """The article's revisions and the diffs between consecutive ones (or between ``pair``)."""
        with self.holder.snapshot() as snap:
            return history(snap.index, article_id, pair)

    def facets(self) -> Facets:
        with self.holder.snapshot() as snap:
            return snap.index.facets(self.settings.max_facet_values)

    # The holder's lifecycle, for the API's /health and /admin/reindex and the CLI's serve.
    def snapshot(self):
        return self.holder.snapshot()

    def status(self) -> dict:
        return {**self.holder.status(), "feeds": self.poller.status() if self.poller else None}

    def add_watch(self, query: str, filters: dict, threshold: float | None, webhook: str | None):
        """A watched search; what the live index already holds is its baseline, not news."""
        self.watches.check_webhook(webhook)
        try:
            with self.holder.snapshot() as snap:
                return self.watches.add(query, filters, threshold, webhook, snap.index)
        except NoIndex:
            return self.watches.add(query, filters, threshold, webhook, None)

    def start_rebuild(self, full: bool = False) -> None:
        self.holder.start_rebuild(full)

    def rebuild_running(self) -> bool:
        return self.holder.rebuild_running()
