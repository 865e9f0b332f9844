"""How feed entries become corpus files: which address names an article, which text is the article's,
what a rewrite records. Hand-made feeds and saved pages in tmp_path, no network (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.ingest.corpus import FOLDER
from index.ingest.pipeline import IngestOptions, ingest_feeds
from tests.index.feedkit import item, page, paragraphs, rss, stored


def run(corpus: Path, *feeds: Path, pages: Path | None = None):
    report = ingest_feeds([str(f) for f in feeds], IngestOptions(corpus, pages, allow_fetch=False))
    return {o.entry: (o.action, o.notes) for o in report.outcomes if o.entry is not None}


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# D1: a canonical URL on another host, or a site root, is not the article's identity.

def test_pages_of_two_outlets_declaring_one_foreign_canonical_stay_two_articles(corpus, tmp_path):
    pages = tmp_path / "pages"
    shared = "https://trusted.example/news/rate-decision"
    write(pages / "rate-decision-a.html", page("Bank raises rates to 18 percent", [
        "The central bank raised its main interest rate to 18 percent on Thursday."] + paragraphs("rates"),
        canonical=shared))
    write(pages / "rates.html", page("Rates raised again", [
        "The central bank raised its main interest rate to 19 percent, a week after the last rise."]
        + paragraphs("the second rise"), canonical=shared))
    alder = write(tmp_path / "alder.xml", rss("Alder Post", [
        item("Rates", "https://alder.example/news/rate-decision-a")]))
    birch = write(tmp_path / "birch.xml", rss("Birch Times", [item("Rates", "https://birch.example/world/rates")]))
    assert run(corpus, alder, pages=pages)["https://alder.example/news/rate-decision-a"][0] == "added"
    assert run(corpus, birch, pages=pages)["https://birch.example/world/rates"][0] == "added"
    by_source = {a.source: a for a in stored(corpus)}
    assert sorted(by_source) == ["Alder Post", "Birch Times"]
    assert "18 percent" in by_source["Alder Post"].body and "19 percent" not in by_source["Alder Post"].body
    assert by_source["Alder Post"].url == "https://alder.example/news/rate-decision-a"
    assert "19 percent" in by_source["Birch Times"].body


def test_pages_whose_canonical_is_the_site_root_are_separate_articles(corpus, tmp_path):
    pages = tmp_path / "pages"
    topics = ["the elm disease", "the new park", "the school roof", "the tram line"]
    for n, topic in enumerate(topics):
        write(pages / f"story-{n}.html", page(f"Story about {topic}", paragraphs(topic),
                                              canonical="https://elm.example/"))
    links = [f"https://elm.example/news/story-{n}" for n in range(4)]
    feed = write(tmp_path / "elm.xml", rss("Elm Gazette", [item(f"Story {n}", links[n]) for n in range(3)]))
    assert [a for a, _ in run(corpus, feed, pages=pages).values()] == ["added"] * 3
    feed = write(tmp_path / "elm.xml", rss("Elm Gazette", [item(f"Story {n}", links[n]) for n in range(4)]))
    assert [a for a, _ in run(corpus, feed, pages=pages).values()] == ["unchanged"] * 3 + ["added"]
    bodies = sorted(a.body for a in stored(corpus))
    assert len(bodies) == 4 and all(any(t in b for b in bodies) for t in topics)
    assert sorted(a.url for a in stored(corpus)) == links


def test_a_different_article_is_never_written_over_an_existing_one(corpus, tmp_path):
    """Whatever address an entry shares with a stored article, different text is not an update of it."""
    pages = tmp_path / "pages"
    write(pages / "budget.html", page("Budget passed", BUDGET, canonical="https://oak.example/news/budget"))
    write(pages / "budget-2.html", page("Floods close the valley road", FLOODS,
                                        canonical="https://oak.example/news/budget"))
    first = write(tmp_path / "one.xml", rss("Oak News", [item("Budget", "https://oak.example/news/budget")]))
    second = write(tmp_path / "two.xml", rss("Oak News", [item("Floods", "https://oak.example/news/budget-2")]))
    run(corpus, first, pages=pages)
    action, notes = run(corpus, second, pages=pages)["https://oak.example/news/budget-2"]
    assert action != "updated", notes
    bodies = sorted(a.body for a in stored(corpus))
    assert len(bodies) == 2 and BUDGET[0] in bodies[0] and FLOODS[0] in bodies[1] and FLOODS[0] not in bodies[0]


def test_an_edited_article_under_its_canonical_address_is_still_updated(corpus, tmp_path):
    pages = tmp_path / "pages"
    write(pages / "budget.html", page("Budget passed", BUDGET, canonical="https://oak.example/news/budget"))
    feed = write(tmp_path / "one.xml", rss("Oak News", [item("Budget", "https://oak.example/news/budget?src=rss")]))
    run(corpus, feed, pages=pages)
    (pages / "budget.html").unlink()  # the same page, saved again under the address the feed now gives
    edited = BUDGET + ["Update: the mayor signed the budget on Friday."]
    write(pages / "budget-passed.html", page("Budget passed", edited, canonical="https://oak.example/news/budget"))
    feed = write(tmp_path / "one.xml", rss("Oak News", [item("Budget", "https://oak.example/budget-passed")]))
    assert run(corpus, feed, pages=pages)["https://oak.example/budget-passed"][0] == "updated"
    [article] = stored(corpus)
    assert article.body.endswith("signed the budget on Friday.")


BUDGET = ["The town council passed its budget for next year on Tuesday night after a four-hour debate, "
          "raising spending on roads and libraries while freezing the property tax for a second year.",
          "Councillors voted seven to two in favour. The two who voted against said the plan relied on "
          "optimistic forecasts of sales tax revenue from the new shopping centre on the ring road."]
FLOODS = ["Floodwater closed the valley road between Ashby and Kirkton on Sunday after two days of heavy rain, "
          "and the county warned drivers to expect the closure to last until at least Wednesday.",
          "Residents of six houses near the river were moved to the village hall overnight. The fire service "
          "pumped water from cellars and said nobody had been hurt, though several cars were swept away."]


# D3: an entry's own content (content:encoded, Atom <content>) is the article, however short.

def test_a_short_full_text_entry_is_ingested_from_the_feed(corpus, tmp_path):
    brief = ("<p>The river ferry will not run on Sunday because of high water.</p>"
             "<p>The operator said the service should resume on Monday morning if the level falls overnight, "
             "as forecasters expect.</p><p>Passengers can use the road bridge at Kelso, about ten kilometres "
             "upstream, or the shuttle bus that leaves the quay every hour.</p>")
    feed = write(tmp_path / "brief.xml", rss("River News", [
        item("Ferry suspended", "https://river.example/news/ferry-suspended", content=brief),
        item("Tide tables", "https://river.example/news/tides", description="High water times for March.")]))
    report = run(corpus, feed)
    assert report["https://river.example/news/ferry-suspended"][0] == "added"
    assert report["https://river.example/news/tides"][0] == "skipped"  # a description is a summary
    [article] = stored(corpus)
    assert article.body.startswith("The river ferry will not run on Sunday") and "every hour." in article.body
    assert "Text_From: feed" in next((corpus / FOLDER).glob("*.txt")).read_text()


# D5: a rewrite records when the stored text changed, so an earlier as-of date does not quote it.

def test_an_update_without_a_date_records_the_ingest_date(corpus, tmp_path):
    from datetime import date, datetime, timezone

    text = "".join(f"<p>{p}</p>" for p in paragraphs("the summit", 5))
    link = "https://river.example/news/summit"
    feed = write(tmp_path / "summit.xml", rss("River News", [item("Summit", link, content=text)]))
    run(corpus, feed)
    [article] = stored(corpus)
    assert (article.published_date, article.updated_date) == (date(2008, 1, 10), None)
    write(feed, rss("River News", [item("Summit", link, content=text + "<p>Update: the summit was postponed to "
                                                                      "September.</p>")]))
    assert run(corpus, feed)[link][0] == "updated"
    [article] = stored(corpus)
    assert article.updated_date == datetime.now(timezone.utc).date()
    assert article.published_date == date(2008, 1, 10) and "postponed to September" in article.body
    assert run(corpus, feed)[link][0] == "unchanged"  # the recorded date is kept, not a reason to rewrite


def test_an_update_keeps_the_modified_date_the_feed_gives(corpus, tmp_path):
    from datetime import date

    text = "".join(f"<p>{p}</p>" for p in paragraphs("the summit", 5))
    link = "https://river.example/news/summit"
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>River News</title>'
            '<entry><title>Summit</title><id>tag:river,1</id><link href="{link}"/><published>2008-01-10T09:00:00Z'
            '</published><updated>{updated}</updated><content type="html"><![CDATA[{text}]]></content></entry></feed>')
    feed = write(tmp_path / "summit.atom", atom.format(link=link, updated="2008-01-10T09:00:00Z", text=text))
    run(corpus, feed)
    write(feed, atom.format(link=link, updated="2008-01-12T10:00:00Z", text=text + "<p>Update: postponed.</p>"))
    assert run(corpus, feed)[link][0] == "updated"
    [article] = stored(corpus)
    assert article.updated_date == date(2008, 1, 12)


# D6: entities in text without tags, and double-escaped titles, are decoded once.

def test_entities_in_untagged_feed_text_and_double_escaped_titles_are_decoded(corpus, tmp_path):
    text = ("Smith &amp; Jones said it&#8217;s a &pound;40 million deal &mdash; the biggest this year. "
            + " ".join(paragraphs("the deal", 4)))
    feed = write(tmp_path / "deal.xml", rss("Money &amp;amp; Markets", [
        item("Tom &amp;amp; Jerry studio sold", "https://money.example/news/deal", content=text)]))
    run(corpus, feed)
    [article] = stored(corpus)
    assert article.title == "Tom & Jerry studio sold" and article.source == "Money & Markets"
    assert article.body.startswith("Smith & Jones said it\u2019s a \u00a340 million deal \u2014 the biggest")
    assert "&" not in article.body.replace("Smith & Jones", "")


# D7: a relative item link is resolved against the feed's address or its channel link.

def test_a_relative_link_is_resolved_against_the_channel_link(corpus, tmp_path):
    text = "".join(f"<p>{p}</p>" for p in paragraphs("the dam", 5))
    feed = write(tmp_path / "dam.xml", rss("River News", [item("Dam cracks", "/news/dam-cracks", content=text)],
                                           link="https://river.example/"))
    assert run(corpus, feed)["https://river.example/news/dam-cracks"][0] == "added"
    write(feed, rss("River News", [item("Cracks found in the dam", "/news/dam-cracks", content=text)],
                    link="https://river.example/"))
    assert run(corpus, feed)["https://river.example/news/dam-cracks"][0] == "updated"  # the title, same file
    [article] = stored(corpus)
    assert article.url == "https://river.example/news/dam-cracks" and article.title == "Cracks found in the dam"


# D8: a feed's guid names its entry across a change of link.

def test_an_entry_keeps_its_file_when_its_link_changes_under_the_same_guid(corpus, tmp_path):
    text = "".join(f"<p>{p}</p>" for p in paragraphs("the bypass", 5))
    feed = write(tmp_path / "bypass.xml", rss("River News", [
        item("Bypass", "https://river.example/news/bypass-plan", guid="rn-2008-0110-77", content=text)]))
    run(corpus, feed)
    write(feed, rss("River News", [
        item("Bypass approved", "https://river.example/news/bypass-approved", guid="rn-2008-0110-77", content=text)]))
    assert run(corpus, feed)["https://river.example/news/bypass-approved"][0] == "updated"
    [article] = stored(corpus)
    assert article.url == "https://river.example/news/bypass-approved"


def test_a_guid_repeated_across_a_feeds_entries_names_none_of_them(corpus, tmp_path):
    feed = write(tmp_path / "same-guid.xml", rss("River News", [
        item(f"Story {n}", f"https://river.example/news/{topic}", guid="https://river.example/",
             content="".join(f"<p>{p}</p>" for p in paragraphs(topic, 5)))
        for n, topic in enumerate(["the bypass", "the bridge"])]))
    assert [a for a, _ in run(corpus, feed).values()] == ["added", "added"]
    assert len(stored(corpus)) == 2


# D9: ingested files get the mode the umask gives, so a build under another account can read them.

def test_ingested_files_follow_the_umask(corpus, tmp_path):
    import os
    import stat

    text = "".join(f"<p>{p}</p>" for p in paragraphs("the bypass", 5))
    feed = write(tmp_path / "bypass.xml", rss("River News", [item("Bypass", "https://river.example/b", content=text)]))
    previous = os.umask(0o022)
    try:
        run(corpus, feed)
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (corpus / FOLDER).iterdir()}
    assert modes and set(modes.values()) == {0o644}, modes
