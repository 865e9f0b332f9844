"""Every plug-in point is one registry: a new implementation is one registration, found by its name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import (
    BuildError, BuildInProgress, IndexUnavailable, ModelUnavailable, NewsQAError, UnknownChoice, live_version,
    make_encoder, open_store,
)
from index.ann import VECTOR_INDEXES, VectorIndexError, load_vector_index, new_vector_index
from index.encoders import ENCODERS
from index.stores import STORES
from qa.settings import Settings


@pytest.fixture
def scratch(monkeypatch):
    """Registrations a test makes are undone after it (the registry's map is restored)."""
    def use(registry):
        monkeypatch.setattr(registry, "_factories", dict(registry._factories))
        return registry
    return use


def test_a_store_registered_once_is_opened_by_its_url_scheme(scratch):
    class MemoryStore:
        def __init__(self, location, options):
            self.location, self.options = location, options

        def live_version(self):
            return "v1"

    scratch(STORES).register("memtest", MemoryStore)

    store = open_store("memtest://x", keep_versions=3, timeout=1.5)
    assert isinstance(store, MemoryStore) and store.location == "memtest://x"
    assert (store.options.keep_versions, store.options.timeout) == (3, 1.5)
    assert live_version("MemTest://y") == "v1"  # schemes are case-insensitive, as in URLs
    assert Settings(index_dir="memtest://x").index_dir == "memtest://x"  # the settings accept its scheme too


def test_an_unregistered_scheme_names_the_registered_ones():
    with pytest.raises(UnknownChoice, match="unknown index store 'nosuch'; choose one of folder, postgres, postgresql"):
        open_store("nosuch://x")
    with pytest.raises(ValueError, match=r"URL schemes supported: postgres://, postgresql://"):
        Settings(index_dir="nosuch://x")


def test_paths_open_the_folder_store(tmp_path):
    for location in (tmp_path / "a", str(tmp_path / "b")):
        assert type(open_store(location)).__name__ == "FolderStore"


class HashingEncoder:
    """A stand-in backend: one registration makes ``encoder_backend=hashing`` a choice."""

    dimension = 8
    max_seq_tokens = 128

    def __init__(self, location: str, model_id: str, options) -> None:
        self.identity, self.options = f"{model_id}|hashing", options

    def encode(self, texts):
        rows = np.array([[hash((t, i)) % 97 + 1 for i in range(self.dimension)] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True) if len(texts) else rows.reshape(0, self.dimension)


def test_an_encoder_backend_registered_once_is_made_by_its_name(scratch):
    scratch(ENCODERS).register("hashing", HashingEncoder)

    encoder = make_encoder(Settings(encoder_backend="hashing", batch_size=3))
    assert isinstance(encoder, HashingEncoder) and encoder.identity.endswith("|hashing")
    assert encoder.options.batch_size == 3  # the backend gets its own options, not the whole settings
    assert encoder.encode(["a", "b"]).shape == (2, 8)


def kinds() -> str:
    """The registered vector index types as the refusal lists them (a fake one a test adds is not yet there)."""
    return ", ".join(name for name in VECTOR_INDEXES.names() if name != "listed")


def test_an_unregistered_backend_is_refused_with_the_settings():
    with pytest.raises(ValueError, match="unknown encoder backend 'hashing'; choose one of onnx, openvino, torch"):
        Settings(encoder_backend="hashing")
    with pytest.raises(ValueError, match=f"unknown vector index type 'listed'; choose one of {kinds()}"):
        Settings(vector_index="listed")


class ListedIndex:
    """A stand-in vector index: exact search over a list, saved as .npy."""

    kind = "listed"

    def __init__(self, dimension: int) -> None:
        self.dimension, self.ids, self.rows = dimension, np.zeros(0, np.int64), np.zeros((0, dimension), np.float32)

    def add(self, ids, vectors):
        self.ids, self.rows = np.concatenate([self.ids, ids]), np.concatenate([self.rows, vectors])

    def search(self, vector, k, allowed=None):
        scores = self.rows @ vector
        return [(int(self.ids[i]), float(scores[i])) for i in np.argsort(-scores)[:k]]

    def save(self, path: Path) -> None:
        np.save(path, np.column_stack([self.ids, self.rows]))

    @classmethod
    def load(cls, path: Path, dimension: int) -> "ListedIndex":
        index, data = cls(dimension), np.load(path)
        index.add(data[:, 0].astype(np.int64), data[:, 1:].astype(np.float32))
        return index


def test_a_vector_index_type_registered_once_is_made_and_loaded_by_its_name(scratch, tmp_path):
    scratch(VECTOR_INDEXES).register(ListedIndex.kind, ListedIndex)
    assert Settings(vector_index="listed").vector_index == "listed"

    index = new_vector_index("listed", 2)
    index.add(np.array([7, 9]), np.array([[1, 0], [0, 1]], dtype=np.float32))
    index.save(tmp_path / "v.npy")
    loaded = load_vector_index("listed", tmp_path / "v.npy", 2)
    assert loaded.search(np.array([0, 1], dtype=np.float32), 1) == [(9, 1.0)]


def test_a_manifest_naming_an_unknown_vector_index_type_is_an_unusable_index(tmp_path):
    """An index written by a newer version: the readers turn VectorIndexError into a 503 saying to rebuild."""
    (tmp_path / "v.index").write_bytes(b"x")
    with pytest.raises(VectorIndexError, match=f"unknown vector index type 'ivf'; choose one of {kinds()}"):
        load_vector_index("ivf", tmp_path / "v.index", 4)


@pytest.mark.parametrize("error, status, exit_code", [
    (IndexUnavailable, 503, 1), (ModelUnavailable, 503, 1), (VectorIndexError, 503, 1), (BuildInProgress, 409, 1),
    (BuildError, 422, 1), (UnknownChoice, 422, 2),
])
def test_each_failure_carries_the_status_and_exit_code_callers_map_it_to(error, status, exit_code):
    """One API handler and one CLI ``except`` read these; the CLI's codes are those qa/cli.py used by hand."""
    assert issubclass(error, NewsQAError) and (error.http_status, error.exit_code) == (status, exit_code)
