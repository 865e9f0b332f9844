"""/search as news search: one result per article with a verbatim snippet, date orders, honest pages.

The corpus is a handful of dated articles about one harbour strike (one long enough for several
chunks, one updated after publication, one undated), so every article matches the query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from index import build_index, open_index
from qa.api import create_app
from qa.engine import Engine
from qa.schemas import SearchResponse
from tests.support import make_settings

QUERY = "harbour crane operators strike"

LONG_BODY = "\n\n".join(
    f"Crane operators at the Port of Halvik stayed on strike for a {n} day on {day}, the harbour union said. "
    f"Container ships queued outside the breakwater while {count} cranes stood idle on the quay. "
    f"Union officials said the operators would not return until the harbour authority restored night shift pay."
    for n, (day, count) in enumerate(zip(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday",
         "Wednesday", "Thursday", "Friday"], range(11, 23)), start=2))

ARTICLES = {
    "long.txt": ("Halvik harbour strike enters its second week", "Published_Date: 2024-04-10\n", LONG_BODY),
    "updated.txt": ("Halvik crane strike talks resume", "Published_Date: 2024-02-01\nUpdated_Date: 2024-06-20\n",
                    "Talks between striking crane operators and the Halvik harbour authority resumed on Thursday. "
                    "The operators have been on strike over night shift pay."),
    "march.txt": ("Halvik crane operators vote to strike", "Published_Date: 2024-03-01\n",
                  "Crane operators at the Port of Halvik voted to strike over night shift pay, the harbour union "
                  "said on Friday."),
    "undated.txt": ("Why Halvik's crane operators walked out", "",
                    "The harbour crane operators of Halvik walked out over pay for night shifts, and the strike has "
                    "emptied the quay."),
    "old.txt": ("Halvik harbour crane operators threaten a strike", "Published_Date: 2023-01-05\n",
                "Crane operators at Halvik harbour threatened a strike if night shift pay was cut."),
    "wordy.txt": ("A very long sentence about the Halvik strike", "Published_Date: 2024-01-15\n",
                  "The harbour crane operators' strike at Halvik, which began when the harbour authority announced "
                  "that night shift pay would be cut by a third from the start of the new financial year and which "
                  "has since drawn in dock workers, pilots, tug crews, lorry drivers and the cleaners who work on "
                  "the quay at night, showed no sign of ending on Sunday as both sides refused to meet again "
                  "before the end of the month and ships continued to divert to other ports along the coast."),
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory, encoder):
    corpus = tmp_path_factory.mktemp("strike")
    for name, (title, dates, body) in ARTICLES.items():
        (corpus / name).write_text(f"=== METADATA ===\nSource: Halvik Post\nTitle: {title}\n{dates}"
                                   f"=== ARTICLE ===\n{body}\n", encoding="utf-8")
    # Every article matches (no relevance floor), so each test knows the full set it pages and orders.
    settings = make_settings(corpus, tmp_path_factory.mktemp("strike-index"), search_min_score_ratio=0.0)
    build_index(settings, encoder=encoder, progress=False)
    return settings


@pytest.fixture(scope="module")
def engine(settings, encoder):
    return Engine(settings, encoder)


@pytest.fixture(scope="module")
def client(settings, engine):
    with TestClient(create_app(settings, engine)) as c:
        yield c


def chunk_counts(settings) -> dict[str, int]:
    index = open_index(settings.index_dir)
    try:
        counts: dict[str, int] = {}
        for chunk in index.chunks(list(range(index.chunk_count() + 10))):
            counts[chunk.article.article_id] = counts.get(chunk.article.article_id, 0) + 1
        return counts
    finally:
        index.close()


def test_an_article_with_several_matching_chunks_appears_once_with_its_other_passages(engine, settings):
    counts = chunk_counts(settings)
    long_id = max(counts, key=counts.get)
    assert counts[long_id] >= 3, "the long article must span several chunks for this test to mean anything"
    result = engine.search(QUERY, 10)
    ids = [r.article.article_id for r in result.articles]
    assert len(ids) == len(set(ids)) == len(counts)
    long = next(r for r in result.articles if r.article.article_id == long_id)
    assert len(long.more) == counts[long_id] - 1  # every chunk matched: one is the result, the rest "more"
    assert all(p.chunk.article.article_id == long_id for p in long.more)
    assert all(long.best.score >= p.score for p in long.more)


def test_passage_grouping_keeps_todays_list(engine, settings):
    passages = engine.search(QUERY, 10, group="passage").passages
    assert len({p.chunk.article.article_id for p in passages}) < len(passages)  # the long article repeats
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_snippets_and_more_passages_are_the_article_text_at_their_offsets(client):
    body = client.get("/search", params={"q": QUERY, "top_k": 10}).json()
    assert body["group"] == "article" and body["results"]
    for hit in body["results"]:
        text = client.get(f"/articles/{hit['article_id']}").json()["text"]
        snippet = hit["snippet"]
        assert text[snippet["start"]:snippet["end"]] == snippet["text"]
        assert hit["passage"]["start"] <= snippet["start"] < snippet["end"] <= hit["passage"]["end"]
        assert len(snippet["text"].split()) <= 50
        assert hit["more_count"] == len(hit["more_passages"])
        for p in [hit["passage"], *hit["more_passages"]]:
            assert text[p["start"]:p["end"]] == p["text"]


def test_the_snippet_is_the_best_matching_sentence_not_the_start_of_the_passage(engine):
    result = engine.search("container ships queued outside the breakwater", 10)
    best = result.articles[0]
    assert best.snippet.text.count("Container ships queued") >= 1
    assert best.snippet.start > best.best.start  # mid-passage: the passage opens with another sentence
    assert len(best.snippet.text.split()) <= 50


def test_a_sentence_longer_than_the_limit_is_cut_at_a_word_and_still_verbatim(client):
    body = client.get("/search", params={"q": "dock workers pilots tug crews lorry drivers cleaners", "top_k": 10})
    hit = next(h for h in body.json()["results"] if h["title"].startswith("A very long sentence"))
    text = client.get(f"/articles/{hit['article_id']}").json()["text"]
    assert hit["snippet"]["truncated"] and len(hit["snippet"]["text"].split()) == 50
    assert text[hit["snippet"]["start"]:hit["snippet"]["end"]] == hit["snippet"]["text"]


def test_newest_first_goes_by_the_as_of_date_and_puts_undated_articles_last(engine):
    articles = [r.article for r in engine.search(QUERY, 10, sort="newest").articles]
    dated = [a.effective_date for a in articles if a.effective_date]
    assert dated == sorted(dated, reverse=True) and len(dated) == len(ARTICLES) - 1
    assert articles[-1].effective_date is None  # the undated article, after every dated one
    titles = [a.title for a in articles]
    # Updated in June, published in February: its stored text is dated by the update, so it leads.
    assert titles[0] == "Halvik crane strike talks resume"
    oldest = [r.article for r in engine.search(QUERY, 10, sort="oldest").articles]
    assert [a.effective_date for a in oldest[:-1]] == sorted(dated) and oldest[-1].effective_date is None


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_neither_repeat_nor_skip_an_article(engine, sort):
    whole = engine.search(QUERY, 10, sort=sort)
    paged, offset = [], 0
    while True:
        page = engine.search(QUERY, 2, sort=sort, offset=offset)
        assert page.total == whole.total == len(ARTICLES)
        if not page.articles:
            break
        assert len(page.articles) <= 2
        paged += [r.article.article_id for r in page.articles]
        offset += 2
    assert paged == [r.article.article_id for r in whole.articles]


def test_the_total_is_exact_when_every_chunk_was_examined(client):
    body = client.get("/search", params={"q": QUERY, "top_k": 2}).json()
    assert body["total"] == len(ARTICLES) and body["total_exact"] is True and len(body["results"]) == 2


def test_a_relevance_floor_keeps_unrelated_articles_out_of_the_total(settings, encoder):
    strict = Engine(settings.model_copy(update={"search_min_score_ratio": 1.0}), encoder)
    result = strict.search(QUERY, 10)
    assert result.total == len(result.articles) == 1  # only the best article scores 100% of the best


@pytest.mark.parametrize("params,field", [
    ({"q": QUERY, "sort": "popular"}, "sort"),
    ({"q": QUERY, "group": "story"}, "group"),
    ({"q": QUERY, "offset": -1}, "offset"),
    ({"q": QUERY, "offset": 10**9}, "offset"),
])
def test_bad_search_parameters_get_a_422_naming_them(client, params, field):
    response = client.get("/search", params=params)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])


def qa(settings, *args):
    env = {**os.environ, "NEWSQA_INDEX_DIR": str(settings.index_dir), "NEWSQA_CORPUS_DIR": str(settings.corpus_dir),
           "NEWSQA_SEARCH_MIN_SCORE_RATIO": "0"}
    return subprocess.run([sys.executable, "-m", "qa.cli", "search", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_cli_prints_one_article_per_result_and_json_is_the_api_response(settings, client):
    text = qa(settings, QUERY, "-k", "3")
    assert text.returncode == 0, text.stderr
    assert f"Articles 1–3 of {len(ARTICLES)}" in text.stdout and "Next page: --offset 3" in text.stdout
    assert "more passages in this article" in text.stdout
    as_json = qa(settings, QUERY, "-k", "3", "--json")
    assert as_json.returncode == 0, as_json.stderr
    parsed = SearchResponse.model_validate_json(as_json.stdout)
    api = client.get("/search", params={"q": QUERY, "top_k": 3}).json()
    assert [r.article_id for r in parsed.results] == [r["article_id"] for r in api["results"]]
    assert json.loads(as_json.stdout).keys() == api.keys()
    bad = qa(settings, QUERY, "--offset", "100000")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "offset" in bad.stderr


def test_passages_too_can_be_listed_newest_first_with_undated_ones_last(client):
    body = client.get("/search", params={"q": QUERY, "group": "passage", "sort": "newest", "top_k": 50}).json()
    dates = [max(filter(None, (p["published_date"], p["updated_date"])), default=None) for p in body["results"]]
    dated = [d for d in dates if d is not None]
    assert len(dates) > 2 and dated == sorted(dated, reverse=True) and dates[len(dated):] == [None] * (len(dates) -
                                                                                                      len(dated))


def test_passage_pages_continue_where_the_previous_one_ended(client):
    def chunk_spans(**params):
        body = client.get("/search", params={"q": QUERY, "group": "passage", **params}).json()
        assert body["group"] == "passage" and body["total"] is None
        return [(p["chunk_id"], p["start"]) for p in body["results"]]

    whole = chunk_spans(top_k=6)
    assert len(whole) == 6
    assert chunk_spans(top_k=3) + chunk_spans(top_k=3, offset=3) == whole
