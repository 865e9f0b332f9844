"""Rebuilds while the service answers: no failed request, and answers switch to the new index."""

import shutil
import threading
import time

import httpx
import pytest

from index import build_index
from qa.api import create_app
from qa.engine import Engine
from tests.support import NEW_ARTICLE, SEED_FILE, free_port, make_settings, serving

TOKEN = "s3cret-token"



@pytest.fixture()
def live_server(tmp_path, encoder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILE, corpus)
    settings = make_settings(corpus, tmp_path / "index", admin_token=TOKEN, port=free_port())
    build_index(settings, encoder=encoder, progress=False)
    engine = Engine(settings, encoder)
    with serving(settings, engine) as url:
        yield settings, url


def hammer(base: str, count: int, statuses: list, stop_after: threading.Event) -> None:
    """A fixed number of loopback requests, alternating search and ask."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(count):
            if i % 2:
                r = client.get("/search", params={"q": "lighthouse keepers Skerryvore", "top_k": 3})
            else:
                r = client.post("/ask", json={"question": "Who will staff the Skerryvore lighthouse?"})
            statuses.append(r.status_code)
            if stop_after.is_set() and i >= count // 2:
                break


def sources_for(base: str) -> set:
    r = httpx.get(f"{base}/search", params={"q": "Skerryvore lighthouse keepers", "top_k": 3}, timeout=60)
    assert r.status_code == 200
    return {p["source"] for p in r.json()["results"]}


def test_rebuild_under_load_fails_no_request(live_server, encoder):
    settings, base = live_server
    assert "Harbour Gazette" not in sources_for(base)
    statuses: list[int] = []
    done = threading.Event()
    workers = [threading.Thread(target=hammer, args=(base, 40, statuses, done)) for _ in range(3)]
    for w in workers:
        w.start()
    (settings.corpus_dir / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.added == 1
    done.set()
    for w in workers:
        w.join(timeout=300)
    assert statuses and all(s == 200 for s in statuses), sorted(set(statuses))
    assert "Harbour Gazette" in sources_for(base)
    body = httpx.post(f"{base}/ask", json={"question": "When will keepers return to Skerryvore?"}, timeout=60).json()
    assert body["answerable"] and "March" in body["answer"]


def test_admin_reindex_requires_token_and_swaps(live_server):
    settings, base = live_server
    assert httpx.post(f"{base}/admin/reindex").status_code == 401
    assert httpx.post(f"{base}/admin/reindex", headers={"Authorization": "Bearer wrong"}).status_code == 401
    (settings.corpus_dir / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    r = httpx.post(f"{base}/admin/reindex", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 202 and r.json()["status"] == "started"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        health = httpx.get(f"{base}/health").json()
        if not health["rebuilding"]:
            break
        time.sleep(0.2)
    assert health["last_build"]["status"] == "ok"
    assert health["articles"] == 2
    assert "Harbour Gazette" in sources_for(base)


def test_admin_disabled_without_token(tmp_path, encoder):
    from fastapi.testclient import TestClient

    settings = make_settings(tmp_path / "c", tmp_path / "i")
    with TestClient(create_app(settings, Engine(settings, encoder))) as client:
        r = client.post("/admin/reindex", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 403 and "NEWSQA_ADMIN_TOKEN" in r.json()["detail"]
