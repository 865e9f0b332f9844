"""API keys and per-key rate limits for the query routes; off unless NEWSQA_API_KEYS names a key file.

Keys are kept as SHA-256 digests and looked up by digest, so no key is held in the clear, compared
character by character, or ever written to a log or a message. The limit is the ``limits``
library's sliding window counter (the library slowapi and Flask-Limiter use): constant work per request,
where its exact moving window keeps a timestamp per request in the window (1.3 ms a request at a large
limit, scripts/bench_operations.py). Counted per key in memory: each replica limits on its own.
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

from fastapi import Header, HTTPException
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from index import NewsQAError
from qa.settings import AccessSettings

MIN_KEY_CHARS = 16


class KeyFileError(NewsQAError):
    """The API key file cannot be used; the message names the file and line, never a key."""

    exit_code = 2


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load_keys(path: Path) -> dict[str, str]:
    """Digest → name of every key in the file (`<key> [name]` per line, `#` comments, blank lines)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the API key file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    keys: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        fields = line.split("#", 1)[0].split(maxsplit=1)
        if not fields:
            continue
        if len(fields[0]) < MIN_KEY_CHARS:
            raise KeyFileError(f"{path}, line {number}: a key must be at least {MIN_KEY_CHARS} characters")
        keys[_digest(fields[0])] = fields[1].strip() if len(fields) > 1 else f"key on line {number}"
    if not keys:
        raise KeyFileError(f"{path} holds no API key; remove NEWSQA_API_KEYS to serve without keys")
    return keys


class Access:
    """A FastAPI dependency: the caller's key name, or 401/429; None when keys are off."""

    def __init__(self, settings: AccessSettings) -> None:
        self.keys = load_keys(settings.api_keys) if settings.api_keys else None
        self.limits = parse_many(settings.rate_limit)
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def __call__(self, authorization: str | None = Header(None, include_in_schema=False),
                       x_api_key: str | None = Header(None, include_in_schema=False)) -> str | None:
        """Async on purpose: a few microseconds of hashing and counting, where a sync dependency would cost a
        hop through the thread pool (1.3 ms a request, scripts/bench_operations.py)."""
        if self.keys is None:
            return None
        scheme, _, token = (authorization or "").partition(" ")
        presented = x_api_key or (token.strip() if scheme.lower() == "bearer" else "")
        digest = _digest(presented) if presented else None
        if digest not in (self.keys or {}):
            raise HTTPException(401, "an API key is required: send 'Authorization: Bearer <key>' or "
                                     "'X-API-Key: <key>'", headers={"WWW-Authenticate": "Bearer"})
        for limit in self.limits:
            if not self.limiter.hit(limit, digest):
                reset = self.limiter.get_window_stats(limit, digest).reset_time
                retry = max(1, math.ceil(reset - time.time()))
                raise HTTPException(429, f"rate limit of {limit} for this key exceeded; retry in {retry} s",
                                    headers={"Retry-After": str(retry)})
        return self.keys[digest]
