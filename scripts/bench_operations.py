#!/usr/bin/env python
"""What running it for a team costs at run time: the metrics' share of a request, a feed poll that finds
nothing new (ETag 304), and an API-key check. Medians over interleaved rounds, each against its baseline
in the same run.

    python scripts/bench_operations.py [--rounds 7] [--requests 200]
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from index import PROJECT_ROOT, build_index, make_encoder  # noqa: E402
from qa.api import create_app  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.polling import FeedPoller  # noqa: E402
from qa.settings import Settings  # noqa: E402

FEED = ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        '<title>T</title><link>http://127.0.0.1/</link><description>d</description><item><title>Bridge approved</title>'
        '<guid isPermaLink="false">b1</guid><pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><content:encoded><![CDATA['
        '<p>The council approved a footbridge over the river on Monday. Work starts in spring.</p>]]></content:encoded>'
        '</item></channel></rss>').encode()


class Feed(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args):
        pass


def per_request_ms(client: TestClient, n: int, headers: dict | None = None) -> float:
    started = time.perf_counter()
    for _ in range(n):
        client.get("/search", params={"q": "Putin meeting", "top_k": 3}, headers=headers or {})
    return (time.perf_counter() - started) * 1000 / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ops-"))
    settings = Settings(corpus_dir=PROJECT_ROOT / "seeds", index_dir=work / "index", watches_db=work / "w.sqlite")
    encoder = make_encoder(settings)
    build_index(settings, encoder=encoder, progress=False)
    engine = Engine(settings, encoder)
    keys = work / "keys"
    keys.write_text("bench-key-0123456789abcdef\n", encoding="utf-8")
    plain = create_app(settings, engine)
    plain.state.request_observers.clear()  # the same app without the metrics' counting
    metered = create_app(settings, engine)
    keyed = create_app(settings.model_copy(update={"api_keys": keys, "rate_limit": "1000000/minute"}), engine)
    rows = {"no metrics": [], "metrics": [], "metrics + API key": []}
    with TestClient(plain) as a, TestClient(metered) as b, TestClient(keyed) as c:
        for client in (a, b, c):
            per_request_ms(client, 20, {"X-API-Key": "bench-key-0123456789abcdef"})
        for _ in range(args.rounds):
            rows["no metrics"].append(per_request_ms(a, args.requests))
            rows["metrics"].append(per_request_ms(b, args.requests))
            rows["metrics + API key"].append(per_request_ms(c, args.requests, {"X-API-Key": "bench-key-0123456789abcdef"}))
    base = statistics.median(rows["no metrics"])
    print("| /search over the seed index (in process) | ms per request, median of rounds | vs no metrics |")
    print("|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {statistics.median(values):.3f} | {statistics.median(values) / base:.3f}x |")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    corpus = work / "corpus"
    corpus.mkdir()
    poller = FeedPoller([f"http://127.0.0.1:{server.server_address[1]}/feed.xml"],
                        settings.model_copy(update={"corpus_dir": corpus, "index_dir": work / "feed-index"}), encoder)
    feed = poller.feeds()[0]
    poller.poll(feed)  # ingests and builds once
    times = []
    for _ in range(args.rounds * 5):
        started = time.perf_counter()
        state = poller.poll(feed)
        times.append((time.perf_counter() - started) * 1000)
        assert state.last_error is None and state.last_added == 0
    server.shutdown()
    print(f"\nA poll of an unchanged feed (304, nothing built): median {statistics.median(times):.1f} ms "
          f"over {len(times)} polls; at the default 15-minute interval that is one such request per feed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
