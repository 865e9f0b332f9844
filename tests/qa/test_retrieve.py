"""Fusion and de-duplication, as units and over an archive full of syndicated copies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from index import ArticleMeta, StoredChunk, build_index
from qa.engine import Engine
from qa.passages import Passage, Seen
from qa.retrievers import FUSIONS
from tests.support import make_settings

WIRE = ("The storm hit the northern coast on Monday night, officials said. Thousands of homes lost power. "
        "The harbour was closed until Wednesday.")


def fuse(ranked: dict, method: str = "weighted") -> list:
    """Fuse with the service's default weights (dense .5, sentence .5, keyword 1)."""
    weights = {"dense": 0.5, "sentence": 0.5, "keyword": 1.0}
    return FUSIONS.get(method)({name: (hits, weights[name]) for name, hits in ranked.items()},
                               SimpleNamespace(rrf_k=60))


def test_weighted_fusion_scores_relative_to_each_lists_best():
    fused = fuse({"dense": [(1, 0.8), (2, 0.4)], "keyword": [(2, 10.0), (3, 5.0)]})
    assert fused == [(2, pytest.approx(0.5 * 0.5 + 1.0)), (1, pytest.approx(0.5)), (3, pytest.approx(0.5))]  # ties by id


def test_rrf_fusion_uses_ranks_only():
    fused = dict(fuse({"dense": [(1, 0.9), (2, 0.1)], "keyword": [(2, 99.0)]}, "rrf"))
    assert fused[2] == pytest.approx(0.5 / 62 + 1.0 / 61) and fused[1] == pytest.approx(0.5 / 61)


def test_fusion_ignores_empty_lists_and_breaks_ties_by_id():
    assert fuse({"dense": [], "keyword": [(5, 1.0), (4, 1.0)]}) == [(4, 1.0), (5, 1.0)]


def passage(article_id: str, body: str, spans: list[tuple[int, int]]) -> Passage:
    chunk = StoredChunk(id=hash((article_id, spans[0])) & 0xFFFF, chunk_id=f"{article_id}-0", position=0,
                        start=spans[0][0], end=spans[-1][1], text=body[spans[0][0]:spans[-1][1]], sentences=spans,
                        article=ArticleMeta(article_id=article_id, path=article_id, content_sha="x", title="t"))
    return Passage(chunk=chunk, score=1.0, start=chunk.start, end=chunk.end, text=chunk.text, sentences=list(spans))


def test_seen_trims_overlap_and_never_returns_a_sentence_twice():
    body = "One. Two. Three. Four."
    s = [(0, 4), (5, 9), (10, 16), (17, 22)]
    seen = Seen()
    first = seen.admit(passage("a", body, s[:3]))
    assert first.text == "One. Two. Three."
    overlapping = seen.admit(passage("a", body, s[2:]))  # "Three." was returned already
    assert overlapping.text == "Four." and (overlapping.start, overlapping.end) == (17, 22)
    assert seen.admit(passage("a", body, s[1:3])) is None


def test_seen_keeps_one_contiguous_run_so_no_old_sentence_sits_inside():
    body = "One. Two. Three."
    s = [(0, 4), (5, 9), (10, 16)]
    seen = Seen()
    seen.admit(passage("a", body, [s[1]]))
    kept = seen.admit(passage("a", body, s))
    assert kept.text == "One." and kept.sentences == [s[0]]


def test_seen_drops_the_same_text_from_another_article():
    body = "The storm hit. Power failed."
    seen = Seen()
    seen.admit(passage("a", body, [(0, 14)]))
    copy = seen.admit(passage("b", body, [(0, 14), (15, 28)]))
    assert copy.text == "Power failed."


@pytest.fixture(scope="module")
def wire_engine(tmp_path_factory, encoder) -> Engine:
    """40 outlets carrying the same wire story, and a few distinct articles."""
    corpus = tmp_path_factory.mktemp("wire")
    for i in range(40):
        (corpus / f"copy{i:02d}.txt").write_text(
            f"=== METADATA ===\nSource: Outlet {i}\nTitle: Storm hits the coast\n=== ARTICLE ===\n{WIRE}\n")
    for i, text in enumerate(["The storm season began early this year, forecasters said.",
                              "Coastal towns prepared sandbags before the storm.",
                              "A second storm is expected to reach the coast next week.",
                              "Insurance claims after the storm passed ten thousand.",
                              "The coast guard rescued two sailors during the storm."]):
        (corpus / f"other{i}.txt").write_text(f"Storm report {i}\n\n{text}\n")
    settings = make_settings(corpus, tmp_path_factory.mktemp("wire-index"), candidates=10)
    build_index(settings, encoder=encoder, progress=False)
    return Engine(settings, encoder)


def test_top_k_is_met_when_candidates_are_copies(wire_engine):
    passages = wire_engine.search("storm coast", 5, group="passage").passages
    assert len(passages) == 5
    assert len({" ".join(p.text.split()) for p in passages}) == 5


def test_a_page_of_articles_is_filled_when_candidates_are_copies(wire_engine, encoder):
    # 10 candidates a retriever, nearly all copies of one story: retrieval must look deeper to find 5 articles.
    engine = Engine(wire_engine.settings.model_copy(update={"search_min_score_ratio": 0.0}), encoder)
    result = engine.search("storm coast", 5)
    assert len({r.article.article_id for r in result.articles}) == 5
    assert len({r.article.story_id or r.article.article_id for r in result.articles}) == 5  # one per story


def test_answer_never_quotes_the_same_sentence_twice(wire_engine):
    answer = wire_engine.ask("When did the storm hit the northern coast?", 5).answer
    assert answer.answerable and "Monday" in answer.answer
    quotes = [" ".join(c.quote.split()) for c in answer.citations]
    assert len(quotes) == len(set(quotes))
