"""Helpers and paths the tests share (fixtures live in conftest.py and are never imported)."""

from __future__ import annotations

from pathlib import Path

from index.settings import PROJECT_ROOT
from qa.settings import Settings

SEEDS = PROJECT_ROOT / "seeds"
SEED_FILE = SEEDS / "000_197d81c4a69c7548.txt"


def make_settings(corpus: Path, index: Path, **extra) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, **extra)
