"""`web.errors`: one table from exceptions to statuses, and problem bodies for every error."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI

from portefeuille_ld.errors import (
    PortefeuilleError,
    QueryError,
    ResourceNotFound,
    SourceError,
    StoreError,
    StoreUnavailable,
)
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.errors import problem_for


class _Refusal(QueryError):
    """A subclass the table does not name: its parent's status applies."""


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (QueryError("bad"), 400),
        (_Refusal("no"), 400),
        (ResourceNotFound("http://ex.org/x"), 404),
        (StoreUnavailable("down"), 503),
        (StoreError("broken"), 500),
        (SourceError("bad row"), 500),
        (PortefeuilleError("?"), 500),
    ],
    ids=lambda v: type(v).__name__,
)
def test_problem_for_follows_the_class_hierarchy(error: PortefeuilleError, status: int) -> None:
    assert problem_for(error).status == status


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (StoreUnavailable("the store is overloaded"), 503, "the store is overloaded"),
        (RuntimeError("secret internals"), 500, "the server failed to answer; this is a bug"),
    ],
    ids=["unavailable", "unexpected"],
)
def test_store_failures_are_problems_without_internals(
    serve_app: Callable[[FastAPI], AbstractContextManager[str]],
    failing_store: Callable[[Exception], Store],
    error: Exception,
    status: int,
    detail: str,
) -> None:
    app = create_app(Settings(), failing_store(error))
    with serve_app(app) as url:
        response = httpx.get(url + "/sparql", params={"query": "ASK {}"}, trust_env=False)
    assert response.status_code == status
    assert response.json() == {
        "type": "about:blank",
        "title": response.reason_phrase,
        "status": status,
        "detail": detail,
    }
