"""Revisions through the API: answers as of a date quote the text as it was then, citations name their
revision, and GET /articles/{id}/revisions lists the versions with what changed (qa/revisions.py)."""

from datetime import date

import pytest
from fastapi.testclient import TestClient

from index import build_index
from qa.api import create_app
from qa.engine import Engine
from tests.index.test_contracts import EDITED_TEXT, FIRST_TEXT, OTHER, write_bridge
from tests.support import make_settings

QUESTION = "When will the Tay bridge reopen?"


@pytest.fixture(scope="module")
def edited(tmp_path_factory, encoder):
    """A folder index where the bridge article was built, then edited (Updated_Date 2024-04-10) and built again."""
    corpus = tmp_path_factory.mktemp("revised-corpus")
    write_bridge(corpus, FIRST_TEXT)
    (corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    settings = make_settings(corpus, tmp_path_factory.mktemp("revised") / "index", entities=True)
    build_index(settings, encoder=encoder, progress=False)
    write_bridge(corpus, EDITED_TEXT, updated="2024-04-10")
    build_index(settings, encoder=encoder, progress=False)
    engine = Engine(settings, encoder)
    with TestClient(create_app(settings, engine)) as client:
        client.engine = engine  # for the command-line tests
        yield client


def ask(client, **extra) -> dict:
    response = client.post("/ask", json={"question": QUESTION, **extra})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("as_of, revision, text, said", [
    ("2024-03-20", 1, FIRST_TEXT, "12 May"), (None, 2, EDITED_TEXT, "30 June"), ("2024-04-20", 2, EDITED_TEXT, "30 June"),
])
def test_answers_quote_the_revision_current_at_the_as_of_date(edited, as_of, revision, text, said):
    body = ask(edited, **({"as_of": as_of} if as_of else {}))
    assert body["answerable"] and said in body["answer"]
    assert {c["title"] for c in body["citations"]} == {"Bridge to reopen"}
    assert "Tay" in {e["name"] for e in body["entities"]}  # read from the quoted revision
    for c in body["citations"] + [p for p in body["passages"] if p["title"] == "Bridge to reopen"]:
        quote = c.get("quote", c.get("text"))
        assert c["revision"] == revision
        stored = edited.get(f"/articles/{c['article_id']}", params={"revision": revision}).json()
        assert stored["revision"] == revision and stored["content_sha"] == c["content_sha"]
        assert stored["text"] == text and stored["text"][c["start"]:c["end"]] == quote


def test_revisions_list_both_versions_with_a_diff(edited):
    article_id = ask(edited)["citations"][0]["article_id"]
    listing = edited.get(f"/articles/{article_id}/revisions")
    assert listing.status_code == 200
    body = listing.json()
    assert [(r["revision"], r["valid_from"], r["valid_to"]) for r in body["revisions"]] == [
        (1, "2024-03-01", "2024-04-10"), (2, "2024-04-10", None)]
    latest = edited.get(f"/articles/{article_id}").json()
    assert latest["revision"] == 2 and body["revisions"][1]["content_sha"] == latest["content_sha"]
    [diff] = body["diffs"]
    assert (diff["from"], diff["to"]) == (1, 2)
    assert f"-{FIRST_TEXT}\n" in diff["diff"] and f"+{EDITED_TEXT}\n" in diff["diff"]

    backwards = edited.get(f"/articles/{article_id}/revisions", params={"from": 2, "to": 1}).json()["diffs"]
    assert [(d["from"], d["to"]) for d in backwards] == [(2, 1)] and f"+{FIRST_TEXT}\n" in backwards[0]["diff"]
    assert edited.get(f"/articles/{article_id}/revisions", params={"from": 2, "to": 2}).json()["diffs"][0]["diff"] == ""


def test_unknown_articles_and_revisions_are_named(edited):
    article_id = ask(edited)["citations"][0]["article_id"]
    missing = edited.get("/articles/nosuchid/revisions")
    assert missing.status_code == 404 and "nosuchid" in missing.json()["detail"]
    no_third = edited.get(f"/articles/{article_id}/revisions", params={"from": 1, "to": 3})
    assert no_third.status_code == 404 and "no revision 3" in no_third.json()["detail"]
    assert "no revision 3" in edited.get(f"/articles/{article_id}", params={"revision": 3}).json()["detail"]
    assert edited.get(f"/articles/{article_id}", params={"revision": 0}).status_code == 422


def test_one_end_of_a_diff_defaults_to_the_latest_or_the_revision_before(edited):
    article_id = ask(edited)["citations"][0]["article_id"]
    to_latest = edited.get(f"/articles/{article_id}/revisions", params={"from": 1}).json()["diffs"]
    from_previous = edited.get(f"/articles/{article_id}/revisions", params={"to": 2}).json()["diffs"]
    assert [(d["from"], d["to"]) for d in to_latest] == [(d["from"], d["to"]) for d in from_previous] == [(1, 2)]
    assert edited.get(f"/articles/{article_id}/revisions", params={"from": 7}).status_code == 404


def test_exported_answers_name_the_revision(edited):
    note = edited.get("/ask", params={"q": QUESTION, "as_of": "2024-03-20", "format": "md"}).text
    assert "revision 1, text hash" in note
    rows = edited.get("/ask", params={"q": QUESTION, "format": "csv"}).text.splitlines()
    assert rows[0].endswith(",content_sha,revision") and rows[1].endswith(",2")


def test_the_command_line_lists_revisions_and_exports_answers(edited, capsys, monkeypatch):
    from qa import cli

    monkeypatch.setattr(cli, "_engine", lambda settings: edited.engine)
    article_id = ask(edited)["citations"][0]["article_id"]
    assert cli.main(["revisions", article_id]) == 0
    out = capsys.readouterr().out
    assert "revision 1: from 2024-03-01 until 2024-04-10" in out and "revision 2: from 2024-04-10 (latest)" in out
    assert f"-{FIRST_TEXT}" in out and f"+{EDITED_TEXT}" in out
    assert cli.main(["revisions", article_id, "--from", "1", "--json"]) == 0
    assert '"from": 1' in capsys.readouterr().out
    assert cli.main(["revisions", "nosuchid"]) != 0
    assert "nosuchid" in capsys.readouterr().err
    assert cli.main(["ask", QUESTION, "--as-of", "2024-03-20", "--export", "md"]) == 0
    assert "revision 1, text hash" in capsys.readouterr().out
    assert cli.main(["ask", QUESTION, "--export", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(",content_sha,revision")
