"""Canonical URLs: one article reached by several addresses is one article.

Two forms: ``canonical_url`` is still a working address (stored as the article's URL) with
tracking parameters, AMP markers and the fragment removed; ``url_key`` also forgets what
never tells two articles apart (http/https, a ``www.``/``amp.`` host prefix, a trailing
slash) and names the article in the corpus, so its file name is ``article_file_name``.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that say how a reader arrived, never which article it is.
TRACKING_PARAMS = {
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ocid", "smid", "smtyp", "s_cid", "ito", "spm",
}
TRACKING_PREFIXES = ("utm_", "__twitter", "pk_", "mtm_")
AMP_PARAMS = {"amp", "outputtype"}  # ?amp=1, ?outputType=amp: same article, AMP rendering
AMP_PATH = re.compile(r"(?:/amp/?$|^/amp(?=/))", re.IGNORECASE)  # /story/amp, /amp/story
AMP_SUFFIX = re.compile(r"\.amp(\.html?)$", re.IGNORECASE)  # story.amp.html
DEFAULT_PORTS = {"http": "80", "https": "443"}
HOST_PREFIXES = ("www.", "amp.", "m.")


def is_web_url(text: str) -> bool:
    return bool(re.match(r"^https?://[^/\s]+", text.strip(), re.IGNORECASE))


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """A working address without tracking, AMP markers or fragment; None when not an http(s) URL.

    ``base`` resolves a relative address (a ``rel=canonical`` of "/news/x" on a saved page).
    """
    if not url or not url.strip():
        return None
    url = url.strip()
    if base and not is_web_url(url):
        url = urljoin(base, url)
    if not is_web_url(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, a bad IPv6 literal
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    netloc = host if port is None or str(port) == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = AMP_SUFFIX.sub(r"\1", AMP_PATH.sub("", parts.path)) or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _dropped(k, v)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _dropped(key: str, value: str) -> bool:
    key = key.lower()
    if key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES):
        return True
    return key in AMP_PARAMS and value.lower() in ("", "1", "true", "amp", "yes")


def url_key(url: str | None, base: str | None = None) -> str | None:
    """What two addresses of one article share: the canonical URL less scheme, host prefix and end slash."""
    canonical = canonical_url(url, base)
    if canonical is None:
        return None
    parts = urlsplit(canonical)
    host = parts.netloc
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix):]
            break
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", host, path, parts.query, "")).lstrip("/")


def site_of(url: str | None) -> str | None:
    """The host that publishes ``url`` (without a ``www.``/``amp.``/``m.`` prefix), or None."""
    key = url_key(url)
    return key.split("/", 1)[0] if key else None


def is_site_root(url: str | None) -> bool:
    """A home page: a CMS that gives every article the site root as canonical names no article by it."""
    canonical = canonical_url(url)
    if canonical is None:
        return False
    parts = urlsplit(canonical)
    return parts.path in ("", "/") and not parts.query


def article_file_name(key: str) -> str:
    """The corpus file of the article with this ``url_key``: stable across runs and machines."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20] + ".txt"
