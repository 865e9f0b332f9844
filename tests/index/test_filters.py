"""Metadata filters compare values as people read them: case and Unicode form do not matter."""

import unicodedata

import pytest

from index import Filters, build_index, open_index
from tests.support import make_settings

NFD = unicodedata.normalize("NFD", "Süddeutsche Zeitung")


@pytest.fixture(scope="module")
def reader(tmp_path_factory, encoder):
    corpus = tmp_path_factory.mktemp("filters")
    (corpus / "a.txt").write_text(f"=== METADATA ===\nSource: {NFD}\nAuthors: Zoë Ångström\nSection: Économie\n"
                                  "Title: Zinsen steigen\n=== ARTICLE ===\nThe central bank raised rates again.\n")
    (corpus / "b.txt").write_text("=== METADATA ===\nSource: Le Monde\nTitle: Autre\n=== ARTICLE ===\n"
                                  "The central bank kept rates unchanged.\n")
    settings = make_settings(corpus, tmp_path_factory.mktemp("filters-index"))
    build_index(settings, encoder=encoder, progress=False)
    return open_index(settings.index_dir)


@pytest.mark.parametrize("filters", [
    Filters(source=["SÜDDEUTSCHE ZEITUNG"]),
    Filters(source=["Süddeutsche Zeitung"]),  # NFC query, NFD stored
    Filters(source=["süddeutsche zeitung"]),
    Filters(author=["ZOË ÅNGSTRÖM"]),
    Filters(section=["économie"]),
])
def test_filters_fold_case_and_unicode_form(reader, filters):
    hits = reader.keyword_search("central bank rates", 10, filters)
    assert {c.article.title for c in reader.chunks([i for i, _ in hits])} == {"Zinsen steigen"}


def test_inverted_date_range_is_refused():
    from datetime import date

    with pytest.raises(ValueError, match="later than"):
        Filters(published_after=date(2025, 2, 1), published_before=date(2025, 1, 1))


@pytest.fixture(scope="module")
def dated(tmp_path_factory, encoder):
    corpus = tmp_path_factory.mktemp("dated")
    for name, published in (("a", "2020-01-01"), ("b", "2021-06-01"), ("c", None)):
        date_line = f"Published_Date: {published}\n" if published else ""
        (corpus / f"{name}.txt").write_text(f"=== METADATA ===\nSource: Wire\nTitle: Rates {name}\n{date_line}"
                                            "=== ARTICLE ===\nThe central bank changed its interest rates.\n")
    settings = make_settings(corpus, tmp_path_factory.mktemp("dated-index"))
    build_index(settings, encoder=encoder, progress=False)
    reader = open_index(settings.index_dir)
    yield reader, encoder.encode(["interest rates"])[0]
    reader.close()


@pytest.mark.parametrize("as_of, window, expected", [
    ("2019-01-01", None, {"Rates c"}),  # undated articles always pass date conditions
    ("2020-06-01", None, {"Rates a", "Rates c"}),
    ("2021-06-01", None, {"Rates a", "Rates b", "Rates c"}),  # as of the newest date: nothing excluded
    ("2030-01-01", None, {"Rates a", "Rates b", "Rates c"}),
    (None, ("2021-01-01", "2021-12-31"), {"Rates b", "Rates c"}),
    (None, ("2000-01-01", "2030-12-31"), {"Rates a", "Rates b", "Rates c"}),
    ("2020-06-01", ("2000-01-01", "2030-12-31"), {"Rates a", "Rates c"}),
])
def test_date_conditions_hold_in_every_search_and_when_repeated(dated, as_of, window, expected):
    from datetime import date

    reader, vector = dated
    filters = Filters(as_of=date.fromisoformat(as_of) if as_of else None,
                      window=tuple(date.fromisoformat(d) for d in window) if window else None)
    for _ in range(2):  # the second time from the reader's cache of filtered ids
        for search in (reader.dense_search, reader.sentence_search):
            assert {c.article.title for c in reader.chunks([i for i, _ in search(vector, 10, filters)])} == expected
        assert {h.article.title for h in reader.similar_sentences(vector, 10, filters)} == expected
