"""The query side's core: one loaded model, the live index (re-opened when a build swaps
it), retrieval and answering. The HTTP API and the CLI are thin layers over this."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from index.build import BuildError, build_index
from index.embed import Embedder
from index.layout import BuildInProgress
from index.layout import CURRENT, last_outcome
from index.reader import Index, IndexUnavailable, open_index
from index.types import Article, Filters
from qa.answer import Answer, Answerer, Citation
from qa.generate import ChatGenerator, GeneratorError, check_citations
from qa.retrieve import Retrieval, Retriever
from qa.settings import Settings

log = logging.getLogger(__name__)


class NoIndex(RuntimeError):
    """No servable index; the message says why and how to build one."""


@dataclass
class Snapshot:
    """One index version and the retriever over it; a request uses one snapshot throughout."""

    index: Index
    retriever: Retriever
    link_target: str | None


@dataclass
class AskResult:
    retrieval: Retrieval
    answer: Answer


class Engine:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(settings.model, settings.batch_size)
        self.answerer = Answerer(self.embedder, settings)
        self.generator = (ChatGenerator(settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)
                          if settings.llm_url else None)
        self._snapshot: Snapshot | None = None
        self._error: str | None = None
        self._lock = threading.Lock()
        self._rebuild: threading.Thread | None = None

    # --- index lifecycle -----------------------------------------------------------------

    def _link_target(self) -> str | None:
        try:
            return os.readlink(self.settings.index_dir / CURRENT)
        except OSError:
            return None

    def snapshot(self) -> Snapshot:
        """The live index, re-opened if a build has switched ``current`` since the last call."""
        target = self._link_target()
        current = self._snapshot
        if current is not None and current.link_target == target:
            return current
        with self._lock:
            current = self._snapshot
            if current is not None and current.link_target == target:
                return current
            try:
                index = open_index(self.settings.index_dir)
                index.check_model(self.embedder.model_id, self.embedder.dimension)
            except IndexUnavailable as exc:
                self._error = str(exc)
                if current is not None:  # keep serving the last good version
                    log.error("new index not loaded, still serving %s: %s", current.index.directory.name, exc)
                    current.link_target = target
                    return current
                raise NoIndex(str(exc)) from None
            self._error = None
            self._snapshot = Snapshot(index, Retriever(index, self.embedder, self.settings), target)
            log.info("serving index %s (%d articles, %d chunks)", index.directory.name,
                     index.article_count(), index.chunk_count())
            return self._snapshot

    def status(self) -> dict:
        try:
            snap = self.snapshot()
        except NoIndex as exc:
            return {"index": None, "error": str(exc), "last_build": last_outcome(self.settings.index_dir)}
        return {"index": snap.index, "error": self._error, "last_build": last_outcome(self.settings.index_dir)}

    # --- queries -------------------------------------------------------------------------

    def search(self, query: str, top_k: int, filters: Filters | None = None) -> Retrieval:
        return self.snapshot().retriever.search(query, top_k, filters)

    def ask(self, question: str, top_k: int, filters: Filters | None = None) -> AskResult:
        snap = self.snapshot()
        retrieval = snap.retriever.search(question, max(top_k, self.settings.answer_passages), filters)
        answer = self.answerer.answer(question, retrieval.query_vector, retrieval.passages, snap.index)
        if self.generator is not None and answer.answerable:  # the extractive score gates the generator
            answer = self._generate(question, retrieval.passages[: self.settings.answer_passages],
                                    answer.confidence) or answer
        retrieval.passages = retrieval.passages[:top_k]
        return AskResult(retrieval, answer)

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
        return self.snapshot().index.article(article_id)

    # --- rebuilding -----------------------------------------------------------------------

    def start_rebuild(self, full: bool = False) -> bool:
        """Rebuild in a background thread with the loaded model; False if one is already running.

        Requests keep being served from the live version; the next request after the build
        publishes picks up the new one.
        """
        with self._lock:
            if self._rebuild is not None and self._rebuild.is_alive():
                return False
            self._rebuild = threading.Thread(target=self._run_rebuild, args=(full,), name="rebuild", daemon=True)
            self._rebuild.start()
            return True

    def _run_rebuild(self, full: bool) -> None:
        try:
            report = build_index(self.settings, embedder=self.embedder, full=full, progress=False)
            log.info("rebuild finished: %d articles, %d chunks in %.1f s", report.articles, report.chunks,
                     report.seconds)
        except (BuildError, BuildInProgress) as exc:
            log.error("rebuild failed, still serving the previous index: %s", exc)
        except Exception:  # recorded in last_build.json by build_index; never kill the service
            log.exception("rebuild failed, still serving the previous index")

    def rebuild_running(self) -> bool:
        return self._rebuild is not None and self._rebuild.is_alive()
