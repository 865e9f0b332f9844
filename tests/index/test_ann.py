"""What the shared vector-index contract cannot say about the approximate types: recall against
exact search, filters on large indexes, tombstones and compaction, the size switch of ``auto``.
(The compact index's own behaviour: test_compact.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from index.ann import VECTOR_INDEXES, VectorIndexError, load_vector_index, new_vector_index
from index.ann import auto as auto_module
from index.ann import hnsw as hnsw_module
from index.ann.hnsw import HNSWIndex

DIM = 48


def unit(rows: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int, rows=None) -> set[int]:
    rows = np.arange(len(vectors)) if rows is None else rows
    scores = vectors[rows] @ query
    return set(ids[rows[np.argsort(-scores)[:k]]].tolist())


def recall(index, vectors, ids, queries, k=10, rows=None, allowed=None) -> float:
    hits = [len({i for i, _ in index.search(q, k, allowed)} & exact(vectors, ids, q, k, rows)) for q in queries]
    return sum(hits) / (k * len(queries))


@pytest.fixture(scope="module")
def data():
    vectors = unit(5000)
    ids = np.arange(5000, dtype=np.int64) * 2 + 100  # ids are not positions
    return vectors, ids, unit(100, seed=1)


@pytest.fixture(scope="module")
def built(data):
    vectors, ids, _ = data
    index = new_vector_index("hnsw", DIM)
    for at in range(0, len(ids), 37):  # a build adds an article at a time
        index.add(ids[at:at + 37], vectors[at:at + 37])
    return index


def topical(rows: int, seed: int) -> np.ndarray:
    """Unit vectors around 60 topic centres, as sentence embeddings are: IVF lists need neighbourhoods,
    which uniform noise in 48 dimensions does not have."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(60, DIM))
    v = centres[rng.integers(0, 60, rows)] + 0.6 * rng.normal(size=(rows, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("kind", VECTOR_INDEXES.names())
def test_every_kind_returns_the_top_10_of_exact_search(kind, tmp_path):
    """The same top 10 as flat on a fixed set, once saved and loaded (a compact index then searches its
    codes), with flat's scores."""
    vectors, queries = topical(6000, 0), topical(100, 1)
    ids = np.arange(6000, dtype=np.int64) * 2 + 100
    flat, index = new_vector_index("flat", DIM), new_vector_index(kind, DIM)
    for at in range(0, len(ids), 40):
        flat.add(ids[at:at + 40], vectors[at:at + 40])
        index.add(ids[at:at + 40], vectors[at:at + 40])
    index.save(tmp_path / "v.index")
    loaded = load_vector_index(kind, tmp_path / "v.index", DIM)
    same, worst = 0, 0.0
    for q in queries:
        truth = dict(flat.search(q, 10))
        got = loaded.search(q, 10)
        same += len(truth.keys() & {i for i, _ in got})
        worst = max([worst] + [abs(s - truth[i]) for i, s in got if i in truth])
    assert same / (10 * len(queries)) >= 0.98
    assert worst < 2e-3  # scores are exact inner products (float16 rows in the compact index)



def test_hnsw_recall_at_10_against_exact(built, data):
    vectors, ids, queries = data
    assert len(built) == 5000
    assert recall(built, vectors, ids, queries) >= 0.98


@pytest.mark.parametrize("share", [0.1, 0.01])
def test_hnsw_filters_apply_before_the_cut(built, data, share):
    vectors, ids, queries = data
    rows = np.sort(np.random.default_rng(3).choice(len(ids), int(len(ids) * share), replace=False))
    allowed = ids[rows]
    for q in queries[:20]:
        assert {i for i, _ in built.search(q, 10, allowed)} <= set(allowed.tolist())
    assert recall(built, vectors, ids, queries, rows=rows, allowed=allowed) >= 0.98


def test_hnsw_filter_through_the_graph_walk(data, monkeypatch):
    """Allowed sets too large for the exact scan are applied by the graph walk's selector."""
    vectors, ids, queries = data
    monkeypatch.setattr(hnsw_module, "EXACT_MAX", 0)
    monkeypatch.setattr(hnsw_module, "EXACT_SHARE", 0.0)
    index = new_vector_index("hnsw", DIM)
    index.add(ids, vectors)
    rows = np.sort(np.random.default_rng(4).choice(len(ids), 1000, replace=False))
    allowed = ids[rows]
    for q in queries[:20]:
        hits = index.search(q, 10, allowed)
        assert len(hits) == 10 and {i for i, _ in hits} <= set(allowed.tolist())
    assert recall(index, vectors, ids, queries, rows=rows, allowed=allowed) >= 0.95


def test_hnsw_removals_are_tombstones_until_compaction(data, tmp_path):
    vectors, ids, queries = data
    index = new_vector_index("hnsw", DIM)
    index.add(ids, vectors)
    gone = ids[::10]  # 10%: below the compaction share, kept as tombstones
    assert index.remove(np.concatenate([gone, [-5, 10**9]])) == len(gone)
    assert index.remove(gone[:3]) == 0  # removing twice removes nothing
    assert len(index) == 4500
    keep = np.setdiff1d(np.arange(len(ids)), np.arange(0, len(ids), 10))
    for q in queries[:30]:
        assert not {i for i, _ in index.search(q, 20)} & set(gone.tolist())
    assert recall(index, vectors, ids, queries, rows=keep) >= 0.98
    assert not {i for i, _ in index.search(vectors[0], 5, gone)}  # an allowed set of removed ids finds nothing

    index.save(tmp_path / "a.index")
    loaded = load_vector_index("hnsw", tmp_path / "a.index", DIM)
    assert len(loaded) == 4500 and loaded._removed == len(gone)  # tombstones survive a round trip
    assert recall(loaded, vectors, ids, queries, rows=keep) >= 0.98

    more = np.setdiff1d(ids[::3], gone)  # now over 20% removed: save rebuilds the graph
    loaded.remove(more)
    loaded.save(tmp_path / "b.index")
    assert (tmp_path / "b.index").stat().st_size < (tmp_path / "a.index").stat().st_size
    compacted = load_vector_index("hnsw", tmp_path / "b.index", DIM)
    assert compacted._removed == 0 and len(compacted) == len(loaded)
    left = np.flatnonzero(~np.isin(ids, np.concatenate([gone, more])))
    assert recall(compacted, vectors, ids, queries, rows=left) >= 0.98
    assert compacted.search(vectors[left[5]], 1)[0] == (int(ids[left[5]]), pytest.approx(1.0, abs=1e-5))


def test_hnsw_same_adds_give_the_same_file(data, tmp_path):
    vectors, ids, _ = data
    for name in ("one", "two"):
        index = new_vector_index("hnsw", DIM)
        for at in range(0, 3000, 100):
            index.add(ids[at:at + 100], vectors[at:at + 100])
        index.save(tmp_path / name)
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()


def test_an_incremental_add_gives_the_results_of_a_full_build(data, tmp_path):
    vectors, ids, queries = data
    full = new_vector_index("hnsw", DIM)
    full.add(ids[:3000], vectors[:3000])
    first = new_vector_index("hnsw", DIM)
    first.add(ids[:2000], vectors[:2000])
    first.save(tmp_path / "v.index")
    incremental = load_vector_index("hnsw", tmp_path / "v.index", DIM)
    incremental.add(ids[2000:3000], vectors[2000:3000])
    # HNSW inserts differ by batch, so the graphs differ; the results must not (beyond the approximation)
    same = [len({i for i, _ in incremental.search(q, 10)} & {i for i, _ in full.search(q, 10)}) for q in queries]
    assert sum(same) / (10 * len(queries)) >= 0.98
    assert all(incremental.search(q, 1) == full.search(q, 1) for q in queries)
    assert recall(incremental, vectors, ids, queries, rows=np.arange(3000)) >= 0.98


def test_hnsw_sq8_storage_keeps_recall_and_round_trips(data, tmp_path):
    vectors, ids, queries = data
    index = HNSWIndex(DIM, storage="sq8")
    index.add(ids, vectors)
    assert recall(index, vectors, ids, queries) >= 0.95
    rows = np.arange(0, len(ids), 50)
    assert recall(index, vectors, ids, queries, rows=rows, allowed=ids[rows]) >= 0.95
    index.remove(ids[:1500])
    index.save(tmp_path / "sq.index")  # 30% removed: compacted from decoded vectors with the same ranges
    loaded = load_vector_index("hnsw", tmp_path / "sq.index", DIM)
    assert loaded.storage == "sq8" and len(loaded) == 3500
    assert recall(loaded, vectors, ids, queries, rows=np.arange(1500, 5000)) >= 0.95


def test_auto_switches_to_hnsw_past_the_threshold_and_records_it(data, tmp_path, monkeypatch):
    vectors, ids, queries = data
    monkeypatch.setattr(auto_module, "THRESHOLD", 1000)
    index = new_vector_index("auto", DIM)
    index.add(ids[:1000], vectors[:1000])
    assert index.structure == "flat"
    index.save(tmp_path / "small.index")
    small = load_vector_index("auto", tmp_path / "small.index", DIM)
    assert small.structure == "flat" and len(small) == 1000
    assert small.search(vectors[3], 1)[0][0] == ids[3]

    small.remove(ids[:10])
    for at in range(1000, 5000, 500):
        small.add(ids[at:at + 500], vectors[at:at + 500])
    assert small.structure == "hnsw-flat" and len(small) == 4990
    small.save(tmp_path / "large.index")
    large = load_vector_index("auto", tmp_path / "large.index", DIM)
    assert large.structure == "hnsw-flat" and len(large) == 4990
    rows = np.arange(10, 5000)
    assert recall(large, vectors, ids, queries, rows=rows) >= 0.98
    assert large.remove(ids[10:20]) == 10 and len(large) == 4980


def test_files_of_one_type_are_refused_as_another(data, tmp_path):
    vectors, ids, _ = data
    index = new_vector_index("hnsw", DIM)
    index.add(ids[:100], vectors[:100])
    index.save(tmp_path / "h.index")
    with pytest.raises(VectorIndexError, match="h.index"):
        load_vector_index("auto", tmp_path / "h.index", DIM)
    with pytest.raises(VectorIndexError, match="dimension"):
        load_vector_index("hnsw", tmp_path / "h.index", DIM + 1)
    data_bytes = (tmp_path / "h.index").read_bytes()
    (tmp_path / "cut.index").write_bytes(data_bytes[: len(data_bytes) // 2])
    with pytest.raises(VectorIndexError, match="cut.index"):
        load_vector_index("hnsw", tmp_path / "cut.index", DIM)


def test_auto_compresses_past_the_second_threshold(data, tmp_path, monkeypatch):
    vectors, ids, queries = data
    monkeypatch.setattr(auto_module, "THRESHOLD", 500)
    monkeypatch.setattr(auto_module, "COMPRESS_THRESHOLD", 2000)
    index = new_vector_index("auto", DIM)
    seen = []
    for at in range(0, 5000, 250):
        index.add(ids[at:at + 250], vectors[at:at + 250])
        seen.append(index.structure)
    assert seen[0] == "flat" and "hnsw-flat" in seen and seen[-1] == "hnsw-sq8"
    index.remove(ids[:100])
    index.save(tmp_path / "sq.index")
    loaded = load_vector_index("auto", tmp_path / "sq.index", DIM)
    assert loaded.structure == "hnsw-sq8" and len(loaded) == 4900
    assert recall(loaded, vectors, ids, queries, rows=np.arange(100, 5000)) >= 0.95
