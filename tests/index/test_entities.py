"""People, organisations and places found at build time (index/entities.py), and builds without the model."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from index import Filters, build_index, open_index
from index import entities as entity_recognition
from index.entities import ENTITY_MODEL, Entity, entities_of, entity_key, entity_name, load_recogniser
from index.formats import parse_record, read_records
from tests.support import SEED_FILE, make_settings


@pytest.fixture(scope="module")
def seed_body() -> str:
    return parse_record(next(read_records(SEED_FILE, SEED_FILE.parent, 10**7))).body


@pytest.fixture(scope="module")
def recogniser():
    found = load_recogniser(ENTITY_MODEL)
    assert found is not None, f"the pinned spaCy model {ENTITY_MODEL} is installed with the project"
    return found


def test_entities_are_the_article_text_at_their_offsets(recogniser, seed_body):
    found = recogniser.find([seed_body, "", "Angela Merkel met officials of the World Bank in Nairobi."])
    assert len(found) == 3 and found[1] == []
    seed = found[0]
    assert seed == sorted(seed) and len(seed) > 20
    assert all(seed_body[e.start:e.end] == e.text and e.text == e.text.strip() for e in seed)
    assert {e.kind for e in seed} == {"person", "organisation", "place"}
    named = {(e.text, e.kind) for e in seed}
    assert ("Steve Witkoff", "person") in named and ("Moscow", "place") in named
    assert [(e.text, e.kind) for e in found[2]] == [("Angela Merkel", "person"), ("the World Bank", "organisation"),
                                                     ("Nairobi", "place")]


def test_only_people_organisations_and_places_within_one_line_are_kept():
    text = "Paris\nHilton met IBM  staff in 2020 at Lake Tahoe."

    def span(word: str, label: str, extra: int = 0):
        start = text.index(word)
        return SimpleNamespace(label_=label, start_char=start, end_char=start + len(word) + extra)

    spans = [span("Paris\nHilton", "PERSON"), span("IBM", "ORG", extra=2), span("2020", "DATE"),
             span("Lake Tahoe", "LOC")]
    assert entities_of(text, spans) == [Entity(text.index("IBM"), text.index("IBM") + 3, "organisation", "IBM"),
                                        Entity(text.index("Lake"), text.index("Lake") + 10, "place", "Lake Tahoe")]


def test_names_compare_case_insensitively_without_a_leading_the():
    assert entity_name("the White House") == entity_name("The White House") == "White House"
    assert entity_key("THE WHITE HOUSE") == entity_key("white house") == entity_key("White  House".replace("  ", " "))
    assert entity_name("Theresa May") == "Theresa May" and entity_name("The") == "The"


def test_a_missing_model_turns_entities_off():
    assert load_recogniser("no_such_spacy_package") is None
    assert load_recogniser("") is None


def test_build_without_the_model_stores_no_entities_and_turning_them_on_rebuilds(tmp_path, encoder, monkeypatch):
    """Without spaCy or its model a build still works: no entities, no entity facets, the entity filter
    keeps nothing. Once the model is there, the next build is a full one (kept articles would have none)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILE, corpus / SEED_FILE.name)
    settings = make_settings(corpus, tmp_path / "index", entities=True)
    with monkeypatch.context() as patched:
        patched.setattr(entity_recognition, "load_entity_pipeline", lambda model: None)
        report = build_index(settings, encoder=encoder, progress=False)
    assert report.entities is None and report.entity_seconds == 0 and report.articles == 1
    reader = open_index(settings.index_dir)
    article_id = reader.chunks([int(reader.filtered_chunk_ids(Filters())[0])])[0].article.article_id
    assert reader.manifest.entities is None and reader.entities([article_id]) == {}
    assert reader.facets().entities == {"person": [], "organisation": [], "place": []}
    assert len(reader.filtered_chunk_ids(Filters(entity=["Moscow"]))) == 0

    again = build_index(settings, encoder=encoder, progress=False)
    assert again.full and "entity recognition changed" in again.reason_full and again.entities
    reader = open_index(settings.index_dir)
    assert reader.manifest.entities == again.entities and reader.entities([article_id])[article_id]
    assert len(reader.filtered_chunk_ids(Filters(entity=["moscow"]))) == reader.chunk_count()


def test_entities_are_off_unless_the_setting_turns_them_on(tmp_path, encoder, monkeypatch):
    """Off by default (measured at 29% of a build: scripts/bench_entities.py); NEWSQA_ENTITIES turns them on."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILE, corpus / SEED_FILE.name)
    monkeypatch.setenv("NEWSQA_ENTITIES", "true")
    assert make_settings(corpus, tmp_path / "index").entities is True
    monkeypatch.delenv("NEWSQA_ENTITIES")
    settings = make_settings(corpus, tmp_path / "index")
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.entities is None and open_index(settings.index_dir).facets().entities["place"] == []
