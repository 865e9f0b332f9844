"""Answers on held-out questions: containment, short-answer EM/F1, declines of answerable and near-miss
questions, and answer latency — for the service's answerer and, in the same run, a baseline answerer.

    python scripts/evaluate_answers.py --set squad-test            # SQuAD dev, the held-out test split
    python scripts/evaluate_answers.py --set squad-all --limit 3000
    python scripts/evaluate_answers.py --set news                  # the dated Wikinews dev set
    python scripts/evaluate_answers.py --set news-unanswerable     # near misses over all 5,527 articles
    python scripts/evaluate_answers.py --baseline path/to/old/qa/answer.py   # also run that answerer

Every question is retrieved once (as the service does, as of its date for news); each answerer then
answers the same passages ("full") and the same passages with the answer sentence blanked ("removed",
SQuAD v2's construction), timed per call. /ask latency = the retrieval time + the answer time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from evaluation import squad
from evaluation.answer_variants import RETRIEVE_DEPTH, split_of, variants
from evaluation.metrics import contains_answer, normalize_answer
from evaluation.news import origin, prepare, sample_corpus
from evaluation.runner import DEFAULT_WORKDIR, prepare_index
from evaluation.wikinews_questions import load_questions
from index import PROJECT_ROOT, make_encoder
from qa.engine import Engine
from qa.pipeline import Request, State
from qa.settings import Settings


def retrieve(engine: Engine, snap, question: str, depth: int, as_of=None) -> State:
    """The /search stages (plan, retrieve) inside ``snap``: the passages and query vector /ask would use."""
    state = State(Request(question, depth, None, as_of))
    for stage in engine.searching.stages:
        stage.run(state, snap)
    return state


def answerer_of(engine: Engine):
    """The Answerer the engine's answer stage runs."""
    return next(stage.answerer for stage in engine.asking.stages if stage.name == "answer")


def exact_match(prediction: str, golds) -> float:
    return max((float(normalize_answer(prediction) == normalize_answer(g)) for g in golds), default=0.0)


def f1(prediction: str, golds) -> float:
    """SQuAD's token F1 against the best gold."""
    best = 0.0
    p_tokens = normalize_answer(prediction).split()
    for g in golds:
        g_tokens = normalize_answer(g).split()
        common = sum((Counter(p_tokens) & Counter(g_tokens)).values())
        if common:
            precision, recall = common / len(p_tokens), common / len(g_tokens)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def short_answer(answer) -> str:
    """The best citation's span when it has one, else its whole quote (what a reader would take away)."""
    if not answer.answerable or not answer.citations:
        return ""
    best = max(answer.citations, key=lambda c: c.score)
    span = getattr(best, "answer_span", None)
    return span.text if span is not None else best.quote


def load_baseline(path: Path, encoder, settings: Settings):
    spec = importlib.util.spec_from_file_location("baseline_answer", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.Answerer(encoder, settings.answer.model_copy(update={"answer_min_score": 0.40}))


def questions_of(name: str, limit: int | None):
    """(qid, question, answers, as_of, is_gold, same_article) for the named set, and how to prepare its index."""
    if name.startswith("squad"):
        paragraphs, qs = squad.load()
        titles = {p.pid: p.title for p in paragraphs}
        qs = sorted(qs, key=lambda q: q.qid)
        if name == "squad-test":
            qs = [q for q in qs if split_of("squad:" + titles[q.pid]) == "test"]
        if limit:
            qs = qs[::max(1, len(qs) // limit)][:limit]
        items = [(q.qid, q.question, q.answers, None,
                  lambda p, pid=q.pid: p.chunk.article.extra.get("squad_id") == pid,
                  lambda p, t=titles[q.pid]: p.chunk.article.title == t) for q in qs]
        return items, paragraphs
    qs = load_questions()
    items = []
    for q in sorted(qs, key=lambda q: q.id):
        gold = set(q.gold_article_ids)
        if name == "news-test" and split_of("wikinews:" + sorted(gold)[0]) != "test":
            continue
        is_gold = (lambda p, gold=gold: origin(p.chunk.article) in gold)
        items.append((q.id, q.question, tuple(q.answers), q.as_of_date, is_gold, is_gold))
    return items, qs


def run(name: str, limit: int | None, baseline: Path | None, progress: bool = True) -> dict:
    settings = Settings()
    encoder = make_encoder(settings)
    items, source = questions_of(name, limit)
    if name.startswith("squad"):
        settings, _ = prepare_index(settings, DEFAULT_WORKDIR, source, encoder, progress=False)
    else:
        settings = prepare(settings, encoder, PROJECT_ROOT / "var" / "eval" / "news", sample_corpus(source, None),
                           progress=False)
    engine = Engine(settings, encoder)
    answerers = {"learned": answerer_of(engine)}
    if baseline is not None:
        answerers["baseline"] = load_baseline(baseline, encoder, settings)
    depth = settings.answer.answer_passages
    stats = {k: {"contains": [], "declined": [], "em": [], "f1": [], "removed_declined": [], "ms": [],
                 "span_asked": [], "span_given": []} for k in answerers}
    retrieve_ms = []
    with engine.snapshot() as snap:
        answerers["learned"].span_finder()  # loaded once before timing, as a served process would have it
        for i, (qid, question, answers, as_of, is_gold, same) in enumerate(items):
            started = time.perf_counter()
            retrieval = retrieve(engine, snap, question, RETRIEVE_DEPTH, as_of)
            retrieve_ms.append((time.perf_counter() - started) * 1000)
            vs = variants(retrieval.passages, is_gold, same, answers, depth, False)
            for key, answerer in answerers.items():
                s = stats[key]
                started = time.perf_counter()
                answer = answerer.answer(question, retrieval.query_vector, vs["full"], snap.index)
                s["ms"].append((time.perf_counter() - started) * 1000)
                s["contains"].append(contains_answer(answer.answer, answers))
                s["declined"].append(not answer.answerable)
                prediction = short_answer(answer)
                s["em"].append(exact_match(prediction, answers))
                s["f1"].append(f1(prediction, answers))
                if answer.answerable:
                    has_span = any(getattr(c, "answer_span", None) is not None for c in answer.citations)
                    s["span_given"].append(has_span)
                if "removed" in vs:
                    removed = answerer.answer(question, retrieval.query_vector, vs["removed"], snap.index)
                    s["removed_declined"].append(not removed.answerable)
            if progress and (i + 1) % 500 == 0:
                print(f"  {i + 1}/{len(items)}", file=sys.stderr)
    out = {"set": name, "questions": len(items), "answerers": {}}
    for key, s in stats.items():
        total = sorted(r + a for r, a in zip(retrieve_ms, s["ms"]))
        out["answerers"][key] = {
            "answer contains gold": _mean(s["contains"]),
            "short answer EM": _mean(s["em"]), "short answer F1": _mean(s["f1"]),
            "answerable declined": _mean(s["declined"]),
            "answer-removed declined": _mean(s["removed_declined"]), "answer-removed questions": len(s["removed_declined"]),
            "answers with a span": _mean(s["span_given"]),
            "answer ms p50": statistics.median(s["ms"]), "answer ms p95": _p95(sorted(s["ms"])),
            "ask ms p50": statistics.median(total), "ask ms p95": _p95(total),
        }
    return out


def run_unanswerable(progress: bool = True) -> dict:
    """The Wikinews near-miss set (data/wikinews-unanswerable.jsonl), each question asked through /ask's
    pipeline as of its date over the whole corpus: the share declined, overall and per kind of miss."""
    from datetime import date

    from evaluation.wikinews_unanswerable import KINDS, load_unanswerable

    settings = Settings()
    encoder = make_encoder(settings)
    settings = prepare(settings, encoder, PROJECT_ROOT / "var" / "eval" / "news", sample_corpus([], None),
                       progress=False)
    engine = Engine(settings, encoder)
    declined: dict[str, list[bool]] = {k: [] for k in KINDS}
    for q in load_unanswerable():
        answer = engine.ask(q.question, 5, as_of=date.fromisoformat(q.as_of)).answer
        declined[q.kind].append(not answer.answerable)
    everything = [d for ds in declined.values() for d in ds]
    return {"set": "news-unanswerable", "questions": len(everything),
            "declined": {"all": _mean(everything), **{k: _mean(v) for k, v in declined.items()}},
            "counts": {k: len(v) for k, v in declined.items()}}


def _mean(values) -> float:
    return sum(values) / len(values) if values else 0.0


def _p95(ordered) -> float:
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evaluate_answers", description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="squad-test",
                        choices=["squad-test", "squad-all", "news", "news-test", "news-unanswerable"])
    parser.add_argument("--limit", type=int, help="N questions spread over the set")
    parser.add_argument("--baseline", type=Path, help="an older qa/answer.py to run on the same retrievals")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.baseline is not None and not args.baseline.is_file():
        print(f"--baseline {args.baseline}: no such file", file=sys.stderr)
        return 2
    if args.set == "news-unanswerable":
        results = run_unanswerable()
        print(f"{results['set']}: {results['questions']} questions, asked as of their dates\n\n| kind | questions | "
              "declined |\n|---|---|---|")
        for kind, share in results["declined"].items():
            print(f"| {kind} | {results['counts'].get(kind, results['questions'])} | {share:.3f} |")
        if args.out:
            args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
        return 0
    results = run(args.set, args.limit, args.baseline)
    keys = list(next(iter(results["answerers"].values())))
    print(f"{results['set']}: {results['questions']} questions\n")
    print("| answerer | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys))
    for name, m in results["answerers"].items():
        print(f"| {name} | " + " | ".join(f"{m[k]:.3f}" if isinstance(m[k], float) else str(m[k]) for k in keys) + " |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0
