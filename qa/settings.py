"""Query-side configuration: the build settings plus what the service needs.

Every value comes from a ``NEWSQA_*`` environment variable or its default here; the
objects built from it receive it explicitly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from index import IndexSettings


class Settings(IndexSettings):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    # Limits on what a client may ask for.
    default_top_k: int = Field(5, ge=1)
    max_top_k: int = Field(50, ge=1, le=1000)
    max_question_chars: int = Field(2000, ge=10, description="Longer questions get a 422.")
    max_body_bytes: int = Field(65536, ge=1024, description="Larger request bodies get a 413.")
    max_facet_values: int = Field(200, ge=1, le=10_000, description="Values listed per filter field by /facets.")
    swap_wait_seconds: float = Field(
        0.5, ge=0.0, le=60.0,
        description="How long a request waits for a newly published version to load; past it, requests keep "
                    "being answered from the previous version until the new one is ready.")

    # Retrieval.
    retrieval_mode: Literal["hybrid", "dense", "keyword"] = "hybrid"
    candidates: int = Field(100, ge=1, description="Candidates each retriever brings before fusion.")
    fusion: Literal["weighted", "rrf"] = Field(
        "weighted", description="weighted: sum of each retriever's scores divided by its best score; rrf: reciprocal rank fusion.")
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(0.5, ge=0.0, description="Weight of whole-chunk embedding similarity.")
    sentence_weight: float = Field(0.5, ge=0.0, description="Weight of best-sentence embedding similarity.")
    keyword_weight: float = Field(1.0, ge=0.0, description="Weight of BM25.")
    title_weight: float = Field(1.0, ge=0.0, description="BM25 weight of the title column against the text.")

    # Answers.
    answer_passages: int = Field(5, ge=1, description="Top passages whose sentences compete for the answer.")
    answer_max_sentences: int = Field(2, ge=1, le=5)
    answer_min_score: float = Field(
        0.40, description="Best sentence score below this: not answerable (calibrated: scripts/calibrate_threshold.py)."
    )
    answer_extra_ratio: float = Field(0.9, ge=0.0, le=1.0,
                                      description="A further sentence joins the answer if it scores this share of the best.")

    # Time: as-of dates, windows named in the question, recency (strengths measured on the Wikinews
    # dev set: python scripts/evaluate_news.py).
    time_windows: bool = Field(True, description="Read 'this week', 'in 2006', 'on March 3' … as evidence in the "
                                                 "ranking (never a filter; qa/time_evidence.py).")
    time_evidence_weight: float = Field(
        1.0, ge=0.0, le=10.0, description="Largest boost (score × (1 + w)) of a passage published in a window the "
                                          "question names (or just after it), or mentioning a date inside it.")
    time_evidence_lag_days: int = Field(
        7, ge=0, le=365, description="Reports follow events: publication this many days after a named window "
                                     "counts as in it.")
    time_evidence_mentions: bool = Field(True, description="Dates an article's text mentions count as evidence for "
                                                           "a window (off: publication dates only).")
    recency_weight_present: float = Field(
        1.0, ge=0.0, le=10.0, description="Largest boost (score × (1 + w)) of an article dated at the as-of date, "
                                          "for questions asking for the present ('now', 'latest', 'still').")
    recency_weight_default: float = Field(
        1.0, ge=0.0, le=10.0, description="The same for other questions without a time window (news questions are "
                                          "mostly about the days before they are asked).")
    recency_half_life_days: float = Field(30.0, gt=0.0, description="Age at which the recency boost halves.")
    freshness_days: int = Field(7, ge=0, description="Present-tense answers whose newest source is older than "
                                                     "this before the as-of date say so.")

    # Corroboration and conflict across stories.
    corroboration: bool = True
    corroboration_candidates: int = Field(30, ge=1, le=500)
    corroborate_min_similarity: float = Field(0.85, ge=0.0, le=1.0)
    corroborate_min_similarity_without_facts: float = Field(0.93, ge=0.0, le=1.0)
    conflict_min_similarity: float = Field(0.75, ge=0.0, le=1.0)
    conflict_min_word_overlap: float = Field(0.5, ge=0.0, le=1.0)
    max_evidence: int = Field(3, ge=1, le=20, description="Corroborating or conflicting sentences listed per quote.")

    # Optional generator (an OpenAI-compatible chat endpoint); off when no URL is set.
    llm_url: str | None = None
    llm_model: str = "default"
    llm_api_key: str | None = None
    llm_timeout: float = Field(30.0, gt=0)

    # Administration and HTTP.
    admin_token: str | None = Field(None, description="Bearer token for state-changing endpoints; none disables them.")
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
