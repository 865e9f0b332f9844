"""What finding entities at build time costs: a full build of N Wikinews articles with and without them.

Writes the first N articles of the Wikinews corpus as a .jsonl corpus, builds it in full twice into
throw-away folder indexes (NEWSQA_ENTITIES off, then on, with the real encoder and spaCy model), and prints
both build times, the seconds spent in the entity recogniser (nlp.pipe over the bodies), its share of the
build with entities, and how many entities of each kind were stored.

    nice -n 10 python scripts/bench_entities.py --articles 300
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from evaluation.wikinews_questions import default_corpus_path
from index import build_index, make_encoder, open_index
from index.entities import load_entity_pipeline
from qa.settings import Settings


def write_corpus(source: Path, n: int, folder: Path) -> int:
    lines = []
    with source.open(encoding="utf-8") as f:
        for line in f:
            lines.append(line)
            if len(lines) == n:
                break
    (folder / "wikinews.jsonl").write_text("".join(lines), encoding="utf-8")
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=default_corpus_path())
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=2, help="builds of each kind, alternating (medians printed)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-entities-"))
    corpus = work / "corpus"
    corpus.mkdir()
    n = write_corpus(args.corpus, args.articles, corpus)
    base = Settings(corpus_dir=corpus, index_dir=work / "unused", watches_db=work / "watches.sqlite")
    encoder = make_encoder(base)
    encoder.encode(["warm up"])
    started = time.perf_counter()
    if load_entity_pipeline(base.entity_model) is None:
        raise SystemExit(f"the spaCy model {base.entity_model!r} is not installed: nothing to measure")
    print(f"entity model loaded in {time.perf_counter() - started:.2f} s (once per process, not counted below)")

    reports: dict[bool, list] = {False: [], True: []}
    for run in range(args.runs):
        for on in (False, True):
            settings = base.model_copy(update={"entities": on, "index_dir": work / f"index-{'on' if on else 'off'}"})
            reports[on].append(build_index(settings, encoder=encoder, progress=False, full=True))
    off = statistics.median(r.seconds for r in reports[False])
    on = statistics.median(r.seconds for r in reports[True])
    ner = statistics.median(r.entity_seconds for r in reports[True])
    shares = [r.entity_seconds / r.seconds for r in reports[True]]
    last = reports[True][-1]
    print(f"{n} articles, {last.chunks} chunks, {last.sentences} sentences; medians of {args.runs} full builds each")
    print(f"build without entities: {off:.1f} s  ({', '.join(f'{r.seconds:.1f}' for r in reports[False])})")
    print(f"build with entities:    {on:.1f} s  ({', '.join(f'{r.seconds:.1f}' for r in reports[True])}); entity "
          f"recogniser {ner:.1f} s, {ner / n * 1000:.1f} ms an article")
    print(f"share of the build spent finding entities: {statistics.median(shares):.1%} "
          f"(runs: {', '.join(f'{s:.1%}' for s in shares)}; difference of the median builds: {(on - off) / on:+.1%})")
    facets = open_index(work / "index-on").facets(limit=5)
    for kind, top in facets.entities.items():
        print(f"  top {kind}: " + ", ".join(f"{name} ({count})" for name, count in top))


if __name__ == "__main__":
    main()
