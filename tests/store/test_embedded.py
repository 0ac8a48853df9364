"""`EmbeddedStore`: datasets, formats, refusals and descriptions, without HTTP."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from portefeuille_ld.errors import QueryError, ResourceNotFound, ResultTooLarge, StoreUnavailable
from portefeuille_ld.formats import (
    N_TRIPLES,
    SPARQL_CSV,
    SPARQL_JSON,
    TRIG,
    TURTLE,
    Format,
    formats_of_kind,
)
from portefeuille_ld.store.base import GraphStatistics, QueryResult, Store
from portefeuille_ld.store.embedded import EmbeddedStore

BASE = "https://w3id.org/portefeuille-qc/"
G1, G2 = BASE + "graphe/2024-2025", BASE + "graphe/2025-2026"
DOSSIER = BASE + "id/projet/dossier-sante"
LABELS = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


def _labels(store: Store, **dataset: tuple[str, ...]) -> list[str]:
    body = store.query(LABELS, accept=SPARQL_JSON, **dataset).body
    return sorted(b["l"]["value"] for b in json.loads(body)["results"]["bindings"])


def _graph_of(dataset: Dataset, name: str) -> Graph:
    graph = Graph()
    for triple in dataset.graph(URIRef(name)):
        graph.add(triple)
    return graph


def test_embedded_store_implements_the_protocol(store: EmbeddedStore) -> None:
    implementation: Store = store
    assert implementation.statistics().triples == 20


def test_statistics_list_each_named_graph(store: EmbeddedStore) -> None:
    assert store.statistics().graphs == (GraphStatistics(G1, 7), GraphStatistics(G2, 13))


def test_default_graph_is_the_union_of_named_graphs(store: EmbeddedStore) -> None:
    assert "Dossier santé numérique" in _labels(store)
    assert "Dossier santé numérique — phase « Québec »" in _labels(store)


def test_from_restricts_the_default_graph(store: EmbeddedStore) -> None:
    query = LABELS.replace("WHERE", f"FROM <{G1}> WHERE")
    body = store.query(query, accept=SPARQL_CSV).body.decode()
    assert body.splitlines() == ["l", "Digital health record", "Dossier santé numérique"]


def test_default_graph_uri_replaces_the_union(store: EmbeddedStore) -> None:
    assert _labels(store, default_graph_uris=(G1,)) == [
        "Digital health record",
        "Dossier santé numérique",
    ]


def test_named_graph_uri_alone_leaves_an_empty_default_graph(store: EmbeddedStore) -> None:
    assert _labels(store, named_graph_uris=(G1,)) == []
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    body = store.query(query, accept=SPARQL_CSV, named_graph_uris=(G2,)).body.decode()
    assert body.splitlines() == ["g", G2]


def test_protocol_graphs_win_over_from(store: EmbeddedStore) -> None:
    query = LABELS.replace("WHERE", f"FROM <{G2}> WHERE")
    body = store.query(query, accept=SPARQL_JSON, default_graph_uris=(G1,)).body
    assert len(json.loads(body)["results"]["bindings"]) == 2


@pytest.mark.parametrize("graphs", [{"default_graph_uris": ("http://127.0.0.1:9/g",)},
                                    {"named_graph_uris": ("not an iri",)}])  # fmt: skip
def test_unknown_protocol_graphs_are_refused(
    store: EmbeddedStore, graphs: dict[str, tuple[str, ...]]
) -> None:
    with pytest.raises(QueryError, match="is not a graph of this dataset"):
        store.query(LABELS, **graphs)


@pytest.mark.parametrize("fmt", formats_of_kind("rdf"), ids=lambda f: f.name)
def test_construct_in_every_rdf_format_round_trips(
    store: EmbeddedStore,
    fixture_dataset: Dataset,
    parse_rdf: Callable[[bytes, Format], Graph],
    fmt: Format,
) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}"
    result = store.query(query, accept=fmt)
    assert (result.media_type, result.kind) == (fmt.media_type, "rdf")
    assert isomorphic(parse_rdf(result.body, fmt), _graph_of(fixture_dataset, G2))


def test_results_are_negotiated_from_an_accept_header(store: EmbeddedStore) -> None:
    result = store.query(LABELS, accept="text/turtle;q=1, text/csv;q=0.5, */*;q=0.1")
    assert result.media_type == "text/csv"
    rows = list(csv.reader(io.StringIO(result.body.decode())))
    assert ["SERVICE de garde éducatif à l’enfance"] in rows


def test_any_accept_gives_the_preferred_format_of_the_kind(store: EmbeddedStore) -> None:
    assert store.query(LABELS).media_type == "application/sparql-results+json"
    assert store.query(f"DESCRIBE <{DOSSIER}>").media_type == "text/turtle"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        pytest.param(LABELS, TURTLE, id="select-as-turtle"),
        pytest.param("CONSTRUCT WHERE { ?s ?p ?o }", SPARQL_JSON, id="construct-as-json"),
        pytest.param(LABELS, "image/png", id="unacceptable-header"),
    ],
)
def test_a_format_that_does_not_fit_the_query_is_refused(
    store: EmbeddedStore, query: str, accept: Format | str
) -> None:
    with pytest.raises(QueryError, match="this query answers"):
        store.query(query, accept=accept)


def test_syntax_error_is_a_query_error_with_the_parser_message(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match=r"syntax error: error at 1:\d+"):
        store.query("SELECT * WHERE { ?s ?p }")


def test_update_is_refused(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="read-only"):
        store.query(f"DROP GRAPH <{G1}>")
    assert store.statistics().triples == 20


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",
        "PREFIX : <{url}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
        "ASK {{ FILTER EXISTS {{ sErViCe <{url}> {{ ?s ?p ?o }} }} }}",
        "CONSTRUCT WHERE {{ ?s ?p ?o SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_never_leaves_the_store(
    store: EmbeddedStore, trap_url: str, trap_hits: list[str], template: str
) -> None:
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        store.query(template.format(url=trap_url))
    assert trap_hits == []


def test_a_string_saying_service_is_just_a_string(store: EmbeddedStore) -> None:
    query = 'ASK { ?s ?p "SERVICE de garde éducatif à l’enfance"@fr }'
    assert json.loads(store.query(query).body) == {"head": {}, "boolean": True}


def test_describe_has_outgoing_and_incoming_triples(store: EmbeddedStore) -> None:
    graph = Graph().parse(data=store.describe(BASE + "id/organisme/msss", N_TRIPLES), format="nt")
    assert (URIRef(DOSSIER), None, URIRef(BASE + "id/organisme/msss")) in graph
    assert len(graph) == 4  # type, two labels, and the project attributed to it


def test_describe_follows_blank_nodes() -> None:
    data = (
        "@prefix e: <http://ex.org/> . GRAPH e:g { e:shape e:property [ e:path e:p ;"
        " e:in ( e:a e:b ) ] . }"
    )
    store = EmbeddedStore.from_data(data, TRIG)
    graph = Graph().parse(data=store.describe("http://ex.org/shape", TURTLE), format="turtle")
    assert len(graph) == 7  # property, path, in, and the first and rest of two list cells


def test_describe_an_unknown_iri_is_not_found(store: EmbeddedStore) -> None:
    with pytest.raises(ResourceNotFound):
        store.describe(BASE + "id/projet/inconnu", TURTLE)


@pytest.mark.parametrize(("iri", "fmt"), [("not an iri", TURTLE), (DOSSIER, SPARQL_JSON)])
def test_describe_refuses_bad_arguments(store: EmbeddedStore, iri: str, fmt: Format) -> None:
    with pytest.raises(QueryError):
        store.describe(iri, fmt)


def test_a_missing_dump_is_unavailable_and_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="portefeuille-ld build"):
        EmbeddedStore.from_path(tmp_path / "portefeuille.nq")


def test_a_corrupt_dump_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "portefeuille.nq"
    path.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="cannot load"):
        EmbeddedStore.from_path(path)


def test_a_closed_store_is_unavailable() -> None:
    store = EmbeddedStore.from_data("<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .")
    store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        store.query("ASK {}")


CARTESIAN = "SELECT * { ?s ?p ?o . ?a ?b ?c }"


def test_a_spilled_answer_is_the_whole_answer_in_pieces(store: EmbeddedStore) -> None:
    whole = store.query(CARTESIAN, accept="text/csv")
    pieces: list[QueryResult] = []
    rest = store.query(CARTESIAN, accept="text/csv", spill=pieces.append, piece_bytes=1024)
    assert len(pieces) > 2 and all(len(p.body) >= 1024 for p in pieces)
    assert {(p.media_type, p.kind) for p in pieces} == {("text/csv", "results")}
    assert b"".join(p.body for p in pieces) + rest.body == whole.body


def test_the_size_limit_counts_what_was_spilled() -> None:
    data = pyoxigraph.Store()
    quads = "".join(
        f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" <http://ex.org/g> .\n' for i in range(50)
    )
    data.load(input=quads, format=pyoxigraph.RdfFormat.N_QUADS)
    limited = EmbeddedStore(data, max_result_bytes=20_000)
    pieces: list[QueryResult] = []
    with pytest.raises(ResultTooLarge):
        limited.query(CARTESIAN, accept="text/csv", spill=pieces.append, piece_bytes=1024)
    assert 15_000 < sum(len(p.body) for p in pieces) <= 20_000
