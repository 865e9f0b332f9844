"""GET /articles/{id} (a cited passage's whole article, to read it in context; ?revision=N for an earlier
version), GET /articles/{id}/revisions (its versions and what changed) and GET /facets."""

from fastapi import APIRouter, HTTPException, Query

from qa.api.errors import responses
from qa.engine import Engine
from qa.schemas import ArticleOut, FacetsResponse, RevisionsResponse

MAX_ID_CHARS = 64


def router(engine: Engine) -> APIRouter:
    api = APIRouter()

    @api.get("/articles/{article_id}", response_model=ArticleOut, responses=responses(404, 422, 503))
    def article(article_id: str, revision: int | None = Query(
            None, ge=1, description="A revision number (GET /articles/{article_id}/revisions lists them); "
                                    "default: the latest.")) -> ArticleOut:
        """An article's metadata and full text, to read a cited passage in context (the citation's revision)."""
        found = engine.article(article_id, revision) if len(article_id) <= MAX_ID_CHARS else None
        if found is None:
            if revision is not None and engine.article(article_id[:MAX_ID_CHARS]) is not None:
                raise HTTPException(404, f"article {article_id!r} has no revision {revision}")
            raise HTTPException(404, f"no article with id {article_id[:MAX_ID_CHARS]!r}")
        return ArticleOut.of(found)

    @api.get("/articles/{article_id}/revisions", response_model=RevisionsResponse,
             responses=responses(404, 422, 503))
    def revisions(article_id: str,
                  from_: int | None = Query(None, alias="from", ge=1,
                                            description="Diff from this revision (default with `to`: the one "
                                                        "before it) ..."),
                  to: int | None = Query(None, ge=1, description="... to this one (default with `from`: the latest; "
                                                                 "neither: each revision against the one before).")
                  ) -> RevisionsResponse:
        """The article's versions (revision, dates, validity, content hash, title), oldest first, and unified
        diffs of the text between consecutive revisions, or between ?from=&to=."""
        if len(article_id) > MAX_ID_CHARS:
            raise HTTPException(404, f"no article with id {article_id[:MAX_ID_CHARS]!r}")
        pair = (from_, to) if from_ is not None or to is not None else None
        return RevisionsResponse.of(engine.revisions(article_id, pair))

    @api.get("/facets", response_model=FacetsResponse, responses=responses(503))
    def facets() -> FacetsResponse:
        """Filter values present in the index (outlets, authors, sections, conflicts, date range) with counts."""
        return FacetsResponse.of(engine.facets())

    return api
