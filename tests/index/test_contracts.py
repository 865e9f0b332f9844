"""One contract per pluggable part, run against every implementation its registry holds.

A new encoder backend, vector index type or store is tested as soon as it registers itself (a store
also names how a test makes an empty location for it, in ``FRESH_LOCATIONS``).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from index import BuildInProgress, Filters, IndexReader, Store, build_index, make_encoder, open_store
from index.ann import VECTOR_INDEXES, VectorIndexError, load_vector_index, new_vector_index
from index.encoders import ENCODERS
from index.formats import parse_record, read_records
from index.registry import Registry
from index.stores import STORES
from index.stores.base import IndexUnavailable
from qa.settings import Settings
from tests.support import SEED_FILE, make_settings


def implementations(registry: Registry) -> list[str]:
    """One name per registered implementation (a store registered under two URL schemes runs once)."""
    first: dict[object, str] = {}
    for name in registry.names():
        first.setdefault(registry.get(name), name)
    return sorted(first.values())


# --- encoders ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def torch_encoder(encoder):
    """The reference every backend is compared with: sentence-transformers on PyTorch."""
    return encoder if getattr(encoder, "backend", None) == "torch" else make_encoder(Settings(encoder_backend="torch"))


@pytest.fixture(scope="module", params=implementations(ENCODERS))
def any_encoder(request, encoder, torch_encoder):
    """Each backend once: the session's encoder or the torch reference where they are the one asked for."""
    for loaded in (encoder, torch_encoder):
        if getattr(loaded, "backend", None) == request.param:
            return loaded
    return make_encoder(Settings(encoder_backend=request.param))


@pytest.fixture(scope="module")
def seed_sentences() -> list[str]:
    article = parse_record(next(read_records(SEED_FILE, SEED_FILE.parent, 10**7)))
    return [s for s in article.body.split("\n") if s.strip()][:12]


def test_encoder_gives_unit_vectors_in_input_order(any_encoder, seed_sentences):
    vectors = any_encoder.encode(seed_sentences)
    assert vectors.shape == (len(seed_sentences), any_encoder.dimension) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    one_by_one = np.stack([any_encoder.encode([s])[0] for s in seed_sentences[:3]])
    np.testing.assert_allclose(vectors[:3], one_by_one, atol=1e-4)
    assert any_encoder.encode([]).shape == (0, any_encoder.dimension)


def test_encoder_agrees_with_torch_on_the_seed_article(any_encoder, torch_encoder, seed_sentences):
    cosine = np.sum(any_encoder.encode(seed_sentences) * torch_encoder.encode(seed_sentences), axis=1)
    assert cosine.min() >= 0.99


def test_encoder_pools_sentence_vectors_from_the_chunk_pass(any_encoder, seed_sentences):
    """Each sentence's pooled vector is closest to the same sentence embedded alone, and the whole-text
    vectors are exactly encode()'s; a span past the model window gives a zero row (embedded apart)."""
    sentences = seed_sentences[:6]
    text = "  " + " ".join(sentences)  # leading blanks: encoders strip them, offsets must not shift
    spans, at = [], 2
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    assert [text[a:b] for a, b in spans] == sentences
    far = ("word " * 2000).strip()
    vectors, pooled = any_encoder.encode_spans([text, far], [spans, [(len(far) - 4, len(far))]])
    np.testing.assert_allclose(vectors, any_encoder.encode([text, far]), atol=1e-5)
    alone = any_encoder.encode(sentences)
    similarity = pooled[0] @ alone.T
    assert list(similarity.argmax(axis=1)) == list(range(len(sentences)))
    np.testing.assert_allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-4)
    assert not pooled[1].any()


def test_encoder_identity_and_token_counts(any_encoder):
    assert any_encoder.identity.endswith("|" + any_encoder.identity.split("|")[-1])
    assert any_encoder.max_seq_tokens >= 128
    short, long = any_encoder.count_tokens(["Putin met Witkoff.", "word " * 400])
    assert 3 <= short <= 10 and long >= 400  # no truncation when counting


def test_model_identity_ignores_how_a_folder_is_spelled(tmp_path):
    from index.encoders import model_id

    (tmp_path / "model").mkdir()
    assert model_id(str(tmp_path / "model")) == model_id(str(tmp_path / "model") + "/")


# --- vector indexes ----------------------------------------------------------------------------

def unit(rows: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", implementations(VECTOR_INDEXES))
def test_vector_index_add_search_filter_remove_save_load(kind, tmp_path):
    vectors = unit(200)
    ids = np.arange(1000, 1200, dtype=np.int64)
    index = new_vector_index(kind, 16)
    index.add(ids, vectors)
    assert len(index) == 200
    top = index.search(vectors[7], 5)
    assert top[0][0] == 1007 and top[0][1] == pytest.approx(1.0, abs=1e-3)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)

    allowed = np.array([1003, 1150, 1199], dtype=np.int64)
    filtered = index.search(vectors[7], 10, allowed)
    assert {i for i, _ in filtered} == set(allowed.tolist())  # filtered before the cut: all three come back

    assert index.remove(np.array([1007, 5], dtype=np.int64)) == 1
    assert 1007 not in {i for i, _ in index.search(vectors[7], 10)} and len(index) == 199

    got = index.vectors(np.array([1150, 1003, 1042], dtype=np.int64))  # what answers read, row for row
    np.testing.assert_allclose(got, vectors[[150, 3, 42]], atol=1e-2)
    for missing in ([1007], [1003, 99]):  # removed, or never added
        with pytest.raises(VectorIndexError):
            index.vectors(np.array(missing, dtype=np.int64))

    exported_ids, exported = index.export()  # what a segment merge re-adds: the live vectors, by id
    assert sorted(exported_ids.tolist()) == [i for i in range(1000, 1200) if i != 1007]
    np.testing.assert_allclose(exported[exported_ids.tolist().index(1042)], vectors[42], atol=1e-2)

    index.save(tmp_path / "v.index")
    loaded = load_vector_index(kind, tmp_path / "v.index", 16)
    assert len(loaded) == 199
    assert loaded.search(vectors[42], 1)[0][0] == 1042
    np.testing.assert_allclose(loaded.vectors(np.array([1042])), vectors[[42]], atol=1e-2)
    assert new_vector_index(kind, 16).search(vectors[0], 3) == []


@pytest.mark.parametrize("kind", implementations(VECTOR_INDEXES))
def test_vector_index_refuses_a_corrupt_file(kind, tmp_path):
    (tmp_path / "bad.index").write_bytes(b"garbage" * 8)
    with pytest.raises(VectorIndexError, match="bad.index"):
        load_vector_index(kind, tmp_path / "bad.index", 16)


# --- stores ------------------------------------------------------------------------------------

#: How a test gets an empty location for each registered store.
FRESH_LOCATIONS = {
    "folder": lambda tmp_path, request: tmp_path / "index",
    "postgres": lambda tmp_path, request: request.getfixturevalue("postgres_server").new_database(),
}


def test_every_registered_store_has_a_fresh_location_for_the_contract_suite():
    assert set(implementations(STORES)) <= set(FRESH_LOCATIONS), "a store registered without a test location"


@pytest.fixture(scope="module", params=implementations(STORES))
def built(request, small_corpus, encoder, tmp_path_factory) -> tuple[Store, Settings]:
    fresh = FRESH_LOCATIONS[request.param](tmp_path_factory.mktemp(request.param), request)
    settings = make_settings(small_corpus, fresh, entities=True)
    build_index(settings, encoder=encoder, progress=False)
    return open_store(settings.index_dir, settings.keep_versions), settings


def test_store_reader_serves_what_was_built(built, encoder):
    store, _ = built
    reader = store.open()
    assert isinstance(reader, IndexReader) and reader.version == store.live_version()
    reader.check_encoder(encoder.identity, encoder.dimension)
    with pytest.raises(IndexUnavailable):
        reader.check_encoder("another|torch", encoder.dimension)
    assert reader.article_count() == reader.manifest.articles == 13

    question = encoder.encode(["How long did the Moscow meeting with Putin last?"])[0]
    for hits in (reader.dense_search(question, 5), reader.sentence_search(question, 5),
                 reader.keyword_search("Putin Moscow meeting", 5)):
        assert hits and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
        chunks = reader.chunks([cid for cid, _ in hits])
        assert [c.id for c in chunks] == [cid for cid, _ in hits]  # in the order asked
        assert chunks[0].article.source == "New York Times"
        body = reader.article(chunks[0].article.article_id).body
        assert all(body[c.start:c.end] == c.text for c in chunks if c.article.article_id == chunks[0].article.article_id)

    chunk = reader.chunks([reader.dense_search(question, 1)[0][0]])[0]
    stored = reader.sentence_vectors(chunk.article.article_id, [s for s, _ in chunk.sentences])
    assert set(stored) == {s for s, _ in chunk.sentences}
    np.testing.assert_allclose(np.linalg.norm(np.stack(list(stored.values())), axis=1), 1.0, atol=1e-4)
    start = chunk.sentences[-1][0]  # the vector answers read is the one sentence search finds
    assert reader.sentence_search(stored[start], 1)[0] == (chunk.id, pytest.approx(1.0, abs=1e-3))
    assert reader.document_frequencies(reader.stems("Putin zzzunknownword")).keys() == {"putin"}


def test_store_filters_apply_before_the_cut(built, encoder):
    reader = built[0].open()
    question = encoder.encode(["What happened in the meeting?"])[0]
    nyt = Filters(source=["new york times"])
    for hits in (reader.dense_search(question, 50, nyt), reader.sentence_search(question, 50, nyt),
                 reader.keyword_search("meeting", 50, nyt)):
        assert hits and {c.article.source for c in reader.chunks([i for i, _ in hits])} == {"New York Times"}
    nothing = Filters(published_after=date(2100, 1, 1))
    assert reader.dense_search(question, 5, nothing) == [] and reader.keyword_search("meeting", 5, nothing) == []
    assert len(reader.filtered_chunk_ids(Filters())) == reader.chunk_count()


def test_store_versions_switch_atomically_and_lock(built, encoder, tmp_path):
    store, settings = built
    before = store.live_version()
    old_reader = store.open()
    question = encoder.encode(["Putin"])[0]
    with store.lock():
        assert store.build_running()
        with pytest.raises(BuildInProgress):
            build_index(settings, encoder=encoder, progress=False)
    assert not store.build_running()
    report = build_index(settings, encoder=encoder, progress=False, full=True)
    assert store.live_version() == report.version != before
    assert old_reader.dense_search(question, 3)  # a reader keeps the version it opened
    old_reader.close()
    assert store.last_outcome()["status"] == "ok" and store.last_outcome()["version"] == report.version


def test_a_question_is_encoded_while_a_long_encode_runs(any_encoder, seed_sentences):
    """A rebuild encodes thousands of texts; a question must not wait for all of them."""
    import threading

    bulk = [f"{s} ({i})" for i in range(60) for s in seed_sentences]
    worker = threading.Thread(target=any_encoder.encode, args=(bulk,))
    worker.start()
    try:
        vector = any_encoder.encode(["Who joined Witkoff in Moscow?"])
        assert worker.is_alive(), "the question waited for the whole bulk encode"
    finally:
        worker.join()
    assert vector.shape == (1, any_encoder.dimension)


def test_store_facets_count_articles_per_value(built):
    facets = built[0].open().facets()
    assert facets.source == [("New York Times", 1)]
    assert ("David E. Sanger", 1) in facets.author and ("Anton Troianovski", 1) in facets.author
    assert facets.published_min == facets.published_max == date(2025, 12, 3)


def test_store_keeps_the_dates_each_chunk_mentions(built, encoder):
    """Mentions come back per chunk at their exact offsets; a window finds the chunks that mention it,
    and the ``mentioning`` filter keeps only the articles that do."""
    from index.dates import mentions

    reader = built[0].open()
    seed = next(c for c in reader.chunks(list(reader.filtered_chunk_ids(Filters())))
                if c.article.source == "New York Times")
    article = reader.article(seed.article.article_id)
    expected = mentions(article.body, article.published_date)
    ids = [int(i) for i in reader.filtered_chunk_ids(Filters(source=["New York Times"]))]
    stored = reader.date_mentions(ids)
    chunks = {c.id: c for c in reader.chunks(ids)}
    assert stored and set(stored) <= set(ids)
    for cid, found in stored.items():
        chunk = chunks[cid]
        assert found == [m for m in expected if chunk.start <= m.start and m.end <= chunk.end]
        assert all(article.body[m.start:m.end] for m in found)
    everywhere = {m for found in stored.values() for m in found}
    assert {(m.start, m.end) for m in everywhere} == {(m.start, m.end) for m in expected}

    tuesday = date(2025, 12, 2)  # "on Tuesday" in the seed, published Wednesday 2025-12-03
    holding = sorted(cid for cid, found in stored.items() if any(m.overlaps(tuesday, tuesday) for m in found))
    assert holding and reader.chunks_mentioning(tuesday, tuesday) == holding
    assert reader.chunks_mentioning(tuesday, tuesday, Filters(source=["nobody"])) == []
    assert reader.chunks_mentioning(date(1990, 1, 1), date(1990, 12, 31)) == []

    question = encoder.encode(["What happened in the meeting?"])[0]
    within = Filters(mentioning=(tuesday, tuesday))
    hits = reader.dense_search(question, 50, within) + reader.keyword_search("meeting", 50, within)
    assert hits and {c.article.article_id for c in reader.chunks([i for i, _ in hits])} == {article.article_id}
    assert reader.dense_search(question, 5, Filters(mentioning=(date(1990, 1, 1), date(1990, 1, 2)))) == []


@pytest.fixture(scope="module", params=implementations(STORES))
def with_late_copy(request, encoder, tmp_path_factory) -> Store:
    """The seed article (published 2025-12-03, updated 2025-12-21) and another outlet's copy of it published
    on 2026-01-20."""
    import shutil

    corpus = tmp_path_factory.mktemp(f"copies-{request.param}")
    shutil.copy(SEED_FILE, corpus / SEED_FILE.name)
    copy = SEED_FILE.read_text(encoding="utf-8").replace("Source: New York Times", "Source: Wire Copy Daily")
    (corpus / "copy.txt").write_text(copy.replace("Published_Date: 2025-12-03", "Published_Date: 2026-01-20"),
                                     encoding="utf-8")
    settings = make_settings(corpus, FRESH_LOCATIONS[request.param](tmp_path_factory.mktemp(request.param), request))
    build_index(settings, encoder=encoder, progress=False)
    return open_store(settings.index_dir, settings.keep_versions)


def test_story_members_as_of_leave_out_copies_published_later(with_late_copy):
    """Issue 24 D4: a citation as of 2025-12-25 must not list a copy that appeared in January; members follow
    the rule evidence does (the later of published and updated, at or before the as-of date)."""
    reader = with_late_copy.open()
    story = reader.chunks([reader.dense_search(np.ones(reader.manifest.dimension, np.float32), 1)[0][0]])[0]
    story_id = story.article.story_id

    def sources(as_of=None):
        return [m.source for m in reader.story_members([story_id], as_of)[story_id]]

    assert sources() == ["New York Times", "Wire Copy Daily"]  # oldest first
    assert sources(date(2025, 12, 25)) == ["New York Times"]
    assert sources(date(2026, 1, 20)) == ["New York Times", "Wire Copy Daily"]  # published that day: listed
    assert reader.story_members([story_id], date(2025, 12, 10)) == {}  # the original's text is of 2025-12-21


def test_store_keeps_the_entities_each_article_mentions(built, encoder):
    """Entities come back per article at their exact offsets, as the recogniser found them; facets count the
    articles mentioning each; the ``entity`` filter (case-insensitive, a leading "the" ignored, every name)
    keeps only the articles that mention it, before the cut."""
    from index.entities import ENTITY_MODEL, entity_key, load_recogniser

    reader = built[0].open()
    chunks = reader.chunks([int(i) for i in reader.filtered_chunk_ids(Filters())])
    ids = sorted({c.article.article_id for c in chunks})
    stored = reader.entities(ids + ["no-such-article"])
    seed = next(c.article.article_id for c in chunks if c.article.source == "New York Times")
    assert set(stored) <= set(ids) and seed in stored and len(stored) > 1
    body = reader.article(seed).body
    assert stored[seed] == load_recogniser(ENTITY_MODEL).find([body])[0]
    for article_id, found in stored.items():
        text = reader.article(article_id).body
        assert all(text[e.start:e.end] == e.text for e in found) and found == sorted(found)

    mentioning: dict[tuple[str, str], set[str]] = {}
    for article_id, found in stored.items():
        for e in found:
            mentioning.setdefault((e.kind, entity_key(e.text)), set()).add(article_id)
    facets = reader.facets(limit=1000).entities
    assert set(facets) == {"person", "organisation", "place"}
    listed = {(kind, entity_key(name)): n for kind, values in facets.items() for name, n in values}
    assert listed == {key: len(articles) for key, articles in mentioning.items()}
    assert all([n for _, n in values] == sorted((n for _, n in values), reverse=True) for values in facets.values())
    assert all(len(values) <= 2 for values in reader.facets(limit=2).entities.values())

    question = encoder.encode(["What happened in the meeting?"])[0]
    for name in ("moscow", "THE WHITE HOUSE"):
        only = Filters(entity=[name])
        holding = {a for (_, key), articles in mentioning.items() if key == entity_key(name) for a in articles}
        assert holding == {seed}
        for hits in (reader.dense_search(question, 50, only), reader.sentence_search(question, 50, only),
                     reader.keyword_search("meeting", 50, only)):
            assert hits and {c.article.article_id for c in reader.chunks([i for i, _ in hits])} == holding
    elsewhere = next(key for key, articles in mentioning.items() if seed not in articles)[1]
    assert reader.dense_search(question, 5, Filters(entity=["Moscow", elsewhere])) == []  # no article names both
    assert len(reader.filtered_chunk_ids(Filters(entity=[elsewhere]))) > 0


# --- revisions -----------------------------------------------------------------------------------

BRIDGE = ("=== METADATA ===\nSource: Tay Courier\nTitle: Bridge to reopen\nPublished_Date: 2024-03-01\n{updated}"
          "=== ARTICLE ===\n{body}\n")
FIRST_TEXT = ("The Tay bridge will reopen on 12 May after repairs costing 4 million pounds. "
              "Engineers replaced the deck.")
EDITED_TEXT = ("Storms delayed the work by six weeks. The Tay bridge will now reopen on 30 June after repairs "
               "costing 6 million pounds. Engineers replaced the deck and rails.")
OTHER = ("=== METADATA ===\nSource: Tay Courier\nTitle: Festival\nPublished_Date: 2024-03-02\n=== ARTICLE ===\n"
         "The harbour festival drew 20,000 visitors to Dundee on Saturday.\n")


def write_bridge(corpus, body: str, updated: str | None = None) -> None:
    (corpus / "bridge.txt").write_text(BRIDGE.format(updated=f"Updated_Date: {updated}\n" if updated else "",
                                                     body=body), encoding="utf-8")


@pytest.mark.parametrize("kind", implementations(STORES))
def test_store_keeps_every_revision_of_an_edited_article(kind, request, tmp_path, encoder):
    """An edited article becomes revision 2 beside revision 1 (nothing rewritten); reads see the latest
    revision, or with as_of the revision current then, offsets exact for each; an unchanged build adds
    none, a failed one leaves them as they were, a deleted file removes them all."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_bridge(corpus, FIRST_TEXT)
    (corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    settings = make_settings(corpus, FRESH_LOCATIONS[kind](tmp_path, request), entities=True)
    build_index(settings, encoder=encoder, progress=False)
    store = open_store(settings.index_dir, settings.keep_versions)
    before = store.open()
    article_id = next(c.article.article_id for c in before.chunks([int(i) for i in before.filtered_chunk_ids(Filters())])
                      if c.article.path == "bridge.txt")

    write_bridge(corpus, EDITED_TEXT, updated="2024-04-10")
    report = build_index(settings, encoder=encoder, progress=False)
    assert (report.updated, report.added, report.removed, report.articles) == (1, 0, 0, 2)
    reader = store.open()
    first, second = reader.revisions(article_id)
    assert (first.revision, first.valid_from, first.valid_to) == (1, date(2024, 3, 1), date(2024, 4, 10))
    assert (second.revision, second.valid_from, second.valid_to) == (2, date(2024, 4, 10), None)
    assert first.content_sha != second.content_sha and second.updated_date == date(2024, 4, 10)
    assert reader.article(article_id).body == EDITED_TEXT and reader.article(article_id).revision == 2
    assert reader.article(article_id, 1).body == FIRST_TEXT and reader.article(article_id, 3) is None
    assert reader.article_count() == 2

    question = encoder.encode(["When will the Tay bridge reopen?"])[0]
    for as_of, revision, text in ((None, 2, EDITED_TEXT), (date(2024, 3, 20), 1, FIRST_TEXT),
                                  (date(2024, 4, 10), 2, EDITED_TEXT), (date(2024, 5, 1), 2, EDITED_TEXT)):
        filters = Filters(as_of=as_of)
        for hits in (reader.dense_search(question, 5, filters), reader.sentence_search(question, 5, filters),
                     reader.keyword_search("Tay bridge reopen", 5, filters),
                     [(int(i), 0.0) for i in reader.filtered_chunk_ids(filters)]):
            bridge = [c for c in reader.chunks([i for i, _ in hits]) if c.article.article_id == article_id]
            assert bridge, (as_of, hits)
            for chunk in bridge:  # only the revision current then, its quotes exact in that revision's text
                assert (chunk.article.revision, chunk.article.content_sha) == \
                       (revision, (first, second)[revision - 1].content_sha), as_of
                assert text[chunk.start:chunk.end] == chunk.text == \
                       reader.article(article_id, revision).body[chunk.start:chunk.end]
        sentences = [h for h in reader.similar_sentences(question, 5, filters) if h.article.article_id == article_id]
        assert sentences and all(h.article.revision == revision and text[h.start:h.end] == h.text for h in sentences)
        members = reader.story_members([second.story_id], as_of)[second.story_id]
        assert [(m.article_id, m.revision) for m in members] == [(article_id, revision)]
    # Each revision's own entities, at offsets into its own text (the edit moved "Tay" 38 characters on).
    for revision, text in ((1, FIRST_TEXT), (2, EDITED_TEXT), (None, EDITED_TEXT)):
        found = reader.entities([article_id], None if revision is None else {article_id: revision})[article_id]
        assert found and all(text[e.start:e.end] == e.text for e in found), revision
    assert reader.entities([article_id], {article_id: 1}) != reader.entities([article_id])
    # Each revision's own sentence vectors: the sentence starting at 0 differs between them.
    old, new = reader.sentence_vectors(article_id, [0], 1)[0], reader.sentence_vectors(article_id, [0], 2)[0]
    assert float(old @ new) < 0.9 and float(reader.sentence_vectors(article_id, [0])[0] @ new) > 0.999

    # A reader opened before the edit still sees revision 1 as the latest, undated end and all.
    assert [(m.revision, m.valid_to) for m in before.revisions(article_id)] == [(1, None)]
    assert before.article(article_id).body == FIRST_TEXT
    assert {c.article.revision for c in before.chunks([i for i, _ in before.dense_search(question, 5)])} == {1}

    live = store.live_version()
    assert build_index(settings, encoder=encoder, progress=False).version == live  # unchanged: no revision 3
    assert len(store.open().revisions(article_id)) == 2

    write_bridge(corpus, EDITED_TEXT + " A third text.", updated="2024-05-01")
    for stage in ("embedding", "verified"):
        def fail(name, stage=stage):
            if name == stage:
                raise RuntimeError(f"failed at {stage}")

        with pytest.raises(RuntimeError, match=stage):
            build_index(settings, encoder=encoder, progress=False, on_stage=fail)
        assert store.live_version() == live
        after = store.open()
        assert [(m.revision, m.valid_to) for m in after.revisions(article_id)] == [(1, date(2024, 4, 10)), (2, None)]
        assert after.article(article_id).body == EDITED_TEXT

    # A full build (a new model, --full) keeps the history: revision 1 is embedded again with its own dates.
    write_bridge(corpus, EDITED_TEXT, updated="2024-04-10")
    kept = build_index(settings, encoder=encoder, progress=False, full=True)
    assert kept.full and kept.kept_revisions == 1 and kept.articles == 2
    rebuilt = store.open()
    assert [(m.revision, m.valid_from, m.valid_to, m.content_sha) for m in rebuilt.revisions(article_id)] == \
           [(m.revision, m.valid_from, m.valid_to, m.content_sha) for m in reader.revisions(article_id)]
    assert rebuilt.article(article_id, 1).body == FIRST_TEXT and rebuilt.article(article_id).body == EDITED_TEXT
    early = [c for c in rebuilt.chunks([i for i, _ in rebuilt.dense_search(question, 5, Filters(as_of=date(2024, 3, 20)))])
             if c.article.article_id == article_id]
    assert early and all(c.article.revision == 1 and FIRST_TEXT[c.start:c.end] == c.text for c in early)
    live = store.live_version()

    (corpus / "bridge.txt").unlink()  # a deleted file removes the article, every revision
    build_index(settings, encoder=encoder, progress=False)
    gone = store.open()
    assert gone.revisions(article_id) == [] and gone.article(article_id, 1) is None and gone.article_count() == 1
