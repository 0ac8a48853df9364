"""The line dumps: pyoxigraph's own lines, sorted as bytes, whatever the literals hold."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef

from portefeuille_ld.pipeline import dumps

S = ox.NamedNode("https://e.org/id/s")
P = ox.NamedNode("https://e.org/p")
G1, G2 = "https://e.org/graphe/1", "https://e.org/graphe/2"

AWKWARD = [
    pytest.param("ligne\u2028séparée", id="line-separator"),
    pytest.param("para\u2029graphe", id="paragraph-separator"),
    pytest.param("next\x85line", id="nel"),
    pytest.param("a\r\nb\nc\rd", id="newlines"),
    pytest.param('guillemets " et \\ barre', id="quote-backslash"),
    pytest.param("tab\tvt\x0bff\x0cfs\x1cdel\x7fnul\x00", id="controls"),
    pytest.param("émoji 🙂 et 中文", id="non-ascii"),
    pytest.param("", id="empty"),
    pytest.param("fin .\nsuite .", id="line-end-inside"),
]


def _triples(text: str) -> list[ox.Triple]:
    return [
        ox.Triple(S, P, ox.Literal(text)),
        ox.Triple(S, P, ox.Literal(text, language="fr")),
        ox.Triple(S, P, ox.Literal("z")),
        ox.Triple(ox.NamedNode("https://e.org/id/a"), P, ox.Literal(text + "!")),
    ]


@pytest.mark.parametrize("text", AWKWARD)
def test_ntriples_are_pyoxigraphs_lines_sorted_as_bytes(text: str) -> None:
    written = ox.serialize(_triples(text), format=ox.RdfFormat.N_TRIPLES) or b""
    expected = sorted(set(written.split(b"\n")) - {b""})
    assert dumps.ntriples(_triples(text)) == b"".join(line + b"\n" for line in expected)


@pytest.mark.parametrize("text", AWKWARD)
def test_ntriples_read_back_as_the_same_triples(text: str) -> None:
    data = dumps.ntriples(_triples(text) * 2)
    assert sorted(map(str, ox.parse(data, ox.RdfFormat.N_TRIPLES))) == sorted(
        str(ox.Quad(t.subject, t.predicate, t.object)) for t in _triples(text)
    )


@pytest.mark.parametrize("text", AWKWARD)
def test_nquads_are_pyoxigraphs_lines_sorted_as_bytes(text: str) -> None:
    one, two = _triples(text), _triples(text + "2")
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in one]
    quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G2)) for t in two]
    written = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    expected = sorted(set(written.split(b"\n")) - {b""})
    named = [(G2, dumps.SortedTriples.of(two)), (G1, dumps.SortedTriples.of(one))]
    assert dumps.nquads(named) == b"".join(line + b"\n" for line in expected)


@pytest.mark.parametrize("text", AWKWARD)
def test_trig_reads_back_as_the_same_quads(text: str) -> None:
    one, two = _triples(text), _triples(text + "2")
    named = [(G1, dumps.SortedTriples.of(one)), (G2, dumps.SortedTriples.of(two))]
    expected = {str(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1))) for t in one}
    expected |= {str(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G2))) for t in two}
    written = dumps.trig(named, prefixes={"e": "https://e.org/"})
    assert set(map(str, ox.parse(written, ox.RdfFormat.TRIG))) == expected


@pytest.mark.parametrize("text", [p for p in AWKWARD if p.id not in ("controls", "nel")])
def test_rdf_xml_reads_back_as_the_same_triples(text: str) -> None:
    """XML 1.0 has no way to write most control characters: those are left out."""
    written = dumps.rdf_xml(dumps.SortedTriples.of(_triples(text)), prefixes={})
    assert set(map(str, ox.parse(written, ox.RdfFormat.RDF_XML))) == {
        str(ox.Quad(t.subject, t.predicate, t.object)) for t in _triples(text)
    }


@pytest.mark.parametrize("text", AWKWARD)
def test_lines_of_an_rdflib_graph_are_those_pyoxigraph_writes(text: str) -> None:
    graph = Graph()
    s, p = URIRef("https://e.org/id/s"), URIRef("https://e.org/p")
    integer = URIRef("http://www.w3.org/2001/XMLSchema#integer")
    for o in (
        Literal(text),
        Literal(text, lang="fr"),
        Literal(text, datatype=URIRef("https://e.org/type")),
        Literal("12", datatype=integer),
        BNode("o"),
        URIRef("https://e.org/id/é"),
    ):
        graph.add((s, p, o))
        graph.add((BNode("s"), p, o))
    triples = [ox.Triple(*map(dumps.to_oxigraph, triple)) for triple in graph]  # type: ignore[misc]
    assert dumps.SortedTriples.of_graph(graph).ntriples() == dumps.ntriples(triples)


def test_union_of_sorted_triples_is_sorted_without_duplicates() -> None:
    a = dumps.SortedTriples.of(_triples("a"))
    b = dumps.SortedTriples.of(_triples("b") + _triples("a"))
    union = dumps.SortedTriples.union([a, b])
    assert list(union.lines()) == sorted(set(a.lines()) | set(b.lines()))


def test_empty_graphs_give_empty_dumps() -> None:
    empty = dumps.SortedTriples.of([])
    assert empty.ntriples() == b""
    assert dumps.nquads([(G1, empty)]) == b""


def test_vocabulary_seen_while_converting_is_the_one_parsed_back() -> None:
    graph = Graph().parse(Path(__file__).parents[1] / "golden" / "portefeuille.nt")
    graph.add((BNode("b"), URIRef("https://e.org/p"), Literal("x", lang="fr")))
    graph.add((URIRef("https://e.org/s"), URIRef("https://e.org/q"), Literal("plain")))
    graph.add((URIRef("https://e.org/s"), URIRef("https://e.org/q"), BNode("o")))
    graph.add((URIRef("https://e.org/s"), URIRef("https://e.org/q"), Literal("_:x")))
    part = dumps.SortedTriples.of_graph(graph)
    assert part.known is not None
    assert part.known == dumps.Vocabulary.of(part.triples())
    assert part.known.blank_nodes == {"b", "o"}
    union = dumps.SortedTriples.union([part, dumps.SortedTriples.of_graph(Graph())])
    assert union.vocabulary() == dumps.Vocabulary.of(union.triples())
