"""Nothing leaves, nothing changes: no request makes the server connect anywhere or write.

A listener on a loopback port records every connection. Each query names it (``SERVICE``
in every disguise, ``FROM``, ``FROM NAMED``, ``LOAD``, the protocol's graph parameters),
sent the three ways of the protocol to the production server (`IsolatedStore`, queries in
worker processes): each is refused with 400 and the listener hears nothing. A control
shows the listener does hear pyoxigraph when it is asked directly. Every route refuses
SPARQL Update whatever the method or media type, and the data stays the same. Inspecting
a query stays cheap: rdflib's parser is never called, and the guard is linear in the
query's length.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress

import httpx
import pyoxigraph
import pytest
from fastapi import FastAPI
from rdflib.plugins.sparql import parser as rdflib_sparql_parser

from portefeuille_ld.errors import QueryError
from portefeuille_ld.settings import Settings
from portefeuille_ld.sparql_guard import guard_query, inspect_query
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.query_page import EXAMPLES

Serve = Callable[[FastAPI], AbstractContextManager[str]]
METHODS = ["get", "post-form", "post-query"]


class Listener:
    """A TCP port of 127.0.0.1 that nobody should ever connect to: it counts and hangs up."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self._count = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._hang_up, daemon=True).start()

    def _hang_up(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:  # closed
                return
            connection.close()
            with self._lock:
                self._count += 1

    def called(self, wait_s: float = 0.05) -> int:
        """How many connections arrived since the last call (waiting ``wait_s`` for one)."""
        deadline = time.monotonic() + wait_s
        while not self._count and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            count, self._count = self._count, 0
        return count


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.sock.close()


def send(client: httpx.Client, method: str, query: str, **params: str) -> httpx.Response:
    """Send ``query`` one of the protocol's three ways (``params`` renamed ``_`` → ``-``)."""
    extra = {name.replace("_", "-"): value for name, value in params.items()}
    if method == "get":
        return client.get("/sparql", params={"query": query, **extra})
    if method == "post-form":
        return client.post("/sparql", data={"query": query, **extra})
    headers = {"Content-Type": "application/sparql-query"}
    return client.post("/sparql", content=query.encode(), params=extra, headers=headers)


def outbound_queries(e: str) -> list[object]:
    """Queries that would make pyoxigraph connect to ``e``, with the reason each is refused."""
    service = "SERVICE is not allowed"
    return [
        pytest.param(f"SELECT * {{ SERVICE <{e}> {{ ?s ?p ?o }} }}", service, id="service"),
        pytest.param(f"select * {{ service <{e}> {{ ?s ?p ?o }} }}", service, id="lower-case"),
        pytest.param(f"ASK {{ SeRvIcE SiLeNt <{e}> {{ }} }}", service, id="silent-mixed-case"),
        pytest.param(f"ASK {{ SERVICESILENT<{e}>{{}} }}", service, id="glued"),
        pytest.param(f"ASK {{ VALUES ?e {{ <{e}> }} SERVICE ?e {{ }} }}", service, id="values-var"),
        pytest.param(f"ASK {{ BIND(<{e}> AS ?e) SERVICE $e {{ }} }}", service, id="bound-var"),
        pytest.param(f"PREFIX x: <{e}#> ASK {{ SERVICE x:y {{ }} }}", service, id="prefixed"),
        pytest.param(f"PREFIX : <{e}> ASK {{ SERVICE:x {{ }} }}", service, id="pname-glued"),
        pytest.param(f"ASK {{ SERVICE # <{e}>\n# ?\n<{e}> {{ }} }}", service, id="comments"),
        pytest.param(f"ASK {{ OPTIONAL {{ SERVICE <{e}> {{ }} }} }}", service, id="optional"),
        pytest.param(f"SELECT * {{ {{ SELECT * {{ SERVICE <{e}> {{ }} }} }} }}", service,
                     id="subquery"),
        pytest.param(f"CONSTRUCT WHERE {{ ?s ?p ?o SERVICE <{e}> {{ }} }}", service,
                     id="construct"),
        # The tokenizer alone was misled by these three: pyoxigraph reads \u escapes in an
        # IRI, and a `<` that compares, where the tokenizer saw an IRI, opens nothing.
        pytest.param(f"ASK {{ <http://x/\\u0041'> ?p ?o . SERVICE <{e}> {{ }} FILTER('x'='x') }}",
                     service, id="quote-in-escaped-iri"),
        pytest.param(f"ASK {{ BIND(1 AS ?a) FILTER(?a<'x>' || ?a > 0) SERVICE <{e}> {{ }}"
                     " FILTER('y'='y') }", service, id="string-after-less-than"),
        pytest.param(f"ASK {{ BIND(1 AS ?a) FILTER(?a<2#b>'''\n) SERVICE <{e}> {{ }}\n# '''\n}}",
                     service, id="comment-after-less-than"),
        pytest.param(f"SELECT * FROM <{e}> {{ ?s ?p ?o }}", "is not a graph", id="from"),
        pytest.param(f"select * from named <{e}> {{ graph ?g {{ ?s ?p ?o }} }}", "is not a graph",
                     id="from-named"),
        pytest.param(f"PREFIX x: <{e}#> SELECT * FROM x:g {{ ?s ?p ?o }}", "is not a graph",
                     id="from-prefixed"),
        pytest.param(f"SELECT * FROM<{e}>{{ ?s ?p ?o }}", "is not a graph", id="from-glued"),
        pytest.param(f"LOAD <{e}>", "SPARQL Update is not allowed", id="load"),
        pytest.param(f"load silent <{e}> into graph <{e}>", "SPARQL Update is not allowed",
                     id="load-silent"),
    ]  # fmt: skip


OUTBOUND = outbound_queries("http://127.0.0.1:{port}/sparql")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("template", "reason"), OUTBOUND)
def test_nothing_a_query_names_is_contacted(
    client: httpx.Client, listener: Listener, method: str, template: str, reason: str
) -> None:
    query = template.replace("http://127.0.0.1:{port}/sparql", listener.url)
    response = send(client, method, query)
    assert response.status_code == 400, response.text
    assert reason in response.json()["detail"]
    assert listener.called() == 0


@pytest.mark.parametrize("parameter", ["default_graph_uri", "named_graph_uri"])
@pytest.mark.parametrize("method", METHODS)
def test_graph_parameters_naming_elsewhere_are_refused(
    client: httpx.Client, listener: Listener, method: str, parameter: str
) -> None:
    response = send(client, method, "SELECT * { ?s ?p ?o }", **{parameter: listener.url})
    assert response.status_code == 400, response.text
    assert "is not a graph" in response.json()["detail"]
    assert listener.called() == 0


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("SELECT * { SERVICE <{e}> { } }", id="select"),
        pytest.param("ASK { <http://x/\\u0041'> ?p ?o . SERVICE <{e}> { } FILTER('x'='x') }",
                     id="quote-in-escaped-iri"),
    ],
)  # fmt: skip
def test_the_listener_hears_pyoxigraph_asked_directly(listener: Listener, template: str) -> None:
    """The control: without the guard, these queries do connect (so the tests above can fail)."""
    with suppress(OSError, RuntimeError):  # the listener hangs up: no answer
        answer = pyoxigraph.Store().query(template.replace("{e}", listener.url))
        list(answer) if isinstance(answer, pyoxigraph.QuerySolutions) else bool(answer)
    assert listener.called(wait_s=2) == 1


@pytest.mark.parametrize(("template", "reason"), OUTBOUND)
def test_the_guard_refuses_before_anything_runs(template: str, reason: str) -> None:
    """`guard_query` alone (tokens and text, no parser) refuses each of them."""
    known = {"https://w3id.org/portefeuille-qc/graphe/2025-2026"}
    with pytest.raises(QueryError, match=reason):
        guard_query(template.replace("{port}", "9"), known_graphs=known)


# ------------------------------------------------------------------ nothing changes

UPDATES = [
    ("application/sparql-update", b"INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"),
    ("application/sparql-update", b"DROP ALL"),
    ("application/x-www-form-urlencoded", b"update=CLEAR%20ALL"),
    ("application/sparql-query", b"DELETE WHERE { ?s ?p ?o }"),
]


def public_paths(client: httpx.Client) -> list[str]:
    """A concrete path for every route of the OpenAPI description, and those it leaves out."""
    samples = {
        "{path}": "projet/dossier-sante",
        "{name}": "2025-2026",
        "{rest}": "",
        "{section}": "organismes",
    }
    paths = []
    for template in client.get("/openapi.json").json()["paths"]:
        for placeholder, value in samples.items():
            template = template.replace(placeholder, value)
        assert "{" not in template, f"no sample value for {template}"
        paths.append(template)
    hidden = ["/dumps", "/static/site.css", "/static/query.js", "/openapi.json", "/docs"]
    return [*paths, *hidden, "/redoc", "/docs/oauth2-redirect", "/no-such-page"]


def count_triples(client: httpx.Client) -> str:
    query = "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_no_route_accepts_an_update(client: httpx.Client, method: str) -> None:
    before = count_triples(client)
    for path in public_paths(client):
        for media_type, body in UPDATES:
            response = client.request(
                method, path, content=body, headers={"Content-Type": media_type}
            )
            assert response.status_code in (400, 404, 405, 415), (path, response.text)
            if response.status_code == 400:
                assert "not allowed" in response.json()["detail"], (path, response.text)
    for update in ("CLEAR ALL", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"):
        assert client.get("/sparql", params={"update": update}).status_code == 400
    assert count_triples(client) == before


# ------------------------------------------------------------------ inspection is cheap


def test_rdflib_s_parser_is_never_called(
    store: EmbeddedStore, serve_app: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def record(text: str, *args: object, **kwargs: object) -> None:
        calls.append(text)
        raise AssertionError("rdflib parsed a query")

    monkeypatch.setattr(rdflib_sparql_parser.Query, "parse_string", record)
    monkeypatch.setattr(rdflib_sparql_parser.UpdateUnit, "parse_string", record)
    queries = [e.query for e in EXAMPLES] + ["DESCRIBE <http://ex.org/a>", "ASK { ?s ?p ?o }"]
    for query in queries:
        inspect_query(query)
    with serve_app(create_app(Settings(), store)) as url:
        for query in queries:
            response = httpx.get(f"{url}/sparql", params={"query": query}, trust_env=False)
            assert response.status_code == 200, response.text
    assert calls == []


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("a-" * 20_000, id="names-without-colon"),
        pytest.param("_." * 20_000, id="dotted-names"),
        pytest.param("'" + "\\'" * 20_000, id="unterminated-string"),
        pytest.param("'''" + "\\'" * 20_000, id="unterminated-long-string"),
        pytest.param("service" * 5_700, id="service-glued"),
        pytest.param("service#" * 5_000, id="service-comments"),
        pytest.param("<a" * 20_000, id="less-than"),
    ],
)
def test_the_guard_is_linear_in_the_query_s_length(query: str) -> None:
    """40,000 characters: under 0.5 s of CPU; a pattern retried at every position took 10+."""
    started = time.process_time()
    try:
        guard_query(query)
    except QueryError:
        pass
    assert time.process_time() - started < 3.0
