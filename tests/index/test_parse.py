import json
import re
from datetime import date
from pathlib import Path

import pytest

from index.formats import UnusableFile, parse_date, parse_record, read_records, split_authors
from tests.support import SEED_FILE


def parse_file(path: Path, max_bytes: int = 10_000_000):
    records = list(read_records(path, path.parent, max_bytes))
    return [parse_record(r) for r in records]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_seed_article_fields():
    [article] = parse_file(SEED_FILE)
    assert article.source == "New York Times"
    assert article.title == "His Deadline for a Peace Deal Blown, Trump Faces Choices on Russia-Ukraine Talks"
    assert article.authors == ["David E. Sanger", "Anton Troianovski"]
    assert article.reported_from == "Washington, USA"
    assert article.published_date == date(2025, 12, 3)
    assert article.updated_date == date(2025, 12, 21)
    assert article.section == "Russia-Ukraine War / U.S. Foreign Policy"
    assert article.page is None
    assert article.conflict == "Russia-Ukraine War"
    assert article.body.startswith("His Deadline for a Peace Deal Blown")
    assert article.body.endswith("convince Kyiv to accept it.”")
    assert "=== ARTICLE ===" not in article.body


def test_article_id_is_stable_and_depends_on_path():
    [a] = parse_file(SEED_FILE)
    [b] = parse_file(SEED_FILE)
    assert a.article_id == b.article_id
    assert len(a.article_id) == 16


@pytest.mark.parametrize("value,expected", [
    ("David E. Sanger, Anton Troianovski", ["David E. Sanger", "Anton Troianovski"]),
    ("By A. One, B. Two and C. Three", ["A. One", "B. Two", "C. Three"]),
    ("Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
    ("Not specified", []),
    ("", []),
])
def test_split_authors(value, expected):
    assert split_authors(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("2025-12-03", date(2025, 12, 3)),
    ("2025-12-03T10:15:00Z", date(2025, 12, 3)),
    ("Dec. 3, 2025", date(2025, 12, 3)),
    ("3 December 2025", date(2025, 12, 3)),
    ("December 3, 2025", date(2025, 12, 3)),
    ("not a date", None),
    (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_unknown_keys_are_kept(tmp_path):
    path = write(tmp_path, "a.txt", "=== METADATA ===\nSource: X\nDesk: Foreign\n=== ARTICLE ===\nBody text here.")
    [article] = parse_file(path)
    assert article.extra == {"desk": "Foreign"}
    assert article.source == "X"


def test_no_metadata_block_uses_first_line_as_title(tmp_path):
    [article] = parse_file(write(tmp_path, "plain.md", "# A Plain Title\n\nSome body text. More text."))
    assert article.title == "A Plain Title"
    assert article.body.startswith("# A Plain Title")


def test_no_article_marker_takes_body_after_metadata(tmp_path):
    path = write(tmp_path, "a.txt", "=== METADATA ===\nTitle: T\nSource: S\n\nThe body starts here. Second.")
    [article] = parse_file(path)
    assert (article.title, article.source) == ("T", "S")
    assert article.body == "The body starts here. Second."
    assert any("ARTICLE" in w for w in article.warnings)


def test_duplicate_keys_keep_first_and_warn(tmp_path):
    path = write(tmp_path, "a.txt", "=== METADATA ===\nTitle: First\nTitle: Second\n=== ARTICLE ===\nBody.")
    [article] = parse_file(path)
    assert article.title == "First"
    assert any("duplicate" in w for w in article.warnings)


def test_crlf_and_bom(tmp_path):
    text = "\ufeff=== METADATA ===\r\nTitle: T\r\nPublished_Date: 2024-01-02\r\n=== ARTICLE ===\r\nLine one.\r\n\r\nLine two."
    [article] = parse_file(write(tmp_path, "a.txt", text))
    assert article.title == "T"
    assert article.published_date == date(2024, 1, 2)
    assert "\r" not in article.body and article.body == "Line one.\n\nLine two."


def test_latin1_bytes_are_decoded(tmp_path):
    raw = "=== METADATA ===\nTitle: Café\n=== ARTICLE ===\nLe café était fermé.".encode("latin-1")
    [article] = parse_file(write(tmp_path, "a.txt", raw))
    assert article.title == "Café"
    assert "café était" in article.body


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"", "empty file"),
    ("binary.txt", bytes(range(256)) * 4, "binary"),
    ("nobody.txt", "=== METADATA ===\nTitle: T\n=== ARTICLE ===\n   \n", "no article body"),
])
def test_unusable_files_raise_with_reason(tmp_path, name, data, reason):
    path = write(tmp_path, name, data)
    with pytest.raises(UnusableFile, match=reason):
        parse_file(path)


def test_oversize_file_is_refused(tmp_path):
    path = write(tmp_path, "big.txt", "word " * 1000)
    with pytest.raises(UnusableFile, match="over the limit"):
        parse_file(path, max_bytes=100)


def test_jsonl_records(tmp_path):
    path = write(tmp_path, "feed.jsonl",
                 '{"title": "One", "text": "First body.", "authors": ["A", "B"], "published_date": "2024-05-06"}\n'
                 '\n'
                 '{"text": "Untitled body line.\\nMore.", "source": "Wire"}\n')
    one, two = parse_file(path)
    assert (one.title, one.authors, one.published_date) == ("One", ["A", "B"], date(2024, 5, 6))
    assert (two.title, two.source) == ("Untitled body line.", "Wire")
    assert re.fullmatch(r"feed\.jsonl#[0-9a-f]{16}", one.path) and one.path != two.path
    assert one.article_id != two.article_id


def test_jsonl_bad_line_is_unusable(tmp_path):
    path = write(tmp_path, "feed.jsonl", '{"title": "no text"}\n')
    [record] = list(read_records(path, tmp_path, 10_000))
    with pytest.raises(UnusableFile, match="text"):
        parse_record(record)


def jsonl(tmp_path: Path, lines: list[str], name: str = "feed.jsonl") -> list:
    return list(read_records(write(tmp_path, name, "\n".join(lines) + "\n"), tmp_path, 10_000_000))


# D1: a lone surrogate escape is legal JSON but not encodable text; it must cost one line, not the build.
@pytest.mark.parametrize("bad_line", [
    '{"title": "x", "text": "bad \\ud83d here"}',
    '{"title": "bad \\udc00 title", "text": "Fine body."}',
    '{"text": "Fine body.", "authors": ["Jane \\ud800 Doe"]}',
    '{"id": "\\ud83d", "text": "Fine body."}',
])
def test_jsonl_lone_surrogate_skips_only_that_line(tmp_path, bad_line):
    first, bad, last = jsonl(tmp_path, [
        '{"title": "A", "text": "First body."}',
        bad_line,
        '{"title": "C", "text": "A pair \\ud83d\\ude00 is one emoji."}',
    ])
    with pytest.raises(UnusableFile, match="invalid Unicode escape"):
        parse_record(bad)
    assert parse_record(first).title == "A"
    assert parse_record(last).body == "A pair \U0001F600 is one emoji."


# D2: NUL and other C0 controls made SQLite substr() quotes differ from the article text.
def test_json_control_characters_are_removed(tmp_path):
    [record] = jsonl(tmp_path, [
        '{"title": "Ti\\u0000tle", "text": "Before\\u0000after.\\u0007 Tab\\there\\r\\nNext line.",'
        ' "source": "Wi\\u0001re", "desk": "For\\u001feign"}',
    ])
    article = parse_record(record)
    assert article.title == "Title"
    assert article.body == "Beforeafter. Tab\there\nNext line."
    assert (article.source, article.extra["desk"]) == ("Wire", "Foreign")


def test_seed_control_characters_are_removed(tmp_path):
    text = ("=== METADATA ===\nTitle: Ti\x1btle\x9d\nSource: W\x08ire\x7f\n=== ARTICLE ===\n"
            "Body\x01 text.\x0cPage two.\x85Line\x81 three \u00e9t\u00e9.")
    [article] = parse_file(write(tmp_path, "a.txt", text))
    assert (article.title, article.source) == ("Title", "Wire")  # C0, DEL and C1 controls dropped
    assert article.body == "Body text.\nPage two.\nLine three \u00e9t\u00e9."  # NEL is a line break; letters stay


def test_json_values_that_are_not_strings_are_kept_as_json_text(tmp_path):
    [record] = jsonl(tmp_path, [
        '{"text": "Body.", "breaking": true, "score": 2.5, "tags": {"desk": "Forêt", "n": 1},'
        ' "related": ["a", {"id": 2}], "page": 3}',
    ])
    article = parse_record(record)
    assert article.extra == {"breaking": "true", "score": "2.5", "tags": '{"desk": "Forêt", "n": 1}',
                             "related": 'a, {"id": 2}'}
    assert article.page == "3"


# D3: .jsonl keys come from the record, not its line number.
def test_jsonl_keys_survive_an_inserted_line(tmp_path):
    lines = [
        '{"id": "a-1", "text": "One."}',
        '{"id": 42, "text": "Two."}',
        '{"url": "https://example.com/3", "text": "Three."}',
        '{"text": "Four."}',
    ]
    before = jsonl(tmp_path, lines)
    after = jsonl(tmp_path, ['{"text": "A new first line."}'] + lines)
    assert [r.key for r in after[1:]] == [r.key for r in before]
    assert [parse_record(r).article_id for r in after[1:]] == [parse_record(r).article_id for r in before]
    assert [r.key for r in before[:3]] == ["feed.jsonl#a-1", "feed.jsonl#42", "feed.jsonl#https://example.com/3"]
    assert re.fullmatch(r"feed\.jsonl#[0-9a-f]{16}", before[3].key)


def test_jsonl_key_keeps_its_id_when_the_text_is_edited(tmp_path):
    [old] = jsonl(tmp_path, ['{"id": "a-1", "text": "One."}'])
    [new] = jsonl(tmp_path, ['{"id": "a-1", "text": "One, corrected."}'])
    assert old.key == new.key and old.content_sha != new.content_sha


@pytest.mark.parametrize("name", ["x" * 500, "has spaces # and a hash", "https://example.com/" + "p" * 200])
def test_jsonl_long_or_unsafe_ids_are_hashed(tmp_path, name):
    lines = [json.dumps({"id": name, "text": "One."}), json.dumps({"id": name + "2", "text": "Two."})]
    records = jsonl(tmp_path, lines)
    assert all(re.fullmatch(r"feed\.jsonl#[0-9a-f]{16}", r.key) for r in records)
    assert records[0].key != records[1].key


def test_jsonl_repeated_key_is_skipped_with_reason(tmp_path):
    lines = [
        '{"id": "a", "text": "One."}',
        '{"id": "a", "text": "Another article reusing the id."}',
        '{"text": "Same."}',
        '{"text": "Same."}',
    ]
    records = jsonl(tmp_path, lines)
    assert len({r.key for r in records}) == 4
    assert [r.key for r in records] == [r.key for r in jsonl(tmp_path, lines)]
    assert records[0].key == "feed.jsonl#a" and parse_record(records[0]).body == "One."
    with pytest.raises(UnusableFile, match="same id as line 1"):
        parse_record(records[1])
    assert parse_record(records[2]).body == "Same."
    with pytest.raises(UnusableFile, match="identical to line 3"):
        parse_record(records[3])


def test_jsonl_unparseable_line_is_keyed_by_content_and_unusable(tmp_path):
    [record] = jsonl(tmp_path, ["this is not json"])
    assert re.fullmatch(r"feed\.jsonl#[0-9a-f]{16}", record.key)
    with pytest.raises(UnusableFile, match="not valid JSON"):
        parse_record(record)


# D7: author lists and name suffixes.
@pytest.mark.parametrize("value,expected", [
    ("Martin Luther King, Jr.", ["Martin Luther King, Jr."]),
    ("Martin Luther King, Jr. and Jane Doe", ["Martin Luther King, Jr.", "Jane Doe"]),
    ("John Roe, Sr., Jane Doe", ["John Roe, Sr.", "Jane Doe"]),
    ("Sammy Davis, Jr", ["Sammy Davis, Jr"]),
    ("Henry Ford, III, A. Smith", ["Henry Ford, III", "A. Smith"]),
    ("Pope John Paul II and Jane Doe", ["Pope John Paul II", "Jane Doe"]),
    ("BY JANE DOE AND JOHN ROE", ["JANE DOE", "JOHN ROE"]),
    ("by Jane Doe And John Roe", ["Jane Doe", "John Roe"]),
    ("Sandra Anderson and Andrew Brand", ["Sandra Anderson", "Andrew Brand"]),
    ("A One, B Two, and C Three", ["A One", "B Two", "C Three"]),
])
def test_split_authors_keeps_suffixes_and_ignores_case(value, expected):
    assert split_authors(value) == expected


def test_json_author_list_is_taken_as_given(tmp_path):
    [record] = jsonl(tmp_path, ['{"text": "Body.", "authors": ["Doe, Jane", " Roe, John ", "", null]}'])
    assert parse_record(record).authors == ["Doe, Jane", "Roe, John"]


# D8: a date with no year is no date, and says so.
@pytest.mark.parametrize("value", ["Dec 3", "Monday", "3 December", "December 3rd", "10:00"])
def test_parse_date_without_a_year_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize("value,expected", [
    ("Dec 3 2025", date(2025, 12, 3)),
    ("Monday, December 1, 2025", date(2025, 12, 1)),
    ("2025-12-03T10:00:00+05:00", date(2025, 12, 3)),
    ("12/03/2025", date(2025, 12, 3)),
    ("29 February 2024", date(2024, 2, 29)),
])
def test_parse_date_full_dates_still_parse(value, expected):
    assert parse_date(value) == expected


def test_yearless_date_warns_on_the_article(tmp_path):
    path = write(tmp_path, "a.txt", "=== METADATA ===\nTitle: T\nPublished_Date: Dec 3\n=== ARTICLE ===\nBody.")
    [article] = parse_file(path)
    assert article.published_date is None
    assert any("'Dec 3' has no year; left undated" in w for w in article.warnings)


# D11: one stray Windows-1252 byte must not turn a whole UTF-8 file into mojibake.
def test_stray_cp1252_byte_in_utf8_file_is_repaired(tmp_path):
    raw = "=== METADATA ===\nTitle: Café in Russia’s capital\n=== ARTICLE ===\nThe café opened QUOTE.".encode()
    raw = raw.replace(b"QUOTE", b"\x93at last\x94")
    [article] = parse_file(write(tmp_path, "a.txt", raw))
    assert article.title == "Café in Russia’s capital"
    assert article.body == "The café opened “at last”."
    assert any("Windows-1252" in w and "line 4" in w for w in article.warnings)


@pytest.mark.parametrize("title", ["Café", "Cafe"])
def test_stray_byte_in_jsonl_warns_only_its_own_line(tmp_path, title):
    raw = ('{"title": "%s", "text": "Clean line."}\n{"title": "Two", "text": "Stray QUOTE here."}\n' % title).encode()
    path = write(tmp_path, "feed.jsonl", raw.replace(b"QUOTE", b"\x92"))
    clean, stray = parse_file(path)
    assert (clean.title, clean.warnings) == (title, [])
    assert stray.body == "Stray ’ here."
    assert any("Windows-1252" in w and "line 2" in w for w in stray.warnings)


def test_latin1_file_warning_reaches_the_article(tmp_path):
    raw = "=== METADATA ===\nTitle: Café\n=== ARTICLE ===\nLe café était fermé.".encode("latin-1")
    [article] = parse_file(write(tmp_path, "a.txt", raw))
    assert any("not valid UTF-8" in w for w in article.warnings)


def test_mostly_cp1252_file_is_read_whole_as_cp1252(tmp_path):
    # "Ã©" is valid UTF-8 by accident; in a file that is otherwise Windows-1252 it means "Ã©".
    text = "=== METADATA ===\nTitle: Café\n=== ARTICLE ===\nLe café était fermé; the sign said Ã©."
    raw = text.encode("cp1252")
    [article] = parse_file(write(tmp_path, "a.txt", raw))
    assert article.body == "Le café était fermé; the sign said Ã©."
    assert any("cp1252" in w for w in article.warnings)


# D20: concatenated files leave a BOM at the start of later lines.
def test_bom_at_the_start_of_any_jsonl_line_is_ignored(tmp_path):
    raw = '\ufeff{"title": "A", "text": "One."}\n'.encode() + '\ufeff{"title": "B", "text": "Two."}\n'.encode()
    assert [a.title for a in parse_file(write(tmp_path, "feed.jsonl", raw))] == ["A", "B"]


# D23: UTF-16 with a byte-order mark is text, not binary.
@pytest.mark.parametrize("bom,encoding", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_seed_file_is_read(tmp_path, bom, encoding):
    text = "=== METADATA ===\r\nTitle: Kyiv’s talks\r\nSource: Wire\r\n=== ARTICLE ===\r\nThe body — in full.\r\n"
    [article] = parse_file(write(tmp_path, "a.txt", bom + text.encode(encoding)))
    assert (article.title, article.source, article.body) == ("Kyiv’s talks", "Wire", "The body — in full.")


def test_jsonl_size_limit_applies_to_each_article_not_the_file(tmp_path):
    lines = [json.dumps({"id": f"a{i}", "title": f"T{i}", "text": "Words here. " * 50}) for i in range(30)]
    lines.append(json.dumps({"id": "huge", "title": "Huge", "text": "x " * 2000}))
    path = tmp_path / "archive.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 3000
    records = list(read_records(path, tmp_path, max_bytes=3000))
    assert len(records) == 31
    assert sum(1 for r in records if r.unusable is None) == 30
    with pytest.raises(UnusableFile, match="over the limit"):
        parse_record(next(r for r in records if r.key.endswith("#huge")))


# Issue 24 D6: plain-text bodies carrying literal HTML entities (Wikinews' "&mdash;") are decoded at parse time,
# before any offset exists, so quotes are the text a reader sees.

def test_entities_in_seed_and_jsonl_text_are_decoded_and_bare_ampersands_kept(tmp_path):
    seed = write(tmp_path, "a.txt", "=== METADATA ===\nTitle: Tom &amp; Jerry\n=== ARTICLE ===\n"
                                     "Prices rose 5&nbsp;% &mdash; the most since 1990 &ndash; AT&T said; "
                                     "R&D&notice stay as written, &bogus; too.\n")
    [article] = parse_file(seed)
    assert article.title == "Tom & Jerry"
    assert article.body == ("Prices rose 5\u00a0% \u2014 the most since 1990 \u2013 AT&T said; "
                            "R&D&notice stay as written, &bogus; too.")
    lines = write(tmp_path, "b.jsonl", json.dumps({"id": "w1", "title": "Q&amp;A", "text": "Storm &mdash; "
                                                   "floods&#8217; toll&#x21; &#1;Done."}) + "\n")
    [article] = parse_file(lines)
    assert (article.title, article.body) == ("Q&A", "Storm \u2014 floods\u2019 toll! Done.")
