"""POST /ask (JSON, or a stream of server-sent events), GET /ask (export), POST /check, GET /timeline
and GET /search."""

import json
from collections.abc import Iterator
from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from index import Filters, NewsQAError
from qa.api.access import Access
from qa.api.errors import invalid, responses
from qa.engine import Engine
from qa.export import as_csv, as_markdown
from qa.pipeline import State
from qa.schemas import (
    NOT_BLANK, AskResponse, CheckRequest, CheckResponse, CitationOut, FilterModel, PassageSearchResponse,
    SearchResponse, TimelineResponse, TimeOut, ask_request_model, search_response,
)
from qa.settings import LimitSettings

FILTER_PARAMS = set(FilterModel.model_fields)
SEARCH_PARAMS = {"q", "top_k", "as_of", "group", "sort", "offset"}


EXPORT = {"description": "The answer as Markdown, CSV or JSON.",
          "content": {"text/markdown": {}, "text/csv": {}, "application/json": {}}}
STREAM = {"description": "With `Accept: text/event-stream`: server-sent events `plan` (how the question was read "
                         "in time), then one `citation` per quoted sentence as it is chosen (`text` is its part of "
                         "the answer: the parts joined by spaces are the extractive answer), then `answer` (the "
                         "whole JSON response); `error` ({status, detail}) if it fails midway.",
          "content": {"text/event-stream": {}}}


def router(engine: Engine, settings: LimitSettings, access: Access) -> APIRouter:
    api = APIRouter(dependencies=[Depends(access)])
    AskRequest = ask_request_model(settings.max_question_chars, settings.max_top_k, settings.default_top_k)

    @api.post("/ask", response_model=AskResponse, responses={**responses(401, 429, 503, 413), 200: STREAM})
    def ask(request: AskRequest, http: Request):
        """Answer a question with quoted, cited sentences from the indexed articles."""
        question = request.question.strip()
        args = (question, request.top_k, request.filters.to_filters(), request.as_of)
        if "text/event-stream" in http.headers.get("accept", ""):
            return StreamingResponse(stream(question, engine.ask_steps(*args)), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return AskResponse.of(question, engine.ask(*args))

    @api.get("/ask", responses={**responses(401, 429, 503), 200: EXPORT})
    def export(
        q: str = Query(..., min_length=1, max_length=settings.max_question_chars, pattern=NOT_BLANK,
                       description="The question."),
        format: Literal["json", "md", "csv"] = Query("md", description="md: a note to paste; csv: one row per quote; "
                                                                     "json: the POST /ask response."),
        top_k: int = Query(settings.default_top_k, ge=1, le=settings.max_top_k),
        as_of: date | None = Query(None, description="Answer as of this date (default: today, UTC)."),
        entity: list[str] = Query([], description="A person, organisation or place the article mentions (repeatable: "
                                                 "every one must be mentioned; names as /facets lists them)."),
    ) -> Response:
        """The answer with its provenance, to download or paste: every quote with its article, outlet, authors,
        dates, URL, offsets and text hash, and the as-of date."""
        question = q.strip()
        answer = AskResponse.of(question, engine.ask(question, top_k, _entities(entity), as_of))
        if format == "json":
            return Response(answer.model_dump_json(indent=2), media_type="application/json")
        body, kind = (as_markdown(answer), "text/markdown") if format == "md" else (as_csv(answer), "text/csv")
        return Response(body, media_type=f"{kind}; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="answer.{format}"'})

    @api.get("/timeline", response_model=TimelineResponse, responses=responses(401, 429, 503))
    def timeline(
        q: str = Query(..., min_length=1, max_length=settings.max_question_chars, pattern=NOT_BLANK,
                       description="What the story is about."),
        points: int = Query(10, ge=1, le=settings.max_top_k, description="Stories on the timeline."),
        as_of: date | None = Query(None, description="The record as of this date (default: today, UTC)."),
        entity: list[str] = Query([], description="A person, organisation or place the article mentions (repeatable: "
                                                 "every one must be mentioned; names as /facets lists them)."),
    ) -> TimelineResponse:
        """A quoted timeline: the matching stories in date order, each with its first report, one verbatim
        sentence, and what changed since the story before."""
        query = q.strip()
        return TimelineResponse.of(query, engine.timeline(query, points, _entities(entity), as_of))

    @api.post("/check", response_model=CheckResponse, responses=responses(401, 429, 503, 413))
    def check(request: CheckRequest) -> CheckResponse:
        """Check a claim against the articles as of a date: supported, contradicted, mixed or not enough
        evidence, with the deciding sentences quoted verbatim, newest first."""
        claim = request.claim.strip()
        return CheckResponse.of(claim, engine.check(claim, request.filters.to_filters(), request.as_of))

    def stream(question: str, steps: Iterator[tuple[str, State]]) -> Iterator[str]:
        """Events as the stages finish; the index snapshot is held until the stream ends or is dropped."""
        state = None
        try:
            for stage, state in steps:
                if stage == "plan":
                    yield event("plan", TimeOut(**TimeOut.fields(state.plan)).model_dump(mode="json"))
                elif stage == "answer" and state.answer is not None and state.answer.answerable:
                    for c in state.answer.citations:
                        yield event("citation", {"text": f"{c.quote} [{c.n}]",
                                                 **CitationOut.of(c).model_dump(mode="json")})
            yield event("answer", AskResponse.of(question, engine.result(state)).model_dump(mode="json"))
        except NewsQAError as exc:
            yield event("error", {"status": exc.http_status, "detail": str(exc)})
        finally:
            steps.close()

    @api.get("/search", response_model=SearchResponse | PassageSearchResponse, responses=responses(401, 429, 503))
    def search(
        request: Request,
        q: str = Query(..., min_length=1, max_length=settings.max_question_chars, pattern=NOT_BLANK,
                       description="Search text."),
        top_k: int = Query(10, ge=1, le=settings.max_top_k, description="Results per page: articles "
                                                                         "(group=article) or passages."),
        group: Literal["article", "passage"] = Query("article", description="article: one result per article "
                                                     "with a snippet and its other matching passages; passage: "
                                                     "the ranked passages."),
        sort: Literal["relevance", "newest", "oldest"] = Query(
            "relevance", description="Order of the matching articles; newest/oldest go by the date the as-of rule "
                                     "uses (the later of published and updated), undated articles last. "
                                     "group=article only."),
        offset: int = Query(0, ge=0, le=settings.max_offset, description="Results skipped: the page starts "
                                                                         "after them."),
        source: list[str] = Query([], description="Outlet (repeatable)."),
        author: list[str] = Query([], description="Author name (repeatable)."),
        section: list[str] = Query([]),
        conflict: list[str] = Query([]),
        published_after: date | None = Query(None, description="Inclusive ISO date."),
        published_before: date | None = Query(None, description="Inclusive ISO date."),
        entity: list[str] = Query([], description="A person, organisation or place the article mentions (repeatable: "
                                                 "every one must be mentioned; names as /facets lists them)."),
        as_of: date | None = Query(None, description="Search as of this date (default: today, UTC; a future date is "
                                                     "clamped to today, and `notes` says so)."),
    ) -> SearchResponse | PassageSearchResponse:
        """Articles (or passages) ranked by hybrid (dense + BM25) relevance or by date, a page at a time,
        optionally filtered by metadata."""
        unknown = sorted(set(request.query_params) - FILTER_PARAMS - SEARCH_PARAMS)
        if unknown:
            raise invalid(("query", unknown[0]), f"unknown parameter; filters are {', '.join(sorted(FILTER_PARAMS))}")
        try:
            filters = FilterModel(source=source, author=author, section=section, conflict=conflict,
                                  published_after=published_after, published_before=published_before, entity=entity)
        except ValidationError as exc:
            raise invalid(("query", "published_after"), exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        query = q.strip()
        result = engine.search(query, top_k, filters.to_filters(), as_of, group=group, sort=sort, offset=offset)
        return search_response(query, result, group, sort, offset, top_k)

    return api


def _entities(names: list[str]) -> Filters | None:
    """The entity filter of a GET form (blank values dropped, as FilterModel does), or None."""
    return FilterModel(entity=names).to_filters() if any(n.strip() for n in names) else None


def event(name: str, data: dict) -> str:
    """One server-sent event (JSON on one data line)."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
