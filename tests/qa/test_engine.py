"""The service's hold on its index: bad indexes are reported, never crash it."""

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index import build_index
from index.stores.folder import CURRENT, MANIFEST, METADATA, VECTORS, VERSIONS
from qa.api import create_app
from qa.engine import Engine, NoIndex
from tests.support import version_dir


@pytest.fixture()
def index_copy(tmp_path, small_index):
    """A private copy of the small index that a test may damage."""
    target = tmp_path / "index"
    version = version_dir(small_index.index_dir)
    shutil.copytree(version, target / VERSIONS / version.name)
    (target / CURRENT).symlink_to(f"{VERSIONS}/{version.name}")
    return small_index.model_copy(update={"index_dir": target}), target / VERSIONS / version.name


def test_corrupt_index_at_start_is_reported_not_fatal(index_copy, encoder):
    settings, version = index_copy
    (version / VECTORS).write_bytes(b"\x00" * 64)
    with TestClient(create_app(settings, Engine(settings, encoder))) as client:
        health = client.get("/health").json()
        assert health["status"] == "no_index" and VECTORS in health["message"]
        response = client.post("/ask", json={"question": "Who met Putin?"})
        assert response.status_code == 503 and VECTORS in response.json()["detail"]


def test_index_from_another_model_is_refused_by_the_service(index_copy, encoder):
    settings, version = index_copy
    manifest = json.loads((version / MANIFEST).read_text())
    manifest["encoder"] = "some/other-model|torch"
    (version / MANIFEST).write_text(json.dumps(manifest))
    with sqlite3.connect(version / METADATA) as db:  # where readers read it, in the snapshot they open
        db.execute("UPDATE state SET value = ? WHERE key = 'manifest'", (json.dumps(manifest),))
    with pytest.raises(NoIndex, match="built with encoder 'some/other-model|torch'"):
        Engine(settings, encoder).search("Who met Putin?", 3)


def test_bad_new_version_keeps_the_last_good_one_serving(index_copy, encoder):
    settings, version = index_copy
    engine = Engine(settings, encoder)
    with engine.snapshot() as snap:
        good = snap.index.version
    broken = version.parent / "broken"
    broken.mkdir()
    (settings.index_dir / ".next").symlink_to(f"{VERSIONS}/broken")
    (settings.index_dir / ".next").replace(settings.index_dir / CURRENT)
    with engine.snapshot() as snap:
        assert snap.index.version == good
    assert engine.search("Witkoff", 3).passages
    assert "incomplete" in engine.status()["error"] or "missing" in engine.status()["error"]


def test_retired_versions_release_their_files(index_copy, encoder, small_index):
    settings, _ = index_copy
    settings = settings.model_copy(update={"corpus_dir": small_index.corpus_dir, "keep_versions": 1})
    engine = Engine(settings, encoder)

    def deleted_open_files() -> list[str]:
        fds = Path("/proc/self/fd")
        return [link for link in (os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink())
                if "meta.sqlite" in link and link.endswith("(deleted)")]

    assert engine.search("Witkoff", 2).passages
    for _ in range(2):  # each full build publishes a new version and prunes the previous one
        build_index(settings, encoder=encoder, progress=False, full=True)
        assert engine.search("Witkoff", 2).passages  # swaps to the new version, retires the old
    assert deleted_open_files() == []


def test_reindex_is_409_while_another_build_holds_the_lock(index_copy, encoder):
    settings, _ = index_copy
    settings = settings.model_copy(update={"admin_token": "t0ken"})
    engine = Engine(settings, encoder)
    with TestClient(create_app(settings, engine)) as client, engine.store.lock():
        response = client.post("/admin/reindex", headers={"Authorization": "Bearer t0ken"})
        assert response.status_code == 409 and "another build" in response.json()["detail"]
        assert client.get("/health").json()["rebuilding"] is True
    assert client.get("/health").json()["rebuilding"] is False


def test_a_slow_new_version_loads_in_the_background_while_the_old_one_answers(index_copy, encoder, small_index,
                                                                              monkeypatch):
    """A large archive takes seconds to open: requests must not stall behind it."""
    import threading
    import time

    from index.stores.folder import FolderStore
    from tests.support import NEW_ARTICLE

    corpus = index_copy[0].index_dir.parent / "corpus"
    shutil.copytree(small_index.corpus_dir, corpus)
    settings = index_copy[0].model_copy(update={"corpus_dir": corpus, "swap_wait_seconds": 0.2})
    engine = Engine(settings, encoder)
    old = engine.search("Witkoff", 2)
    with engine.snapshot() as snap:
        old_version = snap.index.version
    (corpus / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(settings, encoder=encoder, progress=False)

    opened, release = threading.Event(), threading.Event()
    slow_open = FolderStore.open

    def open_slowly(self, version=None):
        opened.set()
        release.wait(30)
        return slow_open(self, version)

    monkeypatch.setattr(FolderStore, "open", open_slowly)
    started = time.perf_counter()
    answer = engine.search("Witkoff", 2)
    assert time.perf_counter() - started < 5 and opened.is_set()
    assert [p.chunk.chunk_id for p in answer.passages] == [p.chunk.chunk_id for p in old.passages]
    with engine.snapshot() as snap:
        assert snap.index.version == old_version  # still the previous version while the new one loads
    release.set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.snapshot() as snap:
            if snap.index.version != old_version:
                break
        time.sleep(0.05)
    assert any(p.chunk.article.source == "Harbour Gazette" for p in engine.search("Skerryvore keepers", 3).passages)
