"""Keyword top-k in tantivy, beside FTS5.

FTS5 scores every chunk that holds any query term, so a question made of common news words costs
O(their posting lists): 186 ms p50 at 600,000 chunks. tantivy skips blocks of postings that cannot
reach the top k (block-max WAND): 1.8 ms there, with the same SQuAD recall as FTS5 when fed FTS5's
own tokens (``scripts/bench_keyword.py``; README "Scale and speed"). A filtered query reads a deeper
unfiltered list and keeps the filter's ids (``search_within``); FTS5 stays the store's keyword index for
term statistics and for filters too selective for that (a join to the articles' metadata).

One document per chunk: its id (a fast field) and its title and text as FTS5's tokenizer keeps them
(``index.keywords.document_stems``), split on whitespace, so a query's ``stems`` match exactly what
FTS5 would match. tantivy keeps its own segments and deletes, so an incremental build writes only
what changed. Its commit comes just before the database commit that publishes a generation; a reader
opens it after its database snapshot, and ignores ids at or past its generation's ``next_chunk``
(chunks of a build not yet published, or of one that died, whose ids the next build re-deletes).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import tantivy

from index.keywords import document_stems
from index.stores.base import IndexUnavailable

KEYWORDS = "keywords"  # the folder, inside a version folder
HEAP_BYTES = 64_000_000
MIN_SHARE = 0.02  # a filter keeping less of the archive than this is answered by FTS5 (a join over its matches)
MAX_DEPTH = 10_000  # the deepest unfiltered list a filtered query reads before leaving it to FTS5


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=False, indexed=True, fast=True)
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def exists(folder: Path) -> bool:
    return (folder / KEYWORDS / "meta.json").exists()


class KeywordWriter:
    """Adds and deletes chunks; nothing is visible until ``commit``.

    A folder without a keyword index (written before it existed) gets one built aside, in
    ``keywords.new``, and renamed into place at ``commit``: a build that dies leaves no half index.
    """

    def __init__(self, folder: Path) -> None:
        self._final = folder / KEYWORDS
        self._aside = None if exists(folder) else folder / f"{KEYWORDS}.new"
        path = self._aside or self._final
        if self._aside is not None:
            shutil.rmtree(self._aside, ignore_errors=True)
        path.mkdir(exist_ok=True)
        schema = _schema()
        self._index = tantivy.Index(schema, path=str(path))
        self._schema = schema
        self._writer = self._index.writer(heap_size=HEAP_BYTES, num_threads=1)

    def add(self, ids: Iterable[int], title: str, texts: Iterable[str]) -> None:
        for chunk_id, text in zip(ids, texts):
            body = " ".join(document_stems(title + "\n" + text))
            self._writer.add_document(tantivy.Document(id=int(chunk_id), body=body))

    def delete(self, ids: Iterable[int]) -> None:
        for chunk_id in ids:
            self._writer.delete_documents_by_term("id", int(chunk_id))

    def delete_from(self, first_id: int) -> None:
        """Delete every chunk with an id >= ``first_id``: what a build that died before its commit added."""
        self._writer.delete_documents_by_query(
            tantivy.Query.range_query(self._schema, "id", tantivy.FieldType.Integer, lower_bound=first_id))

    @property
    def new(self) -> bool:
        """Whether this writer builds the folder's first keyword index."""
        return self._aside is not None

    def commit(self) -> None:
        self._writer.commit()
        self._writer.wait_merging_threads()
        self._writer = None
        if self._aside is not None:
            shutil.rmtree(self._final, ignore_errors=True)  # an empty folder a dead build may have left
            os.replace(self._aside, self._final)

    def abandon(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None
        if self._aside is not None:
            shutil.rmtree(self._aside, ignore_errors=True)


class KeywordReader:
    """A searcher pinned to the tantivy commit it opened."""

    def __init__(self, folder: Path, next_chunk: int) -> None:
        path = folder / KEYWORDS
        try:
            index = tantivy.Index.open(str(path))
            self._searcher = index.searcher()
        except (ValueError, OSError, RuntimeError) as exc:
            raise IndexUnavailable(f"{path} is missing or corrupt ({exc}); rebuild it with --full") from None
        self._schema = index.schema
        self._next_chunk = next_chunk

    def search(self, stems: list[str], k: int) -> list[tuple[int, float]]:
        if not stems or k <= 0:
            return []
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "body", stem, index_option="freq"))
            for stem in dict.fromkeys(stems)])
        hits, out = [], []
        limit = k
        while True:  # ids past this generation are rare (a build in flight): ask again only if they filled the page
            hits = self._searcher.search(query, limit, count=False).hits
            ids = self._searcher.fast_field_values("id", [address for _, address in hits])
            out = [(int(i), float(score)) for i, (score, _) in zip(ids, hits) if i < self._next_chunk]
            if len(out) >= k or len(hits) < limit:
                return out[:k]
            limit *= 4

    def search_within(self, stems: list[str], k: int, allowed: np.ndarray, total: int) -> list[tuple[int, float]] | None:
        """The top k among ``allowed`` (sorted ids), read off a deeper unfiltered top list; None when the
        filter keeps too small a share for that (the caller's SQL join is then the better plan) or the
        deeper list held fewer than k allowed chunks. Exact when it answers: an allowed chunk outside the
        deeper list scores below every one inside it."""
        if not len(allowed) or k <= 0:
            return []
        share = len(allowed) / max(total, 1)
        if share < MIN_SHARE:
            return None
        limit = min(MAX_DEPTH, int(2 * k / share) + k)
        hits = self.search(stems, limit)
        if not hits:
            return []
        ids = np.fromiter((i for i, _ in hits), dtype=np.int64, count=len(hits))
        at = np.minimum(np.searchsorted(allowed, ids), len(allowed) - 1)
        out = [hit for hit, ok in zip(hits, allowed[at] == ids) if ok][:k]
        return out if len(out) >= k or len(hits) < limit else None

    def __len__(self) -> int:
        return self._searcher.num_docs
