"""`Edge`: what every request and response goes through, in one pure ASGI layer.

It used to be four middlewares (security headers, CORS, ``Vary: Accept``, HEAD as GET),
each wrapping ``send`` and re-parsing the headers; one pass over the raw headers does
the same for a fraction of the cost, which shows on small answers such as a 304:

- the request head is checked first (`portefeuille_ld.web.security.check_head`): too many
  or too large header fields get 431, a malformed ``Host`` 400, before any route runs;
- ``HEAD`` runs the ``GET`` route and drops the body, keeping every header
  (``Content-Length`` included; FastAPI routes declared with ``@router.get`` do not
  answer HEAD, RFC 9110, section 9.3.2);
- CORS, as Starlette's ``CORSMiddleware`` configured with any origin, ``GET``, ``HEAD``,
  ``POST`` and `CORS_HEADERS`: ``Access-Control-Allow-Origin: *`` when the request has an
  ``Origin``, ``Origin`` added to ``Vary`` on every answer, preflights answered by
  Starlette's own code;
- every response gets ``Accept`` in its ``Vary`` header and the security headers
  (`portefeuille_ld.web.security.security_headers`) it did not set itself.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portefeuille_ld.web.security import DOCS_PATHS, check_head, security_headers

__all__ = ["CORS_HEADERS", "CORS_MAX_AGE_S", "CORS_METHODS", "Edge"]

CORS_METHODS = ("GET", "HEAD", "POST")
CORS_HEADERS = ("Accept", "Accept-Language", "Content-Type")
CORS_MAX_AGE_S = 86_400

RawHeaders = list[tuple[bytes, bytes]]


def _raw(headers: dict[str, str]) -> RawHeaders:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


_APP_HEADERS = _raw(security_headers("/"))
_DOCS_HEADERS = _raw(security_headers("/docs"))
_VARY = (b"vary", b"Accept, Origin")
"""What `_vary` makes of an answer without ``Vary``."""
_ANY_ORIGIN = (b"access-control-allow-origin", b"*")


def _vary(headers: RawHeaders, *, cors: bool) -> None:
    """Add ``Accept`` to ``Vary`` unless named (or ``*``), then ``Origin`` when ``cors``.

    The ``Vary`` fields are joined into one, as Starlette's ``MutableHeaders`` does.

    >>> raw = [(b"vary", b"Accept-Encoding")]
    >>> _vary(raw, cors=True); raw
    [(b'vary', b'Accept-Encoding, Accept, Origin')]
    """
    values = [value for name, value in headers if name == b"vary"]
    names = {v.strip().lower() for value in values for v in value.split(b",")}
    if b"accept" not in names and b"*" not in names:
        values.append(b"Accept")
    if cors:
        values.append(b"Origin")
    headers[:] = [(n, v) for n, v in headers if n != b"vary"]
    headers.append((b"vary", b", ".join(values)))


class Edge:
    """Check the request head, answer HEAD and CORS, add ``Vary`` and security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=list(CORS_METHODS),
            allow_headers=list(CORS_HEADERS),
            max_age=CORS_MAX_AGE_S,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _DOCS_HEADERS if scope["path"] in DOCS_PATHS else _APP_HEADERS
        head = scope["method"] == "HEAD"
        origin = b"origin" in dict(scope["headers"])
        refusal = check_head(scope["headers"])

        async def send_edge(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                if refusal is None:
                    if b"vary" in present:
                        _vary(headers, cors=True)
                    else:
                        headers.append(_VARY)
                    if origin:
                        headers.append(_ANY_ORIGIN)
                headers.extend(h for h in added if h[0] not in present)
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        if refusal is not None:
            # `errors` builds every problem body, and imports `security` for its own headers.
            from portefeuille_ld.web.errors import problem_response

            status, detail = refusal
            response = problem_response(Request(scope), status, detail)
            await response(scope, receive, send_edge)
            return
        if origin and scope["method"] == "OPTIONS":
            request_headers = Headers(scope=scope)
            if "access-control-request-method" in request_headers:
                preflight = self.cors.preflight_response(request_headers=request_headers)
                await preflight(scope, receive, _security_only(send, added))
                return
        await self.app({**scope, "method": "GET"} if head else scope, receive, send_edge)


def _security_only(send: Send, added: RawHeaders) -> Send:
    """``send`` adding only the security headers (a CORS preflight's own ``Vary`` stays)."""

    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in added if h[0] not in present)
            message = {**message, "headers": headers}
        await send(message)

    return send_secured
