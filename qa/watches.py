"""Watched searches: a saved query is checked after every published index version, and articles
that newly match it are recorded (and optionally POSTed to a webhook the operator allows).

A watch matches an article when one of its stored sentences is at least ``threshold`` similar
(cosine, the embedding model's) to the query, within the watch's filters: a sentence-level score
is comparable across versions, which fused retrieval scores are not. Articles that matched when
the watch was created are its baseline, so a watch reports only what arrives later, each article
once. Watches live in one SQLite file beside the index (NEWSQA_WATCHES_DB).
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from index import Encoder, Filters, IndexReader, NewsQAError
from qa.settings import WatchSettings

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    id TEXT PRIMARY KEY, query TEXT NOT NULL, filters TEXT NOT NULL, threshold REAL NOT NULL,
    webhook TEXT, created_at TEXT NOT NULL, checked_version TEXT);
CREATE TABLE IF NOT EXISTS matched (
    watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE, article_id TEXT NOT NULL,
    PRIMARY KEY (watch_id, article_id));
CREATE TABLE IF NOT EXISTS alerts (
    watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE, article_id TEXT NOT NULL,
    title TEXT NOT NULL, source TEXT, published_date TEXT, url TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    quote TEXT NOT NULL, score REAL NOT NULL, found_at TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (watch_id, article_id));
"""


class WatchNotFound(NewsQAError):
    http_status = 404


class WebhookRefused(NewsQAError):
    """A webhook address the operator has not allowed (NEWSQA_WEBHOOK_ALLOW): understood, and refused by policy."""

    http_status = 403
    exit_code = 2


@dataclass
class Watch:
    id: str
    query: str
    filters: dict  # FilterModel fields as JSON values
    threshold: float
    webhook: str | None
    created_at: str
    checked_version: str | None = None


@dataclass
class Alert:
    """An article that newly matched a watch: its best sentence, verbatim, with offsets."""

    article_id: str
    title: str
    source: str | None
    published_date: str | None
    url: str | None
    start: int
    end: int
    quote: str
    score: float
    found_at: str
    watch_id: str = field(default="", repr=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def to_filters(values: dict) -> Filters:
    """A watch's stored filters as index filters (dates are stored as ISO strings)."""
    return Filters(**{k: date.fromisoformat(v) if k.startswith("published_") and v else v for k, v in values.items()})


class WatchStore:
    """The watches file; every call opens its own connection, so threads never share one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        """A connection; the file is made on first use, so a service without watches writes nothing."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                db.executescript(SCHEMA)
            self._ready = True
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def add(self, query: str, filters: dict, threshold: float, webhook: str | None) -> Watch:
        watch = Watch(secrets.token_hex(6), query, filters, threshold, webhook, _now())
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO watches (id, query, filters, threshold, webhook, created_at) VALUES (?,?,?,?,?,?)",
                       (watch.id, query, json.dumps(filters), threshold, webhook, watch.created_at))
        return watch

    def all(self) -> list[Watch]:
        if not self._ready and not self.path.exists():
            return []
        with closing(self._connect()) as db:
            return [self._watch(row) for row in db.execute("SELECT * FROM watches ORDER BY created_at, id")]

    def get(self, watch_id: str) -> Watch:
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM watches WHERE id = ?", (watch_id,)).fetchone()
        if row is None:
            raise WatchNotFound(f"no watch with id {watch_id[:40]!r}")
        return self._watch(row)

    def remove(self, watch_id: str) -> None:
        with closing(self._connect()) as db, db:
            if db.execute("DELETE FROM watches WHERE id = ?", (watch_id,)).rowcount == 0:
                raise WatchNotFound(f"no watch with id {watch_id[:40]!r}")

    def record(self, watch: Watch, version: str | None, alerts: list[Alert], baseline: set[str]) -> list[Alert]:
        """Mark ``baseline`` and the alerts' articles as matched and keep the alerts not matched before;
        returns those (an article is reported once, even if two checks race)."""
        kept = []
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR IGNORE INTO matched VALUES (?, ?)", [(watch.id, a) for a in sorted(baseline)])
            for alert in alerts:
                if db.execute("INSERT OR IGNORE INTO matched VALUES (?, ?)",
                              (watch.id, alert.article_id)).rowcount:
                    db.execute('INSERT INTO alerts (watch_id, article_id, title, source, published_date, url, start, '
                               '"end", quote, score, found_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
                               (watch.id, alert.article_id, alert.title, alert.source, alert.published_date,
                                alert.url, alert.start, alert.end, alert.quote, alert.score, alert.found_at))
                    kept.append(alert)
            db.execute("UPDATE watches SET checked_version = ? WHERE id = ?", (version, watch.id))
        return kept

    def matched(self, watch_id: str) -> set[str]:
        with closing(self._connect()) as db:
            return {r[0] for r in db.execute("SELECT article_id FROM matched WHERE watch_id = ?", (watch_id,))}

    def take_new(self, watch_id: str) -> list[Alert]:
        """The watch's unseen alerts, newest found first, now marked seen."""
        self.get(watch_id)
        with closing(self._connect()) as db, db:
            rows = db.execute("SELECT * FROM alerts WHERE watch_id = ? AND seen = 0 ORDER BY found_at DESC, score DESC",
                              (watch_id,)).fetchall()
            db.execute("UPDATE alerts SET seen = 1 WHERE watch_id = ? AND seen = 0", (watch_id,))
        return [Alert(**{k: row[k] for k in row.keys() if k != "seen"}) for row in rows]

    @staticmethod
    def _watch(row: sqlite3.Row) -> Watch:
        return Watch(row["id"], row["query"], json.loads(row["filters"]), row["threshold"], row["webhook"],
                     row["created_at"], row["checked_version"])


class WatchChecker:
    """Runs every watch against a published version; posts new matches to allowed webhooks."""

    def __init__(self, settings: WatchSettings, encoder: Encoder) -> None:
        self.settings = settings
        self.encoder = encoder
        self.store = WatchStore(settings.watches_db)
        self._lock = threading.Lock()  # one check at a time: versions are checked in order

    def check_webhook(self, url: str | None) -> None:
        if url and not any(url.startswith(prefix) for prefix in self.settings.webhook_allow):
            allowed = ", ".join(self.settings.webhook_allow) or "none (set NEWSQA_WEBHOOK_ALLOW)"
            raise WebhookRefused(f"webhooks may only go to the addresses the operator allows: {allowed}")

    def add(self, query: str, filters: dict, threshold: float | None, webhook: str | None,
            index: IndexReader | None) -> Watch:
        """A new watch; what already matches in ``index`` is its baseline, not news."""
        self.check_webhook(webhook)
        watch = self.store.add(query, filters, self.settings.watch_threshold if threshold is None else threshold,
                               webhook)
        if index is not None:
            self.store.record(watch, index.version, [], {a.article_id for a in self.matches(watch, index)})
        return watch

    def matches(self, watch: Watch, index: IndexReader) -> list[Alert]:
        """Articles with a sentence at least ``threshold`` similar to the query, best sentence each."""
        vector = self.encoder.encode([watch.query])[0]
        best: dict[str, Alert] = {}
        for hit in index.similar_sentences(vector, self.settings.watch_depth, to_filters(watch.filters)):
            meta = hit.article
            if hit.score >= watch.threshold and meta.article_id not in best:
                best[meta.article_id] = Alert(
                    meta.article_id, meta.title, meta.source,
                    meta.published_date.isoformat() if meta.published_date else None, meta.url, hit.start, hit.end,
                    hit.text, round(float(hit.score), 4), _now(), watch.id)
        return list(best.values())

    def check(self, index: IndexReader) -> dict[str, list[Alert]]:
        """New matches of every watch not yet checked against this version, recorded and delivered."""
        found = {}
        with self._lock:
            for watch in self.store.all():
                if watch.checked_version == index.version:
                    continue
                matched = self.store.matched(watch.id)
                fresh = [a for a in self.matches(watch, index) if a.article_id not in matched]
                found[watch.id] = new = self.store.record(watch, index.version, fresh, set())
                if new and watch.webhook:
                    self.deliver(watch, new)
        return found

    def deliver(self, watch: Watch, alerts: list[Alert]) -> None:
        """POST the new matches as JSON; a failure is logged, never raised (the alerts stay listed)."""
        try:
            self.check_webhook(watch.webhook)  # the operator may have narrowed the list since
        except WebhookRefused as exc:
            log.warning("watch %s: webhook not called: %s", watch.id, exc)
            return
        body = json.dumps({"watch": watch.id, "query": watch.query,
                           "articles": [{k: v for k, v in asdict(a).items() if k != "watch_id"} for a in alerts]})
        request = urllib.request.Request(watch.webhook, data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.settings.webhook_timeout):
                pass
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.warning("watch %s: webhook failed: %s", watch.id, getattr(exc, "reason", exc))
