"""Security headers on every response, and a request head checked before anything reads it.

`portefeuille_ld.web.middleware.Edge` adds `security_headers` to each response the app
sends (pages, RDF, dumps, problems, CORS preflights) unless the response set its own,
and refuses with a problem body (`check_head`), before any route runs:

- a request with more than `MAX_HEADERS` header fields, a field longer than
  `MAX_FIELD_BYTES` or all of them longer than `MAX_HEADER_BYTES` (431): content
  negotiation and language choice read these headers on every request;
- a malformed ``Host``, or more than one (400, RFC 9112, section 3.2): the pages and
  the ``Link`` and ``Location`` headers are built from it, so it must be a host name or
  an IP literal with an optional port.

The content security policy allows only what our own pages use: stylesheets and
``/static/query.js`` from this server, ``fetch`` to this server, no inline script or
style, no framing. JSON-LD ``<script type="application/ld+json">`` blocks are data, not
scripts: the policy does not apply to them. FastAPI's ``/docs`` and ``/redoc`` pages load
their code from a CDN with an inline bootstrap script that reflects no request data:
they get a policy of their own (`DOCS_POLICY`).

>>> security_headers("/doc/projet/lexius")["X-Content-Type-Options"]
'nosniff'
>>> "'unsafe-inline'" in security_headers("/sparql")["Content-Security-Policy"]
False
>>> check_head([(b"host", b"example.org:8000")])
>>> check_head([(b"host", b"a b")])
(400, "the Host header is not a host name with an optional port: 'a b'")
"""

from __future__ import annotations

import re

__all__ = [
    "APP_POLICY",
    "DOCS_PATHS",
    "DOCS_POLICY",
    "MAX_FIELD_BYTES",
    "MAX_HEADERS",
    "MAX_HEADER_BYTES",
    "check_head",
    "security_headers",
]

APP_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
"""The content security policy of every response but the API documentation's."""

DOCS_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'",
        "style-src 'self' https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "font-src https://fonts.gstatic.com",
        "connect-src 'self'",
        "worker-src blob:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
"""FastAPI's Swagger UI and ReDoc pages: their CDN, their inline bootstrap (no request data)."""

DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})

_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

MAX_HEADERS = 100
"""Header fields per request (Apache's ``LimitRequestFields``)."""
MAX_FIELD_BYTES = 8 * 1024
"""Bytes of one header field, name and value (Apache's ``LimitRequestFieldSize``)."""
MAX_HEADER_BYTES = 32 * 1024
"""Bytes of all the header fields of a request."""

_HOST = re.compile(rb"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\Z")
"""A ``Host``: a registered name or IPv4 address, or an IPv6 literal; an optional port."""


def security_headers(path: str) -> dict[str, str]:
    """The security headers of a response to ``path``.

    >>> security_headers("/docs")["Content-Security-Policy"] == DOCS_POLICY
    True
    """
    policy = DOCS_POLICY if path in DOCS_PATHS else APP_POLICY
    return {"Content-Security-Policy": policy, **_COMMON}


def check_head(headers: list[tuple[bytes, bytes]]) -> tuple[int, str] | None:
    """Why a request head is refused (status and message), or None when it is acceptable.

    >>> check_head([(b"host", b"x"), (b"host", b"y")])
    (400, 'the request has 2 Host headers: send one')
    >>> check_head([(b"x-big", b"a" * MAX_FIELD_BYTES)])[0]
    431
    """
    if len(headers) > MAX_HEADERS:
        return 431, f"the request has {len(headers)} header fields, more than {MAX_HEADERS}"
    total = 0
    hosts = []
    for name, value in headers:
        size = len(name) + len(value)
        total += size
        if size > MAX_FIELD_BYTES:
            field = name.decode("latin-1")[:40]
            return 431, f"the {field} header has {size} bytes, more than {MAX_FIELD_BYTES}"
        if len(name) == 4 and name.lower() == b"host":
            hosts.append(value)
    if total > MAX_HEADER_BYTES:
        return 431, f"the request headers have {total} bytes, more than {MAX_HEADER_BYTES}"
    if len(hosts) > 1:
        return 400, f"the request has {len(hosts)} Host headers: send one"
    if hosts and not _HOST.match(hosts[0]):
        shown = hosts[0].decode("latin-1")[:100]
        return 400, f"the Host header is not a host name with an optional port: {shown!r}"
    return None
