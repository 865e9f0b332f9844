"""The query side's core: one loaded encoder, the live index (re-opened when a build swaps
it), retrieval and answering. The HTTP API and the CLI are thin layers over this."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from index import (
    Article, BuildError, BuildInProgress, Encoder, Facets, Filters, IndexReader, IndexUnavailable, build_index,
    make_encoder, open_store,
)
from qa.answer import Answer, Answerer, Citation
from qa.corroborate import Corroborator
from qa.generate import ChatGenerator, GeneratorError, check_citations
from qa.retrieve import Recency, Retrieval, Retriever
from qa.settings import Settings
from qa.time_evidence import empty_window_note
from qa.timeframe import TimeWindow, asks_for_present, time_windows

log = logging.getLogger(__name__)


class NoIndex(RuntimeError):
    """No servable index; the message says why and how to build one."""


class RebuildRefused(RuntimeError):
    """A rebuild cannot start now; the message says why."""


@dataclass(eq=False)
class Snapshot:
    """One index version and the retriever over it; a request uses one snapshot throughout.

    A snapshot replaced by a newer version is closed once its last request has finished.
    """

    index: IndexReader
    retriever: Retriever
    version: str | None
    active: int = 0
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    closed: bool = False

    def enter(self) -> bool:
        """Count a request in; False if the snapshot was retired and closed meanwhile (take the new one)."""
        with self.lock:
            if self.closed:
                return False
            self.active += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.active -= 1
            self.closed = done = self.retired and self.active == 0
        if done:
            self.index.close()

    def retire(self) -> None:
        with self.lock:
            self.retired = True
            self.closed = done = self.active == 0
        if done:
            self.index.close()


@dataclass
class Plan:
    """How a question is read in time: the filters it runs with and the recency it prefers."""

    as_of: date
    filters: Filters
    windows: list[TimeWindow] = field(default_factory=list)  # read from the question: evidence, never a filter
    notes: list[str] = field(default_factory=list)  # what was adjusted, in words (a clamped as-of, an empty window)
    present: bool = False
    recency: Recency | None = None

    @property
    def window(self) -> TimeWindow | None:
        """The first window the question names (responses report it)."""
        return self.windows[0] if self.windows else None

    def note_empty_windows(self, retrieval: Retrieval) -> None:
        """Say so when no passage speaks about the question's windows: the answer is the best evidence there is."""
        if not self.windows or any(retrieval.time_evidence.get(p.chunk.id, 0.0) > 0 for p in retrieval.passages):
            return
        dated = [p.chunk.article.effective_date for p in retrieval.passages if p.chunk.article.effective_date]
        self.notes.append(empty_window_note(self.windows, max(dated) if dated else None))


@dataclass
class SearchResult:
    passages: list
    plan: Plan


@dataclass
class AskResult:
    retrieval: Retrieval
    answer: Answer
    plan: Plan
    freshness_note: str | None = None


#: as_of dates outside [EARLIEST_AS_OF, today] are clamped, and the response says so.
EARLIEST_AS_OF = date(1800, 1, 1)


def today() -> date:
    return datetime.now(timezone.utc).date()


class Engine:
    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.store = open_store(settings.index_dir, settings.keep_versions, pool_size=settings.pg_pool_size,
                                timeout=settings.pg_timeout)
        self.encoder = encoder or make_encoder(settings)
        self.answerer = Answerer(self.encoder, settings)
        self.corroborator = Corroborator(settings)
        self.generator = (ChatGenerator(settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)
                          if settings.llm_url else None)
        self._snapshot: Snapshot | None = None
        self._error: str | None = None
        self._lock = threading.RLock()
        self._loaders: dict[str | None, threading.Thread] = {}  # versions being opened in the background
        self._rebuild: threading.Thread | None = None

    # --- index lifecycle -----------------------------------------------------------------

    def _current(self) -> Snapshot:
        """The live version's snapshot; a version published since the last call is opened in the background.

        Opening a large archive takes seconds (its vector segments are read into memory), so the request
        that notices a new version waits at most ``swap_wait_seconds`` for it: a small index switches at
        once, and a large one keeps answering from the previous version until the new one is ready."""
        try:
            version = self.store.live_version()
        except IndexUnavailable as exc:  # e.g. the index database is unreachable: a 503 with the reason
            raise NoIndex(str(exc)) from None
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        if current is None:
            with self._lock:
                if self._snapshot is None:
                    self._open(version)
                return self._snapshot
        with self._lock:
            loader = self._loaders.get(version)
            if loader is None and self._snapshot.version != version:
                loader = self._loaders[version] = threading.Thread(
                    target=self._open_in_background, args=(version,), name=f"open-index-{version}", daemon=True)
                loader.start()
        if loader is not None:
            loader.join(self.settings.swap_wait_seconds)
        return self._snapshot

    def _open_in_background(self, version: str | None) -> None:
        try:
            self._open(version)
        except NoIndex:
            pass  # recorded in self._error; the previous version keeps serving
        except Exception:  # noqa: BLE001 - a thread's failure must be logged, not lost
            log.exception("opening index version %s failed; still serving the previous one", version)
        finally:
            with self._lock:
                self._loaders.pop(version, None)

    def _open(self, version: str | None) -> None:
        """Open ``version`` and make it the live snapshot, retiring the one it replaces (whichever is live
        when it is ready: two loaders may overlap); on failure the live one keeps serving."""
        try:
            index = self.store.open(version) if version else self.store.open()
            index.check_encoder(self.encoder.identity, self.encoder.dimension)
        except IndexUnavailable as exc:
            with self._lock:
                self._error = str(exc)
                current = self._snapshot
                if current is not None:  # keep serving the last good version
                    log.error("new index not loaded, still serving %s: %s", current.index.version, exc)
                    current.version = version
                    return
            if self.store.build_running():
                raise NoIndex("a build of this index is in progress; it is served as soon as it is "
                              "published") from None
            raise NoIndex(str(exc)) from None
        with self._lock:
            self._error = None
            replaced, self._snapshot = self._snapshot, Snapshot(index, Retriever(index, self.encoder, self.settings),
                                                                version)
        if replaced is not None:
            replaced.retire()
        log.info("serving index version %s (%d articles, %d chunks)", index.version,
                 index.article_count(), index.chunk_count())

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """The live snapshot, held open for the duration of one request."""
        snap = self._current()
        while not snap.enter():  # retired between the two lines by a swap: the live one is newer
            snap = self._current()
        try:
            yield snap
        except IndexUnavailable as exc:  # the store failed mid-request (a database went away): a 503, not a 500
            raise NoIndex(str(exc)) from None
        finally:
            snap.leave()

    def status(self) -> dict:
        """What /health reports: the live reader (or None), the error, the last build, builds running."""
        building = self.rebuild_running()
        try:
            snap = self._current()
        except NoIndex as exc:
            return {"index": None, "error": str(exc), "last_build": self.store.last_outcome(), "rebuilding": building}
        return {"index": snap.index, "error": self._error, "last_build": self.store.last_outcome(),
                "rebuilding": building}

    # --- queries -------------------------------------------------------------------------

    def plan(self, question: str, filters: Filters | None, as_of: date | None) -> Plan:
        """Filters with the as-of date, the windows the question names, and recency for the rest.

        Only the caller's parameters filter; windows from the question's words are evidence in the
        ranking (qa/time_evidence.py). A window replaces recency (the question said when); otherwise a
        present-tense question gets ``recency_weight_present`` and any other ``recency_weight_default``
        (both measured on the Wikinews dev set). Out-of-range as-of dates are clamped, and the notes say so.
        """
        s = self.settings
        notes = []
        if as_of is not None and not EARLIEST_AS_OF <= as_of <= today():
            clamped = min(max(as_of, EARLIEST_AS_OF), today())
            notes.append(f"as_of {as_of} is {'in the future' if as_of > clamped else 'before ' + str(clamped)}; "
                         f"answered as of {clamped}")
            as_of = clamped
        as_of = as_of or today()
        filters = replace(filters or Filters(), as_of=as_of)
        plan = Plan(as_of=as_of, filters=filters, present=asks_for_present(question), notes=notes)
        for window in time_windows(question, as_of) if s.time_windows else []:
            if window.planned or ((filters.published_after is None or window.end >= filters.published_after)
                                  and (filters.published_before is None or window.start <= filters.published_before)):
                plan.windows.append(window)
            else:
                plan.notes.append(f"'{window.phrase}' ({window.start} to {window.end}) does not overlap the "
                                  "requested dates; it was not used")
        if plan.windows:
            return plan
        weight = s.recency_weight_present if plan.present else s.recency_weight_default
        plan.recency = Recency(as_of, weight, s.recency_half_life_days) if weight > 0 else None
        return plan

    def search(self, query: str, top_k: int, filters: Filters | None = None,
               as_of: date | None = None) -> SearchResult:
        plan = self.plan(query, filters, as_of)
        with self.snapshot() as snap:
            retrieval = snap.retriever.search(query, top_k, plan.filters, plan.recency, plan.windows)
            plan.note_empty_windows(retrieval)
            return SearchResult(retrieval.passages, plan)

    def ask(self, question: str, top_k: int, filters: Filters | None = None, as_of: date | None = None) -> AskResult:
        plan = self.plan(question, filters, as_of)
        with self.snapshot() as snap:
            retrieval = snap.retriever.search(question, max(top_k, self.settings.answer_passages), plan.filters,
                                              plan.recency, plan.windows)
            plan.note_empty_windows(retrieval)
            answer = self.answerer.answer(question, retrieval.query_vector, retrieval.passages, snap.index)
            self._date_citations(answer.citations, snap.index)
            if self.settings.corroboration and answer.method == "extractive":
                self._corroborate(answer.citations, snap.index, plan.as_of)
        if self.generator is not None and answer.answerable:  # the extractive score gates the generator
            answer = self._generate(question, retrieval.passages[: self.settings.answer_passages],
                                    answer.confidence) or answer
        # Every cited passage is returned, even when top_k is smaller than the passages answers draw on.
        cited = {id(c.passage) for c in answer.citations}
        retrieval.passages = [p for i, p in enumerate(retrieval.passages) if i < top_k or id(p) in cited]
        return AskResult(retrieval, answer, plan, self._freshness(answer, plan))

    @staticmethod
    def _date_citations(citations: list[Citation], index: IndexReader) -> None:
        """Each citation lists the dates its quote mentions: which day a sentence is about."""
        mentioned = index.date_mentions([c.passage.chunk.id for c in citations])
        for c in citations:
            c.dates = [m for m in mentioned.get(c.passage.chunk.id, []) if c.start <= m.start and m.end <= c.end]

    def _corroborate(self, citations: list[Citation], index: IndexReader, as_of: date) -> None:
        for c in citations:
            article = c.passage.chunk.article
            vector = index.sentence_vectors(article.article_id, [c.start]).get(c.start)
            if vector is None:
                vector = self.encoder.encode([c.quote])[0]
            c.corroborated_by, c.conflicting = self.corroborator.check(c.quote, vector, article, index, as_of)

    def _freshness(self, answer: Answer, plan: Plan) -> str | None:
        """For questions about the present, say when the newest evidence is well before the as-of date
        (not when the question names its own past period: then old evidence is what it asks for)."""
        if not (plan.present and answer.answerable):
            return None
        if any(not w.relative and w.end < plan.as_of for w in plan.windows):
            return None
        dates = [c.passage.chunk.article.effective_date for c in answer.citations]
        dates = [d for d in dates if d is not None]
        if not dates:
            return None
        lag = (plan.as_of - max(dates)).days
        if lag <= self.settings.freshness_days:
            return None
        return (f"The newest source is {lag} days older than the as-of date ({plan.as_of}); "
                "the situation may have changed since.")

    def _generate(self, question: str, passages, confidence: float | None) -> Answer | None:
        """A generated answer whose every sentence cites a given passage; None to fall back."""
        try:
            raw = self.generator.generate(question, passages)
        except GeneratorError as exc:
            log.warning("%s; using the extractive answer", exc)
            return None
        checked = check_citations(raw, len(passages))
        if checked.dropped:
            log.info("generator: dropped %d sentence(s) without a valid citation", checked.dropped)
        if not checked.text:
            return None
        citations = [Citation(n=n, passage=passages[n - 1], start=passages[n - 1].start, end=passages[n - 1].end,
                              quote=passages[n - 1].text, score=passages[n - 1].score) for n in sorted(checked.cited)]
        return Answer(checked.text, True, None, citations, method="generated", confidence=confidence)

    def article(self, article_id: str) -> Article | None:
        with self.snapshot() as snap:
            return snap.index.article(article_id)

    def facets(self) -> Facets:
        with self.snapshot() as snap:
            return snap.index.facets(self.settings.max_facet_values)

    # --- rebuilding -----------------------------------------------------------------------

    def start_rebuild(self, full: bool = False) -> None:
        """Rebuild in a background thread with the loaded encoder; raises ``RebuildRefused`` if one runs.

        Requests keep being served from the live version; the next request after the build
        publishes picks up the new one.
        """
        with self._lock:
            if self._rebuild is not None and self._rebuild.is_alive():
                raise RebuildRefused("a rebuild is already running; see /health")
            if self.store.build_running():
                raise RebuildRefused("another build of this index (e.g. `qa build`) is running; "
                                     "try again when it ends")
            self._rebuild = threading.Thread(target=self._run_rebuild, args=(full,), name="rebuild", daemon=True)
            self._rebuild.start()

    def _run_rebuild(self, full: bool) -> None:
        try:
            report = build_index(self.settings, encoder=self.encoder, full=full, progress=False)
            log.info("rebuild finished: %d articles, %d chunks in %.1f s", report.articles, report.chunks,
                     report.seconds)
        except (BuildError, BuildInProgress) as exc:
            log.error("rebuild failed, still serving the previous index: %s", exc)
        except Exception:  # recorded in last_build.json by build_index; never kill the service
            log.exception("rebuild failed, still serving the previous index")

    def rebuild_running(self) -> bool:
        """A rebuild by this service or a build by any other process of the same index."""
        return (self._rebuild is not None and self._rebuild.is_alive()) or self.store.build_running()
