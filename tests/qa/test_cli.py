"""The `qa` command as a user runs it: readable output, one-line errors, exit codes."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import pytest

from index import PROJECT_ROOT, build_index
from tests.support import free_port, version_dir


def qa(*args: str, settings=None, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    if settings is not None:
        environment["NEWSQA_INDEX_DIR"] = str(settings.index_dir)
        environment["NEWSQA_CORPUS_DIR"] = str(settings.corpus_dir)
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=300)


def test_ask_prints_answer_and_sources(small_index):
    result = qa("ask", "How long did the Moscow meeting with Putin last?", settings=small_index)
    assert result.returncode == 0, result.stderr
    assert "five hours" in result.stdout and "[1]" in result.stdout
    assert "Sources:" in result.stdout and "New York Times" in result.stdout
    assert "David E. Sanger" in result.stdout and "2025-12-03" in result.stdout
    assert "Mentioned in the sources (--entity NAME to filter):" in result.stdout and "Putin (person)" in result.stdout
    assert result.stderr.strip() == ""


def test_search_json_with_filter(small_index):
    result = qa("search", "Witkoff Kushner", "-k", "3", "--source", "New York Times", "--json", settings=small_index)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert 1 <= len(results) <= 3 and {r["source"] for r in results} == {"New York Times"}


def test_search_entity_filter(small_index):
    """--entity keeps the articles that mention every name given (the seed alone names Witkoff and Moscow)."""
    result = qa("search", "the", "-k", "10", "--entity", "witkoff", "--entity", "Moscow", "--json",
                settings=small_index)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert len(results) == 1 and results[0]["source"] == "New York Times"
    assert any(e["name"] == "Witkoff" and e["kind"] == "person" for e in results[0]["entities"])


@pytest.mark.parametrize("args,code,message", [
    (("ask", "   "), 2, "empty"),
    (("search", "x", "-k", "0"), 2, "--top-k"),
    (("search", "x", "--after", "soon"), 2, "ISO date"),
])
def test_bad_arguments_give_one_line_reason(small_index, args, code, message):
    result = qa(*args, settings=small_index)
    assert result.returncode == code
    assert message in result.stderr and "Traceback" not in result.stderr


def test_missing_index_is_one_line_error(tmp_path):
    result = qa("ask", "Who?", NEWSQA_INDEX_DIR=str(tmp_path / "none"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no index" in lines[0] and "build_index.py" in lines[0]


def test_ask_json_prints_the_api_response_and_inputs_are_stripped(small_index):
    result = qa("ask", "  Who joined Witkoff in Moscow?  ", "--json", "--source", "New York Times ",
                settings=small_index)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert {"question", "answer", "answerable", "method", "confidence", "reason", "citations", "passages"} <= set(body)
    assert body["question"] == "Who joined Witkoff in Moscow?" and body["passages"]
    assert {p["source"] for p in body["passages"]} == {"New York Times"}


def one_line_error(result, code: int, *words: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_url_index_location_is_refused_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "qa.cli", "build", "--index", "mysql://user@/db"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    one_line_error(result, 2, "mysql://", "not supported", "postgresql://")
    assert list(tmp_path.iterdir()) == [], "no folder named after the URL is created"


def test_error_paths_exit_with_one_line(tmp_path, small_index):
    (tmp_path / "file").write_text("x")
    one_line_error(qa("build", "--index", str(tmp_path / "file"), "--quiet", settings=small_index), 1, "is a file")
    one_line_error(qa("build", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "i"), "--quiet"),
                   1, "does not exist")
    one_line_error(qa("search", "x", "--index", str(tmp_path / "none")), 1, "no index")
    one_line_error(qa("ask", "x", "--after", "2025-02-01", "--before", "2025-01-01", settings=small_index),
                   2, "later than")
    corrupt = tmp_path / "corrupt"
    shutil.copytree(version_dir(small_index.index_dir), corrupt)
    (corrupt / "manifest.json").write_text("{not json")
    one_line_error(qa("ask", "Who?", "--index", str(corrupt)), 1, "manifest.json")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_error(qa("serve", "--port", str(port), settings=small_index), 1, "already in use", str(port))


class Service:
    """`qa serve` in a subprocess on a free port; stopped on exit."""

    def __init__(self, *args: str, **env: str) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(self.port), *args],
                                     env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def get(self, path: str, deadline: float = 120.0) -> httpx.Response:
        stop = time.monotonic() + deadline
        while True:
            assert self.proc.poll() is None, self.output()
            try:
                return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=30)
            except httpx.TransportError:
                assert time.monotonic() < stop, "the service never answered"
                time.sleep(0.2)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def test_serve_on_a_named_empty_index_does_not_build_it(tmp_path, small_index):
    index = tmp_path / "wrong-folder"
    with Service("--index", str(index), NEWSQA_CORPUS_DIR=str(small_index.corpus_dir)) as service:
        assert service.get("/health").json()["status"] == "no_index"
        response = service.get("/search?q=Putin")
        assert response.status_code == 503 and "build" in response.json()["detail"]
        assert "starting without one" in service.output()
    assert not (index / "versions").exists() or not any((index / "versions").iterdir())


def test_serve_while_a_build_holds_the_lock_waits_for_it(tmp_path, small_index, encoder):
    settings = small_index.model_copy(update={"index_dir": tmp_path / "index"})
    reached, release = threading.Event(), threading.Event()

    def pause(stage: str) -> None:
        if stage == "embedding":
            reached.set()
            release.wait(120)

    builder = threading.Thread(target=build_index, args=(settings,),
                               kwargs={"encoder": encoder, "progress": False, "on_stage": pause})
    builder.start()
    try:
        assert reached.wait(120)
        with Service("--index", str(settings.index_dir), "--build",
                     NEWSQA_CORPUS_DIR=str(small_index.corpus_dir)) as service:
            health = service.get("/health").json()
            assert health["status"] == "building" and health["rebuilding"] is True
            response = service.get("/search?q=Putin")
            assert response.status_code == 503 and "in progress" in response.json()["detail"]
            release.set()
            builder.join(120)
            assert service.get("/search?q=Putin").status_code == 200  # picked up once published
            assert "another build" in service.output() and "Traceback" not in service.output()
    finally:
        release.set()
        builder.join(120)


def test_serve_rebuilds_the_default_index_only_when_it_cannot_be_served(tmp_path, small_index, encoder):
    """The bundled default index is derived from seeds/: one written by an older version is rebuilt on start,
    a readable one is served as it is, and a named index is never rebuilt unasked."""
    from index.types import FORMAT_VERSION
    from qa.cli import build_reason
    from qa.engine import Engine

    target = tmp_path / "index"
    shutil.copytree(small_index.index_dir, target, symlinks=True)
    engine = Engine(small_index.model_copy(update={"index_dir": target}), encoder)
    live = engine.store.live_version()
    assert build_reason(engine, live, default_index=True, asked=False) is None
    manifest = version_dir(target) / "manifest.json"
    older = FORMAT_VERSION - 1
    manifest.write_text(manifest.read_text().replace(f'"format_version": {FORMAT_VERSION}', f'"format_version": {older}'))
    engine = Engine(small_index.model_copy(update={"index_dir": target}), encoder)  # a service started after
    reason = build_reason(engine, live, default_index=True, asked=False)
    assert reason and f"format {older}" in reason
    assert build_reason(engine, live, default_index=False, asked=False) is None
    assert build_reason(engine, None, default_index=True, asked=False) == "no index yet"
