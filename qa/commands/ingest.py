"""``qa ingest-feed``: new articles from RSS/Atom feeds into the corpus folder, one line per entry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index import IndexSettings, IngestOptions, IngestReport, Outcome, ingest_feeds, is_web_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("feeds", nargs="+", metavar="FEED", help="feed URL or saved RSS/Atom file (.xml)")
    parser.add_argument("--corpus", help="corpus folder to write into (default: NEWSQA_CORPUS_DIR or seeds/); "
                                         "articles go to its ingested/ folder")
    parser.add_argument("--pages", help="folder of saved article pages, looked up before fetching")
    parser.add_argument("--no-fetch", action="store_true",
                        help="never use the network: pages only from --pages, else the feed's own full text")


def run(args: argparse.Namespace, settings: IndexSettings) -> int:
    """0 when every feed was read (entries skipped are listed, with why), 1 when a feed could not be read,
    2 for arguments that cannot work (a missing feed file or folder)."""
    problem = _argument_problem(args, settings)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    options = IngestOptions(corpus_dir=settings.corpus_dir, pages_dir=Path(args.pages) if args.pages else None,
                            allow_fetch=not args.no_fetch, max_bytes=settings.max_file_bytes)
    try:
        report = ingest_feeds(args.feeds, options)
    except OSError as exc:  # the corpus folder is not writable, the disk is full
        print(f"error: could not write to {settings.corpus_dir} ({exc.strerror or exc})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; articles written so far are complete, nothing else changed", file=sys.stderr)
        return 130
    print(summary(report, settings.corpus_dir))
    if report.failed_feeds:
        failed = report.failed_feeds[0]
        print(f"error: {len(report.failed_feeds)} feed(s) could not be read; first: {failed.feed}: "
              f"{'; '.join(failed.notes)}", file=sys.stderr)
        return 1
    return 0


def _argument_problem(args: argparse.Namespace, settings: IndexSettings) -> str | None:
    for feed in args.feeds:
        if is_web_url(feed):
            if args.no_fetch:
                return f"{feed} is a URL but --no-fetch was given; pass a saved feed file instead"
            continue
        if "://" in feed:
            return f"{feed}: only http(s) feed URLs or saved feed files are read"
        path = Path(feed)
        if not path.exists():
            return f"feed file {feed} does not exist"
        if not path.is_file():
            return f"feed {feed} is not a file"
    if args.pages and not Path(args.pages).is_dir():
        return f"saved-pages folder {args.pages} does not exist or is not a folder"
    corpus = settings.corpus_dir
    if corpus.exists() and not corpus.is_dir():
        return f"corpus folder {corpus} is not a folder"
    if not corpus.exists():
        return f"corpus folder {corpus} does not exist; create it or pass --corpus"
    return None


def summary(report: IngestReport, corpus_dir: Path) -> str:
    lines = [_line(o) for o in report.outcomes]
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("added", "updated", "unchanged", "kept", "duplicate",
                                                           "skipped") if report.count(a))
    lines.append(f"Ingested into {corpus_dir}: {counts or 'no entries'}"
                 + ("; run `qa build` to index them" if report.count("added") + report.count("updated") else ""))
    return "\n".join(lines)


def _line(o: Outcome) -> str:
    notes = f" ({'; '.join(o.notes)})" if o.notes else ""
    if o.entry is None:
        return f"feed {o.feed}: {o.action}{notes}"
    target = f" → {o.file}" if o.file and o.action not in ("skipped",) else ""
    return f"  {o.action}: {o.entry}{target}{notes}"
