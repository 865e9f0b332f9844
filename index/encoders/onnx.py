"""The sentence-transformers model run through ONNX Runtime, int8 dynamic quantisation, exported locally.

On first use the transformer is exported from the installed model files with ``torch.onnx.export``
(no network), quantised with ONNX Runtime's dynamic int8 quantiser, checked against the PyTorch
model, and cached under ``<cache_dir>/encoders/<recipe>-<key>/model.onnx``. The key hashes the source
model's files and the export recipe, so a changed model or recipe exports anew; the encoder's
identity carries the same key, so an index built by one export is never served by another.

Tokenising (the model's fast tokenizer), mean pooling and normalising happen here in NumPy, the way
sentence-transformers does them. ``openvino.py`` reuses all of it with another runtime.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.encoders.base import ENCODERS, EncoderOptions, ModelUnavailable
from index.encoders.spans import Span, leading_space, pool_spans

log = logging.getLogger(__name__)

#: Everything about the export that changes the vectors. Bump "version" when the code below changes them.
EXPORT = {"version": 1, "exporter": "torch.onnx.export/torchscript", "opset": 17, "attention": "eager",
          "output": "last_hidden_state"}
#: Dynamic int8 (activations quantised per batch at run time, weights per output channel) for every
#: MatMul with a weight, except the feed-forward down-projections: their inputs (after GELU) have
#: outliers that cost about 0.005 cosine when quantised (SQuAD paragraphs: min cosine to torch 0.989
#: with them, 0.995 without them; about 15% less throughput).
INT8 = {"weights": "int8-per-channel", "activations": "uint8-dynamic", "ops": ["MatMul"], "fp32": ["ffn-down"]}

#: Exports whose vectors are further than this from PyTorch's (min cosine on probe texts) are refused.
MIN_EXPORT_COSINE = {"int8": 0.98, "fp32": 0.999}
PROBES = ["Putin met Witkoff in Moscow.",
          "How long did the Moscow meeting with Putin last?",
          "The talks at the Kremlin lasted nearly five hours, and both sides described them as useful, "
          "though no agreement on the peace plan was announced afterwards by either delegation."]


def available_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# --- the model folder -----------------------------------------------------------------------------

class ModelFiles:
    """Where a sentence-transformers folder keeps its transformer, tokenizer and pooling settings."""

    def __init__(self, location: str) -> None:
        root = Path(location)
        if not root.is_dir():
            raise ModelUnavailable(f"the ONNX/OpenVINO backends need a local model folder; {location!r} is not one "
                                   "(use NEWSQA_ENCODER_BACKEND=torch for a model name in the Hugging Face cache)")
        self.root = root
        modules = _read_json(root / "modules.json") or []
        kinds = {m.get("type", "").rsplit(".", 1)[-1]: root / m.get("path", "") for m in modules}
        self.transformer = kinds.get("Transformer", root)
        pooling = _read_json(kinds.get("Pooling", root / "1_Pooling") / "config.json") or {}
        if pooling and not pooling.get("pooling_mode_mean_tokens"):
            modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
            raise ModelUnavailable(f"{location} pools with {modes}; the ONNX/OpenVINO backends do mean pooling only "
                                   "(use NEWSQA_ENCODER_BACKEND=torch)")
        self.config = _read_json(self.transformer / "config.json")
        if self.config is None:
            raise ModelUnavailable(f"{self.transformer} has no config.json: not a transformer model folder")
        self.tokenizer = self.transformer / "tokenizer.json"
        if not self.tokenizer.exists():
            raise ModelUnavailable(f"{self.transformer} has no tokenizer.json (a fast tokenizer), which the "
                                   "ONNX/OpenVINO backends need; use NEWSQA_ENCODER_BACKEND=torch")
        st_config = _read_json(root / "sentence_bert_config.json") or _read_json(
            self.transformer / "sentence_bert_config.json") or {}
        window = int(self.config.get("max_position_embeddings", 512))
        self.max_seq_tokens = min(int(st_config.get("max_seq_length") or window), window)
        self.dimension = int(self.config["hidden_size"])
        self.uses_token_types = int(self.config.get("type_vocab_size", 0) or 0) > 0

    def fingerprint(self) -> str:
        """A hash of the files that make the vectors: configs, tokenizer and weights (not READMEs or other exports)."""
        files = set()
        for folder in {self.root, self.transformer, self.root / "1_Pooling"}:
            if folder.is_dir():
                files.update(p for p in folder.iterdir() if p.is_file() and (
                    p.suffix in (".json", ".txt", ".model", ".safetensors") or p.name == "pytorch_model.bin"))
        digest = hashlib.sha256()
        for path in sorted(files):
            digest.update(path.relative_to(self.root).as_posix().encode() + b"\0")
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- export and cache ---------------------------------------------------------------------------

def exported_model(files: ModelFiles, cache_dir: Path, precision: str,
                   check: Callable[[Path], Callable[[dict], np.ndarray]]) -> tuple[Path, str]:
    """The cached ONNX file for this model and recipe, exported on first use; and the cache key.

    ``check(path)`` loads a candidate file in the caller's runtime and returns a function
    (feed -> last hidden state) used to compare it with PyTorch before it is published.
    Concurrent first uses are serialised by a file lock where the OS has one; in any case the
    file appears under its final name only complete (written to a temporary name, then renamed).
    """
    recipe = {"export": EXPORT, "quantize": INT8 if precision == "int8" else None}
    key = hashlib.sha256(json.dumps({"source": files.fingerprint(), "recipe": recipe},
                                    sort_keys=True).encode()).hexdigest()
    folder = Path(cache_dir) / "encoders" / f"onnx-{precision}-{key[:16]}"
    target = folder / "model.onnx"
    if target.exists():
        return target, key
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelUnavailable(f"cannot create the encoder cache folder {folder}: {exc}") from exc
    with _exclusive(folder / ".lock"):
        if target.exists():  # another process exported it while we waited
            return target, key
        for stale in folder.glob(".export-*"):  # left by a killed exporter; nobody else holds the lock
            shutil.rmtree(stale, ignore_errors=True)
        log.info("exporting %s to ONNX (%s) under %s; this happens once", files.root, precision, folder)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as tmp:
            try:
                reference = _export(files, Path(tmp) / "fp32.onnx")
                final = Path(tmp) / "fp32.onnx"
                if precision == "int8":
                    final = _quantize(files, final, Path(tmp) / "int8.onnx")
                run = check(final)
                cosine = min(_cosine(_pool(run(feed), feed["attention_mask"]), want) for feed, want in reference)
            except ModelUnavailable:
                raise
            except Exception as exc:  # torch/onnx raise many kinds; one clear message
                raise ModelUnavailable(f"could not export {files.root} to ONNX ({precision}): "
                                       f"{type(exc).__name__}: {exc}") from exc
            if cosine < MIN_EXPORT_COSINE[precision]:
                raise ModelUnavailable(f"the ONNX export of {files.root} ({precision}) gives vectors too far from "
                                       f"PyTorch's (min cosine {cosine:.4f}); use NEWSQA_ENCODER_BACKEND=torch")
            meta = {"source": str(files.root), "key": key, "recipe": recipe, "min_cosine_to_torch": round(cosine, 5),
                    "sha256": _sha256(final), "versions": _versions()}
            (Path(tmp) / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
            os.replace(Path(tmp) / "meta.json", folder / "meta.json")
            os.replace(final, target)  # last: its presence means the export is complete
        log.info("exported %s (%s, min cosine to torch %.4f)", target, precision, cosine)
    return target, key


@contextlib.contextmanager
def _exclusive(path: Path):
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the rename still keeps the cached file whole
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _export(files: ModelFiles, path: Path) -> list[tuple[dict, np.ndarray]]:
    """Export the transformer (ids, mask[, token types] -> last hidden state); return probe feeds
    with PyTorch's mean-pooled, normalised vectors for them."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar is noise in a build's output
    model = AutoModel.from_pretrained(str(files.transformer), local_files_only=True,
                                      attn_implementation=EXPORT["attention"]).eval()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if files.uses_token_types else [])

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    tokenizer = make_tokenizer(files, truncate=True, pad=True)
    feeds = [_feed(tokenizer.encode_batch(PROBES), names), _feed(tokenizer.encode_batch(PROBES[:1]), names)]
    wrapped = Hidden(model)
    with torch.inference_mode():
        reference = [(feed, _pool(wrapped(*(torch.from_numpy(feed[n]) for n in names)).numpy(),
                                  feed["attention_mask"])) for feed in feeds]
    with warnings.catch_warnings():  # the TorchScript exporter's deprecation and tracer notes are noise here
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, tuple(torch.from_numpy(feeds[0][n]) for n in names), str(path),
                          input_names=names, output_names=["last_hidden_state"], opset_version=EXPORT["opset"],
                          dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
                          do_constant_folding=True, dynamo=False)
    return reference


def _quantize(files: ModelFiles, source: Path, target: Path) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    weights = {t.name: tuple(t.dims) for t in graph.initializer}
    down = (int(files.config.get("intermediate_size", 0)), files.dimension)
    skip = [node.name for node in graph.node if node.op_type == "MatMul" and (
        not any(i in weights for i in node.input)  # activation x activation (attention scores)
        or any(weights.get(i) == down for i in node.input))]  # feed-forward down-projection
    with warnings.catch_warnings(), _quiet_root_logger():  # its "consider pre-processing" advice is for CNNs
        warnings.simplefilter("ignore")
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=INT8["ops"], nodes_to_exclude=skip,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return target


@contextlib.contextmanager
def _quiet_root_logger():
    """ONNX Runtime's quantiser logs advice through the root logger; keep it out of the user's output."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "transformers", "onnx", "onnxruntime", "openvino"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


# --- tokenising and pooling -----------------------------------------------------------------------

def make_tokenizer(files: ModelFiles, truncate: bool, pad: bool = False):
    """The model's fast tokenizer, truncating to the window or not, padding to the batch's longest or not.

    Set both explicitly: tokenizer.json may carry other settings (MiniLM's: truncate and pad to 128).
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(files.tokenizer))
    if truncate:
        tokenizer.enable_truncation(max_length=files.max_seq_tokens)
    else:
        tokenizer.no_truncation()
    if pad:
        token = (_read_json(files.transformer / "tokenizer_config.json") or {}).get("pad_token") or "[PAD]"
        token = token.get("content", "[PAD]") if isinstance(token, dict) else token
        pad_id = tokenizer.token_to_id(token)
        tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=token)
    else:
        tokenizer.no_padding()
    return tokenizer


def _feed(encodings, names: Sequence[str]) -> dict[str, np.ndarray]:
    feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64)}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
    return feed


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the real tokens, then unit length (sentence-transformers' Pooling + Normalize)."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    vectors = summed / np.maximum(weights.sum(axis=1), 1e-9)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


# --- the encoders -------------------------------------------------------------------------------

class ExportedEncoder:
    """Tokenise, run an exported transformer, pool: the part shared by the ONNX Runtime and OpenVINO encoders."""

    backend = "exported"
    precision = "fp32"
    #: False: each text runs alone (no padding). For dynamically quantised models this keeps a text's vector
    #: independent of its batch-mates (activation scales are per tensor, i.e. per run).
    pad_batches = True
    #: Whether separate runs of one batch may go to single-threaded runtimes in parallel.
    parallel_runs = False

    def __init__(self, location: str, model_id: str, batch_size: int = 8, device: str = "cpu",
                 cache_dir: Path | str = "var/cache") -> None:
        self.files = ModelFiles(location)
        self.batch_size = batch_size
        self.dimension = self.files.dimension
        self.max_seq_tokens = self.files.max_seq_tokens
        self._tokenizer = make_tokenizer(self.files, truncate=True, pad=self.pad_batches)
        self._counter = make_tokenizer(self.files, truncate=False)
        self.path, key = exported_model(self.files, Path(cache_dir), self.precision, self._runner)
        self._run = self._runner(self.path, device)
        # Runs of one text each go to one single-threaded runtime per core, side by side: on 2 cores
        # that encoded SQuAD chunks 1.37x faster than one runtime using both cores for each text.
        # They are loaded at the first batch, so a service that only encodes questions never loads them.
        self._device = device
        self._parallel = self.parallel_runs and available_threads() > 1 and device == "cpu"
        self._workers: list[Callable[[dict], np.ndarray]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._names = self._input_names()
        # Runs are serialised: one run already uses every core, and a question must wait for one
        # batch of a running build only (the lock is taken per batch; tokenising happens outside it).
        self._lock = threading.Lock()
        self.identity = f"{model_id}|{self.backend}-{self.precision}:{key[:12]}"
        log.info("loaded embedding model %s (%d dimensions, %s, %s)", model_id, self.dimension, self.identity,
                 self.path)

    # Subclasses: load a file in their runtime (``threads``: default all cores); return feed -> last hidden state.
    def _runner(self, path: Path, device: str = "cpu", threads: int | None = None) -> Callable[[dict], np.ndarray]:
        raise NotImplementedError

    def _run_all(self, feeds: list[dict]) -> list[np.ndarray]:
        """Called with the lock held."""
        if not self._parallel or len(feeds) < 2:
            return [self._run(feed) for feed in feeds]
        if self._pool is None:
            self._workers = [self._runner(self.path, self._device, threads=1) for _ in range(available_threads())]
            self._pool = ThreadPoolExecutor(len(self._workers), thread_name_prefix="encoder")
        n = len(self._workers)
        shares = [list(range(i, len(feeds), n)) for i in range(n)]  # interleaved: texts come longest first

        def run_share(worker: int) -> list[np.ndarray]:
            return [self._workers[worker](feeds[i]) for i in shares[worker]]

        out: list[np.ndarray] = [None] * len(feeds)  # type: ignore[list-item]
        for worker, results in enumerate(self._pool.map(run_share, range(n))):
            for i, hidden in zip(shares[worker], results):
                out[i] = hidden
        return out

    def _input_names(self) -> list[str]:
        return ["input_ids", "attention_mask"] + (["token_type_ids"] if self.files.uses_token_types else [])

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Longest first in batches of similar length (little padding), results in input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, hidden, feed, _ in self._passes(texts):
            out[rows] = _pool(hidden, feed["attention_mask"])
        return out

    def encode_spans(self, texts: Sequence[str],
                     spans: Sequence[Sequence[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        for rows, hidden, feed, encodings in self._passes(texts):
            out[rows] = _pool(hidden, feed["attention_mask"])
            for row, states, encoding in zip(rows, hidden, encodings):
                pooled[row] = pool_spans(states[:len(encoding.ids)], np.asarray(encoding.offsets).reshape(-1, 2),
                                         spans[row], leading_space(texts[row]))
        return out, pooled

    def _passes(self, texts: Sequence[str]):
        """(rows, last hidden states, feed, encodings) per run, longest texts first."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for at in range(0, len(order), self.batch_size):
            rows = order[at:at + self.batch_size]
            # sentence-transformers strips each text before tokenising; so do we, for the same vectors
            encodings = self._tokenizer.encode_batch([texts[i].strip() for i in rows])
            groups = [(rows, encodings)] if self.pad_batches else [([r], [e]) for r, e in zip(rows, encodings)]
            feeds = [_feed(group, self._names) for _, group in groups]
            with self._lock:
                hidden = self._run_all(feeds)
            for (group_rows, group), states, feed in zip(groups, hidden, feeds):
                yield group_rows, states, feed, group


class OnnxEncoder(ExportedEncoder):
    """ONNX Runtime on the CPU (or CUDA when asked for and available), int8 weights, one text per run.

    One text per run: dynamic quantisation scales activations per run, so in a padded batch a text's
    vector would depend on its batch-mates (up to 0.016 per component); alone it depends on the text
    only. Without padding this is no slower on CPU (SQuAD texts sorted by length: 1 per run 5-15% faster
    than 8 per run).
    """

    backend = "onnx"
    precision = "int8"
    pad_batches = False
    parallel_runs = True

    def _runner(self, path: Path, device: str = "cpu", threads: int | None = None) -> Callable[[dict], np.ndarray]:
        try:
            import onnxruntime as ort
        except ImportError:
            raise ModelUnavailable("the onnx encoder backend needs ONNX Runtime: pip install onnxruntime onnx "
                                   "(or set NEWSQA_ENCODER_BACKEND=torch)") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or available_threads()
        options.inter_op_num_threads = 1
        # No busy-waiting between runs: the cores are shared with sentence splitting and the service.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        providers: list = ["CPUExecutionProvider"]
        if device.startswith("cuda"):
            if "CUDAExecutionProvider" in ort.get_available_providers():
                index = int(device.split(":")[1]) if ":" in device else 0
                providers.insert(0, ("CUDAExecutionProvider", {"device_id": index}))
            else:
                log.warning("device %s asked for, but this ONNX Runtime has no CUDA provider; running on the CPU",
                            device)
        try:
            session = ort.InferenceSession(str(path), options, providers=providers)
        except Exception as exc:
            raise ModelUnavailable(f"ONNX Runtime could not load {path}: {exc}; delete the folder to export "
                                   "it again") from exc
        names = [i.name for i in session.get_inputs()]
        return lambda feed: session.run(None, {n: feed[n] for n in names})[0]


@ENCODERS.register("onnx")
def make_onnx_encoder(location: str, model_id: str, options: EncoderOptions) -> OnnxEncoder:
    return OnnxEncoder(location, model_id, options.batch_size, options.device, options.cache_dir)
