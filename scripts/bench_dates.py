"""Date mentions in articles: dateparser's ``search_dates`` against the pattern table of index/dates.py.

Runs both over the first N Wikinews articles (each resolved against its own published date),
prints seconds per 1,000 articles, how many mentions each finds, and the mentions of a few
articles side by side to check by eye.

    nice -n 10 python scripts/bench_dates.py --articles 1000 --show 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date, datetime
from pathlib import Path

from evaluation.wikinews_questions import default_corpus_path
from index.dates import mentions


def load(path: Path, n: int) -> list[tuple[str, str, date | None]]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append((r["id"], r["text"], date.fromisoformat(r["published_date"]) if r["published_date"] else None))
            if len(out) == n:
                break
    return out


def with_table(text: str, published: date | None) -> list[tuple[str, str]]:
    return [(text[m.start:m.end], f"{m.first}..{m.last}" if m.first != m.last else str(m.first))
            for m in mentions(text, published)]


def with_dateparser(text: str, published: date | None) -> list[tuple[str, str]]:
    from dateparser.search import search_dates

    base = datetime.combine(published or date(2010, 1, 1), datetime.min.time())
    found = search_dates(text, languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    return [(words, str(when.date())) for words, when in found or []]


def timed(method, articles, runs: int) -> tuple[float, list]:
    """Median seconds over ``runs`` passes, and the last pass's results."""
    seconds, results = [], []
    for _ in range(runs):
        t = time.perf_counter()
        results = [method(text, published) for _, text, published in articles]
        seconds.append(time.perf_counter() - t)
    return statistics.median(seconds), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=default_corpus_path())
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="passes of the table (dateparser runs once: it is slow)")
    parser.add_argument("--show", type=int, default=5, help="dated articles whose mentions are printed side by side")
    args = parser.parse_args()
    articles = load(args.corpus, args.articles)
    per = 1000 / len(articles)
    table_s, table = timed(with_table, articles, args.runs)
    parser_s, parsed = timed(with_dateparser, articles, 1)
    print(f"{len(articles)} articles, {sum(len(t) for _, t, _ in articles) / 1e6:.2f} M characters")
    print(f"{'method':<28}{'s / 1,000 articles':>20}{'mentions':>10}{'articles with one':>19}")
    for name, seconds, found in (("pattern table (index/dates)", table_s, table),
                                 ("dateparser.search_dates", parser_s, parsed)):
        print(f"{name:<28}{seconds * per:>20.2f}{sum(map(len, found)):>10}{sum(1 for f in found if f):>19}")
    print(f"ratio: dateparser takes {parser_s / table_s:.0f}x the table's time")
    dated = [row for row in zip(articles, table, parsed) if row[0][2] is not None]  # relative dates need one
    for (aid, _, published), mine, theirs in dated[:args.show]:
        print(f"\n{aid} published {published}")
        print("  table:     ", "; ".join(f"{w!r}={d}" for w, d in mine) or "-")
        print("  dateparser:", "; ".join(f"{w!r}={d}" for w, d in theirs) or "-")


if __name__ == "__main__":
    main()
