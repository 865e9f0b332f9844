"""Feeds and pages fetched from a local site on 127.0.0.1 whose answers change between runs (issue 24):
a failure is retried on the next run, never remembered as "unchanged"."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest.corpus import FOLDER
from index.ingest.pipeline import IngestOptions, ingest_feeds
from tests.index.feedkit import item, page, paragraphs, rss, serve, stored

WORDS_OF_THE_FEED = " ".join(f"<p>{p}</p>" for p in paragraphs("the dam inspection", 5))


@pytest.fixture()
def site():
    site, server = serve()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def run(corpus: Path, site) -> tuple[dict[str, tuple[str, list[str]]], dict[str, str]]:
    """(entry → (action, notes), feed → action) of one ingest of the site's feed."""
    report = ingest_feeds([f"{site.base}/feed.xml"], IngestOptions(corpus, None, allow_fetch=True))
    entries = {o.entry: (o.action, o.notes) for o in report.outcomes if o.entry is not None}
    return entries, {o.feed: o.action for o in report.outcomes if o.entry is None}


def test_a_paywalled_page_falls_back_to_the_feeds_text_and_is_fetched_again_later(corpus, site):
    link = f"{site.base}/news/dam"
    site.set("/feed.xml", rss("Dam News", [item("Dam inspected", link, content=WORDS_OF_THE_FEED)]), etag='"f1"',
             content_type="application/rss+xml")
    site.set("/news/dam", page("Dam inspected", ["Subscribe to read the rest of this story today."]), etag='"p1"')
    action, notes = run(corpus, site)[0][link]
    assert action == "added" and any("used the full text the feed carries" in n for n in notes), notes
    [article] = stored(corpus)
    assert "Paragraph 5 of the report on the dam inspection" in article.body
    # The stub's ETag was not remembered: when the feed changes, the page is asked for in full again.
    site.set("/feed.xml", rss("Dam News", [item("Dam inspected again", link, content=WORDS_OF_THE_FEED)]),
             etag='"f2"', content_type="application/rss+xml")
    site.set("/news/dam", page("Dam inspected", paragraphs("the dam's new spillway", 4)), etag='"p1"')
    assert run(corpus, site)[0][link][0] == "updated"
    [article] = stored(corpus)
    assert "the dam's new spillway" in article.body


def test_a_page_that_answered_404_is_fetched_again_when_the_feed_is_read_next(corpus, site):
    link = f"{site.base}/news/late"
    site.set("/feed.xml", rss("Dam News", [item("Late story", link, description="A teaser.")]), etag='"f1"',
             content_type="application/rss+xml")
    entries, _ = run(corpus, site)
    assert entries[link][0] == "skipped" and "404" in entries[link][1][0]
    site.set("/news/late", page("Late story", paragraphs("the late story")), etag='"p1"')
    entries, feeds = run(corpus, site)
    assert entries[link][0] == "added", (feeds, entries)
    entries, feeds = run(corpus, site)  # everything used: now the feed and the page are "not modified"
    assert list(feeds.values()) == ["unchanged"] and entries == {}


def test_a_feed_address_answering_an_error_page_fails_on_every_run(corpus, site):
    site.set("/feed.xml", "<html><body><h1>Service unavailable</h1></body></html>", etag='"e1"')
    for _ in range(2):
        _, feeds = run(corpus, site)
        assert list(feeds.values()) == ["failed"]
    assert site.hits["/feed.xml"] == 2
    assert not (corpus / FOLDER).exists() or not list((corpus / FOLDER).glob("*.txt"))


def test_a_relative_item_link_is_resolved_against_the_feeds_address(corpus, site):
    site.set("/feeds/river.xml", rss("River News", [item("Dam cracks", "../news/dam-cracks", description="Teaser.")]),
             content_type="application/rss+xml")
    site.set("/news/dam-cracks", page("Cracks found in the dam", paragraphs("the cracked dam")))
    report = ingest_feeds([f"{site.base}/feeds/river.xml"], IngestOptions(corpus, None, allow_fetch=True))
    [entry] = [o for o in report.outcomes if o.entry is not None]
    assert (entry.entry, entry.action) == (f"{site.base}/news/dam-cracks", "added")
    [article] = stored(corpus)
    assert article.url == f"{site.base}/news/dam-cracks" and "the cracked dam" in article.body
