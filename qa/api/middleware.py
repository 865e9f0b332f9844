"""Request body cap, CORS and a log line per request."""

import logging
import time

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from qa.settings import HttpSettings

log = logging.getLogger("qa.api")


def install_middleware(app: FastAPI, settings: HttpSettings) -> None:
    """Body size cap (innermost), CORS when configured, and a log line per request (outermost), which also
    tells every function in ``app.state.request_observers`` (request, status, seconds) — the metrics."""
    app.state.request_observers = []
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
            seconds = time.perf_counter() - started
            log.info("%s %s %d %.1fms", request.method, request.url.path, status, seconds * 1000)
            for observe in app.state.request_observers:
                observe(request, status, seconds)


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
