"""Canonical URLs: one article under two addresses is one article; two articles never merge."""

import pytest

from index.formats.urls import article_file_name, canonical_url, url_key

ARTICLE = "https://www.harbourgazette.example/news/2026/03/04/ferry-fares-rise"


@pytest.mark.parametrize("variant", [
    ARTICLE,
    ARTICLE + "?utm_source=rss&utm_medium=feed&utm_campaign=daily",
    ARTICLE + "?fbclid=IwAR0abc",
    ARTICLE + "?gclid=xyz&msclkid=1",
    ARTICLE + "#comments",
    ARTICLE + "/",
    ARTICLE + "/amp",
    ARTICLE + "/amp/",
    ARTICLE + "?outputType=amp",
    ARTICLE + "?amp=1",
    ARTICLE + "?amp",
    "https://www.harbourgazette.example/amp/news/2026/03/04/ferry-fares-rise",
    "https://WWW.HarbourGazette.EXAMPLE/news/2026/03/04/ferry-fares-rise",
    "https://harbourgazette.example/news/2026/03/04/ferry-fares-rise",
    "https://amp.harbourgazette.example/news/2026/03/04/ferry-fares-rise",
    "http://www.harbourgazette.example:80/news/2026/03/04/ferry-fares-rise",
    "https://www.harbourgazette.example:443/news/2026/03/04/ferry-fares-rise/?utm_source=x#top",
])
def test_addresses_of_one_article_share_a_key(variant):
    assert url_key(variant) == url_key(ARTICLE) == "harbourgazette.example/news/2026/03/04/ferry-fares-rise"
    assert article_file_name(url_key(variant)) == article_file_name(url_key(ARTICLE))


@pytest.mark.parametrize("other", [
    "https://www.harbourgazette.example/news/2026/03/04/ferry-fares-fall",
    "https://www.harbourgazette.example/news/article?id=1",
    "https://www.otherpaper.example/news/2026/03/04/ferry-fares-rise",
    "https://www.harbourgazette.example/news/2026/03/04/ferry-fares-rise?page=2",
])
def test_different_articles_keep_different_keys(other):
    assert url_key(other) != url_key(ARTICLE)


def test_query_parameters_that_name_the_article_are_kept_in_a_stable_order():
    assert url_key("https://x.example/a?id=1&utm_source=y") != url_key("https://x.example/a?id=2")
    assert canonical_url("https://x.example/a?b=2&a=1&utm_medium=z") == "https://x.example/a?a=1&b=2"


def test_canonical_url_stays_a_working_address():
    assert canonical_url(ARTICLE + "/amp?utm_source=rss#x") == ARTICLE
    assert canonical_url("/news/x", base="https://www.example.com/other/page") == "https://www.example.com/news/x"


@pytest.mark.parametrize("bad", [None, "", "   ", "mailto:desk@example.com", "javascript:alert(1)", "/relative",
                                 "https://", "https://host:notaport/x", "ftp://example.com/a"])
def test_non_web_addresses_have_no_key(bad):
    assert url_key(bad) is None
