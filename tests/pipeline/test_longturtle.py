"""The Turtle writer for graphs without blank nodes writes what rdflib's serializer writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from portefeuille_ld.namespaces import PREFIXES
from portefeuille_ld.pipeline import longturtle
from portefeuille_ld.pipeline.sparql_engines import PlainMemory

GOLDEN_DATA = Path(__file__).parents[1] / "golden" / "portefeuille.nt"
ONTOLOGY = Path(__file__).parents[2] / "ontology" / "portefeuille.ttl"
E = "https://e.org/o#"


def _rdflib(graph: Graph, prefixes: dict[str, str]) -> bytes:
    """What rdflib's serializer writes (the writer for graphs with blank nodes)."""
    out = longturtle._bound(prefixes, graph.predicates(unique=True))
    return longturtle._serialized(graph, out)


def _awkward() -> Graph:
    g = Graph()
    s, t = URIRef(E + "s"), URIRef("https://e.org/id/t")
    values = [
        Literal("ligne\u2028séparée", lang="fr"),
        Literal('guillemets " et \\ barre'),
        Literal("a\nb\r\nc"),
        Literal('trois """ guillemets\n'),
        Literal("tab\tnul\x00"),
        Literal("5", datatype=XSD.integer),
        Literal("5", datatype=XSD.positiveInteger),
        Literal("5"),
        Literal("-0.50", datatype=XSD.decimal),
        Literal("1e3", datatype=XSD.double),
        Literal("INF", datatype=XSD.double),
        Literal("true", datatype=XSD.boolean),
        Literal("oui", datatype=XSD.boolean),
        Literal("2025-13-45", datatype=XSD.date),
        Literal("2025-01-02", datatype=XSD.date),
        Literal("x", datatype=XSD.string),
        Literal("x", datatype=URIRef("https://other.org/dt")),
        URIRef(E + "o"),
        URIRef("https://e.org/id/ends."),
        URIRef("https://e.org/id/(paren)"),
        URIRef("https://e.org/id/100%"),
        URIRef("https://e.org/id/1abc"),
        RDF.nil,
        t,
    ]
    for n, value in enumerate(values):
        g.add((s, URIRef(f"https://other.org/p{n % 7}"), value))
    g.add((s, RDF.type, URIRef(E + "C")))
    g.add((s, RDF.type, URIRef("https://other.org/D")))
    g.add((t, RDFS.label, Literal("t")))
    g.add((t, URIRef(E + "only"), Literal("un")))
    g.add((URIRef("https://e.org/id/1abc"), RDF.type, RDF.Property))
    return g


@pytest.mark.parametrize(
    ("graph", "prefixes"),
    [
        pytest.param(_awkward(), {"o": E}, id="awkward"),
        pytest.param(_awkward(), {}, id="no-prefix"),
        pytest.param(_awkward(), dict(PREFIXES), id="our-prefixes"),
        pytest.param(Graph(), dict(PREFIXES), id="empty"),
        pytest.param(Graph().parse(GOLDEN_DATA), dict(PREFIXES), id="golden-data"),
        pytest.param(Graph().parse(ONTOLOGY), dict(PREFIXES), id="ontology-without-blank-nodes"),
    ],
)
@pytest.mark.parametrize("store", ["Memory", "PlainMemory"])
def test_flat_writer_writes_what_rdflib_writes(
    graph: Graph, prefixes: dict[str, str], store: str
) -> None:
    """The build's graphs are in `PlainMemory`, whose index the writer reads directly."""
    flat = Graph(store=PlainMemory() if store == "PlainMemory" else "Memory")
    for s, p, o in graph:
        if not isinstance(s, BNode) and not isinstance(o, BNode):
            flat.add((s, p, o))
    assert longturtle.turtle(flat, prefixes=prefixes) == _rdflib(flat, prefixes)


def test_turtle_is_written_in_parts_as_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(longturtle, "_CHUNK", 10)
    parts: list[bytes] = []

    class Output(io.BytesIO):
        def write(self, data: object, /) -> int:
            parts.append(bytes(data))  # type: ignore[call-overload]
            return len(parts[-1])

    longturtle.write_turtle(_awkward(), Output(), prefixes={})
    assert len(parts) > 2
    assert b"".join(parts) == _rdflib(_awkward(), {})


@pytest.mark.parametrize(
    "iri",
    [
        "https://e.org/o#Project",  # in a bound namespace
        "https://e.org/o#",  # a bound namespace itself
        "https://e.org/id/projet/a-1",  # in none: most of the data's subjects
        "https://e.org/o#x/y",  # split after the bound namespace
        "https://e.org/other#z",  # shares the start of one only
        "urn:x:1",
        "https://e.org/o#a%zz",  # a local name rdflib must escape
    ],
)
def test_prefixed_names_are_rdflibs_whatever_is_asked_first(iri: str) -> None:
    """`_SortedLongTurtle` does not ask rdflib for IRIs in no bound namespace: the same
    answers, in either order, as rdflib's serializer itself."""
    prefixes = {"o": "https://e.org/o#", "u": "urn:y:"}
    others = ["https://e.org/o#x/", "https://e.org/id/projet/", "https://e.org/o#Project"]
    answers = []
    for serializer_class in (longturtle._SortedLongTurtle, longturtle.LongTurtleSerializer):
        for asked in ([iri, *others], [*others, iri]):
            graph = Graph(bind_namespaces="none")
            for prefix, namespace in prefixes.items():
                graph.bind(prefix, namespace)
            serializer = serializer_class(graph)
            pnames = {i: serializer.get_pname(URIRef(i), False) for i in asked}
            answers.append(pnames[iri])
    assert len(set(answers)) == 1
