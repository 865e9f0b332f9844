"""sentence-transformers on PyTorch: the reference encoder, loaded from local files only."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

from index.encoders.base import ENCODERS, EncoderOptions, ModelUnavailable
from index.encoders.spans import Span, leading_space, pool_spans

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
        self._offsets = _private_counter(self.model.tokenizer, truncate_at=self.max_seq_tokens)
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

    def encode_spans(self, texts: Sequence[str],
                     spans: Sequence[Sequence[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        if self._offsets is None:  # a slow tokenizer has no offsets: embed the spans on their own
            return self.encode(texts), [self.encode([t[a:b] for a, b in s]) for t, s in zip(texts, spans)]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for at in range(0, len(order), self.batch_size):
            rows = order[at:at + self.batch_size]
            with self._lock:
                tokens = self.model.encode([texts[i] for i in rows], batch_size=self.batch_size,
                                           output_value="token_embeddings", convert_to_numpy=False,
                                           show_progress_bar=False)
            encodings = self._offsets.encode_batch([texts[i].strip() for i in rows])
            for row, states, encoding in zip(rows, tokens, encodings):
                states = states.float().cpu().numpy()
                mean = states.mean(axis=0)  # what the model's mean pooling computes over the real tokens
                out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
                if len(encoding.ids) != len(states):  # tokenised differently: never pool the wrong tokens
                    pooled[row] = self.encode([texts[row][a:b] for a, b in spans[row]])
                    continue
                pooled[row] = pool_spans(states, np.asarray(encoding.offsets).reshape(-1, 2), spans[row],
                                         leading_space(texts[row]))
        return out, pooled


@ENCODERS.register("torch")
def make_torch_encoder(location: str, model_id: str, options: EncoderOptions) -> TorchEncoder:
    return TorchEncoder(location, model_id, options.batch_size, options.device)


def _private_counter(tokenizer, truncate_at: int | None = None):
    """A copy of the fast tokenizer (encode() toggles truncation on the shared one): no truncation for
    counting, or the model's for reading token offsets."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    counter = Tokenizer.from_str(backend.to_str())
    if truncate_at is None:
        counter.no_truncation()
    else:
        counter.enable_truncation(max_length=truncate_at)
    counter.no_padding()
    return counter
