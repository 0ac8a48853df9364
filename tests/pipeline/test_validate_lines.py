"""`Validator.validate(data, lines=...)`: the Oxigraph copy loaded from the dumps' lines gives
the report the copy converted from rdflib's terms gives, on every shape fixture; with
``copy=``, that copy is the caller's to query after."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from portefeuille_ld.pipeline.dumps import SortedTriples, to_oxigraph
from portefeuille_ld.pipeline.sparql_engines import PlainMemory
from portefeuille_ld.pipeline.validate import Validator, render

REPO = Path(__file__).parents[2]
FIXTURES = REPO / "tests" / "shapes"
CASES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*/*.ttl"))


@pytest.fixture(scope="module")
def validator() -> Validator:
    shapes = Graph().parse(REPO / "shapes" / "portefeuille.shacl.ttl", format="turtle")
    ontology = Graph().parse(REPO / "ontology" / "portefeuille.ttl", format="turtle")
    return Validator(shapes=shapes, ontology=ontology)


def test_there_are_valid_and_invalid_cases() -> None:
    assert any(c.startswith("valid/") for c in CASES)
    assert any(c.startswith("invalid/") for c in CASES)


@pytest.mark.parametrize("case", CASES)
def test_report_is_the_same_with_the_lines(validator: Validator, case: str) -> None:
    source = Graph().parse(FIXTURES / case, format="turtle")
    data = Graph(store=PlainMemory())  # as the build holds an edition
    for triple in source:
        data.add(triple)
    expected = validator.validate(data)
    report = validator.validate(data, lines=SortedTriples.of_graph(data))
    assert report.results == expected.results, render(report)
    assert isomorphic(report.graph, expected.graph)
    assert set(data) == set(source)


def test_lines_with_blank_nodes_are_not_loaded(validator: Validator) -> None:
    """A store renames blank nodes: the copy is then converted, and still finds them."""
    (case,) = [c for c in CASES if "blank_node" in c]
    data = Graph().parse(FIXTURES / case, format="turtle")
    lines = SortedTriples.of_graph(data)
    assert lines.vocabulary().blank_nodes
    report = validator.validate(data, lines=lines)
    assert report.results == validator.validate(data).results
    assert report.results


def test_the_copy_given_is_kept_with_the_data_and_the_ontology(validator: Validator) -> None:
    """The build reads the home page's data from the validation's copy (`copy=`)."""
    case = next(c for c in CASES if c.startswith("valid/"))
    data = Graph(store=PlainMemory())
    for triple in Graph().parse(FIXTURES / case, format="turtle"):
        data.add(triple)
    lines = SortedTriples.of_graph(data)
    copy = ox.Store()
    report = validator.validate(data, lines=lines, copy=copy)
    assert report.results == validator.validate(data).results
    held = {quad.triple for quad in copy}
    assert set(lines.triples()) <= held
    ontology = {ox.Triple(*map(to_oxigraph, triple)) for triple in validator.ontology}
    assert held == set(lines.triples()) | ontology
    assert all(quad.graph_name == ox.DefaultGraph() for quad in copy)


def test_a_copy_is_refused_where_none_is_made() -> None:
    rdflib_engine = Validator(shapes=Graph(), ontology=Graph(), sparql="rdflib")
    with pytest.raises(ValueError, match="Oxigraph engine"):
        rdflib_engine.validate(Graph(), copy=ox.Store())
    inferring = Validator(shapes=Graph(), ontology=Graph(), inference="rdfs")
    with pytest.raises(ValueError, match="without inference"):
        inferring.validate(Graph(), copy=ox.Store())
