"""write_artifacts: every dump reads back (rdflib and pyoxigraph) as the graph it came from,
the same input gives the same bytes, and the manifest describes the files."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import to_canonical_graph

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import DCTERMS, ORG, OWL, PF, RDF, RDFS, SH, SKOS, XSD
from portefeuille_ld.pipeline import dumps
from portefeuille_ld.pipeline.artifacts import (
    CONTEXT_FILE,
    ReleaseFiles,
    context_url,
    write_artifacts,
)
from portefeuille_ld.pipeline.line_files import LineFiles
from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, Manifest, sha256_hex

BASE = "https://w3id.org/portefeuille-qc/"
IRIS = Iris(BASE)
EDITIONS = ("2024-2025", "2025-2026")
BUILD_DATE = "2025-09-12"
EX = Namespace("http://example.org/vocabulaire#")
VANN = Namespace("http://purl.org/vocab/vann/")
DATA_FILES = ["portefeuille.jsonld", "portefeuille.nt", "portefeuille.rdf", "portefeuille.ttl"]
EXPECTED_FILES = {
    *DATA_FILES,
    CONTEXT_FILE,
    "portefeuille.nq",
    "portefeuille.trig",
    "ontologie.ttl",
    "formes.ttl",
    "validation.ttl",
    MANIFEST_FILE,
}
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
OX_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}

Triple = tuple[URIRef, URIRef, URIRef | Literal | BNode]


@dataclass(frozen=True)
class Fixture:
    """A small dataset shaped like the real one, and the report of its validation."""

    dataset: Dataset
    report: Graph

    def write(self, directory: Path, **options: object) -> Manifest:
        return write_artifacts(
            self.dataset,
            directory,
            data_graphs=[IRIS.edition_graph(e) for e in EDITIONS],
            ontology_graph=IRIS.ontology_graph(),
            shapes_graph=IRIS.shapes_graph(),
            report=self.report,
            base_iri=BASE,
            build_date=BUILD_DATE,
            **options,  # type: ignore[arg-type]
        )

    def graph(self, iri: URIRef) -> Graph:
        return next(g for g in self.dataset.graphs() if g.identifier == iri)

    def data(self) -> Graph:
        union = Graph()
        for edition in EDITIONS:
            union += self.graph(IRIS.edition_graph(edition))
        return union


def _organization() -> list[Triple]:
    mj = IRIS.organization("ministere-de-la-justice")
    return [
        (mj, RDF.type, ORG.Organization),
        (mj, SKOS.prefLabel, Literal("Ministère de la Justice", lang="fr")),
        (mj, SKOS.prefLabel, Literal("Ministry of Justice", lang="en")),
    ]


def _edition(edition: str, count: int) -> list[Triple]:
    e, lexius, p1 = IRIS.edition(edition), IRIS.initiative("lexius"), IRIS.initiative("lexius-p1")
    entry = IRIS.entry(edition, "lexius")
    return [
        *_organization(),
        (e, RDF.type, PF.PortfolioEdition),
        (e, DCTERMS.title, Literal(f"Portefeuille {edition}", lang="fr")),
        (e, DCTERMS.title, Literal(f"Portfolio {edition}", lang="en")),
        (e, PF.fiscalYear, Literal(edition)),
        (e, DCTERMS.modified, Literal("2025-09-12", datatype=XSD.date)),
        (e, PF.statedProjectCount, Literal(str(count), datatype=XSD.nonNegativeInteger)),
        (e, PF.hasEntry, entry),
        (entry, RDF.type, PF.PortfolioEntry),
        (entry, PF.initiative, lexius),
        (entry, PF.status, PF.Active),
        (entry, PF.position, Literal("1", datatype=XSD.positiveInteger)),
        (lexius, RDF.type, PF.Programme),
        (lexius, RDF.type, PF.Initiative),
        (lexius, DCTERMS.title, Literal("Lexius", lang="fr")),
        (lexius, PF.responsibleOrganization, IRIS.organization("ministere-de-la-justice")),
        (p1, RDF.type, PF.Project),
        (p1, PF.partOfProgramme, lexius),
        (p1, PF.completionYear, Literal("2024", datatype=XSD.gYear)),
        (p1, PF.projectNumber, Literal("1", datatype=XSD.positiveInteger)),
        (p1, EX.flag, Literal(True)),
    ]


def _latest_only() -> list[Triple]:
    """What only the second edition says, including literals that are hard to write."""
    lexius = IRIS.initiative("lexius")
    text = 'Élaboration d’une plateforme « 360° » — "citée"\nsur deux lignes\tet une tabulation'
    return [
        (lexius, DCTERMS.description, Literal(text, lang="fr")),
        (lexius, PF.formerName, Literal("Signature électronique", lang="fr")),
        (lexius, RDFS.seeAlso, URIRef("https://www.legisquebec.gouv.qc.ca/fr/document/lc/G-1.03")),
        (lexius, EX.mixed, Literal(5)),
        (lexius, EX.mixed, Literal("5", datatype=XSD.positiveInteger)),
        (lexius, EX.mixed, Literal("5.0", datatype=XSD.decimal)),
        (lexius, EX.mixed, Literal("Lexius", lang="fr")),
        (lexius, EX.mixed, Literal("Lexius")),
        (lexius, EX.mixed, URIRef("https://example.org/autre")),
        (lexius, EX.big, Literal(2**60)),
    ]


def _ontology(graph: Graph) -> None:
    ontology = URIRef(BASE + "ontologie")
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.add((ontology, DCTERMS.modified, Literal("2025-09-12", datatype=XSD.date)))
    graph.add((ontology, VANN.preferredNamespacePrefix, Literal("pf")))
    for term, fr, en in [
        (PF.Project, "Projet", "Project"),
        (PF.Programme, "Programme", "Programme"),
    ]:
        graph.add((term, RDF.type, OWL.Class))
        graph.add((term, RDFS.label, Literal(fr, lang="fr")))
        graph.add((term, RDFS.label, Literal(en, lang="en")))
    union, members = BNode(), BNode()
    graph.add((PF.Initiative, OWL.equivalentClass, union))
    graph.add((union, OWL.unionOf, members))
    Collection(graph, members, [PF.Project, PF.Programme, PF.Deployment])


def _shapes(graph: Graph) -> None:
    shape = URIRef(BASE + "formes#InitiativeShape")
    graph.add((shape, RDF.type, SH.NodeShape))
    graph.add((shape, SH.targetClass, PF.Initiative))
    for path, datatype in [(DCTERMS.title, RDF.langString), (PF.completionYear, XSD.gYear)]:
        prop = BNode()
        graph.add((shape, SH.property, prop))
        graph.add((prop, SH.path, path))
        graph.add((prop, SH.datatype, datatype))
        graph.add((prop, SH.message, Literal("Valeur invalide", lang="fr")))
    members = BNode()  # the same list as in the ontology: blank nodes must not merge
    graph.add((shape, SH["in"], members))
    Collection(graph, members, [PF.Project, PF.Programme, PF.Deployment])


def _report() -> Graph:
    report, result = Graph(), BNode()
    report.add((BNode(), RDF.type, SH.ValidationReport))
    for s, _, _ in list(report):
        report.add((s, SH.conforms, Literal(True)))
        report.add((s, SH.result, result))
    report.add((result, SH.resultSeverity, SH.Warning))
    report.add((result, SH.focusNode, IRIS.initiative("lexius")))
    report.add((result, SH.resultMessage, Literal("Aucune année d’achèvement", lang="fr")))
    return report


def _add(graph: Graph, triples: Iterable[Triple], *, reverse: bool) -> None:
    for triple in reversed(list(triples)) if reverse else triples:
        graph.add(triple)


def make_fixture(*, reverse: bool = False) -> Fixture:
    """The fixture; `reverse` inserts every triple in the opposite order."""
    dataset = Dataset()
    graph_iris = [IRIS.edition_graph(e) for e in EDITIONS]
    for iri in reversed(graph_iris) if reverse else graph_iris:
        edition = EDITIONS[graph_iris.index(iri)]
        extra = _latest_only() if edition == EDITIONS[-1] else []
        _add(
            dataset.graph(iri), [*_edition(edition, 36 + len(extra) // 10), *extra], reverse=reverse
        )
    scratch = Graph()
    _ontology(scratch)
    _add(dataset.graph(IRIS.ontology_graph()), scratch, reverse=reverse)  # type: ignore[arg-type]
    scratch = Graph()
    _shapes(scratch)
    _add(dataset.graph(IRIS.shapes_graph()), scratch, reverse=reverse)  # type: ignore[arg-type]
    return Fixture(dataset, _report())


@pytest.fixture(scope="module")
def fixture() -> Fixture:
    return make_fixture()


@pytest.fixture(scope="module")
def written(fixture: Fixture, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("release")
    fixture.write(directory)
    return directory


# ---------------------------------------------------------------- helpers


def canonical_lines(graph: Graph) -> set[str]:
    """The graph as N-Triples lines, blank nodes canonical, in pyoxigraph's (RDF 1.1) terms."""
    canonical = Graph()
    canonical += to_canonical_graph(graph)
    text = canonical.serialize(format="nt")
    return {str(q.triple) for q in ox.parse(text, ox.RdfFormat.N_TRIPLES)}


def oxigraph_graph(quads: Iterable[ox.Quad]) -> Graph:
    """Quads read by pyoxigraph, as an rdflib graph (for canonical comparison)."""
    triples = [q.triple for q in quads]
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return Graph().parse(data=text.decode(), format="nt")


def rdflib_parse(graph: Graph, path: Path, format: str) -> Graph:
    """`graph.parse`, without the warnings rdflib 7.6 raises about its own internals."""
    with warnings.catch_warnings():
        # its Dataset.parse calls Dataset.default_context, deprecated in 7.6
        warnings.filterwarnings("ignore", "Dataset.default_context", DeprecationWarning)
        # its JSON-LD and TriG parsers build a ConjunctiveGraph, deprecated in 7.6
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return graph.parse(path, format=format)


def rdflib_dataset(path: Path, format: str) -> dict[str, Graph]:
    """A dataset file read by rdflib, as named graph IRI → graph."""
    dataset = Dataset()
    rdflib_parse(dataset, path, format)
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}


def oxigraph_dataset(path: Path) -> dict[str, Graph]:
    quads = list(ox.parse(path=path, format=OX_FORMATS[path.suffix[1:]]))
    names = {q.graph_name for q in quads}
    return {
        str(getattr(n, "value", "")): oxigraph_graph(q for q in quads if q.graph_name == n)
        for n in names
    }


def assert_same_graph(actual: Graph, expected: Graph) -> None:
    got, want = canonical_lines(actual), canonical_lines(expected)
    assert got == want, (
        f"only in the dump: {sorted(got - want)}\nonly in the input: {sorted(want - got)}"
    )


def expected_graph(fixture: Fixture, name: str) -> Graph:
    if name.startswith("portefeuille."):
        return fixture.data()
    if name == "ontologie.ttl":
        return fixture.graph(IRIS.ontology_graph())
    if name == "formes.ttl":
        return fixture.graph(IRIS.shapes_graph())
    return fixture.report


SINGLE_GRAPH_FILES = [*DATA_FILES, "ontologie.ttl", "formes.ttl", "validation.ttl"]


# ---------------------------------------------------------------- files


def test_writes_every_file(written: Path) -> None:
    assert {p.name for p in written.iterdir()} == EXPECTED_FILES


@pytest.mark.parametrize("name", SINGLE_GRAPH_FILES)
def test_dump_reads_back_with_rdflib(fixture: Fixture, written: Path, name: str) -> None:
    path = written / name
    parsed = rdflib_parse(Graph(), path, RDFLIB_FORMATS[path.suffix[1:]])
    assert_same_graph(parsed, expected_graph(fixture, name))


@pytest.mark.parametrize("name", SINGLE_GRAPH_FILES)
def test_dump_reads_back_with_oxigraph(fixture: Fixture, written: Path, name: str) -> None:
    path = written / name
    parsed = oxigraph_graph(ox.parse(path=path, format=OX_FORMATS[path.suffix[1:]]))
    assert_same_graph(parsed, expected_graph(fixture, name))


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        pytest.param("portefeuille.nq", lambda p: rdflib_dataset(p, "nquads"), id="nq-rdflib"),
        pytest.param("portefeuille.trig", lambda p: rdflib_dataset(p, "trig"), id="trig-rdflib"),
        pytest.param("portefeuille.nq", oxigraph_dataset, id="nq-oxigraph"),
        pytest.param("portefeuille.trig", oxigraph_dataset, id="trig-oxigraph"),
    ],
)
def test_dataset_dump_keeps_each_named_graph(
    fixture: Fixture, written: Path, name: str, reader: object
) -> None:
    graphs = reader(written / name)  # type: ignore[operator]
    expected = {str(g.identifier): g for g in fixture.dataset.graphs() if len(g)}
    assert set(graphs) == set(expected)
    for iri, graph in expected.items():
        assert_same_graph(graphs[iri], graph)


def test_ntriples_and_nquads_are_byte_sorted(written: Path) -> None:
    for name in ("portefeuille.nt", "portefeuille.nq"):
        content = (written / name).read_bytes()
        lines = content.split(b"\n")
        assert content.endswith(b".\n") and lines[-1] == b""
        assert lines[:-1] == sorted(set(lines[:-1]))


def test_turtle_is_prefixed(written: Path) -> None:
    text = (written / "portefeuille.ttl").read_text()
    assert "PREFIX pf: <https://w3id.org/portefeuille-qc/ontologie#>" in text
    assert "dcterms:title" in text and "<http://purl.org/dc/terms/title>" not in text
    assert "PREFIX sh:" not in text  # only the prefixes it uses


# ---------------------------------------------------------------- JSON-LD


def test_jsonld_reads_as_plain_json(written: Path) -> None:
    document = json.loads((written / "portefeuille.jsonld").read_text())
    nodes = {node["id"]: node for node in document["@graph"]}
    lexius = nodes[str(IRIS.initiative("lexius"))]
    assert lexius["type"] == ["Initiative", "Programme"]
    assert lexius["title"] == {"fr": "Lexius"}  # a language map: other titles have English
    assert lexius["description"].startswith("Élaboration d’une plateforme « 360° »")
    assert lexius["responsibleOrganization"] == str(IRIS.organization("ministere-de-la-justice"))
    edition = nodes[str(IRIS.edition("2025-2026"))]
    assert edition["title"] == {"en": "Portfolio 2025-2026", "fr": "Portefeuille 2025-2026"}
    assert edition["statedProjectCount"] == 37
    assert edition["modified"] == "2025-09-12"
    entry = nodes[str(IRIS.entry("2025-2026", "lexius"))]
    assert entry["status"] == "pf:Active"
    assert nodes[str(IRIS.initiative("lexius-p1"))]["flag"] is True


def test_jsonld_context_is_generated_from_the_data(written: Path) -> None:
    context = json.loads((written / CONTEXT_FILE).read_text())["@context"]
    assert list(context) == sorted(context)
    assert context["id"] == "@id" and context["type"] == "@type"
    assert context["title"] == {"@container": "@language", "@id": "dcterms:title"}
    assert context["description"] == {"@id": "dcterms:description", "@language": "fr"}
    assert context["completionYear"] == {"@id": "pf:completionYear", "@type": "xsd:gYear"}
    assert context["responsibleOrganization"] == {
        "@id": "pf:responsibleOrganization",
        "@type": "@id",
    }
    assert context["Project"] == "pf:Project"
    assert "sh" not in context and "Deployment" not in context  # only what the data uses


def test_jsonld_embeds_the_published_context(written: Path) -> None:
    document = json.loads((written / "portefeuille.jsonld").read_text())
    published = json.loads((written / CONTEXT_FILE).read_text())
    assert document["@context"] == published["@context"]
    assert context_url(BASE) == BASE + "contexte.jsonld"


# ---------------------------------------------------------------- determinism


def test_same_input_gives_same_bytes(fixture: Fixture, written: Path, tmp_path: Path) -> None:
    make_fixture(reverse=True).write(tmp_path)
    for path in written.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_lines_given_give_the_same_bytes_and_are_taken(
    fixture: Fixture, written: Path, tmp_path: Path
) -> None:
    """The build hands over the lines it made for the validation: the dumps are the same."""
    lines = {
        str(iri): dumps.SortedTriples.of_graph(fixture.graph(iri))
        for iri in (IRIS.edition_graph(e) for e in EDITIONS)
    }
    fixture.write(tmp_path, data_lines=lines)
    assert lines == {}  # freed before the Turtle and JSON-LD dumps
    for path in written.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


_SUBPROCESS = """
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("artifacts_fixture", sys.argv[1])
module = sys.modules["artifacts_fixture"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.make_fixture().write(Path(sys.argv[2]))
"""


@pytest.mark.parametrize("seed", ["1", "2"])
def test_same_bytes_whatever_the_hash_seed(written: Path, tmp_path: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-c", _SUBPROCESS, __file__, str(tmp_path)]
    subprocess.run(command, env=env, check=True, timeout=120)
    for path in written.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# ---------------------------------------------------------------- manifest


def test_manifest_describes_every_file(fixture: Fixture, written: Path) -> None:
    raw = (written / MANIFEST_FILE).read_bytes()
    manifest = Manifest.from_json(raw)
    assert (
        raw
        == (
            json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        ).encode()
    )
    assert {f.name for f in manifest.files} == EXPECTED_FILES - {MANIFEST_FILE}
    for entry in manifest.files:
        path = written / entry.name
        assert (entry.size, entry.sha256) == (path.stat().st_size, sha256_hex(path))
    media = {f.name: f.media_type for f in manifest.files}
    assert media["portefeuille.jsonld"] == "application/ld+json"
    assert media["portefeuille.nq"] == "application/n-quads"
    assert (manifest.base_iri, manifest.build_date) == (BASE, BUILD_DATE)
    assert manifest.jsonld_context == BASE + "contexte.jsonld"
    assert manifest.data_triples == len(fixture.data())


def test_manifest_counts_the_triples_of_each_named_graph(fixture: Fixture, written: Path) -> None:
    manifest = Manifest.from_json((written / MANIFEST_FILE).read_bytes())
    counts = {g.iri: (g.kind, g.triples) for g in manifest.graphs}
    assert counts == {
        str(IRIS.edition_graph("2024-2025")): (
            "data",
            len(fixture.graph(IRIS.edition_graph("2024-2025"))),
        ),
        str(IRIS.edition_graph("2025-2026")): (
            "data",
            len(fixture.graph(IRIS.edition_graph("2025-2026"))),
        ),
        str(IRIS.ontology_graph()): ("ontology", len(fixture.graph(IRIS.ontology_graph()))),
        str(IRIS.shapes_graph()): ("shapes", len(fixture.graph(IRIS.shapes_graph()))),
    }


def test_extra_files_are_written_and_listed(fixture: Fixture, tmp_path: Path) -> None:
    manifest = fixture.write(tmp_path, extra_files={"void.ttl": b"# VoID\n"})
    assert (tmp_path / "void.ttl").read_bytes() == b"# VoID\n"
    assert any(f.name == "void.ttl" and f.media_type == "text/turtle" for f in manifest.files)


# ---------------------------------------------------------------- in a worker process


class CountingPool(ProcessPoolExecutor):
    """A pool of one spawned worker that keeps what it was given."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self.submitted: list[Callable[[], object]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append(fn)
        return super().submit(fn, *args, **kwargs)


@pytest.fixture(scope="module")
def pool() -> Iterator[CountingPool]:
    with CountingPool() as started:
        yield started


def test_line_files_written_by_a_worker_are_the_same(
    fixture: Fixture, written: Path, tmp_path: Path, pool: CountingPool
) -> None:
    """The build writes N-Triples, RDF/XML, JSON-LD, N-Quads and TriG in another process."""
    given = len(pool.submitted)
    fixture.write(tmp_path, background=pool)
    assert [type(job) for job in pool.submitted[given:]] == [LineFiles]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written.iterdir())
    for path in written.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_worker_errors_reach_the_caller(tmp_path: Path, pool: CountingPool) -> None:
    fixture = make_fixture()
    bad = URIRef("https://w3id.org/portefeuille-qc/ontologie#1st")  # no XML element name
    fixture.graph(IRIS.edition_graph("2025-2026")).add((PF.Project, bad, Literal("x")))
    with pytest.raises(ValueError, match="RDF/XML cannot write the predicate"):
        fixture.write(tmp_path, background=pool)


# ---------------------------------------------------------------- refusals


def test_blank_node_in_data_is_refused(tmp_path: Path) -> None:
    fixture = make_fixture()
    fixture.graph(IRIS.edition_graph("2025-2026")).add((BNode(), RDF.type, PF.Project))
    with pytest.raises(ValueError, match="blank nodes in the data graph"):
        fixture.write(tmp_path)
    graph = fixture.graph(IRIS.edition_graph("2025-2026"))
    lines = {str(graph.identifier): dumps.SortedTriples.of_graph(graph)}
    with pytest.raises(ValueError, match="blank nodes in the data graph"):
        fixture.write(tmp_path, data_lines=lines)


def test_graph_left_out_is_refused(tmp_path: Path) -> None:
    fixture = make_fixture()
    fixture.dataset.graph(URIRef(BASE + "graphe/oublie")).add((PF.Project, RDF.type, OWL.Class))
    with pytest.raises(ValueError, match="would not be published"):
        fixture.write(tmp_path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"extra_files": {"portefeuille.nt": b""}}, "extra file", id="reserved-name"),
        pytest.param({"extra_files": {"../x.txt": b""}}, "extra file", id="path-in-name"),
        pytest.param({"build_date": "12/09/2025"}, "YYYY-MM-DD", id="bad-date"),
        pytest.param({"build_date": "20250912"}, "YYYY-MM-DD", id="basic-date"),
        pytest.param({"base_iri": "https://example.org"}, "end with '/'", id="bad-base"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, options: dict[str, object], message: str) -> None:
    fixture = make_fixture()
    arguments: dict[str, object] = {
        "data_graphs": [IRIS.edition_graph(e) for e in EDITIONS],
        "ontology_graph": IRIS.ontology_graph(),
        "shapes_graph": IRIS.shapes_graph(),
        "report": fixture.report,
        "base_iri": BASE,
        "build_date": BUILD_DATE,
        **options,
    }
    with pytest.raises(ValueError, match=message):
        write_artifacts(fixture.dataset, tmp_path, **arguments)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def _written_with_union(fixture: Fixture, directory: Path, union: Graph) -> None:
    directory.mkdir()
    files = ReleaseFiles(
        fixture.dataset,
        directory,
        data_graphs=[IRIS.edition_graph(e) for e in EDITIONS],
        ontology_graph=IRIS.ontology_graph(),
        shapes_graph=IRIS.shapes_graph(),
        base_iri=BASE,
        build_date=BUILD_DATE,
        union=union,
    )
    files.start()
    files.finish(report=fixture.report)


def test_a_union_given_is_written_as_the_one_made(
    fixture: Fixture, written: Path, tmp_path: Path
) -> None:
    """The build hands over the union it validated: with several editions, no second copy."""
    _written_with_union(fixture, tmp_path / "given", fixture.data())
    given = tmp_path / "given"
    assert sorted(p.name for p in given.iterdir()) == sorted(p.name for p in written.iterdir())
    for path in written.iterdir():
        assert (given / path.name).read_bytes() == path.read_bytes(), path.name
    marked = fixture.data()  # and it is that graph the Turtle is written from
    marked.add((IRIS.initiative("lexius"), RDFS.comment, Literal("marque")))
    _written_with_union(fixture, tmp_path / "marked", marked)
    assert b"marque" in (tmp_path / "marked" / "portefeuille.ttl").read_bytes()
