"""Evaluate retrieval and answers on SQuAD v1.1 dev with the project's own build and query code.

The paragraphs become a corpus (one article per paragraph, titled by its Wikipedia
article), built with ``index.build`` into a cached index keyed by the build settings;
every question then goes through the service's retrieval and answer code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from evaluation import squad
from evaluation.metrics import contains_answer, first_hit_rank, mrr_at, recall_at
from index import PROJECT_ROOT, Encoder, Filters, build_index, make_encoder, open_store
from qa.engine import Engine
from qa.settings import Settings

KS = (1, 5, 10, 20)
DEFAULT_WORKDIR = PROJECT_ROOT / "var" / "eval"


@dataclass
class Results:
    questions: int
    retrieval: dict[str, dict[str, float]] = field(default_factory=dict)
    answers: dict[str, float] = field(default_factory=dict)
    timing_ms: dict[str, float] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    build: dict = field(default_factory=dict)


def prepare_index(settings: Settings, workdir: Path, paragraphs, encoder: Encoder,
                  progress: bool = True, index: Path | str | None = None) -> tuple[Settings, dict]:
    """Write the corpus and build (or reuse) an index for these chunking/model settings: in ``index``
    (a folder or a ``postgresql://`` URL) when given, else in a folder cached under ``workdir`` per settings."""
    corpus = workdir / "corpus"
    squad.write_corpus(paragraphs, corpus)
    identity = [encoder.identity, settings.vector_index, settings.chunking_params(encoder.max_seq_tokens),
                len(paragraphs)]
    key = hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:10]
    settings = settings.model_copy(update={"corpus_dir": corpus,
                                           "index_dir": index if index is not None else workdir / f"index-{key}"})
    report = build_index(settings, encoder=encoder, progress=progress)
    info = {"index_dir": open_store(settings.index_dir).location, "articles": report.articles, "chunks": report.chunks,
            "embedded_chunks": report.embedded_chunks, "seconds": round(report.seconds, 2)}
    return settings, info


def evaluate(settings: Settings, limit: int | None = None, workdir: Path = DEFAULT_WORKDIR,
             encoder: Encoder | None = None, max_paragraphs: int | None = None, progress: bool = True,
             index: Path | str | None = None) -> Results:
    paragraphs, questions = squad.load()
    if max_paragraphs:
        paragraphs = paragraphs[:max_paragraphs]
        kept = {p.pid for p in paragraphs}
        questions = [q for q in questions if q.pid in kept]
    encoder = encoder or make_encoder(settings)
    settings, build_info = prepare_index(settings, workdir, paragraphs, encoder, progress, index)
    engine = Engine(settings, encoder)
    with engine.snapshot() as snap:
        return _run(engine, snap.index, settings, questions, build_info, limit, progress)


def _run(engine: Engine, index, settings: Settings, questions, build_info: dict, limit: int | None,
         progress: bool) -> Results:
    chunk_para = _chunk_paragraphs(index)
    if limit:
        step = max(1, len(questions) // limit)  # spread over all articles, not the first few
        questions = questions[::step][:limit]

    depth = max(KS)
    ranks: dict[str, list[int | None]] = {"dense": [], "bm25": [], "hybrid": []}
    contains, unanswerable, latencies = [], [], []
    vectors = engine.encoder.encode([q.question for q in questions])
    no_filters = Filters()
    for i, (q, vector) in enumerate(zip(questions, vectors)):
        dense = index.dense_search(vector, depth)
        keyword = index.keyword_search(q.question, depth, None, settings.title_weight)
        ranks["dense"].append(first_hit_rank([chunk_para[c] for c, _ in dense], q.pid))
        ranks["bm25"].append(first_hit_rank([chunk_para[c] for c, _ in keyword], q.pid))

        started = time.perf_counter()
        result = engine.ask(q.question, depth, no_filters)  # what POST /ask does, with 20 passages kept
        latencies.append((time.perf_counter() - started) * 1000)
        ranks["hybrid"].append(first_hit_rank([chunk_para[p.chunk.id] for p in result.passages], q.pid))
        contains.append(contains_answer(result.answer.answer, q.answers))
        unanswerable.append(not result.answer.answerable)
        if progress and (i + 1) % 500 == 0:
            print(f"  {i + 1}/{len(questions)} questions", file=sys.stderr)

    results = Results(questions=len(questions), build=build_info, settings=_settings_summary(settings))
    for name, r in ranks.items():
        results.retrieval[name] = {**{f"R@{k}": recall_at(r, k) for k in KS}, "MRR@10": mrr_at(r, 10)}
    results.answers = {
        "contains_gold": sum(contains) / len(contains),
        "unanswerable": sum(unanswerable) / len(unanswerable),
    }
    latencies.sort()
    results.timing_ms = {"median": statistics.median(latencies),
                         "p95": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]}
    return results


def _chunk_paragraphs(index) -> dict[int, str]:
    ids = [int(i) for i in index.filtered_chunk_ids(Filters())]
    return {c.id: c.article.extra.get("squad_id", c.article.path) for c in index.chunks(ids)}


def _settings_summary(settings: Settings) -> dict:
    keys = ("model", "chunk_tokens", "overlap_sentences", "title_in_embedding", "retrieval_mode", "candidates",
            "fusion", "rrf_k", "dense_weight", "keyword_weight", "title_weight", "answer_passages",
            "answer_max_sentences", "answer_min_score", "answer_confidence_mass")
    return {k: getattr(settings, k) for k in keys}


def table(results: Results) -> str:
    lines = [f"SQuAD v1.1 dev: {results.questions} questions, {results.build['articles']} paragraphs, "
             f"{results.build['chunks']} chunks", "",
             "| retriever | R@1 | R@5 | R@10 | R@20 | MRR@10 |", "|---|---|---|---|---|---|"]
    for name, m in results.retrieval.items():
        lines.append(f"| {name} | " + " | ".join(f"{m[k]:.3f}" for k in ("R@1", "R@5", "R@10", "R@20", "MRR@10")) + " |")
    a = results.answers
    lines += ["", "| answers | value |", "|---|---|",
              f"| answer contains a gold answer | {a['contains_gold']:.3f} |",
              f"| declared unanswerable | {a['unanswerable']:.3f} |",
              f"| time per question (retrieve + answer), median | {results.timing_ms['median']:.1f} ms |",
              f"| time per question, 95th percentile | {results.timing_ms['p95']:.1f} ms |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="evaluate on N questions spread over the set")
    parser.add_argument("--max-paragraphs", type=int, help="index only the first N paragraphs (and their questions)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="corpus, index cache and results")
    parser.add_argument("--out", type=Path, help="results JSON (default: <workdir>/results.json)")
    parser.add_argument("--index", help="build and evaluate in this index location (a folder or a postgresql:// "
                                        "URL) instead of a folder cached under the work folder")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting for this run, e.g. --set fusion=weighted")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        if name not in Settings.model_fields or not _:
            print(f"--set {item!r}: unknown setting {name!r}", file=sys.stderr)
            return 2
        overrides[name] = value
    try:
        settings = Settings(**overrides, **({"index_dir": args.index} if args.index else {}))
        results = evaluate(settings, limit=args.limit, workdir=args.workdir, max_paragraphs=args.max_paragraphs,
                           index=settings.index_dir if args.index else None)
    except (FileNotFoundError, ValueError) as exc:
        print(f"evaluation failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(table(results))
    out = args.out or args.workdir / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results.__dict__, indent=2, default=str), encoding="utf-8")
    print(f"\nResults written to {out}")
    return 0
