"""Keeping itself current: feeds polled on a schedule, watched searches, webhooks."""

from __future__ import annotations

import http.server
import json
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from qa.api import create_app
from qa.engine import Engine
from qa.polling import FeedPoller
from tests.support import make_settings

LIGHTHOUSE = ("The Skerryvore lighthouse keepers walked out on Tuesday in a dispute over pay and the length of "
              "their shifts on the rock, the Northern Lighthouse Board said. The board said the strike by the three "
              "keepers would last for nine days unless talks resumed. Keepers work four-week shifts and are taken "
              "off the rock by helicopter when the weather allows. A spokesman for the keepers said the board had "
              "refused to discuss shorter shifts for two years, and that the men would return when it agreed to "
              "meet them. The lamp stays lit automatically while the keepers are away, the board said, and ships "
              "have been warned by radio.")
BRIDGE = ("The city council approved a new footbridge across the river Tay on Monday, with building to start in "
          "the spring and the bridge to open in two years. The bridge will cost 14 million pounds, paid for by the "
          "council and a transport grant. Councillors voted 31 to 9 in favour after a debate of three hours about "
          "the design, which critics called too plain for the waterfront. The bridge will carry people on foot "
          "and on bicycles between the railway station and the new museum quarter, and will be lit at night. "
          "Work on the approaches begins in March.")


def item(slug: str, title: str, text: str, day: int) -> str:
    published = format_datetime(datetime(2026, 3, day, 8, 0, tzinfo=timezone.utc), usegmt=True)
    return (f"<item><title>{title}</title><link>{{base}}/news/{slug}</link><guid isPermaLink=\"false\">{slug}</guid>"
            f"<pubDate>{published}</pubDate><content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>")


def rss(items: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Tay Courier</title>'
            f'<link>{{base}}/</link><description>News</description>{"".join(items)}</channel></rss>')


class Site:
    """A local news site: /feed.xml as set by the test, article pages that are not there (404), and a
    webhook receiver at /hook that keeps what it is sent."""

    def __init__(self) -> None:
        self.feed = rss([])
        self.received: list[dict] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/feed.xml":
                    body = site.feed.replace("{base}", site.base).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_error(404)

            def do_POST(self):  # noqa: N802
                length = int(self.headers["Content-Length"])
                site.received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture()
def site():
    s = Site()
    yield s
    s.close()


@pytest.fixture()
def served(tmp_path, encoder, site):
    """An engine over an index of what the feed brings, a poller of that feed, and the site."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(corpus, tmp_path / "index", watches_db=tmp_path / "watches.sqlite",
                             webhook_allow=[f"{site.base}/hook"], recency_weight_default=0.0)
    engine = Engine(settings, encoder)
    poller = FeedPoller([f"{site.base}/feed.xml"], settings, encoder)
    poller.on_published.append(lambda version: engine.holder.refresh())
    engine.poller = poller
    return engine, poller, site


def wait_for(condition, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def cited_titles(engine: Engine, question: str) -> set[str]:
    return {c.passage.chunk.article.title for c in engine.ask(question, 3).answer.citations}


def test_a_feed_that_changes_between_polls_becomes_answerable_without_a_restart(served):
    engine, poller, site = served
    site.feed = rss([item("bridge", "Council approves Tay footbridge", BRIDGE, 2)])
    state = poller.poll(poller.feeds()[0])
    assert (state.last_error, state.last_added) == (None, 1)
    assert cited_titles(engine, "How much will the Tay footbridge cost?") == {"Council approves Tay footbridge"}
    site.feed = rss([item("bridge", "Council approves Tay footbridge", BRIDGE, 2),
                     item("keepers", "Skerryvore keepers strike", LIGHTHOUSE, 4)])
    state = poller.poll(poller.feeds()[0])
    assert (state.last_error, state.last_added) == (None, 1)
    assert cited_titles(engine, "How long will the Skerryvore lighthouse keepers strike last?") == {
        "Skerryvore keepers strike"}


def test_a_watch_reports_exactly_the_new_matching_article_once_and_posts_it(served):
    engine, poller, site = served
    site.feed = rss([item("bridge", "Council approves Tay footbridge", BRIDGE, 2)])
    poller.poll(poller.feeds()[0])
    with TestClient(create_app(engine.settings, engine)) as client:
        made = client.post("/watches", json={"query": "lighthouse keepers go on strike",
                                             "webhook": f"{site.base}/hook"})
        assert made.status_code == 201
        watch = made.json()["id"]
        assert client.get(f"/watches/{watch}/new").json()["articles"] == []  # the bridge is not news of it
        site.feed = rss([item("bridge", "Council approves Tay footbridge", BRIDGE, 2),
                         item("keepers", "Skerryvore keepers strike", LIGHTHOUSE, 4)])
        poller.poll(poller.feeds()[0])  # publishes; the engine checks watches against the new version
        wait_for(lambda: engine.watches.store.get(watch).checked_version == engine.store.live_version())
        new = client.get(f"/watches/{watch}/new").json()["articles"]
        assert [a["title"] for a in new] == ["Skerryvore keepers strike"]
        text = client.get(f"/articles/{new[0]['article_id']}").json()["text"]
        assert text[new[0]["start"]:new[0]["end"]] == new[0]["quote"]
        assert client.get(f"/watches/{watch}/new").json()["articles"] == []  # reported once
        received = wait_for(lambda: site.received)
    assert [a["title"] for a in received[0]["articles"]] == ["Skerryvore keepers strike"]
    assert received[0]["watch"] == watch


def test_a_webhook_the_operator_did_not_allow_is_refused(served):
    engine, _, site = served
    with TestClient(create_app(engine.settings, engine)) as client:
        refused = client.post("/watches", json={"query": "bridge", "webhook": "http://127.0.0.1:9/elsewhere"})
        assert refused.status_code == 403 and "operator allows" in refused.json()["detail"]
        assert client.get("/watches").json() == []
        assert client.get("/watches/nope/new").status_code == 404


def test_a_failing_feed_backs_off_and_says_why_on_health(served):
    engine, poller, site = served
    site.feed = "this is not a feed"
    poller.start()
    try:
        wait_for(lambda: poller.states[poller.feeds()[0]].failures >= 1)
        with TestClient(create_app(engine.settings, engine)) as client:
            feeds = client.get("/health").json()["feeds"]
        assert feeds[0]["last_error"] and feeds[0]["failures"] == 1
        assert feeds[0]["interval_minutes"] == 2 * engine.settings.poll_minutes
        assert feeds[0]["next_poll"] is not None
    finally:
        poller.stop()


def test_the_command_line_polls_once_and_manages_watches(tmp_path, site, monkeypatch, capsys):
    from qa.cli import main

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    monkeypatch.setenv("NEWSQA_WATCHES_DB", str(tmp_path / "watches.sqlite"))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# the desk's feeds\n{site.base}/feed.xml\n", encoding="utf-8")
    site.feed = rss([item("bridge", "Council approves Tay footbridge", BRIDGE, 2)])
    where = ["--corpus", str(corpus), "--index", str(index)]
    assert main(["watch-feeds", str(feeds), "--once", *where]) == 0
    assert "1 added" in capsys.readouterr().out
    assert main(["watch", "add", "lighthouse keepers strike", "--index", str(index)]) == 0
    watch = capsys.readouterr().out.split()[1].rstrip(":")
    site.feed = rss([item("keepers", "Skerryvore keepers strike", LIGHTHOUSE, 4)])
    assert main(["watch-feeds", str(feeds), "--once", *where]) == 0
    assert main(["watch", "check", "--index", str(index)]) == 0
    assert main(["watch", "new", watch, "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "Skerryvore keepers strike — " in out and "(article " in out
    assert main(["watch", "new", "nonexistent", "--index", str(index)]) == 1
    assert "no watch with id" in capsys.readouterr().err
    missing = tmp_path / "nofeeds.txt"
    assert main(["watch-feeds", str(missing), "--once", *where]) == 2
