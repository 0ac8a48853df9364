"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) get what the store answers."""

from __future__ import annotations

import json
import warnings

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import GET, JSON, POST, TURTLE, SPARQLWrapper

from portefeuille_ld.formats import SPARQL_JSON, TURTLE as TURTLE_FORMAT
from portefeuille_ld.store.embedded import EmbeddedStore

G2 = "https://w3id.org/portefeuille-qc/graphe/2025-2026"
LABELS = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?o ?label WHERE { ?o skos:prefLabel ?label } ORDER BY ?o ?label"
)
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}"


def _rows(results: dict[str, object]) -> list[dict[str, str]]:
    bindings = results["results"]["bindings"]  # type: ignore[index]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select(live_server: str, store: EmbeddedStore, method: str) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(LABELS)
    client.setMethod(method)
    client.setReturnFormat(JSON)
    answer = client.queryAndConvert()
    expected = json.loads(store.query(LABELS, accept=SPARQL_JSON).body)
    assert isinstance(answer, dict)
    assert _rows(answer) == _rows(expected)
    assert {"label": "Ministère de la Famille"} in [{"label": r["label"]} for r in _rows(answer)]


def test_sparqlwrapper_construct(live_server: str, store: EmbeddedStore) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    answer = client.queryAndConvert()
    assert isinstance(answer, bytes)
    expected = store.query(CONSTRUCT, accept=TURTLE_FORMAT).body
    found = Graph().parse(data=answer, format="turtle")
    assert isomorphic(found, Graph().parse(data=expected, format="turtle"))


def test_rdflib_sparqlstore(live_server: str) -> None:
    graph = Graph(store=SPARQLStore(live_server + "/sparql", returnFormat="json"))
    with warnings.catch_warnings():
        # rdflib's remote store builds its results with an API rdflib itself deprecates
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        rows = list(graph.query(LABELS))
    labels = {row[1] for row in rows}  # type: ignore[index]
    assert Literal("Ministère de la Santé et des Services sociaux", lang="fr") in labels
    organisation = URIRef("https://w3id.org/portefeuille-qc/id/organisme/msss")
    assert organisation in {row[0] for row in rows}  # type: ignore[index]
