#!/usr/bin/env python
"""``/search`` and ``/ask`` latency of two built indexes of the same articles — typically a folder store and a
PostgreSQL database — served side by side over HTTP, alternating stores every ``--round`` questions so machine
load hits both alike; prints p50 / p95 per store and their ratio.

    python scripts/bench_store_latency.py --folder W/folder-10000 --postgres postgresql://…/prof_10000 \\
        --questions 150 --encoder standin

Both indexes must have been built with the same encoder (``standin`` for scripts/bench_scale.py's stand-in).
The first 20 questions warm both services up and are not timed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from scripts.bench_scale import free_port, p50_p95, timed_requests, wait_healthy  # noqa: E402

SCALE = Path(__file__).resolve().parent / "bench_scale.py"
WARM = 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="folder index (the baseline)")
    parser.add_argument("--postgres", required=True, help="the other index: a postgresql:// URL or a folder")
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--round", type=int, default=10, help="questions per store before switching")
    parser.add_argument("--encoder", choices=["standin", "real"], default="standin")
    args = parser.parse_args()
    _, questions = squad.load()
    asked = [q.question for q in random.Random(7).sample(questions, args.questions + WARM)]
    stores = {"folder": args.folder, "postgres": args.postgres}
    ports, children = {}, {}
    for name, location in stores.items():
        ports[name] = free_port()
        children[name] = subprocess.Popen([sys.executable, str(SCALE), "--serve", location, str(ports[name]),
                                           args.encoder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for name in stores:
            wait_healthy(ports[name], children[name])
            timed_requests(ports[name], [("GET", f"/search?q={urllib.parse.quote(q)}", None) for q in asked[:WARM]])
        kinds = {
            "/search": lambda q: ("GET", f"/search?q={urllib.parse.quote(q)}&as_of=2026-01-01", None),
            "/search?source=": lambda q: ("GET", f"/search?q={urllib.parse.quote(q)}&source=Wikinews", None),
            "/ask": lambda q: ("POST", "/ask", {"question": q}),
        }
        times = {(name, kind): [] for name in stores for kind in kinds}
        for at in range(WARM, len(asked), args.round):
            batch = asked[at:at + args.round]
            for name in stores:
                for kind, request in kinds.items():
                    times[(name, kind)] += timed_requests(ports[name], [request(q) for q in batch])
        print(f"{args.questions} questions, alternating every {args.round}\n")
        print("| request | folder p50 / p95 ms | other p50 / p95 ms | ratio of p50 |\n|---|---|---|---|")
        for kind in kinds:
            (f50, f95), (o50, o95) = p50_p95(times[("folder", kind)]), p50_p95(times[("postgres", kind)])
            print(f"| {kind} | {f50:.1f} / {f95:.1f} | {o50:.1f} / {o95:.1f} | {o50 / f50:.2f} |")
    finally:
        for child in children.values():
            child.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
