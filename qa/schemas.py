"""Pydantic models of every HTTP request and response (the API contract), and the
serialisers that turn engine results into them: the CLI's --json prints the same models."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from index import ENTITY_KINDS, Article, ArticleMeta, Facets, Filters
from qa.answer import Citation
from qa.corroborate import Evidence
from qa.engine import AskResult, CheckResult, SearchResult, TimelineResult
from qa.grouping import ArticleResult, Snippet
from qa.passages import Passage
from qa.stages.entities import across, distinct
from qa.pipeline import Plan

def _as_date(value):
    """A date, or a datetime (its UTC date when it carries a zone)."""
    if isinstance(value, str) and len(value) > 10:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # the date validator names the problem
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).date()
    return value


AsOf = Annotated[date | None, BeforeValidator(_as_date)]


def _as_list(value):
    """One value or many; blank strings mean "no restriction" and are dropped (other types fail validation)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [v.strip() if isinstance(v, str) else v for v in value if not (isinstance(v, str) and not v.strip())]
    return value


StrList = Annotated[list[str], BeforeValidator(_as_list)]


class FilterModel(BaseModel):
    """Metadata filters; each text filter takes one value or a list (any may match, case-insensitive)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"source": "New York Times", "published_after": "2025-12-01"}]})

    source: StrList = []
    author: StrList = []
    section: StrList = []
    conflict: StrList = []
    published_after: date | None = Field(None, description="Inclusive ISO date (YYYY-MM-DD).")
    published_before: date | None = Field(None, description="Inclusive ISO date (YYYY-MM-DD).")
    entity: StrList = Field([], description="A person, organisation or place the article mentions (a name as "
                                            "/facets lists it; case-insensitive, a leading 'the' ignored); "
                                            "several: articles mentioning every one.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> "FilterModel":
        if self.published_after and self.published_before and self.published_after > self.published_before:
            raise ValueError("published_after is later than published_before: no article can match")
        return self

    def to_filters(self) -> Filters:
        return Filters(**self.model_dump())


NOT_BLANK = r"\S"  # JSON-schema patterns search: "holds a non-space character"


class AskRequest(BaseModel):
    """Fields whose limits come from the settings are added by ``ask_request_model``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "How long did the Moscow meeting with Putin last?", "top_k": 5}]})

    filters: FilterModel = Field(default_factory=FilterModel)
    as_of: AsOf = Field(None, description="Answer as of this date or datetime (default: today, UTC): only "
                                          "articles whose text existed by then are used. A date in the future "
                                          "(or before 1800) is clamped, and `notes` says so.")


def ask_request_model(max_question_chars: int, max_top_k: int, default_top_k: int) -> type[AskRequest]:
    """``AskRequest`` with the configured limits, so they appear in the OpenAPI schema."""
    return create_model(
        "AskRequest", __base__=AskRequest,
        question=(str, Field(..., min_length=1, max_length=max_question_chars, pattern=NOT_BLANK,
                             description="A question in plain words.")),
        top_k=(int, Field(default_top_k, ge=1, le=max_top_k, description="How many passages to return.")),
    )


class SourceMeta(BaseModel):
    article_id: str
    title: str
    source: str | None
    authors: list[str]
    published_date: date | None
    updated_date: date | None
    section: str | None
    conflict: str | None
    reported_from: str | None
    page: str | None
    url: str | None
    content_sha: str = Field(..., description="Hash of the article text the offsets index into: a saved citation "
                                              "still points at the same words while the article's hash is unchanged.")
    revision: int = Field(..., description="The article's revision this text is: an edited article is kept as a "
                                           "new revision beside the old ones, so the offsets stay valid for this "
                                           "one (GET /articles/{article_id}?revision=N).")

    @classmethod
    def fields_of(cls, meta: ArticleMeta) -> dict:
        return {name: getattr(meta, name) for name in SourceMeta.model_fields}


class SourceRef(BaseModel):
    """Another article carrying the same text (a syndicated copy)."""

    article_id: str
    title: str
    source: str | None
    published_date: date | None

    @classmethod
    def of(cls, meta: ArticleMeta) -> "SourceRef":
        return cls(article_id=meta.article_id, title=meta.title, source=meta.source,
                   published_date=meta.published_date)


class EvidenceOut(SourceRef):
    """A sentence of another story, verbatim: GET /articles/{article_id} .text[start:end]."""

    quote: str
    start: int
    end: int
    similarity: float

    @classmethod
    def of(cls, e: Evidence) -> "EvidenceOut":
        return cls(**SourceRef.of(e.article).model_dump(), quote=e.quote, start=e.start, end=e.end,
                   similarity=e.similarity)


class PassageOut(SourceMeta):
    chunk_id: str
    text: str = Field(..., description="Exact article text at [start, end) (offsets count Unicode code points).")
    start: int
    end: int
    score: float
    also_in: list[SourceRef] = Field([], description="Other articles carrying the same story (syndicated copies).")

    @classmethod
    def of(cls, p: Passage) -> "PassageOut":
        return cls(**cls.fields_of(p.chunk.article), chunk_id=p.chunk.chunk_id, text=p.text,
                   start=p.start, end=p.end, score=round(p.score, 6), also_in=[SourceRef.of(m) for m in p.also_in])


class AnswerSpanOut(BaseModel):
    """The short answer inside a quote (who/when/how many … questions): article text[start:end] == text."""

    start: int = Field(..., description="Offset in the article text, inside the quote's [start, end).")
    end: int
    text: str = Field(..., description="Verbatim article text at [start, end).")


class MentionedDateOut(BaseModel):
    """A date the quote mentions: article text[start:end] names the days first to last (relative words such
    as "on Tuesday" resolved against the article's published date)."""

    text: str
    start: int
    end: int
    first: date
    last: date


EntityKind = Literal["person", "organisation", "place"]


class SourceEntityOut(BaseModel):
    """A person, organisation or place the answer's sources mention (found when the index was built)."""

    name: str = Field(..., description="As the article writes it (a leading 'the' dropped): the value of the "
                                       "`entity` filter.")
    kind: EntityKind
    articles: int = Field(..., description="How many of the sources mention it.")


class ArticleEntityOut(BaseModel):
    """A person, organisation or place an article mentions (found when the index was built)."""

    name: str = Field(..., description="As the article writes it (a leading 'the' dropped): the value of the "
                                       "`entity` filter.")
    kind: EntityKind
    mentions: int = Field(..., description="How often the article mentions it.")

    @classmethod
    def listed(cls, entities) -> list["ArticleEntityOut"]:
        return [cls(name=e.name, kind=e.kind, mentions=e.count) for e in distinct(entities)]


class CitationOut(SourceMeta):
    n: int = Field(..., description="The [n] marker in the answer.")
    chunk_id: str
    quote: str = Field(..., description="Verbatim article text: GET /articles/{article_id}?revision={revision} "
                                        ".text[start:end] (offsets count Unicode code points, not UTF-16 units).")
    start: int
    end: int
    score: float = Field(..., description="Probability that this sentence answers the question (learned scorer).")
    answer_span: AnswerSpanOut | None = Field(
        None, description="The short answer inside the quote, for questions asking for a name, number, date, "
                          "duration, place or organisation; null when none is found or the entity model is absent.")
    also_in: list[SourceRef] = Field([], description="Other articles carrying the same story (syndicated copies).")
    corroborated_by: list[EvidenceOut] = Field(
        [], description="Sentences of other stories stating the same fact (with every number and date of the quote).")
    conflicting: list[EvidenceOut] = Field(
        [], description="Sentences of other stories matching the quote's wording with another number or date; "
                        "newest first.")
    dates: list[MentionedDateOut] = Field([], description="The dates the quote mentions: which days it is about.")

    @classmethod
    def of(cls, c: Citation) -> "CitationOut":
        return cls(**cls.fields_of(c.passage.chunk.article), n=c.n, chunk_id=c.passage.chunk.chunk_id,
                   quote=c.quote, start=c.start, end=c.end, score=round(c.score, 6),
                   answer_span=AnswerSpanOut(start=c.answer_span.start, end=c.answer_span.end,
                                             text=c.answer_span.text) if c.answer_span else None,
                   also_in=[SourceRef.of(m) for m in c.passage.also_in],
                   corroborated_by=[EvidenceOut.of(e) for e in c.corroborated_by],
                   conflicting=[EvidenceOut.of(e) for e in c.conflicting],
                   dates=[MentionedDateOut(text=c.quote[m.start - c.start:m.end - c.start], start=m.start, end=m.end,
                                           first=m.first, last=m.last) for m in c.dates])


class TimeWindowOut(BaseModel):
    start: date
    end: date
    phrase: str = Field(..., description="The words of the question the window was read from.")


class TimeOut(BaseModel):
    """How the request was read in time."""

    as_of: date = Field(..., description="Only articles whose text existed by this date were used.")
    time_window: TimeWindowOut | None = Field(None, description="The first window named in the question: evidence "
                                                                 "in the ranking (published in it or just after, or "
                                                                 "mentioning a date inside it), never a filter.")
    recency: bool = Field(False, description="Whether newer articles were preferred (a bounded boost).")
    notes: list[str] = []

    @classmethod
    def fields(cls, plan: Plan) -> dict:
        window = plan.window
        return dict(as_of=plan.as_of, recency=plan.recency is not None,
                    time_window=TimeWindowOut(start=window.start, end=window.end, phrase=window.phrase)
                    if window else None,
                    notes=plan.notes)


class AskResponse(TimeOut):
    question: str
    answer: str | None = Field(..., description="Quoted sentences, each followed by its [n] citation marker.")
    answerable: bool
    method: str = Field("extractive", description="'extractive' (verbatim sentences) or 'generated' (LLM, checked).")
    confidence: float | None = Field(None, description="Probability that the best evidence sentence answers (learned, "
                                                        "calibrated on a validation split); below the threshold the "
                                                        "question is declared unanswerable.")
    reason: str | None = Field(None, description="Why no answer was given, when answerable is false.")
    citations: list[CitationOut]
    passages: list[PassageOut]
    freshness_note: str | None = Field(None, description="For questions about the present: the newest source is "
                                                          "well before the as-of date.")
    entities: list[SourceEntityOut] = Field(
        [], description="People, organisations and places the cited articles mention (the passages' articles when "
                        "nothing is cited), most widely mentioned first; empty when the index holds no entities.")

    @classmethod
    def of(cls, question: str, result: AskResult) -> "AskResponse":
        answer = result.answer
        sources = [c.passage.chunk.article.article_id for c in answer.citations] or \
            [p.chunk.article.article_id for p in result.passages]
        entities = [SourceEntityOut(name=e.name, kind=e.kind, articles=e.count)
                    for e in across(result.entities, sources)]
        return cls(entities=entities, question=question, answer=answer.answer, answerable=answer.answerable, method=answer.method,
                   confidence=answer.confidence, reason=answer.reason,
                   citations=[CitationOut.of(c) for c in answer.citations],
                   passages=[PassageOut.of(p) for p in result.passages],
                   freshness_note=result.freshness_note, **TimeOut.fields(result.plan))


class PassageRef(BaseModel):
    """A passage of an article: GET /articles/{article_id} .text[start:end] == text."""

    chunk_id: str
    text: str
    start: int
    end: int
    score: float

    @classmethod
    def of(cls, p: Passage) -> "PassageRef":
        return cls(chunk_id=p.chunk.chunk_id, text=p.text, start=p.start, end=p.end, score=round(p.score, 6))


class SnippetOut(BaseModel):
    text: str = Field(..., description="The best-matching sentence(s) of the article's best passage, verbatim: "
                                       "GET /articles/{article_id} .text[start:end] (Unicode code points).")
    start: int
    end: int
    truncated: bool = Field(False, description="One sentence longer than the word limit, cut after a whole word.")

    @classmethod
    def of(cls, s: Snippet) -> "SnippetOut":
        return cls(text=s.text, start=s.start, end=s.end, truncated=s.truncated)


class ArticleHitOut(SourceMeta):
    """One article matching a search."""

    score: float = Field(..., description="Its best passage's score.")
    snippet: SnippetOut
    passage: PassageRef = Field(..., description="The best passage, the snippet's context.")
    more_count: int = Field(..., description="How many other passages of this article match ('3 more passages').")
    more_passages: list[PassageRef] = Field([], description="Those passages, best first.")
    also_in: list[SourceRef] = Field([], description="Other articles carrying the same story (syndicated copies).")
    entities: list[ArticleEntityOut] = Field([], description="The people, organisations and places it mentions most "
                                                             "(empty when the index holds no entities).")

    @classmethod
    def of(cls, r: ArticleResult, entities: dict | None = None) -> "ArticleHitOut":
        return cls(**cls.fields_of(r.article), score=round(r.score, 6), snippet=SnippetOut.of(r.snippet),
                   passage=PassageRef.of(r.best), more_count=len(r.more),
                   more_passages=[PassageRef.of(p) for p in r.more],
                   also_in=[SourceRef.of(m) for m in r.best.also_in],
                   entities=ArticleEntityOut.listed((entities or {}).get(r.article.article_id, [])))


TOTAL_DESCRIPTION = (
    "About how many articles match (group=article; null for group=passage): the distinct articles among the "
    "candidates retrieval examined (each retriever's best `candidates` chunks, deeper when a page needs more) "
    "whose best passage scores at least `search_min_score_ratio` of the top result's. An estimate, counted "
    "while searching at no extra cost: an article ranked below the examined depth is not counted, and a later "
    "page may look deeper and count more. Exact when `total_exact` is true (every chunk passing the filters was "
    "examined).")


class SearchPage(TimeOut):
    query: str
    group: Literal["article", "passage"] = Field(..., description="article: one result per article with a "
                                                                  "snippet; passage: ranked passages.")
    sort: Literal["relevance", "newest", "oldest"]
    offset: int = Field(..., description="Results skipped before this page.")
    top_k: int = Field(..., description="Page size: articles (group=article) or passages.")
    total: int | None = Field(None, description=TOTAL_DESCRIPTION)
    total_exact: bool = False


class SearchResponse(SearchPage):
    """group=article: one result per article, in ``sort`` order."""

    results: list[ArticleHitOut]


class PassageSearchResponse(SearchPage):
    """group=passage: the ranked passages (no article shown twice for the same sentences)."""

    results: list[PassageOut]


def search_response(query: str, result: SearchResult, group: str = "article", sort: str = "relevance",
                    offset: int = 0, top_k: int = 10) -> SearchResponse | PassageSearchResponse:
    page = dict(query=query, group=group, sort=sort, offset=offset, top_k=top_k, **TimeOut.fields(result.plan))
    if group == "passage":
        return PassageSearchResponse(results=[PassageOut.of(p) for p in result.passages], **page)
    return SearchResponse(results=[ArticleHitOut.of(r, result.entities) for r in result.articles], total=result.total,
                          total_exact=result.total_exact, **page)


class ArticleOut(SourceMeta):
    path: str
    extra: dict[str, str]
    text: str = Field(..., description="The article body; citation offsets (Unicode code points) index into it.")

    @classmethod
    def of(cls, article: Article) -> "ArticleOut":
        return cls(**cls.fields_of(article), path=article.path,
                   extra=article.extra, text=article.body)


class RevisionOut(BaseModel):
    """One version of an article."""

    revision: int
    title: str
    published_date: date | None
    updated_date: date | None
    valid_from: date | None = Field(..., description="This revision is the article's text from this day (an "
                                                     "as-of date from here on answers from it) ...")
    valid_to: date | None = Field(..., description="... until the next revision's valid_from (null: the latest).")
    content_sha: str

    @classmethod
    def of(cls, meta: ArticleMeta) -> "RevisionOut":
        return cls(**{name: getattr(meta, name) for name in cls.model_fields})


class RevisionDiffOut(BaseModel):
    from_revision: int = Field(..., serialization_alias="from")
    to_revision: int = Field(..., serialization_alias="to")
    diff: str = Field(..., description="Unified diff of the two texts, line by line.")


class RevisionsResponse(BaseModel):
    """GET /articles/{article_id}/revisions: the versions, oldest first, and what changed between them."""

    article_id: str
    revisions: list[RevisionOut]
    diffs: list[RevisionDiffOut] = Field(..., description="Between consecutive revisions, or the pair asked "
                                                          "with ?from=&to=.")

    @classmethod
    def of(cls, history) -> "RevisionsResponse":
        return cls(article_id=history.article_id, revisions=[RevisionOut.of(m) for m in history.revisions],
                   diffs=[RevisionDiffOut(from_revision=d.from_revision, to_revision=d.to_revision, diff=d.diff)
                          for d in history.diffs])


class FeedStateOut(BaseModel):
    feed: str
    interval_minutes: float = Field(..., description="Minutes until the next poll: the setting, or more while the "
                                                     "feed fails (backing off).")
    last_poll: str | None
    last_success: str | None
    last_error: str | None
    failures: int = Field(..., description="Polls failed in a row.")
    next_poll: str | None
    last_added: int
    last_updated: int
    pending_build: bool = Field(..., description="Articles ingested but not yet in a published index.")


class HealthResponse(BaseModel):
    status: str = Field(..., description="'ok' when an index is loaded; 'building' while the first build runs; "
                                         "'no_index' otherwise.")
    rebuilding: bool = False
    model: str
    articles: int
    chunks: int
    index_version: str | None
    built_at: str | None
    index_age_seconds: float | None
    last_build: dict | None
    message: str | None = None
    feeds: list[FeedStateOut] | None = Field(None, description="Feeds this service polls (qa serve --feeds): last "
                                                              "poll, last error, next poll; null when it polls none.")

    @classmethod
    def of(cls, status: dict, configured_model: str) -> "HealthResponse":
        """From ``Engine.status()``."""
        index = status["index"]
        common = dict(rebuilding=status["rebuilding"], last_build=status["last_build"], message=status["error"],
                      feeds=status.get("feeds"))
        if index is None:
            state = "building" if status["rebuilding"] else "no_index"
            return cls(status=state, model=configured_model, articles=0, chunks=0, index_version=None,
                       built_at=None, index_age_seconds=None, **common)
        built = index.manifest.built_at
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(built)).total_seconds()
        return cls(status="ok", model=index.manifest.model, articles=index.article_count(),
                   chunks=index.chunk_count(), index_version=index.version, built_at=built,
                   index_age_seconds=round(age, 1), **common)


class FacetValue(BaseModel):
    value: str
    articles: int


class EntityFacetsOut(BaseModel):
    """Values the `entity` filter can take, by kind, most mentioned first (up to the facet limit each)."""

    person: list[FacetValue] = []
    organisation: list[FacetValue] = []
    place: list[FacetValue] = []


class FacetsResponse(BaseModel):
    """Values the filters can take in the live index, most common first, with article counts."""

    source: list[FacetValue]
    author: list[FacetValue]
    section: list[FacetValue]
    conflict: list[FacetValue]
    published_min: date | None
    published_max: date | None
    entities: EntityFacetsOut = Field(default_factory=EntityFacetsOut,
                                      description="People, organisations and places, with how many articles mention "
                                                  "each; empty when the index was built without the entity "
                                                  "recogniser.")

    @classmethod
    def of(cls, facets: Facets) -> "FacetsResponse":
        def values(pairs):
            return [FacetValue(value=v, articles=n) for v, n in pairs]

        return cls(source=values(facets.source), author=values(facets.author), section=values(facets.section),
                   conflict=values(facets.conflict), published_min=facets.published_min,
                   published_max=facets.published_max,
                   entities=EntityFacetsOut(**{kind: values(facets.entities.get(kind, [])) for kind in ENTITY_KINDS}))


class ReindexResponse(BaseModel):
    status: str = Field(..., description="'started': the rebuild runs in the background; see /health.last_build.")
    full: bool


class ErrorResponse(BaseModel):
    detail: str | list


class WatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "central bank raises interest rates", "filters": {"source": "Wikinews"}}]})

    query: str = Field(..., min_length=1, max_length=2000, pattern=NOT_BLANK, description="What to watch for.")
    filters: FilterModel = Field(default_factory=FilterModel)
    threshold: float | None = Field(None, ge=-1.0, le=1.0, description="Similarity a sentence needs (default: "
                                                                       "NEWSQA_WATCH_THRESHOLD).")
    webhook: str | None = Field(None, max_length=2000, description="URL that receives a JSON POST with each check's "
                                                                   "new articles; only prefixes the operator allows.")


class WatchOut(BaseModel):
    id: str
    query: str
    filters: dict
    threshold: float
    webhook: str | None
    created_at: str
    checked_version: str | None = Field(None, description="The last index version checked for this watch.")

    @classmethod
    def of(cls, watch) -> "WatchOut":
        return cls(**{name: getattr(watch, name) for name in cls.model_fields})


class AlertOut(BaseModel):
    """An article that newly matched: its best sentence, verbatim (GET /articles/{article_id} .text[start:end])."""

    article_id: str
    title: str
    source: str | None
    published_date: str | None
    url: str | None
    start: int
    end: int
    quote: str
    score: float = Field(..., description="Similarity of the quoted sentence to the watched query.")
    found_at: str


class WatchNewResponse(BaseModel):
    watch: WatchOut
    articles: list[AlertOut] = Field(..., description="Articles not listed before, newest found first; listing "
                                                      "them marks them seen.")


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"claim": "The Reserve Bank of Australia raised its cash rate to 6.75 percent.",
                      "as_of": "2007-11-10"}]})

    claim: str = Field(..., min_length=1, max_length=2000, pattern=NOT_BLANK,
                       description="One statement to check, in plain words.")
    filters: FilterModel = Field(default_factory=FilterModel)
    as_of: AsOf = Field(None, description="Check against the record as of this date (default: today, UTC).")


class QuoteOut(SourceMeta):
    """A sentence bearing on the claim, verbatim: GET /articles/{article_id} .text[start:end]."""

    quote: str
    start: int
    end: int
    similarity: float
    reason: str = Field(..., description="Why it supports or contradicts the claim, in words.")

    @classmethod
    def of(cls, q) -> "QuoteOut":
        return cls(**cls.fields_of(q.article), quote=q.text, start=q.start, end=q.end, similarity=q.similarity,
                   reason=q.reason)


class CheckResponse(TimeOut):
    claim: str
    verdict: str = Field(..., description="supported, contradicted, mixed (both found) or not_enough_evidence.")
    supporting: list[QuoteOut] = Field(..., description="Sentences stating every number, date and name of the "
                                                        "claim; newest first.")
    contradicting: list[QuoteOut] = Field(..., description="Sentences giving another value than the claim, or the "
                                                           "opposite; newest first.")

    @classmethod
    def of(cls, claim: str, result: CheckResult) -> "CheckResponse":
        v = result.verdict
        return cls(claim=claim, verdict=v.verdict, supporting=[QuoteOut.of(q) for q in v.supporting],
                   contradicting=[QuoteOut.of(q) for q in v.contradicting], **TimeOut.fields(result.plan))


class TimelinePointOut(SourceMeta):
    """One story on the timeline: the quoted article's metadata and its sentence closest to the query."""

    quote: str = Field(..., description="Verbatim: GET /articles/{article_id} .text[start:end].")
    start: int
    end: int
    score: float
    first_report: SourceRef = Field(..., description="The earliest copy of the story (outlet and date).")
    also_in: list[SourceRef] = []
    changed: list[str] = Field([], description="Values the previous point's quote gave differently, e.g. "
                                               "'number: 12 → 31'.")

    @classmethod
    def of(cls, p) -> "TimelinePointOut":
        return cls(**cls.fields_of(p.article), quote=p.quote, start=p.start, end=p.end, score=round(p.score, 6),
                   first_report=SourceRef.of(p.first_report), also_in=[SourceRef.of(m) for m in p.also_in],
                   changed=p.changed)


class TimelineResponse(TimeOut):
    query: str
    points: list[TimelinePointOut] = Field(..., description="Oldest first (by each story's first report; undated "
                                                            "last).")

    @classmethod
    def of(cls, query: str, result: TimelineResult) -> "TimelineResponse":
        return cls(query=query, points=[TimelinePointOut.of(p) for p in result.points], **TimeOut.fields(result.plan))
