"""``qa build`` / ``python scripts/build_index.py``: build or update the index, with a summary."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from index import BuildReport, IndexSettings, NewsQAError, RayWorkers, build_index, ray_connected


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", help="folder of articles (default: NEWSQA_CORPUS_DIR or seeds/)")
    parser.add_argument("--index", help="index folder or postgresql://user@host/db URL "
                        "(default: NEWSQA_INDEX_DIR or var/index)")
    parser.add_argument("--full", action="store_true", help="rebuild from scratch instead of updating")
    parser.add_argument("--strict", action="store_true", help="fail if any file cannot be used")
    parser.add_argument("--allow-empty", action="store_true",
                        help="publish an empty index when the corpus has no usable article")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--ray", nargs="?", const="auto", metavar="ADDRESS",
                        help="parse, chunk and embed on a Ray cluster at ADDRESS (auto or no value: a local "
                        "instance); needs pip install 'news-qa[ray]'")
    parser.add_argument("--ray-workers", type=_positive, metavar="N",
                        help="Ray workers (default: one per cluster CPU)")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def settings_from(args: argparse.Namespace, base: IndexSettings) -> IndexSettings:
    """The settings with ``--corpus`` / ``--index`` applied and validated like the environment's values.

    Raises ``ValueError`` (pydantic's) with the reason when a value is refused.
    """
    update = {name: getattr(args, option) for option, name in (("corpus", "corpus_dir"), ("index", "index_dir"))
              if getattr(args, option, None) is not None}
    return type(base).model_validate({**base.model_dump(), **update}) if update else base


def run(args: argparse.Namespace, settings: IndexSettings) -> int:
    """Build with ``settings`` (already carrying any --corpus/--index) and print the summary."""
    try:
        with workers_of(args) as workers:
            report = build_index(settings, full=args.full, strict=args.strict, progress=not args.quiet,
                                 allow_empty=args.allow_empty, workers=workers)
    except NewsQAError as exc:  # each failure carries its exit code (RayUnavailable: 2)
        print(f"build failed: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("build interrupted; the previous index is still live", file=sys.stderr)
        return 130
    print(summary(report))
    return 0


@contextmanager
def workers_of(args: argparse.Namespace) -> Iterator[RayWorkers | None]:
    """Ray workers for ``--ray`` (connected for the build), else None: the build embeds in-process."""
    if getattr(args, "ray", None) is None:
        yield None
        return
    with ray_connected(args.ray, cpus=args.ray_workers) as cpus:
        yield RayWorkers(args.ray_workers or cpus)


def summary(report: BuildReport) -> str:
    lines = [
        f"Index ready: {report.location} (version {report.version})",
        f"  {report.articles} articles, {report.chunks} chunks"
        f" ({'full build: ' + report.reason_full if report.full else 'incremental update'})",
        f"  added {report.added}, updated {report.updated}, removed {report.removed}, unchanged {report.unchanged};"
        f" embedded {report.embedded_chunks} chunks from {report.embedded_articles} articles",
        f"  {report.seconds:.1f} s",
    ]
    if report.skipped:
        lines.append(f"  skipped {len(report.skipped)} file(s):")
        lines += [f"    {s.path}: {s.reason}" for s in report.skipped]
    if report.future_dated:
        lines.append(f"  {report.future_dated} article(s) dated after the build date "
                     "(answered only as of that date; see the warnings)")
    if report.warnings:
        lines.append(f"  {len(report.warnings)} warning(s):")
        lines += [f"    {path}: {message}" for path, message in report.warnings[:50]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_index", description="Build or update the article index.")
    add_arguments(parser)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args, IndexSettings())
    except ValueError as exc:
        print(f"configuration error: {config_error(exc)}", file=sys.stderr)
        return 2
    return run(args, settings)


def config_error(exc: ValueError) -> str:
    """One line naming the setting and what is wrong with it (pydantic's message is several lines)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", "")).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc).splitlines()[0]
