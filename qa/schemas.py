"""Pydantic models of every HTTP request and response: the API contract."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from index.types import ArticleMeta, Filters


def _as_list(value):
    """One value or many; blank values mean "no restriction" and are dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [v.strip() for v in value if not isinstance(v, str) or v.strip()]
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

    def to_filters(self) -> Filters:
        return Filters(**self.model_dump())


NOT_BLANK = r"\S"  # JSON-schema patterns search: "holds a non-space character"


class AskRequest(BaseModel):
    """Fields whose limits come from the settings are added by ``ask_request_model``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "How long did the Moscow meeting with Putin last?", "top_k": 5}]})

    filters: FilterModel = Field(default_factory=FilterModel)


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

    @classmethod
    def fields_of(cls, meta: ArticleMeta) -> dict:
        return {name: getattr(meta, name) for name in SourceMeta.model_fields}


class PassageOut(SourceMeta):
    chunk_id: str
    text: str = Field(..., description="Exact article text at [start, end).")
    start: int
    end: int
    score: float


class CitationOut(SourceMeta):
    n: int = Field(..., description="The [n] marker in the answer.")
    chunk_id: str
    quote: str = Field(..., description="Verbatim article text: GET /articles/{article_id} .text[start:end].")
    start: int
    end: int
    score: float


class AskResponse(BaseModel):
    question: str
    answer: str | None = Field(..., description="Quoted sentences, each followed by its [n] citation marker.")
    answerable: bool
    method: str = Field("extractive", description="'extractive' (verbatim sentences) or 'generated' (LLM, checked).")
    confidence: float | None = Field(None, description="Score of the best evidence sentence; below the configured "
                                                        "threshold the question is declared unanswerable.")
    reason: str | None = Field(None, description="Why no answer was given, when answerable is false.")
    citations: list[CitationOut]
    passages: list[PassageOut]


class SearchResponse(BaseModel):
    query: str
    results: list[PassageOut]


class ArticleOut(SourceMeta):
    path: str
    extra: dict[str, str]
    text: str = Field(..., description="The article body; citation offsets index into this string.")


class HealthResponse(BaseModel):
    status: str = Field(..., description="'ok' when an index is loaded, 'no_index' otherwise.")
    rebuilding: bool = False
    model: str
    articles: int
    chunks: int
    index_version: str | None
    built_at: str | None
    index_age_seconds: float | None
    last_build: dict | None
    message: str | None = None


class ReindexResponse(BaseModel):
    status: str = Field(..., description="'started': the rebuild runs in the background; see /health.last_build.")
    full: bool


class ErrorResponse(BaseModel):
    detail: str | list
