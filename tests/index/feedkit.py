"""Small hand-made feeds and pages for the ingest tests (written into tmp_path or served on 127.0.0.1)."""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from index.ingest.corpus import FOLDER
from index.formats import parse_record, read_records


def rss(title: str, items: list[str], link: str | None = None) -> str:
    channel_link = f"<link>{escape(link)}</link>" if link else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>{title}</title>{channel_link}<description>d</description>{''.join(items)}"
            "</channel></rss>\n")


def item(title: str, link: str | None = None, guid: str | None = None, date: str = "Thu, 10 Jan 2008 09:00:00 GMT",
         description: str | None = None, content: str | None = None) -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    if description is not None:
        parts.append(f"<description>{description}</description>")
    if content is not None:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    return f"<item>{''.join(parts)}</item>"


def page(headline: str, paragraphs: list[str], canonical: str | None = None, outlet: str | None = None) -> str:
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    if outlet:
        head += f'<meta property="og:site_name" content="{outlet}">'
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{headline}</title>{head}"
            '<meta property="article:published_time" content="2008-01-10"></head>'
            f'<body><nav><a href="/">Home</a></nav><article><h1>{headline}</h1>{body}</article></body></html>')


def paragraphs(topic: str, n: int = 3) -> list[str]:
    """``n`` distinct sentences of about twenty words each, about ``topic``."""
    return [f"Paragraph {i + 1} of the report on {topic}: officials said on Thursday that the plan would go ahead "
            f"as agreed, with work starting in the spring and finishing before the end of the year." for i in range(n)]


def stored(corpus: Path) -> list:
    """The ingested files as the build reads them."""
    found = []
    for path in sorted((corpus / FOLDER).glob("*.txt")):
        [record] = read_records(path, corpus, 10_000_000)
        found.append(parse_record(record))
    return found


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None


@dataclass
class Site:
    """A local web site whose routes a test changes between runs; ``hits`` counts requests per path."""

    base: str
    routes: dict[str, Route]
    hits: dict[str, int] = field(default_factory=dict)

    def set(self, path: str, body: str | bytes, status: int = 200, etag: str | None = None,
            content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, status, content_type, etag)


def serve() -> tuple[Site, http.server.ThreadingHTTPServer]:
    routes: dict[str, Route] = {}
    hits: dict[str, int] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            hits[path] = hits.get(path, 0) + 1
            route = routes.get(path)
            if route is None:
                self.send_error(404)
                return
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.etag:
                self.send_header("ETag", route.etag)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Site(f"http://127.0.0.1:{server.server_port}", routes, hits), server
