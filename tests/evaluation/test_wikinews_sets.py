"""The Wikinews question sets load, validate against the real corpus, and the validators catch what
they promise to: answers not in the gold text, questions asked outside 2-6 days, windows that do not
match their type, and "absent" terms that some article in scope does contain."""

import json

import pytest

from evaluation.wikinews_questions import check, default_corpus_path, load_corpus, main
from evaluation.wikinews_unanswerable import KINDS, MIN_UNANSWERABLE, check_unanswerable, load_unanswerable
from evaluation.wikinews_weekly import MIN_WEEKLY, WEEKLY_TYPES, check_weekly, load_weekly


@pytest.fixture(scope="module")
def corpus():
    path = default_corpus_path()
    if not path.is_file():
        pytest.fail(f"the Wikinews corpus is missing: {path} (set NEWSQA_WIKINEWS)")
    return load_corpus(path)


def test_committed_sets_load_and_validate_against_the_corpus(corpus):
    weekly = load_weekly()
    assert len(weekly) >= MIN_WEEKLY and {q.type for q in weekly} == set(WEEKLY_TYPES)
    unanswerable = load_unanswerable()
    assert len(unanswerable) >= MIN_UNANSWERABLE and {q.kind for q in unanswerable} == set(KINDS)

    assert check_weekly(corpus=corpus)[1] == []
    assert check_unanswerable(corpus=corpus)[1] == []
    assert check()[1] == []  # the dev set, through the shared per-question checks


def article(aid, published, text, title="t"):
    return {"id": aid, "title": title, "published_date": published, "source": "Wikinews", "section": "s",
            "url": None, "text": text}


SMALL_CORPUS = {
    "A1": article("A1", "2006-03-06", "The mayor of Springfield, Jane Roe, opened the bridge on Monday."),
    "A2": article("A2", "2006-03-01", "Springfield council debated the bridge budget of $4 million."),
    "A3": article("A3", "2006-02-20", "The Springfield bridge will open in March, officials said."),
}


def weekly_record(**changes):
    record = {"id": "wk-0001", "type": "this_week", "question": "Who opened the Springfield bridge this week?",
              "as_of": "2006-03-09", "gold_article_ids": ["A1"], "answers": ["Jane Roe"],
              "window": {"from": "2006-03-03", "to": "2006-03-09"}, "note": ""}
    return record | changes


def write(tmp_path, records, name="set.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def weekly_problems(tmp_path, **changes):
    return check_weekly(write(tmp_path, [weekly_record(**changes)]), corpus=SMALL_CORPUS)[1]


def test_weekly_validator_accepts_a_well_formed_question(tmp_path):
    assert [p for p in weekly_problems(tmp_path) if "required" not in p] == []


@pytest.mark.parametrize("changes,expected", [
    ({"answers": ["John Doe"]}, "not found in any gold article"),
    ({"gold_article_ids": ["A9"]}, "not in the corpus"),
    ({"as_of": "2006-03-07", "window": {"from": "2006-03-01", "to": "2006-03-07"}}, "asked 1 days after"),
    ({"as_of": "2006-03-13", "window": {"from": "2006-03-07", "to": "2006-03-13"}}, "asked 7 days after"),
    ({"window": {"from": "2006-03-01", "to": "2006-03-09"}}, "not the seven days ending"),
    ({"type": "event_date", "window": {"from": "2006-03-06", "to": "2006-03-06"}}, "not published after the event"),
    ({"type": "planned", "window": {"from": "2006-03-01", "to": "2006-03-31"}}, "not after as_of"),
    ({"type": "last_month", "question": "Who opened it last month?", "window": {"from": "2006-01-01", "to": "2006-01-31"}},
     "not the month before"),
    ({"type": "past_year", "question": "Who opened it last year?", "window": {"from": "2006-01-01", "to": "2006-03-09"}},
     "neither last calendar year"),
    ({"question": "Who opened the Springfield bridge?"}, "does not say 'this week'"),
    ({"type": "last_month", "question": "Who opened the bridge?", "window": {"from": "2006-02-01", "to": "2006-02-28"}},
     "does not say 'last month'"),
    ({"type": "past_year", "question": "Who opened the bridge?", "window": {"from": "2005-01-01", "to": "2005-12-31"}},
     "neither 'last year'"),
    ({"type": "plain"}, "window set on a plain question"),
    ({"type": "next_week"}, "unknown type"),
])
def test_weekly_validator_reports_each_violation(tmp_path, changes, expected):
    assert any(expected in p for p in weekly_problems(tmp_path, **changes)), expected


def test_weekly_validator_accepts_each_type_with_its_window(tmp_path):
    records = [
        weekly_record(id="wk-0001"),
        weekly_record(id="wk-0002", type="event_date", window={"from": "2006-03-01", "to": "2006-03-01"}),
        weekly_record(id="wk-0003", type="planned", window={"from": "2006-04-01", "to": "2006-04-30"}),
        weekly_record(id="wk-0004", type="last_month", question="Who opened the bridge planned last month?",
                      window={"from": "2006-02-01", "to": "2006-02-28"}),
        weekly_record(id="wk-0005", type="past_year", question="Who opened the bridge built last year?",
                      window={"from": "2005-01-01", "to": "2005-12-31"}),
        weekly_record(id="wk-0006", type="past_year", question="Who opened the bridge planned over the past year?",
                      window={"from": "2005-03-09", "to": "2006-03-09"}),
        weekly_record(id="wk-0007", type="plain", window=None),
    ]
    assert [p for p in check_weekly(write(tmp_path, records), corpus=SMALL_CORPUS)[1] if "required" not in p] == []


def unanswerable_record(**changes):
    record = {"id": "un-0001", "question": "Who designed the Springfield bridge?", "as_of": "2006-03-09",
              "kind": "absent_entity", "near_article_ids": ["A1", "A3"], "absent_terms": ["Ammann"],
              "topic_term": None, "window": None, "note": ""}
    return record | changes


def unanswerable_problems(tmp_path, **changes):
    problems = check_unanswerable(write(tmp_path, [unanswerable_record(**changes)]), corpus=SMALL_CORPUS)[1]
    return [p for p in problems if "required" not in p]


def test_unanswerable_validator_accepts_a_true_absence(tmp_path):
    assert unanswerable_problems(tmp_path) == []
    assert unanswerable_problems(tmp_path, kind="absent_detail", topic_term="bridge",
                                 absent_terms=["metres long", "length"]) == []
    assert unanswerable_problems(tmp_path, kind="wrong_period", absent_terms=["bridge"], near_article_ids=["A3"],
                                 window={"from": "2006-03-08", "to": "2006-03-09"}) == []


@pytest.mark.parametrize("changes,expected", [
    ({"absent_terms": ["jane roe"]}, "occurs in A1"),  # case-insensitive
    ({"as_of": "2006-03-02", "absent_terms": ["Jane Roe"], "near_article_ids": ["A2"]}, None),  # A1 is later
    ({"near_article_ids": ["A1", "A9"]}, "A9 not in the corpus"),
    ({"as_of": "2006-03-02", "near_article_ids": ["A1"]}, "not published on or before as_of"),
    ({"kind": "absent_detail", "topic_term": "bridge", "absent_terms": ["$4 million"]}, "occurs in A2"),
    ({"kind": "absent_detail", "topic_term": "mayor", "absent_terms": ["length"]}, "does not mention 'mayor'"),
    ({"kind": "absent_detail"}, "topic_term"),
    ({"kind": "wrong_period", "window": {"from": "2006-03-01", "to": "2006-03-09"}, "absent_terms": ["budget"],
      "near_article_ids": ["A3"]}, "occurs in A2"),
    ({"kind": "wrong_period", "window": {"from": "2006-02-01", "to": "2006-03-09"}, "absent_terms": ["Ammann"]},
     "inside the period asked about"),
    ({"kind": "wrong_period", "window": None}, "is not a from..to range"),
    ({"kind": "unknown"}, "unknown kind"),
])
def test_unanswerable_validator_reports_each_violation(tmp_path, changes, expected):
    problems = unanswerable_problems(tmp_path, **changes)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), (expected, problems)


def test_validator_command_names_an_unreadable_corpus_in_one_line(tmp_path, capsys):
    assert main(["--corpus", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "missing.jsonl" in err and "\n" not in err


def test_validator_command_names_a_broken_question_file_and_line(tmp_path, capsys, corpus):
    broken = tmp_path / "weekly.jsonl"
    broken.write_text(json.dumps(weekly_record()) + "\n{not json\n", encoding="utf-8")
    assert main(["--weekly", str(broken)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {broken}:2: not a JSON record")
