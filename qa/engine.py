"""The query side's face: one loaded encoder, the held index, and the pipelines of /ask and /search.

The HTTP API and the CLI call this; how a question is answered is the pipeline's (qa.pipeline,
qa.stages), how the live index is held and swapped the holder's (qa.holder).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from index import Article, Encoder, Facets, Filters, make_encoder
from qa import stages  # noqa: F401 - registers every stage
from qa.answer import Answer
from qa.holder import IndexHolder, NoIndex, RebuildRefused, Snapshot
from qa.passages import Passage
from qa.pipeline import ASK, SEARCH, Pipeline, Plan, Request, Services, State
from qa.settings import Settings

__all__ = ["AskResult", "Engine", "NoIndex", "RebuildRefused", "SearchResult", "Snapshot"]


@dataclass
class SearchResult:
    passages: list[Passage]
    plan: Plan


@dataclass
class AskResult:
    passages: list[Passage]
    answer: Answer
    plan: Plan
    freshness_note: str | None = None


class Engine:
    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.encoder = encoder or make_encoder(settings)
        self.holder = IndexHolder(settings, settings.holder, self.encoder)
        services = Services(self.encoder)
        self.asking = Pipeline.of(ASK, settings, services, self.holder)
        self.searching = Pipeline.of(SEARCH, settings, services, self.holder)

    @property
    def store(self):
        return self.holder.store

    def ask(self, question: str, top_k: int, filters: Filters | None = None, as_of: date | None = None) -> AskResult:
        return self.result(self.asking.run(Request(question, top_k, filters, as_of)))

    @staticmethod
    def result(state: State) -> AskResult:
        return AskResult(state.passages, state.answer, state.plan, state.freshness_note)

    def ask_steps(self, question: str, top_k: int, filters: Filters | None = None,
                  as_of: date | None = None) -> Iterator[tuple[str, State]]:
        """The /ask pipeline one stage at a time: (stage name, the state so far) after each (streamed answers)."""
        state = State(Request(question, top_k, filters, as_of), self.asking.passages_needed)
        for name in self.asking.steps(state):
            yield name, state

    def search(self, query: str, top_k: int, filters: Filters | None = None, as_of: date | None = None) -> SearchResult:
        state = self.searching.run(Request(query, top_k, filters, as_of))
        return SearchResult(state.passages, state.plan)

    def article(self, article_id: str) -> Article | None:
        with self.holder.snapshot() as snap:
            return snap.index.article(article_id)

    def facets(self) -> Facets:
        with self.holder.snapshot() as snap:
            return snap.index.facets(self.settings.max_facet_values)

    # The holder's lifecycle, for the API's /health and /admin/reindex and the CLI's serve.
    def snapshot(self):
        return self.holder.snapshot()

    def status(self) -> dict:
        return self.holder.status()

    def start_rebuild(self, full: bool = False) -> None:
        self.holder.start_rebuild(full)

    def rebuild_running(self) -> bool:
        return self.holder.rebuild_running()
