"""Train the sentence scorer (a listwise ranker and an answerability logistic regression) and choose its
decline threshold on the validation split.

    python scripts/train_answerer.py              # harvest rows (cached under var/answerer/), fit, write the JSON
    python scripts/train_answerer.py --check      # fit again and fail unless the committed file is reproduced

Why linear models: the answerability logistic regression's output is a probability fitted by log loss,
so the chosen sentence's score *is* the calibrated answerability the decline rule needs (checked by the
reliability table); the ranker is the same linear form fitted by the listwise (softmax) loss over each
answerable question's candidates, which is what choosing one sentence among them is — and its softmax
gives the shares the answer's confidence set reads. Both are a few dozen weights that read as a table,
load as JSON and run as numpy dot products, with no scikit-learn at run time (gradient-boosted trees scored
lower on validation: .716 vs .735 of best sentences holding the answer). The harvested rows are sorted by
question id and both solvers are deterministic, so the file is reproduced from the same index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from evaluation import squad
from evaluation.answer_data import RETRIEVE_DEPTH, SPLITS, Group, group_for, split_of, variants
from evaluation.answer_eval import retrieve
from evaluation.answer_variants import swap_name
from evaluation.news import origin, prepare, sample_corpus
from evaluation.runner import DEFAULT_WORKDIR, prepare_index
from evaluation.wikinews_questions import load_questions
from index import PROJECT_ROOT, make_encoder
from qa.answering.features import FEATURES, question_names
from qa.answering.model import DEFAULT_PATH, ModelFileError, SentenceModel
from qa.engine import Engine
from qa.settings import Settings

CACHE = PROJECT_ROOT / "var" / "answerer"
FEATURE_CODE = PROJECT_ROOT / "qa" / "answering"  # features, candidates, kinds, lemmas: what the rows are made by
FIXED_SCORES = PROJECT_ROOT / "tests" / "fixtures" / "answerer" / "fixed_scores.json"
REGULARISATION = 1.0  # scikit-learn's C; 0.1 and 10 gave the same validation figures to two decimals
DECLINE_BUDGET = 0.10  # at most this share of answerable validation questions may be declined
NEAR_MISS_TARGET = 0.40  # at least this share of answer-removed validation questions declined (the 40%)
THRESHOLDS = [round(t, 2) for t in np.arange(0.02, 0.62, 0.02)]


def harvest_squad(settings: Settings, per_split: dict[str, int] | None, progress: bool = True) -> dict[str, list[Group]]:
    paragraphs, questions = squad.load()
    encoder = make_encoder(settings)
    settings, _ = prepare_index(settings, DEFAULT_WORKDIR, paragraphs, encoder, progress=False)
    titles = {p.pid: p.title for p in paragraphs}
    engine = Engine(settings, encoder)
    by_split: dict[str, list] = {s: [] for s in SPLITS}
    for q in sorted(questions, key=lambda q: q.qid):
        by_split[split_of("squad:" + titles[q.pid])].append(q)
    out: dict[str, list[Group]] = {s: [] for s in SPLITS}
    depth = settings.answer.answer_passages
    absent = absent_names(" ".join(p.text for p in paragraphs))
    started = time.perf_counter()
    with engine.snapshot() as snap:
        for split, qs in by_split.items():
            if per_split and per_split.get(split) == 0:
                continue
            if per_split and per_split.get(split):
                step = max(1, len(qs) // per_split[split])
                qs = qs[::step][:per_split[split]]
            for i, q in enumerate(qs):
                retrieval = retrieve(engine, snap, q.question, RETRIEVE_DEPTH)
                title = titles[q.pid]

                def is_gold(p, pid=q.pid):
                    return p.chunk.article.extra.get("squad_id") == pid

                def same_article(p, title=title):
                    return p.chunk.article.title == title

                for variant, passages in variants(retrieval.passages, is_gold, same_article, q.answers, depth,
                                                  True).items():
                    g = group_for(q.qid, variant, q.question, retrieval.query_vector, passages, snap.index,
                                  encoder, is_gold, q.answers)
                    if g is not None:
                        out[split].append(g)
                swapped = swap_name(q.question, question_names(q.question), absent, q.qid)
                if swapped is not None:
                    again = retrieve(engine, snap, swapped, depth)
                    g = group_for(q.qid, "swapped_name", swapped, again.query_vector, again.passages, snap.index,
                                  encoder, is_gold, ())
                    if g is not None:
                        out[split].append(g)
                if progress and (i + 1) % 500 == 0:
                    print(f"  squad {split}: {i + 1}/{len(qs)} ({time.perf_counter() - started:.0f} s)",
                          file=sys.stderr)
    return out


def absent_names(corpus_text: str, n: int = 400) -> list[str]:
    """Capitalised words of Wikinews headlines that the SQuAD paragraphs never contain (sorted by hash)."""
    import re

    from evaluation.wikinews_questions import default_corpus_path

    present = {w.lower() for w in re.findall(r"\w+", corpus_text)}
    words = set()
    for line in default_corpus_path().read_text(encoding="utf-8").splitlines():
        for w in re.findall(r"\b[A-Z][a-z]{3,}\b", json.loads(line)["title"]):
            if w.lower() not in present:
                words.add(w)
    return [w for _, w in sorted((hashlib.sha1(w.encode()).hexdigest(), w) for w in words)][:n]


def harvest_news(settings: Settings, progress: bool = True) -> dict[str, list[Group]]:
    encoder = make_encoder(settings)
    questions = load_questions()
    settings = prepare(settings, encoder, PROJECT_ROOT / "var" / "eval" / "news", sample_corpus(questions, None),
                       progress=False)
    engine = Engine(settings, encoder)
    out: dict[str, list[Group]] = {s: [] for s in SPLITS}
    depth = settings.answer.answer_passages
    with engine.snapshot() as snap:
        for q in sorted(questions, key=lambda q: q.id):
            retrieval = retrieve(engine, snap, q.question, RETRIEVE_DEPTH, q.as_of_date)
            gold = set(q.gold_article_ids)

            def is_gold(p, gold=gold):
                return origin(p.chunk.article) in gold

            split = split_of("wikinews:" + sorted(gold)[0])
            for variant, passages in variants(retrieval.passages, is_gold, is_gold, q.answers, depth,
                                              False).items():
                g = group_for(q.id, variant, q.question, retrieval.query_vector, passages, snap.index, encoder,
                              is_gold, q.answers)
                if g is not None:
                    out[split].append(g)
    return out


def stack(groups: list[Group]) -> tuple[np.ndarray, np.ndarray]:
    x = np.vstack([g.features for g in groups])
    y = np.concatenate([g.labels for g in groups])
    keep = y >= 0
    return x[keep], y[keep]


def fit(groups: list[Group]) -> dict:
    from sklearn.linear_model import LogisticRegression  # training only; the service runs numpy

    x, y = stack(groups)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION, max_iter=2000, tol=1e-8)
    model.fit((x - mean) / scale, y)
    ranker = fit_ranker([g for g in groups if g.variant == "full"], mean, scale)
    return {"mean": mean, "scale": scale, "weights": model.coef_[0], "bias": float(model.intercept_[0]),
            "ranker_weights": ranker, "rows": int(len(y)), "positives": int(y.sum()), "sklearn": model}


def fit_ranker(groups: list[Group], mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Weights maximising each answerable question's softmax probability of its answering sentences
    (candidates of unknown label are left out of its candidates), with the same L2 penalty as the
    answerability model; L-BFGS from zero, so the same rows give the same weights."""
    from scipy.optimize import minimize  # training only

    lists = []
    for g in groups:
        known = g.labels >= 0
        if (g.labels == 1).any() and known.sum() > 1:
            lists.append(((g.features[known] - mean) / scale, g.labels[known] == 1))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.5 * (w @ w) / REGULARISATION, w / REGULARISATION
        for x, positive in lists:
            z = x @ w
            e = np.exp(z - z.max())
            p_all = e / e.sum()
            p_pos = np.where(positive, e, 0.0) / e[positive].sum()
            value -= np.log(e[positive].sum()) - np.log(e.sum())
            grad += x.T @ (p_all - p_pos)
        return value, grad

    result = minimize(loss, np.zeros(len(mean)), jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000, "gtol": 1e-8})
    return result.x


def fixed_scores(params: dict, groups: list[Group], n: int = 40) -> str:
    """A fixed set of validation rows and scikit-learn's own probabilities for them (with the parameters as
    rounded in the JSON), so a test checks that the numpy scorer reproduces the trained model."""
    x = np.vstack([g.features for g in groups[:20]])[:n]
    rounded = {k: np.asarray([float(f"{v:.6g}") for v in params[k]])
               for k in ("mean", "scale", "weights", "ranker_weights")}
    model = params["sklearn"]
    saved = model.coef_.copy(), model.intercept_.copy()
    model.coef_, model.intercept_ = rounded["weights"][None, :], np.asarray([float(f"{params['bias']:.6g}")])
    expected = model.predict_proba((x - rounded["mean"]) / rounded["scale"])[:, 1]
    model.coef_, model.intercept_ = saved
    ranks = ((x - rounded["mean"]) / rounded["scale"]) @ rounded["ranker_weights"]
    doc = {"about": "Written by scripts/train_answerer.py: validation rows, scikit-learn's predict_proba and the "
                    "ranker's logits for them under sentence_model.json; tests/qa/test_answer_model.py checks the "
                    "numpy scorer.",
           "features": [[float(f"{v:.10g}") for v in row] for row in x],
           "probabilities": [float(f"{v:.12g}") for v in expected],
           "rank_scores": [float(f"{v:.12g}") for v in ranks]}
    return json.dumps(doc, indent=None) + "\n"


def probabilities(params: dict, x: np.ndarray) -> np.ndarray:
    z = ((x - params["mean"]) / params["scale"]) @ params["weights"] + params["bias"]
    return 1 / (1 + np.exp(-z))


def rank_scores(params: dict, x: np.ndarray) -> np.ndarray:
    return ((x - params["mean"]) / params["scale"]) @ params["ranker_weights"]


def best_of(params: dict, groups: list[Group]) -> list[tuple[Group, float, int]]:
    """Each group's best candidate by the ranker: (group, its probability of answering, index)."""
    out = []
    for g in groups:
        i = int(np.argmax(rank_scores(params, g.features)))
        out.append((g, float(probabilities(params, g.features)[i]), i))
    return out


def curve(params: dict, groups: list[Group]) -> list[dict]:
    best = best_of(params, groups)
    answerable = [b for b in best if b[0].variant == "full"]
    by_variant = {v: [b for b in best if b[0].variant == v] for v in ("removed", "swapped_name", "off_topic")}
    rows = []
    for t in THRESHOLDS:
        rows.append({
            "threshold": t,
            "answerable_declined": _share(answerable, lambda b: b[1] < t),
            **{f"{v}_declined": _share(items, lambda b: b[1] < t) for v, items in by_variant.items()},
            "answered_with_gold": _share(answerable, lambda b: b[1] >= t and bool(b[0].holds_gold[b[2]])),
        })
    return rows


def _share(items, predicate) -> float:
    return sum(1 for i in items if predicate(i)) / len(items) if items else 0.0


def choose_threshold(rows: list[dict]) -> float:
    """The lowest threshold that declines the target share of near misses within the budget of answerable
    declines (every answerable question declined is a reader left without a quote that was there); when
    none reaches the target, the one declining the most near misses within the budget."""
    allowed = [r for r in rows if r["answerable_declined"] <= DECLINE_BUDGET]
    reaching = [r for r in allowed if r["removed_declined"] >= NEAR_MISS_TARGET]
    if reaching:
        return min(r["threshold"] for r in reaching)
    return max(allowed, key=lambda r: (r["removed_declined"] - r["answerable_declined"], -r["threshold"]))["threshold"]


def reliability(params: dict, groups: list[Group], bins: int = 10) -> list[dict]:
    """Predicted probability of each group's best sentence against how often it holds a gold answer."""
    best = best_of(params, groups)
    rows = []
    for lo in np.linspace(0, 1, bins, endpoint=False):
        inside = [b for b in best if lo <= b[1] < lo + 1 / bins]
        if inside:
            rows.append({"bin": f"{lo:.1f}-{lo + 1 / bins:.1f}", "n": len(inside),
                         "predicted": round(float(np.mean([b[1] for b in inside])), 3),
                         "observed": round(_share(inside, lambda b: b[0].labels[b[2]] == 1
                                                  or bool(b[0].holds_gold[b[2]])), 3)})
    return rows


def model_json(params: dict, threshold: float, meta: dict) -> str:
    def r(values):
        return [float(f"{v:.6g}") for v in values]

    doc = {"about": "Sentence scorer for qa/answering/model.py, written by scripts/train_answerer.py; "
                    "do not edit by hand.",
           "kind": "listwise_ranker+logistic_regression", "features": list(FEATURES), "mean": r(params["mean"]),
           "scale": r(params["scale"]), "weights": r(params["weights"]), "bias": float(f"{params['bias']:.6g}"),
           "ranker_weights": r(params["ranker_weights"]), "threshold": threshold, "training": meta}
    return json.dumps(doc, indent=1) + "\n"


def harvest_settings(settings: Settings) -> Settings:
    """``settings`` with a neutral sentence model when the committed one was trained on other features (as
    after a feature is added): the harvest retrieves and computes features, it never answers, but the
    engine loads a model when it starts."""
    try:
        SentenceModel.load(settings.answer.answer_model or DEFAULT_PATH)
        return settings
    except ModelFileError:
        zeros = [0.0] * len(FEATURES)
        path = CACHE / "neutral_model.json"
        path.write_text(json.dumps({"features": list(FEATURES), "mean": zeros, "scale": [1.0] * len(FEATURES),
                                    "weights": zeros, "bias": 0.0, "ranker_weights": zeros, "threshold": 0.5}),
                        encoding="utf-8")
        return settings.model_copy(update={"answer_model": path})


def load_groups(settings: Settings, refresh: bool, squad_sample: dict[str, int] | None,
                with_news: bool = False) -> dict[str, list[Group]]:
    """Harvested groups of both sets, cached under var/answerer/ (a local cache, never committed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    settings = harvest_settings(settings)
    # The code that computes the features is part of the key: a change to it must not reuse old rows.
    code = [hashlib.sha1(path.read_bytes()).hexdigest() for path in sorted(FEATURE_CODE.glob("*.py"))]
    key = json.dumps([settings.model, settings.answer.answer_passages, list(FEATURES), code], sort_keys=True)
    tag = hashlib.sha1(key.encode()).hexdigest()[:10]
    groups: dict[str, list[Group]] = {s: [] for s in SPLITS}
    sources = [("squad", json.dumps(squad_sample, sort_keys=True), lambda: harvest_squad(settings, squad_sample))]
    if with_news:
        sources.append(("news", "", lambda: harvest_news(settings)))
    for name, extra, harvest in sources:
        path = CACHE / f"{name}-{tag}-{hashlib.sha1(extra.encode()).hexdigest()[:6]}.pkl"
        if path.exists() and not refresh:
            source = pickle.loads(path.read_bytes())
        else:
            started = time.perf_counter()
            source = harvest()
            print(f"{name}: harvested in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            path.write_bytes(pickle.dumps(source))
        for split in SPLITS:
            groups[split] += source[split]
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="train_answerer", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="fail unless --out is reproduced exactly")
    parser.add_argument("--refresh", action="store_true", help="harvest again instead of using var/answerer/")
    parser.add_argument("--train-questions", type=int, default=3000,
                        help="SQuAD training questions sampled evenly (bounded for the shared CPU)")
    parser.add_argument("--validation-questions", type=int, default=1500)
    parser.add_argument("--squad-only", action="store_true",
                        help="train on SQuAD alone (default: also the Wikinews dev set's training split, by gold "
                             "article; its validation/test articles stay held out — on the weekly news set, held "
                             "out entirely, answers holding the fact .859 vs .840 SQuAD-only)")
    args = parser.parse_args(argv)
    sample = {"train": args.train_questions, "validation": args.validation_questions, "test": 0}
    with_news = not args.squad_only
    groups = load_groups(Settings(), args.refresh, sample, with_news)
    params = fit(groups["train"])
    rows = curve(params, groups["validation"])
    threshold = choose_threshold(rows)
    counts = {s: {"questions": len({g.qid for g in gs}), "groups": len(gs)} for s, gs in groups.items()}
    meta = {"data": "SQuAD v1.1 dev split by article (sha1 of the title: 60/20/20)"
                    + (" and evaluation/data/wikinews-dev.jsonl split by gold article" if with_news else ""),
            "squad_sample": sample, "rows": params["rows"],
            "positives": params["positives"], "regularisation_C": REGULARISATION, "splits": counts,
            "decline_budget": DECLINE_BUDGET, "near_miss_target": NEAR_MISS_TARGET}
    text = model_json(params, threshold, meta)
    print("Validation split, best sentence per question:\n\n| threshold | answerable declined | answer-removed "
          "declined | name swapped declined | article absent declined | answered, best sentence holds gold |\n"
          "|---|---|---|---|---|---|")
    for r in rows:
        mark = " **(chosen)**" if r["threshold"] == threshold else ""
        print(f"| {r['threshold']:.2f}{mark} | {r['answerable_declined']:.3f} | {r['removed_declined']:.3f} | "
              f"{r['swapped_name_declined']:.3f} | {r['off_topic_declined']:.3f} | {r['answered_with_gold']:.3f} |")
    print("\nReliability (validation, best sentence per question and variant):\n\n| p | n | predicted | observed |\n"
          "|---|---|---|---|")
    for r in reliability(params, groups["validation"]):
        print(f"| {r['bin']} | {r['n']} | {r['predicted']:.3f} | {r['observed']:.3f} |")
    print("\n| feature | answerability weight | ranker weight | (standardised) |\n|---|---|---|---|")
    for name, w, rw in zip(FEATURES, params["weights"], params["ranker_weights"]):
        print(f"| {name} | {w:+.3f} | {rw:+.3f} | |")
    scores = fixed_scores(params, groups["validation"])
    if args.check:
        same = True
        for path, content in ((args.out, text), (FIXED_SCORES, scores)):
            ok = path.exists() and path.read_text(encoding="utf-8") == content
            print(f"\n{path}: {'reproduced exactly' if ok else 'DIFFERS from this run'}")
            same = same and ok
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    FIXED_SCORES.parent.mkdir(parents=True, exist_ok=True)
    FIXED_SCORES.write_text(scores, encoding="utf-8")
    print(f"\nwrote {args.out} and {FIXED_SCORES}")
    return 0
