"""Build or update an index from a corpus folder: parse → chunk → embed → store → publish.

Incremental by default: records are matched to the live version by corpus path and
content hash, so only new or changed articles are parsed and embedded; a changed one is stored as
a new revision beside the held ones (index/types.py ``ArticleMeta.revision``); deleted ones are
removed with every revision. An incremental build writes only what changed (the store keeps versions apart); every
build publishes atomically.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from index.chunk import Chunker
from index.dates import mentions as date_mentions
from index import entities as entity_recognition
from index.encoders import Encoder, make_encoder
from index.entities import Entity, EntityRecogniser
from index.errors import NewsQAError
from index.formats import Record, UnusableFile, parse_record, read_records, suffixes
from index.settings import IndexSettings
from index.stories import Fingerprint, fingerprint
from index.stores import IndexUnavailable, IndexWriter, Store, open_store
from index.types import FORMAT_VERSION, Article, Chunk, Filters, Manifest, Skipped

log = logging.getLogger(__name__)
ARTICLES_PER_BATCH = 32  # per encode call: the progress bar moves every few seconds even on 2 CPU cores
STAGES = ("scanned", "staged", "embedding", "written", "verified", "renamed")


class BuildError(NewsQAError, RuntimeError):
    """A build that cannot proceed (an unusable corpus, an emptied archive …); nothing was published."""

    http_status = 422
    exit_code = 1


@dataclass
class BuildReport:
    location: str
    version: str | None  # the live version after the build (None: nothing published yet)
    full: bool
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded_articles: int = 0
    embedded_chunks: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    reason_full: str | None = None
    future_dated: int = 0  # articles read in this build dated after the build date (a mistyped year, usually)
    kept_revisions: int = 0  # a full build: earlier revisions of the corpus's articles carried over from the live version
    entities: str | None = None  # the entity recogniser used (None: off, or spaCy or its model not installed)
    entity_seconds: float = 0.0  # spent finding entities (in this process or the workers)


def scan_corpus(corpus_dir: Path, max_file_bytes: int) -> tuple[list[Record], list[Skipped]]:
    """Every usable record under the folder (hidden files and unknown suffixes ignored)."""
    if not corpus_dir.is_dir():
        raise BuildError(f"corpus folder {corpus_dir} does not exist or is not a folder")
    records, skipped = [], []
    readable = suffixes()
    files = sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in readable
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )
    for path in files:
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            records.extend(read_records(path, corpus_dir, max_file_bytes))
        except UnusableFile as exc:
            skipped.append(Skipped(rel, str(exc)))
        except OSError as exc:
            skipped.append(Skipped(rel, f"could not be read ({exc.strerror or exc})"))
    return records, skipped


def corpus_fingerprint(records: Iterable[Record]) -> str:
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: r.key):
        digest.update(f"{record.key}\0{record.content_sha}\n".encode())
    return digest.hexdigest()


def build_index(
    settings: IndexSettings,
    encoder: Encoder | None = None,
    full: bool = False,
    strict: bool = False,
    progress: bool = True,
    allow_empty: bool = False,
    on_stage: Callable[[str], None] | None = None,
    workers: BatchWorkers | None = None,
) -> BuildReport:
    """Build ``settings.corpus_dir`` into a new version of the index at ``settings.index_dir`` and publish it.

    ``on_stage(name)`` is called as the build passes each of ``STAGES``; crash-safety tests use
    it to fail or be killed at a chosen point. ``workers`` (e.g. a Ray cluster, index/build_ray.py) parse,
    chunk and embed the batches; this process still scans, diffs and is the one writer.
    """
    store = open_store(settings.index_dir, settings.keep_versions)
    started = time.perf_counter()
    with store.lock():
        try:
            report = _build(store, settings, encoder, full, strict, progress, allow_empty,
                            on_stage or _no_stage, started, workers)
        except BaseException as exc:
            store.record_outcome({
                "status": "failed", "finished_at": _now(), "error": str(exc) or type(exc).__name__,
            })
            raise
        store.record_outcome({
            "status": "ok", "finished_at": _now(), "version": report.version,
            "articles": report.articles, "chunks": report.chunks, "skipped": len(report.skipped),
            "seconds": round(report.seconds, 2),
        })
        return report


def _build(store: Store, settings, encoder, full, strict, progress, allow_empty, on_stage, started,
           workers) -> BuildReport:
    records, skipped = scan_corpus(settings.corpus_dir, settings.max_file_bytes)
    on_stage("scanned")
    encoder = encoder or make_encoder(settings)
    chunking = settings.chunking_params(encoder.max_seq_tokens)
    chunker = make_chunker(encoder, chunking)
    recogniser = make_recogniser(settings)
    entities = recogniser.identity if recogniser else None

    live = store.live_version()
    reason_full = "--full requested" if full else None
    if live is not None and not full:
        reason_full = _incompatibility(store, encoder, chunking, settings.vector_index, entities)
    elif live is None:
        reason_full = "no existing index"

    report = BuildReport(location=store.location, version=live, full=reason_full is not None,
                         skipped=skipped, reason_full=reason_full, entities=entities)
    writer = store.begin(incremental=reason_full is None, dimension=encoder.dimension,
                         vector_kind=settings.vector_index)
    try:
        on_stage("staged")
        known = writer.known_articles()
        unusable = writer.known_unusable()
        current = {r.key: r for r in records}
        # Records found unusable before and unchanged since are reported again, not parsed again.
        still_unusable = {k for k, r in current.items() if unusable.get(k, ("",))[0] == r.content_sha}
        report.skipped += [Skipped(key, unusable[key][1]) for key in sorted(still_unusable)]
        gone = [key for key in known if key not in current]
        changed = [key for key, r in current.items() if key in known and known[key] != r.content_sha]
        stale_unusable = [key for key in unusable if key not in still_unusable]
        pending = [r for key, r in sorted(current.items())
                   if key in changed or (key not in known and key not in still_unusable)]
        report.removed, report.updated = len(gone), len(changed)
        report.added = len(pending) - len(changed)
        report.unchanged = len(current) - len(pending) - len(still_unusable)
        if reason_full is None and not (gone or stale_unusable or pending):
            # Nothing to do: keep the live version rather than publishing an identical copy.
            _check_strict(strict, report)
            report.articles, report.chunks, report.sentences = writer.counts()
            store.discard(writer)
            report.seconds = time.perf_counter() - started
            return report
        # A changed article is not removed: adding it stores a new revision and keeps the held ones
        # (text and chunks as they were), so citations of them stay valid. A deleted file removes the
        # article with every revision.
        writer.remove(gone + stale_unusable)
        keep_from: dict[str, date] = {}
        if reason_full is not None and live is not None:
            # A full build starts empty: the live version's earlier revisions are embedded again and added
            # first, oldest first, with their own dates, so citations of them stay valid across it.
            kept, keep_from = _kept_revisions(store, live, current, report)
            in_chunk = chunking["sentence_vectors"] == "in_chunk"
            for i in range(0, len(kept), ARTICLES_PER_BATCH):
                _write_batch(embed_batch(kept[i:i + ARTICLES_PER_BATCH], chunker, encoder, in_chunk, recogniser),
                             writer, report)
            report.kept_revisions = len(kept)

        bar = tqdm(total=len(pending), unit="article", desc="Embedding", disable=not progress, mininterval=0.5)
        batches = [pending[i:i + ARTICLES_PER_BATCH] for i in range(0, len(pending), ARTICLES_PER_BATCH)]
        if workers is None:
            in_chunk = chunking["sentence_vectors"] == "in_chunk"
            embedded = (embed_batch(batch, chunker, encoder, in_chunk, recogniser) for batch in batches)
        else:  # other processes or machines embed; this one still writes, in the same order
            embedded = workers.map(BatchJob(settings, chunking, encoder.identity, entities), batches)
        for batch, result in zip(batches, embedded):
            # A changed article whose new text is unusable is removed (every revision), as before revisions.
            writer.remove([key for key, _, _ in result.unusable if key in known])
            _write_batch(result, writer, report, keep_from)
            on_stage("embedding")
            bar.update(len(batch))
        bar.close()

        report.articles, report.chunks, report.sentences = writer.counts()
        _check_strict(strict, report)
        if report.articles == 0 and not allow_empty:
            raise BuildError(f"no usable articles in {settings.corpus_dir}; the live index was left as it was "
                             "(pass --allow-empty to publish an empty index, e.g. after deleting every article)")
        report.seconds = time.perf_counter() - started
        unusable = {s.path for s in report.skipped}
        manifest = Manifest(
            format_version=FORMAT_VERSION, model=settings.model, encoder=encoder.identity,
            dimension=encoder.dimension, vector_index=settings.vector_index,
            chunking=chunking, articles=report.articles, chunks=report.chunks, sentences=report.sentences,
            corpus_dir=str(settings.corpus_dir),
            corpus_fingerprint=corpus_fingerprint(r for r in records if r.key not in unusable),
            built_at=_now(), build_seconds=round(report.seconds, 3), skipped=len(report.skipped),
            entities=entities,
        )
        report.version = store.publish(writer, manifest, on_stage)
    except BaseException:
        store.discard(writer)
        raise
    return report


def _kept_revisions(store: Store, live: str, current: dict[str, Record],
                    report: BuildReport) -> tuple[list[Article], dict[str, date]]:
    """What a full build keeps of the live version's history: every revision of an article still in the
    corpus but its latest when the corpus holds that text unchanged (it is built again from the corpus),
    oldest first; and the valid_from of such unchanged latest revisions, by corpus key. An article gone
    from the corpus is not kept. Empty when the live version cannot be read (another index format)."""
    try:
        reader = store.open(live)
    except IndexUnavailable as exc:
        report.warnings.append(("", f"earlier revisions were not kept: the live index could not be read ({exc})"))
        return [], {}
    try:
        latest: dict[str, Article] = {}
        ids = [int(i) for i in reader.filtered_chunk_ids(Filters())]  # each article's latest revision
        for i in range(0, len(ids), 2000):
            latest.update((c.article.path, c.article) for c in reader.chunks(ids[i:i + 2000]))
        kept, keep_from = [], {}
        for key, meta in sorted(latest.items()):
            record = current.get(key)
            if record is None:
                continue
            older = meta.revision
            if record.content_sha == meta.content_sha:
                keep_from[key] = meta.valid_from
                older -= 1
            for revision in range(1, older + 1):
                article = reader.article(meta.article_id, revision)
                if article is not None:
                    article.valid_to = None
                    kept.append(article)
        return kept, keep_from
    finally:
        reader.close()


def _check_strict(strict: bool, report: BuildReport) -> None:
    if strict and report.skipped:
        listed = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5])
        raise BuildError(f"--strict: {len(report.skipped)} file(s) could not be used ({listed})")


@dataclass
class EmbeddedBatch:
    """One batch parsed, chunked and embedded, ready to write: what a worker sends back to the writer."""

    articles: list[tuple[Article, list[Chunk], np.ndarray, list[tuple[int, int, int]], np.ndarray, Fingerprint]]
    unusable: list[tuple[str, str, str]] = field(default_factory=list)  # (key, content hash, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    future_dated: int = 0  # articles dated after the build date
    date_mentions: list[list] = field(default_factory=list)  # per article, as ``articles``
    entities: list[list[Entity]] = field(default_factory=list)  # per article, as ``articles`` (empty: none found)
    entity_seconds: float = 0.0


@dataclass(frozen=True)
class BatchJob:
    """What a worker needs to embed batches exactly as this build would: its own encoder and chunker,
    made from the same settings, checked to be the encoder the driver has."""

    settings: IndexSettings
    chunking: dict
    encoder_identity: str
    entities: str | None = None  # the build's entity recogniser (None: off)

    def embedder(self) -> Callable[[list[Record]], EmbeddedBatch]:
        encoder = make_encoder(self.settings)
        if encoder.identity != self.encoder_identity:
            raise BuildError(f"a worker's encoder is {encoder.identity!r}, the build's is {self.encoder_identity!r}: "
                             "install the same news-qa and model package on every worker")
        recogniser = make_recogniser(self.settings) if self.entities else None
        if (recogniser.identity if recogniser else None) != self.entities:
            raise BuildError(f"a worker's entity recogniser is {recogniser.identity if recogniser else None!r}, the "
                             f"build's is {self.entities!r}: install the same spaCy model on every worker")
        chunker = make_chunker(encoder, self.chunking)
        in_chunk = self.chunking["sentence_vectors"] == "in_chunk"
        return lambda records: embed_batch(records, chunker, encoder, in_chunk, recogniser)


class BatchWorkers(Protocol):
    """Runs ``job`` over batches elsewhere (index/build_ray.py) and yields the results in the batches' order."""

    def map(self, job: BatchJob, batches: list[list[Record]]) -> Iterator[EmbeddedBatch]: ...


def make_chunker(encoder: Encoder, chunking: dict) -> Chunker:
    return Chunker(encoder.count_tokens, chunking["chunk_tokens"], chunking["max_seq_tokens"],
                   chunking["overlap_sentences"], chunking["title_in_embedding"])


def make_recogniser(settings: IndexSettings) -> EntityRecogniser | None:
    """The entity recogniser a build uses: None when ``settings.entities`` is off or spaCy or its model is not
    installed (the build then stores no entities)."""
    return entity_recognition.load_recogniser(settings.entity_model) if settings.entities else None


def embed_batch(records: list[Record | Article], chunker: Chunker, encoder: Encoder, in_chunk: bool,
                recogniser: EntityRecogniser | None = None) -> EmbeddedBatch:
    """Parse, chunk and embed ``records`` (the CPU-heavy part of a build; writes nothing); an ``Article``
    among them (a revision a full build keeps) is chunked and embedded as it is."""
    parsed, out = [], EmbeddedBatch(articles=[])
    for record in records:
        if isinstance(record, Article):  # a revision a full build keeps (_kept_revisions): read before
            chunks = chunker.chunk(record)
            if chunks:
                parsed.append((record, chunks))
            continue
        try:
            article = parse_record(record)
        except UnusableFile as exc:
            out.unusable.append((record.key, record.content_sha, str(exc)))
            continue
        out.future_dated += _warn_future_dates(article)
        out.warnings.extend((record.key, w) for w in article.warnings)
        chunks = chunker.chunk(article)
        if not chunks:
            out.unusable.append((record.key, record.content_sha, "no sentences found in the body"))
            continue
        parsed.append((article, chunks))
    sentences = [distinct_sentences(chunks) for _, chunks in parsed]
    if in_chunk:
        chunk_vectors, sentence_vectors = _pooled_sentence_vectors(parsed, sentences, chunker, encoder)
    else:
        chunk_vectors, sentence_vectors = _separate_sentence_vectors(parsed, sentences, chunker, encoder)
    out.chunks = len(chunk_vectors)
    chunk_at, sentence_at = 0, 0
    for (article, chunks), spans in zip(parsed, sentences):
        out.articles.append((article, chunks, chunk_vectors[chunk_at:chunk_at + len(chunks)],
                             spans, sentence_vectors[sentence_at:sentence_at + len(spans)], fingerprint(article.body)))
        out.date_mentions.append(date_mentions(article.body, article.published_date or article.updated_date))
        chunk_at += len(chunks)
        sentence_at += len(spans)
    if recogniser is not None:
        started = time.perf_counter()
        out.entities = recogniser.find([article.body for article, _ in parsed])
        out.entity_seconds = time.perf_counter() - started
    return out


def _write_batch(batch: EmbeddedBatch, writer: IndexWriter, report: BuildReport,
                 keep_from: dict[str, date] | None = None) -> None:
    for key, content_sha, reason in batch.unusable:
        report.skipped.append(Skipped(key, reason))
        writer.mark_unusable(key, content_sha, reason)
    report.warnings.extend(batch.warnings)
    report.future_dated += batch.future_dated
    found = batch.entities or [[] for _ in batch.articles]
    for item, mentions, entities in zip(batch.articles, batch.date_mentions, found, strict=True):
        if keep_from and item[0].path in keep_from:  # the text a full build finds unchanged keeps its date
            item[0].valid_from = keep_from[item[0].path]
        writer.add(*item)
        writer.add_date_mentions(item[0].article_id, mentions)
        if entities:
            writer.add_entities(item[0].article_id, entities)
    report.entity_seconds += batch.entity_seconds
    report.embedded_articles += len(batch.articles)
    report.embedded_chunks += batch.chunks


def _warn_future_dates(article) -> int:
    """1 when the article is dated after the build date (and says so among its warnings), else 0: as-of
    answers never quote it before that date, so a mistyped year hides it silently."""
    today = datetime.now(timezone.utc).date()
    late = [(name, value) for name, value in (("Published_Date", article.published_date),
                                              ("Updated_Date", article.updated_date)) if value and value > today]
    article.warnings += [f"{name} {value} is after the build date: no answer as of an earlier date quotes this "
                         "article; check the year" for name, value in late]
    return 1 if late else 0


def _separate_sentence_vectors(parsed, sentences, chunker: Chunker, encoder: Encoder):
    """Chunks, then every distinct sentence embedded again on its own (title-prefixed): one encode call,
    so the encoder batches similar lengths together."""
    texts = [chunker.embedding_text(a.title, c.text) for a, chunks in parsed for c in chunks]
    n_chunks = len(texts)
    texts += [chunker.embedding_text(a.title, a.body[s:e]) for (a, _), spans in zip(parsed, sentences)
              for _, s, e in spans]
    vectors = encoder.encode(texts)
    return vectors[:n_chunks], vectors[n_chunks:]


def _pooled_sentence_vectors(parsed, sentences, chunker: Chunker, encoder: Encoder):
    """Chunk vectors, and each sentence's vector pooled from the pass over the chunk it is assigned to
    (index/encoders/spans.py). A sentence the model window cut off is embedded on its own."""
    texts, spans, owners = [], [], []
    for (article, chunks), article_sentences in zip(parsed, sentences):
        prefix = chunker.title_prefix(article.title)
        shift = len(prefix) + 1 if prefix else 0  # embedding_text puts "<title>\n" before the chunk
        for chunk in chunks:
            texts.append(chunker.embedding_text(article.title, chunk.text))
            spans.append([(shift + s - chunk.start, shift + e - chunk.start)
                          for position, s, e in article_sentences if position == chunk.position])
            owners.append(article)
    chunk_vectors, pooled = encoder.encode_spans(texts, spans)
    sentence_vectors = np.concatenate(pooled) if pooled else np.zeros((0, encoder.dimension), np.float32)
    missing = np.flatnonzero(~sentence_vectors.any(axis=1))
    if len(missing):
        where = [(owners[i], text[a:b]) for i, (text, row) in enumerate(zip(texts, spans)) for a, b in row]
        sentence_vectors[missing] = encoder.encode([chunker.embedding_text(where[m][0].title, where[m][1])
                                                    for m in missing])
    return chunk_vectors, sentence_vectors


def distinct_sentences(chunks) -> list[tuple[int, int, int]]:
    """Each sentence once, ``(position of the first chunk holding it, start, end)``: overlap repeats them."""
    seen: set[int] = set()
    out = []
    for chunk in chunks:
        for start, end in chunk.sentences:
            if start not in seen:
                seen.add(start)
                out.append((chunk.position, start, end))
    return out


def _incompatibility(store: Store, encoder: Encoder, chunking: dict, vector_kind: str,
                     entities: str | None) -> str | None:
    """Why the live version cannot be updated in place (so a full build is needed), or None."""
    try:
        manifest = store.live_manifest()
    except IndexUnavailable as exc:
        return f"existing index unusable: {exc}"
    if manifest.encoder != encoder.identity or manifest.dimension != encoder.dimension:
        return f"encoder changed ({manifest.encoder} → {encoder.identity})"
    if manifest.chunking != chunking:
        return "chunking settings changed"
    if manifest.vector_index != vector_kind:
        return f"vector index type changed ({manifest.vector_index} → {vector_kind})"
    if manifest.entities != entities:  # articles kept would have none, or another model's
        return f"entity recognition changed ({manifest.entities or 'off'} → {entities or 'off'})"
    return None


def _no_stage(_name: str) -> None:
    pass


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
