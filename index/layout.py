"""Versioned index folders with an atomic switch.

    <index_dir>/current        -> versions/<id>   (symlink; replaced with one rename)
    <index_dir>/versions/<id>/ published, never modified again
    <index_dir>/versions/.building-<id>/  a build in progress; removed or ignored if the build dies
    <index_dir>/last_build.json           outcome of the most recent build attempt

Readers resolve ``current`` once and keep their version open, so a swap never disturbs a
request in flight, and a killed build never touches what is live.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

CURRENT = "current"
VERSIONS = "versions"
BUILDING_PREFIX = ".building-"
LAST_BUILD = "last_build.json"
LOCK = ".build.lock"


class BuildInProgress(RuntimeError):
    pass


def live_version(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    version = (index_dir / target).resolve()
    return version if version.is_dir() else None


def new_version_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"


def staging_dir(index_dir: Path, version_id: str) -> Path:
    path = index_dir / VERSIONS / f"{BUILDING_PREFIX}{version_id}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def publish(index_dir: Path, staging: Path, version_id: str, keep: int,
            before_switch: Callable[[], None] | None = None) -> Path:
    """Make a complete staged version live in one atomic rename of the ``current`` link."""
    final = index_dir / VERSIONS / version_id
    _fsync_tree(staging)
    staging.rename(final)
    if before_switch is not None:
        before_switch()
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(Path(VERSIONS) / version_id)
    os.replace(tmp_link, index_dir / CURRENT)
    _fsync_dir(index_dir)
    prune(index_dir, keep)
    return final


def prune(index_dir: Path, keep: int) -> None:
    """Drop old versions beyond ``keep`` (the live one always stays) and leftovers of dead builds."""
    versions_dir = index_dir / VERSIONS
    live = live_version(index_dir)
    published = sorted((p for p in versions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
                       key=lambda p: p.name, reverse=True)
    for old in [p for p in published if p != live][max(0, keep - 1):]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in versions_dir.glob(f"{BUILDING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def build_lock(index_dir: Path):
    """One build at a time per index folder; a second one fails fast instead of racing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK, "w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(f"another build of {index_dir} is running; try again when it ends") from None
        yield
    finally:
        handle.close()


def record_outcome(index_dir: Path, outcome: dict) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".{LAST_BUILD}.tmp"
    tmp.write_text(json.dumps(outcome, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, index_dir / LAST_BUILD)


def last_outcome(index_dir: Path) -> dict | None:
    try:
        return json.loads((index_dir / LAST_BUILD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fsync_tree(path: Path) -> None:
    for file in path.iterdir():
        if file.is_file():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
