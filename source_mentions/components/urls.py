"""`url_key`: one spelling for the URL of one article, so that `GROUP BY url_key` finds it across providers.

Providers report the same article under different URLs (tracking parameters, mobile hosts, http or
https, a trailing slash). The manifest has no URL parsing, and a Jinja expression per record would
cost more than the rest of the record's mapping; ReplaceWithFields casts with `canonical_url`.
Each rule and its reason are in the README ("url_key").
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")  # the same site for phones, AMP pages or with the old www
HOST_ALIASES = {"twitter.com": "x.com"}  # the site's own redirect
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING = {"fbclid", "gclid", "dclid", "mc_cid", "mc_eid", "igshid", "ref_src"}  # campaign and click ids
TRACKING_VALUES = {("feature", "share")}  # YouTube's share links
ROUTE_FRAGMENTS = ("!", "/")  # `#!/user/status/1`, `#/article/2`: a page that routes in the browser, kept
X_HOSTS = {"x.com"}
X_TRACKING = {"s"}  # x.com share-sheet marker (`?s=20`)
UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]")
ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
OTHER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?![0-9])")  # a scheme, not a host's port
ALLOWED = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]")


def canonical_url(url: Any) -> Optional[str]:
    """The article's URL in canonical form, or None for no URL (or a value that is not an http(s) URL)."""
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text:
        if OTHER_SCHEME.match(text):  # mailto:, tel:, ...
            return None
        text = "https://" + text  # Mention's displayable form: example.com/path
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = _host(parts.hostname)
    netloc = host if port in (None, DEFAULT_PORTS[parts.scheme.lower()]) else f"{host}:{port}"
    path = _normalised(parts.path) or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    fragment = _normalised(parts.fragment) if parts.fragment[:1] in ROUTE_FRAGMENTS else ""
    return urlunsplit(("https", netloc, path, _query(parts.query, host), fragment))


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    stripped = True
    while stripped:
        stripped = False
        for prefix in HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") > 1:
                host, stripped = host[len(prefix) :], True
    return HOST_ALIASES.get(host, host)


def _query(query: str, host: str) -> str:
    """The query without tracking parameters, its pairs sorted by name (a repeated name keeps its values' order); blank values kept."""
    kept: List[Tuple[str, str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        name, value = _normalised(name.replace("+", "%20")), _normalised(value.replace("+", "%20"))
        bare = name.lower()
        if bare.startswith("utm_") or bare in TRACKING or (bare, value.lower()) in TRACKING_VALUES or (host in X_HOSTS and bare in X_TRACKING):
            continue
        kept.append((name, value, equals))
    return "&".join(f"{name}{equals}{value}" for name, value, equals in sorted(kept, key=lambda pair: pair[0]))


def _normalised(text: str) -> str:
    """Percent-encoding in one form: unreserved characters decoded, other escapes in upper case, anything unsafe escaped."""
    decoded = ESCAPE.sub(lambda match: _unescape(match.group(1)), text)
    return "".join(char if ALLOWED.fullmatch(char) else _escape(char) for char in decoded)


def _unescape(hex_digits: str) -> str:
    char = chr(int(hex_digits, 16))
    return char if UNRESERVED.fullmatch(char) else "%" + hex_digits.upper()


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
