"""POST /ask and GET /search."""

from datetime import date

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from qa.api.errors import invalid, responses
from qa.engine import Engine
from qa.schemas import NOT_BLANK, AskResponse, FilterModel, SearchResponse, ask_request_model
from qa.settings import LimitSettings

FILTER_PARAMS = set(FilterModel.model_fields)


def router(engine: Engine, settings: LimitSettings) -> APIRouter:
    api = APIRouter()
    AskRequest = ask_request_model(settings.max_question_chars, settings.max_top_k, settings.default_top_k)

    @api.post("/ask", response_model=AskResponse, responses=responses(503, 413))
    def ask(request: AskRequest) -> AskResponse:
        """Answer a question with quoted, cited sentences from the indexed articles."""
        question = request.question.strip()
        return AskResponse.of(question, engine.ask(question, request.top_k, request.filters.to_filters(),
                                                   request.as_of))

    @api.get("/search", response_model=SearchResponse, responses=responses(503))
    def search(
        request: Request,
        q: str = Query(..., min_length=1, max_length=settings.max_question_chars, pattern=NOT_BLANK,
                       description="Search text."),
        top_k: int = Query(10, ge=1, le=settings.max_top_k),
        source: list[str] = Query([], description="Outlet (repeatable)."),
        author: list[str] = Query([], description="Author name (repeatable)."),
        section: list[str] = Query([]),
        conflict: list[str] = Query([]),
        published_after: date | None = Query(None, description="Inclusive ISO date."),
        published_before: date | None = Query(None, description="Inclusive ISO date."),
        as_of: date | None = Query(None, description="Search as of this date (default: today, UTC; a future date is "
                                                     "clamped to today, and `notes` says so)."),
    ) -> SearchResponse:
        """Passages ranked by hybrid (dense + BM25) relevance, optionally filtered by metadata."""
        unknown = sorted(set(request.query_params) - FILTER_PARAMS - {"q", "top_k", "as_of"})
        if unknown:
            raise invalid(("query", unknown[0]), f"unknown parameter; filters are {', '.join(sorted(FILTER_PARAMS))}")
        try:
            filters = FilterModel(source=source, author=author, section=section, conflict=conflict,
                                  published_after=published_after, published_before=published_before)
        except ValidationError as exc:
            raise invalid(("query", "published_after"), exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        query = q.strip()
        return SearchResponse.of(query, engine.search(query, top_k, filters.to_filters(), as_of))

    return api
