"""The PostgreSQL store's query path on a real server: few statements per question, same rankings."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack, nullcontext
from datetime import date, timedelta

import psycopg
import pytest

from index import Filters, build_index, open_index
from index.stores.postgres import PostgresStore
from index.stores.postgres.memo import Memo
from index.stores.postgres.reader import PostgresReader
from qa.engine import Engine
from tests.support import NEW_ARTICLE, make_settings
from tests.system.test_postgres import QUESTIONS, seed_corpus


@pytest.fixture(scope="module")
def pg_index(postgres_server, tmp_path_factory, encoder, squad_data):
    corpus = seed_corpus(tmp_path_factory.mktemp("corpus"), squad_data[0], 12)
    settings = make_settings(corpus, postgres_server.new_database())
    build_index(settings, encoder=encoder, progress=False)
    return settings


class Statements:
    """Statements sent while counting, from any thread (the pool's empty liveness checks are not statements),
    and when each was waited for: statements in flight together are one round trip's wait."""

    def __init__(self, monkeypatch) -> None:
        self.sent: list[str] = []
        self.spans: list[tuple[float, float]] = []
        lock, execute = threading.Lock(), psycopg.Cursor.execute

        def counting(cursor, query, *args, **kwargs):
            started = time.perf_counter()
            try:
                return execute(cursor, query, *args, **kwargs)
            finally:
                if str(query).strip():
                    with lock:
                        self.sent.append(" ".join(str(query).split())[:100])
                        self.spans.append((started, time.perf_counter()))

        monkeypatch.setattr(psycopg.Cursor, "execute", counting)

    @property
    def round_trips(self) -> int:
        """Waits one after another: statements whose times overlap were sent at once and count once."""
        trips, end = 0, float("-inf")
        for start, stop in sorted(self.spans):
            if start >= end:
                trips += 1
            end = max(end, stop) if start < end else stop
        return trips


def test_a_question_is_answered_in_at_most_three_round_trips(pg_index, encoder, monkeypatch):
    Engine(pg_index, encoder).ask(QUESTIONS[1], 5)  # the process's store: pool connected, version learnt
    engine = Engine(pg_index, encoder)
    with engine.holder.snapshot():
        pass  # this engine's reader is open and holds nothing of the question below
    statements = Statements(monkeypatch)
    result = engine.ask(QUESTIONS[0], 5)
    assert result.answer.answerable and len(result.answer.citations) >= 1, result.answer
    assert result.answer.citations[0].quote in result.passages[0].chunk.text or any(
        c.quote in p.chunk.text for c in result.answer.citations for p in result.passages)
    # The vector and keyword searches at once, the passages, corroboration.
    assert statements.round_trips <= 3 and len(statements.sent) <= 4, statements.sent


def same_ranking(got, want) -> None:
    assert [cid for cid, _ in got] == [cid for cid, _ in want]
    assert [score for _, score in got] == pytest.approx([score for _, score in want], abs=1e-9)


def test_the_one_statement_search_ranks_as_the_separate_searches(pg_index, encoder):
    reader = open_index(pg_index.index_dir)
    for question in QUESTIONS:
        vector = encoder.encode([question])[0]
        for filters in (None, Filters(source=["New York Times"]), Filters(published_after=date(2025, 1, 1))):
            together = reader.hybrid_search(question, vector, 20, filters, 1.5)
            same_ranking(together["dense"], reader.dense_search(vector, 20, filters))
            same_ranking(together["sentence"], reader.sentence_search(vector, 20, filters))
            same_ranking(together["keyword"], reader.keyword_search(question, 20, filters, 1.5))
            assert together["dense"] and together["sentence"]  # the corpus answers each question
    assert reader.hybrid_search("the of", vector, 20, None, 1.0, ["keyword"]) == {"keyword": []}


def test_lookups_after_the_searches_match_a_fresh_reader(pg_index, encoder):
    """What the search and passage statements remember equals what a reader that remembers nothing reads."""
    warm, cold = open_index(pg_index.index_dir), open_index(pg_index.index_dir)
    vector = encoder.encode([QUESTIONS[0]])[0]
    hits = warm.hybrid_search(QUESTIONS[0], vector, 10)
    ids = list(dict.fromkeys(cid for kind in hits.values() for cid, _ in kind))
    assert warm.chunks(ids) == cold.chunks(ids) and warm.chunk_dates(ids) == cold.chunk_dates(ids)
    assert warm.date_mentions(ids) == open_index(pg_index.index_dir).date_mentions(ids)
    chunk = warm.chunks(ids[:1])[0]
    starts = [s for s, _ in chunk.sentences]
    remembered, read = warm.sentence_vectors(chunk.article.article_id, starts), \
        open_index(pg_index.index_dir).sentence_vectors(chunk.article.article_id, starts)
    assert remembered.keys() == read.keys() == set(starts)
    assert all((remembered[s] == pytest.approx(read[s], abs=1e-6)) for s in starts)
    stems = warm.stems(QUESTIONS[0])
    assert warm.document_frequencies(stems) == open_index(pg_index.index_dir).document_frequencies(stems)
    story = chunk.article.story_id
    assert warm.story_members([story]) == open_index(pg_index.index_dir).story_members([story])


def test_a_version_published_by_another_process_is_learnt_without_asking(postgres_server, tmp_path, encoder,
                                                                         squad_data, monkeypatch):
    corpus = seed_corpus(tmp_path / "corpus", squad_data[0], 2)
    settings = make_settings(corpus, postgres_server.new_database())
    first = build_index(settings, encoder=encoder, progress=False).version
    replica = PostgresStore(settings.index_dir)  # not the store the build uses: as if in another process
    try:
        assert replica.live_version() == first
        deadline = time.monotonic() + 10
        while replica._live.current() != first:  # the listening connection is up
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (corpus / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        second = build_index(settings, encoder=encoder, progress=False).version
        statements = Statements(monkeypatch)
        deadline = time.monotonic() + 5
        while replica.live_version() != second:
            assert time.monotonic() < deadline, "the replica never learnt of the new version"
            time.sleep(0.02)
        assert statements.sent == []  # learnt from the notification, not by polling the pointer
    finally:
        replica.close()


def test_date_filters_that_exclude_nothing_are_dropped_and_others_still_apply(pg_index, encoder):
    """Every question carries an as-of date (today): one after every article's date must search as no filter
    (the folder store's rule), and one before them must still leave out what was not yet published."""
    reader = open_index(pg_index.index_dir)
    vector = encoder.encode([QUESTIONS[0]])[0]
    dates = reader.chunk_dates([int(i) for i in reader.filtered_chunk_ids(Filters())])
    newest = max(d for d in dates.values() if d is not None)
    assert reader.hybrid_search(QUESTIONS[0], vector, 20, Filters(as_of=newest)) == \
        reader.hybrid_search(QUESTIONS[0], vector, 20)
    before = min(d for d in dates.values() if d is not None) - timedelta(days=1)
    unfiltered = {cid for hits in reader.hybrid_search(QUESTIONS[0], vector, 20).values() for cid, _ in hits}
    early = reader.hybrid_search(QUESTIONS[0], vector, 20, Filters(as_of=before))
    assert any(dates[cid] is not None for cid in unfiltered)  # the filter has something to leave out ...
    assert all(dates[cid] is None for hits in early.values() for cid, _ in hits)  # ... and leaves it out


def test_a_search_is_answered_in_at_most_three_round_trips_with_the_same_results(pg_index, encoder, monkeypatch):
    """The candidate pool is read without sentence vectors and the page's in one more statement: the results
    and snippets equal those of a reader that reads every passage's vectors."""
    Engine(pg_index, encoder).search(QUESTIONS[0], 5)  # the process's store: pool connected, version learnt
    engine = Engine(pg_index, encoder)
    with engine.holder.snapshot():
        pass
    statements = Statements(monkeypatch)
    deferred = engine.search(QUESTIONS[2], 5)
    sent = list(statements.sent)
    assert statements.round_trips <= 3 and len(sent) <= 4, sent  # the searches at once, the pool, the page's vectors
    assert deferred.articles and all(r.snippet is not None for r in deferred.articles)

    monkeypatch.setattr(PostgresReader, "chunks_without_vectors", PostgresReader.chunks)  # every vector read
    eager = Engine(pg_index, encoder).search(QUESTIONS[2], 5)
    assert [(r.article.article_id, r.snippet, r.score) for r in deferred.articles] == \
        [(r.article.article_id, r.snippet, r.score) for r in eager.articles]


def test_a_chunk_read_without_its_vectors_or_that_forgot_them_is_read_again_with_them(pg_index, encoder, monkeypatch):
    reader = open_index(pg_index.index_dir)
    vector = encoder.encode([QUESTIONS[1]])[0]
    ids = list(dict.fromkeys(cid for hits in reader.hybrid_search(QUESTIONS[1], vector, 10).values() for cid, _ in hits))
    light = reader.chunks_without_vectors(ids)
    assert light == open_index(pg_index.index_dir).chunks(ids)  # the same chunks, vectors aside
    statements = Statements(monkeypatch)
    assert reader.chunks_without_vectors(ids) == light and statements.sent == []  # remembered
    assert reader.chunks(ids) == light and len(statements.sent) == 1  # read again, with their vectors
    chunk = light[0]
    starts = [s for s, _ in chunk.sentences]
    assert reader.sentence_vectors(chunk.article.article_id, starts, chunk.article.revision).keys() == set(starts)
    assert reader.chunks(ids) == light and len(statements.sent) == 1  # nothing more to read
    reader._sentences = Memo(reader._sentences.size)  # the vectors forgotten, the chunks still remembered
    assert reader.chunks(ids) == light and len(statements.sent) == 2
    assert reader.sentence_vectors(chunk.article.article_id, starts, chunk.article.revision).keys() == set(starts)
    assert len(statements.sent) == 2


def test_without_a_spare_connection_the_searches_run_in_turn_alike(pg_index, encoder, monkeypatch):
    """A request that finds no second connection free does not wait for one (two requests doing so would
    wedge the pool): it runs both statements on its own, with the same results."""
    reader = open_index(pg_index.index_dir)
    vector = encoder.encode([QUESTIONS[0]])[0]
    at_once = reader.hybrid_search(QUESTIONS[0], vector, 20)
    database = reader.db
    with ExitStack() as held:
        for _ in range(database.pool_size):  # every connection of the pool is taken
            held.enter_context(database.connection())
        started = time.perf_counter()
        with database.spare_connection() as spare:
            assert spare is None and time.perf_counter() - started < 1  # said at once, not after the pool's 5 s
    monkeypatch.setattr(type(database), "spare_connection", lambda self: nullcontext())
    fresh = open_index(pg_index.index_dir)
    statements = Statements(monkeypatch)
    in_turn = fresh.hybrid_search(QUESTIONS[0], vector, 20)
    assert in_turn == at_once and statements.round_trips == len(statements.sent) == 2


def test_a_failing_statement_sent_beside_another_is_raised_and_frees_both_connections(pg_index):
    database = open_index(pg_index.index_dir).db

    def failing(conn):
        conn.execute("SELECT 1/0")

    for _ in range(3):  # more than the pool holds: a connection kept by a failure would starve the third
        with pytest.raises(psycopg.errors.DivisionByZero):
            database.at_once(lambda conn: conn.execute("SELECT pg_sleep(0.05)").fetchall(), failing)
    assert database.at_once(lambda conn: conn.execute("SELECT 1").fetchone(),
                            lambda conn: conn.execute("SELECT 2").fetchone()) == ((1,), (2,))
