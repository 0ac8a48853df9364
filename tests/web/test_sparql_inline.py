"""A small ``DESCRIBE`` answered in the server is a worker's answer: status, headers, body.

Two servers over the fixture dataset: the app as `create_app` builds it (small descriptions
answered in the server, `portefeuille_ld.store.inline`), and the same app with
``inline_describe_quads=0``, which sends every query to its workers; the answers must be the
same, but for the ``Date`` header.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi import FastAPI
from rdflib import Graph, URIRef

from portefeuille_ld.settings import Settings
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]

DOSSIER = "https://w3id.org/portefeuille-qc/id/projet/dossier-sante"
DESCRIBE = f"DESCRIBE <{DOSSIER}>"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
QUERY = {"Content-Type": "application/sparql-query"}

CASES = [
    pytest.param("GET", {"query": DESCRIBE}, {}, None, id="default-format"),
    pytest.param("GET", {"query": DESCRIBE}, {"Accept": "text/turtle"}, None, id="turtle"),
    pytest.param("GET", {"query": DESCRIBE, "format": "json-ld"}, {}, None, id="format-json-ld"),
    pytest.param(
        "GET",
        {"query": DESCRIBE},
        {"Accept": "application/rdf+xml;q=0.5, application/n-triples"},
        None,
        id="conneg",
    ),
    pytest.param(
        "GET",
        {"query": DESCRIBE},
        {"Accept": "text/turtle", "Origin": "https://example.org"},
        None,
        id="cors",
    ),
    pytest.param("GET", {"query": DESCRIBE}, {"Accept": "image/png"}, None, id="accept-406"),
    pytest.param("GET", {"query": DESCRIBE, "format": "csv"}, {}, None, id="format-csv-406"),
    pytest.param(
        "GET", {"query": DESCRIBE}, {"Accept": "text/csv, text/plain"}, None, id="error-as-text"
    ),
    pytest.param(
        "GET",
        {"query": f"describe <{DOSSIER}> <https://w3id.org/portefeuille-qc/>"},
        {},
        None,
        id="two-iris",
    ),
    pytest.param("GET", {"query": "DESCRIBE <http://ex.org/none>"}, {}, None, id="unknown-iri"),
    pytest.param("GET", {"query": "DESCRIBE <dossier>"}, {}, None, id="relative-iri"),
    pytest.param("GET", {"query": "DESCRIBE <http://ex.org/a b>"}, {}, None, id="bad-iri-400"),
    pytest.param(
        "GET",
        {"query": DESCRIBE, "default-graph-uri": "https://w3id.org/portefeuille-qc/graphe/x"},
        {},
        None,
        id="unknown-graph-400",
    ),
    pytest.param("GET", {"query": DESCRIBE + " " * 6_000}, {}, None, id="too-long-400"),
    pytest.param("HEAD", {"query": DESCRIBE}, {}, None, id="head"),
    pytest.param("POST", {}, FORM, b"query=" + DESCRIBE.encode(), id="post-form"),
    pytest.param("POST", {"format": "turtle"}, QUERY, DESCRIBE.encode(), id="post-query"),
]


@pytest.fixture(scope="module")
def servers(
    serve_app: Serve, fixture_path: Path, wait_until: Callable[..., bool]
) -> Iterator[tuple[str, str]]:
    """Base URLs of the app answering small descriptions itself, and of one that does not."""
    settings = Settings(data_files=(fixture_path,), workers=1, max_query_length=5_000)
    inline_app = create_app(settings)
    plain_app = create_app(dataclasses.replace(settings, inline_describe_quads=0))
    with serve_app(inline_app) as inline, serve_app(plain_app) as plain:
        store, workers_only = inline_app.state.store, plain_app.state.store
        assert isinstance(store, IsolatedStore) and isinstance(workers_only, IsolatedStore)
        assert wait_until(store.answers_inline)
        assert not workers_only.answers_inline()
        yield inline, plain


def test_the_budget_is_a_setting() -> None:
    assert Settings().inline_describe_quads == 256
    environ = {"PORTEFEUILLE_INLINE_DESCRIBE_QUADS": "0"}
    assert Settings.from_env(environ).inline_describe_quads == 0


@pytest.mark.parametrize(("method", "params", "headers", "body"), CASES)
def test_an_inline_answer_is_the_workers(
    servers: tuple[str, str],
    sparql_answer: Callable[..., tuple[int, list[tuple[str, str]], bytes]],
    method: str,
    params: dict[str, object],
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    inline, plain = servers
    expected = sparql_answer(plain, method, params, headers, body)
    assert sparql_answer(inline, method, params, headers, body) == expected


def test_a_description_has_its_triples(
    servers: tuple[str, str], sparql_answer: Callable[..., tuple[int, list[tuple[str, str]], bytes]]
) -> None:
    status, _, body = sparql_answer(servers[0], "GET", {"query": DESCRIBE}, {}, None)
    assert status == 200
    graph = Graph().parse(data=body, format="turtle")
    assert len(graph) >= 3
    assert set(graph.subjects()) == {URIRef(DOSSIER)}
