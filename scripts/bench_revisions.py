#!/usr/bin/env python
"""What keeping article revisions costs a build: time and index size, against the old overwrite.

The first ``--articles`` Wikinews articles are built once (folder store, the real model); the index is
copied twice. Then, ``--rounds`` times, ``--edited`` of the articles (a different tenth each round) get a
changed sentence and an Updated_Date, and both copies are built incrementally from the same corpus:
one as the build now works (a changed article is a new revision; the held one is kept), one with the
old behaviour put back (the changed article's rows are removed before the new text is added). Printed
per round: seconds of each build, the index's size on disk (every file of the live version: both ways
leave garbage until segment merges), the bytes it holds (meta.sqlite vacuumed plus a float32 vector per
stored chunk and sentence row), stored chunk rows, and the latest-only id set a search starts from.
Last, a full rebuild of each copy: the revisions copy embeds its kept earlier revisions again.

    nice -n 10 .venv/bin/python scripts/bench_revisions.py --articles 300 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import PROJECT_ROOT, Filters, build_index, make_encoder, open_index  # noqa: E402
from index.stores.folder.writer import FolderWriter  # noqa: E402
from qa.settings import Settings  # noqa: E402

WIKINEWS = PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"


def corpus_lines(source: Path, n: int) -> list[dict]:
    with open(source, encoding="utf-8") as lines:
        return [json.loads(next(lines)) for _ in range(n)]


def write(corpus: Path, records: list[dict]) -> None:
    (corpus / "wikinews.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def edit(records: list[dict], round_: int, share: float) -> int:
    """Change one sentence of ``share`` of the records (a different slice each round); returns how many."""
    n = max(1, int(len(records) * share))
    start = (round_ * n) % len(records)
    for r in records[start:start + n]:
        r["text"] = f"Correction {round_}: an earlier version of this report misstated a figure. " + r["text"]
        r["updated_date"] = f"2026-0{round_ + 1}-15"
    return n


def size(index_dir: Path) -> int:
    live = (index_dir / "current").resolve()
    return sum(p.stat().st_size for p in live.rglob("*") if p.is_file())


def held(index_dir: Path, dimension: int) -> int:
    """Bytes of what the version holds, without the garbage either way of updating leaves until merges and
    vacuums: meta.sqlite vacuumed, plus float32 vectors of every stored chunk and sentence row."""
    live = (index_dir / "current").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(live / "meta.sqlite")
        db.execute("VACUUM INTO ?", (str(Path(tmp) / "meta.sqlite"),))
        rows = sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("chunks", "sentences"))
        db.close()
        return (Path(tmp) / "meta.sqlite").stat().st_size + rows * dimension * 4


class Overwrite:
    """The behaviour before revisions: a changed article's rows are removed, then its new text is added."""

    def __enter__(self):
        self.add = FolderWriter.add
        original = self.add

        def add(writer, article, *rest):
            writer.remove([article.path])
            return original(writer, article, *rest)

        FolderWriter.add = add
        return self

    def __exit__(self, *exc):
        FolderWriter.add = self.add


def timed(settings: Settings, encoder, overwrite: bool) -> float:
    started = time.perf_counter()
    if overwrite:
        with Overwrite():
            build_index(settings, encoder=encoder, progress=False)
    else:
        build_index(settings, encoder=encoder, progress=False)
    return time.perf_counter() - started


def latest_only_ms(index_dir: Path) -> tuple[float, int]:
    """Milliseconds to read the latest-only id set (once per reader: it is cached) and its size."""
    reader = open_index(index_dir)
    started = time.perf_counter()
    ids = reader.filtered_chunk_ids(Filters())
    return round((time.perf_counter() - started) * 1000, 1), len(ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--edited", type=float, default=0.10, help="share of the articles edited per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wikinews", type=Path, default=WIKINEWS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        records = corpus_lines(args.wikinews, args.articles)
        write(corpus, records)
        base = Settings(corpus_dir=corpus, index_dir=work / "revisions")
        encoder = make_encoder(base)
        started = time.perf_counter()
        report = build_index(base, encoder=encoder, progress=False)
        print(json.dumps({"full build": {"articles": report.articles, "chunks": report.chunks,
                                         "seconds": round(time.perf_counter() - started, 1),
                                         "bytes on disk": size(base.index_dir),
                                         "bytes held": held(base.index_dir, encoder.dimension)}}), flush=True)
        shutil.copytree(base.index_dir, work / "overwrite", symlinks=True)
        old = Settings(corpus_dir=corpus, index_dir=work / "overwrite")
        for round_ in range(args.rounds):
            n = edit(records, round_, args.edited)
            write(corpus, records)
            row = {"round": round_ + 1, "edited": n}
            for name, settings, overwrite in (("revisions", base, False), ("overwrite", old, True)):
                seconds = timed(settings, encoder, overwrite)
                reader = open_index(settings.index_dir)
                ms, latest = latest_only_ms(settings.index_dir)
                row[name] = {"seconds": round(seconds, 2), "bytes on disk": size(settings.index_dir),
                             "bytes held": held(settings.index_dir, encoder.dimension),
                             "chunk rows": reader.chunk_count(), "articles": reader.article_count(),
                             "latest-only ids": latest, "latest-only ms": ms}
            growth = row["revisions"]["bytes held"] / row["overwrite"]["bytes held"] - 1
            row["held growth vs overwrite"] = f"{growth:+.1%}"
            print(json.dumps(row), flush=True)
        # A full rebuild (--full, a new model) embeds the kept revisions again besides the corpus.
        row = {"full rebuild": {}}
        for name, settings in (("revisions", base), ("overwrite", old)):
            started = time.perf_counter()
            report = build_index(settings, encoder=encoder, progress=False, full=True)
            row["full rebuild"][name] = {"seconds": round(time.perf_counter() - started, 1),
                                         "kept revisions": report.kept_revisions, "chunks": report.chunks,
                                         "bytes held": held(settings.index_dir, encoder.dimension)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
