"""Feeds polled on a schedule: ingest what is new, build incrementally, publish — with APScheduler.

APScheduler (rather than a hand-written sleep loop) gives each feed its own interval job that
never overlaps itself, coalesces missed runs after a suspend, and can be rescheduled in place,
which is what backing off a failing feed needs. Conditional requests (ETag/Last-Modified) are
the ingest's: an unchanged feed costs one 304. Builds are serialised by the store's own lock; a
poll that finds a build running leaves its articles in the corpus for the next build.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from index import BuildInProgress, Encoder, IngestOptions, NewsQAError, build_index, ingest_feeds
from qa.settings import FeedSettings, Settings

log = logging.getLogger(__name__)


class FeedListError(NewsQAError):
    exit_code = 2


@dataclass
class FeedState:
    """What /health and the page's footer show of one feed."""

    feed: str
    interval_minutes: float
    last_poll: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    failures: int = 0
    next_poll: str | None = None
    last_added: int = 0
    last_updated: int = 0
    pending_build: bool = False


def read_feed_list(path: Path) -> list[str]:
    """Feed URLs or saved feed files, one per line (`#` comments)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedListError(f"cannot read the feed list {path}: {getattr(exc, 'strerror', None) or exc}") from None
    feeds = [line.split("#", 1)[0].strip() for line in lines]
    feeds = [f for f in feeds if f]
    if not feeds:
        raise FeedListError(f"{path} lists no feed (one URL or feed file per line)")
    return feeds


def _now() -> datetime:
    return datetime.now(timezone.utc)


class FeedPoller:
    """Polls ``feeds`` into the corpus and rebuilds the index when something was added or changed."""

    def __init__(self, feeds: list[str], settings: Settings, encoder: Encoder, allow_fetch: bool = True,
                 pages_dir: Path | None = None) -> None:
        self.index_settings = settings  # the build needs the corpus, the index and the chunking settings
        self.settings: FeedSettings = settings.feeds
        self.encoder = encoder
        self.options = IngestOptions(corpus_dir=settings.corpus_dir, pages_dir=pages_dir, allow_fetch=allow_fetch,
                                     max_bytes=settings.max_file_bytes)
        self.states = {f: FeedState(f, self.settings.poll_minutes) for f in dict.fromkeys(feeds)}
        self.scheduler = BackgroundScheduler(timezone=timezone.utc)
        self._build_lock = threading.Lock()
        self.on_published: list = []  # called with the new version id after a build this poller ran

    def feeds(self) -> list[str]:
        return list(self.states)

    def start(self) -> None:
        for feed in self.states:
            self.scheduler.add_job(self.poll, "interval", args=[feed], id=feed, next_run_time=_now(),
                                   minutes=self.settings.poll_minutes, max_instances=1, coalesce=True)
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def status(self) -> list[dict]:
        for feed, state in self.states.items():
            job = self.scheduler.get_job(feed) if self.scheduler.running else None
            state.next_poll = job.next_run_time.isoformat(timespec="seconds") if job and job.next_run_time else None
        return [asdict(s) for s in self.states.values()]

    def poll(self, feed: str) -> FeedState:
        """Ingest one feed now, rebuild if it brought anything, and schedule its next poll."""
        state = self.states[feed]
        state.last_poll = _now().isoformat(timespec="seconds")
        error = self._ingest(state)
        if error is None and state.pending_build:
            error = self._build(state)
        if error is None:
            self._succeeded(state)
        else:
            self._failed(state, error)
        return state

    def _ingest(self, state: FeedState) -> str | None:
        try:
            report = ingest_feeds([state.feed], self.options)
        except OSError as exc:  # the corpus folder is not writable, the disk is full
            return f"could not write to {self.options.corpus_dir} ({exc.strerror or exc})"
        if report.failed_feeds:
            return "; ".join(report.failed_feeds[0].notes) or "the feed could not be read"
        state.last_added, state.last_updated = report.count("added"), report.count("updated")
        state.pending_build |= bool(state.last_added or state.last_updated)
        return None

    def _build(self, state: FeedState) -> str | None:
        """Build and publish; the error in words, or None (a build running elsewhere is not an error)."""
        with self._build_lock:
            try:
                report = build_index(self.index_settings, encoder=self.encoder, progress=False)
            except BuildInProgress:
                log.info("feed %s: another build is running; its articles are indexed by the next one", state.feed)
                return None
            except NewsQAError as exc:
                return f"build failed: {exc}"
        for other in self.states.values():
            other.pending_build = False  # the build indexed every feed's articles
        log.info("feed %s: %d added, %d updated; published version %s", state.feed, state.last_added,
                 state.last_updated, report.version)
        for listener in self.on_published:
            listener(report.version)
        return None

    def _succeeded(self, state: FeedState) -> None:
        if state.failures:
            self._reschedule(state, self.settings.poll_minutes)
        state.failures, state.last_error = 0, None
        state.last_success = state.last_poll

    def _failed(self, state: FeedState, reason: str) -> None:
        """Record the error and poll again after 2, 4, … intervals, at most ``poll_max_backoff`` of them."""
        state.failures += 1
        state.last_error = reason
        factor = min(2 ** state.failures, self.settings.poll_max_backoff)
        log.warning("feed %s: %s; next poll in %g minutes", state.feed, reason, self.settings.poll_minutes * factor)
        self._reschedule(state, self.settings.poll_minutes * factor)

    def _reschedule(self, state: FeedState, minutes: float) -> None:
        state.interval_minutes = minutes
        if self.scheduler.running and self.scheduler.get_job(state.feed):
            self.scheduler.reschedule_job(state.feed, trigger="interval", minutes=minutes,
                                          start_date=_now() + timedelta(minutes=minutes))
