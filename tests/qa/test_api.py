"""Contract tests over a small real index (the seed article plus a dozen SQuAD paragraphs)."""

import pytest
from fastapi.testclient import TestClient

from qa.api import create_app
from qa.engine import Engine
from tests.support import make_settings

ARTICLE_CACHE: dict[str, str] = {}


@pytest.fixture(scope="module")
def client(small_index, encoder):
    app = create_app(small_index, Engine(small_index, encoder))
    with TestClient(app) as c:
        yield c


def article_text(client, article_id: str) -> str:
    if article_id not in ARTICLE_CACHE:
        response = client.get(f"/articles/{article_id}")
        assert response.status_code == 200
        ARTICLE_CACHE[article_id] = response.json()["text"]
    return ARTICLE_CACHE[article_id]


def check_citations(client, body: dict) -> None:
    """Every citation quotes its article exactly, and every [n] in the answer has a citation."""
    for c in body["citations"]:
        assert article_text(client, c["article_id"])[c["start"]:c["end"]] == c["quote"]
        assert f"[{c['n']}]" in body["answer"]
    for p in body["passages"]:
        assert article_text(client, p["article_id"])[p["start"]:p["end"]] == p["text"]


def ask(client, question: str, **extra) -> dict:
    response = client.post("/ask", json={"question": question, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    check_citations(client, body)
    return body


@pytest.mark.parametrize("question,expected", [
    ("How long did the Moscow meeting with Putin last?", "five hours"),
    pytest.param("Who joined Witkoff in Moscow?", "Kushner", marks=pytest.mark.xfail(
        strict=True, reason="issue 23 trade-off, for the lead to decide: the learned scorer declines it (p below "
                            "the 0.04 threshold): the answer says 'the two were joined by Mr. Kushner', without the question's "
                            "names, which SQuAD-trained weights read as a near miss")),
    ("How many points did the leaked U.S. plan have?", "28"),
])
def test_seed_questions_are_answered_with_citations(client, question, expected):
    body = ask(client, question)
    assert body["answerable"] is True
    assert expected in body["answer"]
    assert any(expected in c["quote"] for c in body["citations"])
    cited = body["citations"][0]
    assert cited["source"] == "New York Times"
    assert cited["authors"] == ["David E. Sanger", "Anton Troianovski"]
    assert cited["published_date"] == "2025-12-03"
    assert cited["title"].startswith("His Deadline")


def test_squad_questions_over_indexed_paragraphs(client, squad_data):
    paragraphs, questions = squad_data
    indexed = {p.pid for p in paragraphs[:12]}
    asked = [q for q in questions if q.pid in indexed][:40]
    contained = 0
    for q in asked:
        body = ask(client, q.question)
        contained += bool(body["answer"]) and any(a in body["answer"] for a in q.answers)
    assert contained / len(asked) >= 0.6


def test_off_topic_question_is_unanswerable(client):
    body = ask(client, "What is the boiling point of tungsten?")
    assert body["answerable"] is False
    assert body["answer"] is None and body["citations"] == []
    assert body["reason"]
    assert body["passages"], "passages are still returned for the user to read"


def test_search_returns_passages_with_metadata(client):
    response = client.get("/search", params={"q": "Kushner Witkoff Putin meeting", "top_k": 3, "group": "passage"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    for p in results:
        assert {"chunk_id", "article_id", "text", "start", "end", "score", "title", "source"} <= set(p)
        assert article_text(client, p["article_id"])[p["start"]:p["end"]] == p["text"]
    assert results[0]["source"] == "New York Times"


def test_search_never_repeats_text(client):
    # Chunks overlap by a sentence; returned passages of one article must not.
    results = client.get("/search", params={"q": "Putin Witkoff Kushner talks", "top_k": 20,
                                                "group": "passage"}).json()["results"]
    spans = sorted((p["article_id"], p["start"], p["end"]) for p in results)
    assert len(results) == 20
    for (a1, _, end1), (a2, start2, _) in zip(spans, spans[1:]):
        assert a1 != a2 or end1 <= start2


def test_filters_by_source_author_and_date(client):
    def sources(**params):
        response = client.get("/search", params={"q": "OPEC embargo Putin", "top_k": 10, **params})
        assert response.status_code == 200, response.text
        return {p["source"] for p in response.json()["results"]}

    assert sources(source="new york times") == {"New York Times"}
    assert sources(author="Anton Troianovski") == {"New York Times"}
    assert sources(published_after="2025-12-01", published_before="2025-12-31") == {"New York Times"}
    assert sources(published_before="2025-01-01") == set()
    assert None in sources()  # unfiltered, SQuAD paragraphs (no source) come back too


def test_filtered_search_still_fills_top_k(client):
    # The seed article alone has far more than 8 passages; the filter must apply before the cut.
    results = client.get("/search", params={"q": "OPEC embargo", "top_k": 8, "source": "New York Times",
                                                "group": "passage"}).json()["results"]
    assert len(results) == 8


def test_filter_that_excludes_everything_is_well_formed(client):
    body = ask(client, "How long did the meeting last?", filters={"source": "Nonexistent Gazette"})
    assert body["answerable"] is False and body["passages"] == [] and body["citations"] == []
    response = client.get("/search", params={"q": "meeting", "author": "Nobody"})
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("top_k", [1, 2])
def test_every_citation_comes_with_its_passage(client, squad_data, top_k):
    _, questions = squad_data
    for question in ["Who joined Witkoff in Moscow?", *[q.question for q in questions[:20]]]:
        body = ask(client, question, top_k=top_k)
        returned = {(p["article_id"], p["chunk_id"]) for p in body["passages"]}
        assert {(c["article_id"], c["chunk_id"]) for c in body["citations"]} <= returned
        assert len(body["passages"]) <= top_k + len(body["citations"])


def test_facets_list_filter_values_with_counts(client):
    body = client.get("/facets").json()
    assert {"value": "New York Times", "articles": 1} in body["source"]
    assert {"value": "Anton Troianovski", "articles": 1} in body["author"]
    assert body["published_min"] == body["published_max"] == "2025-12-03"


def test_article_endpoint(client):
    hit = client.get("/search", params={"q": "Witkoff", "top_k": 1, "group": "passage"}).json()["results"][0]
    article = client.get(f"/articles/{hit['article_id']}").json()
    assert article["title"] == hit["title"]
    assert article["text"][hit["start"]:hit["end"]] == hit["text"]


@pytest.mark.parametrize("payload,field", [
    ({}, "question"),
    ({"question": ""}, "question"),
    ({"question": "   "}, "question"),
    ({"question": "ok?", "top_k": 0}, "top_k"),
    ({"question": "ok?", "top_k": 10_000}, "top_k"),
    ({"question": "ok?", "top_k": "many"}, "top_k"),
    ({"question": "ok?", "filters": {"published_after": "2025-13-45"}}, "published_after"),
    ({"question": "ok?", "filters": {"colour": "red"}}, "colour"),
    ({"question": 42}, "question"),
    ({"question": "ok?", "filters": {"source": [1]}}, "source"),
    ({"question": "ok?", "filters": {"author": [None]}}, "author"),
    ({"question": "ok?", "filters": {"published_after": "2025-12-31", "published_before": "2025-01-01"}},
     "published_after"),
])
def test_ask_validation_names_the_field(client, payload, field):
    response = client.post("/ask", json=payload)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


@pytest.mark.parametrize("params,field", [
    ({}, "q"),
    ({"q": "x", "top_k": -1}, "top_k"),
    ({"q": "x", "published_after": "yesterday"}, "published_after"),
    ({"q": "x", "colour": "red"}, "colour"),
    ({"q": "x", "published_after": "2025-12-31", "published_before": "2025-01-01"}, "published_after"),
])
def test_search_validation_names_the_field(client, params, field):
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


@pytest.mark.parametrize("article_id", ["0000000000000000", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "x" * 500])
def test_unknown_article_is_404(client, article_id):
    response = client.get(f"/articles/{article_id}")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_health_reports_index(client, small_index):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["articles"] == 13 and body["chunks"] > 13
    assert body["built_at"] and body["index_age_seconds"] >= 0
    assert body["last_build"]["status"] == "ok"


def test_without_index_service_starts_and_says_how_to_build(tmp_path, encoder):
    settings = make_settings(tmp_path / "corpus", tmp_path / "no-index")
    with TestClient(create_app(settings, Engine(settings, encoder))) as c:
        health = c.get("/health").json()
        assert health["status"] == "no_index" and "build" in health["message"]
        for response in (c.post("/ask", json={"question": "anything?"}), c.get("/search", params={"q": "x"})):
            assert response.status_code == 503
            assert "build_index.py" in response.json()["detail"]


def test_oversize_body_is_413(client):
    response = client.post("/ask", content=b'{"question": "' + b"a" * 200_000 + b'"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_long_question_is_422(client):
    response = client.post("/ask", json={"question": "why " * 1000})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "question"] and "2000" in error["msg"]
    assert "why why" not in response.text, "the 422 does not echo the question back"


def test_openapi_has_examples(client):
    spec = client.get("/openapi.json").json()
    assert {"/ask", "/search", "/articles/{article_id}", "/health"} <= set(spec["paths"])
    assert "examples" in str(spec["components"]["schemas"]["AskRequest"])


def test_entity_facets_and_filter_on_ask_search_and_timeline(client, small_index):
    """/facets lists people, organisations and places with article counts; the ``entity`` filter (POST /ask,
    GET /ask, GET /search, GET /timeline) keeps only articles mentioning it; answers and search results list
    their articles' entities."""
    from index import Filters, entity_key, open_index

    facets = client.get("/facets").json()["entities"]
    assert facets["person"] and facets["organisation"] and facets["place"]
    reader = open_index(small_index.index_dir)
    every = sorted({c.article.article_id for c in reader.chunks([int(i) for i in reader.filtered_chunk_ids(Filters())])})
    stored = reader.entities(every)

    def mentioning(name: str) -> set[str]:
        return {a for a, found in stored.items() if any(entity_key(e.text) == entity_key(name) for e in found)}

    # A place only some articles name: the filter must cut (each listed count is right, too).
    place = next(f for f in facets["place"] if 0 < len(mentioning(f["value"])) < len(every))
    assert place["articles"] == len(mentioning(place["value"]))
    holding = mentioning(place["value"])

    unfiltered = client.get("/search", params={"q": "the", "top_k": 20}).json()["results"]
    assert {r["article_id"] for r in unfiltered} - holding, "the query must reach other articles for the test to mean anything"
    found = client.get("/search", params={"q": "the", "top_k": 20, "entity": place["value"].upper()}).json()["results"]
    assert found and {r["article_id"] for r in found} <= holding
    for r in found:
        assert r["entities"] and all(e["kind"] in ("person", "organisation", "place") for e in r["entities"])
        assert {entity_key(e["name"]) for e in r["entities"]} <= {entity_key(x.text) for x in stored[r["article_id"]]}
    assert client.get("/search", params={"q": "the", "entity": [place["value"], "Nowhere Such Place"]}).json()["results"] == []

    body = ask(client, "How long did the Moscow meeting with Putin last?", filters={"entity": [place["value"]]})
    assert body["passages"] and {p["article_id"] for p in body["passages"]} <= holding
    sources = {c["article_id"] for c in body["citations"]} or {p["article_id"] for p in body["passages"]}
    names = {entity_key(x.text) for a in sources for x in stored.get(a, [])}
    assert body["entities"] and {entity_key(e["name"]) for e in body["entities"]} <= names
    assert all(1 <= e["articles"] <= len(sources) for e in body["entities"])

    exported = client.get("/ask", params={"q": "What happened?", "format": "json", "entity": place["value"]}).json()
    assert exported["passages"] and {p["article_id"] for p in exported["passages"]} <= holding
    timeline = client.get("/timeline", params={"q": "What happened?", "entity": place["value"]}).json()
    assert timeline["points"] and {p["article_id"] for p in timeline["points"]} <= holding
