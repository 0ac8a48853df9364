"""Graphs to bytes: the same graph gives the same bytes, whatever the hash seed or insertion order.

Blank nodes get canonical labels first (`canonical`). Line formats are each term's
N-Triples text as pyoxigraph writes it, byte-sorted (`SortedTriples`); RDF/XML and TriG
are written by pyoxigraph from the quads it parses back from those lines; Turtle is
rdflib's ``longturtle`` with object lists in a total order (`longturtle`). The ``write_*``
functions write into an `Output` a part at a time, so
a large dump is never held whole; the others return the same bytes.

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
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Protocol, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from portefeuille_ld.pipeline import graph_index
from portefeuille_ld.pipeline.longturtle import turtle, write_turtle

__all__ = [
    "Output",
    "SortedTriples",
    "Vocabulary",
    "canonical",
    "has_blank_nodes",
    "nquads",
    "ntriples",
    "rdf_xml",
    "to_oxigraph",
    "trig",
    "turtle",
    "write_nquads",
    "write_rdf_xml",
    "write_trig",
    "write_turtle",
]

_BATCH = 65_536
"""Lines per compressed chunk of `SortedTriples`, and triples `SortedTriples.of` serializes
at a time."""
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class Output(Protocol):
    """Where a dump is written a part at a time (a file, `io.BytesIO`, a hashing writer)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


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


def _lines(triples: Iterable[tuple[Node, Node, Node]], seen: Vocabulary) -> set[bytes]:
    """The triples' N-Triples lines, without their newlines; `seen` gets their vocabulary.

    Each line is written from its terms as pyoxigraph writes them (a term's `str` is what
    its serializer writes), every IRI checked and written once.
    """
    texts: dict[Node, str] = {}
    predicates: set[Node] = set()
    lines: set[bytes] = set()
    add = lines.add
    for s, p, o in triples:
        subject = texts.get(s) or _text(s, texts, seen)
        predicate = texts.get(p) or _text(p, texts, seen)
        if subject[0] == '"' or predicate[0] != "<":
            raise ValueError(f"not a valid RDF triple: {s!r} {p!r} {o!r}")
        predicates.add(p)
        text = texts.get(o) if type(o) is URIRef else None  # a literal hashes slowly
        add(f"{subject} {predicate} {text or _text(o, texts, seen)} .".encode())
    seen.predicates.update(str(p) for p in predicates)
    return lines


def _text(node: Node, texts: dict[Node, str], seen: Vocabulary) -> str:
    """`node` as N-Triples; an IRI's is kept in `texts`, and `seen` gets the IRIs, the
    literals' datatypes and the blank nodes' labels."""
    if type(node) is URIRef:
        text = texts[node] = str(ox.NamedNode(node))
        seen.iris.add(str(node))
        return text
    term = to_oxigraph(node)
    if type(term) is ox.Literal:
        seen.iris.add(term.datatype.value)
    elif type(term) is ox.BlankNode:
        seen.blank_nodes.add(term.value)
    else:
        seen.iris.add(term.value)
    return str(term)


@dataclass(frozen=True)
class Vocabulary:
    """The IRIs some triples use (terms and literals' datatypes), their predicates', and the
    labels of their blank nodes."""

    iris: set[str] = field(default_factory=set)
    predicates: set[str] = field(default_factory=set)
    blank_nodes: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> Vocabulary:
        vocabulary = cls()
        for t in triples:
            vocabulary.predicates.add(t.predicate.value)
            for term in (t.subject, t.predicate, t.object):
                if isinstance(term, ox.NamedNode):
                    vocabulary.iris.add(term.value)
                elif isinstance(term, ox.Literal):
                    vocabulary.iris.add(term.datatype.value)
                elif isinstance(term, ox.BlankNode):
                    vocabulary.blank_nodes.add(term.value)
        return vocabulary


@dataclass(frozen=True)
class SortedTriples:
    """A graph's N-Triples lines as pyoxigraph writes them, byte-sorted, without duplicates.

    Written once per graph and shared by every dump made from it. Lines are sorted as
    bytes, which for UTF-8 is the order of the code points, and split only at ``\\n``:
    pyoxigraph escapes ``\\n`` and ``\\r`` in literals but writes U+2028 as it is. They
    are kept `_BATCH` to a chunk, each chunk compressed: the build holds them from the
    validation to the last dump, and the 2.7 million lines of a 100k portfolio take
    600 MiB as bytes objects; sorted lines compress tenfold or more at zlib's fastest
    level, for about 1.5 s of CPU to compress and 1 s per pass over them.

    >>> s, p = ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p")
    >>> b, a = ox.Triple(s, p, ox.Literal("b")), ox.Triple(s, p, ox.Literal("a"))
    >>> [t.object.value for t in SortedTriples.of([b, a, b]).triples()]
    ['a', 'b']
    """

    packed: tuple[bytes, ...]
    """The lines, `_BATCH` to a chunk, each ended by a newline, each chunk zlib-compressed."""
    known: Vocabulary | None = field(default=None, compare=False, repr=False)
    """Their vocabulary, when it was seen while converting them."""

    @classmethod
    def of(cls, triples: Iterable[ox.Triple], *, known: Vocabulary | None = None) -> SortedTriples:
        """Serialized a batch at a time: neither all the triples nor all the text at once."""
        lines: set[bytes] = set()
        remaining = iter(triples)
        while batch := list(itertools.islice(remaining, _BATCH)):
            lines.update((ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"").split(b"\n"))
        lines.discard(b"")
        return cls(_chunked(sorted(lines)), known)

    @classmethod
    def of_graph(cls, graph: Graph) -> SortedTriples:
        """Of an rdflib graph (`of_rdflib`), read from its store's index when it lends one."""
        return cls.of_rdflib(graph_index.triples(graph))

    @classmethod
    def of_rdflib(cls, triples: Iterable[tuple[Node, Node, Node]]) -> SortedTriples:
        """Of rdflib's triples (repeats allowed), their vocabulary seen while writing them."""
        known = Vocabulary()
        return cls(_chunked(sorted(_lines(triples, known))), known)

    @classmethod
    def union(cls, parts: Sequence[SortedTriples]) -> SortedTriples:
        if len(parts) == 1:
            return parts[0]
        known = None
        if all(part.known is not None for part in parts):
            known = Vocabulary()
            for part in parts:
                assert part.known is not None
                known.iris.update(part.known.iris)
                known.predicates.update(part.known.predicates)
                known.blank_nodes.update(part.known.blank_nodes)
        return cls(_chunked(sorted({line for part in parts for line in part.lines()})), known)

    def chunks(self) -> Iterator[bytes]:
        """The lines, a chunk at a time: N-Triples documents of `_BATCH` lines."""
        for packed in self.packed:
            yield zlib.decompress(packed)

    def lines(self) -> Iterator[bytes]:
        """The lines, without their newlines, a chunk split at a time."""
        for chunk in self.chunks():
            yield from chunk.split(b"\n")[:-1]

    def terms(self) -> Iterator[tuple[bytes, bytes, bytes]]:
        """Each line's subject, predicate and object as written (``<…>``, ``_:…``, quoted
        literals), cut as bytes, not parsed: IRIs hold neither ``>`` nor spaces, and a blank
        node label no space.

        >>> s, p = ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p")
        >>> list(SortedTriples.of([ox.Triple(s, p, ox.Literal("a b"))]).terms())
        [(b'<https://e.org/s>', b'<https://e.org/p>', b'"a b"')]
        """
        for line in self.lines():
            cut = line.index(b"> ") + 1 if line[0] == 0x3C else line.index(b" ")  # 0x3C: "<"
            end = line.index(b"> ", cut + 1) + 1
            yield line[:cut], line[cut + 1 : end], line[end + 1 : -2]

    def vocabulary(self) -> Vocabulary:
        """The IRIs and predicates of these triples: as seen when converted, else parsed."""
        return self.known if self.known is not None else Vocabulary.of(self.triples())

    def ntriples(self) -> bytes:
        """The N-Triples document: these lines, each ended by a newline."""
        return b"".join(self.chunks())

    def write_ntriples(self, output: Output) -> None:
        """`ntriples`, written a chunk at a time: never the whole text at once."""
        for chunk in self.chunks():
            output.write(chunk)

    def triples(self) -> Iterator[ox.Triple]:
        """The triples again, in this order, parsed a chunk at a time."""
        for quad in self.quads():
            yield quad.triple

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """The triples again as quads, in the default graph or in `graph`, in this order.

        Parsed a chunk at a time by pyoxigraph, leniently (it wrote them: its IRIs and
        language tags are valid), each chunk in `graph` as N-Quads: its lines with the
        graph's name before their final `` .`` (``\n`` ends lines only).

        >>> s, p = ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p")
        >>> lines = SortedTriples.of([ox.Triple(s, p, ox.Literal(" .")), ox.Triple(s, p, s)])
        >>> [str(q.graph_name) for q in lines.quads("https://e.org/g")]
        ['<https://e.org/g>', '<https://e.org/g>']
        """
        if graph is None:
            for chunk in self.chunks():
                yield from ox.parse(chunk, ox.RdfFormat.N_TRIPLES, lenient=True)
            return
        suffix = b" " + str(ox.NamedNode(graph)).encode() + b" .\n"
        for chunk in self.chunks():
            yield from ox.parse(chunk.replace(b" .\n", suffix), ox.RdfFormat.N_QUADS, lenient=True)


def _chunked(lines: Sequence[bytes]) -> tuple[bytes, ...]:
    """`lines` as `SortedTriples.packed`."""
    return tuple(
        zlib.compress(_joined(lines[i : i + _BATCH]), 1) for i in range(0, len(lines), _BATCH)
    )


def _joined(lines: Sequence[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def _write_lines(lines: Iterable[bytes], output: Output) -> None:
    remaining = iter(lines)
    while batch := list(itertools.islice(remaining, _BATCH)):
        output.write(_joined(batch))


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
    output = io.BytesIO()
    write_nquads(graphs, output)
    return output.getvalue()


def write_nquads(graphs: Sequence[tuple[str, SortedTriples]], output: Output) -> None:
    """`nquads`, written a batch of lines at a time (see `nquads` for the order)."""
    named = [_with_graph(name, part.lines()) for name, part in graphs]
    _write_lines(_distinct(heapq.merge(*named)), output)


def _with_graph(name: str, lines: Iterable[bytes]) -> Iterator[bytes]:
    """N-Triples lines as N-Quads lines in the graph `name`."""
    suffix = str(ox.NamedNode(name)).encode() + b" ."
    for line in lines:
        yield line[:-1] + suffix


def _distinct(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted lines without the repeats."""
    previous = None
    for line in lines:
        if line != previous:
            yield line
        previous = line


def _used(prefixes: Mapping[str, str], iris: Iterable[str]) -> dict[str, str]:
    """The prefixes some IRI starts with, sorted by name."""
    namespaces = set(prefixes.values())
    hits = {ns for iri in iris for ns in namespaces if iri.startswith(ns)}
    return {p: ns for p, ns in sorted(prefixes.items()) if ns in hits}


def rdf_xml(graph: SortedTriples, *, prefixes: Mapping[str, str]) -> bytes:
    """RDF/XML, one ``rdf:Description`` per subject in sorted order.

    :raises ValueError: if a predicate cannot be an XML element name.
    """
    output = io.BytesIO()
    write_rdf_xml(graph, output, prefixes=prefixes)
    return output.getvalue()


def write_rdf_xml(graph: SortedTriples, output: Output, *, prefixes: Mapping[str, str]) -> None:
    """`rdf_xml`, parsed and written a batch at a time: never all the triples at once."""
    vocabulary = graph.vocabulary()
    for predicate in vocabulary.predicates:
        if not _NCNAME.match(re.split(r"[#/]", predicate)[-1]):
            raise ValueError(f"RDF/XML cannot write the predicate <{predicate}>")
    found = vocabulary.iris
    used = _used(prefixes, found)
    ox.serialize(graph.quads(), cast(IO[bytes], output), format=ox.RdfFormat.RDF_XML, prefixes=used)
    output.write(b"\n")


def trig(graphs: Sequence[tuple[str, SortedTriples]], *, prefixes: Mapping[str, str]) -> bytes:
    """TriG: one block per named graph, in the given order, triples sorted within each."""
    output = io.BytesIO()
    write_trig(graphs, output, prefixes=prefixes)
    return output.getvalue()


def write_trig(
    graphs: Sequence[tuple[str, SortedTriples]], output: Output, *, prefixes: Mapping[str, str]
) -> None:
    """`trig`, parsed and written a batch at a time."""
    found = {name for name, _ in graphs}
    for _, part in graphs:
        found |= part.vocabulary().iris
    used = _used(prefixes, found)
    ox.serialize(_quads(graphs), cast(IO[bytes], output), format=ox.RdfFormat.TRIG, prefixes=used)


def _quads(graphs: Sequence[tuple[str, SortedTriples]]) -> Iterator[ox.Quad]:
    for name, part in graphs:
        yield from part.quads(name)
