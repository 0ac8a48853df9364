"""``/.well-known/void`` and ``/dataset``: the release's ``void.ttl`` in every RDF format by
``Accept`` or ``?format=``, parsed back and compared; a readable page for a browser."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from rdflib import Graph
from rdflib.compare import isomorphic

from portefeuille_ld.formats import JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format
from portefeuille_ld.pipeline.manifest import FileEntry, Manifest
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]
VOID = Path(__file__).parents[1] / "fixtures" / "web" / "void.ttl"
PATHS = ["/.well-known/void", "/dataset"]


def publish(out_dir: Path, *, with_void: bool = True) -> Path:
    """A release holding the fixture's ``void.ttl`` (listed in its manifest, as the build does)."""
    release = out_dir / "releases" / "fedcba9876543210"
    release.mkdir(parents=True)
    files: tuple[FileEntry, ...] = ()
    if with_void:
        shutil.copy(VOID, release / "void.ttl")
        files = (FileEntry.of(release / "void.ttl", "text/turtle"),)
    manifest = Manifest("https://w3id.org/portefeuille-qc/", "2025-09-12", 1, files=files)
    (release / "manifest.json").write_bytes(manifest.to_json())
    (out_dir / "current").symlink_to("releases/fedcba9876543210")
    return release


@pytest.fixture(scope="module")
def http(
    tmp_path_factory: pytest.TempPathFactory, store: EmbeddedStore, serve_app: Serve
) -> Iterator[httpx.Client]:
    out_dir = tmp_path_factory.mktemp("out")
    publish(out_dir)
    with (
        serve_app(create_app(Settings(out_dir=out_dir), store)) as url,
        httpx.Client(base_url=url, trust_env=False, timeout=10) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def expected() -> Graph:
    return Graph().parse(VOID, format="turtle")


RDF_FORMATS = [pytest.param(f, id=f.name) for f in (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_the_description_is_served_in_each_format_by_accept(
    http: httpx.Client,
    path: str,
    fmt: Format,
    expected: Graph,
    parse_rdf: Callable[[bytes, Format], Graph],
) -> None:
    response = http.get(path, headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.headers["content-type"] == fmt.content_type
    assert "accept" in response.headers["vary"].lower()
    assert isomorphic(parse_rdf(response.content, fmt), expected)


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_a_format_parameter_wins_over_accept(
    http: httpx.Client, fmt: Format, expected: Graph, parse_rdf: Callable[[bytes, Format], Graph]
) -> None:
    response = http.get("/dataset", params={"format": fmt.name}, headers={"Accept": "text/html"})
    assert response.headers["content-type"] == fmt.content_type
    assert isomorphic(parse_rdf(response.content, fmt), expected)


def test_turtle_is_the_default_and_the_build_s_file_as_it_is(http: httpx.Client) -> None:
    response = http.get("/.well-known/void", headers={"Accept": "*/*"})
    assert response.headers["content-type"] == TURTLE.content_type
    assert response.content == VOID.read_bytes()


def test_every_format_is_linked_as_an_alternate(http: httpx.Client) -> None:
    link = http.get("/dataset", headers={"Accept": "text/turtle"}).headers["link"]
    for fmt in (TURTLE, JSON_LD, N_TRIPLES, RDF_XML):
        assert f'</dataset?format={fmt.name}>; rel="alternate"; type="{fmt.media_type}"' in link


def test_nothing_acceptable_is_406(http: httpx.Client) -> None:
    assert http.get("/dataset", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("path", PATHS)
def test_a_browser_gets_a_page_of_figures_and_distributions(http: httpx.Client, path: str) -> None:
    response = http.get(path, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-language"] == "en"
    page = response.text
    assert "Portfolio of priority projects (linked open data)" in page
    assert "1,548" in page  # void:triples, formatted
    assert 'href="http://127.0.0.1' in page and '/dumps/portefeuille.ttl"' in page
    assert "cb8fce94be2177e4b8b685c2f60a1eaa0d6e823bea1ec8ee5e9809d35a8fbb45" in page
    assert "Treasury Board Secretariat" in page
    assert "https://w3id.org/portefeuille-qc/dumps/" not in page.replace(
        "<code>https://w3id.org/portefeuille-qc/id/jeu-de-donnees</code>", ""
    )


def test_the_page_is_french_by_default(http: httpx.Client) -> None:
    page = http.get("/dataset", headers={"Accept": "text/html"}).text
    assert "Jeu de données complet en Turtle" in page
    assert "« édition par édition »" in page
    assert "1\u202f548" in page


def test_a_release_without_void_ttl_is_404(
    tmp_path: Path, store: EmbeddedStore, serve_app: Serve
) -> None:
    publish(tmp_path, with_void=False)
    with serve_app(create_app(Settings(out_dir=tmp_path), store)) as url:
        response = httpx.get(f"{url}/dataset", headers={"Accept": "text/turtle"}, trust_env=False)
    assert response.status_code == 404
