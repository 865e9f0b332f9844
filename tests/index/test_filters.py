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
