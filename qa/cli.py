"""``qa``: build, serve, ask, search and evaluate from a terminal."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from datetime import date

from index import cli as build_cli
from index.embed import ModelUnavailable
from index.types import Filters
from qa.settings import Settings


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(source=args.source or [], author=args.author or [], section=args.section or [],
                   conflict=args.conflict or [], published_after=args.after, published_before=args.before)


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
    parser.add_argument("--after", type=_iso_date, help="published on or after (YYYY-MM-DD)")
    parser.add_argument("--before", type=_iso_date, help="published on or before (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON instead of text")
    parser.add_argument("--index", help="index folder (default: NEWSQA_INDEX_DIR or var/index)")


def _source_line(meta) -> str:
    parts = [meta.source, ", ".join(meta.authors) if meta.authors else None,
             meta.published_date.isoformat() if meta.published_date else None]
    return f"{meta.title} — " + " · ".join(p for p in parts if p)


def _engine(settings: Settings):
    from qa.engine import Engine

    return Engine(settings)


def cmd_ask(args, settings: Settings) -> int:
    from qa.api import citation_out, passage_out

    result = _engine(settings).ask(args.question, args.top_k, _filters(args))
    answer = result.answer
    if args.json:
        print(json.dumps({
            "question": args.question, "answer": answer.answer, "answerable": answer.answerable,
            "reason": answer.reason,
            "citations": [citation_out(c).model_dump(mode="json") for c in answer.citations],
            "passages": [passage_out(p).model_dump(mode="json") for p in result.retrieval.passages],
        }, indent=2, ensure_ascii=False))
        return 0
    if not answer.answerable:
        print(f"No answer: {answer.reason}")
    else:
        print(textwrap.fill(answer.answer, width=100))
        print("\nSources:")
        for c in answer.citations:
            meta = c.passage.chunk.article
            print(f"  [{c.n}] {_source_line(meta)}")
            print(f"      article {meta.article_id}, characters {c.start}–{c.end}")
    return 0


def cmd_search(args, settings: Settings) -> int:
    from qa.api import passage_out

    retrieval = _engine(settings).search(args.query, args.top_k, _filters(args))
    if args.json:
        print(json.dumps({"query": args.query, "results": [passage_out(p).model_dump(mode="json")
                                                           for p in retrieval.passages]}, indent=2, ensure_ascii=False))
        return 0
    if not retrieval.passages:
        print("No matching passages.")
    for rank, p in enumerate(retrieval.passages, start=1):
        print(f"{rank}. {_source_line(p.chunk.article)}  (score {p.score:.4f})")
        print(textwrap.indent(textwrap.fill(p.text, width=96), "   "))
        print(f"   article {p.chunk.article.article_id}, characters {p.start}–{p.end}\n")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from index.build import BuildError, build_index
    from index.layout import live_version
    from qa.api import create_app
    from qa.engine import Engine

    engine = Engine(settings)
    if args.build or live_version(settings.index_dir) is None:
        print(f"Building the index from {settings.corpus_dir} …", file=sys.stderr)
        try:
            report = build_index(settings, embedder=engine.embedder)
            print(build_cli.summary(report), file=sys.stderr)
        except BuildError as exc:
            print(f"build failed: {exc}; starting without a fresh index", file=sys.stderr)
    app = create_app(settings, engine)
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port,
                log_level=settings.log_level.lower(), access_log=False)
    return 0


def cmd_build(args, settings: Settings) -> int:
    return build_cli.run(args, settings)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="qa", description="Search and question answering over news articles.")
    sub = root.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", help="answer a question with cited quotes")
    p.add_argument("question")
    _add_query_options(p, default_k=5)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="search passages")
    p.add_argument("query")
    _add_query_options(p, default_k=10)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("build", help="build or update the index")
    build_cli.add_arguments(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="start the HTTP service")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--build", action="store_true", help="build or update the index before serving")
    p.add_argument("--index", help="index folder")
    p.add_argument("--corpus", help="corpus folder (for --build)")
    p.set_defaults(func=cmd_serve)

    # Listed for --help; `main` hands everything after "eval" to the evaluation's own parser.
    sub.add_parser("eval", help="evaluate on SQuAD (options: qa eval --help)", add_help=False)
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["eval"]:
        from qa.evaluate import main as eval_main

        return eval_main(argv[1:])
    args = parser().parse_args(argv)
    try:
        settings = build_cli.settings_from(args, Settings())
    except ValueError as exc:
        print(f"configuration error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    # The service logs every request; terminal commands only say what went wrong.
    level = getattr(logging, settings.log_level.upper(), logging.INFO) if args.command == "serve" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if getattr(args, "top_k", 1) < 1 or getattr(args, "top_k", 1) > settings.max_top_k:
        print(f"--top-k must be between 1 and {settings.max_top_k}", file=sys.stderr)
        return 2
    for name in ("question", "query"):
        if hasattr(args, name) and not getattr(args, name).strip():
            print(f"the {name} is empty", file=sys.stderr)
            return 2
    from qa.engine import NoIndex

    try:
        return args.func(args, settings)
    except (NoIndex, ModelUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
