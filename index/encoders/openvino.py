"""The sentence-transformers model run by OpenVINO in fp32, from the same locally exported ONNX file.

The export, cache, tokenising and pooling are ``onnx.py``'s; only the runtime differs. fp32 keeps the
vectors equal to PyTorch's (cosine 1.0000 on SQuAD paragraphs) while running about as fast as ONNX
Runtime's int8 on these CPUs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.encoders.base import ENCODERS, EncoderOptions, ModelUnavailable
from index.encoders.onnx import ExportedEncoder, available_threads

log = logging.getLogger(__name__)


class OpenVinoEncoder(ExportedEncoder):
    """OpenVINO on the CPU, fp32 weights and arithmetic."""

    backend = "openvino"
    precision = "fp32"

    def _runner(self, path: Path, device: str = "cpu", threads: int | None = None) -> Callable[[dict], np.ndarray]:
        try:
            import openvino as ov
        except ImportError:
            raise ModelUnavailable("the openvino encoder backend needs OpenVINO: pip install openvino onnx "
                                   "(or set NEWSQA_ENCODER_BACKEND=torch)") from None
        if device != "cpu":
            log.warning("the openvino encoder backend runs on the CPU only; ignoring device %s", device)
        core = ov.Core()
        try:
            compiled = core.compile_model(core.read_model(str(path)), "CPU", {
                "INFERENCE_NUM_THREADS": threads or available_threads(),
                "PERFORMANCE_HINT": "LATENCY",
                # fp32 arithmetic even where the CPU offers bf16 (AMX), so vectors match PyTorch's
                "INFERENCE_PRECISION_HINT": "f32",
            })
        except Exception as exc:
            raise ModelUnavailable(f"OpenVINO could not load {path}: {exc}; delete the folder to export it "
                                   "again") from exc
        request = compiled.create_infer_request()  # one request, used under the encoder's lock
        names = [port.get_any_name() for port in compiled.inputs]
        output = compiled.outputs[0]

        def run(feed: dict) -> np.ndarray:
            return request.infer({n: feed[n] for n in names})[output].copy()

        return run


@ENCODERS.register("openvino")
def make_openvino_encoder(location: str, model_id: str, options: EncoderOptions) -> OpenVinoEncoder:
    return OpenVinoEncoder(location, model_id, options.batch_size, options.device, options.cache_dir)
