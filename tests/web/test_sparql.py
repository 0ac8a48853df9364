"""``/sparql`` over a real socket: every method, every format, answers parsed back and compared.

Accented French must survive each format: results are parsed with csv, json and
ElementTree, graphs with rdflib, and compared with the fixture dataset.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.util import from_n3

from portefeuille_ld.formats import (
    SPARQL_CSV,
    SPARQL_JSON,
    SPARQL_TSV,
    SPARQL_XML,
    Format,
    formats_of_kind,
)

BASE = "https://w3id.org/portefeuille-qc/"
G1, G2 = BASE + "graphe/2024-2025", BASE + "graphe/2025-2026"
DOSSIER = BASE + "id/projet/dossier-sante"
LITERALS = f"SELECT ?o WHERE {{ GRAPH <{G2}> {{ <{DOSSIER}> ?p ?o FILTER(isLiteral(?o)) }} }}"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}"
METHODS = ["get", "post-form", "post-query"]
SR = "{http://www.w3.org/2005/sparql-results#}"


def send(
    client: httpx.Client,
    method: str,
    query: str,
    *,
    accept: str | None = None,
    params: dict[str, str | list[str]] | None = None,
) -> httpx.Response:
    """Send ``query`` one of the protocol's three ways."""
    headers = {"Accept": accept} if accept else {}
    if method == "get":
        return client.get("/sparql", params={"query": query, **(params or {})}, headers=headers)
    if method == "post-form":
        return client.post("/sparql", data={"query": query, **(params or {})}, headers=headers)
    headers["Content-Type"] = "application/sparql-query"
    return client.post("/sparql", content=query.encode(), params=params, headers=headers)


def literal_objects(dataset: Dataset, graph: str, subject: str) -> set[Literal]:
    return {
        o for o in dataset.graph(URIRef(graph)).objects(URIRef(subject)) if isinstance(o, Literal)
    }


def parse_results(response: httpx.Response, fmt: Format) -> set[Literal]:
    """The ``?o`` column of a results document, as rdflib literals (CSV loses languages)."""
    text = response.content.decode("utf-8")
    if fmt is SPARQL_JSON:
        rows = json.loads(text)["results"]["bindings"]
        return {Literal(r["o"]["value"], lang=r["o"].get("xml:lang")) for r in rows}
    if fmt is SPARQL_XML:
        found = ET.fromstring(response.content).iter(f"{SR}literal")
        return {
            Literal(e.text, lang=e.get("{http://www.w3.org/XML/1998/namespace}lang")) for e in found
        }
    if fmt is SPARQL_CSV:
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == ["o"]
        return {Literal(row[0]) for row in rows[1:]}
    lines = text.split("\n")
    assert lines[0] == "?o"
    return {literal for line in lines[1:] if line and isinstance(literal := from_n3(line), Literal)}


def assert_isomorphic(found: Graph, expected: Graph) -> None:
    _, only_found, only_expected = graph_diff(to_isomorphic(found), to_isomorphic(expected))
    assert isomorphic(found, expected), (
        f"only in the answer:\n{only_found.serialize(format='nt')}"
        f"only expected:\n{only_expected.serialize(format='nt')}"
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", formats_of_kind("results"), ids=lambda f: f.name)
def test_select_in_every_results_format(
    client: httpx.Client, fixture_dataset: Dataset, method: str, fmt: Format
) -> None:
    response = send(client, method, LITERALS, accept=fmt.media_type)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
    expected = literal_objects(fixture_dataset, G2, DOSSIER)
    if fmt is SPARQL_CSV:
        expected = {Literal(str(o)) for o in expected}
    assert parse_results(response, fmt) == expected


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", formats_of_kind("rdf"), ids=lambda f: f.name)
def test_construct_in_every_rdf_format(
    client: httpx.Client,
    fixture_dataset: Dataset,
    parse_rdf: Callable[[bytes, Format], Graph],
    method: str,
    fmt: Format,
) -> None:
    response = send(client, method, CONSTRUCT, accept=fmt.media_type)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
    expected = Graph()
    for triple in fixture_dataset.graph(URIRef(G2)):
        expected.add(triple)
    assert_isomorphic(parse_rdf(response.content, fmt), expected)


@pytest.mark.parametrize("fmt", formats_of_kind("rdf"), ids=lambda f: f.name)
def test_describe_in_every_rdf_format(
    client: httpx.Client, parse_rdf: Callable[[bytes, Format], Graph], fmt: Format
) -> None:
    response = send(client, "get", f"DESCRIBE <{DOSSIER}>", accept=fmt.media_type)
    assert response.status_code == 200, response.text
    graph = parse_rdf(response.content, fmt)
    label = Literal("Dossier santé numérique — phase « Québec »", lang="fr")
    assert (URIRef(DOSSIER), None, label) in graph


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [(SPARQL_JSON, b'{"head":{},"boolean":true}'), (SPARQL_CSV, b"true"), (SPARQL_TSV, b"true")],
    ids=lambda v: getattr(v, "name", ""),
)
def test_ask_answers_in_results_formats(client: httpx.Client, fmt: Format, expected: bytes) -> None:
    query = 'ASK { ?s ?p "SERVICE de garde éducatif à l’enfance"@fr }'
    response = send(client, "post-query", query, accept=fmt.media_type)
    assert response.content == expected


def test_ask_in_xml(client: httpx.Client) -> None:
    response = send(client, "get", "ASK { ?s ?p ?o }", accept=SPARQL_XML.media_type)
    assert ET.fromstring(response.content).find(f"{SR}boolean").text == "true"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("accept", "params", "media_type"),
    [
        pytest.param(None, None, "application/sparql-results+json", id="no-accept"),
        pytest.param("*/*", None, "application/sparql-results+json", id="anything"),
        pytest.param("application/sparql-results+xml;q=0.5, text/csv", None, "text/csv", id="q"),
        pytest.param("*/*;q=0.1, text/tab-separated-values", None, "text/tab-separated-values",
                     id="specific-over-wildcard"),
        pytest.param("text/*, text/csv;q=0", None, "text/tab-separated-values", id="refused-csv"),
        pytest.param("application/json", None, "application/sparql-results+json", id="alias"),
        pytest.param("application/json", {"format": "csv"}, "text/csv", id="format-wins"),
        pytest.param(None, {"format": "text/tab-separated-values"}, "text/tab-separated-values",
                     id="format-as-media-type"),
        pytest.param(None, {"format": "XML"}, "application/sparql-results+xml", id="format-case"),
        pytest.param("text/csv", {"format": ""}, "text/csv", id="empty-format-is-absent"),
    ],
)  # fmt: skip
def test_results_format_is_negotiated(
    client: httpx.Client, accept: str | None, params: dict[str, str] | None, media_type: str
) -> None:
    response = send(client, "get", LITERALS, accept=accept, params=params)
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "params", "media_type"),
    [
        pytest.param(None, None, "text/turtle", id="no-accept"),
        pytest.param("application/sparql-results+json, text/plain;q=0.2", None,
                     "application/n-triples", id="text-plain"),
        pytest.param("application/json", None, "application/ld+json", id="json-is-json-ld"),
        pytest.param(None, {"format": "jsonld"}, "application/ld+json", id="format"),
        pytest.param(None, {"format": "application/rdf+xml"}, "application/rdf+xml",
                     id="format-media-type"),
    ],
)  # fmt: skip
def test_graph_format_is_negotiated(
    client: httpx.Client, accept: str | None, params: dict[str, str] | None, media_type: str
) -> None:
    response = send(client, "post-form", CONSTRUCT, accept=accept, params=params)
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"


@pytest.mark.parametrize("method", METHODS)
def test_default_graph_is_the_union(client: httpx.Client, method: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = send(client, method, query, accept="text/csv")
    assert response.text.split() == ["n", "20"]


@pytest.mark.parametrize("method", METHODS)
def test_default_graph_uri_chooses_the_default_graph(client: httpx.Client, method: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = send(client, method, query, accept="text/csv", params={"default-graph-uri": G1})
    assert response.text.split() == ["n", "7"]


@pytest.mark.parametrize("method", METHODS)
def test_named_graph_uri_chooses_the_named_graphs(client: httpx.Client, method: str) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    params: dict[str, str | list[str]] = {"named-graph-uri": [G2, G1]}
    response = send(client, method, query, accept="text/csv", params=params)
    assert response.text.split() == ["g", G1, G2]


def test_from_in_the_query_is_honoured(client: httpx.Client) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{G2}> WHERE {{ ?s ?p ?o }}"
    assert send(client, "get", query, accept="text/csv").text.split() == ["n", "13"]


def test_a_string_saying_service_is_answered(client: httpx.Client) -> None:
    query = 'SELECT ?s WHERE { ?s ?p "SERVICE de garde éducatif à l’enfance"@fr }'
    response = send(client, "get", query, accept="text/csv")
    assert response.text.split() == ["s", BASE + "id/projet/garderies"]
