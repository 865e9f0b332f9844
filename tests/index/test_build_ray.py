"""Builds on a local Ray instance: the same index as in-process, and a lost worker publishes nothing."""

from __future__ import annotations

import os
import shutil
import signal
import sys

import numpy as np
import pytest
import ray

import index.build as build
from index import BuildError, Filters, build_index, live_version, open_index
from index.build_ray import RayWorkers
from qa.commands.build import main as build_main
from tests.index.test_build import snapshot
from tests.support import NEW_ARTICLE, make_settings


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of two articles, so both workers get several and results come back out of order."""
    monkeypatch.setattr(build, "ARTICLES_PER_BATCH", 2)


@pytest.fixture
def corpus(tmp_path, small_corpus):
    folder = tmp_path / "corpus"
    shutil.copytree(small_corpus, folder)
    (folder / "empty.txt").write_bytes(b"")  # skipped alike on both paths
    return folder


def chunk_ids(index_dir) -> dict[str, int]:
    reader = open_index(index_dir)
    return {c.chunk_id: c.id for c in reader.chunks([int(i) for i in reader.filtered_chunk_ids(Filters())])}


def test_a_ray_build_equals_the_in_process_build(local_ray, small_batches, corpus, tmp_path, encoder):
    in_process = make_settings(corpus, tmp_path / "in-process")
    expected = build_index(in_process, encoder=encoder, progress=False)

    on_ray = tmp_path / "on-ray"
    assert build_main(["--corpus", str(corpus), "--index", str(on_ray), "--ray", "--ray-workers", "2",
                       "--quiet"]) == 0
    assert open_index(on_ray).manifest.articles == expected.articles == 13
    assert open_index(on_ray).manifest.skipped == len(expected.skipped) == 1  # empty.txt, on both
    assert chunk_ids(on_ray) == chunk_ids(in_process.index_dir)  # same chunks under the same ids
    want, got = snapshot(in_process.index_dir), snapshot(on_ray)
    assert want.keys() == got.keys()
    for chunk_id, (text, start, end, path, vectors) in want.items():
        assert got[chunk_id][:4] == (text, start, end, path)  # same text at the same offsets
        cosines = np.sum(vectors * got[chunk_id][4], axis=1)
        assert cosines.min() > 0.999, chunk_id  # the same encoder, run in another process


def test_a_worker_killed_mid_build_leaves_the_last_good_version_serving(local_ray, small_batches, corpus, tmp_path,
                                                                         encoder):
    settings = make_settings(corpus, tmp_path / "index")
    good = build_index(settings, encoder=encoder, progress=False).version
    (corpus / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    workers = RayWorkers(2)
    killed = []

    def kill_a_worker(stage: str) -> None:
        if stage == "embedding" and not killed:
            pid = ray.get(workers.actors[0].pid.remote())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with pytest.raises(BuildError, match="Ray worker"):
        build_index(settings, encoder=encoder, progress=False, full=True, workers=workers, on_stage=kill_a_worker)
    assert killed
    assert live_version(settings.index_dir) == good
    reader = open_index(settings.index_dir)
    assert reader.manifest.articles == 13 and not reader.keyword_search("Skerryvore lighthouse", 3)

    report = build_index(settings, encoder=encoder, progress=False, full=True, workers=RayWorkers(2))
    assert report.version != good and live_version(settings.index_dir) == report.version
    hits = open_index(settings.index_dir).keyword_search("Skerryvore lighthouse keepers", 3)
    assert open_index(settings.index_dir).chunks([hits[0][0]])[0].article.source == "Harbour Gazette"


def test_without_ray_the_build_says_how_to_install_it(monkeypatch, corpus, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    code = build_main(["--corpus", str(corpus), "--index", str(tmp_path / "index"), "--ray", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "pip install 'news-qa[ray]'" in err
    assert live_version(tmp_path / "index") is None  # nothing was built
