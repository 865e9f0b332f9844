"""GET / (the reader's page) and GET /web/{name} (its scripts and styles, from qa/web/; no CDN, no build step).

Kept out of the OpenAPI schema: these are for browsers, not API clients.
"""

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

WEB = Path(__file__).resolve().parents[2] / "web"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
# The page inserts article text with DOM text APIs only; this policy is the second line of defence:
# no inline script, no inline event handler, nothing loaded from elsewhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-cache"}


def router() -> APIRouter:
    api = APIRouter(include_in_schema=False)
    # The files that exist when the app starts, by name: a request can never name a path outside qa/web/.
    files = {p.name: p for p in WEB.iterdir() if p.is_file() and p.suffix in TYPES}

    def send(name: str) -> FileResponse:
        path = files.get(name)
        if path is None:
            raise HTTPException(404, "no such file")
        return FileResponse(path, media_type=TYPES[path.suffix], headers=HEADERS)

    @api.get("/")
    def page() -> FileResponse:
        """The reader's page: ask, search, filter, read cited articles with the quote highlighted."""
        return send("index.html")

    @api.get("/web/{name}")
    def asset(name: str) -> FileResponse:
        return send(name)

    return api
