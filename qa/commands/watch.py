"""``qa watch add|list|new|remove|check`` (watched searches) and ``qa watch-feeds`` (scheduled polling)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from qa.settings import Settings


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--index", help="index folder or postgresql:// URL (default: NEWSQA_INDEX_DIR)")
    sub = parser.add_subparsers(dest="watch_command", required=True)
    p = sub.add_parser("add", parents=[where],
                       help="watch a query: articles that newly match it are recorded after each build")
    p.add_argument("query")
    p.add_argument("--threshold", type=float, help="similarity a sentence needs (default: NEWSQA_WATCH_THRESHOLD)")
    p.add_argument("--source", action="append", help="only this outlet (repeatable)")
    p.add_argument("--webhook", help="URL that receives new articles as a JSON POST (NEWSQA_WEBHOOK_ALLOW)")
    sub.add_parser("list", parents=[where], help="list watches")
    p = sub.add_parser("new", parents=[where], help="articles that matched a watch since the last look (then "
                                                    "marked seen)")
    p.add_argument("id")
    p = sub.add_parser("remove", parents=[where], help="delete a watch")
    p.add_argument("id")
    sub.add_parser("check", parents=[where], help="check every watch against the live index now")


def run_watch(args: argparse.Namespace, settings: Settings) -> int:
    from qa.engine import Engine

    engine = Engine(settings)
    engine.holder.listeners.clear()  # this command checks in the foreground, when asked to
    store = engine.watches.store
    if args.watch_command == "add":
        filters = {"source": [s.strip() for s in args.source or [] if s.strip()]}
        watch = engine.add_watch(args.query.strip(), filters, args.threshold, args.webhook)
        print(f"watch {watch.id}: “{watch.query}” (threshold {watch.threshold:g})")
    elif args.watch_command == "list":
        for w in store.all():
            print(f"{w.id}  “{w.query}”  threshold {w.threshold:g}  checked {w.checked_version or 'never'}")
    elif args.watch_command == "new":
        store.get(args.id)
        alerts = store.take_new(args.id)
        if not alerts:
            print("No new articles.")
        for a in alerts:
            print(f"{a.title} — {a.source or 'unknown outlet'} · {a.published_date or 'undated'}")
            print(f"   “{a.quote}”  (article {a.article_id}, characters {a.start}–{a.end}, similarity {a.score:.2f})")
    elif args.watch_command == "remove":
        store.remove(args.id)
        print(f"watch {args.id} removed")
    else:
        with engine.snapshot() as snap:
            found = engine.watches.check(snap.index)
        print(f"{sum(len(v) for v in found.values())} new article(s) for {len(found)} watch(es) checked")
    return 0


def add_feed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("feeds_file", metavar="FEEDS", help="file of feed URLs or saved feed files, one per line")
    parser.add_argument("--every", type=float, metavar="MINUTES", help="minutes between polls (NEWSQA_POLL_MINUTES)")
    parser.add_argument("--once", action="store_true", help="poll every feed once, build, and exit")
    parser.add_argument("--pages", help="folder of saved article pages, looked up before fetching")
    parser.add_argument("--no-fetch", action="store_true", help="never use the network (saved feeds and pages only)")
    parser.add_argument("--corpus", help="corpus folder to write into (default: NEWSQA_CORPUS_DIR or seeds/)")
    parser.add_argument("--index", help="index folder or postgresql:// URL (default: NEWSQA_INDEX_DIR)")


def make_poller(feeds_file: str, settings: Settings, encoder, no_fetch: bool = False, pages: str | None = None):
    from qa.polling import FeedPoller, read_feed_list

    return FeedPoller(read_feed_list(Path(feeds_file)), settings, encoder, allow_fetch=not no_fetch,
                      pages_dir=Path(pages) if pages else None)


def run_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """Poll until interrupted (or once with --once); each poll's outcome is one line."""
    from qa.engine import Engine

    if args.every is not None:
        settings = settings.model_copy(update={"poll_minutes": args.every})
    engine = Engine(settings)  # its holder checks watches against each version a poll publishes
    poller = make_poller(args.feeds_file, settings, engine.encoder, args.no_fetch, args.pages)
    poller.on_published.append(lambda version: engine.holder.refresh())
    if args.once:
        states = [poller.poll(feed) for feed in poller.states]
        engine.holder.settle()  # the watch checks of what the polls published
        for s in states:
            print(_line(s))
        return 1 if any(s.last_error for s in states) else 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    poller.start()
    print(f"polling {len(poller.states)} feed(s) every {settings.poll_minutes:g} minutes; Ctrl-C stops",
          file=sys.stderr)
    try:
        while not stop.wait(60):
            for s in poller.status():
                if s["last_error"]:
                    print(f"feed {s['feed']}: {s['last_error']} (next poll {s['next_poll']})", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    poller.stop()
    engine.holder.settle()
    return 0


def _line(state) -> str:
    outcome = state.last_error or f"{state.last_added} added, {state.last_updated} updated"
    return f"feed {state.feed}: {outcome}"
