"""The `Store` contract, run against every implementation over the real build.

- ``embedded``: `EmbeddedStore` on the release's N-Quads dump;
- ``oxigraph``: `RemoteStore` on a real Oxigraph server (PyPI ``oxigraph``);
- ``virtuoso``: `RemoteStore` on a real Virtuoso 7 (Debian ``virtuoso-opensource``).

The two servers are started by the fixtures (`tests/conftest.py`) and loaded through our
own ``publish`` (Graph Store Protocol, then one swapping update). Every answer is compared
with the reference: pyoxigraph itself, on the same dump, with the union default graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

from portefeuille_ld.errors import NotAcceptable, QueryError, ResourceNotFound, ResultTooLarge
from portefeuille_ld.formats import (
    N_TRIPLES,
    SPARQL_JSON,
    TURTLE,
    Format,
    formats_of_kind,
)
from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.pipeline.manifest import Manifest
from portefeuille_ld.settings import PROJECT_ROOT
from portefeuille_ld.store.base import GraphStatistics, Store
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.store.remote import RemoteStore

QUERIES = sorted((PROJECT_ROOT / "src" / "portefeuille_ld" / "queries").glob("*.rq"))
BASE = "https://w3id.org/portefeuille-qc/"
ONTOLOGY, SHAPES, EDITION = (BASE + f"graphe/{g}" for g in ("ontologie", "formes", "2025-2026"))
PF = "https://w3id.org/portefeuille-qc/ontologie#"
LEXIUS = BASE + "id/projet/lexius"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

Maker = Callable[..., Store]
Parse = Callable[[bytes, Format], Graph]


@dataclass(frozen=True)
class Subject:
    """One implementation under test: a store, and a way to make another with options."""

    name: str
    store: Store
    make: Maker


def _embedded(built: BuildResult) -> Maker:
    def make(*, max_result_bytes: int | None = None) -> Store:
        loaded = ox.Store()
        loaded.load(path=built.release / "portefeuille.nq", format=ox.RdfFormat.N_QUADS)
        return EmbeddedStore(loaded, max_result_bytes=max_result_bytes)

    return make


def _remote(engine: Any) -> Maker:
    def make(*, max_result_bytes: int | None = None) -> Store:
        return RemoteStore.from_settings(engine.settings(max_result_bytes=max_result_bytes))

    return make


@pytest.fixture(scope="module", params=["embedded", "oxigraph", "virtuoso"])
def subject(request: pytest.FixtureRequest, built: BuildResult) -> Iterator[Subject]:
    """Each implementation in turn (the servers start only when first needed)."""
    name: str = request.param
    make = _embedded(built) if name == "embedded" else _remote(request.getfixturevalue(name))
    store = make()
    yield Subject(name, store, make)
    store.close()


@pytest.fixture(scope="module")
def reference(built: BuildResult) -> ox.Store:
    """pyoxigraph on the dump: what every implementation must answer."""
    store = ox.Store()
    store.load(path=built.release / "portefeuille.nq", format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def embedded(built: BuildResult) -> Iterator[Store]:
    """The embedded store: the implementation the others must agree with, byte for byte."""
    store = _embedded(built)()
    yield store
    store.close()


@pytest.fixture(scope="module")
def manifest(built: BuildResult) -> Manifest:
    return Manifest.from_json((built.release / "manifest.json").read_bytes())


def _rows(answer: ox.QuerySolutions | ox.QueryBoolean) -> list[tuple[str, ...]] | bool:
    """An answer as a sorted list of rows of N-Triples terms (or a boolean)."""
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    return sorted(tuple("" if t is None else str(t) for t in row) for row in answer)


def _parsed(body: bytes, fmt: Format) -> list[tuple[str, ...]] | bool:
    assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
    return _rows(ox.parse_query_results(body, format=fmt.oxigraph))


def _count(store: Store, **dataset: list[str]) -> int:
    body = store.query(COUNT, accept=SPARQL_JSON, **dataset).body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_questions_get_the_reference_answers(
    subject: Subject, reference: ox.Store, path: Path
) -> None:
    query = path.read_text(encoding="utf-8")
    expected = _rows(reference.query(query, use_default_graph_as_union=True))
    assert expected, f"{path.name} has no answer in the reference"
    assert _parsed(subject.store.query(query, accept=SPARQL_JSON).body, SPARQL_JSON) == expected


@pytest.mark.parametrize("fmt", formats_of_kind("results"), ids=lambda f: f.name)
def test_results_come_in_every_format_byte_for_byte(
    subject: Subject, embedded: Store, fmt: Format
) -> None:
    query = QUERIES[0].read_text(encoding="utf-8")  # ORDER BY: one order for every engine
    expected = embedded.query(query, accept=fmt).body
    result = subject.store.query(query, accept=fmt)
    assert (result.media_type, result.kind) == (fmt.media_type, "results")
    assert result.body == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(f"ASK {{ <{LEXIUS}> a <{PF}Programme> }}", True, id="true"),
        pytest.param(f"ASK {{ <{LEXIUS}> a <{PF}Deployment> }}", False, id="false"),
    ],
)
@pytest.mark.parametrize("fmt", formats_of_kind("results"), ids=lambda f: f.name)
def test_ask_answers_a_boolean_in_every_format(
    subject: Subject, embedded: Store, query: str, expected: bool, fmt: Format
) -> None:
    body = subject.store.query(query, accept=fmt).body
    assert body == embedded.query(query, accept=fmt).body
    if fmt.name in ("json", "xml"):
        assert _parsed(body, fmt) is expected


@pytest.mark.parametrize("fmt", formats_of_kind("rdf"), ids=lambda f: f.name)
def test_construct_comes_in_every_rdf_format(
    subject: Subject, embedded: Store, parse_rdf: Parse, fmt: Format
) -> None:
    query = f"CONSTRUCT {{ <{LEXIUS}> ?p ?o }} WHERE {{ <{LEXIUS}> ?p ?o }}"
    result = subject.store.query(query, accept=fmt)
    assert (result.media_type, result.kind) == (fmt.media_type, "rdf")
    expected = embedded.query(query, accept=fmt).body
    assert isomorphic(parse_rdf(result.body, fmt), parse_rdf(expected, fmt))


def test_accept_header_is_negotiated(subject: Subject) -> None:
    result = subject.store.query(COUNT, accept="text/csv;q=0.5, application/sparql-results+xml")
    assert result.media_type == "application/sparql-results+xml"


def test_statistics_list_the_graphs_of_the_manifest(subject: Subject, manifest: Manifest) -> None:
    statistics = subject.store.statistics()
    assert statistics.graphs == tuple(GraphStatistics(g.iri, g.triples) for g in manifest.graphs)
    assert statistics.triples == sum(g.triples for g in manifest.graphs)


def test_default_graph_is_the_union_and_graph_sees_every_namedparse_rdf(
    subject: Subject, manifest: Manifest
) -> None:
    assert _count(subject.store) == sum(g.triples for g in manifest.graphs)
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    rows = _parsed(subject.store.query(query, accept=SPARQL_JSON).body, SPARQL_JSON)
    expected = sorted((f"<{g.iri}>", f'"{g.triples}"^^<http://www.w3.org/2001/XMLSchema#integer>')
                      for g in manifest.graphs)  # fmt: skip
    assert rows == expected


def test_protocol_dataset_replaces_the_union(subject: Subject, manifest: Manifest) -> None:
    sizes = {g.iri: g.triples for g in manifest.graphs}
    assert _count(subject.store, default_graph_uris=[ONTOLOGY]) == sizes[ONTOLOGY]
    both = [ONTOLOGY, SHAPES]
    assert _count(subject.store, default_graph_uris=both) == sizes[ONTOLOGY] + sizes[SHAPES]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = subject.store.query(graphs, accept=SPARQL_JSON, named_graph_uris=[SHAPES])
    assert _parsed(answer.body, SPARQL_JSON) == [(f"<{SHAPES}>",)]


def test_from_clause_names_the_dataset(subject: Subject, manifest: Manifest) -> None:
    sizes = {g.iri: g.triples for g in manifest.graphs}
    query = f"SELECT (COUNT(*) AS ?n) FROM <{EDITION}> WHERE {{ ?s ?p ?o }}"
    body = subject.store.query(query, accept=SPARQL_JSON).body
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == sizes[EDITION]
    named = f"SELECT DISTINCT ?g FROM NAMED <{ONTOLOGY}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    body = subject.store.query(named, accept=SPARQL_JSON).body
    assert _parsed(body, SPARQL_JSON) == [(f"<{ONTOLOGY}>",)]


def test_a_whole_graph_is_every_triple_of_it(
    subject: Subject, embedded: Store, parse_rdf: Parse, manifest: Manifest
) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"  # what /graphe/{name} asks
    result = subject.store.query(query, accept=TURTLE, default_graph_uris=[SHAPES])
    expected = embedded.query(query, accept=TURTLE, default_graph_uris=[SHAPES]).body
    got, want = parse_rdf(result.body, TURTLE), parse_rdf(expected, TURTLE)
    assert len(got) == {g.iri: g.triples for g in manifest.graphs}[SHAPES]
    assert to_isomorphic(got) == to_isomorphic(want)


@pytest.mark.parametrize(
    ("query", "dataset", "error", "words"),
    [
        pytest.param("SELECT * WHERE { ?s ?p }", {}, QueryError, "syntax", id="syntax"),
        pytest.param("SELECT * { SERVICE <http://example.org/s> { ?s ?p ?o } }", {},
                     QueryError, "SERVICE", id="service"),
        pytest.param("INSERT DATA { <urn:a> <urn:b> <urn:c> }", {}, QueryError, "Update",
                     id="update"),
        pytest.param("SELECT * FROM <http://example.org/elsewhere> { ?s ?p ?o }", {},
                     QueryError, "not a graph", id="remote-from"),
        pytest.param(COUNT, {"default_graph_uris": ["http://example.org/g"]}, QueryError,
                     "not a graph", id="unknown-default-graph"),
        pytest.param(COUNT, {"named_graph_uris": ["http://example.org/g"]}, QueryError,
                     "not a graph", id="unknown-named-graph"),
    ],
)  # fmt: skip
def test_refusals_and_errors(
    subject: Subject, query: str, dataset: dict[str, list[str]], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        subject.store.query(query, accept=SPARQL_JSON, **dataset)


def test_a_graph_is_not_acceptable_as_csv(subject: Subject) -> None:
    with pytest.raises(NotAcceptable):
        subject.store.query("CONSTRUCT WHERE { ?s ?p ?o }", accept="text/csv")


def test_answers_past_the_limit_are_refused(subject: Subject) -> None:
    limited = subject.make(max_result_bytes=10_000)
    try:
        with pytest.raises(ResultTooLarge, match="LIMIT"):
            limited.query("CONSTRUCT WHERE { ?s ?p ?o }", accept=N_TRIPLES)
        assert _count(limited) > 0  # a small answer still goes through
    finally:
        limited.close()


@pytest.mark.parametrize(
    "iri",
    [LEXIUS, BASE + "id/organisme/mcn", PF + "ProjectShape", PF + "Project"],
    ids=["project", "organization", "shape-with-blank-nodes", "class"],
)
@pytest.mark.parametrize("fmt", [TURTLE, N_TRIPLES], ids=lambda f: f.name)
def test_describe_gives_the_bounded_description(
    subject: Subject, embedded: Store, parse_rdf: Parse, iri: str, fmt: Format
) -> None:
    expected = parse_rdf(embedded.describe(iri, fmt), fmt)
    assert len(expected) > 0
    assert isomorphic(parse_rdf(subject.store.describe(iri, fmt), fmt), expected)


def test_describe_unknown_or_malformed_iri(subject: Subject) -> None:
    with pytest.raises(ResourceNotFound):
        subject.store.describe(BASE + "id/projet/nothing-here", TURTLE)
    with pytest.raises(QueryError):
        subject.store.describe("not an iri", TURTLE)
    with pytest.raises(QueryError):
        subject.store.describe(LEXIUS, SPARQL_JSON)
