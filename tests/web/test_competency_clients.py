"""Real clients (SPARQLWrapper, rdflib's SPARQLStore) asking the competency questions over HTTP
get the answers the in-process engine gives on the built dataset."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import PROJECT_ROOT, Settings
from portefeuille_ld.web.app import create_app

QUERIES = sorted((PROJECT_ROOT / "src" / "portefeuille_ld" / "queries").glob("*.rq"))
Row = tuple[str, ...]


@pytest.fixture(scope="module")
def server(
    built: BuildResult, serve_app: Callable[[FastAPI], AbstractContextManager[str]]
) -> Iterator[str]:
    """Our server as `make serve` runs it: the app opens the published release itself."""
    settings = Settings(out_dir=built.release.parent.parent)
    with serve_app(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def engine(built: BuildResult) -> ox.Store:
    store = ox.Store()
    store.load(path=str(built.release / "portefeuille.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def _expected(engine: ox.Store, query: str) -> list[Row]:
    solutions = engine.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple("" if t is None else t.value for t in row) for row in solutions]


def _wrapper_rows(url: str, query: str) -> list[Row]:
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(query)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    answer = client.queryAndConvert()
    assert isinstance(answer, dict)
    names = answer["head"]["vars"]
    return [
        tuple(row.get(name, {}).get("value", "") for name in names)
        for row in answer["results"]["bindings"]
    ]


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_sparqlwrapper_gets_the_engine_answers(server: str, engine: ox.Store, path: Path) -> None:
    query = path.read_text(encoding="utf-8")
    expected = _expected(engine, query)
    assert expected, f"{path.name} answers nothing"
    assert _wrapper_rows(server, query) == expected


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_rdflib_sparqlstore_gets_the_engine_answers(
    server: str, engine: ox.Store, path: Path
) -> None:
    query = path.read_text(encoding="utf-8")
    graph = Graph(store=SPARQLStore(server + "/sparql", returnFormat="json"))
    with warnings.catch_warnings():
        # rdflib's remote store builds its results with an API rdflib itself deprecates
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        answer = graph.query(query)
    rows = [tuple("" if t is None else str(t) for t in row) for row in answer]  # type: ignore[union-attr]
    assert rows == _expected(engine, query)
