"""Incremental builds write what changed: vector segments, merges, and readers pinned to their generation."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace

import numpy as np
import pytest

from index import Filters, IndexUnavailable, build_index, live_version, open_index
from index.ann import new_vector_index
from index.stores.folder import FolderStore
from index.stores.folder.schema import METADATA, SENTENCE_VECTORS, VECTORS, State, connect
from index.stores.folder.segments import Segment, SegmentedIndex, add_segment
from tests.support import NEW_ARTICLE, SEED_FILE, make_settings

DIM = 8


def unit(rows: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_segments_merge_by_size_and_hide_removed_vectors(tmp_path):
    """Batches of 10 vectors: the newest segment is merged while it is at least half the one before,
    removed ids never come back, and search over the segments equals exact search over the live vectors."""
    segments: list[Segment] = []
    removed = np.empty(0, np.int64)
    all_vectors = unit(200, 0)
    written = []  # vectors each build wrote
    for batch in range(20):
        lo, hi = batch * 10, batch * 10 + 10
        new = new_vector_index("flat", DIM)
        new.add(np.arange(lo, hi), all_vectors[lo:hi])
        if batch == 12:  # remove a third of the first 60 ids: the segment holding them is rewritten
            removed = np.arange(0, 60, 3, dtype=np.int64)
        change = add_segment(tmp_path, "flat", DIM, "vectors", batch, segments, new, lo, hi, removed)
        for lo_, hi_ in change.rewritten_ranges:
            removed = removed[(removed < lo_) | (removed >= hi_)]
        segments = change.segments
        written.append(sum(seg.vectors for seg in segments if seg.file in change.written))
        assert all(a.hi == b.lo for a, b in zip(segments, segments[1:]))  # contiguous id ranges, oldest first
        assert len(segments) <= 1 + int(np.log2(batch + 1)) + 1
    # Each vector is rewritten O(log(N/B)) times in all, not once per build as a copy of the archive would.
    assert sum(written) <= 200 * (2 + np.log2(20)) < sum(range(10, 210, 10)) and len(segments) <= 5
    assert {p.name for p in tmp_path.iterdir()} >= {s.file for s in segments}

    index = SegmentedIndex.load(tmp_path, "flat", DIM, segments, removed)
    gone = set(range(0, 60, 3))
    live = np.array([i for i in range(200) if i not in gone])
    assert len(index) == len(live)
    some = live[::-7]  # newest first: row for row, each from the segment that holds it
    np.testing.assert_allclose(index.vectors(some), all_vectors[some], atol=1e-6)
    for q in unit(5, 1):
        exact = live[np.argsort(-(all_vectors[live] @ q))[:10]]
        assert [i for i, _ in index.search(q, 10)] == exact.tolist()
        allowed = live[live % 7 == 0]
        assert {i for i, _ in index.search(q, 100, allowed)} == set(allowed.tolist())


def built_copy(tmp_path, encoder, small_corpus):
    """A private copy of the small corpus, built once: (settings, the first build's report)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(small_corpus, corpus)
    settings = make_settings(corpus, tmp_path / "index")
    return settings, build_index(settings, encoder=encoder, progress=False)


def test_a_version_with_float32_sentence_copies_still_takes_incremental_builds(tmp_path, encoder, small_corpus):
    """Versions written before answers read sentence vectors from the segments keep a NOT NULL float32
    column for them: an upgrade adds to such a version in place rather than asking for a full rebuild."""
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    folder = FolderStore(settings.index_dir).folder(first.version)
    with sqlite3.connect(folder / METADATA) as db:  # the earlier schema, column and constraint included
        db.executescript("""
            CREATE TABLE old AS SELECT * FROM sentences; DROP TABLE sentences;
            CREATE TABLE sentences (id INTEGER PRIMARY KEY, chunk INTEGER NOT NULL, article_id TEXT NOT NULL,
                                    start INTEGER NOT NULL, "end" INTEGER NOT NULL, vector BLOB NOT NULL);
            INSERT INTO sentences SELECT *, zeroblob(1536) FROM old; DROP TABLE old;
            CREATE INDEX sentences_article ON sentences(article_id, start);""")
    (settings.corpus_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    second = build_index(settings, encoder=encoder, progress=False)
    assert second.added == 1 and second.version == f"{folder.name}@1"
    reader = open_index(settings.index_dir)
    chunk = reader.chunks([i for i, _ in reader.keyword_search("Skerryvore lighthouse keepers", 1)])[0]
    stored = reader.sentence_vectors(chunk.article.article_id, [start for start, _ in chunk.sentences])
    np.testing.assert_allclose(np.linalg.norm(np.stack(list(stored.values())), axis=1), 1.0, atol=1e-3)
    reader.close()


@pytest.mark.parametrize("damage", ["truncated", "missing", "truncated, size not recorded"])
def test_a_damaged_segment_makes_the_next_build_a_full_one(tmp_path, encoder, small_corpus, damage):
    """A build decides from the manifest and the segments' recorded sizes, without loading the archive
    (segments written before sizes were recorded are loaded); a segment that is not as written still
    leads to a full rebuild, which serves again."""
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    folder = FolderStore(settings.index_dir).folder(first.version)
    victim = folder / SENTENCE_VECTORS
    if "not recorded" in damage:
        with connect(folder / METADATA) as db:
            state = State.read(db)
            state.chunk_segments = [replace(s, bytes=None) for s in state.chunk_segments]
            state.sentence_segments = [replace(s, bytes=None) for s in state.sentence_segments]
            state.write(db)
    if damage == "missing":
        victim.unlink()
    else:
        victim.write_bytes(victim.read_bytes()[:-100])
    with pytest.raises(IndexUnavailable, match=SENTENCE_VECTORS.replace(".", r"\.")):
        open_index(settings.index_dir)
    (settings.corpus_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    second = build_index(settings, encoder=encoder, progress=False)
    assert second.full and SENTENCE_VECTORS in second.reason_full and "unusable" in second.reason_full
    reader = open_index(settings.index_dir)
    assert reader.article_count() == first.articles + 1
    reader.close()


def test_an_incremental_build_records_the_sizes_older_segments_lacked(tmp_path, encoder, small_corpus):
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    folder = FolderStore(settings.index_dir).folder(first.version)
    with connect(folder / METADATA) as db:  # as a version written before segment sizes were kept
        state = State.read(db)
        state.chunk_segments = [replace(s, bytes=None) for s in state.chunk_segments]
        state.sentence_segments = [replace(s, bytes=None) for s in state.sentence_segments]
        state.write(db)
    (settings.corpus_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert not build_index(settings, encoder=encoder, progress=False).full  # checked by loading them, once
    segments = committed(folder).chunk_segments + committed(folder).sentence_segments
    assert {VECTORS, SENTENCE_VECTORS} <= {s.file for s in segments}
    assert all(s.bytes == (folder / s.file).stat().st_size for s in segments)


def committed(folder) -> State:
    conn = connect(folder / METADATA, readonly=True)
    try:
        return State.read(conn)
    finally:
        conn.close()


def test_incremental_build_writes_only_what_changed_and_readers_keep_their_generation(tmp_path, encoder, small_corpus):
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    corpus = settings.corpus_dir
    store = FolderStore(settings.index_dir)
    folder = store.folder(first.version)
    before = {name: (folder / name).stat() for name in (VECTORS, SENTENCE_VECTORS)}
    old_reader = open_index(settings.index_dir)
    question = encoder.encode(["Will the Skerryvore lighthouse be staffed again?"])[0]
    old_hits = old_reader.dense_search(question, 5)

    (corpus / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    second = build_index(settings, encoder=encoder, progress=False)
    assert (second.added, second.embedded_articles) == (1, 1)
    assert second.version == live_version(settings.index_dir) == f"{folder.name}@1"
    # The published files were not rewritten or copied: only this generation's segments are new.
    for name, stat in before.items():
        now = (folder / name).stat()
        assert (now.st_ino, now.st_mtime_ns, now.st_size) == (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    state = committed(folder)
    new_files = {s.file for s in state.chunk_segments + state.sentence_segments} - set(before)
    assert new_files and all(".1." in name for name in new_files)
    assert not list((settings.index_dir / "versions").glob(".building-*"))

    new_reader = open_index(settings.index_dir)
    assert new_reader.version == second.version and new_reader.article_count() == first.articles + 1
    titles = {c.article.title for c in new_reader.chunks([i for i, _ in new_reader.keyword_search("Skerryvore lighthouse keepers", 5)])}
    assert "Lighthouse keepers return to Skerryvore" in titles
    # The reader opened before the build still sees its own generation, whole and consistent.
    assert old_reader.version == first.version and old_reader.article_count() == first.articles
    assert old_reader.dense_search(question, 5) == old_hits
    assert len(old_reader.filtered_chunk_ids(Filters())) == old_reader.chunk_count()
    assert "Lighthouse keepers return to Skerryvore" not in {
        c.article.title for c in old_reader.chunks([i for i, _ in old_reader.keyword_search("Skerryvore lighthouse keepers", 5)])}
    old_reader.close()
    new_reader.close()


def test_many_incremental_builds_give_the_results_of_a_full_build(tmp_path, encoder, squad_data):
    """Adds, edits and deletions over several builds (so segments merge and removed vectors are hidden,
    then dropped) serve the same passages, with the same scores, as one full build of the final corpus."""
    paragraphs, _ = squad_data
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = make_settings(corpus, tmp_path / "index")

    def write(i: int, title: str | None = None) -> None:
        p = paragraphs[i]
        (corpus / f"p{i:03d}.txt").write_text(
            f"=== METADATA ===\nSource: Wire\nTitle: {title or p.title}\n=== ARTICLE ===\n{p.text}\n", encoding="utf-8")

    for i in range(6):
        write(i)
    build_index(settings, encoder=encoder, progress=False)
    steps = [lambda: write(6), lambda: [write(7), write(8)], lambda: (corpus / "p002.txt").unlink(),
             lambda: write(3, "Edited title"), lambda: [write(9), write(10), write(11)],
             lambda: (corpus / "p007.txt").unlink(), lambda: write(12)]
    for step in steps:
        step()
        build_index(settings, encoder=encoder, progress=False)
    folder = FolderStore(settings.index_dir).folder(live_version(settings.index_dir))
    state = committed(folder)
    assert state.generation == len(steps)
    listed = {s.file for s in state.chunk_segments + state.sentence_segments}
    assert {p.name for p in folder.glob("*.faiss")} - listed <= {f for _, f in state.retired}

    full = make_settings(corpus, tmp_path / "full")
    build_index(full, encoder=encoder, progress=False, full=True)
    incremental, whole = open_index(settings.index_dir), open_index(full.index_dir)
    assert incremental.article_count() == whole.article_count() == 11
    assert incremental.chunk_count() == whole.chunk_count() + 1  # p003's first revision is kept

    def named(reader, hits):
        return [(c.chunk_id, c.text, round(score, 4)) for c, (_, score) in zip(reader.chunks([i for i, _ in hits]), hits)]

    for question in ("When was the university founded?", "Who won the game?", "Edited title", "What is the capital?"):
        vector = encoder.encode([question])[0]
        for search in ("dense_search", "sentence_search"):
            ours, theirs = getattr(incremental, search)(vector, 8), getattr(whole, search)(vector, 8)
            assert named(incremental, ours) == named(whole, theirs), (question, search)
        assert [c.chunk_id for c in incremental.chunks([i for i, _ in incremental.keyword_search(question, 8)])] == \
               [c.chunk_id for c in whole.chunks([i for i, _ in whole.keyword_search(question, 8)])]
    assert not {c.article.path for c in incremental.chunks(
        [int(i) for i in incremental.filtered_chunk_ids(Filters())])} & {"p002.txt", "p007.txt"}


def test_a_build_killed_before_its_commit_leaves_no_trace(tmp_path, encoder, small_corpus):
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    corpus = settings.corpus_dir
    (corpus / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def die(stage):
        if stage == "renamed":
            raise KeyboardInterrupt  # the last moment before the commit

    with pytest.raises(KeyboardInterrupt):
        build_index(settings, encoder=encoder, progress=False, on_stage=die)
    folder = FolderStore(settings.index_dir).folder(first.version)
    assert live_version(settings.index_dir) == first.version and committed(folder).generation == 0
    assert {p.name for p in folder.glob("*.faiss")} == {VECTORS, SENTENCE_VECTORS}
    with sqlite3.connect(folder / METADATA) as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == first.articles
    assert build_index(settings, encoder=encoder, progress=False).articles == first.articles + 1


def test_keyword_hits_of_a_build_that_died_between_its_two_commits_never_show(tmp_path, encoder, small_corpus,
                                                                            monkeypatch):
    """The keyword index commits just before the database; a build killed in between leaves chunks there
    that no reader may return, and the next build replaces them."""
    from index.stores.folder.writer import FolderWriter

    settings, first = built_copy(tmp_path, encoder, small_corpus)
    corpus = settings.corpus_dir
    (corpus / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def die_after_keywords(self):
        self.keywords.commit()
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(FolderWriter, "commit", die_after_keywords)
        with pytest.raises(KeyboardInterrupt):
            build_index(settings, encoder=encoder, progress=False)
    reader = open_index(settings.index_dir)
    assert reader.version == first.version
    hits = reader.keyword_search("Skerryvore lighthouse keepers Putin Moscow", 50)
    assert hits and all(reader.chunks([cid]) for cid, _ in hits)  # every hit is a published chunk
    assert "Lighthouse keepers return to Skerryvore" not in {c.article.title for c in reader.chunks([i for i, _ in hits])}
    reader.close()

    second = build_index(settings, encoder=encoder, progress=False)
    assert second.articles == first.articles + 1
    reader = open_index(settings.index_dir)
    hits = reader.keyword_search("Skerryvore lighthouse keepers", 10)
    assert len({cid for cid, _ in hits}) == len(hits)  # the dead build's copies were deleted, not doubled
    assert reader.chunks([hits[0][0]])[0].article.title == "Lighthouse keepers return to Skerryvore"
    reader.close()


def test_a_version_without_a_keyword_index_is_served_by_fts5_and_gets_one_at_its_next_build(tmp_path, encoder,
                                                                                          small_corpus):
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    corpus = settings.corpus_dir
    folder = FolderStore(settings.index_dir).folder(first.version)
    reader = open_index(settings.index_dir)
    expected = [c.chunk_id for c in reader.chunks([i for i, _ in reader.keyword_search("Putin Moscow meeting", 5)])]
    reader.close()  # (served by tantivy)
    shutil.rmtree(folder / "keywords")  # as written before the keyword index existed

    reader = open_index(settings.index_dir)  # FTS5 ranks by the same BM25, up to its details: the same best hit
    assert reader.keyword_index is None
    assert [c.chunk_id for c in reader.chunks([i for i, _ in reader.keyword_search("Putin Moscow meeting", 5)])][0] \
        == expected[0]
    reader.close()
    (corpus / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(settings, encoder=encoder, progress=False)
    assert (folder / "keywords" / "meta.json").exists() and not (folder / "keywords.new").exists()
    reader = open_index(settings.index_dir)
    assert reader.keyword_index is not None and len(reader.keyword_index) == reader.chunk_count()
    full = make_settings(corpus, tmp_path / "full")
    build_index(full, encoder=encoder, progress=False, full=True)
    whole = open_index(full.index_dir)
    for question in ("Putin Moscow meeting", "Skerryvore", "When did the war end?"):
        assert [(c.chunk_id, round(s, 4)) for c, (_, s) in zip(
            reader.chunks([i for i, _ in reader.keyword_search(question, 5)]), reader.keyword_search(question, 5))] \
            == [(c.chunk_id, round(s, 4)) for c, (_, s) in zip(
                whole.chunks([i for i, _ in whole.keyword_search(question, 5)]), whole.keyword_search(question, 5))]
    whole.close()
    assert reader.chunks([reader.keyword_search("Skerryvore lighthouse keepers", 1)[0][0]])[0].article.title == \
        "Lighthouse keepers return to Skerryvore"
    reader.close()


def test_a_failure_after_the_commit_leaves_what_it_published(tmp_path, encoder, small_corpus, monkeypatch):
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    corpus = settings.corpus_dir
    (corpus / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def broken_prune(self):
        raise OSError("disk trouble while tidying up")

    with monkeypatch.context() as patch:
        patch.setattr(FolderStore, "prune", broken_prune)
        with pytest.raises(OSError, match="tidying"):
            build_index(settings, encoder=encoder, progress=False)
    reader = open_index(settings.index_dir)  # the committed generation is live and whole
    assert reader.version != first.version and reader.article_count() == first.articles + 1
    assert reader.chunks([reader.keyword_search("Skerryvore lighthouse keepers", 1)[0][0]])[0].article.title == \
        "Lighthouse keepers return to Skerryvore"
    reader.close()


def test_an_idle_reader_does_not_pin_the_wal_and_each_publish_checkpoints_it(tmp_path, encoder, small_corpus):
    """Issue 24 D12: a service idle between requests kept a read transaction open, so no build could
    checkpoint: the WAL grew with every incremental build (325 KB to 2.9 MB in eight). A reader now
    reads in a transaction per call, and a publish checkpoints the WAL back to nothing."""
    settings, first = built_copy(tmp_path, encoder, small_corpus)
    folder = FolderStore(settings.index_dir).folder(first.version)
    wal = folder / (METADATA + "-wal")
    reader = open_index(settings.index_dir)  # what the service holds between requests
    question = encoder.encode(["Will the Skerryvore lighthouse be staffed again?"])[0]
    served = reader.dense_search(question, 5)
    seed = settings.corpus_dir / SEED_FILE.name
    seed_id = reader.chunks([i for i, _ in reader.keyword_search("Witkoff Moscow Putin", 1)])[0].article.article_id
    sizes = []
    for n in range(4):
        (settings.corpus_dir / f"new{n}.txt").write_text(
            NEW_ARTICLE.replace("Skerryvore", f"Skerryvore {n}"), encoding="utf-8")
        if n == 1:  # an update: the old reader must never show its text, though it reads the same file
            seed.write_text(seed.read_text(encoding="utf-8") + "\nUpdate: the talks were postponed to September.\n",
                            encoding="utf-8")
        build_index(settings, encoder=encoder, progress=False)
        sizes.append(wal.stat().st_size if wal.exists() else 0)
        # A request between builds gets its generation's answer, never a row a later build added.
        assert [i for i, _ in reader.dense_search(question, 5)] == [i for i, _ in served]
        assert "Skerryvore" not in str([c.text for c in reader.chunks([i for i, _ in reader.keyword_search(
            "Skerryvore lighthouse keepers", 5)])])
        assert "postponed" not in str([c.text for c in reader.chunks([i for i, _ in reader.keyword_search(
            "talks postponed to September", 5)])])
        assert "postponed" not in getattr(reader.article(seed_id), "body", "")
        assert len(reader.filtered_chunk_ids(Filters())) <= reader.chunk_count()
    assert sizes == [0, 0, 0, 0]
    assert open_index(settings.index_dir).keyword_search("talks postponed to September", 1)  # the new reader has it
    reader.close()
