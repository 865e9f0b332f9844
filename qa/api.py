"""The HTTP API: a thin FastAPI layer over ``qa.engine.Engine``.

No ``from __future__ import annotations`` here: FastAPI must see the request model that
``create_app`` builds from the settings as a real class, not a string.
"""


import hmac
import logging
import time
from datetime import date, datetime, timezone

from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from qa.answer import Citation
from qa.engine import Engine, NoIndex
from qa.retrieve import Passage
from qa.schemas import (
    NOT_BLANK, ArticleOut, AskResponse, CitationOut, ErrorResponse, FilterModel, HealthResponse, PassageOut,
    ReindexResponse, SearchResponse, ask_request_model,
)
from qa.settings import Settings

log = logging.getLogger("qa.api")
FILTER_PARAMS = set(FilterModel.model_fields)
ERRORS = {
    404: {"model": ErrorResponse, "description": "No such article."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    503: {"model": ErrorResponse, "description": "No index is loaded; the message says how to build one."},
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token."},
    403: {"model": ErrorResponse, "description": "Admin endpoints are disabled (no NEWSQA_ADMIN_TOKEN set)."},
    409: {"model": ErrorResponse, "description": "A rebuild is already running."},
}


def invalid(field: tuple, message: str) -> RequestValidationError:
    """A 422 in FastAPI's own error format, naming the offending field."""
    return RequestValidationError([{"loc": field, "msg": message, "type": "value_error"}])


def passage_out(p: Passage) -> PassageOut:
    return PassageOut(**PassageOut.fields_of(p.chunk.article), chunk_id=p.chunk.chunk_id, text=p.text,
                      start=p.start, end=p.end, score=round(p.score, 6))


def citation_out(c: Citation) -> CitationOut:
    return CitationOut(**CitationOut.fields_of(c.passage.chunk.article), n=c.n, chunk_id=c.passage.chunk.chunk_id,
                       quote=c.quote, start=c.start, end=c.end, score=round(c.score, 6))


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the app; the engine (and its model) is loaded once here unless one is passed in."""
    engine = engine or Engine(settings)
    app = FastAPI(
        title="News QA",
        version="0.1.0",
        description="Semantic search and cited, extractive answers over news articles. "
                    "Every answer sentence is a verbatim quote with its article and character offsets.",
        responses={422: {"description": "Invalid request; `detail` names the field."}},
    )
    app.state.engine = engine
    app.state.settings = settings
    install_middleware(app, settings)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError):
        # FastAPI's format, without echoing the offending input (it may be 100 kB).
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "value_error")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(NoIndex)
    async def _no_index(request: Request, exc: NoIndex):
        return JSONResponse(status_code=503, content={"detail": f"No index is available: {exc}"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error; see the server log"})

    AskRequest = ask_request_model(settings.max_question_chars, settings.max_top_k, settings.default_top_k)

    @app.post("/ask", response_model=AskResponse, responses={503: ERRORS[503], 413: ERRORS[413]})
    def ask(request: AskRequest) -> AskResponse:
        """Answer a question with quoted, cited sentences from the indexed articles."""
        question = request.question.strip()
        result = engine.ask(question, request.top_k, request.filters.to_filters())
        return AskResponse(
            question=question, answer=result.answer.answer, answerable=result.answer.answerable,
            method=result.answer.method, confidence=result.answer.confidence,
            reason=result.answer.reason, citations=[citation_out(c) for c in result.answer.citations],
            passages=[passage_out(p) for p in result.retrieval.passages],
        )

    @app.get("/search", response_model=SearchResponse, responses={503: ERRORS[503]})
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
    ) -> SearchResponse:
        """Passages ranked by hybrid (dense + BM25) relevance, optionally filtered by metadata."""
        unknown = sorted(set(request.query_params) - FILTER_PARAMS - {"q", "top_k"})
        if unknown:
            raise invalid(("query", unknown[0]), f"unknown parameter; filters are {', '.join(sorted(FILTER_PARAMS))}")
        query = q.strip()
        filters = FilterModel(source=source, author=author, section=section, conflict=conflict,
                              published_after=published_after, published_before=published_before)
        retrieval = engine.search(query, top_k, filters.to_filters())
        return SearchResponse(query=query, results=[passage_out(p) for p in retrieval.passages])

    @app.get("/articles/{article_id}", response_model=ArticleOut, responses={404: ERRORS[404], 503: ERRORS[503]})
    def article(article_id: str) -> ArticleOut:
        """An article's metadata and full text, to read a cited passage in context."""
        found = engine.article(article_id) if len(article_id) <= 64 else None
        if found is None:
            raise HTTPException(404, f"no article with id {article_id[:64]!r}")
        return ArticleOut(**ArticleOut.fields_of(found), path=found.path, extra=found.extra, text=found.body)

    def require_admin(authorization: str | None) -> None:
        if not settings.admin_token:
            raise HTTPException(403, "admin endpoints are disabled; set NEWSQA_ADMIN_TOKEN to enable them")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
            raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.post("/admin/reindex", status_code=202, response_model=ReindexResponse,
              responses={k: ERRORS[k] for k in (401, 403, 409)})
    def reindex(full: bool = Query(False, description="Rebuild from scratch instead of updating."),
                authorization: str | None = Header(None)) -> ReindexResponse:
        """Rebuild the index from the corpus folder in the background; the service swaps to it when done."""
        require_admin(authorization)
        if not engine.start_rebuild(full):
            raise HTTPException(409, "a rebuild is already running; see /health")
        return ReindexResponse(status="started", full=full)

    @app.get("/health", response_model=HealthResponse)
    def health() -> HealthResponse:
        """Whether an index is loaded, its size and age, and the last build's outcome."""
        status = engine.status()
        index = status["index"]
        common = dict(rebuilding=engine.rebuild_running(), last_build=status["last_build"], message=status["error"])
        if index is None:
            return HealthResponse(status="no_index", model=settings.model, articles=0, chunks=0, index_version=None,
                                  built_at=None, index_age_seconds=None, **common)
        built = index.manifest.built_at
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(built)).total_seconds()
        return HealthResponse(status="ok", model=index.manifest.model, articles=index.article_count(),
                              chunks=index.chunk_count(), index_version=index.directory.name, built_at=built,
                              index_age_seconds=round(age, 1), **common)

    return app


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Body size cap (innermost), CORS when configured, and a log line per request (outermost)."""
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["authorization", "content-type"])

    @app.middleware("http")
    async def log_requests(request: Request, call_next):
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            log.info("%s %s %d %.1fms", request.method, request.url.path, status,
                     (time.perf_counter() - started) * 1000)


class BodyLimit:
    """413 for bodies over the limit, whether announced by Content-Length or streamed in chunks.

    Pure ASGI, so nothing is buffered: the count is kept as the app reads the body.
    """

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.limit
            except ValueError:
                return await JSONResponse(status_code=400, content={"detail": "invalid Content-Length header"})(
                    scope, receive, send)
            if too_large:
                return await self._refuse(scope, receive, send)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                # FastAPI re-raises HTTPException from body reading; its handler answers 413.
                raise HTTPException(413, f"request body is larger than the limit of {self.limit} bytes")
            return message

        await self.app(scope, counted_receive, send)

    async def _refuse(self, scope, receive, send):
        response = JSONResponse(status_code=413,
                                content={"detail": f"request body is larger than the limit of {self.limit} bytes"})
        await response(scope, receive, send)

