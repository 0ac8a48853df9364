"""``/sparql``: the SPARQL 1.1 Protocol, read-only (https://www.w3.org/TR/sparql11-protocol/).

GET with ``query=``, POST as a form or as ``application/sparql-query``; the answer's
format comes from ``format=`` or ``Accept``. GET without a query returns the service
description. Handlers are ``async`` and read the app's state directly (no dependency to
solve): with the server's `IsolatedStore`, a query waits for its worker on the event loop,
with no thread (a small ``DESCRIBE`` is answered at once, in the server:
`portefeuille_ld.store.inline`); any other store, and the service description, run in the
thread pool.

The query is never parsed here: the store parses and runs it (in a worker process that can
be stopped, see `portefeuille_ld.store.isolated`) and picks the answer's format from what
the client accepts, since only the parse tells whether a query answers results or a graph.
An answer growing past `Settings.answer_piece_bytes` is sent as the worker writes it
(`StreamedAnswer`).

A query reaches its handler through `FastPath`, a pure ASGI layer that calls the same
handlers without FastAPI's routing and dependency machinery (0.15 ms of the 0.37 ms the app
itself spent on a DESCRIBE); the routes below still answer everything else (the service
description, other methods with 405) and describe the endpoint in the OpenAPI document.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from portefeuille_ld.errors import PortefeuilleError, QueryError
from portefeuille_ld.formats import HTML, Format, formats_of_kind, from_media_type, from_name
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Pieces, QueryResult, Store
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.web.conneg import negotiate
from portefeuille_ld.web.deps import get_settings, get_store
from portefeuille_ld.web.query_page import render_query_page
from portefeuille_ld.web.service_description import serialize_description
from portefeuille_ld.web.sparql_protocol import (
    FORM,
    QUERY_MEDIA_TYPE,
    ProtocolRequest,
    from_params,
    from_post,
    is_query_request,
    url_params,
)

__all__ = ["FastPath", "StreamedAnswer", "choose_format", "router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["SPARQL"])

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}, "text/plain": {}}}
_QUERY_ANSWERS = (*formats_of_kind("results"), *formats_of_kind("rdf"))
_ANSWERS = (*_QUERY_ANSWERS, HTML)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Results (SELECT, ASK), a graph (CONSTRUCT, DESCRIBE), or without"
        " a query the service description (RDF, or HTML for a browser).",
        "content": {f.content_type: {} for f in _ANSWERS},
    },
    400: {
        "description": "Malformed or refused query (update, SERVICE, unknown graph).",
        **_PROBLEM,
    },
    406: {"description": "No format in `Accept` or `format` fits the query.", **_PROBLEM},
    413: {"description": "The request body is too large for a query.", **_PROBLEM},
    422: {"description": "The answer is larger than the server sends: add LIMIT.", **_PROBLEM},
    503: {
        "description": "The query ran past the time limit and was stopped, or every query"
        " worker is busy (then with `Retry-After`).",
        **_PROBLEM,
    },
}
_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
    for name, text, schema in (
        ("query", "The SPARQL query (once).", {"type": "string"}),
        ("default-graph-uri", "A graph of the default graph (repeatable).", {"type": "array"}),
        ("named-graph-uri", "A named graph the query sees (repeatable).", {"type": "array"}),
        ("format", "A format name (json, csv, turtle…) or media type; wins over Accept.", {}),
    )
]
_POST_BODY = {
    "required": True,
    "content": {
        FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
        QUERY_MEDIA_TYPE: {"schema": {"type": "string"}},
    },
}


def choose_format(offers: Sequence[Format], accept: str | None, requested: str | None) -> Format:
    """The requested format (name or media type) if given, else the best for ``Accept``.

    :raises HTTPException: 406 when none of ``offers`` fits.

    >>> results = formats_of_kind("results")
    >>> choose_format(results, "text/csv;q=0.5, application/json", None).name
    'json'
    >>> choose_format(results, "application/json", "text/tab-separated-values").name
    'tsv'
    """
    if requested:
        chosen = next((f for f in offers if _names(f, requested)), None)
    else:
        chosen = negotiate(accept, offers)
    if chosen is None:
        names = ", ".join(f"{f.name} ({f.media_type})" for f in offers)
        raise HTTPException(406, f"none of the requested formats is available; choose: {names}")
    return chosen


def _names(fmt: Format, requested: str) -> bool:
    """Whether ``requested`` is a name or media type of ``fmt`` (among formats of its kind)."""
    return fmt in (from_name(requested, kind=fmt.kind), from_media_type(requested, kind=fmt.kind))


def _params(request: Request) -> dict[str, list[str]]:
    return url_params(request.scope["query_string"])


def _endpoint(request: Request, settings: Settings) -> str:
    if settings.public_base:
        return settings.public_base.rstrip("/") + request.url.path
    return str(request.url.replace(query="", fragment=""))


def _accept(request: Request, requested: str | None) -> str:
    """What the store negotiates from: the formats ``format=`` names, else ``Accept``.

    :raises HTTPException: 406 when ``format=`` names no format a query can answer in.
    """
    if not requested:
        return request.headers.get("accept") or "*/*"
    named = [f for f in _QUERY_ANSWERS if _names(f, requested)]
    if not named:
        names = ", ".join(f"{f.name} ({f.media_type})" for f in _QUERY_ANSWERS)
        raise HTTPException(406, f"none of the requested formats is available; choose: {names}")
    return ", ".join(f.media_type for f in named)


async def _answer(request: Request, ask: ProtocolRequest) -> Response:
    settings = get_settings(request)
    if len(ask.query) > settings.max_query_length:
        raise QueryError(
            f"the query has {len(ask.query)} characters, more than {settings.max_query_length}"
        )
    accept = _accept(request, ask.format)
    result = await _query(get_store(request), ask, accept, settings.answer_piece_bytes)
    if result.rest is not None:
        return StreamedAnswer(result, result.rest)
    return Response(result.body, media_type=result.content_type)


async def _query(
    store: Store, ask: ProtocolRequest, accept: str, piece_bytes: int = 0
) -> QueryResult:
    """The store's answer: awaited on the event loop from worker processes (streamed past
    ``piece_bytes``), else in a thread."""
    if isinstance(store, IsolatedStore):
        return await store.query_async(
            ask.query,
            accept=accept,
            default_graph_uris=ask.default_graph_uris,
            named_graph_uris=ask.named_graph_uris,
            piece_bytes=piece_bytes,
        )
    return await run_in_threadpool(
        store.query,
        ask.query,
        accept=accept,
        default_graph_uris=ask.default_graph_uris,
        named_graph_uris=ask.named_graph_uris,
    )


class StreamedAnswer(StreamingResponse):
    """An answer sent as its worker writes it (`QueryResult.rest`), chunked.

    However the response ends, the rest is closed: after the last piece that is nothing,
    otherwise (the client went away, the server stops) the worker is stopped. An error
    after the first piece (the answer outgrew ``max_result_bytes``, the time limit passed)
    cannot change the status any more: it is logged, and the response ends without its
    last chunk, so that the client sees a truncated transfer, not a shorter answer.
    """

    def __init__(self, result: QueryResult, rest: Pieces) -> None:
        self._rest = rest
        self._cut = False
        super().__init__(self._pieces(result.body), media_type=result.content_type)

    async def _pieces(self, first: bytes) -> AsyncIterator[bytes]:
        if first:
            yield first
        try:
            async for piece in self._rest:
                yield piece
        except PortefeuilleError as exc:
            self._cut = True
            log.warning("a streamed answer was cut short: %s", exc)

    async def stream_response(self, send: Send) -> None:
        """Send the head, then each piece; the end of the body only if the answer ended."""
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        async for piece in self.body_iterator:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        if not self._cut:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._rest.close()


def _describe_service(request: Request, store: Store, settings: Settings) -> Response:
    offers = (*formats_of_kind("rdf"), HTML)
    requested = request.query_params.get("format")
    fmt = choose_format(offers, request.headers.get("accept"), requested)
    if fmt is HTML:
        return render_query_page(request)
    body = serialize_description(_endpoint(request, settings), store.statistics(), fmt)
    return Response(body, media_type=fmt.content_type)


async def _read_body(request: Request, settings: Settings) -> bytes:
    """The request body, refused (413) once it outgrows what a query may need.

    The limit is 16 bytes per character of `Settings.max_query_length` (a form encodes a
    character in up to 12), plus 64 KiB; a ``Content-Length`` past it is refused unread.
    """
    limit = 16 * settings.max_query_length + 65_536
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get(
    "/sparql", name="sparql", responses=RESPONSES, openapi_extra={"parameters": _PARAMETERS}
)
async def sparql_get(request: Request) -> Response:
    """Answer a query sent as ``?query=``; without one, describe the service."""
    params = _params(request)
    if not is_query_request(params):
        store, settings = get_store(request), get_settings(request)
        return await run_in_threadpool(_describe_service, request, store, settings)
    return await _get(request, params)


async def _get(request: Request, params: dict[str, list[str]]) -> Response:
    return await _answer(request, from_params(params))


@router.post(
    "/sparql",
    responses={**RESPONSES, 415: {"description": "Not a form nor a query.", **_PROBLEM}},
    openapi_extra={"requestBody": _POST_BODY, "parameters": _PARAMETERS[1:]},
)
async def sparql_post(request: Request) -> Response:
    """Answer a query sent as a form (``query=``) or as an ``application/sparql-query`` body."""
    body = await _read_body(request, get_settings(request))
    ask = from_post(request.headers.get("content-type"), body, _params(request))
    return await _answer(request, ask)


class FastPath:
    """ASGI middleware: a query to ``/sparql`` (GET or POST) goes straight to its handler.

    The handlers are the routes' own, given the same `Request`; an exception gets the
    app's handler for it, looked up as Starlette's ``ExceptionMiddleware`` does, and one
    without a handler goes up to ``ServerErrorMiddleware``, as from a route: the answers
    are the routes' answers, headers included. A GET without a query (the service
    description renders templates that need the router), another method, a path behind a
    ``root_path``: all go on to the app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/sparql" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        params = url_params(scope["query_string"]) if method == "GET" else {}
        if not (method == "POST" or is_query_request(params)):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            if method == "POST":
                response = await sparql_post(request)
            else:
                response = await _get(request, params)  # `sparql_get` with its parameters read
        except Exception as exc:
            response = await _handled(request, exc)
        await response(scope, receive, send)


async def _handled(request: Request, exc: Exception) -> Response:
    """The app's answer to ``exc`` (its exception handlers), or ``exc`` raised again.

    As Starlette's ``ExceptionMiddleware``: a handler of an ``HTTPException``'s status
    first, then of the exception's classes. The handler of ``Exception`` is Starlette's
    last resort (``ServerErrorMiddleware``, outside every other layer): it answers there.
    """
    handlers = request.app.exception_handlers
    handler = None
    if isinstance(exc, HTTPException) and exc.status_code != 500:  # 500: as `Exception`
        handler = handlers.get(exc.status_code)
    for cls in type(exc).__mro__:
        if handler is not None or cls is Exception:
            break
        handler = handlers.get(cls)
    if handler is None:
        raise exc
    answer = handler(request, exc)
    if inspect.isawaitable(answer):  # the app's handlers are coroutines (`errors.install`)
        answer = await answer
    exc.__traceback__ = None  # a reused exception would pile up tracebacks
    assert isinstance(answer, Response)
    return answer
