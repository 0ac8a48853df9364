"""`FastPath` answers ``/sparql`` exactly as the FastAPI routes do: status, headers, body.

The same requests go to two servers over the fixture dataset, one built by `create_app`
and one without its `FastPath` layer (every request then goes through FastAPI's router);
the answers must be the same, byte for byte, but for the ``Date`` header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi import FastAPI

from portefeuille_ld.errors import QueryTimeout, ResultTooLarge, StoreBusy
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.routers.sparql import FastPath

Serve = Callable[[FastAPI], AbstractContextManager[str]]

SELECT = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3"
G1 = "https://w3id.org/portefeuille-qc/graphe/2024-2025"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
QUERY = {"Content-Type": "application/sparql-query"}

CASES = [
    pytest.param("GET", {"query": SELECT}, {}, None, id="select-default"),
    pytest.param("GET", {"query": SELECT}, {"Accept": "text/csv"}, None, id="select-csv"),
    pytest.param("GET", {"query": SELECT, "format": "tsv"}, {}, None, id="format-name"),
    pytest.param("GET", {"query": SELECT, "format": "nope"}, {}, None, id="format-unknown-406"),
    pytest.param("GET", {"query": SELECT}, {"Accept": "image/png"}, None, id="accept-406"),
    pytest.param(
        "GET", {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"}, {}, None, id="construct"
    ),
    pytest.param(
        "GET",
        {"query": "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1"},
        {"Accept": "text/turtle", "Origin": "https://example.org"},
        None,
        id="describe-turtle-cors",
    ),
    pytest.param("GET", {"query": "ASK {}"}, {"Accept": "text/plain"}, None, id="ask-406-text"),
    pytest.param("GET", {"query": "SELECT * {"}, {}, None, id="syntax-error-400"),
    pytest.param(
        "GET", {"query": "SELECT * {"}, {"Accept": "text/plain"}, None, id="error-as-text"
    ),
    pytest.param("GET", {"query": ["ASK {}", "ASK {}"]}, {}, None, id="two-queries-400"),
    pytest.param("GET", {"update": "CLEAR ALL"}, {}, None, id="update-parameter-400"),
    pytest.param(
        "GET",
        {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
        {},
        None,
        id="service-400",
    ),
    pytest.param(
        "GET",
        {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "default-graph-uri": G1},
        {"Accept": "text/csv"},
        None,
        id="default-graph-uri",
    ),
    pytest.param(
        "GET", {"query": SELECT, "named-graph-uri": "http://x/"}, {}, None, id="unknown-graph"
    ),
    pytest.param("GET", {"query": "ASK {" + " " * 6_000 + "}"}, {}, None, id="too-long-400"),
    pytest.param("GET", {}, {"Accept": "text/turtle"}, None, id="service-description"),
    pytest.param("HEAD", {"query": SELECT}, {}, None, id="head"),
    pytest.param("POST", {}, FORM, b"query=ASK%20%7B%7D", id="post-form"),
    pytest.param("POST", {}, QUERY, b"ASK {}", id="post-query"),
    pytest.param("POST", {"format": "csv"}, QUERY, SELECT.encode(), id="post-query-format"),
    pytest.param("POST", {}, {"Content-Type": "text/plain"}, b"ASK {}", id="post-415"),
    pytest.param("POST", {}, QUERY, b"\xff", id="post-not-utf8-400"),
    pytest.param("POST", {}, QUERY, b"ASK {}" + b" " * 200_000, id="post-too-large-413"),
    pytest.param("POST", {}, {"Content-Type": "application/sparql-update"}, b"", id="update"),
    pytest.param("PUT", {"query": SELECT}, {}, b"", id="put-405"),
    pytest.param("DELETE", {}, {}, None, id="delete-405"),
    pytest.param("OPTIONS", {}, {"Origin": "https://example.org"}, None, id="options"),
]


def _without_fast_path(app: FastAPI) -> FastAPI:
    app.user_middleware = [m for m in app.user_middleware if m.cls is not FastPath]
    return app


@pytest.fixture(scope="module")
def servers(serve_app: Serve, fixture_path: Path) -> Iterator[tuple[str, str]]:
    """Base URLs of the app with `FastPath` and without it (both on worker processes)."""
    settings = Settings(data_files=(fixture_path,), workers=1, max_query_length=5_000)
    assert any(m.cls is FastPath for m in create_app(settings).user_middleware)
    with serve_app(create_app(settings)) as fast:
        with serve_app(_without_fast_path(create_app(settings))) as routed:
            yield fast, routed


@pytest.mark.parametrize(("method", "params", "headers", "body"), CASES)
def test_fast_path_answers_as_the_routes(
    servers: tuple[str, str],
    sparql_answer: Callable[..., tuple[int, list[tuple[str, str]], bytes]],
    method: str,
    params: dict[str, object],
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    fast, routed = servers
    expected = sparql_answer(routed, method, params, headers, body)
    assert sparql_answer(fast, method, params, headers, body) == expected


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(RuntimeError("a bug"), id="bug-500"),
        pytest.param(StoreBusy("all busy"), id="busy-503-retry-after"),
        pytest.param(QueryTimeout("too long"), id="timeout-503"),
        pytest.param(ResultTooLarge("too large"), id="too-large-422"),
    ],
)
def test_a_failing_store_is_answered_as_by_the_routes(
    serve_app: Serve,
    failing_store: Callable[[Exception], Store],
    error: Exception,
    sparql_answer: Callable[..., tuple[int, list[tuple[str, str]], bytes]],
) -> None:
    settings = Settings(data_files=(Path("unused.nq"),))
    fast_app = create_app(settings, failing_store(error))
    routed_app = _without_fast_path(create_app(settings, failing_store(error)))
    with serve_app(fast_app) as fast, serve_app(routed_app) as routed:
        expected = sparql_answer(routed, "GET", {"query": "ASK {}"}, {}, None)
        assert expected[0] >= 400
        assert sparql_answer(fast, "GET", {"query": "ASK {}"}, {}, None) == expected
