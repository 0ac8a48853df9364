"""PF lists exactly the terms the ontology defines."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from portefeuille_ld.namespaces import ONTOLOGY_IRI, PF, RDFS as RDFS_NS

ONTOLOGY = Path(__file__).parents[1] / "ontology" / "portefeuille.ttl"


def _ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def test_pf_terms_equal_the_ontology_terms() -> None:
    graph = _ontology()
    namespace = str(PF._NS)
    defined = {str(s) for s in graph.subjects() if str(s).startswith(namespace)}
    declared = {namespace + name for name in PF.__annotations__}
    assert defined == declared, (
        f"only in ontology: {sorted(defined - declared)}; only in PF: {sorted(declared - defined)}"
    )


def test_every_term_has_french_and_english_labels_and_definitions() -> None:
    graph = _ontology()
    skos_definition = URIRef("http://www.w3.org/2004/02/skos/core#definition")
    for name in PF.__annotations__:
        term = PF[name]
        for prop in (RDFS_NS.label, skos_definition):
            langs = {getattr(o, "language", None) for o in graph.objects(term, prop)}
            assert {"fr", "en"} <= langs, f"{name} lacks {prop} in fr and en: {langs}"


def test_misspelt_term_raises() -> None:
    try:
        PF.Projet  # noqa: B018
    except AttributeError:
        return
    raise AssertionError("PF.Projet should not exist")


def test_ontology_is_versioned() -> None:
    graph = _ontology()
    owl = "http://www.w3.org/2002/07/owl#"
    assert graph.value(ONTOLOGY_IRI, URIRef(owl + "versionIRI")) is not None
    assert graph.value(ONTOLOGY_IRI, URIRef(owl + "versionInfo")) is not None
