"""Components ask the index for the role they use, so a store that serves only that role will do."""

from __future__ import annotations

from datetime import date

import numpy as np

from index import ArticleLookup, IndexReader, KeywordSearch, VectorSearch
from qa.retrievers import RETRIEVERS
from qa.retrievers.recency import Recency
from qa.settings import Settings


class OnlyKeywords:
    def keyword_search(self, text, k, filters=None, title_weight=1.0):
        return [(7, 2.0 * title_weight)][:k]


class OnlyVectors:
    def dense_search(self, vector, k, filters=None):
        return [(1, 0.9)]

    def sentence_search(self, vector, k, filters=None):
        return [(2, 0.8)]

    def similar_sentences(self, vector, k, filters=None):
        return []

    def sentence_vectors(self, article_id, starts):
        return {}


def test_retrievers_run_on_a_store_that_serves_only_their_role():
    settings = Settings().retrieval
    assert isinstance(OnlyKeywords(), KeywordSearch) and not isinstance(OnlyKeywords(), IndexReader)
    assert isinstance(OnlyVectors(), VectorSearch) and not isinstance(OnlyVectors(), KeywordSearch)
    vector = np.ones(4, np.float32)
    assert RETRIEVERS.create("keyword", OnlyKeywords(), settings).search("q", vector, 5, None) == [
        (7, 2.0 * settings.title_weight)]
    assert RETRIEVERS.create("dense", OnlyVectors(), settings).search("q", vector, 5, None) == [(1, 0.9)]
    assert RETRIEVERS.create("sentence", OnlyVectors(), settings).search("q", vector, 5, None) == [(2, 0.8)]


def test_recency_reads_dates_from_an_article_lookup():
    class Dates:
        def article(self, article_id):
            return None

        def chunks(self, ids):
            return []

        def story_members(self, story_ids, as_of=None):
            return {}

        def chunk_dates(self, ids):
            return {1: date(2024, 1, 1), 2: date(2024, 6, 1)}

    assert isinstance(Dates(), ArticleLookup)
    rescored = Recency(date(2024, 6, 1), weight=1.0, half_life_days=30).rescore([(1, 1.0), (2, 0.9)], Dates())
    assert [cid for cid, _ in rescored] == [2, 1]
