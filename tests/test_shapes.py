"""The SHACL shapes (shapes/portefeuille.shacl.ttl), tested from fixtures and on the real data.

- every ``tests/shapes/valid/<Shape>/*.ttl`` conforms, with no result at all;
- every ``tests/shapes/invalid/<Shape>/NN_<defect>.ttl`` is a valid fixture with one defect, and
  gives exactly the one result `INVALID` expects (shape or SPARQL constraint, path, severity);
- guards: no fixture outside the table, no empty list, every shape and constraint exercised;
- every edition of ``data/`` conforms, and the shapes cover every class and property it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import DCTERMS, OWL, PF, RDF, RDFS, SH
from portefeuille_ld.pipeline.editions import edition_dirs, read_edition
from portefeuille_ld.pipeline.mapping import map_portfolio
from portefeuille_ld.pipeline.validate import ValidationReport, Validator, render

REPO = Path(__file__).parents[1]
FIXTURES = Path(__file__).parent / "shapes"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"


class Expect(NamedTuple):
    """The one result an invalid fixture gives."""

    file: str
    source: str
    """The reporting shape (sh:sourceShape), or its SPARQL constraint (sh:sourceConstraint)."""
    path: str | None
    """``sh:resultPath`` as `ValidationResult.path` writes it; None for a node-level result."""
    severity: str = "Violation"


INVALID_CASES: tuple[Expect, ...] = (
    # PortfolioEditionShape
    Expect(
        "PortfolioEditionShape/01_unknown_property.ttl",
        "pf:PortfolioEditionShape",
        "dcterms:subject",
    ),
    Expect(
        "PortfolioEditionShape/02_not_typed_prov_entity.ttl", "pf:PortfolioEdition-type", "rdf:type"
    ),
    Expect("PortfolioEditionShape/03_no_english_label.ttl", "pf:Labelled-label", "rdfs:label"),
    Expect(
        "PortfolioEditionShape/04_two_french_pref_labels.ttl",
        "pf:Labelled-prefLabel",
        "skos:prefLabel",
    ),
    Expect("PortfolioEditionShape/05_title_in_german.ttl", "pf:Titled-title", "dcterms:title"),
    Expect(
        "PortfolioEditionShape/06_description_in_english.ttl",
        "pf:Verbatim-description",
        "dcterms:description",
    ),
    Expect(
        "PortfolioEditionShape/07_fiscal_year_not_yyyy_yyyy.ttl",
        "pf:PortfolioEdition-fiscalYear",
        "pf:fiscalYear",
    ),
    Expect(
        "PortfolioEditionShape/08_modified_not_a_date.ttl",
        "pf:Published-modified",
        "dcterms:modified",
    ),
    Expect(
        "PortfolioEditionShape/09_stated_count_as_decimal.ttl",
        "pf:PortfolioEdition-statedProjectCount",
        "pf:statedProjectCount",
    ),
    Expect(
        "PortfolioEditionShape/10_no_publisher.ttl", "pf:Published-publisher", "dcterms:publisher"
    ),
    Expect(
        "PortfolioEditionShape/11_licence_not_http.ttl", "pf:Published-license", "dcterms:license"
    ),
    Expect(
        "PortfolioEditionShape/12_no_dcterms_source.ttl",
        "pf:PortfolioEdition-source",
        "dcterms:source",
    ),
    Expect(
        "PortfolioEditionShape/13_legal_basis_not_a_legal_reference.ttl",
        "pf:PortfolioEdition-legalBasis",
        "pf:legalBasis",
    ),
    Expect(
        "PortfolioEditionShape/14_no_dcterms_references.ttl",
        "pf:Grounded-references",
        "dcterms:references",
    ),
    Expect(
        "PortfolioEditionShape/15_composition_not_a_composition.ttl",
        "pf:PortfolioEdition-composition",
        "pf:composition",
    ),
    Expect(
        "PortfolioEditionShape/16_entry_not_an_entry.ttl",
        "pf:PortfolioEdition-hasEntry",
        "pf:hasEntry",
    ),
    Expect(
        "PortfolioEditionShape/17_stated_total_counts_completed_project.ttl",
        "pf:EditionProjectCountConstraint",
        "pf:statedProjectCount",
    ),
    # SourceDocumentShape
    Expect(
        "SourceDocumentShape/01_unknown_property.ttl", "pf:SourceDocumentShape", "skos:prefLabel"
    ),
    Expect(
        "SourceDocumentShape/02_not_typed_foaf_document.ttl", "pf:SourceDocument-type", "rdf:type"
    ),
    Expect(
        "SourceDocumentShape/03_title_in_english.ttl", "pf:SourceDocument-title", "dcterms:title"
    ),
    Expect("SourceDocumentShape/04_two_labels.ttl", "pf:SourceDocument-label", "rdfs:label"),
    Expect("SourceDocumentShape/05_page_over_http.ttl", "pf:SourceDocument-page", "foaf:page"),
    Expect(
        "SourceDocumentShape/06_language_not_loc_iri.ttl",
        "pf:SourceDocument-language",
        "dcterms:language",
    ),
    Expect(
        "SourceDocumentShape/07_modified_as_datetime.ttl",
        "pf:Published-modified",
        "dcterms:modified",
    ),
    # AxisCompositionShape
    Expect(
        "AxisCompositionShape/01_unknown_property.ttl", "pf:AxisCompositionShape", "pf:position"
    ),
    Expect(
        "AxisCompositionShape/02_edition_not_an_edition.ttl",
        "pf:AxisComposition-edition",
        "pf:edition",
    ),
    Expect(
        "AxisCompositionShape/03_not_listed_by_its_edition.ttl",
        "pf:AxisComposition-listedBy",
        "^pf:composition",
    ),
    Expect("AxisCompositionShape/04_axis_not_an_axis.ttl", "pf:AxisComposition-axis", "pf:axis"),
    Expect(
        "AxisCompositionShape/05_standalone_count_as_decimal.ttl",
        "pf:AxisComposition-statedStandaloneProjectCount",
        "pf:statedStandaloneProjectCount",
    ),
    Expect(
        "AxisCompositionShape/06_no_programme_count.ttl",
        "pf:AxisComposition-statedProgrammeCount",
        "pf:statedProgrammeCount",
    ),
    Expect(
        "AxisCompositionShape/07_grouped_count_as_int.ttl",
        "pf:AxisComposition-statedGroupedProjectCount",
        "pf:statedGroupedProjectCount",
    ),
    Expect(
        "AxisCompositionShape/08_footnote_not_a_footnote.ttl",
        "pf:AxisComposition-footnote",
        "pf:footnote",
    ),
    Expect(
        "AxisCompositionShape/09_standalone_count_counts_completed_project.ttl",
        "pf:StandaloneProjectCountConstraint",
        "pf:statedStandaloneProjectCount",
    ),
    Expect(
        "AxisCompositionShape/10_standalone_count_on_empty_table.ttl",
        "pf:StandaloneProjectCountConstraint",
        "pf:statedStandaloneProjectCount",
    ),
    Expect(
        "AxisCompositionShape/11_programme_count_wrong.ttl",
        "pf:ProgrammeCountConstraint",
        "pf:statedProgrammeCount",
    ),
    Expect(
        "AxisCompositionShape/12_grouped_count_counts_completed_project.ttl",
        "pf:GroupedProjectCountConstraint",
        "pf:statedGroupedProjectCount",
    ),
    Expect(
        "AxisCompositionShape/13_no_english_pref_label.ttl",
        "pf:Labelled-prefLabel",
        "skos:prefLabel",
    ),
    # FootnoteShape
    Expect("FootnoteShape/01_unknown_property.ttl", "pf:FootnoteShape", "rdfs:comment"),
    Expect(
        "FootnoteShape/02_note_number_as_decimal.ttl", "pf:Footnote-noteNumber", "pf:noteNumber"
    ),
    Expect(
        "FootnoteShape/03_text_in_english.ttl", "pf:Verbatim-description", "dcterms:description"
    ),
    Expect("FootnoteShape/04_edition_not_an_edition.ttl", "pf:Footnote-edition", "pf:edition"),
    Expect(
        "FootnoteShape/05_no_provenance.ttl", "pf:Derived-wasDerivedFrom", "prov:wasDerivedFrom"
    ),
    # PortfolioEntryShape
    Expect(
        "PortfolioEntryShape/01_unknown_property.ttl", "pf:PortfolioEntryShape", "dcterms:title"
    ),
    Expect(
        "PortfolioEntryShape/02_edition_not_an_edition.ttl",
        "pf:PortfolioEntry-edition",
        "pf:edition",
    ),
    Expect(
        "PortfolioEntryShape/03_not_listed_by_its_edition.ttl",
        "pf:PortfolioEntry-listedBy",
        "^pf:hasEntry",
    ),
    Expect(
        "PortfolioEntryShape/04_initiative_untyped.ttl",
        "pf:PortfolioEntry-initiative",
        "pf:initiative",
    ),
    Expect("PortfolioEntryShape/05_axis_not_an_axis.ttl", "pf:PortfolioEntry-axis", "pf:axis"),
    Expect("PortfolioEntryShape/06_no_position.ttl", "pf:PortfolioEntry-position", "pf:position"),
    Expect(
        "PortfolioEntryShape/07_status_not_a_status.ttl", "pf:PortfolioEntry-status", "pf:status"
    ),
    Expect(
        "PortfolioEntryShape/08_change_not_a_change.ttl", "pf:PortfolioEntry-change", "pf:change"
    ),
    Expect(
        "PortfolioEntryShape/09_footnote_not_a_footnote.ttl",
        "pf:PortfolioEntry-footnote",
        "pf:footnote",
    ),
    Expect(
        "PortfolioEntryShape/10_stated_count_as_decimal.ttl",
        "pf:PortfolioEntry-statedProjectCount",
        "pf:statedProjectCount",
    ),
    Expect(
        "PortfolioEntryShape/11_derived_from_edition.ttl",
        "pf:Derived-wasDerivedFrom",
        "prov:wasDerivedFrom",
    ),
    Expect(
        "PortfolioEntryShape/12_programme_count_counts_deployment.ttl",
        "pf:ProgrammeProjectCountConstraint",
        "pf:statedProjectCount",
    ),
    Expect(
        "PortfolioEntryShape/13_project_count_on_a_project.ttl",
        "pf:ProgrammeProjectCountConstraint",
        "pf:statedProjectCount",
    ),
    Expect(
        "PortfolioEntryShape/14_completed_without_year.ttl",
        "pf:CompletedEntryConstraint",
        "pf:status",
    ),
    Expect(
        "PortfolioEntryShape/15_component_in_another_table.ttl",
        "pf:ComponentEntryConstraint",
        "pf:initiative",
    ),
    Expect(
        "PortfolioEntryShape/16_renamed_without_former_name.ttl",
        "pf:RenamedEntryConstraint",
        "pf:change",
        "Warning",
    ),
    Expect(
        "PortfolioEntryShape/17_merged_without_count.ttl",
        "pf:MergedEntryConstraint",
        "pf:change",
        "Warning",
    ),
    Expect("PortfolioEntryShape/18_two_french_labels.ttl", "pf:Labelled-label", "rdfs:label"),
    Expect(
        "PortfolioEntryShape/19_programme_count_counts_unlisted_project.ttl",
        "pf:ProgrammeProjectCountConstraint",
        "pf:statedProjectCount",
    ),
    # OrganizationShape
    Expect("OrganizationShape/01_unknown_property.ttl", "pf:OrganizationShape", "foaf:homepage"),
    Expect("OrganizationShape/02_no_english_label.ttl", "pf:Labelled-label", "rdfs:label"),
    Expect(
        "OrganizationShape/03_two_french_pref_labels.ttl", "pf:Labelled-prefLabel", "skos:prefLabel"
    ),
    Expect(
        "OrganizationShape/04_two_acronyms.ttl", "pf:Organization-identifier", "dcterms:identifier"
    ),
    Expect("OrganizationShape/05_no_alt_label.ttl", "pf:Organization-altLabel", "skos:altLabel"),
    # LegalReferenceShape
    Expect(
        "LegalReferenceShape/01_unknown_property.ttl", "pf:LegalReferenceShape", "dcterms:subject"
    ),
    Expect("LegalReferenceShape/02_not_typed_eli.ttl", "pf:LegalReference-type", "rdf:type"),
    Expect("LegalReferenceShape/03_title_in_german.ttl", "pf:Titled-title", "dcterms:title"),
    Expect(
        "LegalReferenceShape/04_no_identifier.ttl",
        "pf:LegalReference-identifier",
        "dcterms:identifier",
    ),
    Expect("LegalReferenceShape/05_no_id_local.ttl", "pf:LegalReference-idLocal", "eli:id_local"),
    Expect(
        "LegalReferenceShape/06_address_not_legisquebec.ttl",
        "pf:LegalReference-seeAlso",
        "rdfs:seeAlso",
    ),
    Expect("LegalReferenceShape/07_no_page.ttl", "pf:LegalReference-page", "foaf:page"),
    Expect(
        "LegalReferenceShape/08_amendment_as_date.ttl",
        "pf:LegalReference-relevantAmendment",
        "pf:relevantAmendment",
    ),
    Expect(
        "LegalReferenceShape/09_date_as_text.ttl",
        "pf:LegalReference-dateDocument",
        "eli:date_document",
    ),
    Expect("LegalReferenceShape/10_no_dcterms_date.ttl", "pf:LegalReference-date", "dcterms:date"),
    Expect(
        "LegalReferenceShape/11_issuer_not_an_organization.ttl",
        "pf:LegalReference-creator",
        "dcterms:creator",
    ),
    # DecisionShape
    Expect("DecisionShape/01_unknown_property.ttl", "pf:DecisionShape", "dcterms:description"),
    Expect("DecisionShape/02_not_typed_prov_entity.ttl", "pf:Decision-type", "rdf:type"),
    Expect("DecisionShape/03_title_in_english.ttl", "pf:Decision-title", "dcterms:title"),
    Expect(
        "DecisionShape/04_maker_not_an_organization.ttl",
        "pf:Decision-decisionMaker",
        "pf:decisionMaker",
    ),
    Expect(
        "DecisionShape/05_no_attribution.ttl", "pf:Decision-wasAttributedTo", "prov:wasAttributedTo"
    ),
    # ProjectShape
    Expect("ProjectShape/01_unknown_property.ttl", "pf:ProjectShape", "pf:fiscalYear"),
    Expect("ProjectShape/02_not_typed_prov_activity.ttl", "pf:Initiative-type", "rdf:type"),
    Expect("ProjectShape/03_no_english_title.ttl", "pf:Titled-title", "dcterms:title"),
    Expect("ProjectShape/04_key_not_a_slug.ttl", "pf:Initiative-identifier", "dcterms:identifier"),
    Expect(
        "ProjectShape/05_description_in_english.ttl",
        "pf:Initiative-description",
        "dcterms:description",
    ),
    Expect(
        "ProjectShape/06_carrier_not_an_organization.ttl",
        "pf:Initiative-responsibleOrganization",
        "pf:responsibleOrganization",
    ),
    Expect(
        "ProjectShape/07_no_association.ttl",
        "pf:Initiative-wasAssociatedWith",
        "prov:wasAssociatedWith",
    ),
    Expect(
        "ProjectShape/08_legal_basis_not_a_legal_reference.ttl",
        "pf:Initiative-legalBasis",
        "pf:legalBasis",
    ),
    Expect(
        "ProjectShape/09_no_dcterms_references.ttl", "pf:Grounded-references", "dcterms:references"
    ),
    Expect(
        "ProjectShape/10_former_name_in_english.ttl", "pf:Initiative-formerName", "pf:formerName"
    ),
    Expect("ProjectShape/11_no_hidden_label.ttl", "pf:Initiative-hiddenLabel", "skos:hiddenLabel"),
    Expect(
        "ProjectShape/12_co_carrier_not_an_organization.ttl",
        "pf:Initiative-formerCoCarrier",
        "pf:formerCoCarrier",
    ),
    Expect("ProjectShape/13_decision_not_a_decision.ttl", "pf:Initiative-decision", "pf:decision"),
    Expect(
        "ProjectShape/14_merged_count_below_two.ttl",
        "pf:Project-mergedProjectCount",
        "pf:mergedProjectCount",
    ),
    Expect(
        "ProjectShape/15_project_number_as_decimal.ttl",
        "pf:Project-projectNumber",
        "pf:projectNumber",
    ),
    Expect(
        "ProjectShape/16_completion_year_as_integer.ttl",
        "pf:Initiative-completionYear",
        "pf:completionYear",
    ),
    Expect(
        "ProjectShape/17_programme_untyped.ttl",
        "pf:Initiative-partOfProgramme",
        "pf:partOfProgramme",
    ),
    Expect("ProjectShape/18_no_is_part_of.ttl", "pf:Initiative-isPartOf", "dcterms:isPartOf"),
    Expect(
        "ProjectShape/19_not_listed_by_its_programme.ttl",
        "pf:Initiative-componentOf",
        "^pf:hasComponent",
    ),
    # ProgrammeShape
    Expect("ProgrammeShape/01_unknown_property.ttl", "pf:ProgrammeShape", "pf:projectNumber"),
    Expect(
        "ProgrammeShape/02_component_not_an_initiative.ttl",
        "pf:Programme-hasComponent",
        "pf:hasComponent",
    ),
    Expect(
        "ProgrammeShape/03_has_part_misses_a_component.ttl",
        "pf:Programme-hasPart",
        "dcterms:hasPart",
    ),
    Expect("ProgrammeShape/04_no_english_label.ttl", "pf:Labelled-label", "rdfs:label"),
    # DeploymentShape
    Expect("DeploymentShape/01_unknown_property.ttl", "pf:DeploymentShape", "pf:projectNumber"),
    Expect(
        "DeploymentShape/02_outside_any_programme.ttl",
        "pf:Deployment-partOfProgramme",
        "pf:partOfProgramme",
    ),
    # NoBlankNodeShape
    Expect("NoBlankNodeShape/01_blank_node.ttl", "pf:NoBlankNodeShape", None),
)


def _fixtures(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.ttl"))


def _pf(node: Node | None) -> str:
    """``pf:Local`` for a term of the ontology's namespace (where the shapes live)."""
    return str(node).replace(str(PF._NS), "pf:")


def _found(report: ValidationReport) -> list[tuple[str, str | None, str]]:
    return [
        (_pf(r.source_constraint or r.source_shape), r.path, r.severity_name)
        for r in report.results
    ]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(REPO / "shapes" / "portefeuille.shacl.ttl", format="turtle")


@pytest.fixture(scope="module")
def validator(shapes: Graph) -> Validator:
    ontology = Graph().parse(REPO / "ontology" / "portefeuille.ttl", format="turtle")
    return Validator(shapes=shapes, ontology=ontology)


@pytest.fixture(scope="module")
def real_data() -> Graph:
    """Every edition of data/, mapped as the build maps it, in one graph as it validates them."""
    graph = Graph()
    for directory in edition_dirs(REPO / "data"):
        graph += map_portfolio(read_edition(directory), Iris())
    return graph


# ---------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", _fixtures(VALID))
def test_valid_fixture_conforms(validator: Validator, name: str) -> None:
    report = validator.validate(Graph().parse(VALID / name, format="turtle"))
    assert report.conforms
    assert report.results == (), render(report)


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda case: case.file)
def test_invalid_fixture_gives_exactly_the_expected_result(
    validator: Validator, shapes: Graph, case: Expect
) -> None:
    report = validator.validate(Graph().parse(INVALID / case.file, format="turtle"))
    assert _found(report) == [(case.source, case.path, case.severity)], render(report)
    assert report.conforms is (case.severity != "Violation")
    result = report.results[0]
    assert result.message_fr and result.message_en
    # the published shape, even where Validator evaluates a private one
    assert (result.source_shape, RDF.type, None) in shapes, render(report)
    if result.source_constraint is not None:
        assert (result.source_shape, SH.sparql, result.source_constraint) in shapes
    assert (None, SH.sourceShape, result.source_shape) in report.graph


def test_table_lists_every_invalid_fixture_once() -> None:
    table = [case.file for case in INVALID_CASES]
    assert table, "no invalid case"
    assert len(table) == len(set(table)), "a fixture appears twice in INVALID_CASES"
    on_disk = _fixtures(INVALID)
    assert on_disk, f"no fixture under {INVALID}"
    assert sorted(set(on_disk) - set(table)) == [], "fixtures missing from INVALID_CASES"
    assert sorted(set(table) - set(on_disk)) == [], "INVALID_CASES names missing files"


def test_every_node_shape_has_valid_and_invalid_fixtures(shapes: Graph) -> None:
    node_shapes = sorted(
        _pf(s).removeprefix("pf:") for s in shapes.subjects(RDF.type, SH.NodeShape)
    )
    assert node_shapes
    for root in (VALID, INVALID):
        directories = sorted(p.name for p in root.iterdir() if p.is_dir())
        assert directories == node_shapes, root
        assert all(any((root / d).glob("*.ttl")) for d in directories), f"empty folder in {root}"


def test_every_shape_and_constraint_is_exercised_by_an_invalid_fixture(shapes: Graph) -> None:
    sources = {case.source for case in INVALID_CASES}
    named = {
        _pf(node)
        for kind in (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
        for node in shapes.subjects(RDF.type, kind)
    }
    assert named
    # a shape holding only SPARQL constraints is exercised through them
    through_constraints = {
        _pf(shape)
        for shape, constraint in shapes.subject_objects(SH.sparql)
        if _pf(constraint) in sources
    }
    assert sorted(named - sources - through_constraints) == []
    assert sorted(sources - named) == [], "INVALID_CASES names unknown shapes"


def test_every_shape_and_constraint_speaks_french_and_english(shapes: Graph) -> None:
    documented = [
        node
        for kind in (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
        for node in shapes.subjects(RDF.type, kind)
    ]
    assert documented
    for node in documented:
        for predicate in (RDFS.label, RDFS.comment, SH.message):
            languages = sorted(
                o.language or "" for o in shapes.objects(node, predicate) if isinstance(o, Literal)
            )
            assert languages == ["en", "fr"], f"{_pf(node)} {_pf(predicate)}: {languages}"


def test_every_shape_states_its_severity(shapes: Graph) -> None:
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning), _pf(shape)


def test_shapes_graph_has_a_bilingual_header(shapes: Graph) -> None:
    header = URIRef("https://w3id.org/portefeuille-qc/formes")
    assert (header, RDF.type, OWL.Ontology) in shapes
    titles = sorted(
        t.language or "" for t in shapes.objects(header, DCTERMS.title) if isinstance(t, Literal)
    )
    assert titles == ["en", "fr"]


# ---------------------------------------------------------------- the real data


def test_real_editions_conform(validator: Validator, real_data: Graph) -> None:
    report = validator.validate(real_data)
    assert len(real_data) > 1000
    assert report.violations == (), render(report)


def test_each_class_has_one_shape_named_after_it(shapes: Graph) -> None:
    targets = list(shapes.subject_objects(SH.targetClass))
    assert targets
    classes = [cls for _, cls in targets]
    assert len(classes) == len(set(classes)), "a class is targeted by two shapes"
    for shape, cls in targets:
        local = str(cls).rpartition("#")[2].rpartition("/")[2]
        assert _pf(shape) == f"pf:{local}Shape"


def _co_types(shapes: Graph) -> set[Node]:
    """The standard types a class shape requires beside its class (rdf:type sh:hasValue)."""
    return {
        value
        for prop in shapes.subjects(SH.path, RDF.type)
        for value in shapes.objects(prop, SH.hasValue)
    }


def test_every_class_of_the_data_has_a_shape(shapes: Graph, real_data: Graph) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    co_types = _co_types(shapes)
    used = set(real_data.objects(None, RDF.type))
    assert used
    assert sorted(map(str, used - targeted - co_types)) == []
    for node, cls in real_data.subject_objects(RDF.type):
        if cls in co_types:
            assert set(real_data.objects(node, RDF.type)) & targeted, (
                f"{node} has no class with a shape"
            )


def test_every_property_of_the_data_has_a_path_in_its_class_shape(
    shapes: Graph, real_data: Graph
) -> None:
    missing: dict[str, list[str]] = {}
    for shape, cls in shapes.subject_objects(SH.targetClass):
        paths = {shapes.value(prop, SH.path) for prop in shapes.objects(shape, SH.property)}
        ignored = shapes.value(shape, SH.ignoredProperties)
        if ignored is not None:
            paths |= set(shapes.items(ignored))
        used = {p for node in real_data.subjects(RDF.type, cls) for p in real_data.predicates(node)}
        if used - paths:
            missing[_pf(shape)] = sorted(map(str, used - paths))
    assert missing == {}


def test_every_sparql_constraint_runs_on_candidate_focus_nodes_only(shapes: Graph) -> None:
    # Validator moves each constraint to a private shape whose SPARQL target selects the
    # focus nodes that can violate it; one it cannot read runs on every focus node (10,000
    # queries for 10,000 entries), which this guards against.
    from portefeuille_ld.pipeline.shapes_plan import hoisted, narrowed

    evaluated = hoisted(shapes)
    published = narrowed(evaluated)
    assert sorted(published.values()) == sorted(shapes.subjects(SH.sparql, None))
    assert sorted(evaluated.subjects(SH.sparql, None)) == sorted(published), "one stayed"
