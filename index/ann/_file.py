"""One file per vector index: a magic line, a JSON header, numpy arrays, then optionally a FAISS index.

The FAISS index is streamed to and from the file (no second in-memory copy of a large index while
loading). Any damage — wrong magic, a cut header, short arrays, an unreadable FAISS part — is a
``VectorIndexError`` naming the file.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import faiss
import numpy as np

from index.ann.base import VectorIndexError

MAGIC = b"NEWSQA-ANN 1\n"


def write(path: Path, header: dict, arrays: dict[str, np.ndarray], index: faiss.Index | None) -> None:
    arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    header = {**header, "arrays": [[name, a.dtype.str, list(a.shape)] for name, a in arrays.items()],
              "faiss": index is not None}
    blob = json.dumps(header, sort_keys=True).encode("utf-8")
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<Q", len(blob)) + blob)
        for a in arrays.values():
            f.write(a.tobytes())
        if index is not None:
            faiss.write_index(index, faiss.PyCallbackIOWriter(f.write))


def read(path: Path, kind: str) -> tuple[dict, dict[str, np.ndarray], faiss.Index | None]:
    header, arrays, index, _ = read_parts(path, kind)
    return header, arrays, index


def read_parts(path: Path, kind: str) -> tuple[dict, dict[str, np.ndarray], faiss.Index | None, int]:
    """``read``, plus the offset where the FAISS part ended: a kind may keep more data after it."""
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a vector index file of this project")
            size = struct.unpack("<Q", _exactly(f, 8))[0]
            if size > 1 << 20:
                raise ValueError("header too large")
            header = json.loads(_exactly(f, size).decode("utf-8"))
            if header.get("kind") != kind:
                raise ValueError(f"it holds a {header.get('kind')!r} index, not {kind!r}")
            arrays = {}
            for name, dtype, shape in header["arrays"]:
                dt = np.dtype(dtype)
                count = int(np.prod(shape))
                arrays[name] = np.frombuffer(_exactly(f, count * dt.itemsize), dtype=dt).reshape(shape).copy()
            index = faiss.read_index(faiss.PyCallbackIOReader(_reader(f))) if header["faiss"] else None
            end = f.tell()
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, struct.error) as exc:
        raise VectorIndexError(f"{path} is missing or corrupt ({_first_line(exc)})") from None
    return header, arrays, index, end


def _exactly(f, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ValueError("file is truncated")
    return data


def _reader(f):
    def read(n: int) -> bytes:
        return f.read(n)
    return read


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
