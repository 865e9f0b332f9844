"""The folder store's tantivy keyword index: FTS5's tokens, generation bounds, filtered top-k."""

from __future__ import annotations

import random

import numpy as np

from index.keywords import stems
from index.stores.folder.keyword_index import KeywordReader, KeywordWriter

WORDS = "election minister police court budget storm harbour ferry strike vote council river bridge".split()


def corpus(n: int) -> list[str]:
    rng = random.Random(3)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))) for _ in range(n)]


def build(folder, texts: list[str]) -> None:
    writer = KeywordWriter(folder)
    for i, text in enumerate(texts):
        writer.add([i], f"Title {i}", [text])
    writer.commit()


def test_documents_are_matched_by_fts5_stems_and_ids_past_the_generation_never_come_back(tmp_path):
    build(tmp_path, ["The ministers were voting on Élection night.", "Harbour ferries stopped.", "Voting ended."])
    reader = KeywordReader(tmp_path, next_chunk=3)
    assert {i for i, _ in reader.search(stems("minister votes election"), 10)} == {0, 2}
    assert [i for i, _ in reader.search(stems("ferry"), 10)] == [1]
    writer = KeywordWriter(tmp_path)  # a later build's chunks, not yet published to this reader's generation
    writer.add([3, 4], "Ferry news", ["Another ferry.", "A third ferry."])
    writer.commit()
    assert [i for i, _ in KeywordReader(tmp_path, next_chunk=3).search(stems("ferry"), 10)] == [1]
    assert {i for i, _ in KeywordReader(tmp_path, next_chunk=5).search(stems("ferry"), 10)} == {1, 3, 4}


def test_filtered_top_k_is_the_unfiltered_ranking_restricted_or_left_to_sql(tmp_path):
    texts = corpus(3000)
    build(tmp_path, texts)
    reader = KeywordReader(tmp_path, next_chunk=len(texts))
    query = stems("election budget vote")
    everything = reader.search(query, len(texts))
    for share in (0.5, 0.1, 0.03):
        allowed = np.sort(np.random.default_rng(1).choice(len(texts), int(share * len(texts)), replace=False))
        expected = [hit for hit in everything if hit[0] in set(allowed.tolist())][:20]
        assert reader.search_within(query, 20, allowed, len(texts)) == expected
    tiny = np.array([5, 17, 2000], dtype=np.int64)  # 0.1% of the archive: the SQL join is the better plan
    assert reader.search_within(query, 20, tiny, len(texts)) is None
    assert reader.search_within(query, 20, np.empty(0, np.int64), len(texts)) == []
