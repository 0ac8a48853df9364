"""The app around the routers: start-up and shutdown, HEAD, CORS, ``Vary``, charsets, OpenAPI."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from fastapi import FastAPI

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.formats import Format, formats_of_kind
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app, dataset_path

Serve = Callable[[FastAPI], AbstractContextManager[str]]
ASK = {"query": "ASK { ?s ?p ?o }"}
SELECT = {"query": "SELECT ?o WHERE { ?s ?p ?o } LIMIT 3"}
CONSTRUCT = {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}


def _publish_nquads(fixture_path: Path, out_dir: Path) -> None:
    """Write the fixture where a build publishes its N-Quads dump."""
    store = pyoxigraph.Store()
    store.load(path=fixture_path, format=pyoxigraph.RdfFormat.TRIG)
    target = dataset_path(Settings(out_dir=out_dir))
    target.parent.mkdir(parents=True)
    store.dump(target, format=pyoxigraph.RdfFormat.N_QUADS)


def test_lifespan_opens_the_published_dump_and_closes_it(
    tmp_path: Path, fixture_path: Path, serve_app: Serve
) -> None:
    _publish_nquads(fixture_path, tmp_path)
    app = create_app(Settings(out_dir=tmp_path))
    with serve_app(app) as url:
        response = httpx.get(url + "/sparql", params=ASK, trust_env=False)
        assert response.json() == {"head": {}, "boolean": True}
        assert app.state.store is not None
    assert app.state.store is None


def test_start_up_without_a_build_fails_clearly(tmp_path: Path) -> None:
    app = create_app(Settings(out_dir=tmp_path))

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(StoreUnavailable, match="portefeuille-ld build"):
        asyncio.run(start())


def test_a_store_passed_in_is_not_closed_by_the_app(store: EmbeddedStore, serve_app: Serve) -> None:
    app = create_app(Settings(), store)
    with serve_app(app):
        pass
    assert app.state.store is store
    assert store.query("ASK {}").kind == "results"


@pytest.mark.parametrize("params", [ASK, SELECT, CONSTRUCT, {}, {"query": "SELECT * {"}], ids=str)
def test_head_answers_like_get_without_a_body(client: httpx.Client, params: dict[str, str]) -> None:
    get, head = client.get("/sparql", params=params), client.head("/sparql", params=params)
    assert head.status_code == get.status_code
    assert head.content == b""
    for header in ("content-type", "content-length", "vary"):
        assert head.headers[header] == get.headers[header]


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_head_works_on_every_get_route(client: httpx.Client, path: str) -> None:
    assert client.head(path).status_code == 200


@pytest.mark.parametrize(
    ("method", "params"),
    [("GET", SELECT), ("GET", {}), ("POST", CONSTRUCT), ("GET", {"query": "nope"})],
)
def test_every_answer_varies_on_accept(
    client: httpx.Client, method: str, params: dict[str, str]
) -> None:
    if method == "GET":
        response = client.get("/sparql", params=params)
    else:
        response = client.post("/sparql", data=params)
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]


def test_cors_is_open_for_reads(client: httpx.Client) -> None:
    origin = {"Origin": "https://example.org"}
    response = client.get("/sparql", params=SELECT, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    response = client.post("/sparql", data=SELECT, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_preflight_allows_a_sparql_query_post(client: httpx.Client) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize(
    "fmt", [*formats_of_kind("results"), *formats_of_kind("rdf")], ids=lambda f: f.name
)
def test_every_format_says_utf_8(client: httpx.Client, fmt: Format) -> None:
    query = SELECT if fmt.kind == "results" else CONSTRUCT
    response = client.get("/sparql", params=query, headers={"Accept": fmt.media_type})
    assert response.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"


def test_openapi_documents_the_media_types(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]["/sparql"]
    documented = paths["get"]["responses"]["200"]["content"]
    assert "text/tab-separated-values; charset=utf-8" in documented
    assert "application/ld+json; charset=utf-8" in documented
    assert "application/problem+json" in paths["get"]["responses"]["406"]["content"]
    body = paths["post"]["requestBody"]["content"]
    assert set(body) == {"application/x-www-form-urlencoded", "application/sparql-query"}
    assert {p["name"] for p in paths["get"]["parameters"]} >= {"query", "default-graph-uri"}
