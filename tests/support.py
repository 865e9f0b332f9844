"""Helpers and paths the tests share (fixtures live in conftest.py and are never imported)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index import PROJECT_ROOT
from qa.settings import Settings

SEEDS = PROJECT_ROOT / "seeds"
SEED_FILE = SEEDS / "000_197d81c4a69c7548.txt"


def make_settings(corpus: Path, index: Path, **extra) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, **extra)


def version_dir(index_dir: Path) -> Path:
    """The folder of the version live under a folder-store index (tests look at its files)."""
    from index import live_version
    from index.stores.folder import VERSIONS

    version = live_version(index_dir)
    assert version is not None, f"no live version in {index_dir}"
    return index_dir / VERSIONS / version


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(settings, engine) -> Iterator[str]:
    """The real app under uvicorn in a thread on ``settings.port``; yields its base URL."""
    import threading
    import time

    import uvicorn

    from qa.api import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=settings.port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
