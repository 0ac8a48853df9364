"""to_jsonld: short keys where they are safe, and always the same graph when read back."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from portefeuille_ld.namespaces import DCTERMS, PF, PREFIXES, RDF, XSD
from portefeuille_ld.pipeline import dumps as dumps_module, jsonld
from portefeuille_ld.pipeline.dumps import SortedTriples
from portefeuille_ld.pipeline.jsonld import dumps, to_jsonld, write_jsonld, write_jsonld_lines

GOLDEN = Path(__file__).parents[1] / "golden"

S = URIRef("https://w3id.org/portefeuille-qc/id/projet/a")
T = URIRef("https://w3id.org/portefeuille-qc/id/projet/b")
OTHER_TITLE = URIRef("http://example.org/autre#title")


def graph_of(*triples: tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def read_back(graph: Graph) -> tuple[Graph, Graph]:
    """The JSON-LD of `graph` read by rdflib and by pyoxigraph (through N-Triples)."""
    data = dumps(to_jsonld(graph, prefixes=PREFIXES).document)
    with warnings.catch_warnings():
        # rdflib 7.6's JSON-LD parser builds a ConjunctiveGraph, which it deprecates
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        by_rdflib = Graph().parse(data=data, format="json-ld")
    triples = [q.triple for q in ox.parse(data, ox.RdfFormat.JSON_LD)]
    text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
    return by_rdflib, Graph().parse(data=text, format="nt")


CASES = [
    pytest.param(graph_of((S, DCTERMS.title, Literal("Élan", lang="fr"))), id="one-language"),
    pytest.param(
        graph_of(
            (S, DCTERMS.title, Literal("Élan", lang="fr")),
            (S, DCTERMS.title, Literal("Momentum", lang="en")),
            (S, DCTERMS.title, Literal("Essor", lang="fr")),
        ),
        id="language-map-with-two-values-in-one-language",
    ),
    pytest.param(
        graph_of(
            (S, PF.position, Literal("3", datatype=XSD.positiveInteger)),
            (T, PF.position, Literal("007", datatype=XSD.positiveInteger)),
            (T, PF.completionYear, Literal("2024", datatype=XSD.gYear)),
        ),
        id="numbers-and-non-canonical-lexical-forms",
    ),
    pytest.param(
        graph_of((S, DCTERMS.isPartOf, BNode("b1")), (BNode("b1"), DCTERMS.title, Literal("x"))),
        id="blank-node",
    ),
    pytest.param(
        graph_of((S, DCTERMS.title, Literal("a")), (S, OTHER_TITLE, Literal("b"))),
        id="two-titles",
    ),
    pytest.param(
        graph_of((S, PF.status, PF.Active), (S, PF.status, URIRef("urn:isbn:123"))),
        id="iri-values",
    ),
]


@pytest.mark.parametrize("graph", CASES)
def test_reads_back_as_the_same_graph(graph: Graph) -> None:
    by_rdflib, by_oxigraph = read_back(graph)
    assert isomorphic(by_rdflib, graph)
    assert isomorphic(by_oxigraph, graph)


def test_shared_local_names_keep_their_prefix() -> None:
    graph = graph_of((S, DCTERMS.title, Literal("a")), (S, OTHER_TITLE, Literal("b")))
    node = to_jsonld(graph, prefixes=PREFIXES).document["@graph"]
    assert node == [{"id": str(S), "dcterms:title": "a", str(OTHER_TITLE): "b"}]


def test_a_typed_string_is_a_plain_string() -> None:
    graph = graph_of(
        (S, DCTERMS.title, Literal("a")), (S, DCTERMS.title, Literal("a", datatype=XSD.string))
    )
    assert to_jsonld(graph, prefixes=PREFIXES).document["@graph"] == [{"id": str(S), "title": "a"}]


def test_only_used_prefixes_are_declared() -> None:
    jsonld = to_jsonld(graph_of((S, RDF.type, PF.Project)), prefixes=PREFIXES)
    assert jsonld.context == {
        "Project": "pf:Project",
        "id": "@id",
        "pf": PREFIXES["pf"],
        "type": "@type",
    }


@pytest.mark.parametrize(
    "graph",
    [
        pytest.param(Graph().parse(GOLDEN / "portefeuille.nt"), id="golden-data"),
        pytest.param(Graph(), id="empty"),
    ],
)
def test_written_a_node_at_a_time_as_at_once(graph: Graph) -> None:
    output = io.BytesIO()
    context = write_jsonld(graph, output, prefixes=PREFIXES)
    jsonld = to_jsonld(graph, prefixes=PREFIXES)
    assert output.getvalue() == dumps(jsonld.document)
    assert context == jsonld.context


AWKWARD = graph_of(
    # <a-2>, <a/b> and <a.b> sort before <a> as N-Triples lines, after it as IRIs
    (URIRef(f"{S}-2"), DCTERMS.title, Literal("deux", lang="fr")),
    (URIRef(f"{S}/b"), DCTERMS.title, Literal("b")),
    (URIRef(f"{S}.b"), DCTERMS.title, Literal("b", datatype=XSD.string)),
    (S, DCTERMS.title, Literal("Élan\n« deux »", lang="fr")),
    (S, DCTERMS.title, Literal("Momentum", lang="en")),
    (S, RDF.type, PF.Project),
    (S, RDF.type, PF.Initiative),
    (S, PF.position, Literal("3", datatype=XSD.positiveInteger)),
    (T, PF.position, Literal("9007199254740993", datatype=XSD.integer)),
    (T, PF.completionYear, Literal("2024", datatype=XSD.gYear)),
    (T, PF.completionYear, Literal("2024")),
    (T, DCTERMS.isPartOf, BNode("b2")),
    (BNode("b2"), DCTERMS.isPartOf, S),
    (BNode("b10"), PF.status, PF.Active),
    (T, PF.status, Literal("actif", lang="fr")),
    (T, OTHER_TITLE, Literal("true", datatype=XSD.boolean)),
)


ESCAPED = graph_of(
    # what N-Triples escapes, and text that looks like the end of a literal
    (S, DCTERMS.title, Literal('a "quoted" \\ backslash \\n not a newline', lang="fr")),
    (S, DCTERMS.description, Literal("tab\t cr\r bs\b ff\f ctl\x01\x7f ls\u2028 😀 é")),
    (S, OTHER_TITLE, Literal('ends like "@en', datatype=XSD.token)),
    (T, OTHER_TITLE, Literal('"^^<http://e.org/dt> "', datatype=XSD.token)),
    (T, DCTERMS.title, Literal("\\u00e9 is not é", lang="en-ca")),  # pyoxigraph lowercases tags
)


@pytest.mark.parametrize(
    "graph",
    [
        *CASES,
        pytest.param(AWKWARD, id="awkward"),
        pytest.param(ESCAPED, id="escaped"),
        pytest.param(Graph().parse(GOLDEN / "portefeuille.nt"), id="golden-data"),
        pytest.param(Graph(), id="empty"),
    ],
)
def test_written_from_the_lines_as_from_the_graph(graph: Graph) -> None:
    """The build writes the dump from the sorted lines, in another process."""
    output = io.BytesIO()
    context = write_jsonld_lines(SortedTriples.of_graph(graph), output, prefixes=PREFIXES)
    jsonld = to_jsonld(graph, prefixes=PREFIXES)
    assert output.getvalue().decode() == dumps(jsonld.document).decode()
    assert context == jsonld.context


@pytest.mark.parametrize(
    "graph",
    [
        pytest.param(AWKWARD, id="awkward"),
        pytest.param(ESCAPED, id="escaped"),
        pytest.param(Graph().parse(GOLDEN / "portefeuille.nt"), id="golden-data"),
    ],
)
@pytest.mark.parametrize("batch", [1, 2, 3, 65_536])
def test_the_lines_are_surveyed_as_the_nodes_they_make(
    monkeypatch: pytest.MonkeyPatch, graph: Graph, batch: int
) -> None:
    """`_Survey.of_lines` reads each line's text, not terms: the same survey, whatever the
    lines per chunk (a node's lines over several chunks), the same dump."""
    monkeypatch.setattr(dumps_module, "_BATCH", batch)
    lines = SortedTriples.of_graph(graph)
    subjects: list[jsonld.Value] = []
    fast = jsonld._Survey.of_lines(lines, PREFIXES, subjects)
    slow = jsonld._Survey.of(jsonld._line_nodes(lines), PREFIXES)
    assert fast is not None
    assert (fast.usage, fast.classes, fast.multi_typed) == (
        slow.usage,
        slow.classes,
        slow.multi_typed,
    )
    assert fast.short.used == slow.short.used
    assert subjects == [subject for subject, _ in jsonld._line_nodes(lines)]
    output = io.BytesIO()
    write_jsonld_lines(lines, output, prefixes=PREFIXES)
    assert output.getvalue() == dumps(to_jsonld(graph, prefixes=PREFIXES).document)


def test_a_type_that_is_not_an_iri_is_refused_from_the_lines_too() -> None:
    graph = graph_of((S, RDF.type, Literal("Project")), (T, RDF.type, PF.Project))
    lines = SortedTriples.of_graph(graph)
    assert jsonld._Survey.of_lines(lines, PREFIXES, []) is None
    with pytest.raises(ValueError, match="has an rdf:type that is not an IRI: 'Project'"):
        write_jsonld_lines(lines, io.BytesIO(), prefixes=PREFIXES)


def test_the_awkward_graph_reads_back() -> None:
    expected = Graph()
    for s, p, o in AWKWARD:  # "b"^^xsd:string is "b" (RDF 1.1), which rdflib tells apart
        expected.add((s, p, Literal(str(o)) if o == Literal("b", datatype=XSD.string) else o))
    by_rdflib, by_oxigraph = read_back(AWKWARD)
    assert isomorphic(by_rdflib, expected)
    assert isomorphic(by_oxigraph, expected)


def test_a_compactor_that_forgets_writes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large graph's IRIs are not all remembered: forgetting them changes no byte."""
    graph = Graph().parse(GOLDEN / "portefeuille.nt")
    expected = dumps(to_jsonld(graph, prefixes=PREFIXES).document)
    monkeypatch.setattr(jsonld, "_KNOWN", 3)
    output = io.BytesIO()
    write_jsonld_lines(SortedTriples.of_graph(graph), output, prefixes=PREFIXES)
    assert output.getvalue() == expected


NAMESPACES = {
    "e": "https://e.org/",
    "o": "https://e.org/o#",
    "id": "https://e.org/id/",
    "u": "urn:x:",
}


def _longest_namespace(iri: str) -> str:
    """What `_Compactor` answers, by its definition: the longest namespace the IRI starts with."""
    matches = [(len(ns), p) for p, ns in NAMESPACES.items() if iri.startswith(ns)]
    if not matches:
        return iri
    length, prefix = max(matches)
    rest = iri[length:]
    return iri if not rest or rest.startswith("//") else f"{prefix}:{rest}"


@pytest.mark.parametrize(
    "iri",
    [
        "https://e.org/o#Project",
        "https://e.org/o#a/b",
        "https://e.org/o#",
        "https://e.org/",
        "https://e.org//twice",
        "https://e.org/id/2025/p-1",
        "https://e.org/idle",
        "https://e.org/o",
        "https://f.org/o#x",
        "urn:x:y:z",
        "urn:xy",
        "mailto:a@e.org",
        "no-delimiter",
    ],
)
def test_a_compactor_shortens_by_the_longest_namespace(iri: str) -> None:
    short = jsonld._Compactor(NAMESPACES)
    assert short(iri) == _longest_namespace(iri)
    assert short(iri) == _longest_namespace(iri)  # from what it remembers


def test_a_compactor_needs_namespaces_ending_with_a_delimiter() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        jsonld._Compactor({"e": "https://e.org/o"})
