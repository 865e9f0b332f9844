"""Watched searches: POST /watches, GET /watches, GET /watches/{id}/new, DELETE /watches/{id}."""

from dataclasses import asdict

from fastapi import APIRouter, Depends, Response

from qa.api.access import Access
from qa.api.errors import responses
from qa.engine import Engine
from qa.schemas import AlertOut, WatchNewResponse, WatchOut, WatchRequest


def router(engine: Engine, access: Access) -> APIRouter:
    api = APIRouter(dependencies=[Depends(access)], tags=["watches"])

    @api.post("/watches", status_code=201, response_model=WatchOut, responses=responses(401, 403, 429))
    def add(request: WatchRequest) -> WatchOut:
        """Watch a query: after every published index version, articles that newly match it are recorded."""
        filters = request.filters.model_dump(mode="json")
        return WatchOut.of(engine.add_watch(request.query.strip(), filters, request.threshold, request.webhook))

    @api.get("/watches", response_model=list[WatchOut], responses=responses(401, 429))
    def watches() -> list[WatchOut]:
        return [WatchOut.of(w) for w in engine.watches.store.all()]

    @api.get("/watches/{watch_id}/new", response_model=WatchNewResponse, responses=responses(401, 404, 429))
    def new(watch_id: str) -> WatchNewResponse:
        """Articles that matched since the last look, with their best sentence; they are then marked seen."""
        watch = engine.watches.store.get(watch_id)
        alerts = engine.watches.store.take_new(watch_id)
        return WatchNewResponse(watch=WatchOut.of(watch),
                                articles=[AlertOut(**{k: v for k, v in asdict(a).items() if k != "watch_id"})
                                          for a in alerts])

    @api.delete("/watches/{watch_id}", status_code=204, responses=responses(401, 404, 429))
    def remove(watch_id: str) -> Response:
        engine.watches.store.remove(watch_id)
        return Response(status_code=204)

    return api
