"""Two small ASGI middlewares: HEAD answered like GET, and ``Vary: Accept`` everywhere.

FastAPI routes declared with ``@router.get`` do not answer HEAD; `HeadAsGet` runs
them as GET and drops the body, keeping every header (``Content-Length`` included).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet", "VaryAccept"]


class HeadAsGet:
    """Answer ``HEAD`` as ``GET`` without a body (RFC 9110, section 9.3.2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class VaryAccept:
    """Add ``Accept`` to the ``Vary`` header of every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                vary = {v.strip().lower() for v in headers.get("vary", "").split(",")}
                if "accept" not in vary and "*" not in vary:
                    headers.add_vary_header("Accept")
            await send(message)

        await self.app(scope, receive, send_with_vary)
