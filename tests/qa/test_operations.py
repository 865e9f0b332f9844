"""Running it for a team: API keys and rate limits, Prometheus metrics, streamed answers."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from qa.api import create_app
from qa.api.access import KeyFileError
from qa.engine import Engine

KEY = "k3y-for-the-newsroom-0001"
QUESTION = "How long did the Moscow meeting with Putin last?"


@pytest.fixture(scope="module")
def engine(small_index, encoder):
    return Engine(small_index, encoder)


@pytest.fixture()
def keyed(small_index, engine, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"# the newsroom's keys\n{KEY} desk\n", encoding="utf-8")
    settings = small_index.model_copy(update={"api_keys": keys, "rate_limit": "10/minute"})
    with TestClient(create_app(settings, engine)) as client:
        yield client


def test_with_keys_set_a_keyless_or_wrong_key_request_is_401(keyed):
    assert keyed.get("/search", params={"q": "Putin"}).status_code == 401
    wrong = keyed.post("/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer not-the-key-at-all"})
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    assert "not-the-key" not in wrong.text
    assert keyed.get("/search", params={"q": "Putin"}, headers={"X-API-Key": KEY}).status_code == 200
    assert keyed.get("/health").status_code == 200  # health and the page stay open


def test_the_eleventh_request_in_a_ten_per_minute_window_is_429_with_retry_after(keyed):
    headers = {"Authorization": f"Bearer {KEY}"}
    codes = [keyed.get("/search", params={"q": "Putin"}, headers=headers).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    refused = keyed.get("/search", params={"q": "Putin"}, headers=headers)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60


def test_an_unusable_key_file_is_refused_in_words_without_the_key(small_index, engine, tmp_path):
    short = tmp_path / "keys"
    short.write_text("tooshort\n", encoding="utf-8")
    with pytest.raises(KeyFileError, match="line 1: a key must be at least") as error:
        create_app(small_index.model_copy(update={"api_keys": short}), engine)
    assert "tooshort" not in str(error.value)
    with pytest.raises(KeyFileError, match="cannot read the API key file"):
        create_app(small_index.model_copy(update={"api_keys": tmp_path / "missing"}), engine)


def test_metrics_parse_and_count_a_request_and_the_stages(small_index, engine):
    with TestClient(create_app(small_index, engine)) as client:
        assert client.post("/ask", json={"question": QUESTION}).status_code == 200
        client.get("/articles/nope")
        families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    requests = {(s.labels["route"], s.labels["status"]): s.value for s in families["newsqa_requests"].samples
                if s.name == "newsqa_requests_total"}
    assert requests[("/ask", "200")] == 1 and requests[("/articles/{article_id}", "404")] == 1
    stages = {s.labels["stage"] for s in families["newsqa_stage_seconds"].samples if s.labels.get("pipeline") == "ask"}
    assert {"plan", "retrieve", "answer"} <= stages
    assert families["newsqa_index_articles"].samples[0].value >= 1
    assert families["newsqa_index_loaded"].samples[0].value == 1


def events(body: str) -> list[tuple[str, dict]]:
    found = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def test_a_streamed_answer_sends_plan_then_citations_then_the_answer_equal_to_the_json_one(small_index, engine):
    with TestClient(create_app(small_index, engine)) as client:
        plain = client.post("/ask", json={"question": QUESTION}).json()
        streamed = client.post("/ask", json={"question": QUESTION}, headers={"Accept": "text/event-stream"})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    got = events(streamed.text)
    names = [name for name, _ in got]
    assert names[0] == "plan" and names[-1] == "answer" and set(names[1:-1]) == {"citation"}
    assert " ".join(data["text"] for name, data in got if name == "citation") == plain["answer"]
    assert got[-1][1]["answer"] == plain["answer"] and got[-1][1]["citations"] == plain["citations"]
    assert got[0][1]["as_of"] == plain["as_of"]


def test_an_exported_answer_round_trips_every_quote_to_its_article(small_index, engine):
    import csv
    import io

    with TestClient(create_app(small_index, engine)) as client:
        as_json = client.get("/ask", params={"q": QUESTION, "format": "json"}).json()
        rows = list(csv.DictReader(io.StringIO(client.get("/ask", params={"q": QUESTION, "format": "csv"}).text)))
        note = client.get("/ask", params={"q": QUESTION})
        articles = {r["article_id"]: client.get(f"/articles/{r['article_id']}").json() for r in rows}
    assert as_json["answerable"] and len(rows) == len(as_json["citations"]) >= 1
    for row in rows:
        article = articles[row["article_id"]]
        assert article["text"][int(row["start"]):int(row["end"])] == row["quote"]
        assert row["content_sha"] == article["content_sha"] and row["as_of"] == as_json["as_of"]
    assert note.headers["content-type"].startswith("text/markdown")
    assert all(f"characters {r['start']}–{r['end']}" in note.text and r["quote"] in note.text for r in rows)
