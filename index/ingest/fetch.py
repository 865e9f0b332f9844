"""Polite HTTP fetching of feeds and pages: timeout, a user agent saying who asks, a size cap,
and conditional requests (ETag / Last-Modified) so an unchanged page is not downloaded again.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message

from index.errors import NewsQAError

USER_AGENT = "news-qa-ingest/0.1 (feed reader for a local search index; python-urllib)"
TIMEOUT_SECONDS = 20.0
READ_BLOCK = 65536


class FetchError(NewsQAError):
    """The address could not be fetched; the message says why, in a line."""

    http_status = 502  # the failure is the remote server's or the network's
    exit_code = 1


@dataclass
class Fetched:
    url: str  # after redirects
    asked: str  # the address requested: what its validators are remembered under
    body: bytes | None  # None when the server said "not modified"
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None

    def validators(self) -> dict[str, str]:
        return {k: v for k, v in (("etag", self.etag), ("last_modified", self.last_modified)) if v}


def fetch(url: str, max_bytes: int, validators: dict[str, str] | None = None,
          timeout: float = TIMEOUT_SECONDS) -> Fetched:
    """GET ``url``; raise ``FetchError`` for a failure or a body over ``max_bytes``."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
               "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                         "application/xml;q=0.9,*/*;q=0.5"}
    if validators:
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked by callers)
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{int(length):,} bytes, over the limit of {max_bytes:,} (NEWSQA_MAX_FILE_BYTES)")
            body = _read_capped(response, max_bytes)
            return Fetched(response.geturl(), url, body, _charset(response.headers),
                           response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(url, url, None, etag=(validators or {}).get("etag"),
                           last_modified=(validators or {}).get("last_modified"))
        raise FetchError(f"the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"could not connect ({_reason(exc.reason)})") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"no answer within {timeout:.0f} s") from None
    except (OSError, ValueError) as exc:  # a reset connection, a malformed URL
        raise FetchError(f"could not fetch ({_reason(exc)})") from None


def _read_capped(response, max_bytes: int) -> bytes:
    blocks, size = [], 0
    while True:
        block = response.read(READ_BLOCK)
        if not block:
            return b"".join(blocks)
        size += len(block)
        if size > max_bytes:
            raise FetchError(f"more than {max_bytes:,} bytes (NEWSQA_MAX_FILE_BYTES); not downloaded further")
        blocks.append(block)


def _charset(headers: Message) -> str | None:
    return headers.get_content_charset() if hasattr(headers, "get_content_charset") else None


def _reason(reason: object) -> str:
    return str(getattr(reason, "strerror", None) or reason).splitlines()[0][:200]
