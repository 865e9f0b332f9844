"""Build-side configuration: one settings object, read from ``NEWSQA_*`` environment variables.

The query side extends it (``qa.settings``) so both halves agree on where the index
lives and which model made it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.ann import VECTOR_INDEXES
from index.encoders import BUNDLED_MODEL, ENCODERS
from index.entities import ENTITY_MODEL
from index.registry import UnknownChoice
from index.stores import url_schemes

PROJECT_ROOT = Path(__file__).resolve().parent.parent

URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


class IndexSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSQA_", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "seeds", description="Folder of articles to index.")
    index_dir: Path | str = Field(
        PROJECT_ROOT / "var" / "index",
        description="Where built indexes live: a folder (outside the source packages; git-ignored), or a "
                    "postgresql://user@host/db URL (the PostgreSQL store).",
    )
    model: str = Field(
        BUNDLED_MODEL,
        description="Embedding model: the bundled MiniLM, a local folder, or a sentence-transformers name "
        "already in the local cache (no downloads are attempted).",
    )
    encoder_backend: str = Field(
        "onnx", pattern=r"^[a-z0-9_-]+$",
        description="How the model runs (index.encoders.ENCODERS): onnx (int8, exported locally on first use; "
                    "1.47x torch's build throughput, SQuAD R@5/MRR@10 within 0.001 of torch), openvino (fp32) or "
                    "torch; recorded in the index, which is only served by the same backend.")
    cache_dir: Path = Field(
        PROJECT_ROOT / "var" / "cache",
        description="Derived files kept between runs (e.g. models exported for another backend); git-ignored.")
    device: str = Field("cpu", pattern=r"^(cpu|cuda(:\d+)?|mps)$",
                        description="Where the encoder runs: cpu, cuda[:n] or mps.")
    vector_index: str = Field(
        "auto", pattern=r"^[a-z0-9_-]+$",
        description="Vector index type for new builds (index.ann.VECTOR_INDEXES): auto is exact (flat) up to 20k "
                    "vectors, an HNSW graph past that and 8-bit vectors past 500k (scripts/bench_ann.py); compact "
                    "keeps 4-bit codes in memory and float16 vectors memory-mapped for exact re-scoring (a sixth of "
                    "HNSW's memory, slower on large segments: scripts/bench_compact.py); recorded in the manifest.")
    max_seq_tokens: int = Field(256, ge=32, le=8192, description="Model window, in tokens, specials included.")
    chunk_tokens: int = Field(
        256, ge=16, le=8192,
        description="Target chunk size in model tokens (title prefix included); capped at the model window.",
    )
    overlap_sentences: int = Field(1, ge=0, le=10, description="Whole sentences repeated between chunks.")
    title_in_embedding: bool = Field(True, description="Prefix the article title to the text that is embedded.")
    sentence_vectors: Literal["in_chunk", "separate"] = Field(
        "in_chunk",
        description="How sentence vectors are made: pooled from their chunk's forward pass (in_chunk: half the "
                    "encoder time, the same SQuAD recall) or by embedding every sentence again on its own.")
    batch_size: int = Field(
        8, ge=1, le=4096,
        description="Texts per encode call; small batches pad less and ran faster on CPU (scripts/bench_build.py).",
    )
    entities: bool = Field(
        False,
        description="Find the people, organisations and places each article names at build time (spaCy's entity "
                    "recogniser, `entity_model`), for the entity facets and filter and the entities listed with "
                    "answers. Off by default: it took 29% of a full build of 300 Wikinews articles with the onnx "
                    "encoder (26 ms an article; scripts/bench_entities.py), above the quarter the issue allowed. "
                    "Without spaCy or the model a build stores none; turning it on or off rebuilds in full.")
    entity_model: str = Field(
        ENTITY_MODEL,
        description="spaCy package (or folder) whose entity recogniser finds an article's people, organisations "
                    "and places (pip install 'news-qa[spans]'); a change rebuilds the index in full.")
    max_file_bytes: int = Field(10_000_000, ge=1, description="Files larger than this are skipped.")
    keep_versions: int = Field(2, ge=1, le=20, description="Built versions kept on disk (live one included).")
    pg_pool_size: int = Field(8, ge=1, le=500,
                              description="Connections per process to a PostgreSQL index (the service's pool).")
    pg_timeout: float = Field(5.0, gt=0, le=120,
                              description="Seconds to wait for a PostgreSQL connection before a request gets a 503.")

    @field_validator("corpus_dir", "index_dir", mode="before")
    @classmethod
    def _not_a_url(cls, value, info):
        if isinstance(value, str) and URL_LIKE.match(value):
            scheme = value.split("://", 1)[0]
            schemes = url_schemes()  # those of the registered stores (index.stores.STORES)
            if info.field_name == "index_dir" and scheme.lower() in schemes:
                return value  # a database: kept as the URL it is (a Path would fold its "//")
            if info.field_name == "index_dir":
                supported = ", ".join(f"{s}://" for s in schemes)
                raise ValueError(f"{scheme}:// locations are not supported (URL schemes supported: {supported}); "
                                 "give a folder path or a postgresql:// URL")
            raise ValueError(f"{scheme}:// locations are not supported; give a folder path")
        return value

    @field_validator("encoder_backend", "vector_index")
    @classmethod
    def _registered(cls, value: str, info) -> str:
        """A name no module registered is refused with the settings, before a model loads or a build starts."""
        try:
            (ENCODERS if info.field_name == "encoder_backend" else VECTOR_INDEXES).get(value)
        except UnknownChoice as exc:
            raise ValueError(str(exc)) from None  # pydantic reports ValueErrors as the setting's error
        return value

    @field_validator("corpus_dir", "index_dir", "cache_dir")
    @classmethod
    def _absolute(cls, value: Path | str) -> Path | str:
        if isinstance(value, str) and URL_LIKE.match(value):
            return value
        return Path(value).expanduser().resolve()

    def chunking_params(self, model_window: int | None = None) -> dict:
        """What changes chunk boundaries or embedded text: a change here forces a full rebuild.

        The window is the smaller of the configured one and the model's own (``model_window``),
        so a model with a shorter window never sees truncated chunks.
        """
        window = min(self.max_seq_tokens, model_window or self.max_seq_tokens)
        return {
            "max_seq_tokens": window,
            "chunk_tokens": min(self.chunk_tokens, window),
            "overlap_sentences": self.overlap_sentences,
            "title_in_embedding": self.title_in_embedding,
            "sentence_vectors": self.sentence_vectors,
        }
