"""GET ``/sparql`` without a query: the SPARQL Service Description, or a page for browsers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, VOID, XSD

from portefeuille_ld.formats import Format, formats_of_kind
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
G1 = URIRef("https://w3id.org/portefeuille-qc/graphe/2024-2025")
G2 = URIRef("https://w3id.org/portefeuille-qc/graphe/2025-2026")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ParseRdf = Callable[[bytes, Format], Graph]


def test_default_is_turtle(client: httpx.Client) -> None:
    response = client.get("/sparql")
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"


@pytest.mark.parametrize("fmt", formats_of_kind("rdf"), ids=lambda f: f.name)
def test_description_in_every_rdf_format(
    client: httpx.Client, live_server: str, parse_rdf: ParseRdf, fmt: Format
) -> None:
    response = client.get("/sparql", headers={"Accept": fmt.media_type})
    assert response.headers["content-type"] == fmt.content_type
    graph = parse_rdf(response.content, fmt)
    service = URIRef(live_server + "/sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.resultFormat, FORMATS.SPARQL_Results_TSV) in graph
    assert (service, SD.resultFormat, FORMATS["JSON-LD"]) in graph


def test_description_lists_the_named_graphs_and_their_sizes(
    client: httpx.Client, parse_rdf: ParseRdf
) -> None:
    fmt = formats_of_kind("rdf")[0]
    graph = parse_rdf(client.get("/sparql").content, fmt)
    names = set(graph.objects(None, SD.name))
    assert names == {G1, G2}
    assert (G1, VOID.triples, Literal(7, datatype=XSD.integer)) in graph
    assert (G2, VOID.triples, Literal(13, datatype=XSD.integer)) in graph


def test_format_parameter_chooses_the_description_format(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"format": "jsonld"}, headers={"Accept": BROWSER})
    assert response.headers["content-type"] == "application/ld+json; charset=utf-8"


def test_browser_gets_a_page_with_a_query_form(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<form" in response.text
    assert 'name="query"' in response.text


def test_nothing_acceptable_is_406(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406


def test_public_base_names_the_endpoint(
    store: EmbeddedStore,
    parse_rdf: ParseRdf,
    serve_app: Callable[[FastAPI], AbstractContextManager[str]],
) -> None:
    app = create_app(Settings(public_base="https://example.org/portefeuille/"), store)
    with serve_app(app) as url:
        body = httpx.get(url + "/sparql", headers={"Accept": "text/turtle"}, trust_env=False)
    graph = parse_rdf(body.content, formats_of_kind("rdf")[0])
    endpoint = URIRef("https://example.org/portefeuille/sparql")
    assert (endpoint, RDF.type, SD.Service) in graph
