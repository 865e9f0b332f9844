#!/usr/bin/env python
"""``/search`` latency and service memory with the compact vector index against the structures an archive
was built with, on the same archive, over HTTP.

Copies an index folder, rewrites every vector segment of the copy's live version as the ``compact`` kind
(codes and float16 rows; the manifest's vector index type and the recorded segment sizes updated), then serves the
original and the copy in two child processes (``bench_scale.py``'s service) and times ``/search`` with the
same questions, alternating between the two per round so machine load hits both alike; prints p50 / p95
(median of per-round p50s) and each child's RSS after the rounds.

    .venv/bin/python scripts/bench_compact_serve.py --index W/index-3000-real --encoder real
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import urllib.parse
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from index import Manifest  # noqa: E402
from index.ann import load_vector_index  # noqa: E402
from index.ann.compact import CompactIndex  # noqa: E402
from index.stores.folder import FolderStore  # noqa: E402
from index.stores.folder.schema import METADATA, State, connect  # noqa: E402
from scripts.bench_scale import free_port, rss_mib, timed_requests, wait_healthy  # noqa: E402

SCALE = Path(__file__).resolve().parent / "bench_scale.py"


def to_compact(index_dir: Path) -> int:
    """Rewrite the live version's segments as compact; returns how many vectors were rewritten. (``auto``
    files no longer hold compact codes: the copy becomes a ``compact`` index, as a build with
    NEWSQA_VECTOR_INDEX=compact would make it.)"""
    folder = FolderStore(index_dir).folder(FolderStore(index_dir).live_version())
    manifest = Manifest.from_json((folder / "manifest.json").read_text())
    if manifest.vector_index == CompactIndex.kind:
        raise SystemExit(f"{index_dir} is already compact")
    compact = replace(manifest, vector_index=CompactIndex.kind).to_json()
    total = 0
    with connect(folder / METADATA) as db:
        state = State.read(db)
        for name in ("chunk_segments", "sentence_segments"):
            segments = []
            for segment in getattr(state, name):
                path = folder / segment.file
                ids, vectors = load_vector_index(manifest.vector_index, path, manifest.dimension).export()
                CompactIndex._from_vectors(manifest.dimension, ids, vectors).save(path)
                total += len(ids)
                segments.append(type(segment)(segment.file, segment.lo, segment.hi, segment.vectors,
                                              path.stat().st_size))
            setattr(state, name, segments)
        if state.manifest:  # the version's manifest as its readers take it
            state.manifest = compact
        state.write(db)
    (folder / "manifest.json").write_text(compact)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--encoder", choices=["real", "standin"], default="real")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    copy = args.index.with_name(args.index.name + "-compact")
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(args.index, copy, symlinks=True)
    print(f"{copy}: {to_compact(copy):,} vectors rewritten as compact", flush=True)
    _, squad_questions = squad.load()
    questions = [urllib.parse.quote(q.question) for q in random.Random(7).sample(squad_questions, args.questions)]
    children = {}
    try:
        for label, index in (("as built", args.index), ("compact", copy)):
            port = free_port()
            child = subprocess.Popen([sys.executable, str(SCALE), "--serve", str(index), str(port), args.encoder],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            children[label] = (port, child)
            wait_healthy(port, child)
            timed_requests(port, [("GET", f"/search?q={x}", None) for x in questions[:20]])  # warm-up
        p50s, p95s = {label: [] for label in children}, {label: [] for label in children}
        for _ in range(args.rounds):
            for label, (port, _) in children.items():
                ms = sorted(timed_requests(port, [("GET", f"/search?q={x}&as_of=2026-01-01", None) for x in questions]))
                p50s[label].append(statistics.median(ms))
                p95s[label].append(ms[int(0.95 * (len(ms) - 1))])
        print(f"\n{args.questions} questions, {args.rounds} alternating rounds, HTTP on loopback, {args.encoder} encoder\n")
        print("| vector segments | /search p50 / p95 ms (median of rounds) | service RSS MiB |")
        print("|---|---|---|")
        for label, (port, child) in children.items():
            print(f"| {label} | {statistics.median(p50s[label]):.1f} / {statistics.median(p95s[label]):.1f} "
                  f"| {rss_mib(child.pid):.0f} |")
    finally:
        for _, child in children.values():
            child.terminate()
            child.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
