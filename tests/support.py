"""Helpers and paths the tests share (fixtures live in conftest.py and are never imported)."""

from __future__ import annotations

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
