"""The HTTP API: routers over one ``qa.engine.Engine``, assembled by ``create_app``."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qa.api.access import Access
from qa.api.metrics import install_metrics
from qa.api.middleware import install_middleware
from qa.api.routes import admin, articles, page, query, watches
from index import NewsQAError
from qa.engine import Engine
from qa.settings import Settings

log = logging.getLogger("qa.api")


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
    install_middleware(app, settings.http)
    install_error_handlers(app)
    install_metrics(app, engine)
    access = Access(settings.access)
    app.include_router(query.router(engine, settings.limits, access))
    app.include_router(watches.router(engine, access))
    app.include_router(articles.router(engine))
    app.include_router(admin.router(engine, settings.http, settings.model))
    app.include_router(page.router())
    return app


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError):
        # FastAPI's format, without echoing the offending input (it may be 100 kB).
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "value_error")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(NewsQAError)
    async def _known_failure(request: Request, exc: NewsQAError):
        # Every failure a user can meet carries its own status; its message is written for them.
        if exc.http_status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(status_code=exc.http_status, content={"detail": str(exc)})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error; see the server log"})
