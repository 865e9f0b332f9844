"""Wikinews claim-checking set: loader and validator.

``data/wikinews-claims.jsonl`` holds declarative claims a fact-checker might be handed, each checked
as of a date against the articles published up to then, with the verdict a checker should reach:

- ``supported``: an article up to ``as_of`` states it (the claim paraphrases it).
- ``contradicted``: the same kind of claim with one thing altered (``alteration``: a ``number``, a
  ``date`` or a ``name``); an article up to ``as_of`` states the original.
- ``not_enough_evidence``: on a topic the corpus covers (``topic_term``), but the detail it asserts is
  in no article up to ``as_of``. The absence is checked, not assumed: none of ``absent_terms`` occurs
  (case-insensitively, title or text) in any article published on or before ``as_of`` (or undated)
  that mentions ``topic_term``.

For the first two, ``evidence`` holds the sentences that decide the claim, each verbatim (case and
all) in an ``evidence_article_ids`` article, so a checker's cited quotes can be compared with them.
The per-question checks of ``wikinews_questions`` do not fit here (answers are short strings matched
case-insensitively and every question has gold articles); the corpus loading and date checks are
shared.

    python -m evaluation.wikinews_claims [--claims PATH] [--corpus PATH]

Exit code 1 when anything is violated, 2 with a one-line reason when a file cannot be read.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from evaluation.wikinews_questions import DATA_DIR, load_corpus, read_jsonl, valid_date

CLAIMS_PATH = DATA_DIR / "wikinews-claims.jsonl"
VERDICTS = ("supported", "contradicted", "not_enough_evidence")
ALTERATIONS = ("number", "date", "name")
MIN_TOTAL = 120
MIN_PER_VERDICT = {"supported": 40, "contradicted": 45, "not_enough_evidence": 30}
MIN_PER_ALTERATION = 15
LAG_DAYS = (2, 30)  # as_of is this many days after the source article
ID_PATTERN = re.compile(r"cl-\d{4}")


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    as_of: str
    verdict: str
    alteration: str | None
    source_article_id: str
    evidence_article_ids: list[str]
    evidence: list[str]
    topic_term: str | None = None
    absent_terms: tuple[str, ...] = ()
    note: str = ""

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "Claim":
        return cls(id=record["id"], claim=record["claim"], as_of=record["as_of"], verdict=record["verdict"],
                   alteration=record.get("alteration"), source_article_id=record["source_article_id"],
                   evidence_article_ids=list(record["evidence_article_ids"]), evidence=list(record["evidence"]),
                   topic_term=record.get("topic_term"), absent_terms=tuple(record.get("absent_terms") or ()),
                   note=record.get("note", ""))


def load_claims(path: str | Path | None = None) -> list[Claim]:
    """The claims, in file order."""
    return [Claim.from_dict(r) for r in read_jsonl(Path(path) if path else CLAIMS_PATH)]


def _haystack(article: dict[str, Any]) -> str:
    return f"{article.get('title') or ''}\n{article.get('text') or ''}".lower()


def _visible(corpus: dict[str, dict[str, Any]], as_of: str) -> list[dict[str, Any]]:
    """Articles a checker may read as of the date (undated ones included: nothing shows they are later)."""
    return [a for a in corpus.values() if not a.get("published_date") or a["published_date"] <= as_of]


def _check_one(c: Claim, corpus: dict[str, dict[str, Any]], hay: dict[str, str], problems: list[str]) -> None:
    where = f"{c.id}:"
    if not ID_PATTERN.fullmatch(c.id):
        problems.append(f"{where} id is not cl-NNNN")
    if not c.claim.strip():
        problems.append(f"{where} empty claim")
    if c.verdict not in VERDICTS:
        problems.append(f"{where} unknown verdict {c.verdict!r}")
        return
    if c.verdict == "contradicted" and c.alteration not in ALTERATIONS:
        problems.append(f"{where} contradicted claim needs an alteration in {ALTERATIONS}, not {c.alteration!r}")
    if c.verdict != "contradicted" and c.alteration is not None:
        problems.append(f"{where} alteration set on a {c.verdict} claim")
    if not valid_date(c.as_of):
        problems.append(f"{where} as_of {c.as_of!r} is not an ISO date")
        return

    source = corpus.get(c.source_article_id)
    if source is None:
        problems.append(f"{where} source article {c.source_article_id} not in the corpus")
    elif not valid_date(source.get("published_date")):
        problems.append(f"{where} source article {c.source_article_id} has no published_date")
    else:
        lag = (date.fromisoformat(c.as_of) - date.fromisoformat(source["published_date"])).days
        if not LAG_DAYS[0] <= lag <= LAG_DAYS[1]:
            problems.append(f"{where} as_of is {lag} days after the source article, not {LAG_DAYS[0]}-{LAG_DAYS[1]}")
        if c.claim.strip().rstrip(".") in (source.get("text") or ""):
            problems.append(f"{where} claim is copied from the source article, not paraphrased")

    if c.verdict == "not_enough_evidence":
        if c.evidence_article_ids or c.evidence:
            problems.append(f"{where} not_enough_evidence claim lists evidence")
        if not c.topic_term or not c.topic_term.strip():
            problems.append(f"{where} not_enough_evidence claim needs a topic_term")
            return
        if not c.absent_terms or any(not t.strip() for t in c.absent_terms):
            problems.append(f"{where} missing or empty absent term")
            return
        topic = c.topic_term.lower()
        if source is not None and topic not in hay[source["id"]]:
            problems.append(f"{where} source article does not mention {c.topic_term!r}")
        terms = [t.lower() for t in c.absent_terms]
        for article in _visible(corpus, c.as_of):
            text = hay[article["id"]]
            if topic in text:
                found = [t for t in terms if t in text]
                if found:
                    problems.append(f"{where} {found[0]!r} occurs in {article['id']} ({article.get('published_date')})")
        return

    if c.topic_term is not None or c.absent_terms:
        problems.append(f"{where} topic_term/absent_terms set on a {c.verdict} claim")
    if not c.evidence_article_ids:
        problems.append(f"{where} no evidence article")
    if c.source_article_id not in c.evidence_article_ids:
        problems.append(f"{where} source article is not among the evidence articles")
    texts = []
    for aid in c.evidence_article_ids:
        article = corpus.get(aid)
        if article is None:
            problems.append(f"{where} evidence article {aid} not in the corpus")
            continue
        published = article.get("published_date")
        if not published or published > c.as_of:
            problems.append(f"{where} evidence article {aid} not published on or before as_of {c.as_of}")
        texts.append(article.get("text") or "")
    if not c.evidence or any(not e.strip() for e in c.evidence):
        problems.append(f"{where} missing or empty evidence sentence")
    for sentence in c.evidence:
        if sentence.strip() and not any(sentence in t for t in texts):
            problems.append(f"{where} evidence {sentence[:60]!r} is not verbatim in any evidence article")


def check_claims(path: str | Path | None = None, corpus: dict | None = None,
                 corpus_path: str | Path | None = None) -> tuple[Counter, list[str]]:
    """Validate the claim set against the corpus; return (counts per verdict and alteration, violations)."""
    corpus = corpus if corpus is not None else load_corpus(corpus_path)
    claims = load_claims(path)
    hay = {aid: _haystack(a) for aid, a in corpus.items()}
    problems: list[str] = []
    seen: set[str] = set()
    for c in claims:
        if c.id in seen:
            problems.append(f"{c.id}: duplicate claim id")
        seen.add(c.id)
        _check_one(c, corpus, hay, problems)

    counts = Counter(c.verdict for c in claims)
    counts.update(f"contradicted/{c.alteration}" for c in claims if c.verdict == "contradicted")
    if len(claims) < MIN_TOTAL:
        problems.append(f"{len(claims)} claims, at least {MIN_TOTAL} required")
    for verdict, minimum in MIN_PER_VERDICT.items():
        if counts[verdict] < minimum:
            problems.append(f"verdict {verdict}: {counts[verdict]} claims, at least {minimum} required")
    for alteration in ALTERATIONS:
        if counts[f"contradicted/{alteration}"] < MIN_PER_ALTERATION:
            problems.append(f"alteration {alteration}: {counts[f'contradicted/{alteration}']} claims, "
                            f"at least {MIN_PER_ALTERATION} required")
    return counts, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", default=None)
    parser.add_argument("--corpus", default=None, help="wikinews-en.jsonl (default: NEWSQA_WIKINEWS or ../shared/data/...)")
    args = parser.parse_args(argv)
    try:
        counts, problems = check_claims(args.claims, corpus_path=args.corpus)
    except KeyError as exc:
        print(f"error: a claim record lacks the field {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(counts[v] for v in VERDICTS)
    print(f"{total} claims: " + ", ".join(f"{v} {counts[v]}" for v in VERDICTS)
          + " (contradicted by " + ", ".join(f"{a} {counts['contradicted/' + a]}" for a in ALTERATIONS) + ")")
    for p in problems:
        print("VIOLATION", p)
    print(f"{len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
