"""Turtle as rdflib's ``longturtle`` writes it, subjects and objects in a total order.

`turtle` binds the prefixes, then writes with `_SortedLongTurtle`, rdflib's serializer. A
graph without blank nodes (every data graph) is written by `_FlatTurtle` instead, to the
same bytes: the same layout, each term written by the same rdflib code (prefixed names
from the serializer's `get_pname`, literals from `Literal._literal_n3`), but without
copying the graph into another store first nor rdflib's bookkeeping for each triple.
``tests/pipeline/test_longturtle.py`` compares the two.

>>> from rdflib import Graph, Literal, URIRef
>>> g = Graph()
>>> s = URIRef("https://e.org/o#s")
>>> _ = g.add((s, URIRef("https://e.org/o#p"), Literal(5)))
>>> print(turtle(g, prefixes={"o": "https://e.org/o#"}).decode(), end="")
PREFIX o: <https://e.org/o#>
<BLANKLINE>
o:s
    o:p 5 ;
.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

from portefeuille_ld.pipeline.graph_index import Index, by_subject, triples

__all__ = ["turtle", "write_turtle"]

_TYPE, _LABEL, _NIL = RDF.type, RDFS.label, RDF.nil
_CHUNK = 1 << 20
"""Characters of Turtle gathered before each write."""


class _Output(Protocol):
    def write(self, data: bytes, /) -> int: ...


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
    cannot change while the serializer runs. For the same reason, an IRI that starts with
    no bound namespace has no prefixed name, unless one may be generated: rdflib, asked
    anyway, splits it and looks its namespace up twice (most of a data graph's IRIs).
    """

    def __init__(self, store: Graph) -> None:
        super().__init__(store)  # type: ignore[no-untyped-call]
        self._pnames: dict[tuple[Node, bool], str | None] = {}
        self._namespaces = tuple(str(namespace) for _, namespace in store.namespaces())

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        key = (uri, gen_prefix)
        try:
            return self._pnames[key]
        except KeyError:
            pname: str | None = None
            if gen_prefix or str(uri).startswith(self._namespaces):
                pname = super().get_pname(uri, gen_prefix)  # type: ignore[no-untyped-call]
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
    output = io.BytesIO()
    write_turtle(graph, output, prefixes=prefixes)
    return output.getvalue()


def write_turtle(graph: Graph, output: _Output, *, prefixes: Mapping[str, str]) -> None:
    """`turtle`, written into `output` a part at a time."""
    index = by_subject(graph)
    survey = _Survey.of(graph, index)
    out = _bound(prefixes, survey.predicates)
    if survey.blank:
        output.write(_serialized(graph, out))
    else:
        _FlatTurtle(_SortedLongTurtle(out), survey).write(graph, output, index)


def _bound(prefixes: Mapping[str, str], predicates: Iterable[Node]) -> Graph:
    """An empty graph with `prefixes` bound, then a generated one for each other predicate."""
    out = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in sorted(prefixes.items()):
        out.bind(prefix, namespace)
    # Every prefix is bound here, in IRI order, before writing (see _SortedLongTurtle).
    for predicate in sorted(p for p in predicates if isinstance(p, URIRef)):
        try:
            out.namespace_manager.compute_qname(predicate, generate=True)
        except ValueError:
            continue  # no namespace to split off: written as a full IRI
    return out


def _serialized(graph: Graph, out: Graph) -> bytes:
    """`graph` written by rdflib's serializer, through `out` (from `_bound`)."""
    for triple in graph:
        out.add(triple)
    stream = io.BytesIO()
    _SortedLongTurtle(out).serialize(stream)
    return stream.getvalue().strip() + b"\n"


class _Survey:
    """What writing needs to know of a graph beforehand, in one pass over its triples."""

    def __init__(self) -> None:
        self.subjects: set[Node] = set()
        self.predicates: set[Node] = set()
        self.iris: set[URIRef] = set()
        """IRI objects."""
        self.datatypes: set[URIRef] = set()
        self.blank = False

    @classmethod
    def of(cls, graph: Graph, index: Index | None = None) -> _Survey:
        survey = cls()
        subjects, predicates, iris = survey.subjects, survey.predicates, survey.iris
        datatypes = survey.datatypes
        for s, p, o in triples(graph, index):
            subjects.add(s)
            predicates.add(p)
            if isinstance(o, Literal):
                if o.datatype:
                    datatypes.add(o.datatype)
            elif isinstance(o, URIRef):
                iris.add(o)
            else:
                survey.blank = True
        survey.blank = survey.blank or any(isinstance(s, BNode) for s in subjects)
        return survey


class _FlatTurtle:
    """Writes a graph without blank nodes as `_SortedLongTurtle` would, term by term.

    rdflib's serializer, for such a graph, writes a header of the prefixes its terms use
    (each subject, predicate but ``rdf:type``, IRI object and literal datatype is looked
    up once beforehand), then each subject in IRI order::

        <blank line>
        subject
            a class1 ; (or "a" and an indented object list, as below)
            predicate
                object1 ,
                object2 ;
        .

    with ``rdf:type`` then ``rdfs:label`` first, then the predicates in IRI order; it
    then strips the text and ends it with one newline.
    """

    def __init__(self, serializer: _SortedLongTurtle, survey: _Survey) -> None:
        self.serializer = serializer
        self.survey = survey
        self.labels: dict[Node, str] = {}
        self.verbs: dict[Node, str] = {}

    def write(self, graph: Graph, output: _Output, index: Index | None = None) -> None:
        get_pname, survey = self.serializer.get_pname, self.survey
        for s in survey.subjects:
            get_pname(s, False)
        for p in survey.predicates:
            if p != _TYPE:
                get_pname(p, True)
        for node in (*survey.iris, *survey.datatypes):
            get_pname(node, False)
        namespaces = sorted(self.serializer.namespaces.items())
        parts = [f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in namespaces]
        size, first = 0, not namespaces  # rdflib strips the text: no blank line first
        for subject in sorted(survey.subjects, key=str):
            if size > _CHUNK:  # before a block: the last one is stripped below
                output.write(_encoded(parts))
                parts, size = [], 0
            if index is None:
                properties: dict[Node, list[Node]] = {}
                for p, o in graph.predicate_objects(subject):
                    properties.setdefault(p, []).append(o)
            else:
                properties = {p: list(objects) for p, objects in index[subject].items()}
            block = self._statement(subject, properties)
            parts.append(block[1:] if first else block)
            first = False
            size += len(block)
        output.write(_encoded(parts).rstrip() + b"\n")

    def _statement(self, subject: Node, properties: dict[Node, list[Node]]) -> str:
        head = [p for p in (_TYPE, _LABEL) if p in properties]
        order = head + sorted(properties.keys() - head, key=str)
        lines = [f"\n{self._iri(subject, False)}\n    "]
        for n, predicate in enumerate(order):
            if n:
                lines.append(" ;\n    ")
            lines.append(self._verb(predicate))
            objects = properties[predicate]
            if len(objects) == 1:
                lines.append(" " + self._object(objects[0]))
            else:
                objects.sort(key=_node_key)
                lines.append("\n        " + " ,\n        ".join(map(self._object, objects)))
        lines.append(" ;\n.\n")
        return "".join(lines)

    def _verb(self, predicate: Node) -> str:
        """``a`` for ``rdf:type``, else the predicate's prefixed name or IRI."""
        verb = self.verbs.get(predicate)
        if verb is None:
            verb = self.verbs[predicate] = "a" if predicate == _TYPE else self._iri(predicate, True)
        return verb

    def _iri(self, node: Node, verb: bool) -> str:
        if node == _NIL:
            return "()"
        return self.serializer.get_pname(node, verb) or node.n3()

    def _object(self, node: Node) -> str:
        if isinstance(node, Literal):
            get_pname = self.serializer.get_pname
            return node._literal_n3(use_plain=True, qname_callback=lambda dt: get_pname(dt, False))
        label = self.labels.get(node)
        if label is None:
            label = self.labels[node] = self._iri(node, False)
        return label


def _encoded(parts: list[str]) -> bytes:
    return "".join(parts).encode("utf-8", "replace")
