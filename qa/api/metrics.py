"""GET /metrics in Prometheus' text format, with the standard client library.

Request counts and latencies per route and status, each pipeline stage's time, and the live
index's size, age and last build, read when Prometheus scrapes. One registry per app, so two
apps in one process (tests) never share counters.
"""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from qa.engine import Engine

#: Latency buckets (seconds) for requests and stages: a keyword search takes ms, a cold answer seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class IndexCollector:
    """The live index as gauges, read at scrape time (an index published by another process counts too)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self):
        status = self.engine.status()
        index = status["index"]
        loaded = GaugeMetricFamily("newsqa_index_loaded", "1 when an index version is being served.")
        loaded.add_metric([], 1.0 if index is not None else 0.0)
        yield loaded
        if index is not None:
            built = datetime.fromisoformat(index.manifest.built_at)
            for name, help_text, value in (
                    ("newsqa_index_articles", "Articles in the served index.", index.article_count()),
                    ("newsqa_index_chunks", "Chunks in the served index.", index.chunk_count()),
                    ("newsqa_index_age_seconds", "Seconds since the served version was built.",
                     (datetime.now(timezone.utc) - built).total_seconds())):
                gauge = GaugeMetricFamily(name, help_text)
                gauge.add_metric([], float(value))
                yield gauge
        last = status["last_build"] or {}
        outcome = GaugeMetricFamily("newsqa_last_build_ok", "1 if the last build of this index succeeded, 0 if it "
                                    "failed (absent before the first build).")
        if last.get("status") in ("ok", "failed"):
            outcome.add_metric([], 1.0 if last["status"] == "ok" else 0.0)
        yield outcome
        building = GaugeMetricFamily("newsqa_build_running", "1 while a build of this index is running.")
        building.add_metric([], 1.0 if status["rebuilding"] else 0.0)
        yield building


def install_metrics(app: FastAPI, engine: Engine) -> CollectorRegistry:
    """Count every request (told by the logging middleware), time every stage, and serve GET /metrics."""
    registry = CollectorRegistry()
    requests = Counter("newsqa_requests", "HTTP requests by route, method and status.",
                       ["route", "method", "status"], registry=registry)
    latency = Histogram("newsqa_request_seconds", "HTTP request latency by route.", ["route"], buckets=BUCKETS,
                        registry=registry)
    stages = Histogram("newsqa_stage_seconds", "Time of each pipeline stage.", ["pipeline", "stage"],
                       buckets=BUCKETS, registry=registry)
    registry.register(IndexCollector(engine))
    for name, pipeline in (("ask", engine.asking), ("search", engine.searching)):
        pipeline.observers.append(lambda stage, seconds, name=name: stages.labels(name, stage).observe(seconds))

    def count(request: Request, status: int, seconds: float) -> None:
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")  # the template (/articles/{article_id}), never the URL
        requests.labels(path, request.method, str(status)).inc()
        latency.labels(path).observe(seconds)

    app.state.request_observers.append(count)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return registry
