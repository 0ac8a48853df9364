"""`RemoteStore` beyond the contract: what it sends, what it never sends, how it fails.

Requests are recorded by wrapping the httpx transport (the real Oxigraph server behind it),
or answered by an `httpx.MockTransport` playing a misbehaving endpoint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from portefeuille_ld.errors import (
    QueryError,
    QueryTimeout,
    ResultTooLarge,
    StoreUnavailable,
)
from portefeuille_ld.formats import N_TRIPLES, SPARQL_CSV, SPARQL_JSON, SPARQL_XML
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.remote import EXCHANGE_FORMATS, CredentialsAuth, RemoteStore, http_client

BASE = "https://w3id.org/portefeuille-qc/"
GRAPHS = sorted(BASE + f"graphe/{g}" for g in ("2025-2026", "formes", "ontologie"))
ENDPOINT = "http://sparql.example.org/query"
JSON_UTF8 = SPARQL_JSON.content_type
SIZES = {"head": {"vars": ["g", "n"]}, "results": {"bindings": [
    {"g": {"type": "uri", "value": "http://ex.org/g"},
     "n": {"type": "literal", "value": "2",
           "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}  # fmt: skip


class Recording(httpx.BaseTransport):
    """A transport that records every request, then passes it on."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def forms(self) -> list[dict[str, list[str]]]:
        """The form bodies sent (queries and their datasets)."""
        return [parse_qs(r.content.decode()) for r in self.requests if r.method == "POST"]


@pytest.fixture
def recorded(oxigraph: Any) -> Iterator[tuple[RemoteStore, Recording]]:
    """A store on the real Oxigraph server, through a recording transport."""
    transport = Recording(httpx.HTTPTransport())
    client = httpx.Client(transport=transport)
    store = RemoteStore(client, oxigraph.query_url, timeout=10, graphs_under=BASE + "graphe/")
    yield store, transport
    client.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o SERVICE ?endpoint { ?s ?p ?o } }",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <https://w3id.org/portefeuille-qc/graphe/formes>",
        "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
    ],
    ids=["service", "service-silent", "service-var", "insert", "delete", "load", "clear",
         "drop", "remote-from"],
)  # fmt: skip
def test_a_refused_query_is_never_sent(recorded: tuple[RemoteStore, Recording], query: str) -> None:
    store, transport = recorded
    with pytest.raises(QueryError):
        store.query(query)
    sent = [form["query"][0] for form in transport.forms()]
    assert query not in sent
    assert all("SERVICE" not in q.upper() and "INSERT" not in q.upper() for q in sent)
    assert not any("update" in form for form in transport.forms())


def test_every_query_names_its_dataset(recorded: tuple[RemoteStore, Recording]) -> None:
    store, transport = recorded
    store.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", accept=SPARQL_JSON)
    store.query(f"SELECT * FROM <{GRAPHS[0]}> WHERE {{ ?s ?p ?o }} LIMIT 1", accept=SPARQL_JSON)
    store.query("ASK { ?s ?p ?o }", accept=SPARQL_CSV, default_graph_uris=[GRAPHS[1]])
    union, from_clause, protocol = transport.forms()[-3:]
    assert union["default-graph-uri"] == GRAPHS  # the union of the dataset's graphs
    assert union["named-graph-uri"] == GRAPHS
    assert "default-graph-uri" not in from_clause  # the query's own FROM, not overridden
    assert protocol["default-graph-uri"] == [GRAPHS[1]]
    assert "named-graph-uri" not in protocol
    accepts = {r.headers["accept"] for r in transport.requests}
    assert accepts <= set(EXCHANGE_FORMATS.values())


def test_only_the_query_and_our_own_headers_are_sent(
    recorded: tuple[RemoteStore, Recording],
) -> None:
    store, transport = recorded
    store.query("ASK { ?s ?p ?o }", accept=SPARQL_XML)
    request = transport.requests[-1]
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "cookie" not in request.headers and "authorization" not in request.headers


def _mock(
    handler: Callable[[httpx.Request], httpx.Response], *, timeout: float = 5, **options: Any
) -> RemoteStore:
    """A store on a fake endpoint: it lists one graph, and ``handler`` answers the rest."""

    def answer(request: httpx.Request) -> httpx.Response:
        if b"COUNT" in request.content:
            return httpx.Response(200, json=SIZES)
        return handler(request)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    return RemoteStore(client, ENDPOINT, timeout=timeout, **options)


@pytest.mark.parametrize(
    ("response", "error", "words"),
    [
        pytest.param(httpx.Response(400, text="Parse error: unexpected }"), QueryError,
                     "Parse error", id="400-parse-error"),
        pytest.param(httpx.Response(500, text="out of memory"), StoreUnavailable,
                     "HTTP 500", id="500"),
        pytest.param(httpx.Response(503), StoreUnavailable, "HTTP 503", id="503"),
        pytest.param(httpx.Response(401), StoreUnavailable, "PORTEFEUILLE_STORE_USER",
                     id="401"),
        pytest.param(httpx.Response(302, headers={"Location": "http://elsewhere/"}),
                     StoreUnavailable, "HTTP 302", id="redirect-not-followed"),
        pytest.param(httpx.Response(200, text="<html>", headers={"Content-Type": "text/html"}),
                     StoreUnavailable, "cannot read", id="not-results"),
        pytest.param(httpx.Response(200, text="{", headers={"Content-Type": JSON_UTF8}),
                     StoreUnavailable, "not valid", id="invalid-json"),
    ],
)  # fmt: skip
def test_error_mapping(response: httpx.Response, error: type[Exception], words: str) -> None:
    store = _mock(lambda _: response)
    with pytest.raises(error, match=words):
        store.query("SELECT * WHERE { ?s ?p ?o }", accept=SPARQL_JSON)


def test_refused_connection_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    store = RemoteStore(httpx.Client(transport=httpx.MockTransport(refuse)), ENDPOINT, timeout=1)
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        store.query("ASK {}")


def test_a_read_timeout_is_a_query_timeout() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(QueryTimeout, match="within 5 s"):
        _mock(stall).query("ASK {}")


def test_the_whole_exchange_has_one_deadline() -> None:
    def trickle(request: httpx.Request) -> httpx.Response:
        def chunks() -> Iterator[bytes]:
            for _ in range(50):
                time.sleep(0.02)
                yield b" " * 70_000  # each chunk in time, the whole too late

        return httpx.Response(200, content=chunks(), headers={"Content-Type": "text/plain"})

    with pytest.raises(QueryTimeout):
        _mock(trickle, timeout=0.3).query("CONSTRUCT WHERE { ?s ?p ?o }", accept=N_TRIPLES)


def test_reading_stops_past_the_result_limit() -> None:
    produced: list[int] = []

    def endless(request: httpx.Request) -> httpx.Response:
        def chunks() -> Iterator[bytes]:
            for n in range(10_000):
                produced.append(n)
                yield b"<urn:a> <urn:b> <urn:c> .\n" * 1000

        return httpx.Response(200, content=chunks(), headers={"Content-Type": N_TRIPLES.media_type})

    store = _mock(endless, max_result_bytes=100_000)
    with pytest.raises(ResultTooLarge):
        store.query("CONSTRUCT WHERE { ?s ?p ?o }", accept=N_TRIPLES)
    assert len(produced) < 10


def test_ask_answered_with_a_table_is_a_boolean() -> None:
    """Virtuoso 7.2 answers ASK with one row (true) or none (false)."""
    row = {"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": [
        {"__ASK_RETVAL": {"type": "typed-literal", "value": "1",
                          "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}  # fmt: skip
    store = _mock(lambda _: httpx.Response(200, json=row))
    assert json.loads(store.query("ASK { ?s ?p ?o }", accept=SPARQL_JSON).body)["boolean"] is True
    empty = {"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}
    store = _mock(lambda _: httpx.Response(200, json=empty))
    assert store.query("ASK { ?s ?p ?o }", accept=SPARQL_CSV).body == b"false"


def test_statistics_are_asked_again_only_after_their_ttl() -> None:
    asked: list[float] = []

    def count(request: httpx.Request) -> httpx.Response:
        asked.append(time.monotonic())
        return httpx.Response(200, json=SIZES)

    client = httpx.Client(transport=httpx.MockTransport(count))
    store = RemoteStore(client, ENDPOINT, timeout=5, statistics_ttl_s=0.2)
    for _ in range(5):
        assert store.statistics().triples == 2
    assert len(asked) == 1
    time.sleep(0.25)
    store.statistics()
    assert len(asked) == 2


def test_graphs_outside_the_namespace_are_not_the_dataset() -> None:
    store = _mock(lambda _: httpx.Response(500), graphs_under="http://other.example/")
    assert store.statistics().graphs == ()


def test_a_closed_store_is_unavailable() -> None:
    store = _mock(lambda _: httpx.Response(500))
    store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        store.query("ASK {}")


@pytest.mark.parametrize(
    ("challenge", "scheme"),
    [('Basic realm="sparql"', "Basic "), ('Digest realm="v", nonce="abc", qop="auth"', "Digest ")],
    ids=["basic", "digest"],
)
def test_credentials_answer_the_challenge_the_server_makes(challenge: str, scheme: str) -> None:
    seen: list[str | None] = []

    def protected(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if request.headers.get("authorization", "").startswith(scheme):
            return httpx.Response(200, json={"head": {}, "boolean": True})
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    auth = CredentialsAuth("reader", "s3cret")
    with httpx.Client(transport=httpx.MockTransport(protected), auth=auth) as client:
        for _ in range(2):
            assert client.post(ENDPOINT, data={"query": "ASK {}"}).status_code == 200
    first, *answered = seen
    assert first is None  # nothing is sent before the server asks
    assert len(answered) == 2 and all(a and a.startswith(scheme) for a in answered)
    assert "s3cret" not in repr(auth)


def test_credentials_come_from_the_environment_only() -> None:
    settings = Settings.from_env(
        {"PORTEFEUILLE_STORE_USER": "reader", "PORTEFEUILLE_STORE_PASSWORD": "s3cret"}
    )
    assert (settings.store_user, settings.store_password) == ("reader", "s3cret")
    assert "s3cret" not in repr(settings)
    with http_client(settings) as client:
        assert isinstance(client.auth, CredentialsAuth)
        assert not client.trust_env and not client.follow_redirects


def test_service_and_updates_are_refused_without_asking_the_store() -> None:
    asked: list[httpx.Request] = []

    def down(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(503)

    client = httpx.Client(transport=httpx.MockTransport(down))
    store = RemoteStore(client, ENDPOINT, timeout=5)
    for query in ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", "CLEAR ALL"):
        with pytest.raises(QueryError):
            store.query(query)
    assert asked == []
