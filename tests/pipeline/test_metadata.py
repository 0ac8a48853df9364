"""describe_dataset: the VoID figures equal an independent SPARQL count of the data, every dump
is a distribution with its size and checksum, the SPARQL endpoint is a data service, and the
description meets our DCAT-AP requirements (tests/fixtures/metadata/dcat-requirements.ttl)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import DCAT, DCTERMS, FOAF, PF, RDF, SH, SPDX, VCARD, VOID, XSD
from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.pipeline.dumps import SortedTriples
from portefeuille_ld.pipeline.metadata import (
    CC_BY_4_0,
    DumpFile,
    EditionInfo,
    describe_dataset,
    read_editions,
)
from portefeuille_ld.pipeline.void import compute_statistics, statistics_of_lines

FIXTURES = Path(__file__).parents[1] / "fixtures" / "metadata"
DATA = FIXTURES / "portefeuille.ttl"
REQUIREMENTS = FIXTURES / "dcat-requirements.ttl"
REQ = Namespace("https://w3id.org/portefeuille-qc/tests/dcat-requirements#")
IRIS = Iris("https://w3id.org/portefeuille-qc/")
BUILD_DATE = "2025-10-01"
EU = "http://publications.europa.eu/resource/authority/"
DUMPS = (
    DumpFile("portefeuille.ttl", "text/turtle", 4_096, "0a" * 32),
    DumpFile("portefeuille.nt", "application/n-triples", 9_000, "1b" * 32),
    DumpFile("portefeuille.jsonld", "application/ld+json", 7_777, "2c" * 32),
    DumpFile("portefeuille.rdf", "application/rdf+xml", 8_192, "3d" * 32),
    DumpFile("portefeuille.nq", "application/n-quads", 12_345, "4e" * 32),
    DumpFile("portefeuille.trig", "application/trig", 6_000, "5F" * 32),
)
DUMP_FORMATS = {
    "portefeuille.ttl": ("turtle", "RDF_TURTLE", "text/turtle"),
    "portefeuille.nt": ("n-triples", "RDF_N_TRIPLES", "application/n-triples"),
    "portefeuille.jsonld": ("json-ld", "JSON_LD", "application/ld+json"),
    "portefeuille.rdf": ("rdf-xml", "RDF_XML", "application/rdf+xml"),
    "portefeuille.nq": ("n-quads", "RDF_N_QUADS", "application/n-quads"),
    "portefeuille.trig": ("trig", "RDF_TRIG", "application/trig"),
}


def _data() -> Graph:
    return Graph().parse(DATA, format="turtle")


def _describe(iris: Iris = IRIS, **changes: object) -> Graph:
    data = _data()
    inputs: dict[str, object] = {
        "iris": iris,
        "files": DUMPS,
        "statistics": compute_statistics(data, uri_space=iris.base + "id/"),
        "editions": read_editions(data),
        "build_date": BUILD_DATE,
    }
    inputs.update(changes)
    return describe_dataset(**inputs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def metadata() -> Graph:
    """The description of the fixture, written as Turtle and parsed back."""
    turtle = _describe().serialize(format="longturtle", canon=True)
    return Graph().parse(data=turtle, format="turtle")


def _count(store: ox.Store, query: str) -> int:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return int(next(iter(solutions))["n"].value)


def _store() -> ox.Store:
    store = ox.Store()
    store.load(path=str(DATA), format=ox.RdfFormat.TURTLE)
    return store


ID = IRIS.base + "id/"
COUNT_QUERIES = [
    pytest.param(VOID.triples, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", id="triples"),
    pytest.param(
        VOID.entities,
        f'SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}")) }}',
        id="entities",
    ),
    pytest.param(VOID.classes, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }", id="classes"),
    pytest.param(
        VOID.properties, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }", id="properties"
    ),
    pytest.param(
        VOID.distinctSubjects, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }", id="subjects"
    ),
    pytest.param(
        VOID.distinctObjects, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }", id="objects"
    ),
]


@pytest.mark.parametrize(("prop", "query"), COUNT_QUERIES)
def test_void_figure_equals_a_sparql_count(metadata: Graph, prop: URIRef, query: str) -> None:
    stated = metadata.value(IRIS.dataset(), prop)
    assert isinstance(stated, Literal)
    assert stated.datatype == XSD.integer
    assert stated.toPython() == _count(_store(), query)


def test_entities_leave_out_subjects_outside_the_uri_space(metadata: Graph) -> None:
    entities = metadata.value(IRIS.dataset(), VOID.entities)
    subjects = metadata.value(IRIS.dataset(), VOID.distinctSubjects)
    assert isinstance(entities, Literal) and isinstance(subjects, Literal)
    assert entities.toPython() == subjects.toPython() - 1  # pf:Active


def _partitions(metadata: Graph, link: URIRef, key: URIRef, count: URIRef) -> dict[str, int]:
    found = {}
    for node in metadata.objects(IRIS.dataset(), link):
        term, value = metadata.value(node, key), metadata.value(node, count)
        assert isinstance(value, Literal)
        found[str(term)] = value.toPython()
    return found


def _grouped(query: str) -> dict[str, int]:
    solutions = _store().query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return {row["t"].value: int(row["n"].value) for row in solutions}


def test_class_partitions_count_distinct_instances(metadata: Graph) -> None:
    stated = _partitions(metadata, VOID.classPartition, VOID["class"], VOID.entities)
    expected = _grouped("SELECT ?t (COUNT(DISTINCT ?s) AS ?n) { ?s a ?t } GROUP BY ?t")
    assert stated == expected
    assert stated[str(PF.Project)] == 2


def test_property_partitions_count_triples(metadata: Graph) -> None:
    stated = _partitions(metadata, VOID.propertyPartition, VOID.property, VOID.triples)
    assert stated == _grouped("SELECT ?t (COUNT(*) AS ?n) { ?s ?t ?o } GROUP BY ?t")


def test_partition_iris_are_readable_prefixed_names(metadata: Graph) -> None:
    project = IRIS.class_partition("pf-project")
    has_entry = IRIS.property_partition("pf-has-entry")
    assert metadata.value(project, VOID["class"]) == PF.Project
    assert metadata.value(has_entry, VOID.property) == PF.hasEntry


def test_void_lists_dumps_endpoint_examples_and_vocabularies(metadata: Graph) -> None:
    d = IRIS.dataset()
    assert set(metadata.objects(d, VOID.dataDump)) == {IRIS.dump(f.name) for f in DUMPS}
    assert metadata.value(d, VOID.sparqlEndpoint) == URIRef(IRIS.base + "sparql")
    assert set(metadata.objects(d, VOID.exampleResource)) == {
        IRIS.edition("2024-2025"),
        IRIS.initiative("lexius"),
        IRIS.initiative("dossier"),
        IRIS.organization("mcn"),
    }
    vocabularies = set(metadata.objects(d, VOID.vocabulary))
    assert {URIRef(str(PF._NS)), URIRef(str(DCTERMS)), URIRef(str(RDF))} <= vocabularies
    assert metadata.value(d, VOID.uriSpace) == Literal(IRIS.base + "id/")


@pytest.mark.parametrize("dump", DUMPS, ids=lambda f: f.name)
def test_every_dump_is_a_distribution_with_size_and_checksum(
    metadata: Graph, dump: DumpFile
) -> None:
    key, file_type, media_type = DUMP_FORMATS[dump.name]
    node = IRIS.distribution(key)
    assert (IRIS.dataset(), DCAT.distribution, node) in metadata
    assert (node, RDF.type, DCAT.Distribution) in metadata
    url = URIRef(f"{IRIS.base}dumps/{dump.name}")
    assert metadata.value(node, DCAT.downloadURL) == url
    assert metadata.value(node, DCAT.accessURL) == url
    assert metadata.value(node, DCTERMS["format"]) == URIRef(EU + "file-type/" + file_type)
    iana = URIRef("https://www.iana.org/assignments/media-types/" + media_type)
    assert metadata.value(node, DCAT.mediaType) == iana
    assert metadata.value(node, DCAT.byteSize) == Literal(
        dump.size, datatype=XSD.nonNegativeInteger
    )
    checksum = metadata.value(node, SPDX.checksum)
    assert checksum == URIRef(str(node) + "/sha256")
    assert metadata.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    value = metadata.value(checksum, SPDX.checksumValue)
    assert value == Literal(dump.sha256.lower(), datatype=XSD.hexBinary)
    assert metadata.value(node, DCTERMS.license) == URIRef(CC_BY_4_0)


def test_sparql_endpoint_is_a_data_service(metadata: Graph) -> None:
    service, endpoint = IRIS.data_service("sparql"), URIRef(IRIS.base + "sparql")
    assert (service, RDF.type, DCAT.DataService) in metadata
    assert metadata.value(service, DCAT.endpointURL) == endpoint
    assert metadata.value(service, DCAT.servesDataset) == IRIS.dataset()
    protocol = URIRef("https://www.w3.org/TR/sparql11-protocol/")
    assert metadata.value(service, DCTERMS.conformsTo) == protocol
    assert metadata.value(service, DCTERMS.license) == URIRef(CC_BY_4_0)
    distribution = IRIS.distribution("sparql")
    assert (IRIS.dataset(), DCAT.distribution, distribution) in metadata
    assert metadata.value(distribution, DCAT.accessService) == service
    assert metadata.value(distribution, DCAT.accessURL) == endpoint
    assert (IRIS.catalog(), DCAT.service, service) in metadata


def test_licence_languages_and_publisher(metadata: Graph) -> None:
    d, mcn = IRIS.dataset(), IRIS.organization("mcn")
    assert metadata.value(d, DCTERMS.license) == URIRef(CC_BY_4_0)
    languages = set(metadata.objects(d, DCTERMS.language))
    assert languages == {URIRef(EU + "language/FRA"), URIRef(EU + "language/ENG")}
    assert metadata.value(d, DCTERMS.publisher) == mcn
    assert (mcn, RDF.type, FOAF.Agent) in metadata
    names = {(n.language, str(n)) for n in metadata.objects(mcn, FOAF.name)}
    assert ("fr", "Ministère de la Cybersécurité et du Numérique") in names
    titles = {n.language for n in metadata.objects(d, DCTERMS.title)}
    assert titles == {"fr", "en"}


def test_contact_point_points_to_the_source_page_without_an_invented_email(
    metadata: Graph,
) -> None:
    contact = metadata.value(IRIS.dataset(), DCAT.contactPoint)
    assert contact == IRIS.contact_point()
    assert (contact, RDF.type, VCARD.Organization) in metadata
    page = URIRef("https://www.quebec.ca/portefeuille-2025-2026")  # the latest edition's
    assert metadata.value(contact, VCARD.hasURL) == page
    assert metadata.value(contact, VCARD.hasEmail) is None


def test_temporal_coverage_is_each_fiscal_year(metadata: Graph) -> None:
    periods = {
        (str(metadata.value(p, DCAT.startDate)), str(metadata.value(p, DCAT.endDate)))
        for p in metadata.objects(IRIS.dataset(), DCTERMS.temporal)
    }
    assert periods == {("2024-04-01", "2025-03-31"), ("2025-04-01", "2026-03-31")}
    period = IRIS.fiscal_period("2025-2026")
    assert metadata.value(period, DCAT.startDate) == Literal("2025-04-01", datatype=XSD.date)


def test_issued_is_the_first_edition_and_modified_the_build(metadata: Graph) -> None:
    d = IRIS.dataset()
    assert metadata.value(d, DCTERMS.issued) == Literal("2024-06-20", datatype=XSD.date)
    assert metadata.value(d, DCTERMS.modified) == Literal(BUILD_DATE, datatype=XSD.date)


def test_each_edition_graph_is_a_void_subset(metadata: Graph) -> None:
    subsets = set(metadata.objects(IRIS.dataset(), VOID.subset))
    assert subsets == {IRIS.edition_graph("2024-2025"), IRIS.edition_graph("2025-2026")}
    subset = IRIS.edition_graph("2025-2026")
    assert metadata.value(subset, FOAF.primaryTopic) == IRIS.edition("2025-2026")
    assert metadata.value(subset, DCTERMS.modified) == Literal("2025-09-12", datatype=XSD.date)


def test_subset_states_its_triples_when_given() -> None:
    editions = [dataclasses.replace(e, triples=40) for e in read_editions(_data())]
    graph = _describe(editions=editions)
    assert graph.value(IRIS.edition_graph("2025-2026"), VOID.triples) == Literal(40)


def test_no_blank_node(metadata: Graph) -> None:
    blank = [t for t in metadata if any(isinstance(term, BNode) for term in t)]
    assert blank == []


def test_every_iri_follows_the_base() -> None:
    local = Iris("http://127.0.0.1:8000/")
    graph = _describe(iris=local)
    assert graph.value(local.dataset(), VOID.sparqlEndpoint) == URIRef(local.base + "sparql")
    canonical = {s for s in graph.subjects() if str(s).startswith("https://w3id.org/")}
    # The ontology keeps its IRI; the publisher's comes from the data, minted under its base.
    assert canonical == {
        URIRef("https://w3id.org/portefeuille-qc/ontologie"),
        IRIS.organization("mcn"),
    }


def test_same_inputs_give_the_same_graph() -> None:
    first = sorted(_describe().serialize(format="nt").splitlines())
    assert first == sorted(_describe().serialize(format="nt").splitlines())


def test_read_editions_reads_the_facts_from_the_data() -> None:
    editions = read_editions(_data())
    assert [e.edition for e in editions] == ["2024-2025", "2025-2026"]
    latest = editions[-1]
    assert latest.modified == "2025-09-12"
    assert latest.source_url == "https://www.quebec.ca/portefeuille-2025-2026"
    assert latest.licence == CC_BY_4_0
    assert latest.publisher.iri == str(IRIS.organization("mcn"))
    assert latest.publisher.name_en == "Ministry of Cybersecurity and Digital Technology"


def test_read_editions_names_a_missing_fact() -> None:
    data = _data()
    data.remove((IRIS.edition("2025-2026"), DCTERMS.modified, None))
    with pytest.raises(ValueError, match=r"2025-2026 has no http://purl.org/dc/terms/modified"):
        read_editions(data)


def _other_licence() -> list[EditionInfo]:
    first, second = read_editions(_data())
    return [first, dataclasses.replace(second, licence="https://example.org/licence")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"editions": []}, "no edition", id="no-edition"),
        pytest.param({"build_date": "12/09/2025"}, "build_date is '12/09/2025'", id="date"),
        pytest.param(
            {"files": [DumpFile("manifest.json", "application/json", 1, "00" * 32)]},
            "manifest.json: application/json is not an RDF dump format",
            id="not-a-dump",
        ),
        pytest.param(
            {"files": [*DUMPS, DumpFile("ontologie.ttl", "text/turtle", 1, "00" * 32)]},
            "two dumps in Turtle: ontologie.ttl and portefeuille.ttl",
            id="two-turtle-files",
        ),
        pytest.param({"editions": _other_licence()}, "different licences", id="licences"),
    ],
)
def test_bad_input_raises_value_error(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _describe(**changes)


def test_edition_key_must_be_a_fiscal_year() -> None:
    edition = dataclasses.replace(read_editions(_data())[0], edition="2025")
    with pytest.raises(ValueError, match="'2025' is not a fiscal year"):
        _describe(editions=[edition])


# Our own DCAT-AP requirements, in SHACL: the description meets them, and each defect below
# (exactly one per case) breaks the property shape named beside it.


def _violations(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    shapes = Graph().parse(REQUIREMENTS, format="turtle")
    _, report, _ = validate(graph, shacl_graph=shapes)
    assert isinstance(report, Graph)
    return {
        (report.value(r, SH.sourceShape), report.value(r, SH.resultPath))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }


def test_description_meets_our_dcat_requirements() -> None:
    assert _violations(_describe()) == set()


def _without(s: URIRef, p: URIRef) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, None))


def _replace(s: URIRef, p: URIRef, o: Literal | URIRef) -> Callable[[Graph], None]:
    return lambda g: g.set((s, p, o))


TURTLE = IRIS.distribution("turtle")
DEFECTS = [
    pytest.param(
        _without(TURTLE, DCTERMS.license), REQ["Distribution-license"], DCTERMS.license,
        id="01_distribution_without_licence",
    ),
    pytest.param(
        _replace(TURTLE, DCAT.byteSize, Literal(4096)), REQ["Distribution-byteSize"],
        DCAT.byteSize, id="02_byte_size_not_non_negative_integer",
    ),
    pytest.param(
        _replace(IRIS.checksum("turtle"), SPDX.algorithm, SPDX.checksumAlgorithm_md5),
        REQ["Checksum-algorithm"], SPDX.algorithm, id="03_checksum_not_sha256",
    ),
    pytest.param(
        _without(IRIS.dataset(), DCAT.contactPoint), REQ["Dataset-contactPoint"],
        DCAT.contactPoint, id="04_dataset_without_contact_point",
    ),
    pytest.param(
        _without(IRIS.data_service("sparql"), DCAT.endpointURL), REQ["DataService-endpointURL"],
        DCAT.endpointURL, id="05_service_without_endpoint",
    ),
    pytest.param(
        _without(IRIS.fiscal_period("2025-2026"), DCAT.endDate), REQ["PeriodOfTime-end"],
        DCAT.endDate, id="06_period_without_end",
    ),
    pytest.param(
        _without(IRIS.organization("mcn"), FOAF.name), REQ["Agent-name"], FOAF.name,
        id="07_publisher_without_name",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("defect", "shape", "path"), DEFECTS)
def test_each_defect_breaks_its_requirement(
    defect: Callable[[Graph], None], shape: URIRef, path: URIRef
) -> None:
    graph = _describe()
    defect(graph)
    assert _violations(graph) == {(shape, path)}


# ---------------------------------------------------------------- statistics from lines


def _awkward() -> Graph:
    """Terms that equal others but for a detail: language, datatype, blank nodes, a literal
    as a class, subjects outside the URI space, a string with spaces and '> ', an IRI that
    another one starts."""
    ex = Namespace("https://w3id.org/portefeuille-qc/id/")
    other = Namespace("http://example.org/ns#")
    graph = Graph()
    blank = BNode("b1")
    for triple in [
        (ex.a, RDF.type, other.C),
        (ex.b, RDF.type, other.C),
        (ex.a, RDF.type, other.D),
        (ex["a-2"], RDF.type, other.D),  # before ex:a as N-Triples text, after it as an IRI
        (other.z, RDF.type, other.C),
        (ex.a, RDF.type, Literal("not a class")),
        (ex.a, other.p, Literal("x", lang="fr")),
        (ex.a, other.p, Literal("x", lang="en")),
        (ex.a, other.p, Literal("x")),
        (ex.a, other.p, Literal("1", datatype=XSD.integer)),
        (ex.a, other.p, Literal("1", datatype=XSD.decimal)),
        (ex.a, other.q, Literal("a> b <c> . d")),
        (blank, RDF.type, other.C),
        (blank, other.p, ex.a),
        (ex.b, other.p, blank),
    ]:
        graph.add(triple)
    return graph


@pytest.mark.parametrize("uri_space", ["https://w3id.org/portefeuille-qc/id/", ""])
@pytest.mark.parametrize("which", ["fixture", "awkward", "built"])
def test_statistics_of_lines_are_those_of_the_graph(
    which: str, uri_space: str, built: BuildResult
) -> None:
    graphs = {
        "fixture": _data,
        "awkward": _awkward,
        "built": lambda: Graph().parse(built.release / "portefeuille.nt", format="nt"),
    }
    graph = graphs[which]()
    classes = [URIRef("http://example.org/ns#C"), URIRef("http://example.org/ns#D"), PF.Project]
    expected = compute_statistics(graph, uri_space=uri_space, example_classes=classes)
    lines = SortedTriples.of_graph(graph)
    assert statistics_of_lines(lines, uri_space=uri_space, example_classes=classes) == expected
    assert expected.triples == len(graph) > 0
