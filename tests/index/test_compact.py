"""The compact index: codes in memory, float16 rows memory-mapped from the file for exact re-scoring.

What the shared contract and the top-10 test (test_ann.py) cannot say: damage to the float16 rows is
named, never scored as zeros; adds after a load; saving over the file being mapped; filters on the
coded path; tombstones and compaction."""

from __future__ import annotations

import shutil
from dataclasses import replace

import faiss
import numpy as np
import pytest

from index import IndexUnavailable, build_index, open_index
from index.ann import VectorIndexError, load_vector_index, new_vector_index
from index.ann import compact as compact_module
from index.stores.folder.schema import METADATA, SENTENCE_VECTORS, State, connect
from tests.support import make_settings, version_dir

DIM = 48


def clustered(rows: int, seed: int, topics: int = 60, spread: float = 0.6) -> np.ndarray:
    """Unit vectors around topic centres, as sentence embeddings are (uniform noise has no neighbours)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(topics, DIM))
    v = centres[rng.integers(0, topics, rows)] + spread * rng.normal(size=(rows, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data():
    vectors = clustered(4000, 0)
    ids = np.arange(4000, dtype=np.int64) * 3 + 7
    return vectors, ids, clustered(60, 1)


@pytest.fixture()
def saved(data, tmp_path):
    vectors, ids, _ = data
    index = new_vector_index("compact", DIM)
    for at in range(0, len(ids), 50):
        index.add(ids[at:at + 50], vectors[at:at + 50])
    path = tmp_path / "c.index"
    index.save(path)
    return path


def exact_top(vectors, ids, query, k, rows=None) -> list[int]:
    rows = np.arange(len(ids)) if rows is None else rows
    return ids[rows[np.argsort(-(vectors[rows] @ query))[:k]]].tolist()


def agreement(index, vectors, ids, queries, rows=None, allowed=None) -> float:
    same = [len({i for i, _ in index.search(q, 10, allowed)} & set(exact_top(vectors, ids, q, 10, rows)))
            for q in queries]
    return sum(same) / (10 * len(queries))


def test_a_loaded_index_searches_its_codes_and_scores_exactly(saved, data):
    vectors, ids, queries = data
    index = load_vector_index("compact", saved, DIM)
    assert index._coded == len(ids) and index._ivf is not None  # the shortlist comes from the codes
    assert agreement(index, vectors, ids, queries) >= 0.98
    top = index.search(queries[0], 5)
    truth = {int(i): float(s) for i, s in zip(ids, vectors @ queries[0])}
    for hit, score in top:  # re-scored from the float16 rows: exact to float16's rounding
        assert score == pytest.approx(truth[hit], abs=2e-3)


def test_the_codes_a_search_scans_grow_slower_than_the_index(data):
    """A query scans a shrinking share of a growing index (sqrt(lists) probed, not a share of them), so a
    search does not slow down in step with the archive, and still finds exact search's top 10."""
    scanned, indexes = {}, {}
    for rows in (16_000, 64_000):
        vectors, ids = clustered(rows, 2, topics=2000, spread=0.4), np.arange(rows, dtype=np.int64)
        index = indexes[rows] = new_vector_index("compact", DIM)
        index.add(ids, vectors)
        index._code()
        faiss.cvar.indexIVF_stats.reset()
        queries = clustered(40, 1, topics=2000, spread=0.4)
        for q in queries:
            index.search(q, 10)
        scanned[rows] = faiss.cvar.indexIVF_stats.ndis / len(queries)
    assert scanned[64_000] / scanned[16_000] < 3.5  # a fixed share of the lists scanned 4× as many
    assert scanned[64_000] < 0.3 * 64_000
    assert agreement(indexes[64_000], vectors, ids, queries) >= 0.98


def test_a_truncated_float16_file_is_named_as_damaged(saved):
    size = saved.stat().st_size
    with open(saved, "r+b") as f:
        f.truncate(size - 2 * DIM)  # the last row cut off
    with pytest.raises(VectorIndexError, match=rf"c.index is damaged: {size - 2 * DIM:,} bytes where {size:,} were"):
        load_vector_index("compact", saved, DIM)
    with open(saved, "ab") as f:  # and padded back to the right length with zeros: rows read as zeros are damage
        f.write(b"\0" * (2 * DIM))
    index = load_vector_index("compact", saved, DIM)
    last = index._labels[-1:]
    with pytest.raises(VectorIndexError, match=rf"c.index is damaged: the vector of id {last[0]} has norm 0.000"):
        index.vectors(last)


def test_zeroed_rows_are_damage_when_a_search_reaches_them(saved, data):
    vectors, ids, _ = data
    size = saved.stat().st_size
    with open(saved, "r+b") as f:  # a page of the float16 rows lost (a hole reads as zeros)
        f.seek(size - 4096)
        f.write(b"\0" * 4096)
    index = load_vector_index("compact", saved, DIM)
    with pytest.raises(VectorIndexError, match="damaged"):
        index.search(vectors[-1], 10)  # its code shortlists it; its row reads as zeros
    assert index.search(vectors[0], 1)[0][0] == ids[0]  # rows elsewhere still serve


def test_adds_after_a_load_and_a_save_over_the_mapped_file(saved, data):
    vectors, ids, queries = data
    more, more_ids = clustered(1500, 5), np.arange(20_000, 21_500, dtype=np.int64)
    index = load_vector_index("compact", saved, DIM)
    index.add(more_ids, more)  # kept float16 in memory, searched exactly until coded
    all_vectors, all_ids = np.concatenate([vectors, more]), np.concatenate([ids, more_ids])
    assert len(index) == 5500 and agreement(index, all_vectors, all_ids, queries) >= 0.98
    np.testing.assert_allclose(index.vectors(np.array([more_ids[3], ids[3]])), np.stack([more[3], vectors[3]]),
                               atol=2e-3)
    before = load_vector_index("compact", saved, DIM)
    index.save(saved)  # replaces the file `index` and `before` map
    assert before.search(vectors[10], 1)[0][0] == ids[10]  # a reader of the old file keeps reading it
    again = load_vector_index("compact", saved, DIM)
    assert again._coded == 5500 and len(again) == 5500
    assert agreement(again, all_vectors, all_ids, queries) >= 0.98


@pytest.mark.parametrize("share", [0.02, 0.3])
def test_filters_apply_before_the_cut(saved, data, share, monkeypatch):
    """0.02 is scored exactly from the rows; 0.3 filters the coded scan by a bitmap."""
    vectors, ids, queries = data
    monkeypatch.setattr(compact_module, "EXACT_MAX", 500)
    index = load_vector_index("compact", saved, DIM)
    rows = np.sort(np.random.default_rng(3).choice(len(ids), int(len(ids) * share), replace=False))
    allowed = ids[rows]
    for q in queries[:20]:
        hits = index.search(q, 10, allowed)
        assert len(hits) == 10 and {i for i, _ in hits} <= set(allowed.tolist())
    assert agreement(index, vectors, ids, queries, rows=rows, allowed=allowed) >= 0.98


def test_removed_ids_are_hidden_and_compacted_away_on_save(saved, data, tmp_path):
    vectors, ids, queries = data
    index = load_vector_index("compact", saved, DIM)
    gone = ids[::4]  # 25%: over the compaction share
    assert index.remove(np.concatenate([gone, [-1]])) == len(gone) and index.remove(gone[:5]) == 0
    keep = np.setdiff1d(np.arange(len(ids)), np.arange(0, len(ids), 4))
    for q in queries[:20]:
        assert not {i for i, _ in index.search(q, 20)} & set(gone.tolist())
    with pytest.raises(VectorIndexError):
        index.vectors(gone[:1])
    assert agreement(index, vectors, ids, queries, rows=keep) >= 0.98
    index.save(tmp_path / "small.index")
    assert (tmp_path / "small.index").stat().st_size < 0.85 * saved.stat().st_size
    compacted = load_vector_index("compact", tmp_path / "small.index", DIM)
    assert len(compacted) == len(keep) and compacted._removed == 0 and compacted._coded == len(keep)
    assert agreement(compacted, vectors, ids, queries, rows=keep) >= 0.98


def test_export_gives_the_float16_rows_a_merge_re_adds(saved, data, tmp_path):
    vectors, ids, queries = data
    index = load_vector_index("compact", saved, DIM)
    index.remove(ids[:10])
    got_ids, rows = index.export()
    assert rows.dtype == np.float16 and got_ids.tolist() == ids[10:].tolist()
    np.testing.assert_allclose(rows.astype(np.float32), vectors[10:], atol=2e-3)
    merged = new_vector_index("compact", DIM)
    merged.add(got_ids, rows)
    merged.save(tmp_path / "m.index")
    assert agreement(load_vector_index("compact", tmp_path / "m.index", DIM), vectors, ids, queries,
                     rows=np.arange(10, len(ids))) >= 0.98


def test_vectors_that_are_not_unit_are_refused():
    index = new_vector_index("compact", DIM)
    with pytest.raises(VectorIndexError, match="unit vectors; id 5 has norm 2.000"):
        index.add(np.array([5]), 2 * clustered(1, 0))
    assert len(index) == 0


def test_a_folder_store_serves_compact_segments_and_names_a_cut_one(tmp_path, encoder, small_corpus, monkeypatch):
    """Built with the compact kind (coded from 50 rows on, so the small corpus's segments hold codes),
    the store searches and answers from the float16 rows; a segment file cut short, in a version that
    did not record its size, is named as damaged when the version opens."""
    monkeypatch.setattr(compact_module, "MIN_TRAIN", 50)
    shutil.copytree(small_corpus, tmp_path / "corpus")
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", vector_index="compact")
    build_index(settings, encoder=encoder, progress=False)
    reader = open_index(settings.index_dir)
    sentences = reader.sentence_vector_index.parts[0]
    assert isinstance(sentences, compact_module.CompactIndex) and sentences._coded == len(sentences) >= 50
    question = encoder.encode(["What is the seed article about?"])[0]
    hits = reader.vectors.search(question, 5)
    assert len(hits) == 5 and hits == sorted(hits, key=lambda h: -h[1])
    ids = sentences._labels[:3]
    np.testing.assert_allclose(np.linalg.norm(reader.sentence_vector_index.vectors(ids), axis=1), 1, atol=2e-3)
    reader.close()

    folder = version_dir(settings.index_dir)
    with connect(folder / METADATA) as db:  # as a version written before segment sizes were kept
        state = State.read(db)
        state.sentence_segments = [replace(s, bytes=None) for s in state.sentence_segments]
        state.write(db)
    victim = folder / SENTENCE_VECTORS
    size = victim.stat().st_size
    with open(victim, "r+b") as f:
        f.truncate(size - 2 * encoder.dimension)
    with pytest.raises(IndexUnavailable, match=rf"is damaged: {size - 2 * encoder.dimension:,} bytes where "
                                               rf"{size:,} were written"):
        open_index(settings.index_dir)


def test_a_search_that_meets_a_damaged_row_answers_503_naming_the_file(tmp_path, encoder, small_corpus,
                                                                      monkeypatch):
    from fastapi.testclient import TestClient

    from qa.api import create_app
    from qa.engine import Engine

    monkeypatch.setattr(compact_module, "MIN_TRAIN", 50)
    shutil.copytree(small_corpus, tmp_path / "corpus")
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", vector_index="compact")
    build_index(settings, encoder=encoder, progress=False)
    victim = version_dir(settings.index_dir) / SENTENCE_VECTORS
    rows = load_vector_index("compact", victim, encoder.dimension)
    offset = victim.stat().st_size - len(rows._labels) * encoder.dimension * 2
    with open(victim, "r+b") as f:  # every float16 row zeroed, the size unchanged
        f.seek(offset)
        f.write(b"\0" * (victim.stat().st_size - offset))
    with TestClient(create_app(settings, Engine(settings, encoder))) as client:
        response = client.get("/search", params={"q": "What is the seed article about?"})
    assert response.status_code == 503
    assert "damaged" in response.json()["detail"] and SENTENCE_VECTORS in response.json()["detail"]
