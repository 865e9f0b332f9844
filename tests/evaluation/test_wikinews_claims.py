"""The claim set loads and validates against the real corpus, and the validator catches what it
promises to: evidence that is not the article's exact text, evidence published after as_of, wrong
verdict/alteration pairs, as_of outside 2-30 days, and "absent" terms that an on-topic article contains."""

import json

import pytest

from evaluation.wikinews_claims import (ALTERATIONS, MIN_TOTAL, VERDICTS, check_claims, load_claims, main)
from evaluation.wikinews_questions import default_corpus_path, load_corpus


@pytest.fixture(scope="module")
def corpus():
    path = default_corpus_path()
    if not path.is_file():
        pytest.fail(f"the Wikinews corpus is missing: {path} (set NEWSQA_WIKINEWS)")
    return load_corpus(path)


def test_committed_claims_load_and_validate_against_the_corpus(corpus):
    claims = load_claims()
    assert len(claims) >= MIN_TOTAL
    assert {c.verdict for c in claims} == set(VERDICTS)
    assert {c.alteration for c in claims if c.verdict == "contradicted"} == set(ALTERATIONS)
    assert check_claims(corpus=corpus)[1] == []
    years = {c.as_of[:4] for c in claims}
    assert {str(y) for y in range(2005, 2018)} <= years


def article(aid, published, text, title="t"):
    return {"id": aid, "title": title, "published_date": published, "source": "Wikinews", "section": "s",
            "url": None, "text": text}


SMALL_CORPUS = {
    "A1": article("A1", "2006-03-06", "The mayor of Springfield, Jane Roe, opened the bridge on Monday. It cost $4 million."),
    "A2": article("A2", "2006-03-20", "The Springfield bridge toll was set at $2 by the council."),
    "A3": article("A3", None, "Springfield bridge designer Othmar Ammann was honoured."),
}


def claim_record(**changes):
    record = {"id": "cl-0001", "claim": "Springfield's new bridge, opened in March 2006, cost $4 million.",
              "as_of": "2006-03-10", "verdict": "supported", "alteration": None, "source_article_id": "A1",
              "evidence_article_ids": ["A1"], "evidence": ["It cost $4 million."], "topic_term": None,
              "absent_terms": [], "note": ""}
    return record | changes


NEE = {"verdict": "not_enough_evidence", "evidence_article_ids": [], "evidence": [], "topic_term": "bridge",
       "claim": "The Springfield bridge is 300 metres long.", "absent_terms": ["300 metres", "metres long"]}


def problems(tmp_path, *records):
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return [p for p in check_claims(path, corpus=SMALL_CORPUS)[1] if "required" not in p]


def test_validator_accepts_well_formed_claims_of_each_verdict(tmp_path):
    assert problems(tmp_path,
                    claim_record(),
                    claim_record(id="cl-0002", verdict="contradicted", alteration="number",
                                 claim="Springfield's new bridge cost $5 million."),
                    claim_record(id="cl-0003", **NEE)) == []


@pytest.mark.parametrize("changes,expected", [
    ({"evidence": ["it cost $4 million."]}, "not verbatim"),  # exact text, case included
    ({"evidence": ["It cost $4m."]}, "not verbatim"),
    ({"evidence": []}, "missing or empty evidence"),
    ({"evidence_article_ids": ["A9"]}, "A9 not in the corpus"),
    ({"evidence_article_ids": ["A1", "A2"]}, "A2 not published on or before as_of"),
    ({"evidence_article_ids": []}, "no evidence article"),
    ({"as_of": "2006-03-07"}, "1 days after the source article"),
    ({"as_of": "2006-04-06"}, "31 days after the source article"),
    ({"as_of": "10 March 2006"}, "not an ISO date"),
    ({"verdict": "contradicted"}, "needs an alteration"),
    ({"verdict": "contradicted", "alteration": "quantity"}, "needs an alteration"),
    ({"alteration": "number"}, "alteration set on a supported claim"),
    ({"verdict": "true"}, "unknown verdict"),
    ({"id": "claim-1"}, "not cl-NNNN"),
    ({"claim": "The mayor of Springfield, Jane Roe, opened the bridge on Monday."}, "copied from the source"),
    ({"source_article_id": "A9"}, "source article A9 not in the corpus"),
])
def test_validator_reports_each_violation(tmp_path, changes, expected):
    found = problems(tmp_path, claim_record(**changes))
    assert any(expected in p for p in found), (expected, found)


@pytest.mark.parametrize("changes,expected", [
    ({"absent_terms": ["$2"]}, "'$2' occurs in A2"),  # an on-topic article up to as_of holds it
    ({"absent_terms": ["ammann"]}, "occurs in A3"),  # undated articles count, case-insensitively
    ({"evidence_article_ids": ["A1"]}, "lists evidence"),
    ({"topic_term": None}, "needs a topic_term"),
    ({"topic_term": "toll"}, "does not mention 'toll'"),
    ({"absent_terms": [""]}, "missing or empty absent term"),
])
def test_validator_checks_that_not_enough_evidence_is_really_absent(tmp_path, changes, expected):
    record = claim_record(**(NEE | {"as_of": "2006-03-30"} | changes))
    found = problems(tmp_path, record)
    assert any(expected in p for p in found), (expected, found)


def test_an_absent_term_published_after_as_of_does_not_count(tmp_path):
    assert problems(tmp_path, claim_record(**(NEE | {"absent_terms": ["$2"]}))) == []  # A2 is later


def test_duplicate_ids_are_reported(tmp_path):
    assert any("duplicate claim id" in p for p in problems(tmp_path, claim_record(), claim_record()))


def test_validator_command_names_a_broken_claim_file_and_line(tmp_path, capsys, corpus):
    broken = tmp_path / "claims.jsonl"
    broken.write_text(json.dumps(claim_record()) + "\n{not json\n", encoding="utf-8")
    assert main(["--claims", str(broken)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {broken}:2: not a JSON record")


def test_validator_command_names_a_missing_field_in_one_line(tmp_path, capsys, corpus):
    record = claim_record()
    del record["verdict"]
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert main(["--claims", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: a claim record lacks the field 'verdict'"
