"""GET /articles/{id} (a cited passage's whole article, to read it in context) and GET /facets."""

from fastapi import APIRouter, HTTPException

from qa.api.errors import responses
from qa.engine import Engine
from qa.schemas import ArticleOut, FacetsResponse

MAX_ID_CHARS = 64


def router(engine: Engine) -> APIRouter:
    api = APIRouter()

    @api.get("/articles/{article_id}", response_model=ArticleOut, responses=responses(404, 503))
    def article(article_id: str) -> ArticleOut:
        """An article's metadata and full text, to read a cited passage in context."""
        found = engine.article(article_id) if len(article_id) <= MAX_ID_CHARS else None
        if found is None:
            raise HTTPException(404, f"no article with id {article_id[:MAX_ID_CHARS]!r}")
        return ArticleOut.of(found)

    @api.get("/facets", response_model=FacetsResponse, responses=responses(503))
    def facets() -> FacetsResponse:
        """Filter values present in the index (outlets, authors, sections, conflicts, date range) with counts."""
        return FacetsResponse.of(engine.facets())

    return api
