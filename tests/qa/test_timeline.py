"""Quoted story timelines: stories in date order, first reports, what changed, exact quotes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from index import build_index
from qa.api import create_app
from qa.engine import Engine
from tests.support import make_settings, write_articles

FLOOD = {
    "day1.txt": ("Valley Post", "2024-03-02", "Floods hit the valley",
                 "Flooding along the Ure river has killed 12 people, rescue services said on Saturday. "
                 "Hundreds of homes were evacuated."),
    "day1-copy.txt": ("Wire Digest", "2024-03-03", "Valley floods",
                      "Flooding along the Ure river has killed 12 people, rescue services said on Saturday. "
                      "Hundreds of homes were evacuated."),
    "day3.txt": ("North Herald", "2024-03-04", "Flood toll rises",
                 "The death toll from flooding along the Ure river has risen to 31, officials said on Monday. "
                 "Army engineers reinforced the levees."),
    "day9.txt": ("Valley Post", "2024-03-10", "Inquiry into valley floods",
                 "An inquiry into the Ure river floods, which killed 31 people, will report in September. "
                 "The government said it would fund new levees."),
    "unrelated.txt": ("Valley Post", "2024-03-05", "Bakery wins prize",
                      "A bakery in the old town won a national prize for its rye bread."),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, encoder):
    corpus = write_articles(tmp_path_factory.mktemp("timeline-corpus"), FLOOD)
    settings = make_settings(corpus, tmp_path_factory.mktemp("timeline-index"))
    build_index(settings, encoder=encoder, progress=False)
    return Engine(settings, encoder)


def test_a_timeline_puts_stories_in_date_order_with_first_reports_and_changes(engine):
    with TestClient(create_app(engine.settings, engine)) as client:
        body = client.get("/timeline", params={"q": "Ure river flood deaths", "points": 10}).json()
        points = body["points"]
        assert [p["first_report"]["published_date"] for p in points] == ["2024-03-02", "2024-03-04", "2024-03-10"]
        first = points[0]
        assert first["first_report"]["source"] == "Valley Post"
        assert {c["source"] for c in [first["first_report"], *first["also_in"]]} == {"Valley Post", "Wire Digest"}
        assert "killed 12 people" in first["quote"]
        assert points[1]["changed"] == ["number: 12 → 31"]
        for p in points:
            text = client.get(f"/articles/{p['article_id']}").json()["text"]
            assert text[p["start"]:p["end"]] == p["quote"]
        early = client.get("/timeline", params={"q": "Ure river flood deaths", "as_of": "2024-03-05"}).json()
        assert all(p["published_date"] <= "2024-03-05" for p in early["points"])


def test_the_command_line_prints_the_timeline_oldest_first(engine, capsys, monkeypatch):
    from qa import cli

    monkeypatch.setattr(cli, "_engine", lambda settings: engine)
    assert cli.main(["timeline", "Ure river flood deaths"]) == 0
    out = capsys.readouterr().out
    assert out.index("2024-03-02  Valley Post") < out.index("2024-03-04  North Herald") < out.index("2024-03-10")
    assert "changed since the story before: number: 12 → 31" in out


LONG = {
    "day1.txt": FLOOD["day1.txt"],
    "day5-long.txt": ("North Herald", "2024-03-06", "The valley after the flood",
                      " ".join(f"On the Ure river bank {n}, the flood that killed 31 people left homes and farms "
                               f"ruined, and families there still count what the water took from them."
                               for n in range(1, 25))),
}


def test_a_long_article_is_one_point_however_many_of_its_passages_match(tmp_path, encoder):
    (tmp_path / "corpus").mkdir()
    settings = make_settings(write_articles(tmp_path / "corpus", LONG), tmp_path / "index")
    build_index(settings, encoder=encoder, progress=False)
    engine = Engine(settings, encoder)
    passages = engine.search("Ure river flood deaths", 10, group="passage").passages
    long_ones = [p for p in passages if p.chunk.article.title == "The valley after the flood"]
    assert len(long_ones) >= 2  # several passages of the long article are retrieved ...
    points = engine.timeline("Ure river flood deaths", 10).points
    assert [p.article.title for p in points] == ["Floods hit the valley", "The valley after the flood"]  # ... one point


def test_one_of_many_is_not_a_changed_number():
    from qa.stages.timeline import changes

    assert changes("One of the rebel leaders says the election is on November 13.",
                   "The election was moved to November 6.") == ["number: 13 → 6"]
    assert changes("Twelve people were killed.", "One person was killed.") == ["number: 12 → 1"]
