"""Read an rdflib graph subject by subject, from its store's own index when it has one.

The build's graphs are each in a `sparql_engines.PlainMemory`, which lends rdflib's subject
index (`PlainMemory.by_subject`). Walking it directly saves the generator rdflib passes
every triple through, and a pattern query per subject to the writers that group triples
by subject. Any other store is read through the graph, as usual.

>>> from rdflib import Graph, URIRef
>>> g = Graph()
>>> _ = g.add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
>>> by_subject(g) is None, [str(o) for _, _, o in triples(g)]
(True, ['urn:o'])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TypeAlias

from rdflib import Graph
from rdflib.term import Node

__all__ = ["Index", "by_subject", "triples"]

Index: TypeAlias = Mapping[Node, Mapping[Node, Iterable[Node]]]
"""Subject → predicate → objects."""


def by_subject(graph: Graph) -> Index | None:
    """The index of the graph's store, if it lends one (it holds this graph only)."""
    lend = getattr(graph.store, "by_subject", None)
    index: Index | None = lend() if lend is not None else None
    return index


def triples(graph: Graph, index: Index | None = None) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of `graph`: from `index` (or its store's) when there is one."""
    if index is None:
        index = by_subject(graph)
    if index is None:
        yield from graph
        return
    for s, by_predicate in index.items():
        for p, objects in by_predicate.items():
            for o in objects:
                yield s, p, o
