"""GET /health and POST /admin/reindex."""

import hmac

from fastapi import APIRouter, Header, HTTPException, Query

from qa.api.errors import responses
from qa.engine import Engine
from qa.schemas import HealthResponse, ReindexResponse
from qa.settings import HttpSettings


def router(engine: Engine, settings: HttpSettings, model: str) -> APIRouter:
    api = APIRouter()

    def require_admin(authorization: str | None) -> None:
        if not settings.admin_token:
            raise HTTPException(403, "admin endpoints are disabled; set NEWSQA_ADMIN_TOKEN to enable them")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
            raise HTTPException(401, "a valid 'Authorization: Bearer <token>' header is required",
                                headers={"WWW-Authenticate": "Bearer"})

    @api.post("/admin/reindex", status_code=202, response_model=ReindexResponse, responses=responses(401, 403, 409))
    def reindex(full: bool = Query(False, description="Rebuild from scratch instead of updating."),
                authorization: str | None = Header(None)) -> ReindexResponse:
        """Rebuild the index from the corpus folder in the background; the service swaps to it when done."""
        require_admin(authorization)
        engine.start_rebuild(full)  # RebuildRefused: a 409 saying why
        return ReindexResponse(status="started", full=full)

    @api.get("/health", response_model=HealthResponse)
    def health() -> HealthResponse:
        """Whether an index is loaded, its size and age, builds running, and the last build's outcome."""
        return HealthResponse.of(engine.status(), model)

    return api
