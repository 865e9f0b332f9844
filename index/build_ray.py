"""Builds whose parsing, chunking and embedding run on a Ray cluster (``qa build --ray [ADDRESS]``).

Ray schedules; this module only says what runs where. The driver (index/build.py) scans, diffs
and is the one writer, publishing through the store exactly as in-process; each Ray worker is an
actor that loads the encoder once and turns batches of records into ``EmbeddedBatch`` results,
which come back in the batches' order (so chunk ids are assigned as in-process). A worker that
dies fails the build like any other error: nothing is published, the live version keeps serving.

Ray is an optional extra (``pip install 'news-qa[ray]'``). Token authentication, on by default in
Ray 2.60, is left on: a remote cluster's token is read from ``RAY_AUTH_TOKEN`` or ~/.ray/auth_token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from index.build import BatchJob, BuildError, EmbeddedBatch
from index.errors import NewsQAError
from index.formats import Record

log = logging.getLogger(__name__)
LOCAL = "auto"  # --ray without an address, or "auto": a Ray instance started on this machine for the build
INSTALL = "Ray is not installed: pip install 'news-qa[ray]' (or pip install 'ray==2.60.0')"


class RayUnavailable(NewsQAError, RuntimeError):
    """Ray is missing or its cluster cannot be reached; the build has not started."""

    http_status = 503
    exit_code = 2


def _ray():
    try:
        import ray
    except ImportError:
        raise RayUnavailable(INSTALL) from None
    return ray


class RayWorkers:
    """``workers`` actors on a Ray cluster, each with one CPU and its own encoder (index.build.BatchWorkers)."""

    def __init__(self, workers: int, cpus_per_worker: float = 1.0) -> None:
        if workers < 1:
            raise ValueError("a Ray build needs at least one worker")
        self.count = workers
        self.cpus_per_worker = cpus_per_worker
        self.actors: list = []  # while a map runs (tests kill one to check a build survives it)

    def map(self, job: BatchJob, batches: list[list[Record]]) -> Iterator[EmbeddedBatch]:
        ray = _ray()
        from ray.util import ActorPool

        actor = ray.remote(num_cpus=self.cpus_per_worker)(_EmbedActor)  # no restarts: a lost worker fails the build
        job_ref = ray.put(job)
        self.actors = [actor.remote(job_ref) for _ in range(min(self.count, len(batches)) or 1)]
        try:
            # ActorPool.map: one batch in flight per actor, results yielded in submission order.
            for result in ActorPool(self.actors).map(lambda a, batch: a.embed.remote(batch), batches):
                yield result
        except ray.exceptions.RayError as exc:
            raise BuildError(f"a Ray worker failed, nothing was published: {_first_line(exc)}") from None
        finally:
            for a in self.actors:
                ray.kill(a)
            self.actors = []


class _EmbedActor:
    """One Ray worker process: loads the encoder once, then embeds the batches it is handed."""

    def __init__(self, job: BatchJob) -> None:
        self._embed = job.embedder()

    def embed(self, records: list[Record]) -> EmbeddedBatch:
        return self._embed(records)

    def pid(self) -> int:
        import os

        return os.getpid()


@contextmanager
def connected(address: str | None, cpus: int | None = None) -> Iterator[int]:
    """Ray connected for the block; yields the cluster's CPU count. ``auto``/None starts a local
    instance (``cpus`` CPUs, default all) and stops it after; an address joins a running cluster."""
    ray = _ray()
    local = address in (None, "", LOCAL)
    if ray.is_initialized():  # already connected (a test's or a notebook's instance): use it, leave it up
        yield int(ray.cluster_resources().get("CPU", 1))
        return
    try:
        if local:
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayUnavailable(f"could not connect to the Ray cluster at {address or 'a local instance'}: "
                             f"{_first_line(exc)}") from None
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
