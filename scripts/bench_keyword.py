#!/usr/bin/env python
"""Keyword search at scale: SQLite FTS5 BM25 (as the folder store runs it) vs tantivy vs bm25s.

One process builds the three indexes over the same passages of news text, then sends every query to
every engine, rotating which engine goes first, for ``--runs`` rounds. Per engine it prints build time,
size on disk, p50 / p95 ms per query for common-word and rare-word queries (each the median over the
rounds) and the overlap of its top 10 with FTS5's top 10 (and tantivy's with bm25s's).

- **FTS5**: the project's table (``index.stores.folder.schema``'s ``chunks_fts``: title and text columns,
  ``index.keywords.FTS_TOKENIZER``), the query from ``index.keywords.fts_query``, the same SQL as
  ``FolderIndex.keyword_search`` (``-bm25(chunks_fts, 1.0, 1.0)``, ``ORDER BY score DESC LIMIT k``), a
  read-only connection from ``schema.connect``; rows inserted in one transaction, as a full build does,
  but with ``PRAGMA synchronous = OFF`` unless ``--fts-sync``: with the default, page-cache spills fsync
  the journal and the build time measures the disk (53–209 s instead of 11 s for 50,000 passages here,
  while other jobs wrote to it). Queries are unaffected.
- **tantivy**: title and text fields (frequencies only, no positions) with an English analyser (simple
  tokenizer, lower case, ASCII folding, Snowball English stemmer), a boolean query of ``Should`` term
  queries, one per stemmed query term and field, top k by BM25; ids come from a fast field.
  ``tantivy-1f`` is the same with title and text in one field (FTS5's BM25 treats a row as one document);
  ``tantivy-porter`` is one field holding the text already cut into FTS5's tokens and Porter stems (below),
  split on whitespace by tantivy, and queried with ``index.keywords.stems``: only the BM25 details differ.
- **bm25s**: title + text as one document, tokenised as FTS5 does (``\\w+``, lower case, diacritics
  removed, Porter stems from PyStemmer, stop words kept in the documents; ``PorterTokens``), BM25
  "robertson" with FTS5's k1=1.2, b=0.75; queries are ``index.keywords.stems`` (what the project matches
  in FTS5), through the public ``retrieve`` (numpy backend: scores every document, then
  ``np.argpartition`` over all of them, which is slow when most scores are 0, i.e. for rare words).

Corpus: the Wikinews articles (../shared/data/wikinews-en/) cut into passages of whole sentences up to
~120 words (at most 8 sentences; a last passage under 40 words joins the one before): 2.85 per article,
close to the project's 2.5 chunks per article (bench_scale). Passages past the real ones are synthesised
(fixed seed) from real sentences: each synthetic article takes a real article's title and passage count,
and each of its passages draws sentences from that article (30%) or from all articles (70%). So every
real sentence recurs about chunks / 15,776 times: "rare" words are rarer in a real archive of that size.
Queries: 300 common-word ones (bench_scale's common phrases, Wikinews titles, question templates filled
with frequent words) and 300 rare-word ones (the three rarest words of a random real sentence, one of
them in at most 5 articles, in a question). Every engine is asked for ``--k`` hits (100, what hybrid
retrieval asks for); overlap is measured on the first 10 (ties in BM25 score can swap documents at the
cut, so even identical formulas need not reach 1.0).

    .venv/bin/python scripts/bench_keyword.py --chunks 50000 --runs 3
    .venv/bin/python scripts/bench_keyword.py --chunks 600000 --runs 3

Work files go under ``--work`` (/tmp/kw by default), one folder per size, replaced on each run.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import shutil
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import Stemmer  # noqa: E402

from index import PROJECT_ROOT  # noqa: E402
from index.keywords import FTS_TOKENIZER, STOP_WORDS, fts_query, stems, terms  # noqa: E402
from index.stores.folder.schema import connect  # noqa: E402

WIKINEWS = PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|$)")  # simple split: enough for recombining text
# the project's keyword query, as FolderIndex.keyword_search runs it without filters
FTS_SQL = """SELECT chunks_fts.rowid AS id, -bm25(chunks_fts, ?, 1.0) AS score
             FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score DESC LIMIT ?"""
FTS_DDL = f"CREATE VIRTUAL TABLE chunks_fts USING fts5(title, text, tokenize='{FTS_TOKENIZER}')"
# scripts/bench_scale.py's common-word queries (its "common words" BM25 column)
COMMON_PHRASES = ["the government said", "president", "oil prices rose", "the new law", "people were killed",
                  "the minister said on Tuesday", "election results", "the company reported", "police", "world"]
COMMON_TEMPLATES = [
    "What did the {0} say about the {1} last year",
    "What did the {0} say about the {1} {2}",
    "How many {0} were {1} in the {2}",
    "Why did the {0} {1} the {2} {3}",
    "When will the {0} {1} {2}",
    "Who {0} the {1} {2} {3}",
    "What happened to the {0} {1} after the {2}",
    "Where did the {0} {1} {2}",
]
RARE_TEMPLATES = ["What about {0} {1} {2}?", "Who is {0}, {1} and {2}?", "What happened with {0} {1} {2}",
                  "{0} {1} {2}"]
WORDS_PER_PASSAGE, SENTENCES_PER_PASSAGE = 120, 8
TOKEN = re.compile(r"\w+")


# ---------------------------------------------------------------- corpus and queries


def passages_of(sentences: list[str]) -> list[str]:
    """Greedy packing of whole sentences up to ~120 words (at most 8 sentences); a last passage under
    40 words joins the one before (the project's chunks fill a 256-token window: ~2.5 per Wikinews article)."""
    out, current, words = [], [], 0
    for s in sentences:
        current.append(s)
        words += len(s.split())
        if words >= WORDS_PER_PASSAGE or len(current) >= SENTENCES_PER_PASSAGE:
            out.append(" ".join(current))
            current, words = [], 0
    if current:
        if out and words < 40:
            out[-1] += " " + " ".join(current)
        else:
            out.append(" ".join(current))
    return out


def load_articles() -> list[tuple[str, list[str]]]:
    """(title, sentences) for each Wikinews article."""
    articles = []
    with WIKINEWS.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            sentences = [m.group(0).strip() for m in SENTENCE.finditer(record["text"])]
            sentences = [s for s in sentences if len(s.split()) >= 3]
            if sentences:
                articles.append((record["title"], sentences))
    return articles


def make_corpus(articles: list[tuple[str, list[str]]], n: int, seed: int) -> tuple[list[tuple[str, str]], int]:
    """n (title, text) passages: the real ones first, then synthetic ones. Also returns the real count."""
    corpus = [(title, p) for title, sentences in articles for p in passages_of(sentences)]
    real = len(corpus)
    corpus = corpus[:n]
    rng = random.Random(seed)
    pool = [s for _, sentences in articles for s in sentences]
    per_article = [len(passages_of(sentences)) for _, sentences in articles]
    while len(corpus) < n:
        i = rng.randrange(len(articles))
        title, own = articles[i]
        for _ in range(per_article[i]):
            chosen, words = [], 0
            while words < WORDS_PER_PASSAGE and len(chosen) < SENTENCES_PER_PASSAGE:
                s = own[rng.randrange(len(own))] if rng.random() < 0.3 else pool[rng.randrange(len(pool))]
                chosen.append(s)
                words += len(s.split())
            corpus.append((title, " ".join(chosen)))
            if len(corpus) >= n:
                break
    return corpus, real


def make_queries(articles: list[tuple[str, list[str]]], count: int, seed: int) -> tuple[list[str], list[str]]:
    """Common-word queries and rare-word queries, ``count`` of each, from the real articles."""
    rng = random.Random(seed)
    df: Counter[str] = Counter()
    for title, sentences in articles:
        df.update({w for w in TOKEN.findall((title + " " + " ".join(sentences)).lower())})
    content = [w for w, _ in df.most_common() if w not in STOP_WORDS and w.isalpha() and len(w) > 2]
    frequent = content[:150]
    common = list(COMMON_PHRASES)
    titles = [title for title, _ in articles]
    while len(common) < count // 2:
        common.append(titles[rng.randrange(len(titles))])
    while len(common) < count:
        template = COMMON_TEMPLATES[rng.randrange(len(COMMON_TEMPLATES))]
        common.append(template.format(*rng.sample(frequent, 4)))
    rare = []
    pool = [s for _, sentences in articles for s in sentences]
    while len(rare) < count:
        words = {w for w in TOKEN.findall(pool[rng.randrange(len(pool))]) if w.isalpha() and len(w) > 3
                 and w.lower() not in STOP_WORDS}
        chosen = sorted(words, key=lambda w: (df[w.lower()], w))[:3]
        if len(chosen) == 3 and df[chosen[0].lower()] <= 5:  # at least one word in at most 5 articles
            rng.shuffle(chosen)
            rare.append(RARE_TEMPLATES[rng.randrange(len(RARE_TEMPLATES))].format(*chosen))
    return common, rare


# ---------------------------------------------------------------- engines


class PorterTokens:
    """Documents tokenised as FTS5's tokenizer does: \\w+, lower case, diacritics removed, Porter stems
    (PyStemmer's "porter", as index.keywords uses), stop words kept. Each surface word is stemmed once."""

    def __init__(self) -> None:
        self.stemmer = Stemmer.Stemmer("porter")
        self.stem_of: dict[str, str] = {}

    @staticmethod
    def fold(text: str) -> str:
        text = text.lower()
        if text.isascii():
            return text
        return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))

    def __call__(self, text: str) -> list[str]:
        out = []
        for w in TOKEN.findall(self.fold(text)):
            stem = self.stem_of.get(w)
            if stem is None:
                stem = self.stem_of[w] = self.stemmer.stemWord(w)
            out.append(stem)
        return out


def dir_size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Fts5:
    name = "fts5"

    def __init__(self, root: Path, sync: bool) -> None:
        self.path = root / "fts.sqlite"
        self.sync = sync

    def build(self, corpus: list[tuple[str, str]]) -> None:
        db = connect(self.path)
        if not self.sync:
            db.execute("PRAGMA synchronous = OFF")
        db.execute(FTS_DDL)
        for start in range(0, len(corpus), 10_000):
            batch = enumerate(corpus[start:start + 10_000], start)
            db.executemany("INSERT INTO chunks_fts (rowid, title, text) VALUES (?, ?, ?)",
                           [(i + 1, title, text) for i, (title, text) in batch])
        db.commit()
        db.execute("PRAGMA optimize")
        db.close()
        self.db = connect(self.path, readonly=True)

    def size(self) -> int:
        return dir_size(self.path)

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        query = fts_query(text)
        if query is None:
            return []
        return [(int(r[0]) - 1, float(r[1])) for r in self.db.execute(FTS_SQL, (1.0, query, k))]


class Tantivy:
    def __init__(self, root: Path, one_field: bool, threads: int, porter: bool = False) -> None:
        import tantivy

        self.t = tantivy
        self.one_field = one_field or porter
        self.porter = PorterTokens() if porter else None
        self.name = "tantivy-porter" if porter else "tantivy-1f" if one_field else "tantivy"
        self.path = root / self.name
        self.path.mkdir()
        self.threads = threads
        self.fields = ["body"] if one_field else ["title", "text"]
        builder = tantivy.SchemaBuilder()
        for field in self.fields:
            builder.add_text_field(field, stored=False, tokenizer_name="whitespace" if porter else "en_fold",
                                   index_option="freq")
        builder.add_integer_field("id", stored=False, indexed=True, fast=True)
        self.schema = builder.build()
        self.analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                         .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
                         .filter(tantivy.Filter.ascii_fold()).filter(tantivy.Filter.stemmer("english")).build())
        self.index = tantivy.Index(self.schema, path=str(self.path))
        self.index.register_tokenizer("en_fold", self.analyzer)

    def build(self, corpus: list[tuple[str, str]]) -> None:
        t = self.t
        writer = self.index.writer(heap_size=256_000_000, num_threads=self.threads)
        for i, (title, text) in enumerate(corpus):
            if self.porter:
                writer.add_document(t.Document(id=i, body=" ".join(self.porter(title + " " + text))))
            elif self.one_field:
                writer.add_document(t.Document(id=i, body=title + "\n" + text))
            else:
                writer.add_document(t.Document(id=i, title=title, text=text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def size(self) -> int:
        return dir_size(self.path)

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        t = self.t
        if self.porter:
            tokens = [tok for tok in stems(text) if tok]
        else:
            tokens = [tok for term in terms(text) for tok in self.analyzer.analyze(term)]
        if not tokens:
            return []
        query = t.Query.boolean_query([(t.Occur.Should, t.Query.term_query(self.schema, f, tok, index_option="freq"))
                                       for tok in dict.fromkeys(tokens) for f in self.fields])
        hits = self.searcher.search(query, k, count=False).hits
        ids = self.searcher.fast_field_values("id", [address for _, address in hits])
        return [(int(i), float(score)) for i, (score, _) in zip(ids, hits)]


class Bm25s:
    name = "bm25s"

    def __init__(self, root: Path) -> None:
        self.path = root / "bm25s"

    def build(self, corpus: list[tuple[str, str]]) -> None:
        import bm25s

        tokenize = PorterTokens()
        vocab: dict[str, int] = {}  # stem -> id (one int object per stem, shared by every occurrence)

        def ids_of(text: str) -> list[int]:
            return [vocab.setdefault(stem, len(vocab)) for stem in tokenize(text)]

        tokens = [ids_of(title + " " + text) for title, text in corpus]
        vocab.setdefault("", len(vocab))  # bm25s wants an empty token in the vocabulary
        self.retriever = bm25s.BM25(k1=1.2, b=0.75, method="robertson")
        self.retriever.index((tokens, vocab), show_progress=False)
        del tokens
        self.retriever.save(str(self.path))

    def size(self) -> int:
        return dir_size(self.path)

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        query = [s for s in stems(text) if s in self.retriever.vocab_dict]
        if not query:
            return []
        docs, scores = self.retriever.retrieve([query], k=k, show_progress=False, n_threads=0)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


# ---------------------------------------------------------------- measuring


def overlap(hits: list[tuple[int, float]], reference: list[tuple[int, float]], n: int = 10) -> float | None:
    ref = {i for i, _ in reference[:n]}
    if not ref:
        return None
    return len(ref & {i for i, _ in hits[:n]}) / len(ref)


def p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def squad_recall(limit: int, work: Path) -> int:
    """SQuAD dev recall with each engine as the keyword retriever: the project's evaluation (its cached
    index, its Engine and fusion), the folder reader's ``keyword_search`` answered by tantivy-porter over
    the same chunks for the second run. Prints bm25-alone and hybrid R@1/R@5/MRR@10 for both."""
    from evaluation import runner
    from index import Filters
    from index.stores.folder.reader import FolderReader
    from qa.engine import Engine
    from qa.settings import Settings

    settings = Settings()
    encoder = runner.make_encoder(settings)
    paragraphs, questions = runner.squad.load()
    settings, info = runner.prepare_index(settings, runner.DEFAULT_WORKDIR, paragraphs, encoder, progress=False)
    engine = Engine(settings, encoder)
    fts5 = FolderReader.keyword_search
    with engine.snapshot() as snap:
        reader = snap.index
        ids = [int(i) for i in reader.filtered_chunk_ids(Filters())]
        corpus = [(c.article.title, c.text) for c in reader.chunks(ids)]
        root = work / "squad"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        tantivy = Tantivy(root, True, 1, porter=True)
        tantivy.build(corpus)

        def keyword_search(self, text, k, filters=None, title_weight=1.0):
            return [(ids[i], score) for i, score in tantivy.search(text, k)]

        rows = []
        for name, method in (("fts5", fts5), ("tantivy-porter", keyword_search)):
            FolderReader.keyword_search = method
            try:
                results = runner._run(engine, reader, settings, questions, info, limit, progress=False)
            finally:
                FolderReader.keyword_search = fts5
            rows.append((name, results))
    print(f"\nSQuAD dev, {limit} questions, keyword retriever swapped under the same index and fusion\n")
    print("| keyword engine | bm25 alone R@1 / R@5 / MRR@10 | hybrid R@1 / R@5 / MRR@10 | answer contains gold |")
    print("|---|---|---|---|")
    for name, r in rows:
        b, h = r.retrieval["bm25"], r.retrieval["hybrid"]
        print(f"| {name} | {b['R@1']:.3f} / {b['R@5']:.3f} / {b['MRR@10']:.3f} "
              f"| {h['R@1']:.3f} / {h['R@5']:.3f} / {h['MRR@10']:.3f} | {r.answers['contains_gold']:.3f} |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=600_000, help="passages to index (e.g. 50000, 600000, 1200000)")
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind (common, rare)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--k", type=int, default=100, help="hits asked of every engine (hybrid asks 100)")
    parser.add_argument("--engines", default="fts5,tantivy,tantivy-1f,tantivy-porter,bm25s")
    parser.add_argument("--threads", type=int, default=1, help="tantivy indexing threads")
    parser.add_argument("--fts-sync", action="store_true",
                        help="build FTS5 with the project's default synchronous=FULL (fsync-bound on a shared disk)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kw"))
    parser.add_argument("--squad", type=int, metavar="N",
                        help="instead: SQuAD recall over N questions with FTS5 and with tantivy-porter as the keyword retriever")
    args = parser.parse_args()
    if args.squad:
        return squad_recall(args.squad, args.work)

    started = time.perf_counter()
    articles = load_articles()
    corpus, real = make_corpus(articles, args.chunks, args.seed)
    common, rare = make_queries(articles, args.queries, args.seed)
    words = sum(len(t.split()) for _, t in corpus[:real])
    print(f"corpus: {len(corpus):,} passages ({min(real, len(corpus)):,} real from {len(articles):,} articles: "
          f"{real / len(articles):.2f} passages per article, {words / real:.0f} words per passage); "
          f"{len(common)} common + {len(rare)} rare queries; made in {time.perf_counter() - started:.0f} s",
          flush=True)

    root = args.work / f"n{args.chunks}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    makers = {"fts5": lambda: Fts5(root, args.fts_sync), "tantivy": lambda: Tantivy(root, False, args.threads),
              "tantivy-1f": lambda: Tantivy(root, True, args.threads),
              "tantivy-porter": lambda: Tantivy(root, True, args.threads, porter=True), "bm25s": lambda: Bm25s(root)}
    engines, build_s = [], {}
    for name in args.engines.split(","):
        try:
            engine = makers[name]()
        except ImportError as exc:
            print(f"{name}: not available ({exc})", flush=True)
            continue
        gc.collect()
        t0 = time.perf_counter()
        engine.build(corpus)
        build_s[engine.name] = time.perf_counter() - t0
        print(f"{engine.name}: built in {build_s[engine.name]:.1f} s, {engine.size() / 2**20:,.0f} MiB", flush=True)
        engines.append(engine)
    del corpus
    gc.collect()

    sets = {"common": common, "rare": rare}
    for engine in engines:  # warm-up: page cache, lazy loading
        for q in common + rare:
            engine.search(q, args.k)
    times = {(e.name, s): [] for e in engines for s in sets}  # per run: (p50, p95)
    results: dict[tuple[str, str], list] = {}
    for run in range(args.runs):
        for kind, queries in sets.items():
            per = {e.name: [] for e in engines}
            for qi, q in enumerate(queries):
                shift = (qi + run) % len(engines)
                for engine in engines[shift:] + engines[:shift]:  # rotate who goes first
                    t0 = time.perf_counter()
                    hits = engine.search(q, args.k)
                    per[engine.name].append((time.perf_counter() - t0) * 1000)
                    if run == 0:
                        results[(engine.name, kind, qi)] = hits
            for name, ms in per.items():
                times[(name, kind)].append(p50_p95(ms))
        print(f"round {run + 1}/{args.runs} done", flush=True)

    def recall(name: str, ref: str, kind: str) -> str:
        values = [overlap(results[(name, kind, qi)], results[(ref, kind, qi)]) for qi in range(len(sets[kind]))]
        values = [v for v in values if v is not None]
        return f"{statistics.mean(values):.3f}" if values else "n/a"

    print(f"\n{args.chunks:,} passages, top-{args.k}, {args.runs} rounds alternating engines "
          f"(p50 / p95 ms: medians over rounds; overlap: mean share of FTS5's top 10 also in the engine's top 10)\n")
    print("| engine | build s | size MiB | common p50 / p95 ms | rare p50 / p95 ms "
          "| top-10 overlap with FTS5: common / rare |")
    print("|---|---|---|---|---|---|")
    for engine in engines:
        cells = []
        for kind in sets:
            p50 = statistics.median(t[0] for t in times[(engine.name, kind)])
            p95 = statistics.median(t[1] for t in times[(engine.name, kind)])
            cells.append(f"{p50:.2f} / {p95:.2f}")
        over = f"{recall(engine.name, 'fts5', 'common')} / {recall(engine.name, 'fts5', 'rare')}" \
            if any(e.name == "fts5" for e in engines) else "n/a"
        print(f"| {engine.name} | {build_s[engine.name]:.1f} | {engine.size() / 2**20:,.0f} "
              f"| {cells[0]} | {cells[1]} | {over} |")
    names = [e.name for e in engines]
    for a, b in (("tantivy", "bm25s"), ("tantivy-1f", "bm25s"), ("tantivy-porter", "bm25s"),
                 ("tantivy", "tantivy-1f")):
        if a in names and b in names:
            print(f"\ntop-10 overlap {a} vs {b} (share of {b}'s top 10): common {recall(a, b, 'common')}, "
                  f"rare {recall(a, b, 'rare')}", end="")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
