"""The pipeline's plug-in points: every registered stage and retriever meets its contract, and a new
one is a single registration."""

from __future__ import annotations

import pytest

from index import Filters, UnknownChoice, open_index
from qa.engine import Engine
from qa.pipeline import ASK, SEARCH, STAGES, Pipeline, Request, Services
from qa.retrievers import RETRIEVERS
from qa.settings import Settings

SEED_SOURCE = "New York Times"


@pytest.fixture(scope="module")
def reader(small_index):
    index = open_index(small_index.index_dir)
    yield index
    index.close()


@pytest.mark.parametrize("name", RETRIEVERS.names())
def test_every_retriever_ranks_existing_chunks_best_first_within_k_and_filters(name, reader, encoder):
    retriever = RETRIEVERS.create(name, reader, Settings().retrieval)
    question = "Who did Witkoff meet in Moscow?"
    vector = encoder.encode([question])[0]
    hits = retriever.search(question, vector, 3, None)
    assert 0 < len(hits) <= 3
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(reader.chunks([cid for cid, _ in hits])) == len(hits)
    filtered = retriever.search(question, vector, 10, Filters(source=[SEED_SOURCE]))
    assert filtered and {c.article.source for c in reader.chunks([cid for cid, _ in filtered])} == {SEED_SOURCE}


class PinnedRetriever:
    """Always ranks one chunk first: a stand-in for a new retrieval method."""

    name = "pinned"
    weight = 1.0

    def __init__(self, index, settings) -> None:
        self.chunk = max(index.filtered_chunk_ids(Filters()))

    def search(self, question, vector, k, filters):
        return [(int(self.chunk), 1.0)]


RETRIEVERS.register("pinned", PinnedRetriever)


def test_a_new_retriever_is_one_registration(small_index, encoder, reader):
    engine = Engine(small_index.model_copy(update={"retrieval_mode": "pinned"}), encoder)
    passages = engine.search("anything at all", 3).passages
    assert [p.chunk.id for p in passages] == [int(max(reader.filtered_chunk_ids(Filters())))]


def test_an_unknown_retriever_is_refused_at_start_naming_the_choices(small_index, encoder):
    with pytest.raises(UnknownChoice, match="unknown retriever 'semantic'.*dense.*keyword"):
        Engine(small_index.model_copy(update={"retrieval_mode": "dense,semantic"}), encoder)


@pytest.mark.parametrize("name", STAGES.names())
def test_every_stage_is_built_from_settings_and_declares_what_it_needs(name, encoder):
    stage = STAGES.create(name, Settings(), Services(encoder))
    assert stage.name == name
    assert isinstance(stage.uses_index, bool)
    assert isinstance(stage.passages_needed, int) and stage.passages_needed >= 0


def test_the_ask_and_search_pipelines_name_registered_stages_in_order():
    assert set(ASK) <= set(STAGES.names()) and set(SEARCH) <= set(STAGES.names())
    assert ASK[:3] == SEARCH[:3] == ("plan", "retrieve", "windows") and SEARCH[3:] == ("group", "entities")


class NoteStage:
    """Adds a note: a stand-in for a new query feature."""

    name = "note"
    uses_index = False
    passages_needed = 0

    def run(self, state, snapshot=None):
        state.plan.notes.append(f"{len(state.passages)} passages")


STAGES.register("note", lambda settings, services: NoteStage())


def test_a_new_stage_is_one_registration(small_index, encoder):
    engine = Engine(small_index, encoder)
    pipeline = Pipeline.of((*SEARCH, "note"), small_index, Services(encoder), engine.holder)
    state = pipeline.run(Request("Who did Witkoff meet?", 2))
    assert state.plan.notes == ["2 passages"]


def test_answers_draw_on_more_passages_than_a_small_top_k_and_return_every_cited_one(small_index, encoder):
    engine = Engine(small_index, encoder)
    assert engine.asking.passages_needed == small_index.answer_passages
    result = engine.ask("How long did the Moscow meeting with Putin last?", 1)
    cited = {id(c.passage) for c in result.answer.citations}
    assert cited <= {id(p) for p in result.passages} and len(result.passages) <= 1 + len(cited)
