#!/usr/bin/env python
"""How small can an archive's vectors get before what a user retrieves changes? The 1M-chunk budget.

Takes an index built with the real model (e.g. one ``bench_scale.py --encoder real --workdir W`` left in
W), reads its chunk and sentence vectors back exactly, and re-indexes them with FAISS codecs that store
fewer bytes a vector: graph or inverted-file (IVF) indexes over 8-, 6- and 4-bit scalar codes or
RaBitQ codes. For each codec it prints the bytes a vector takes (the serialised index, ids and graph
included) and its recall@10 against exact search, alone. For chunk / sentence codec pairs it prints
what 1,000,000 chunks with their sentences would take (at this archive's sentences per chunk; an IVF
index's centroids, a fixed cost, scaled to ~4·sqrt(n) lists at that size) and the
end-to-end figure: how much of the hybrid retriever's top 10 passages (dense + sentence + keyword,
fused as the service does) stays the same as with exact vectors, over real questions (the dated
Wikinews dev set and SQuAD dev questions).

    .venv/bin/python scripts/bench_codecs.py --index W/index-10000-real

IVF indexes get ~4·sqrt(n) lists and probe ``--probe-share`` of them; queries run one at a time on one
thread. Scores from RaBitQ codes are estimates, and its codes decode poorly (a reconstructed vector's
cosine to the original is far below its score estimate's accuracy), so a RaBitQ sentence index could
not also serve the vectors answers read; the scalar codes can.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from evaluation.wikinews_questions import load_questions  # noqa: E402
from index import Filters, make_encoder, open_index  # noqa: E402
from qa.pipeline import Plan, Request, State  # noqa: E402
from qa.stages.retrieve import RetrieveStage  # noqa: E402
from qa.settings import Settings  # noqa: E402

CODECS = ["Flat", "HNSW32,Flat", "HNSW32,SQ8", "IVF,SQ8", "IVF,SQ6", "IVF,SQ4",
          "IVF,RaBitQ4", "IVF,RaBitQ3", "IVF,RaBitQ2", "IVF,RaBitQ"]
PAIRS = [("Flat", "Flat"), ("HNSW32,SQ8", "HNSW32,SQ8"), ("IVF,SQ8", "IVF,SQ8"), ("IVF,SQ8", "IVF,SQ4"),
         ("IVF,SQ8", "IVF,RaBitQ2"), ("IVF,RaBitQ4", "IVF,RaBitQ2"), ("IVF,RaBitQ4", "IVF,RaBitQ"),
         ("IVF,RaBitQ3", "IVF,RaBitQ3"), ("IVF,SQ8", None), ("HNSW32,SQ8", None)]
GIB = 1 << 30
MILLION = 1_000_000


class Codec:
    """One FAISS index over (id, vector) pairs with the search the store's readers call."""

    def __init__(self, spec: str, ids: np.ndarray, vectors: np.ndarray, probe_share: float) -> None:
        self.spec = spec
        n, dimension = vectors.shape
        self.lists = max(16, int(4 * n ** 0.5))
        factory = spec.replace("IVF,", f"IVF{self.lists},")
        index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        if not isinstance(index, faiss.IndexIVF):
            index = faiss.IndexIDMap(index)
        sample = vectors[np.random.default_rng(0).permutation(n)[:200_000]]
        started = time.perf_counter()
        index.train(sample)
        index.add_with_ids(vectors, ids)
        self.build_s = time.perf_counter() - started
        self.index = index
        size = len(faiss.serialize_index(index))
        # An IVF index's coarse centroids are a fixed cost that shrinks per vector as the archive grows.
        fixed = self.lists * dimension * 4 if isinstance(index, faiss.IndexIVF) else 0
        self.bytes_per_vector = size / n
        self.dimension = dimension
        self.marginal = (size - fixed) / n
        self.params = None
        self.ivf = isinstance(index, faiss.IndexIVF)
        if self.ivf:
            self.params = faiss.IVFRaBitQSearchParameters() if "RaBitQ" in spec else faiss.SearchParametersIVF()
            self.params.nprobe = max(1, round(self.lists * probe_share))
            if "RaBitQ" in spec:
                self.params.qb = 8  # 8-bit query: the same recall as float queries here, ~100x faster
        elif "HNSW" in spec:
            self.params = faiss.SearchParametersHNSW()
            self.params.efSearch = 256  # what index/ann/hnsw.py searches with

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if allowed is not None:
            raise SystemExit("bench_codecs.py compares unfiltered questions only")
        scores, ids = self.index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k,
                                        params=self.params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


    def bytes_at(self, n: int) -> float:
        """Bytes a vector at ``n`` vectors, with ~4·sqrt(n) lists for an IVF index."""
        return self.marginal + (max(16, int(4 * n ** 0.5)) * self.dimension * 4 / n if self.ivf else 0)


class NoSentences:
    marginal = 0.0

    def search(self, vector, k, allowed=None):
        return []

    def bytes_at(self, n: int) -> float:
        return 0.0


def exported(segmented) -> tuple[np.ndarray, np.ndarray]:
    parts = [part.export() for part in segmented.parts]
    return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts]).astype(np.float32)


def recall(codec: Codec, exact: Codec, queries: np.ndarray) -> float:
    found = [len({i for i, _ in codec.search(q, 10)} & {i for i, _ in exact.search(q, 10)}) / 10 for q in queries]
    return statistics.fmean(found)


def latency_ms(codec: Codec, queries: np.ndarray) -> float:
    times = []
    for q in queries:
        started = time.perf_counter()
        codec.search(q, 10)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index folder built with the real model")
    parser.add_argument("--squad-questions", type=int, default=200)
    parser.add_argument("--probe-share", type=float, default=0.125, help="share of IVF lists probed")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)

    reader = open_index(args.index)
    settings = Settings()
    encoder = make_encoder(settings)
    if reader.manifest.encoder != encoder.identity:
        raise SystemExit(f"{args.index} was built with {reader.manifest.encoder}; this encoder is {encoder.identity}")
    chunk_ids, chunk_vectors = exported(reader.vectors)
    sentence_ids, sentence_vectors = exported(reader.sentence_vector_index)
    per_chunk = len(sentence_ids) / len(chunk_ids)
    _, squad_questions = squad.load()
    questions = [q.question for q in load_questions()]
    questions += [q.question for q in random.Random(0).sample(squad_questions, args.squad_questions)]
    queries = encoder.encode(questions).astype(np.float32)
    print(f"{args.index}: {len(chunk_ids):,} chunk and {len(sentence_ids):,} sentence vectors "
          f"({per_chunk:.2f} a chunk); {len(questions)} questions; IVF probes {args.probe_share:.3f} of its lists\n")

    codecs: dict[tuple[str, str], Codec] = {}
    print("| codec | vectors | build s | bytes/vector | recall@10 alone | p50 ms |")
    print("|---|---|---|---|---|---|")
    for kind, ids, vectors in (("chunks", chunk_ids, chunk_vectors), ("sentences", sentence_ids, sentence_vectors)):
        for spec in CODECS:
            codec = codecs[kind, spec] = Codec(spec, ids, vectors, args.probe_share)
            print(f"| {spec} | {kind} | {codec.build_s:.1f} | {codec.bytes_per_vector:,.0f} | "
                  f"{recall(codec, codecs[kind, 'Flat'], queries):.3f} | {latency_ms(codec, queries):.2f} |",
                  flush=True)

    retrieve = RetrieveStage(settings.retrieval, encoder)

    def passages(question: str) -> list:
        """The service's retrieval with no filter and no rescoring, as the bench measured before."""
        state = State(Request(question, 10), plan=Plan(as_of=datetime.date.today(), filters=Filters()))
        retrieve.run(state, SimpleNamespace(index=reader))
        return state.passages
    dense, sentences = reader.vectors, reader.sentence_vector_index

    def top10(chunk_codec, sentence_codec) -> list[list[int]]:
        reader.vectors, reader.sentence_vector_index = chunk_codec, sentence_codec
        try:
            return [[p.chunk.id for p in passages(q)] for q in questions]
        finally:
            reader.vectors, reader.sentence_vector_index = dense, sentences

    truth = top10(codecs["chunks", "Flat"], codecs["sentences", "Flat"])
    print("\n| chunk codec | sentence codec | bytes a chunk with its sentences, here | GiB for 1M chunks | "
          "top-10 passages as with exact vectors |")
    print("|---|---|---|---|---|")
    for chunk_spec, sentence_spec in PAIRS:
        chunk_codec = codecs["chunks", chunk_spec]
        sentence_codec = NoSentences() if sentence_spec is None else codecs["sentences", sentence_spec]
        here = chunk_codec.bytes_per_vector + (0 if sentence_spec is None else
                                               per_chunk * sentence_codec.bytes_per_vector)
        million = MILLION * chunk_codec.bytes_at(MILLION) + MILLION * per_chunk * sentence_codec.bytes_at(
            round(MILLION * per_chunk))
        got = top10(chunk_codec, sentence_codec)
        same = statistics.fmean(len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(got, truth))
        print(f"| {chunk_spec} | {sentence_spec or 'none (no sentence search)'} | {here:,.0f} | "
              f"{million / GIB:.2f} | {same:.3f} |", flush=True)
    reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
