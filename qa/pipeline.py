"""The answer as a pipeline: a list of stages run in order over one request's state.

A stage reads what earlier stages left in the ``State`` and adds its own part (the plan, the
passages, the answer, its corroboration …). A new query feature is a new stage (or a retriever,
rescorer or fusion method, see ``qa.retrievers``), registered in ``STAGES`` and listed in
``ASK`` or ``SEARCH``; no other code changes. Stages that read the index run inside one
snapshot of it; the rest (a remote generator, notes) run after the snapshot is released.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from index import Encoder, Filters, Registry
from qa.holder import IndexHolder, Snapshot
from qa.grouping import ArticleResult
from qa.passages import Passage
from qa.answer import Answer
from qa.retrievers import Recency, Rescorer
from qa.settings import Settings
from qa.timeframe import TimeWindow


@dataclass
class Request:
    """What the caller asked: only these cut what is searched (``filters``, ``as_of``)."""

    question: str
    top_k: int
    filters: Filters | None = None
    as_of: date | None = None
    group: str = "passage"  # "article": results are articles (the search stage "group"), top_k counts them
    sort: str = "relevance"  # or "newest", "oldest" (group=article)
    offset: int = 0  # results skipped: the page starts after them


@dataclass
class Plan:
    """How a question is read in time: the filters it runs with and how candidates are rescored."""

    as_of: date
    filters: Filters
    windows: list[TimeWindow] = field(default_factory=list)  # read from the question: evidence, never a filter
    notes: list[str] = field(default_factory=list)  # what was adjusted, in words (a clamped as-of, an empty window)
    present: bool = False
    recency: Recency | None = None
    evidence: list[Rescorer] = field(default_factory=list)  # further rescorers the question calls for
    #: Further restrictions (within ``filters``) whose retrievals add candidates: a window's own articles,
    #: which an unrestricted retrieval may rank too deep to bring.
    also_within: list[Filters] = field(default_factory=list)

    @property
    def window(self) -> TimeWindow | None:
        """The first window the question names (responses report it)."""
        return self.windows[0] if self.windows else None

    def rescorers(self) -> list[Rescorer]:
        return ([self.recency] if self.recency is not None else []) + self.evidence


@dataclass
class State:
    """One request as it passes through the stages."""

    request: Request
    passages_needed: int = 0  # passages later stages draw on (answers weigh more than top_k)
    plan: Plan | None = None
    query_vector: np.ndarray | None = None
    passages: list[Passage] = field(default_factory=list)
    articles: list[ArticleResult] = field(default_factory=list)  # group=article: the page of articles
    total: int | None = None  # group=article: matching articles found (see qa.grouping.Page)
    total_exact: bool = False
    pool_complete: bool = False  # retrieval saw every chunk that passes the filters (set by "retrieve")
    answer: Answer | None = None
    freshness_note: str | None = None
    verdict: object | None = None  # qa.stages.verdict.Verdict, set by the verdict stage of a claim check
    timeline: list = field(default_factory=list)  # qa.stages.timeline.Point, set by the timeline stage
    entities: dict = field(default_factory=dict)  # article id -> [index.Entity], set by the entities stage


class Stage(Protocol):
    """One step of the pipeline; ``uses_index`` stages run inside the request's snapshot, and
    ``passages_needed`` is how many passages it wants retrieval to bring, whatever top_k is."""

    name: str
    uses_index: bool
    passages_needed: int

    def run(self, state: State, snapshot: Snapshot | None) -> None: ...


@dataclass(frozen=True)
class Services:
    """What stages share and nothing else: the loaded encoder (one per process)."""

    encoder: Encoder


#: Stages by name; a factory takes (the settings, the shared services) and hands the stage its own section.
STAGES: Registry[Stage] = Registry("pipeline stage")
StageFactory = Callable[[Settings, Services], Stage]

#: The stages of /ask and of /search, in order.
ASK = ("plan", "retrieve", "windows", "answer", "dates", "entities", "corroborate", "generate", "freshness", "cited")
SEARCH = ("plan", "retrieve", "windows", "group", "entities")
CHECK = ("plan", "retrieve", "verdict")
TIMELINE = ("plan", "retrieve", "timeline")


class Pipeline:
    def __init__(self, stages: Sequence[Stage], holder: IndexHolder) -> None:
        self.stages = list(stages)
        self.holder = holder
        uses = [i for i, s in enumerate(self.stages) if s.uses_index]
        self._span = (uses[0], uses[-1] + 1) if uses else (0, 0)  # the stages run inside one snapshot
        self.passages_needed = max((s.passages_needed for s in self.stages), default=0)
        self.observers: list[Callable[[str, float], None]] = []

    @classmethod
    def of(cls, names: Sequence[str], settings: Settings, services: Services, holder: IndexHolder) -> "Pipeline":
        return cls([STAGES.create(name, settings, services) for name in names], holder)

    def run(self, request: Request) -> State:
        state = State(request, self.passages_needed)
        for _ in self.steps(state):
            pass
        return state

    def steps(self, state: State) -> Iterator[str]:
        """Run the stages one by one, yielding each one's name once it is done (a streamed answer sends
        what is ready); every observer hears (stage name, seconds) of each stage (metrics)."""
        first, last = self._span
        yield from self._run(self.stages[:first], state, None)
        if first < last:
            with self.holder.snapshot() as snap:
                yield from self._run(self.stages[first:last], state, snap)
        yield from self._run(self.stages[last:], state, None)

    def _run(self, stages: Sequence[Stage], state: State, snapshot: Snapshot | None) -> Iterator[str]:
        for stage in stages:
            started = time.perf_counter()
            stage.run(state, snapshot)
            seconds = time.perf_counter() - started
            for observe in self.observers:
                observe(stage.name, seconds)
            yield stage.name
