"""Graphs to bytes: the same graph gives the same bytes, whatever the hash seed or insertion order.

Blank nodes get canonical labels first (`canonical`). Line formats are written by
pyoxigraph and byte-sorted; RDF/XML and TriG are written by pyoxigraph from triples in
that sorted order; Turtle is rdflib's ``longturtle`` with object lists in a total order.

>>> import pyoxigraph as ox
>>> s, p = ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p")
>>> triples = [ox.Triple(s, p, ox.Literal("é", language="fr")), ox.Triple(s, p, ox.Literal("a"))]
>>> print(ntriples(triples).decode(), end="")
<https://e.org/s> <https://e.org/p> "a" .
<https://e.org/s> <https://e.org/p> "é"@fr .
"""

from __future__ import annotations

import hashlib
import heapq
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

__all__ = [
    "SortedTriples",
    "canonical",
    "has_blank_nodes",
    "nquads",
    "ntriples",
    "rdf_xml",
    "to_oxigraph",
    "trig",
    "triples_of",
    "turtle",
]

_BATCH = 65_536
"""Triples serialized at a time when writing a graph's lines."""
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def has_blank_nodes(graph: Graph) -> bool:
    """Whether any subject or object of `graph` is a blank node."""
    return any(isinstance(s, BNode) or isinstance(o, BNode) for s, _, o in graph)


def canonical(graph: Graph, *, salt: str) -> Graph:
    """`graph` with canonical blank node labels, salted so two graphs never share one.

    Graphs without blank nodes come back as they are.
    """
    if not has_blank_nodes(graph):
        return graph
    labels: dict[BNode, BNode] = {}

    def relabel(node: Node) -> Node:
        if not isinstance(node, BNode):
            return node
        digest = hashlib.sha256(f"{salt} {node}".encode()).hexdigest()[:16]
        return labels.setdefault(node, BNode(f"b{digest}"))

    result = Graph(identifier=graph.identifier)
    for s, p, o in to_canonical_graph(graph):
        result.add((relabel(s), p, relabel(o)))
    return result


def to_oxigraph(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term of an rdflib term (raises `ValueError` on an invalid IRI).

    >>> to_oxigraph(Literal("2024", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear")))
    <Literal value=2024 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#gYear>>
    """
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language is not None:
            return ox.Literal(str(node), language=node.language)
        datatype = None if node.datatype is None else ox.NamedNode(str(node.datatype))
        return ox.Literal(str(node), datatype=datatype)
    raise TypeError(f"not an RDF term: {node!r}")


def triples_of(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib graph as pyoxigraph triples (order unspecified).

    Each IRI is converted once: subjects, predicates and classes repeat many times.
    """
    return list(_oxigraph_triples(graph))


def _oxigraph_triples(graph: Graph) -> Iterator[ox.Triple]:
    iris: dict[URIRef, ox.NamedNode] = {}
    for s, p, o in graph:
        subject, predicate = _converted(s, iris), _converted(p, iris)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            raise ValueError(f"not a valid RDF triple: {s!r} {p!r}")
        yield ox.Triple(subject, predicate, _converted(o, iris))


def _converted(
    node: Node, iris: dict[URIRef, ox.NamedNode]
) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if type(node) is URIRef:
        found = iris.get(node)
        if found is None:
            found = iris[node] = ox.NamedNode(node)
        return found
    return to_oxigraph(node)


@dataclass(frozen=True)
class SortedTriples:
    """A graph's N-Triples lines as pyoxigraph writes them, byte-sorted, without duplicates.

    Written once per graph and shared by every dump made from it. Lines are sorted as
    bytes, which for UTF-8 is the order of the code points, and split only at ``\\n``:
    pyoxigraph escapes ``\\n`` and ``\\r`` in literals but writes U+2028 as it is.

    >>> s, p = ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p")
    >>> b, a = ox.Triple(s, p, ox.Literal("b")), ox.Triple(s, p, ox.Literal("a"))
    >>> [t.object.value for t in SortedTriples.of([b, a, b]).triples()]
    ['a', 'b']
    """

    lines: tuple[bytes, ...]

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> SortedTriples:
        """Serialized a batch at a time: neither all the triples nor all the text at once."""
        lines: set[bytes] = set()
        remaining = iter(triples)
        while batch := list(itertools.islice(remaining, _BATCH)):
            lines.update((ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"").split(b"\n"))
        lines.discard(b"")
        return cls(tuple(sorted(lines)))

    @classmethod
    def of_graph(cls, graph: Graph) -> SortedTriples:
        return cls.of(_oxigraph_triples(graph))

    @classmethod
    def union(cls, parts: Sequence[SortedTriples]) -> SortedTriples:
        if len(parts) == 1:
            return parts[0]
        return cls(tuple(sorted({line for part in parts for line in part.lines})))

    def ntriples(self) -> bytes:
        """The N-Triples document: these lines, each ended by a newline."""
        return _joined(self.lines)

    def triples(self) -> Iterator[ox.Triple]:
        """The triples again, in this order."""
        for quad in ox.parse(self.ntriples(), ox.RdfFormat.N_TRIPLES):
            yield quad.triple


def _joined(lines: Sequence[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def ntriples(triples: Iterable[ox.Triple]) -> bytes:
    """Byte-sorted N-Triples, duplicates removed, one final newline."""
    return SortedTriples.of(triples).ntriples()


def nquads(graphs: Sequence[tuple[str, SortedTriples]]) -> bytes:
    """Byte-sorted N-Quads of named graphs, duplicates removed, one final newline.

    Each N-Quads line is its N-Triples line with the graph name before the final ``.``
    (pyoxigraph writes both with single spaces). A line's subject, predicate and object
    never end where another line's go on, so adding the same suffix keeps each graph's
    lines in order; merging the graphs then gives the byte order of all the lines.

    >>> s, p = ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p")
    >>> one = SortedTriples.of([ox.Triple(s, p, ox.Literal("a"))])
    >>> print(nquads([("https://e.org/g", one)]).decode(), end="")
    <https://e.org/s> <https://e.org/p> "a" <https://e.org/g> .
    """
    named = []
    for name, part in graphs:
        suffix = str(ox.NamedNode(name)).encode() + b" ."
        named.append([line[:-1] + suffix for line in part.lines])
    lines = list(heapq.merge(*named))
    return _joined([line for i, line in enumerate(lines) if i == 0 or line != lines[i - 1]])


def _used(prefixes: Mapping[str, str], iris: Iterable[str]) -> dict[str, str]:
    """The prefixes some IRI starts with, sorted by name."""
    namespaces = set(prefixes.values())
    hits = {ns for iri in iris for ns in namespaces if iri.startswith(ns)}
    return {p: ns for p, ns in sorted(prefixes.items()) if ns in hits}


def _iris(triples: Iterable[ox.Triple]) -> set[str]:
    found: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
            elif isinstance(term, ox.Literal):
                found.add(term.datatype.value)
    return found


def rdf_xml(graph: SortedTriples, *, prefixes: Mapping[str, str]) -> bytes:
    """RDF/XML, one ``rdf:Description`` per subject in sorted order.

    :raises ValueError: if a predicate cannot be an XML element name.
    """
    ordered = list(graph.triples())
    for predicate in {t.predicate.value for t in ordered}:
        if not _NCNAME.match(re.split(r"[#/]", predicate)[-1]):
            raise ValueError(f"RDF/XML cannot write the predicate <{predicate}>")
    used = _used(prefixes, _iris(ordered))
    return (ox.serialize(ordered, format=ox.RdfFormat.RDF_XML, prefixes=used) or b"") + b"\n"


def trig(graphs: Sequence[tuple[str, SortedTriples]], *, prefixes: Mapping[str, str]) -> bytes:
    """TriG: one block per named graph, in the given order, triples sorted within each."""
    quads: list[ox.Quad] = []
    for name, part in graphs:
        graph = ox.NamedNode(name)
        quads.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in part.triples())
    used = _used(prefixes, _iris(q.triple for q in quads) | {name for name, _ in graphs})
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=used) or b""


class _SortedLongTurtle(LongTurtleSerializer):
    """``longturtle`` with subjects in IRI order and object lists in a total order.

    rdflib sorts objects by value, and literals of equal value but different datatypes
    (``5`` and ``"5"^^xsd:positiveInteger``) compare neither way: their order would then
    follow the store's set iteration, which changes with the hash seed. It also puts the
    subjects nobody refers to first; sorting them by IRI groups them by kind instead.

    rdflib computes each IRI's prefixed name again at every use, and caches neither the
    IRIs without a prefix (most subjects and objects) nor the escaping: `get_pname` is
    memoized. That is exact because `turtle` binds a prefix for every predicate before
    writing (objects and datatypes never get a generated one), so the answer for an IRI
    cannot change while the serializer runs.
    """

    def __init__(self, store: Graph) -> None:
        super().__init__(store)  # type: ignore[no-untyped-call]
        self._pnames: dict[tuple[Node, bool], str | None] = {}

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        key = (uri, gen_prefix)
        try:
            return self._pnames[key]
        except KeyError:
            pname: str | None = super().get_pname(uri, gen_prefix)  # type: ignore[no-untyped-call]
            self._pnames[key] = pname
            return pname

    def orderSubjects(self) -> list[Node]:
        subjects: list[Node] = super().orderSubjects()  # also marks the top-level classes

        def key(subject: Node) -> tuple[bool, int, str]:
            blank = isinstance(subject, BNode)
            return (blank, self._references[subject] if blank else 0, str(subject))

        return sorted(subjects, key=key)

    def sortProperties(self, properties: Mapping[Node, list[Node]]) -> list[Node]:
        for objects in properties.values():
            objects.sort(key=_node_key)
        head = [p for p in self.predicateOrder if p in properties]
        return head + sorted((p for p in properties if p not in head), key=_node_key)


def _node_key(node: Node) -> tuple[int, str, str, str]:
    if isinstance(node, Literal):
        return (2, str(node), str(node.datatype or ""), node.language or "")
    return (0 if isinstance(node, URIRef) else 1, str(node), "", "")


def turtle(graph: Graph, *, prefixes: Mapping[str, str]) -> bytes:
    """Readable Turtle (``longturtle``): only the prefixes it uses, subjects sorted.

    Blank nodes should be `canonical` first. Predicates outside `prefixes` get
    ``ns1``, ``ns2``… in the order of their IRIs.
    """
    out = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in sorted(prefixes.items()):
        out.bind(prefix, namespace)
    predicates: set[Node] = set()
    for triple in graph:
        out.add(triple)
        predicates.add(triple[1])
    # Every prefix is bound here, in IRI order, before writing (see _SortedLongTurtle).
    for predicate in sorted(p for p in predicates if isinstance(p, URIRef)):
        try:
            out.namespace_manager.compute_qname(predicate, generate=True)
        except ValueError:
            continue  # no namespace to split off: written as a full IRI
    stream = io.BytesIO()
    _SortedLongTurtle(out).serialize(stream)
    return stream.getvalue().strip() + b"\n"
