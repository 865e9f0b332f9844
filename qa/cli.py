"""``qa``: build, serve, ask and search from a terminal."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
import textwrap
from datetime import date
from types import SimpleNamespace

from index import ArticleMeta, BuildError, BuildInProgress, Filters, IndexUnavailable, NewsQAError, build_index
from qa.commands import build as build_cli
from qa.commands import ingest as ingest_cli
from qa.commands import watch
from qa.settings import Settings


def _filters(args: argparse.Namespace) -> Filters:
    """Filters from the options, values stripped and blanks dropped as the API does."""

    def values(option: list[str] | None) -> list[str]:
        return [v.strip() for v in option or [] if v.strip()]

    return Filters(source=values(args.source), author=values(args.author), section=values(args.section),
                   conflict=values(args.conflict), published_after=args.after, published_before=args.before,
                   entity=values(args.entity))


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def _add_query_options(parser: argparse.ArgumentParser, default_k: int) -> None:
    parser.add_argument("-k", "--top-k", type=int, default=default_k)
    parser.add_argument("--source", action="append", help="outlet (repeatable)")
    parser.add_argument("--author", action="append", help="author name (repeatable)")
    parser.add_argument("--section", action="append")
    parser.add_argument("--conflict", action="append")
    parser.add_argument("--entity", action="append", help="a person, organisation or place the article mentions "
                        "(repeatable: every one; names as /facets lists them)")
    parser.add_argument("--after", type=_iso_date, help="published on or after (YYYY-MM-DD)")
    parser.add_argument("--before", type=_iso_date, help="published on or before (YYYY-MM-DD)")
    parser.add_argument("--as-of", type=_iso_date, help="answer as of this date (YYYY-MM-DD; default: today)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON response instead of text")
    parser.add_argument("--index", help="index folder or postgresql://user@host/db URL "
                        "(default: NEWSQA_INDEX_DIR or var/index)")


def _count(text: str) -> int:
    """A whole number ≥ 0 (argparse reports the bad value in one line)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _source_line(meta: ArticleMeta) -> str:
    parts = [meta.source, ", ".join(meta.authors) if meta.authors else None,
             meta.published_date.isoformat() if meta.published_date else None]
    return f"{meta.title} — " + " · ".join(p for p in parts if p)


def _engine(settings: Settings):
    from qa.engine import Engine

    return Engine(settings)


def cmd_ask(args, settings: Settings) -> int:
    from qa.schemas import AskResponse

    question = args.question.strip()
    result = _engine(settings).ask(question, args.top_k, _filters(args), args.as_of)
    if args.json:
        print(AskResponse.of(question, result).model_dump_json(indent=2))
        return 0
    if args.export:
        from qa.export import as_csv, as_markdown

        response = AskResponse.of(question, result)
        print((as_markdown if args.export == "md" else as_csv)(response), end="")
        return 0
    answer = result.answer
    _print_time(result.plan)
    if not answer.answerable:
        print(f"No answer: {answer.reason}")
    else:
        print(textwrap.fill(_marked_answer(answer), width=100))
        spans = [(c.n, c.answer_span.text) for c in answer.citations if c.answer_span is not None]
        for n, text in spans:
            print(f"\nShort answer: {_bold(text)} [{n}]")
        if result.freshness_note:
            print(f"\nNote: {result.freshness_note}")
        print("\nSources:")
        for c in answer.citations:
            meta = c.passage.chunk.article
            print(f"  [{c.n}] {_source_line(meta)}")
            print(f"      article {meta.article_id}, characters {c.start}–{c.end}")
            for other in c.passage.also_in:
                print(f"      also carried by: {_source_line(other)}")
            for label, evidence in (("corroborated by", c.corroborated_by), ("conflicting", c.conflicting)):
                for e in evidence:
                    print(f"      {label}: “{e.quote}” — {_source_line(e.article)}")
    entities = AskResponse.of(question, result).entities
    if entities:
        print("\nMentioned in the sources (--entity NAME to filter): "
              + "; ".join(f"{e.name} ({e.kind})" for e in entities[:12]))
    return 0


def _bold(text: str) -> str:
    """Bold on a terminal; **text** when the output is piped (still visible as emphasis)."""
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else f"**{text}**"


def _marked_answer(answer) -> str:
    """The answer's quotes with each short answer span in bold (text is never changed, only marked)."""
    if answer.method != "extractive" or not answer.citations:
        return answer.answer
    parts = []
    for c in answer.citations:
        quote = c.quote
        if c.answer_span is not None:
            a, b = c.answer_span.start - c.start, c.answer_span.end - c.start
            quote = quote[:a] + _bold(quote[a:b]) + quote[b:]
        parts.append(f"{quote} [{c.n}]")
    return " ".join(parts)


def _print_time(plan) -> None:
    """Say how the question was read in time, when that changed what was searched."""
    if plan.window is not None:
        print(f"(as of {plan.as_of}; '{plan.window.phrase}' read as {plan.window.start} to {plan.window.end})\n")
    for note in plan.notes:
        print(f"({note})\n")


def cmd_check(args, settings: Settings) -> int:
    from qa.schemas import CheckResponse

    claim = args.claim.strip()
    result = _engine(settings).check(claim, _filters(args), args.as_of)
    if args.json:
        print(CheckResponse.of(claim, result).model_dump_json(indent=2))
        return 0
    _print_time(result.plan)
    verdict = result.verdict
    print(f"Verdict: {verdict.verdict.replace('_', ' ')}")
    for label, quotes in (("Supporting", verdict.supporting), ("Contradicting", verdict.contradicting)):
        if quotes:
            print(f"\n{label} (newest first):")
        for q in quotes:
            print(textwrap.indent(textwrap.fill(f"“{q.text}”", width=96), "  "))
            print(f"      {_source_line(q.article)}; {q.reason}")
            print(f"      article {q.article.article_id}, characters {q.start}–{q.end}")
    return 0


def cmd_revisions(args, settings: Settings) -> int:
    from qa.schemas import RevisionsResponse

    pair = (args.from_revision, args.to_revision) if args.from_revision or args.to_revision else None
    history = RevisionsResponse.of(_engine(settings).revisions(args.article_id, pair))
    if args.json:
        print(history.model_dump_json(indent=2, by_alias=True))
        return 0
    for r in history.revisions:
        until = f" until {r.valid_to}" if r.valid_to else " (latest)"
        print(f"revision {r.revision}: from {r.valid_from or 'undated'}{until} · {r.title} · text hash {r.content_sha[:12]}")
    for d in history.diffs:
        print(f"\n--- revision {d.from_revision} → {d.to_revision}\n{d.diff}", end="")
    return 0


def cmd_timeline(args, settings: Settings) -> int:
    from qa.schemas import TimelineResponse

    query = args.query.strip()
    result = _engine(settings).timeline(query, args.top_k, _filters(args), args.as_of)
    if args.json:
        print(TimelineResponse.of(query, result).model_dump_json(indent=2))
        return 0
    _print_time(result.plan)
    if not result.points:
        print("No matching stories.")
    for p in result.points:
        first = p.first_report
        print(f"{first.effective_date or 'undated'}  {first.source or 'unknown outlet'} — {first.title}")
        print(textwrap.indent(textwrap.fill(f"“{p.quote}”", width=94), "    "))
        if p.changed:
            print(f"    changed since the story before: {'; '.join(p.changed)}")
        print(f"    article {p.article.article_id}, characters {p.start}–{p.end}\n")
    return 0


def cmd_search(args, settings: Settings) -> int:
    from qa.schemas import search_response

    query = args.query.strip()
    result = _engine(settings).search(query, args.top_k, _filters(args), args.as_of, group=args.group,
                                      sort=args.sort, offset=args.offset)
    if args.json:
        print(search_response(query, result, args.group, args.sort, args.offset, args.top_k).model_dump_json(indent=2))
        return 0
    _print_time(result.plan)
    if args.group == "passage":
        if not result.passages:
            print("No matching passages.")
        for rank, p in enumerate(result.passages, start=args.offset + 1):
            print(f"{rank}. {_source_line(p.chunk.article)}  (score {p.score:.4f})")
            print(textwrap.indent(textwrap.fill(p.text, width=96), "   "))
            print(f"   article {p.chunk.article.article_id}, characters {p.start}–{p.end}\n")
        return 0
    if not result.articles:
        print("No matching articles." if not args.offset else f"No matching articles after the first {args.offset}.")
        return 0
    about = "" if result.total_exact else "about "
    last = args.offset + len(result.articles)
    print(f"Articles {args.offset + 1}–{last} of {about}{result.total}, by {args.sort}\n")
    for rank, r in enumerate(result.articles, start=args.offset + 1):
        print(f"{rank}. {_source_line(r.article)}  (score {r.score:.4f})")
        snippet = r.snippet.text + (" …" if r.snippet.truncated else "")
        print(textwrap.indent(textwrap.fill(snippet, width=96), "   "))
        more = f"; {len(r.more)} more passage{'s' if len(r.more) != 1 else ''} in this article" if r.more else ""
        print(f"   article {r.article.article_id}, characters {r.snippet.start}–{r.snippet.end}{more}")
        for other in r.best.also_in:
            print(f"   also carried by: {_source_line(other)}")
        print()
    if result.total is not None and last < result.total:
        print(f"Next page: --offset {last}")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from qa.api import create_app
    from qa.engine import Engine

    host, port = args.host or settings.host, args.port or settings.port
    busy = _port_problem(host, port)
    if busy:
        print(f"error: {busy}", file=sys.stderr)
        return 1
    engine = Engine(settings)
    # Build only where the user expects it: the bundled default index, or when asked to.
    default_index = args.index is None and settings.index_dir == Settings.model_fields["index_dir"].default
    try:
        live = engine.store.live_version()
    except IndexUnavailable as exc:  # a database that is down: serve anyway, /ask answers 503 until it is back
        print(f"warning: {exc}", file=sys.stderr)
        live = "unknown"
    reason = build_reason(engine, live, default_index, args.build)
    if reason:
        print(f"{reason}: building the index from {settings.corpus_dir} …", file=sys.stderr)
        try:
            report = build_index(settings, encoder=engine.encoder)
            print(build_cli.summary(report), file=sys.stderr)
        except BuildInProgress:
            print(f"another build of {engine.store.location} is running; serving starts now and picks the index "
                  "up when that build publishes it", file=sys.stderr)
        except (BuildError, IndexUnavailable) as exc:
            print(f"build failed: {exc}; starting without a fresh index", file=sys.stderr)
    elif live is None:
        print(f"no index in {engine.store.location} yet; starting without one (/ask answers 503) — build it with "
              f"`qa build --index {engine.store.location}` or restart with --build", file=sys.stderr)
    app = create_app(settings, engine)
    background = _start_background(engine, settings, args)
    print(f"Serving on http://{host}:{port} — open it in a browser to ask questions (API docs at /docs)",
          file=sys.stderr)
    try:
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False)
    finally:
        for scheduler in background:
            scheduler.stop()
    return 0


def _start_background(engine, settings: Settings, args) -> list:
    """A timer that picks up versions other processes publish (so watches are checked without a request),
    and the feed poller when --feeds is given; both are stopped when the service stops."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from qa.commands.watch import make_poller

    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line every 30 s for each timer run
    started = []
    if args.feeds:
        engine.poller = make_poller(args.feeds, settings, engine.encoder)
        engine.poller.on_published.append(lambda version: engine.holder.refresh())
        engine.poller.start()
        started.append(engine.poller)
    refresher = BackgroundScheduler()
    refresher.add_job(engine.holder.refresh, "interval", seconds=settings.refresh_seconds, max_instances=1,
                      coalesce=True)
    refresher.start()
    started.append(SimpleNamespace(stop=refresher.shutdown))
    return started


def build_reason(engine, live: str | None, default_index: bool, asked: bool) -> str | None:
    """Why ``qa serve`` builds before serving, or None. The bundled default index is derived from
    ``seeds/`` alone, so it is built when missing and rebuilt when this version cannot read it (an
    older index format, another encoder); any other index is only built when asked."""
    from qa.engine import NoIndex

    if asked:
        return "--build given"
    if not default_index:
        return None
    if live is None:
        return "no index yet"
    if live == "unknown":
        return None
    try:
        with engine.snapshot():  # the engine's own open, kept for the first request rather than done twice
            return None
    except NoIndex as exc:
        return f"the index cannot be served ({exc})"


def _port_problem(host: str, port: int) -> str | None:
    """Why the service could not listen there, in words (uvicorn would log a traceback-like error)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use; stop the other service or pass --port"
            return f"cannot listen on {host}:{port} ({exc.strerror or exc})"
    return None


def cmd_build(args, settings: Settings) -> int:
    return build_cli.run(args, settings)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="qa", description="Search and question answering over news articles.")
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", help="answer a question with cited quotes")
    p.add_argument("question")
    _add_query_options(p, default_k=5)
    p.add_argument("--export", choices=("md", "csv"),
                   help="print the answer with its provenance as a Markdown note or CSV (as GET /ask?format=)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="search articles (one result per article, with a snippet) or passages")
    p.add_argument("query")
    _add_query_options(p, default_k=10)
    p.add_argument("--group", choices=("article", "passage"), default="article",
                   help="one result per article (default) or the ranked passages")
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance",
                   help="order of the matching articles (newest/oldest: undated articles last)")
    p.add_argument("--offset", type=_count, default=0, help="results to skip (the next page starts after them)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("check", help="check a claim: supported, contradicted, mixed or not enough evidence")
    p.add_argument("claim")
    _add_query_options(p, default_k=5)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("timeline", help="the matching stories in date order, each quoted once")
    p.add_argument("query")
    _add_query_options(p, default_k=10)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("revisions", help="an article's revisions and what changed between them")
    p.add_argument("article_id")
    p.add_argument("--from", dest="from_revision", type=_count, help="diff from this revision (default: the one "
                                                                     "before --to)")
    p.add_argument("--to", dest="to_revision", type=_count, help="... to this one (default: the latest)")
    p.add_argument("--json", action="store_true", help="print GET /articles/{id}/revisions's response")
    p.set_defaults(func=cmd_revisions)

    p = sub.add_parser("build", help="build or update the index")
    build_cli.add_arguments(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("ingest-feed", help="write new articles from RSS/Atom feeds into the corpus folder")
    ingest_cli.add_arguments(p)
    p.set_defaults(func=ingest_cli.run)

    p = sub.add_parser("serve", help="start the HTTP service")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--build", action="store_true", help="build or update the index before serving")
    p.add_argument("--index", help="index folder or postgresql:// URL (built automatically only for the default "
                                    "index or with --build)")
    p.add_argument("--corpus", help="corpus folder (for --build, and where --feeds writes)")
    p.add_argument("--feeds", metavar="FILE", help="poll the feeds listed in FILE on a schedule "
                                                   "(NEWSQA_POLL_MINUTES), index what they bring, and publish it")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("watch", help="watched searches: add, list, new, remove, check")
    watch.add_watch_arguments(p)
    p.set_defaults(func=watch.run_watch)

    p = sub.add_parser("watch-feeds", help="poll feeds on a schedule: ingest, build, publish")
    watch.add_feed_arguments(p)
    p.set_defaults(func=watch.run_feeds)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = build_cli.settings_from(args, Settings())
    except ValueError as exc:
        print(f"configuration error: {build_cli.config_error(exc)}", file=sys.stderr)
        return 2
    # The service logs every request; terminal commands only say what went wrong.
    level = getattr(logging, settings.log_level.upper(), logging.INFO) if args.command == "serve" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if getattr(args, "top_k", 1) < 1 or getattr(args, "top_k", 1) > settings.max_top_k:
        print(f"--top-k must be between 1 and {settings.max_top_k}", file=sys.stderr)
        return 2
    if not 0 <= getattr(args, "offset", 0) <= settings.max_offset:
        print(f"--offset must be between 0 and {settings.max_offset}", file=sys.stderr)
        return 2
    for name in ("question", "query", "claim"):
        if hasattr(args, name) and not getattr(args, name).strip():
            print(f"the {name} is empty", file=sys.stderr)
            return 2
    try:
        return args.func(args, settings)
    except NewsQAError as exc:  # every failure a user can meet carries its exit code and a message for them
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ValueError as exc:  # e.g. --after later than --before
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
