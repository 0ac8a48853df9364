"""`screening`: each shape's candidates give the report pyshacl gives checking every focus node."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from portefeuille_ld.namespaces import SH
from portefeuille_ld.pipeline.screening import Index, Screens
from portefeuille_ld.pipeline.shapes_plan import hoisted
from portefeuille_ld.pipeline.validate import Validator, render

REPO = Path(__file__).parents[2]

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

SHAPES = (
    PREFIXES
    + """
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:nodeKind sh:IRI ;
    sh:closed true ;
    sh:ignoredProperties ( rdf:type ) ;
    sh:property ex:Thing-label , ex:Thing-count , ex:Thing-date , ex:Thing-year , ex:Thing-code ,
        ex:Thing-kind , ex:Thing-part , ex:Thing-mirror , ex:Thing-parent , ex:Thing-type ,
        ex:Thing-note .

ex:Thing-label sh:path rdfs:label ; sh:minCount 2 ; sh:datatype rdf:langString ;
    sh:languageIn ( "fr" "en" ) ; sh:uniqueLang true .
ex:Thing-count sh:path ex:count ; sh:maxCount 1 ; sh:datatype xsd:integer ; sh:minInclusive 1 .
ex:Thing-date sh:path ex:date ; sh:datatype xsd:date .
ex:Thing-year sh:path ex:year ; sh:datatype xsd:gYear .
ex:Thing-code sh:path ex:code ; sh:datatype xsd:string ; sh:pattern "^[a-z]+$" .
ex:Thing-kind sh:path ex:kind ; sh:in ( ex:A ex:B ) .
ex:Thing-part sh:path ex:part ; sh:nodeKind sh:IRI ; sh:class ex:Part .
ex:Thing-mirror sh:path ex:mirror ; sh:equals ex:part .
ex:Thing-parent sh:path [ sh:inversePath ex:has ] ; sh:maxCount 1 .
ex:Thing-type sh:path rdf:type ; sh:hasValue ex:Marked .
ex:Thing-note sh:path ex:note ; sh:pattern "^x" ; sh:flags "i" .
"""
)

GOOD = """
ex:{n} a ex:Thing , ex:Marked ; rdfs:label "a"@fr , "a"@en ; ex:count 2 ;
    ex:date "2025-03-01"^^xsd:date ; ex:year "2025"^^xsd:gYear ; ex:code "abc" ; ex:kind ex:A ;
    ex:part ex:p{n} ; ex:mirror ex:p{n} ; ex:note "X" .
ex:p{n} a ex:SmallPart .
ex:SmallPart rdfs:subClassOf ex:Part .
ex:root ex:has ex:{n} .
"""

DEFECTS = """
ex:d1 a ex:Thing ; rdfs:label "a"@FR , "b"@fr , "c"@en-GB .
ex:d2 a ex:Thing ; ex:count 0 , "01"^^xsd:integer , "x"^^xsd:integer ;
    ex:date "2025-02-30"^^xsd:date .
ex:d3 a ex:Thing ; ex:date "2025-03-31T00:00:00"^^xsd:dateTime ; ex:year "12"^^xsd:gYear ;
    ex:code "ABC" , "abc"^^xsd:string , "abc"@fr , ex:abc .
ex:d4 a ex:Thing ; ex:kind ex:C , "ex:A" ; ex:part "p" , _:b , ex:nothing .
ex:d5 a ex:Thing ; ex:mirror "p" ; ex:part ex:p1 ; ex:other 1 .
ex:d6 a ex:Thing ; ex:mirror "p"^^xsd:string ; ex:part "p" .
ex:other ex:has ex:d1 . ex:root ex:has ex:d1 , ex:d6 .
_:blank a ex:Thing .
"""


def _graph(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def _reports(shapes: Graph, data: Graph) -> tuple[str, str]:
    validator = Validator(shapes=shapes, ontology=Graph())
    screened = render(validator.validate(data))
    validator._screens = Screens(Graph())  # screens no shape: pyshacl checks every node
    return render(validator.validate(data)), screened


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(GOOD.format(n="g1"), id="conforming"),
        pytest.param(GOOD.format(n="g1") + DEFECTS, id="defects"),
        pytest.param(GOOD.format(n="g1") + GOOD.format(n="g2") + DEFECTS, id="two-good"),
    ],
)
def test_screened_shapes_give_the_same_report(data: str) -> None:
    plain, screened = _reports(_graph(SHAPES), _graph(data))
    assert screened == plain


def test_only_the_shapes_it_can_read_are_screened() -> None:
    screens = Screens(hoisted(_graph(SHAPES)))
    screened = {str(s).removeprefix("http://example.org/") for s in screens.shapes}
    assert "Thing-label" in screened
    assert "Thing-note" not in screened  # sh:flags
    assert "ThingShape" in screened


def test_every_published_shape_with_core_targets_is_screened() -> None:
    shapes = Validator(
        shapes=Graph().parse(REPO / "shapes/portefeuille.shacl.ttl", format="turtle"),
        ontology=Graph(),
    )._evaluated
    targeted = {s for s in shapes.subjects(SH.targetClass)}
    assert targeted
    assert set(Screens(shapes).shapes) == targeted


def test_a_focus_node_without_defect_is_no_target() -> None:
    shapes = hoisted(_graph(SHAPES))
    index = Index()
    for triple in _graph(GOOD.format(n="g1") + DEFECTS):
        index.add(triple)
    applied = Screens(shapes).apply(shapes, index)
    label = URIRef("http://example.org/Thing-label")
    targets = {
        str(t).removeprefix("http://example.org/") for t in applied.objects(label, SH.targetNode)
    }
    assert {"d2", "d3", "d4", "d5", "d6"} <= targets  # no label: sh:minCount 2
    assert "g1" not in targets
    assert (label, SH.targetClass, None) not in applied


def test_nothing_is_screened_when_rules_may_change_the_data() -> None:
    shapes = _graph(SHAPES + "ex:ThingShape sh:rule [ a sh:TripleRule ] .")
    assert Screens(hoisted(shapes)).shapes == []


def test_inference_is_validated_without_screening() -> None:
    data = _graph("ex:flag rdfs:domain ex:Thing . ex:s ex:flag 1 .")  # ex:s a ex:Thing, inferred
    report = Validator(shapes=_graph(SHAPES), ontology=Graph(), inference="rdfs").validate(data)
    assert any(str(r.focus_node) == "http://example.org/s" for r in report.results)
