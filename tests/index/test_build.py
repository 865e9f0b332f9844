import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from evaluation import squad
from index import PROJECT_ROOT, BuildError, Filters, IndexUnavailable, build_index, live_version, open_index
from index.stores.folder import MANIFEST, METADATA, SENTENCE_VECTORS, VECTORS, VERSIONS
from tests.support import SEED_FILE, make_settings, paused_build, version_dir


def txt(title: str, body: str) -> str:
    return f"=== METADATA ===\nSource: Test Wire\nTitle: {title}\nPublished_Date: 2024-03-01\n=== ARTICLE ===\n{body}\n"


def corpus_of(folder: Path, paragraphs) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(paragraphs):
        (folder / f"p{i:03d}.txt").write_text(txt(p.title, p.text), encoding="utf-8")
    return folder


def snapshot(index_dir: Path) -> dict:
    """Everything a reader sees, keyed by chunk id: text, offsets, sentence vectors."""
    index = open_index(index_dir)
    ids = [int(i) for i in index.filtered_chunk_ids(Filters())]
    out = {}
    for chunk in index.chunks(ids):
        vectors = index.sentence_vectors(chunk.article.article_id, [s for s, _ in chunk.sentences])
        out[chunk.chunk_id] = (chunk.text, chunk.start, chunk.end, chunk.article.path,
                               np.stack([vectors[s] for s, _ in chunk.sentences]))
    return out


def test_malformed_files_are_skipped_and_build_completes(tmp_path, encoder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILE, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "nobody.txt").write_text("=== METADATA ===\nTitle: x\n=== ARTICLE ===\n\n")
    (corpus / "big.txt").write_text("x " * 10_000)
    (corpus / "latin1.txt").write_bytes("=== METADATA ===\nTitle: Café\n=== ARTICLE ===\nUn café.".encode("latin-1"))
    (corpus / "crlf.md").write_bytes(b"Title line\r\n\r\nBody sentence one. Body sentence two.\r\n")
    (corpus / "ignored.csv").write_text("not an article")
    settings = make_settings(corpus, tmp_path / "index", max_file_bytes=15_000)
    report = build_index(settings, encoder=encoder, progress=False)
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "nobody.txt", "big.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "over the limit" in reasons["big.txt"] and "no article body" in reasons["nobody.txt"]
    assert report.articles == 3
    index = open_index(settings.index_dir)
    assert index.article_count() == 3
    titles = {c.article.title for c in index.chunks([int(i) for i in index.filtered_chunk_ids(Filters())])}
    assert {"Café", "Title line"} <= titles

    with pytest.raises(BuildError, match="--strict"):
        build_index(settings, encoder=encoder, progress=False, strict=True)
    assert open_index(settings.index_dir).article_count() == 3

    # Unchanged, the unusable files are reported again but cause no new version.
    live = live_version(settings.index_dir)
    again = build_index(settings, encoder=encoder, progress=False)
    assert again.version == live and again.embedded_articles == 0
    assert {s.path: s.reason for s in again.skipped} == reasons
    # Once fixed, the file is picked up.
    (corpus / "nobody.txt").write_text("=== METADATA ===\nTitle: x\n=== ARTICLE ===\nNow it has a body.\n")
    fixed = build_index(settings, encoder=encoder, progress=False)
    assert (fixed.added, fixed.articles) == (1, 4)
    assert "nobody.txt" not in {s.path for s in fixed.skipped}


def test_incremental_rebuild_embeds_only_changes_and_matches_full(tmp_path, encoder, squad_data):
    paragraphs, _ = squad_data
    corpus = corpus_of(tmp_path / "corpus", paragraphs[:8])
    settings = make_settings(corpus, tmp_path / "index")
    first = build_index(settings, encoder=encoder, progress=False)
    assert (first.added, first.embedded_articles) == (8, 8)

    # add two, modify one, delete one
    (corpus / "p100.txt").write_text(txt(paragraphs[20].title, paragraphs[20].text))
    (corpus / "p101.txt").write_text(txt(paragraphs[21].title, paragraphs[21].text))
    (corpus / "p003.txt").write_text(txt("Changed", paragraphs[30].text))
    (corpus / "p005.txt").unlink()
    second = build_index(settings, encoder=encoder, progress=False)
    assert (second.added, second.updated, second.removed, second.unchanged) == (2, 1, 1, 6)
    assert second.embedded_articles == 3
    assert second.articles == 9

    incremental = snapshot(settings.index_dir)
    full_settings = make_settings(corpus, tmp_path / "full")
    build_index(full_settings, encoder=encoder, progress=False, full=True)
    full = snapshot(full_settings.index_dir)
    assert incremental.keys() == full.keys()
    for chunk_id, (text, start, end, path, vector) in full.items():
        other = incremental[chunk_id]
        assert other[:4] == (text, start, end, path)
        np.testing.assert_allclose(other[4], vector, atol=1e-5)

    # search finds the modified content and not the deleted article
    index = open_index(settings.index_dir)
    paths = {c.article.path for c in index.chunks([i for i, _ in index.keyword_search("Changed", 5)])}
    assert "p003.txt" in paths
    assert all(a.path != "p005.txt" for a in (c.article for c in index.chunks(list(range(200)))))

    third = build_index(settings, encoder=encoder, progress=False)
    assert third.embedded_articles == 0 and third.version == live_version(settings.index_dir)


def test_failed_build_leaves_previous_index(tmp_path, encoder, squad_data):
    paragraphs, _ = squad_data
    corpus = corpus_of(tmp_path / "corpus", paragraphs[:3])
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, encoder=encoder, progress=False)
    live = live_version(settings.index_dir)
    (corpus / "new.txt").write_text(txt("New", paragraphs[10].text))

    def crash(stage):
        if stage == "verified":
            raise RuntimeError("simulated crash before publishing")

    with pytest.raises(RuntimeError, match="simulated"):
        build_index(settings, encoder=encoder, progress=False, on_stage=crash)
    assert live_version(settings.index_dir) == live
    assert open_index(settings.index_dir).article_count() == 3
    assert not list((settings.index_dir / VERSIONS).glob(".building-*"))
    outcome = json.loads((settings.index_dir / "last_build.json").read_text())
    assert outcome["status"] == "failed" and "simulated" in outcome["error"]




@pytest.mark.parametrize("stage", ["scanned", "staged", "embedding", "written", "renamed"])
def test_sigkill_at_any_stage_leaves_previous_index_serving(tmp_path, encoder, squad_data, stage):
    paragraphs, _ = squad_data
    corpus = corpus_of(tmp_path / "corpus", paragraphs[:2])
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, encoder=encoder, progress=False)
    live = live_version(settings.index_dir)
    corpus_of(corpus, paragraphs[:6])

    with paused_build(stage, corpus, settings.index_dir, tmp_path / "paused"):
        pass  # killed where it paused
    assert live_version(settings.index_dir) == live
    assert open_index(settings.index_dir).article_count() == 2
    # the next build cleans up what the killed one left and succeeds
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.articles == 6
    assert not list((settings.index_dir / VERSIONS).glob(".building-*"))


def test_sigkill_while_adding_a_revision_leaves_the_revisions_as_they_were(tmp_path, encoder):
    """Killed after it marked the held revision superseded (and wrote the new one) but before its commit,
    a build leaves revision 1 the latest, text and validity unchanged; the next build adds revision 2."""
    from tests.index.test_contracts import EDITED_TEXT, FIRST_TEXT, write_bridge

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_bridge(corpus, FIRST_TEXT)
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, encoder=encoder, progress=False)
    live = live_version(settings.index_dir)
    write_bridge(corpus, EDITED_TEXT, updated="2024-04-10")
    with paused_build("embedding", corpus, settings.index_dir, tmp_path / "paused"):
        pass  # killed where it paused
    index = open_index(settings.index_dir)
    [only] = index.revisions(index.chunks([0])[0].article.article_id)
    assert live_version(settings.index_dir) == live and (only.revision, only.valid_to) == (1, None)
    assert index.article(only.article_id).body == FIRST_TEXT
    assert build_index(settings, encoder=encoder, progress=False).updated == 1
    after = open_index(settings.index_dir)
    assert [(m.revision, m.valid_to) for m in after.revisions(only.article_id)] == [(1, date(2024, 4, 10)), (2, None)]
    assert after.article(only.article_id, 1).body == FIRST_TEXT


@pytest.mark.parametrize("victim", [MANIFEST, VECTORS, SENTENCE_VECTORS, METADATA])
def test_corrupt_index_file_is_named(tmp_path, encoder, small_index, victim):
    copy = tmp_path / "copy"
    shutil.copytree(version_dir(small_index.index_dir), copy)
    (copy / victim).write_bytes(b"garbage" * 10)
    with pytest.raises(IndexUnavailable, match=victim.replace(".", r"\.")):
        open_index(copy)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexUnavailable, match="build_index.py"):
        open_index(tmp_path / "nothing")


def test_index_from_another_encoder_is_refused(small_index, encoder):
    index = open_index(small_index.index_dir)
    index.check_encoder(encoder.identity, encoder.dimension)
    with pytest.raises(IndexUnavailable, match="built with encoder"):
        index.check_encoder("some-other-model|torch", 768)


def test_build_script_reports_missing_corpus(tmp_path):
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "build_index.py"), "--corpus", str(tmp_path / "missing"),
         "--index", str(tmp_path / "index"), "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_squad_corpus_is_written_once(tmp_path, squad_data):
    paragraphs, _ = squad_data
    path = squad.write_corpus(paragraphs[:3], tmp_path)
    mtime = path.stat().st_mtime_ns
    squad.write_corpus(paragraphs[:3], tmp_path)
    assert path.stat().st_mtime_ns == mtime


def test_emptied_corpus_is_refused_unless_allowed(tmp_path, encoder, squad_data):
    paragraphs, _ = squad_data
    corpus = corpus_of(tmp_path / "corpus", paragraphs[:2])
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, encoder=encoder, progress=False)
    for path in corpus.iterdir():
        path.unlink()
    with pytest.raises(BuildError, match="--allow-empty"):
        build_index(settings, encoder=encoder, progress=False)
    assert open_index(settings.index_dir).article_count() == 2  # refused: the live index is untouched
    report = build_index(settings, encoder=encoder, progress=False, allow_empty=True)
    assert (report.removed, report.articles) == (2, 0)
    index = open_index(settings.index_dir)
    assert index.article_count() == 0 and index.keyword_search("the", 5) == []
    assert index.dense_search(encoder.encode(["anything"])[0], 5) == []


def test_index_path_that_is_a_file_is_refused_in_words(tmp_path, encoder, small_corpus):
    (tmp_path / "file").write_text("not an index")
    settings = make_settings(small_corpus, tmp_path / "file")
    with pytest.raises(IndexUnavailable, match="is a file"):
        build_index(settings, encoder=encoder, progress=False)
    with pytest.raises(IndexUnavailable, match="is a file"):
        open_index(tmp_path / "file")


def test_sentence_vectors_from_the_chunk_pass_find_their_sentences(tmp_path, encoder, small_corpus, squad_data):
    """With pooled (in_chunk) sentence vectors, a SQuAD question finds its paragraph by its best sentence
    about as often as with separately embedded ones; switching between them is a full rebuild."""
    paragraphs, questions = squad_data
    titles = {p.pid: p.title for p in paragraphs[:12]}
    asked = [q for q in questions if q.pid in titles][:40]
    vectors = encoder.encode([q.question for q in asked])

    def found(settings) -> int:
        reader = open_index(settings.index_dir)
        try:
            assert reader.manifest.chunking["sentence_vectors"] == settings.sentence_vectors
            hits = 0
            for q, vector in zip(asked, vectors):
                top = reader.chunks([chunk for chunk, _ in reader.sentence_search(vector, 1)])
                hits += bool(top) and top[0].article.title == titles[q.pid]
            return hits
        finally:
            reader.close()

    pooled = make_settings(small_corpus, tmp_path / "index")
    assert pooled.sentence_vectors == "in_chunk"
    first = build_index(pooled, encoder=encoder, progress=False)
    with_pooled = found(pooled)
    separate = pooled.model_copy(update={"sentence_vectors": "separate"})
    second = build_index(separate, encoder=encoder, progress=False)
    assert first.sentences == second.sentences > 0
    assert second.full and "chunking" in (second.reason_full or "")
    with_separate = found(separate)
    assert with_pooled >= 0.8 * len(asked) and with_pooled >= with_separate - 2, (with_pooled, with_separate)


def test_a_date_after_the_build_date_is_warned_and_counted_in_the_summary(tmp_path, encoder):
    """Issue 24 D10: a mistyped year (2207) hid the article from every real as-of date, silently."""
    from qa.commands.build import summary

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "typo.txt").write_text(txt("Harbour opens", "The new harbour opened on Monday.").replace(
        "2024-03-01", "2207-05-01"))
    (corpus / "fine.txt").write_text(txt("Harbour plans", "The harbour plans were approved."))
    report = build_index(make_settings(corpus, tmp_path / "index"), encoder=encoder, progress=False)
    assert [(p, w) for p, w in report.warnings if "after" in w] == [
        ("typo.txt", "Published_Date 2207-05-01 is after the build date: no answer as of an earlier date "
                     "quotes this article; check the year")]
    assert "  1 article(s) dated after the build date (answered only as of that date; see the warnings)" in \
        summary(report).splitlines()
