"""Saved news pages → article text without boilerplate, and the metadata the page declares.

Fixtures are invented articles written for these tests (tests/fixtures/ingest/pages/).
"""

from datetime import date
from pathlib import Path

import pytest

from index.formats.html import decode_page, extract_page, fragment_text
from index.formats import UnusableFile, parse_record, read_records

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest" / "pages"
NAVIGATION = ["Crosswords and Puzzles", "Subscribe today", "Weather Centre", "ADVERTISEMENT", "Related stories",
              "Bus timetable shake-up", "Sign up for our free newsletter", "Disgraceful", "Privacy policy",
              "Comments (3)", "All rights reserved", "Most read", "Share on social media", "Courier home",
              "Public notices", "Advertise with us", "Traffic and travel", "dataLayer"]


def page(name: str, url: str | None = None):
    text, warnings = decode_page((PAGES / name).read_bytes())
    extracted = extract_page(text, url)
    extracted.warnings[:0] = warnings
    return extracted


def corpus_article(folder: Path, name: str, max_bytes: int = 10_000_000):
    [record] = read_records(folder / name, folder, max_bytes)
    return parse_record(record)


def assert_no_boilerplate(body: str) -> None:
    found = [phrase for phrase in NAVIGATION if phrase.lower() in body.lower()]
    assert found == [], f"boilerplate in the extracted text: {found}"


def test_json_ld_page_fields_win_over_opengraph_and_meta_tags():
    p = page("harbour-ferry.html")
    assert p.title == "Ferry fares to rise 12 percent as council backs electric boats"  # not og:title
    assert p.source == "The Harbour Gazette"  # JSON-LD publisher, not og:site_name
    assert p.authors == ["Ann Lee", "Bo Chen"]  # not the meta author "Gazette Staff"
    assert p.published == date(2026, 3, 4)
    assert p.updated == date(2026, 3, 5)
    assert p.section == "Local News"
    assert p.url == "https://www.harbourgazette.example/news/2026/03/04/ferry-fares-rise"


def test_json_ld_page_text_holds_the_article_and_none_of_the_boilerplate():
    body = page("harbour-ferry.html").body
    for sentence in [
        "The city council voted on Tuesday to raise ferry fares by 12 percent from April, the first increase in "
        "six years, after a late-night debate that split the governing coalition.",
        "A single adult ticket will cost 3.40 dollars instead of 3.05 dollars, while the monthly pass for "
        "commuters rises from 78 dollars to 87 dollars.",
        "“Families on the north shore have no other way to get to work,” said Desmond Achebe of the Ferry Users "
        "Association, which collected 4,200 signatures against the rise.",
        "The council said concession fares for pensioners and students would stay frozen until the end of next "
        "year, and that the older diesel boats would be retired once the new vessels pass their sea trials.",
    ]:
        assert sentence in body
    assert_no_boilerplate(body)
    assert "\n\n" in body and "\n\n\n" not in body  # one paragraph per block, so no sentence spans two


def test_opengraph_only_page():
    p = page("library-reopens.html")
    assert p.title == "Valley library reopens its doors eight months after the flood"
    assert p.source == "Northern Valley Courier"
    assert p.authors == ["Priya Raman"]
    assert (p.published, p.updated) == (date(2026, 2, 27), date(2026, 2, 28))
    assert p.section == "Culture"
    assert p.url == "https://www.valleycourier.example/culture/library-reopens"
    assert "first book borrowed was a well-thumbed guide to growing vegetables." in p.body
    assert "we did not lose a single parish record" in p.body
    assert_no_boilerplate(p.body)


def test_byline_only_page_gets_authors_from_the_byline_and_a_date_from_the_text():
    p = page("bridge-repairs.html", url="https://www.valleycourier.example/local/bridge-repairs?utm_source=x")
    assert p.authors == ["Tomas Ferreira", "Lina Okafor"]
    assert p.title == "Old toll bridge to close for six weeks of repairs"
    assert p.published == date(2026, 3, 2) and p.published_guessed
    assert any("read from the page text" in w for w in p.warnings)
    assert p.url == "https://www.valleycourier.example/local/bridge-repairs"  # the given address, canonical
    assert "a shuttle bus will run every twenty minutes between the two town centres." in p.body
    assert_no_boilerplate(p.body)


def test_hostile_page_keeps_scripts_styles_and_handlers_out_of_the_text():
    p = page("pilots-strike.html")
    assert "voted by 41 to 6 on Thursday to walk out for 48 hours next month" in p.body
    assert "Talks between the two sides are due to resume on Monday" in p.body
    for hostile in ["INJECTED", "document.", "cookie", "STYLE TEXT", "alert(", "NOSCRIPT", "IFRAME ADVERT",
                    "HUGE_ATTRIBUTE", "Click here for a prize"]:
        assert hostile not in p.body
    assert p.authors == ["Marcus Oyelaran"] and p.source == "The Harbour Gazette"  # JSON-LD as plain strings
    assert p.section == "Business" and p.published == date(2026, 3, 6)
    assert any("JSON-LD block could not be read" in w for w in p.warnings)  # the broken block is reported


def test_huge_attribute_values_are_survived(tmp_path):
    raw = (PAGES / "pilots-strike.html").read_bytes().replace(b"HUGE_ATTRIBUTE_VALUE", b"A" * 6_000_000)
    (tmp_path / "huge.html").write_bytes(raw)
    article = corpus_article(tmp_path, "huge.html")
    assert "Harbour pilots who guide container ships" in article.body
    assert "AAAA" not in article.body and len(article.body) < 2000


def test_windows_1252_page_declared_in_meta_is_decoded():
    raw = (PAGES / "cafe-owners.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is Windows-1252
    p = page("cafe-owners.html")
    assert p.title == "Café owners fight plan for a “quiet” waterfront"
    assert p.authors == ["Renée Dupré"]
    assert "“It is a naïve idea dressed up as a noise policy,” said José Alvaréz" in p.body
    assert "costs €450 a year" in p.body
    assert "\ufffd" not in p.body


@pytest.mark.parametrize("declared", ["iso-8859-1", "latin1", "ISO_8859-1"])
def test_a_page_declaring_latin_1_is_read_as_windows_1252_like_browsers(declared):
    raw = f'<html><head><meta charset="{declared}"></head><body><p>'.encode() + "“café” €".encode("cp1252")
    text, warnings = decode_page(raw)
    assert "“café” €" in text and warnings == []


def test_a_wrong_or_unknown_declared_encoding_is_reported_not_fatal():
    text, warnings = decode_page('<meta charset="klingon-8"><p>café</p>'.encode("utf-8"))
    assert "café" in text and "unknown encoding" in warnings[0]
    text, warnings = decode_page('<meta charset="utf-8"><p>caf\xe9</p>'.encode("latin-1"))
    assert "café" in text and "not valid UTF-8" in warnings[0]


def test_page_with_no_article_text_is_refused_with_a_reason():
    with pytest.raises(UnusableFile, match="no article text"):
        page("subscribe-offer.html")


@pytest.mark.parametrize("content", [b"<html></html>", b"   \n  ", b"just words, no markup at all", b"<<<>>>"])
def test_empty_or_non_html_pages_are_refused_with_a_reason(tmp_path, content):
    (tmp_path / "x.html").write_bytes(content)
    with pytest.raises(UnusableFile):
        corpus_article(tmp_path, "x.html")


def test_html_corpus_file_becomes_an_article_whose_body_is_the_extracted_text(tmp_path):
    (tmp_path / "ferry.html").write_bytes((PAGES / "harbour-ferry.html").read_bytes())
    article = corpus_article(tmp_path, "ferry.html")
    assert article.body == page("harbour-ferry.html").body
    assert article.path == "ferry.html" and len(article.article_id) == 16
    assert article.authors == ["Ann Lee", "Bo Chen"] and article.source == "The Harbour Gazette"
    assert (article.published_date, article.updated_date) == (date(2026, 3, 4), date(2026, 3, 5))
    assert article.section == "Local News"
    assert article.url == "https://www.harbourgazette.example/news/2026/03/04/ferry-fares-rise"


def test_htm_suffix_and_a_20_mb_page_over_the_size_limit(tmp_path):
    (tmp_path / "page.htm").write_bytes((PAGES / "library-reopens.html").read_bytes())
    assert corpus_article(tmp_path, "page.htm").source == "Northern Valley Courier"
    big = tmp_path / "big.html"
    with big.open("wb") as handle:
        handle.write(b"<html><body><article>")
        handle.write((b"<p>" + b"A long paragraph of words. " * 40 + b"</p>\n") * 20_000)
        handle.write(b"</article></body></html>")
    assert big.stat().st_size > 20_000_000
    with pytest.raises(UnusableFile, match="over the limit of 10,000,000"):
        list(read_records(big, tmp_path, 10_000_000))


def test_feed_entry_html_fragment_to_paragraphs():
    html = "<p>First <b>para</b>graph.</p><script>alert(1)</script><ul><li>One</li><li>Two</li></ul>"
    assert fragment_text(html) == "First paragraph.\n\nOne\n\nTwo"
    assert fragment_text("plain text\nsecond line") == "plain text\n\nsecond line"


def test_structured_author_lists_keep_each_name_whole(tmp_path):
    raw = (PAGES / "pilots-strike.html").read_text().replace(
        '"author": "Marcus Oyelaran"', '"author": [{"@type": "Person", "name": "Oyelaran, Marcus"}, '
                                       '{"@type": "Person", "name": "https://x.example/staff/2"}, "By Ada Obi"]')
    (tmp_path / "p.html").write_text(raw)
    assert corpus_article(tmp_path, "p.html").authors == ["Oyelaran, Marcus", "Ada Obi"]


def test_bytes_windows_1252_leaves_undefined_do_not_lose_the_page():
    raw = b'<meta charset="windows-1252"><p>caf\xe9 \x81 \x93quoted\x94</p>'
    text, warnings = decode_page(raw)
    assert "café" in text and "“quoted”" in text and warnings == []
