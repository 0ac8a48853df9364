"""Errors become responses here, and only here: one table, RFC 9457 problem bodies.

A client gets ``application/problem+json`` unless it prefers ``text/plain``. Domain code
raises `portefeuille_ld.errors` exceptions; web code may raise Starlette's
``HTTPException`` (405, 406, 413, 415): both get the same kind of body.

>>> problem_for(QueryError("bad")).status
400
>>> problem_for(StoreUnavailable("down")).status
503
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Match

from portefeuille_ld.errors import (
    NotAcceptable,
    PortefeuilleError,
    QueryError,
    ResourceNotFound,
    ResultTooLarge,
    StoreBusy,
    StoreError,
    StoreUnavailable,
)
from portefeuille_ld.web.conneg import negotiate
from portefeuille_ld.web.security import security_headers

__all__ = ["PROBLEMS", "Problem", "install", "problem_for", "problem_response"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """How one family of errors is answered."""

    status: int

    @property
    def title(self) -> str:
        """The HTTP reason phrase: the title RFC 9457 asks for with ``about:blank``."""
        return HTTPStatus(self.status).phrase


PROBLEMS: dict[type[PortefeuilleError], Problem] = {
    NotAcceptable: Problem(406),
    ResultTooLarge: Problem(422),
    QueryError: Problem(400),
    ResourceNotFound: Problem(404),
    StoreUnavailable: Problem(503),
    StoreError: Problem(500),
    PortefeuilleError: Problem(500),
}
"""The status of each error; the most specific class of an exception decides."""


@dataclass(frozen=True)
class _Body:
    media_type: str
    aliases: tuple[str, ...] = ()


_PROBLEM_JSON = _Body("application/problem+json")
_TEXT = _Body("text/plain")


def problem_for(exc: PortefeuilleError) -> Problem:
    """The `Problem` of an exception, found through its class hierarchy."""
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return PROBLEMS[PortefeuilleError]


def problem_response(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """A problem body (JSON, or plain text when the client prefers it) with ``status``.

    The ``Accept`` header only picks the error's form: an error is never a 406.
    """
    title = HTTPStatus(status).phrase
    body = negotiate(request.headers.get("accept"), [_PROBLEM_JSON, _TEXT]) or _PROBLEM_JSON
    if body is _TEXT:
        content = f"{status} {title}\n\n{detail}\n"
    else:
        problem = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        content = json.dumps(problem, ensure_ascii=False)
    return Response(
        content,
        status_code=status,
        headers=headers,
        media_type=f"{body.media_type}; charset=utf-8",
    )


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortefeuilleError)
    problem = problem_for(exc)
    if problem.status >= 500 and not isinstance(exc, StoreUnavailable):
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
    elif problem.status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, StoreBusy) else None
    return problem_response(request, problem.status, str(exc), headers)


_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method the path answers (Starlette's 405 names only the first route's)."""
    allowed = set()
    for method in _METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.add(method)
    if not allowed:  # no route: a mount refused it, and `/static` answers GET alone
        allowed.add("GET")
    if "GET" in allowed:
        allowed.add("HEAD")  # answered by `middleware.Edge`
    return ", ".join(sorted(allowed))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail or HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["Allow"] = _allowed_methods(request)
        detail = f"{request.method} is not allowed here; use {headers['Allow']}"
    return problem_response(request, exc.status_code, detail, headers)


async def _on_invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = "; ".join(str(e.get("msg", e)) for e in exc.errors())
    return problem_response(request, 400, f"invalid request: {details}")


async def _on_disconnect(request: Request, exc: Exception) -> Response:
    """The client left while its body was read: nobody reads this answer, nothing failed."""
    log.info("%s %s: the client disconnected", request.method, request.url.path)
    return Response(status_code=400)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    detail = "the server failed to answer; this is a bug"
    # Sent by Starlette's outermost middleware, around `middleware.Edge`.
    return problem_response(request, 500, detail, security_headers(request.url.path))


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem responses."""
    app.add_exception_handler(PortefeuilleError, _on_domain_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(ClientDisconnect, _on_disconnect)
    app.add_exception_handler(Exception, _on_unexpected)
