"""What we publish, compared with the reviewed golden files.

`pytest --update-golden` rewrites them; the diff is the review.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from portefeuille_ld.pipeline.build import BuildResult

GOLDEN = Path(__file__).parent / "golden"


def _check_bytes(name: str, actual: bytes, update: bool) -> None:
    golden = GOLDEN / name
    if update:
        golden.write_bytes(actual)
        return
    expected = golden.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(),
            actual.decode().splitlines(),
            f"golden/{name}",
            "built",
            lineterm="",
            n=0,
        )
        pytest.fail("\n".join(list(diff)[:60]))


@pytest.mark.parametrize("name", ["portefeuille.nt", "manifest.json"])
def test_published_bytes_equal_golden(built: BuildResult, update_golden: bool, name: str) -> None:
    _check_bytes(name, (built.release / name).read_bytes(), update_golden)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("portefeuille.ttl", "turtle"),
        ("portefeuille.jsonld", "json-ld"),
        ("portefeuille.rdf", "xml"),
    ],
)
def test_other_formats_are_isomorphic_to_golden(built: BuildResult, name: str, fmt: str) -> None:
    golden = Graph().parse(GOLDEN / "portefeuille.nt", format="nt")
    actual = Graph().parse(built.release / name, format=fmt)
    _, only_golden, only_built = graph_diff(to_isomorphic(golden), to_isomorphic(actual))
    assert not only_golden and not only_built, (
        f"only in golden: {sorted(only_golden)[:5]}; only in {name}: {sorted(only_built)[:5]}"
    )


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("portefeuille.ttl", "TURTLE"),
        ("portefeuille.nt", "N_TRIPLES"),
        ("portefeuille.jsonld", "JSON_LD"),
        ("portefeuille.rdf", "RDF_XML"),
    ],
)
def test_pyoxigraph_reads_each_dump_as_the_golden_graph(
    built: BuildResult, name: str, fmt: str
) -> None:
    import pyoxigraph as ox

    def triples(path: Path, rdf_format: ox.RdfFormat) -> set[str]:
        return {str(t) for t in ox.parse(path=str(path), format=rdf_format)}

    expected = triples(GOLDEN / "portefeuille.nt", ox.RdfFormat.N_TRIPLES)
    assert triples(built.release / name, getattr(ox.RdfFormat, fmt)) == expected


def test_nquads_and_trig_hold_the_same_named_graphs(built: BuildResult) -> None:
    import pyoxigraph as ox

    def quads(name: str, rdf_format: ox.RdfFormat) -> list[ox.Quad]:
        return list(ox.parse(path=str(built.release / name), format=rdf_format))

    nquads = quads("portefeuille.nq", ox.RdfFormat.N_QUADS)
    trig = quads("portefeuille.trig", ox.RdfFormat.TRIG)
    assert {str(q) for q in nquads} == {str(q) for q in trig}
    graphs = {str(q.graph_name) for q in nquads}
    assert graphs == {
        "<https://w3id.org/portefeuille-qc/graphe/2025-2026>",
        "<https://w3id.org/portefeuille-qc/graphe/ontologie>",
        "<https://w3id.org/portefeuille-qc/graphe/formes>",
    }
