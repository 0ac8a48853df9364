"""`validate`: typed, sorted, bilingual results from pyshacl, and errors that name the shapes."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import SimpleMemory

from portefeuille_ld.errors import SourceError
from portefeuille_ld.namespaces import SH
from portefeuille_ld.pipeline.sparql_engines import PlainMemory
from portefeuille_ld.pipeline.validate import SparqlEngine, Validator, render, validate

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
"""

SHAPES = (
    PREFIXES
    + """
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property ex:Thing-parent , ex:Thing-name .

ex:Thing-parent a sh:PropertyShape ;
    sh:path [ sh:inversePath ex:has ] ;
    sh:minCount 1 ;
    sh:message "Il faut un parent."@fr , "A parent is needed."@en .

ex:Thing-name a sh:PropertyShape ;
    sh:path ex:name ;
    sh:minCount 1 ;
    sh:severity sh:Warning .
"""
)

DATA = (
    PREFIXES
    + """
ex:b a ex:Thing .
ex:a a ex:Thing .
ex:root ex:has ex:a .
"""
)


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_results_are_typed_and_sorted_violations_first() -> None:
    report = validate(_graph(DATA), shapes=_graph(SHAPES), ontology=Graph())
    found = [(r.severity_name, str(r.focus_node), r.path) for r in report.results]
    assert found == [
        ("Violation", "http://example.org/b", "^<http://example.org/has>"),
        ("Warning", "http://example.org/a", "<http://example.org/name>"),
        ("Warning", "http://example.org/b", "<http://example.org/name>"),
    ]
    assert not report.conforms
    assert [r.severity for r in report.violations] == [SH.Violation]
    assert len(report.warnings) == 2
    violation = report.violations[0]
    assert violation.source_shape == URIRef("http://example.org/Thing-parent")
    assert violation.source_constraint_component == SH.MinCountConstraintComponent
    assert (violation.message_fr, violation.message_en) == (
        "Il faut un parent.",
        "A parent is needed.",
    )


def test_warnings_alone_conform() -> None:
    report = validate(
        _graph(DATA + "ex:root ex:has ex:b ."), shapes=_graph(SHAPES), ontology=Graph()
    )
    assert report.conforms
    assert report.violations == ()
    assert len(report.warnings) == 2


def test_a_message_without_language_serves_both() -> None:
    report = validate(_graph(DATA), shapes=_graph(SHAPES), ontology=Graph())
    warning = report.warnings[0]
    assert warning.message_fr == warning.message_en != ""


@pytest.mark.parametrize("sparql", ["oxigraph", "rdflib"])
def test_inputs_are_left_untouched(sparql: SparqlEngine) -> None:
    data, shapes, ontology = (
        _graph(DATA),
        _graph(SHAPES),
        _graph(PREFIXES + "ex:Thing a ex:Class . ex:b a ex:Thing ."),
    )
    before = [(set(g), sorted(g.namespaces())) for g in (data, shapes, ontology)]
    report = Validator(shapes=shapes, ontology=ontology, sparql=sparql).validate(data)
    assert report.violations  # reporting a result must not bind prefixes in `data` either
    assert [(set(g), sorted(g.namespaces())) for g in (data, shapes, ontology)] == before


ONTOLOGY_SHAPES = (
    PREFIXES
    + """
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:kin ; sh:class ex:Thing ] ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "{?n} kin"@en , "{?n} parents"@fr ;
        sh:select \"\"\"
            SELECT $this ?n WHERE {
                {
                    SELECT $this (COUNT(?kin) AS ?n)
                    WHERE { $this <http://example.org/kin> ?kin } GROUP BY $this
                }
                FILTER (?n > 1)
            }
            \"\"\" ] .
"""
)


@pytest.mark.parametrize("sparql", ["oxigraph", "rdflib"])
def test_ontology_axioms_and_pre_bound_this_reach_the_queries(sparql: SparqlEngine) -> None:
    data = _graph(
        PREFIXES + "ex:a a ex:Thing ; ex:kin ex:b , ex:c . ex:b a ex:Part . ex:c a ex:Thing ."
    )
    ontology = _graph(
        PREFIXES
        + "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."
        + "ex:Part rdfs:subClassOf ex:Thing ."
    )
    report = validate(data, shapes=_graph(ONTOLOGY_SHAPES), ontology=ontology, sparql=sparql)
    # ex:b is a ex:Thing through the ontology; only ex:a has two kin (sub-SELECT bound to $this)
    assert [(str(r.focus_node), r.message_en) for r in report.results] == [
        ("http://example.org/a", "2 kin")
    ]


def test_render_shows_focus_path_shape_and_both_messages() -> None:
    text = render(validate(_graph(DATA), shapes=_graph(SHAPES), ontology=Graph()))
    assert text.splitlines()[0] == (
        "Non conforme / Does not conform: 1 violation(s), 2 avertissement(s) / warning(s)."
    )
    assert "[Violation] http://example.org/b" in text
    assert "  chemin / path: ^<http://example.org/has>" in text
    assert "  fr: Il faut un parent." in text
    assert "  en: A parent is needed." in text
    english = render(validate(_graph(DATA), shapes=_graph(SHAPES), ontology=Graph()), lang="en")
    assert "  fr: " not in english


@pytest.mark.parametrize(
    "select",
    [
        pytest.param("SELECT $this WHERE { $this ?p ", id="syntax-error"),
        pytest.param("SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }", id="values-forbidden"),
    ],
)
def test_unusable_sparql_in_shapes_raises_source_error(select: str) -> None:
    shapes = _graph(
        PREFIXES
        + f"""
        ex:ThingShape a sh:NodeShape ;
            sh:targetClass ex:Thing ;
            sh:sparql [ a sh:SPARQLConstraint ; sh:select \"\"\"{select}\"\"\" ] .
        """
    )
    with pytest.raises(SourceError, match="shapes"):
        validate(_graph(DATA), shapes=shapes, ontology=Graph())


@pytest.mark.parametrize("sparql", ["oxigraph", "rdflib"])
def test_a_query_that_does_not_select_this_still_runs(sparql: SparqlEngine) -> None:
    shapes = _graph(
        PREFIXES
        + """
        ex:ThingShape a sh:NodeShape ;
            sh:targetClass ex:Thing ;
            sh:sparql [ a sh:SPARQLConstraint ;
                sh:select "SELECT ?value WHERE { ?value <http://example.org/has> $this }" ] .
        """
    )
    report = validate(_graph(DATA), shapes=shapes, ontology=Graph(), sparql=sparql)
    assert [(str(r.focus_node), str(r.value)) for r in report.results] == [
        ("http://example.org/a", "http://example.org/root")
    ]


NARROWED_SHAPES = (
    PREFIXES
    + """
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:severity sh:Warning ;
    sh:message "Forme."@fr , "Shape."@en ;
    sh:property ex:Thing-kin ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "{?value} n’est pas une chose."@fr , "{?value} is not a thing."@en ;
        sh:select \"\"\"
            SELECT $this ?value WHERE {
                $this <http://example.org/kin> ?value .
                FILTER NOT EXISTS { ?value a <http://example.org/Thing> }
            }
            \"\"\" ] , [
        a sh:SPARQLConstraint ;
        sh:message "Sans parent."@fr , "No kin."@en ;
        sh:select \"\"\"
            SELECT $this WHERE {
                OPTIONAL { $this <http://example.org/kin> ?kin }
                FILTER (!BOUND(?kin))
            }
            \"\"\" ] , [
        a sh:SPARQLConstraint ;
        sh:message "{?value} sans parent."@fr , "{?value} has no kin."@en ;
        sh:select \"\"\"
            SELECT $this ?value WHERE {
                $this <http://example.org/kin> ?value .
                OPTIONAL { ?value <http://example.org/kin> ?kin }
                FILTER (!BOUND(?kin))
            }
            \"\"\" ] .

ex:Thing-kin a sh:PropertyShape ;
    sh:path ex:kin ;
    sh:message "Lien."@fr , "Link."@en ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "Lien vers soi."@fr , "Kin to itself."@en ;
        sh:select "SELECT $this WHERE { $this <http://example.org/kin> $this }" ] .
"""
)


@pytest.mark.parametrize("sparql", ["oxigraph", "rdflib"])
def test_sparql_constraints_report_their_published_shape_whatever_their_focus_nodes(
    sparql: SparqlEngine,
) -> None:
    # Validator runs each constraint on the focus nodes the query itself (with ?this free)
    # or its triple patterns (here, beside OPTIONAL) select, under a private shape; the
    # report names the published one. ex:c gives the result nothing can narrow ($this
    # only inside OPTIONAL), so that constraint must still be asked of every ex:Thing.
    data = _graph(
        PREFIXES
        + "ex:a a ex:Thing ; ex:kin ex:x , ex:a . ex:b a ex:Thing ; ex:kin ex:a . ex:c a ex:Thing ."
    )
    report = validate(data, shapes=_graph(NARROWED_SHAPES), ontology=Graph(), sparql=sparql)
    ex = "http://example.org/"
    found = [
        (
            str(r.focus_node).removeprefix(ex),
            str(r.source_shape).removeprefix(ex),
            r.path,
            None if r.value is None else str(r.value).removeprefix(ex),
            r.severity_name,
            r.message_en,
        )
        for r in report.results
    ]
    assert found == [
        ("a", "Thing-kin", f"<{ex}kin>", None, "Violation", "Kin to itself."),
        ("a", "ThingShape", None, "x", "Warning", f"{ex}x is not a thing."),
        ("a", "ThingShape", None, "x", "Warning", f"{ex}x has no kin."),
        ("c", "ThingShape", None, "c", "Warning", "No kin."),
    ]
    assert [r.message_fr for r in report.results] == [
        "Lien vers soi.",
        f"{ex}x n’est pas une chose.",
        f"{ex}x sans parent.",
        "Sans parent.",
    ]
    assert set(report.graph.objects(None, SH.sourceShape)) == {
        URIRef(f"{ex}ThingShape"),
        URIRef(f"{ex}Thing-kin"),
    }


@pytest.mark.parametrize("sparql", ["oxigraph", "rdflib"])
def test_a_limit_applies_to_each_focus_node_not_to_all(sparql: SparqlEngine) -> None:
    shapes = _graph(
        PREFIXES
        + """
        ex:ThingShape a sh:NodeShape ;
            sh:targetClass ex:Thing ;
            sh:sparql [ a sh:SPARQLConstraint ;
                sh:select "SELECT $this ?value WHERE { $this ex:kin ?value } LIMIT 1" ;
                sh:prefixes ex:Prefixes ] .
        ex:Prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .
        """
    )
    data = _graph(PREFIXES + "ex:a a ex:Thing ; ex:kin ex:x . ex:b a ex:Thing ; ex:kin ex:y .")
    report = validate(data, shapes=shapes, ontology=Graph(), sparql=sparql)
    assert [(str(r.focus_node), str(r.value)) for r in report.results] == [
        ("http://example.org/a", "http://example.org/x"),
        ("http://example.org/b", "http://example.org/y"),
    ]


@pytest.mark.parametrize("sparql", ["oxigraph", "rdflib"])
def test_a_graph_without_contexts_gets_the_report_of_a_dataset_graph(sparql: SparqlEngine) -> None:
    """The build's data graphs are each in a `PlainMemory` store, not named graphs of a
    `Dataset`: pyshacl must accept them, and report the same, leaving them unchanged."""
    shapes, ontology = (
        _graph(ONTOLOGY_SHAPES),
        _graph(
            PREFIXES
            + "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."
            + "ex:Kid rdfs:subClassOf ex:Thing ."
        ),
    )
    source = _graph(
        PREFIXES + "ex:a a ex:Thing ; ex:kin ex:b , ex:c . ex:b a ex:Kid . ex:c a ex:Other ."
    )
    dataset = Dataset()
    in_dataset = dataset.graph(URIRef("http://example.org/graph"))
    plain = Graph(store=PlainMemory(), identifier=URIRef("http://example.org/graph"))
    for triple in source:
        in_dataset.add(triple)
        plain.add(triple)
    validator = Validator(shapes=shapes, ontology=ontology, sparql=sparql)
    expected = validator.validate(in_dataset)
    assert expected.violations
    assert validator.validate(plain).results == expected.results
    assert set(plain) == set(source)


def test_a_graph_without_contexts_counts_its_triples_after_each_change() -> None:
    """`PlainMemory` counts once per change, not at each `len` (pyshacl asks several times)."""
    ex = "http://example.org/"
    s, p, q = URIRef(ex + "s"), URIRef(ex + "p"), URIRef(ex + "q")
    graph = Graph(store=PlainMemory())
    counts = [len(graph)]
    graph.add((s, p, Literal("a")))
    graph.add((s, p, Literal("a")))  # already there
    counts += [len(graph), len(graph)]
    graph += [(s, q, Literal("b")), (URIRef(ex + "t"), p, s)]
    counts.append(len(graph))
    graph.remove((s, None, None))
    counts.append(len(graph))
    graph.set((URIRef(ex + "t"), p, Literal("c")))
    counts.append(len(graph))
    graph.remove((None, None, None))
    counts.append(len(graph))
    assert counts == [0, 1, 1, 3, 1, 1, 0]


def test_whole_triples_added_and_removed_keep_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The validation adds the ontology's triples to the data and removes them after: the
    build's later `len` calls must not count 2.7 million triples again."""
    ex = "http://example.org/"
    s, p = URIRef(ex + "s"), URIRef(ex + "p")
    graph = Graph(store=PlainMemory())
    for n in range(5):
        graph.add((s, p, Literal(n)))
    assert len(graph) == 5  # counted once, as the build does once the data is mapped
    recounts: list[int] = []
    original = SimpleMemory.__len__

    def counting(self: SimpleMemory, context: object = None) -> int:
        recounts.append(1)
        return original(self, context)  # type: ignore[arg-type]

    monkeypatch.setattr(SimpleMemory, "__len__", counting)
    counts = [len(graph)]
    graph.add((s, p, Literal("new")))
    graph.add((s, p, Literal(0)))  # already there
    counts.append(len(graph))
    graph.remove((s, p, Literal("new")))
    graph.remove((s, p, Literal("never added")))
    counts.append(len(graph))
    assert counts == [5, 6, 5]
    assert recounts == []
    graph.remove((s, p, None))  # a pattern: counted again
    assert len(graph) == 0 and recounts == [1]


def test_a_graph_without_contexts_is_emptied_at_once() -> None:
    """The build empties its graphs' stores once the dumps are written (`PlainMemory.clear`),
    rather than leave 2.7 million triples to the cyclic collector."""
    ex = "http://example.org/"
    s, p = URIRef(ex + "s"), URIRef(ex + "p")
    graph = Graph(store=PlainMemory())
    for n in range(5):
        graph.add((s, p, Literal(n)))
    graph.store.clear()
    assert (len(graph), list(graph), list(graph.triples((s, None, None)))) == (0, [], [])
    assert graph.store.by_subject() == {}
    graph.add((s, p, Literal("again")))
    assert len(graph) == 1 and list(graph.objects(s, p)) == [Literal("again")]
    assert graph.store.by_subject() == {s: {p: {Literal("again"): 1}}}
