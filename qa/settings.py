"""Query-side configuration: the build settings plus what the service needs.

Every value comes from a ``NEWSQA_*`` environment variable or its default here; the
objects built from it receive it explicitly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from index import IndexSettings


class Settings(IndexSettings):
    host: str = Field("127.0.0.1", description="Address `qa serve` listens on (0.0.0.0: every interface).")
    port: int = Field(8000, ge=1, le=65535, description="Port `qa serve` listens on.")

    # Limits on what a client may ask for.
    default_top_k: int = Field(5, ge=1, description="Passages /ask returns when the request gives no top_k.")
    max_top_k: int = Field(50, ge=1, le=1000, description="Largest top_k accepted; a larger one gets a 422.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions get a 422.")
    max_body_bytes: int = Field(65536, ge=1024, description="Larger request bodies get a 413.")
    max_facet_values: int = Field(200, ge=1, le=10_000, description="Values listed per filter field by /facets.")
    swap_wait_seconds: float = Field(
        0.5, ge=0.0, le=60.0,
        description="How long a request waits for a newly published version to load; past it, requests keep "
                    "being answered from the previous version until the new one is ready.")

    # Retrieval.
    retrieval_mode: Literal["hybrid", "dense", "keyword"] = Field(
        "hybrid", description="Rankings fused: hybrid (whole-chunk and best-sentence embeddings plus BM25), dense "
                              "(embeddings only) or keyword (BM25 only).")
    candidates: int = Field(100, ge=1, description="Candidates each retriever brings before fusion.")
    fusion: Literal["weighted", "rrf"] = Field(
        "weighted", description="weighted: sum of each retriever's scores divided by its best score; rrf: reciprocal rank fusion.")
    rrf_k: int = Field(60, ge=1, description="The k of reciprocal rank fusion (1 / (k + rank)); used when fusion is rrf.")
    dense_weight: float = Field(0.5, ge=0.0, description="Weight of whole-chunk embedding similarity.")
    sentence_weight: float = Field(0.5, ge=0.0, description="Weight of best-sentence embedding similarity.")
    keyword_weight: float = Field(1.0, ge=0.0, description="Weight of BM25.")
    title_weight: float = Field(1.0, ge=0.0, description="BM25 weight of the title column against the text.")

    # Answers.
    answer_passages: int = Field(5, ge=1, description="Top passages whose sentences compete for the answer.")
    answer_max_sentences: int = Field(2, ge=1, le=5, description="Most sentences quoted in one answer.")
    answer_min_score: float = Field(
        0.40, description="Best sentence score below this: not answerable (calibrated: scripts/calibrate_threshold.py)."
    )
    answer_extra_ratio: float = Field(0.9, ge=0.0, le=1.0,
                                      description="A further sentence joins the answer if it scores this share of the best.")

    # Time: as-of dates, windows named in the question, recency (strengths measured on the Wikinews
    # dev set: python scripts/evaluate_news.py).
    time_windows: bool = Field(True, description="Read 'last week', 'in 2006', 'on March 3' … as a date filter.")
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
    corroboration: bool = Field(True, description="Look for sentences of other stories that corroborate or "
                                                  "conflict with each quote.")
    corroboration_candidates: int = Field(30, ge=1, le=500,
                                          description="Stored sentences nearest a quote checked for corroboration.")
    corroborate_min_similarity: float = Field(
        0.85, ge=0.0, le=1.0, description="Similarity a sentence carrying every number and date of the quote needs "
                                          "to corroborate it.")
    corroborate_min_similarity_without_facts: float = Field(
        0.93, ge=0.0, le=1.0, description="Similarity needed to corroborate a quote holding no number or date.")
    conflict_min_similarity: float = Field(
        0.75, ge=0.0, le=1.0, description="Similarity a sentence with another number or date needs to be listed as "
                                          "conflicting.")
    conflict_min_word_overlap: float = Field(
        0.5, ge=0.0, le=1.0, description="Content words a conflicting sentence shares with the quote (Jaccard of the "
                                         "two word sets).")
    max_evidence: int = Field(3, ge=1, le=20, description="Corroborating or conflicting sentences listed per quote.")

    # Optional generator (an OpenAI-compatible chat endpoint); off when no URL is set.
    llm_url: str | None = Field(None, description="OpenAI-compatible endpoint (…/v1) for optional generated answers; "
                                                  "unset: answers are extractive only.")
    llm_model: str = Field("default", description="Model name sent to the generator endpoint.")
    llm_api_key: str | None = Field(None, description="Bearer key for the generator endpoint, if it needs one.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the generator before the extractive "
                                                      "answer stands.")

    # Administration and HTTP.
    admin_token: str | None = Field(None, description="Bearer token for state-changing endpoints; none disables them.")
    cors_origins: list[str] = Field(default_factory=list, description="JSON list of browser origins allowed to call "
                                                                      "the API; empty: CORS is off.")
    log_level: str = Field("INFO", description="Log level of `qa serve` (DEBUG, INFO, WARNING, ERROR).")
