"""Hostile and odd input: a 4xx with a message, or a valid answer — never a 5xx."""

import pytest
from fastapi.testclient import TestClient

from qa.api import create_app
from qa.engine import Engine

# (name, method, path, request kwargs, accepted statuses)
CASES = [
    ("empty question", "POST", "/ask", {"json": {"question": ""}}, {422}),
    ("whitespace question", "POST", "/ask", {"json": {"question": " \t\n "}}, {422}),
    ("100 kB question", "POST", "/ask", {"json": {"question": "why " * 25_000}}, {413}),
    ("3 kB question", "POST", "/ask", {"json": {"question": "why " * 750}}, {422}),
    ("control characters", "POST", "/ask", {"json": {"question": "Who\x00 met\x07 Putin\x1b[31m?"}}, {200}),
    ("emoji and mixed scripts", "POST", "/ask", {"json": {"question": "🤔 Кто встречался с Путиным 普京 ?"}}, {200}),
    ("FTS quote", "POST", "/ask", {"json": {"question": 'Who met "Putin'}}, {200}),
    ("FTS star", "GET", "/search", {"params": {"q": "Put*"}}, {200}),
    ("FTS NEAR", "GET", "/search", {"params": {"q": "NEAR(Putin Witkoff, 2)"}}, {200}),
    ("FTS OR/NOT", "GET", "/search", {"params": {"q": "OR NOT AND -Putin"}}, {200}),
    ("FTS column filter", "GET", "/search", {"params": {"q": "title:Putin text:Moscow"}}, {200}),
    ("only punctuation", "GET", "/search", {"params": {"q": "?!*()\"'"}}, {200}),
    ("SQL injection", "GET", "/search", {"params": {"q": "'; DROP TABLE articles; --"}}, {200}),
    ("SQL injection in filter", "GET", "/search", {"params": {"q": "Putin", "source": "x' OR '1'='1"}}, {200}),
    ("path traversal id", "GET", "/articles/..%2F..%2Fetc%2Fpasswd", {}, {404}),
    ("double-encoded traversal", "GET", "/articles/%252e%252e%252fetc%252fpasswd", {}, {404}),
    ("traversal segments", "GET", "/articles/../../etc/passwd", {}, {404}),
    ("huge top_k", "POST", "/ask", {"json": {"question": "Putin?", "top_k": 10**12}}, {422}),
    ("negative top_k", "GET", "/search", {"params": {"q": "Putin", "top_k": -5}}, {422}),
    ("float top_k", "POST", "/ask", {"json": {"question": "Putin?", "top_k": 2.5}}, {422}),
    ("question as list", "POST", "/ask", {"json": {"question": ["Putin"]}}, {422}),
    ("question as null", "POST", "/ask", {"json": {"question": None}}, {422}),
    ("filters as string", "POST", "/ask", {"json": {"question": "Putin?", "filters": "source=x"}}, {422}),
    ("date filter not a date", "POST", "/ask", {"json": {"question": "Putin?", "filters": {"published_after": "soon"}}}, {422}),
    ("body is a JSON array", "POST", "/ask", {"json": ["question"]}, {422}),
    ("body not JSON", "POST", "/ask", {"content": b"question=Putin", "headers": {"content-type": "application/json"}}, {422}),
    ("body not UTF-8", "POST", "/ask", {"content": b'{"question": "\xff\xfe"}', "headers": {"content-type": "application/json"}}, {400, 422}),
    ("wrong content type", "POST", "/ask", {"content": b"Putin?", "headers": {"content-type": "text/plain"}}, {422}),
    ("oversize body", "POST", "/ask", {"content": b"x" * 200_000, "headers": {"content-type": "application/json"}}, {413}),
    ("bad content-length", "POST", "/ask", {"content": b"{}", "headers": {"content-type": "application/json", "content-length": "abc"}}, {400}),
    ("unknown query parameter", "GET", "/search", {"params": {"q": "Putin", "sort": "date"}}, {422}),
    ("GET on /ask without a question", "GET", "/ask", {}, {422}),  # GET /ask exports an answer: q is required
    ("DELETE on /ask", "DELETE", "/ask", {}, {405}),
    ("unknown path", "GET", "/../../etc/passwd", {}, {404}),
]


@pytest.fixture(scope="module", params=["folder", "postgres"])
def hostile_index(request, small_index, small_corpus, encoder):
    """The same small index in each store: hostile text reaches PostgreSQL only as bound parameters."""
    if request.param == "folder":
        return small_index
    from index import build_index
    from tests.support import make_settings

    settings = make_settings(small_corpus, request.getfixturevalue("postgres_server").new_database())
    build_index(settings, encoder=encoder, progress=False)
    return settings


@pytest.fixture(scope="module")
def client(hostile_index, encoder):
    with TestClient(create_app(hostile_index, Engine(hostile_index, encoder)), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("name,method,path,kwargs,accepted", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(client, name, method, path, kwargs, accepted):
    try:
        response = client.request(method, path, **kwargs)
    except Exception as exc:  # the HTTP client itself refused (e.g. a malformed header)
        pytest.fail(f"{name}: client error {exc!r}")
    assert response.status_code in accepted, (name, response.status_code, response.text[:300])
    body = response.json()
    if response.status_code >= 400:
        assert body.get("detail"), "every error says what is wrong"
        assert len(response.text) < 5000, "errors do not echo huge input back"
    if path == "/ask" and response.status_code == 200:
        assert body["answerable"] in (True, False)
        for c in body["citations"]:
            text = client.get(f"/articles/{c['article_id']}").json()["text"]
            assert text[c["start"]:c["end"]] == c["quote"]


def test_oversize_chunked_body_is_413(client):
    def chunks():
        yield b'{"question": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    response = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_small_chunked_body_is_served(client):
    response = client.post("/ask", content=iter([b'{"question": ', b'"Who met Putin?"}']),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["question"] == "Who met Putin?"


def test_index_is_unchanged_after_hostile_input(client, small_index):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["articles"] == 13
    assert client.get("/search", params={"q": "Witkoff"}).json()["results"]


def test_every_request_is_logged(client, caplog):
    with caplog.at_level("INFO", logger="qa.api"):
        client.get("/health")
        client.get("/articles/nope")
    lines = [r.getMessage() for r in caplog.records if r.name == "qa.api"]
    assert any(line.startswith("GET /health 200 ") and line.endswith("ms") for line in lines)
    assert any(line.startswith("GET /articles/nope 404 ") for line in lines)


def test_cors_is_off_by_default_and_configurable(small_index, encoder):
    engine = Engine(small_index, encoder)
    preflight = {"Origin": "https://newsroom.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(small_index, engine)) as c:
        assert "access-control-allow-origin" not in c.options("/ask", headers=preflight).headers
    settings = small_index.model_copy(update={"cors_origins": ["https://newsroom.example"]})
    with TestClient(create_app(settings, engine)) as c:
        r = c.options("/ask", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://newsroom.example"
