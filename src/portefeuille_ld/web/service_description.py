"""The SPARQL Service Description of ``/sparql`` (browsers get the query page instead).

https://www.w3.org/TR/sparql11-service-description/ — what the endpoint supports (the
language, result formats, the union default graph) and its dataset (each named graph
with its size). Nodes get fragment IRIs of the endpoint: no blank nodes.

>>> from portefeuille_ld.formats import N_TRIPLES
>>> from portefeuille_ld.store.base import GraphStatistics, StoreStatistics
>>> stats = StoreStatistics(2, (GraphStatistics("http://ex.org/g", 2),))
>>> text = serialize_description("http://ex.org/sparql", stats, N_TRIPLES).decode()
>>> "<http://ex.org/sparql#graph-1> <http://www.w3.org/ns/sparql-service-description#name> " \\
...     "<http://ex.org/g> ." in text
True
"""

from __future__ import annotations

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Triple

from portefeuille_ld.formats import Format, formats_of_kind
from portefeuille_ld.store.base import StoreStatistics

__all__ = ["describe_service", "serialize_description"]

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
PREFIXES = {"sd": SD, "void": VOID, "formats": "http://www.w3.org/ns/formats/"}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def _count(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def describe_service(endpoint: str, statistics: StoreStatistics) -> list[Triple]:
    """The service description's triples."""
    service, dataset = NamedNode(endpoint), NamedNode(endpoint + "#dataset")
    default_graph = NamedNode(endpoint + "#default-graph")
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
        Triple(default_graph, NamedNode(VOID + "triples"), _count(statistics.triples)),
    ]
    for fmt in (*formats_of_kind("results"), *formats_of_kind("rdf")):
        if fmt.iri is not None:
            triples.append(Triple(service, _sd("resultFormat"), NamedNode(fmt.iri)))
    for number, graph in enumerate(statistics.graphs, start=1):
        named, description = NamedNode(f"{endpoint}#graph-{number}"), NamedNode(graph.iri)
        triples += [
            Triple(dataset, _sd("namedGraph"), named),
            Triple(named, RDF_TYPE, _sd("NamedGraph")),
            Triple(named, _sd("name"), description),
            Triple(named, _sd("graph"), description),
            Triple(description, RDF_TYPE, _sd("Graph")),
            Triple(description, NamedNode(VOID + "triples"), _count(graph.triples)),
        ]
    return triples


def serialize_description(endpoint: str, statistics: StoreStatistics, fmt: Format) -> bytes:
    """The service description in an RDF format."""
    if not isinstance(fmt.oxigraph, pyoxigraph.RdfFormat):
        raise ValueError(f"{fmt.label} is not an RDF format")
    triples = describe_service(endpoint, statistics)
    return pyoxigraph.serialize(triples, format=fmt.oxigraph, prefixes=PREFIXES) or b""
