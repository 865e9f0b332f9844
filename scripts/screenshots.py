#!/usr/bin/env python
"""Screenshots of the reader's page for the README: the claim check and the timeline views.

Builds an index of the bundled seeds/ (or --corpus DIR; plus, with --wikinews-titles REGEX, the Wikinews articles
whose titles match, for a story reported over time) in a temporary folder, serves the real app on a free
loopback port, and drives Debian's Chromium through Playwright (as tests/system/test_web.py does):

    python scripts/screenshots.py                  # writes docs/check.png and docs/timeline.png
    python scripts/screenshots.py --wikinews-titles Haiti --timeline "Haiti presidential election date"
    python scripts/screenshots.py --out /tmp/shots --claim "…" --timeline "…"

Nothing is fetched from the network: the model comes from the installed package, the page from qa/web/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import PROJECT_ROOT, build_index  # noqa: E402
from qa.settings import Settings  # noqa: E402

CLAIM = "Putin spent about two hours meeting with Witkoff and Kushner."
TIMELINE = "Witkoff meeting with Putin in Moscow"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(settings: Settings):
    """The app under uvicorn in a daemon thread; returns (base URL, server)."""
    import uvicorn

    from qa.api import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the app did not start within 60 s")
        time.sleep(0.05)
    return f"http://127.0.0.1:{settings.port}", server


def shoot(base: str, out: Path, claim: str, timeline: str, width: int, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900}, base_url=base)
        page.set_default_timeout(60_000)

        page.goto("/?" + urlencode({"q": claim, "mode": "check"}))
        page.locator("#results #verdict").wait_for()
        page.locator("#f-source input").first.wait_for()  # the filters are filled in
        written.append(out / "check.png")
        page.screenshot(path=str(written[-1]))

        page.goto("/?" + urlencode({"q": timeline, "mode": "timeline"}))
        page.locator("#results svg.timeline-axis .point").first.wait_for()
        page.locator("#f-source input").first.wait_for()
        written.append(out / "timeline.png")
        page.screenshot(path=str(written[-1]))
        browser.close()
    return written


def add_wikinews(corpus: Path, titles: str) -> None:
    """The Wikinews articles whose titles match ``titles`` (a regular expression), as one .jsonl file."""
    import re

    from evaluation.wikinews_questions import default_corpus_path

    pattern = re.compile(titles, re.IGNORECASE)
    lines = [line for line in default_corpus_path().read_text(encoding="utf-8").splitlines()
             if pattern.search(json.loads(line)["title"])]
    if not lines:
        raise SystemExit(f"no Wikinews title matches {titles!r}")
    (corpus / "wikinews-story.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT / "seeds", help="articles to index (default: seeds/)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs", help="folder for the PNGs (default: docs/)")
    parser.add_argument("--claim", default=CLAIM, help="the claim checked in check.png")
    parser.add_argument("--timeline", default=TIMELINE, help="the query of timeline.png")
    parser.add_argument("--wikinews-titles", metavar="REGEX",
                        help="also index the Wikinews articles (../shared/data/wikinews-en) whose titles match")
    parser.add_argument("--width", type=int, default=1200, help="viewport width in CSS pixels")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    if not Path(args.chromium).is_file():
        raise SystemExit(f"no Chromium at {args.chromium} (apt-get install chromium, or pass --chromium)")
    with tempfile.TemporaryDirectory(prefix="newsqa-shots-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus)
        if args.wikinews_titles:
            add_wikinews(corpus, args.wikinews_titles)
        settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index", port=free_port(),
                            watches_db=Path(tmp) / "watches.sqlite")
        build_index(settings, progress=False)
        base, server = serve(settings)
        try:
            for path in shoot(base, args.out, args.claim, args.timeline, args.width, args.chromium):
                print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
        finally:
            server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
