from datetime import date
from pathlib import Path

import pytest

from index.parse import UnusableFile, parse_date, parse_record, read_records, split_authors
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
    assert one.path == "feed.jsonl#1" and two.path == "feed.jsonl#3"
    assert one.article_id != two.article_id


def test_jsonl_bad_line_is_unusable(tmp_path):
    path = write(tmp_path, "feed.jsonl", '{"title": "no text"}\n')
    [record] = list(read_records(path, tmp_path, 10_000))
    with pytest.raises(UnusableFile, match="text"):
        parse_record(record)
