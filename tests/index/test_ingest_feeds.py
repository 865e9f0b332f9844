"""``qa ingest-feed``: saved RSS/Atom feeds and pages → seed-format files the incremental build reads.

Everything here is offline: pages come from tests/fixtures/ingest/pages (or a local HTTP
server on 127.0.0.1 for the fetching tests), never from the network.
"""

import http.server
import os
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest

from index import build_index
from index.ingest.corpus import FOLDER, STATE_FILE
from index.ingest.pipeline import IngestOptions, ingest_feeds
from index.formats import parse_record, read_records
from qa.cli import main as qa_main
from qa.engine import Engine
from tests.support import make_settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"
PAGES = FIXTURES / "pages"
RSS, ATOM = str(FIXTURES / "rss.xml"), str(FIXTURES / "atom.xml")
FERRY = "https://www.harbourgazette.example/news/2026/03/04/ferry-fares-rise"


def ingest(corpus: Path, *feeds: str, pages: Path | None = PAGES, max_bytes: int = 10_000_000):
    return ingest_feeds(list(feeds), IngestOptions(corpus, pages, allow_fetch=False, max_bytes=max_bytes))


def outcomes(report) -> dict[str, tuple[str, list[str]]]:
    return {o.entry: (o.action, o.notes) for o in report.outcomes if o.entry is not None}


def articles(corpus: Path) -> dict[str, object]:
    """The ingested files as the build reads them, by URL."""
    found = {}
    for path in sorted((corpus / FOLDER).glob("*.txt")):
        [record] = read_records(path, corpus, 10_000_000)
        article = parse_record(record)
        found[article.url] = article
    return found


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "mine.txt").write_text("=== METADATA ===\nTitle: Already here\n=== ARTICLE ===\nAn article of mine.\n")
    return folder


def test_feeds_become_articles_with_page_metadata(corpus):
    report = ingest(corpus, RSS, ATOM)
    assert report.count("added") == 7 and report.count("duplicate") == 2 and report.count("skipped") == 2
    found = articles(corpus)
    assert sorted(found) == sorted([
        FERRY, "https://www.harbourgazette.example/news/2026/03/06/pilots-strike",
        "https://www.harbourgazette.example/news/fish-market-moves",
        "https://www.valleycourier.example/culture/library-reopens",
        "https://www.valleycourier.example/local/bridge-repairs",
        "https://www.valleycourier.example/business/cafe-owners",
        "https://www.valleycourier.example/sport/rowing-club-centenary",
    ])
    ferry = found[FERRY]  # JSON-LD page
    assert (ferry.title, ferry.source, ferry.authors) == (
        "Ferry fares to rise 12 percent as council backs electric boats", "The Harbour Gazette", ["Ann Lee", "Bo Chen"])
    assert (ferry.published_date, ferry.updated_date, ferry.section) == (date(2026, 3, 4), date(2026, 3, 5),
                                                                         "Local News")
    assert "raise ferry fares by 12 percent from April" in ferry.body and "Disgraceful" not in ferry.body
    bridge = found["https://www.valleycourier.example/local/bridge-repairs"]  # byline-only page
    assert bridge.authors == ["Tomas Ferreira", "Lina Okafor"]
    assert bridge.source == "Northern Valley Courier"  # the feed's title, not the host name
    assert bridge.published_date == date(2026, 3, 2)
    cafe = found["https://www.valleycourier.example/business/cafe-owners"]  # Windows-1252 page
    assert "“It is a naïve idea dressed up as a noise policy,” said José Alvaréz" in cafe.body
    rowing = found["https://www.valleycourier.example/sport/rowing-club-centenary"]  # the Atom entry's content
    assert rowing.authors == ["Ines Carvalho"] and rowing.section == "Sport"
    assert (rowing.published_date, rowing.updated_date) == (date(2026, 3, 3), None)
    assert rowing.body.startswith("The Millbrook Rowing Club celebrated its hundredth year on Saturday")
    assert (corpus / "mine.txt").read_text().startswith("=== METADATA ===\nTitle: Already here")


def test_files_are_named_from_the_canonical_url_in_the_seed_format(corpus):
    ingest(corpus, RSS)
    from index.formats.urls import article_file_name, url_key

    path = corpus / FOLDER / article_file_name(url_key(FERRY))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("=== METADATA ===\nSource: The Harbour Gazette\n"
                           "Title: Ferry fares to rise 12 percent as council backs electric boats\n"
                           "Authors: Ann Lee; Bo Chen\nPublished_Date: 2026-03-04\nUpdated_Date: 2026-03-05\n"
                           "Section: Local News\nURL: " + FERRY + "\nText_From: page\n\n=== ARTICLE ===\n")
    assert not [p for p in (corpus / FOLDER).iterdir() if p.name.endswith(".tmp")]  # no temporary file left


def test_reingesting_adds_nothing_and_touches_no_file(corpus):
    ingest(corpus, RSS, ATOM)
    before = snapshot(corpus / FOLDER)
    report = ingest(corpus, RSS, ATOM)
    assert report.count("added") == report.count("updated") == 0
    assert report.count("unchanged") == 7
    assert snapshot(corpus / FOLDER) == before


def test_one_article_under_several_addresses_is_written_once(corpus):
    report = outcomes(ingest(corpus, RSS))
    ferry_entries = [e for e in report if "ferry" in e]
    assert len(ferry_entries) == 3
    assert [report[e][0] for e in ferry_entries] == ["added", "duplicate", "duplicate"]
    # tracking parameters, AMP path, host case, fragment; and an AMP page whose rel=canonical names the article
    assert all("same canonical URL" in report[e][1][0] for e in ferry_entries[1:])
    assert sum("ferry fares by 12 percent" in a.body for a in articles(corpus).values()) == 1


def test_saved_amp_copy_is_not_preferred_over_the_full_page(corpus):
    ingest(corpus, RSS)
    assert articles(corpus)[FERRY].authors == ["Ann Lee", "Bo Chen"]  # from harbour-ferry.html, not the AMP copy


def test_lost_state_file_still_dedupes(corpus):
    ingest(corpus, RSS, ATOM)
    (corpus / FOLDER / STATE_FILE).unlink()
    report = ingest(corpus, RSS, ATOM)
    assert report.count("added") == 0 and len(list((corpus / FOLDER).glob("*.txt"))) == 7


def test_entry_without_a_date_is_ingested_undated_with_the_reason(corpus):
    action, notes = outcomes(ingest(corpus, RSS))["https://www.harbourgazette.example/news/fish-market-moves"
                                                  "?ref_src=twsrc"]
    assert action == "added" and any("no date" in n and "undated" in n for n in notes)
    fish = articles(corpus)["https://www.harbourgazette.example/news/fish-market-moves"]
    assert fish.published_date is None and fish.authors == ["Hannah Mbeki"] and "<script" not in fish.body
    assert "alert" not in fish.body  # feedparser sanitises the entry's HTML, and only text is kept


def test_summary_only_entry_and_page_without_text_are_skipped_with_reasons(corpus):
    report = outcomes(ingest(corpus, RSS))
    action, notes = report["https://www.harbourgazette.example/news/tide-tables"]
    assert action == "skipped" and "only a summary" in notes[0]
    action, notes = report["https://www.harbourgazette.example/news/subscribe-offer"]
    assert action == "skipped" and "no article text in the page" in notes[0]


def test_page_text_is_never_replaced_by_the_feeds_copy(corpus, tmp_path):
    feed = tmp_path / "rss_with_content.xml"
    text = Path(RSS).read_text().replace(
        "<description>Pilots plan a 48-hour walkout.</description>",
        "<content:encoded><![CDATA[<p>" + "A shorter wire version of the pilots story. " * 20 + "</p>]]>"
        "</content:encoded>")
    feed.write_text(text)
    ingest(corpus, str(feed))
    before = snapshot(corpus / FOLDER)
    report = outcomes(ingest(corpus, str(feed), pages=None))
    assert report["https://www.harbourgazette.example/news/2026/03/06/pilots-strike"][0] == "kept"
    assert snapshot(corpus / FOLDER) == before


def test_a_changed_article_is_updated_in_place(corpus, tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(PAGES, pages)
    ingest(corpus, ATOM, pages=pages)
    library = pages / "library-reopens.html"
    library.write_text(library.read_text().replace("More than three hundred readers", "Nearly four hundred readers"))
    report = outcomes(ingest(corpus, ATOM, pages=pages))
    assert [a for a, _ in report.values()].count("updated") == 1
    assert "Nearly four hundred readers" in articles(corpus)["https://www.valleycourier.example/culture/"
                                                             "library-reopens"].body
    assert len(list((corpus / FOLDER).glob("*.txt"))) == 4 and (corpus / "mine.txt").exists()


def test_a_20_mb_saved_page_is_skipped_over_the_size_limit(corpus, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    with (pages / "bridge-repairs.html").open("wb") as handle:
        handle.write((PAGES / "bridge-repairs.html").read_bytes())
        handle.write(b"<!-- padding -->" * 1_300_000)
    assert (pages / "bridge-repairs.html").stat().st_size > 20_000_000
    action, notes = outcomes(ingest(corpus, ATOM, pages=pages))["https://www.valleycourier.example/local/"
                                                                 "bridge-repairs"]
    assert action == "skipped" and "over the limit of 10,000,000" in notes[0]


def test_malformed_feeds_are_reported_and_the_others_still_read(corpus):
    report = ingest(corpus, str(FIXTURES / "not-a-feed.xml"), str(FIXTURES / "truncated.xml"), ATOM)
    feeds = {o.feed: o for o in report.outcomes if o.entry is None}
    assert feeds[str(FIXTURES / "not-a-feed.xml")].action == "failed"
    assert "not a readable RSS or Atom feed" in feeds[str(FIXTURES / "not-a-feed.xml")].notes[0]
    truncated = feeds[str(FIXTURES / "truncated.xml")]
    assert truncated.action == "read" and any("malformed" in n for n in truncated.notes)
    assert report.count("added") == 5  # the truncated feed's first entry, and the Atom feed's four


def test_cli_exit_codes_and_one_line_reasons(corpus, capsys):
    assert qa_main(["ingest-feed", str(corpus / "missing.xml"), "--corpus", str(corpus)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: feed file {corpus / 'missing.xml'} does not exist"
    assert qa_main(["ingest-feed", RSS, "--corpus", str(corpus), "--pages", str(corpus / "nope")]) == 2
    assert "saved-pages folder" in capsys.readouterr().err
    assert qa_main(["ingest-feed", RSS, "--corpus", str(corpus / "nope")]) == 2
    assert "corpus folder" in capsys.readouterr().err
    assert qa_main(["ingest-feed", "https://feeds.example/rss", "--no-fetch", "--corpus", str(corpus)]) == 2
    capsys.readouterr()

    assert qa_main(["ingest-feed", RSS, ATOM, "--corpus", str(corpus), "--pages", str(PAGES), "--no-fetch"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith(f"Ingested into {corpus}: 7 added, 2 duplicate, 2 skipped")
    assert "  skipped: https://www.harbourgazette.example/news/tide-tables (" in out

    assert qa_main(["ingest-feed", str(FIXTURES / "not-a-feed.xml"), ATOM, "--corpus", str(corpus),
                    "--pages", str(PAGES), "--no-fetch"]) == 1
    captured = capsys.readouterr()
    assert "4 unchanged" in captured.out
    assert len(captured.err.strip().splitlines()) == 1 and "could not be read" in captured.err


class _Site(http.server.BaseHTTPRequestHandler):
    """A tiny local site: the Atom feed with links to itself, its pages, an ETag, and one page too large."""

    pages: dict[str, bytes] = {}
    requests: list[tuple[str, str | None]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requests.append((self.path, self.headers.get("If-None-Match")))
        body = self.pages.get(self.path.split("?")[0].rstrip("/"))
        if body is None:
            self.send_error(404)
            return
        etag = f'"{hash(body) & 0xffff:x}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=windows-1252" if "cafe" in self.path else "text/html")
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    base = f"http://127.0.0.1:{server.server_port}"
    feed = Path(ATOM).read_text()
    for host in ("https://valleycourier.example", "https://www.valleycourier.example"):
        feed = feed.replace(host, base)
    feed = feed.replace(f"{base}/sport/rowing-club-centenary", f"{base}/huge")
    _Site.pages = {"/feed.atom": feed.encode(), "/huge": b"<p>" + b"x" * 200_000 + b"</p>",
                   **{f"/{sub}/{name}": (PAGES / f"{name}.html").read_bytes() for sub, name in
                      [("culture", "library-reopens"), ("local", "bridge-repairs"), ("business", "cafe-owners")]}}
    _Site.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_fetching_is_polite_capped_and_conditional(corpus, site):
    options = IngestOptions(corpus, None, allow_fetch=True, max_bytes=100_000)
    report = ingest_feeds([f"{site}/feed.atom"], options)
    assert report.count("added") == 4  # three pages fetched; the oversized page falls back to the entry's text
    action, notes = outcomes(report)[f"{site}/huge"]
    assert action == "added" and "more than 100,000 bytes" in notes[0]
    # The pages declare their canonical on www.valleycourier.example, another site than the one serving them.
    assert "naïve idea" in articles(corpus)[f"{site}/business/cafe-owners"].body
    first = list(_Site.requests)
    assert all(etag is None for _, etag in first)
    report = ingest_feeds([f"{site}/feed.atom"], options)  # every address answers 304 Not Modified now
    assert [o.action for o in report.outcomes] == ["unchanged"]
    assert all(etag for _, etag in _Site.requests[len(first):])


def test_ingested_pages_are_built_and_answered_with_exact_quotes(tmp_path, encoder):
    corpus = tmp_path / "corpus"
    (corpus / "saved").mkdir(parents=True)
    shutil.copy(PAGES / "pilots-strike.html", corpus / "saved" / "pilots-strike.html")  # a page in the corpus
    ingest(corpus, ATOM)
    settings = make_settings(corpus, tmp_path / "index")
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.articles == 5 and report.skipped == []
    engine = Engine(settings, encoder)
    for question, expected, title in [
        ("How long will the harbour pilots walk out for?", "48 hours", "Harbour pilots vote to strike over night shifts"),
        ("How much did the library repairs cost?", "1.9 million dollars",
         "Valley library reopens its doors eight months after the flood"),
    ]:
        answer = engine.ask(question, 5).answer
        assert answer.answerable, answer.reason
        citation = answer.citations[0]
        article = engine.article(citation.passage.chunk.article.article_id)
        assert article.title == title
        assert expected in citation.quote
        assert article.body[citation.start:citation.end] == citation.quote
    pilots = next(a for a in (engine.article(c.passage.chunk.article.article_id)
                              for c in engine.ask("How long will the harbour pilots walk out for?", 5).answer.citations)
                  if a.path == "saved/pilots-strike.html")
    assert pilots.authors == ["Marcus Oyelaran"] and pilots.url.endswith("/news/2026/03/06/pilots-strike")
    assert "INJECTED" not in pilots.body
    assert report.warnings == [] or all("date" in w or "JSON-LD" in w for _, w in report.warnings)
    assert os.path.exists(corpus / FOLDER / STATE_FILE)


def test_entry_without_a_link_is_named_from_its_id_stably(corpus, tmp_path):
    feed = tmp_path / "nolink.xml"
    feed.write_text(Path(ATOM).read_text().replace(
        '<link rel="alternate" href="https://www.valleycourier.example/sport/rowing-club-centenary"/>', ""))
    report = outcomes(ingest(corpus, str(feed), pages=None))
    [(action, notes)] = [v for k, v in report.items() if "rowing-centenary" in k]
    assert action == "added" and "no link" in notes[0]
    moved = tmp_path / "elsewhere" / "same-feed.xml"
    moved.parent.mkdir()
    shutil.copy(feed, moved)
    report = outcomes(ingest(corpus, str(moved), pages=None))
    assert [v[0] for k, v in report.items() if "rowing-centenary" in k] == ["unchanged"]


def test_a_feed_file_over_the_size_limit_is_refused_with_the_reason(corpus):
    [feed] = ingest(corpus, RSS, max_bytes=1_000).outcomes
    assert feed.action == "failed" and "over the limit of 1,000" in feed.notes[0]
    assert not (corpus / FOLDER).exists() or not list((corpus / FOLDER).glob("*.txt"))


def test_ingest_and_format_failures_carry_a_status_and_an_exit_code():
    from index.errors import NewsQAError
    from index.formats import UnusableFile
    from index.ingest.feeds import FeedError
    from index.ingest.fetch import FetchError

    assert [(issubclass(e, NewsQAError), e.http_status, e.exit_code) for e in (UnusableFile, FeedError, FetchError)] \
        == [(True, 422, 1), (True, 422, 1), (True, 502, 1)]
