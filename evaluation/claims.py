"""Evaluate claim checks (POST /check) on the Wikinews claims set: precision and recall per verdict.

The claims' evidence articles and distractors from the same months are indexed with the
project's build code (the full 5,527 articles with ``--distractors all``); every claim is checked
through the service's own engine as of its date. Claims are split in two halves by id: the
thresholds may be chosen on ``tune`` and are reported on ``test``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from evaluation import news
from evaluation.news import prepare
from index import PROJECT_ROOT, make_encoder
from qa.engine import Engine
from qa.settings import Settings

CLAIMS_PATH = PROJECT_ROOT / "evaluation" / "data" / "wikinews-claims.jsonl"
DEFAULT_WORKDIR = PROJECT_ROOT / "var" / "eval" / "claims"
VERDICTS = ("supported", "contradicted", "mixed", "not_enough_evidence")


def load_claims(path: Path = CLAIMS_PATH) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def half(claim: dict) -> str:
    """A stable split by id: the same claim is always in the same half."""
    return "tune" if int(hashlib.sha1(claim["id"].encode()).hexdigest(), 16) % 2 == 0 else "test"


def sample_corpus(claims: list[dict], distractors: int | None) -> list[str]:
    """The evidence articles plus ``distractors`` others from the claims' months (as the news sets sample)."""
    as_questions = [SimpleNamespace(gold_article_ids=c["evidence_article_ids"], as_of=c["as_of"]) for c in claims]
    return news.sample_corpus(as_questions, distractors)


def score(pairs: list[tuple[str, str]]) -> dict:
    """Precision and recall of each verdict over (gold, predicted) pairs, and accuracy."""
    out = {}
    for v in VERDICTS:
        predicted = sum(1 for _, p in pairs if p == v)
        gold = sum(1 for g, _ in pairs if g == v)
        hit = sum(1 for g, p in pairs if g == p == v)
        out[v] = {"precision": hit / predicted if predicted else None, "recall": hit / gold if gold else None,
                  "predicted": predicted, "gold": gold}
    out["accuracy"] = sum(1 for g, p in pairs if g == p) / len(pairs) if pairs else 0.0
    return out


def run(engine: Engine, claims: list[dict]) -> list[tuple[str, str]]:
    from datetime import date

    return [(c["verdict"], engine.check(c["claim"], as_of=date.fromisoformat(c["as_of"])).verdict.verdict)
            for c in claims]


def table(name: str, result: dict) -> str:
    def cell(x):
        return "–" if x is None else f"{x:.2f}"

    rows = [f"| {name}: verdict | precision | recall | predicted | gold |", "|---|---|---|---|---|"]
    rows += [f"| {v} | {cell(result[v]['precision'])} | {cell(result[v]['recall'])} | {result[v]['predicted']} | "
             f"{result[v]['gold']} |" for v in VERDICTS]
    rows.append(f"| accuracy | {result['accuracy']:.2f} | | | |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evaluate_claims", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--distractors", default="300",
                        help="index the evidence articles plus N others from the claims' months, or 'all'")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a setting")
    parser.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="report each value of a setting on the tune half")
    args = parser.parse_args(argv)
    claims = load_claims()
    settings = Settings(**dict(item.split("=", 1) for item in args.set))
    encoder = make_encoder(settings)
    lines = sample_corpus(claims, None if args.distractors == "all" else int(args.distractors))
    settings = prepare(settings, encoder, args.workdir, lines)
    print(f"{len(claims)} claims ({dict(Counter(c['verdict'] for c in claims))}) over {len(lines)} Wikinews "
          "articles\n")
    for sweep in args.sweep:
        name, _, values = sweep.partition("=")
        for value in values.split(","):
            engine = Engine(Settings.model_validate({**settings.model_dump(), name: value}), encoder)
            print(table(f"tune, {name}={value}", score(run(engine, [c for c in claims if half(c) == "tune"]))), "\n")
    engine = Engine(settings, encoder)
    results = {}
    for part in ("tune", "test"):
        results[part] = score(run(engine, [c for c in claims if half(c) == part]))
        print(table(part, results[part]), "\n")
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
