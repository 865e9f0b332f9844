"""sentence-transformers on PyTorch: the reference encoder, loaded from local files only."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from index.encoders.base import ModelUnavailable

log = logging.getLogger(__name__)


class TorchEncoder:
    """A ``SentenceTransformer`` with serialised encode calls and a private token counter."""

    backend = "torch"

    def __init__(self, location: str, model_id: str, batch_size: int = 8, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise
        try:
            self.model = SentenceTransformer(location, device=device)
        except Exception as exc:  # the library raises many kinds; one clear message for the user
            raise ModelUnavailable(
                f"could not load embedding model {model_id!r} from {location!r} without a network: {exc}"
            ) from exc
        self.batch_size = batch_size
        self.identity = f"{model_id}|{self.backend}"
        self.dimension = int(self.model.get_embedding_dimension()
                             if hasattr(self.model, "get_embedding_dimension")
                             else self.model.get_sentence_embedding_dimension())
        self.max_seq_tokens = int(self.model.max_seq_length)
        self._counter = _private_counter(self.model.tokenizer)
        # The fast tokenizer mutates its truncation/padding state on every call and raises
        # "Already borrowed" when two threads encode at once; the CPU is saturated by one
        # encode anyway, so calls are serialised.
        self._lock = threading.Lock()
        log.info("loaded embedding model %s (%d dimensions, %s)", model_id, self.dimension, self.backend)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self._counter is not None:
            return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Longest first in batches of similar length (little padding); the lock is held per batch,
        so a question's encode waits for one batch of a running build, not for all of it."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for at in range(0, len(order), self.batch_size):
            rows = order[at:at + self.batch_size]
            with self._lock:
                vectors = self.model.encode([texts[i] for i in rows], batch_size=self.batch_size,
                                            normalize_embeddings=True, convert_to_numpy=True,
                                            show_progress_bar=False)
            out[rows] = vectors
        return out


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
