"""Pages are built once per release, language and format, and rebuilt for a new release.

Releases are published with the build's own `publish` (the atomic swap of ``current``):
the fixture dataset plus one project whose label names the release.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from fastapi import FastAPI

from portefeuille_ld.errors import QueryTimeout
from portefeuille_ld.formats import Format
from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import RDFS
from portefeuille_ld.pipeline.manifest import FileEntry, Manifest
from portefeuille_ld.pipeline.publish import publish
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import QueryResult
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]

MARKED = Iris().initiative("marqueur")
HTML = {"Accept": "text/html"}


def publish_release(out_dir: Path, fixture: Path, name: str) -> Path:
    """Publish the fixture, the ontology and the shapes, plus ``MARKED rdfs:label
    "Version {name}"@fr``; its directory."""

    def write(directory: Path) -> Manifest:
        store = pyoxigraph.Store()
        store.load(path=fixture, format=pyoxigraph.RdfFormat.TRIG)
        settings, iris = Settings(), Iris()
        for path, graph in (
            (settings.ontology_path, iris.ontology_graph()),
            (settings.shapes_path, iris.shapes_graph()),
        ):
            turtle = pyoxigraph.RdfFormat.TURTLE
            store.load(path=path, format=turtle, to_graph=pyoxigraph.NamedNode(str(graph)))
        store.add(
            pyoxigraph.Quad(
                pyoxigraph.NamedNode(str(MARKED)),
                pyoxigraph.NamedNode(str(RDFS.label)),
                pyoxigraph.Literal(f"Version {name}", language="fr"),
                pyoxigraph.NamedNode(str(Iris().edition_graph("2025-2026"))),
            )
        )
        dump = directory / "portefeuille.nq"
        store.dump(dump, format=pyoxigraph.RdfFormat.N_QUADS)
        entry = FileEntry.of(dump, "application/n-quads")
        return Manifest(base_iri=str(Iris().base), build_date="2025-01-01", data_triples=22,
                        files=(entry,))  # fmt: skip

    return publish(out_dir, write)


def test_a_new_release_replaces_the_cached_pages(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    first = publish_release(tmp_path, fixture_path, "A")
    app = create_app(Settings(out_dir=tmp_path, workers=1, query_timeout_s=5))
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=10) as http:
        for _ in range(2):  # the second answer is the cached page
            assert "Version A" in http.get("/doc/projet/marqueur", headers=HTML).text
            assert first.name in http.get("/").text
        second = publish_release(tmp_path, fixture_path, "B")
        deadline = time.monotonic() + 15
        while "Version B" not in http.get("/doc/projet/marqueur", headers=HTML).text:
            assert time.monotonic() < deadline, "the page of the old release is still served"
            time.sleep(0.1)
        home = http.get("/").text
        assert second.name in home and first.name not in home
        english = http.get("/doc/projet/marqueur", params={"lang": "en"}, headers=HTML)
        assert english.headers["content-language"] == "en" and "Version B" in english.text


class CountingStore(EmbeddedStore):
    """An embedded store that counts its queries (in the class: one store per test)."""

    queries = 0
    failing: Exception | None = None
    """Raised by every query when set (what a worker past its time limit raises)."""

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        type(self).queries += 1
        if self.failing is not None:
            raise self.failing
        return super().query(
            sparql,
            accept=accept,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
        )


@pytest.fixture
def counted(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> Iterator[tuple[httpx.Client, type[CountingStore]]]:
    release = publish_release(tmp_path, fixture_path, "A")
    store = CountingStore.from_path(release / "portefeuille.nq")
    try:
        with (
            serve_app(create_app(Settings(out_dir=tmp_path), store)) as url,
            httpx.Client(base_url=url, trust_env=False, timeout=10) as http,
        ):
            yield http, CountingStore
    finally:
        store.close()


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        pytest.param("/doc/projet/marqueur", {}, HTML, id="page-fr"),
        pytest.param("/doc/projet/marqueur", {"lang": "en"}, HTML, id="page-en"),
        pytest.param("/doc/projet/marqueur", {}, {"Accept": "text/turtle"}, id="turtle"),
        pytest.param("/doc/projet/marqueur.jsonld", {}, {}, id="json-ld"),
        pytest.param("/ontologie", {}, HTML, id="ontology"),
        pytest.param("/", {"lang": "en"}, HTML, id="home-en"),
    ],
)
def test_a_page_is_built_once_per_release_language_and_format(
    counted: tuple[httpx.Client, type[CountingStore]],
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
) -> None:
    http, counter = counted
    first = http.get(path, params=params, headers=headers)
    assert first.status_code == 200
    before = counter.queries
    again = http.get(path, params=params, headers=headers)
    assert counter.queries == before
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers.get("content-language") == first.headers.get("content-language")
    if path.startswith("/doc/"):
        assert again.headers["link"] == first.headers["link"]
        assert again.headers["content-location"] == first.headers["content-location"]


def test_another_host_gets_its_own_links(counted: tuple[httpx.Client, type[CountingStore]]) -> None:
    http, _ = counted
    local = http.get("/doc/projet/marqueur", headers=HTML).text
    other = http.get("/doc/projet/marqueur", headers={**HTML, "Host": "example.org"}).text
    assert "http://example.org/doc/" in other and "http://example.org/doc/" not in local


def test_a_missing_page_is_not_kept(counted: tuple[httpx.Client, type[CountingStore]]) -> None:
    http, counter = counted
    assert http.get("/doc/projet/inconnu", headers=HTML).status_code == 404
    before = counter.queries
    assert http.get("/doc/projet/inconnu", headers=HTML).status_code == 404
    assert counter.queries > before


def test_a_303_is_kept_with_its_target(counted: tuple[httpx.Client, type[CountingStore]]) -> None:
    http, counter = counted
    first = http.get("/id/projet/marqueur", params={"lang": "en"}, headers=HTML)
    assert first.status_code == 303
    before = counter.queries
    again = http.get("/id/projet/marqueur", params={"lang": "en"}, headers=HTML)
    assert counter.queries == before
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["vary"] == first.headers["vary"]
    assert again.content == b""


def test_an_unknown_thing_is_asked_again(counted: tuple[httpx.Client, type[CountingStore]]) -> None:
    http, counter = counted
    assert http.get("/id/projet/inconnu", headers=HTML).status_code == 404
    before = counter.queries
    assert http.get("/id/projet/inconnu", headers=HTML).status_code == 404
    assert counter.queries > before


@pytest.mark.parametrize(
    ("path", "headers", "ok"),
    [
        pytest.param("/doc/projet/marqueur", HTML, 200, id="page"),
        pytest.param("/doc/projet/marqueur", {"Accept": "text/turtle"}, 200, id="turtle"),
        pytest.param("/id/projet/marqueur", HTML, 303, id="thing"),
    ],
)
def test_a_timed_out_page_is_a_503_and_is_not_kept(
    counted: tuple[httpx.Client, type[CountingStore]],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    headers: dict[str, str],
    ok: int,
) -> None:
    http, counter = counted
    monkeypatch.setattr(counter, "failing", QueryTimeout("the query took more than 1 s"))
    timed_out = http.get(path, headers=headers)
    assert timed_out.status_code == 503, timed_out.text
    assert timed_out.json()["status"] == 503
    monkeypatch.setattr(counter, "failing", None)
    assert http.get(path, headers=headers).status_code == ok
