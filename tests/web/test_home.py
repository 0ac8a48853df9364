"""``/``: the home page over the real build. Its figures must equal an independent count
(rdflib over the N-Triples dump, no SPARQL), every link must resolve, and the figures are
the build's (``accueil.json``, no query) or, without them, computed once per release."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from fastapi import FastAPI
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from portefeuille_ld.formats import Format
from portefeuille_ld.home_data import HOME_FILE, HomeData, TripleCounts, compute_home
from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import PF
from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import QueryInThread, QueryResult, Store, StoreStatistics
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]


class CountingStore(QueryInThread):
    """A `Store` that counts the queries it passes on."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.queries = 0

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        self.queries += 1
        return self.inner.query(
            sparql,
            accept=accept,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
        )

    def describe(self, iri: str, fmt: Format) -> bytes:
        return self.inner.describe(iri, fmt)

    def statistics(self) -> StoreStatistics:
        return self.inner.statistics()

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def counting(built: BuildResult) -> Iterator[CountingStore]:
    store = CountingStore(EmbeddedStore.from_path(built.release / "portefeuille.nq"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def http(built: BuildResult, counting: CountingStore, serve_app: Serve) -> Iterator[httpx.Client]:
    settings = Settings(out_dir=built.release.parent.parent)
    with (
        serve_app(create_app(settings, counting)) as url,
        httpx.Client(base_url=url, trust_env=False, timeout=10) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def data(built: BuildResult) -> Graph:
    return Graph().parse(built.release / "portefeuille.nt", format="nt")


def independent_figures(graph: Graph) -> dict[str, int]:
    """The home page's figures, counted in Python over the graph (the README's rules)."""
    entries = [
        (e, graph.value(e, PF.initiative)) for e in graph.subjects(RDF.type, PF.PortfolioEntry)
    ]
    initiatives = {i for _, i in entries if isinstance(i, URIRef)}
    active = {
        i
        for e, i in entries
        if (e, PF.status, PF.Active) in graph and (i, RDF.type, PF.Project) in graph
    }
    return {
        "active-projects": len(active),
        "programmes": sum((i, RDF.type, PF.Programme) in graph for i in initiatives),
        "organizations": len(
            {o for i in initiatives for o in graph.objects(i, PF.responsibleOrganization)}
        ),
        "triples": len(graph),
    }


def shown_figures(page: str) -> dict[str, int]:
    found = re.findall(r'data-figure="([a-z-]+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', page)
    return {name: int(re.sub(r"\D", "", value)) for name, value in found}


def test_the_figures_are_the_counts_of_the_data(http: httpx.Client, data: Graph) -> None:
    page = http.get("/").text
    expected = independent_figures(data)
    assert shown_figures(page) == expected
    assert expected["active-projects"] == 37  # the README's figure, stated nowhere in the data
    assert expected["programmes"] == 7


def test_the_page_and_the_listings_are_the_build_s_data_without_a_query(
    http: httpx.Client, counting: CountingStore, built: BuildResult
) -> None:
    home = HomeData.from_json((built.release / HOME_FILE).read_bytes())
    for path in ("/", "/?lang=en", "/liste/organismes", "/liste/programmes", "/liste/tableaux"):
        assert http.get(path).status_code == 200
    assert counting.queries == 0
    assert home.latest is not None and home.latest.active_projects == 37


def test_the_build_s_data_is_what_the_store_answers(built: BuildResult) -> None:
    store = EmbeddedStore.from_path(built.release / "portefeuille.nq")
    try:
        answered = compute_home(store, Iris().base)
    finally:
        store.close()
    written = HomeData.from_json((built.release / HOME_FILE).read_bytes())
    assert written == answered
    assert len(written.by_organization) == 14


def test_counts_given_stand_for_the_store_s_graphs(built: BuildResult) -> None:
    """As the build reads it off the validation's copy: every triple in the default graph,
    the triples counted by the manifest."""
    quads = list(pyoxigraph.parse(path=built.release / "portefeuille.nq"))
    flat = pyoxigraph.Store()
    flat.extend(pyoxigraph.Quad(*q.triple) for q in quads)
    assert list(flat.named_graphs()) == []
    counts = TripleCounts(
        {graph.iri: graph.triples for graph in built.manifest.graphs},
        built.manifest.data_triples,
    )
    written = HomeData.from_json((built.release / HOME_FILE).read_bytes())
    assert compute_home(EmbeddedStore(flat), Iris().base, counts) == written
    other = TripleCounts({iri: n + 1 for iri, n in counts.graphs.items()}, counts.union + 1)
    shifted = compute_home(EmbeddedStore(flat), Iris().base, other)
    assert shifted.triples == written.triples + 1
    assert [e.triples for e in shifted.editions] == [e.triples + 1 for e in written.editions]


def _copied_release(built: BuildResult, target: Path) -> Path:
    """A copy of the build's output directory (its ``current`` link and release)."""
    out_dir = built.release.parent.parent
    shutil.copytree(out_dir, target, symlinks=True)
    return target


def _served_home(settings: Settings, built: BuildResult, serve_app: Serve) -> tuple[str, int, int]:
    """The home page, and the queries made by the first request and by the second."""
    store = CountingStore(EmbeddedStore.from_path(built.release / "portefeuille.nq"))
    try:
        with serve_app(create_app(settings, store)) as url:
            page = httpx.get(url + "/", trust_env=False).text
            first = store.queries
            httpx.get(url + "/?lang=en", trust_env=False)
    finally:
        store.close()
    return page, first, store.queries


def _marked(out_dir: Path) -> None:
    """Change the release's home data to show 9999 active projects, which no query gives."""
    path = out_dir / "current" / HOME_FILE
    home = HomeData.from_json(path.read_bytes())
    latest = dataclasses.replace(home.editions[0], active_projects=9999)
    path.write_bytes(dataclasses.replace(home, editions=(latest,)).to_json())


@pytest.mark.parametrize("case", ["missing", "unreadable", "other-base-iri", "served-files"])
def test_without_the_build_s_data_the_figures_are_queried_once_per_release(
    case: str, tmp_path: Path, built: BuildResult, serve_app: Serve
) -> None:
    out_dir = _copied_release(built, tmp_path / "out")
    _marked(out_dir)
    read, first, _ = _served_home(Settings(out_dir=out_dir), built, serve_app)
    assert (shown_figures(read)["active-projects"], first) == (9999, 0)
    settings = Settings(out_dir=out_dir)
    if case == "missing":
        (out_dir / "current" / HOME_FILE).unlink()
    elif case == "unreadable":
        (out_dir / "current" / HOME_FILE).write_bytes(b'{"editions": [')
    elif case == "other-base-iri":
        settings = Settings(out_dir=out_dir, base_iri="https://example.org/portefeuille/")
    else:
        settings = Settings(out_dir=out_dir, data_files=(built.release / "portefeuille.nq",))
    page, first, second = _served_home(settings, built, serve_app)
    assert first > 0
    assert second == first
    if case != "other-base-iri":  # no edition graph is under that base IRI
        assert shown_figures(page)["active-projects"] == 37


def test_every_dump_and_the_entry_points_are_linked(http: httpx.Client, built: BuildResult) -> None:
    page = http.get("/").text
    base = str(http.base_url).rstrip("/")
    for entry in built.manifest.files:
        assert f'href="{base}/dumps/{entry.name}"' in page
    for path in ("/sparql", "/dataset", "/dumps/", "/dumps/SHA256SUMS", "/.well-known/void"):
        assert f'href="{base}{path}"' in page
    assert 'href="' + base + '/sparql?example=01-projets-actifs"' in page


def test_the_lists_link_programmes_to_their_sub_projects(http: httpx.Client) -> None:
    page = http.get("/").text
    section = page[page.index('id="by-programme"') : page.index('id="by-table"')]
    assert "/doc/projet/lexius" in section
    assert re.search(r"/doc/projet/lexius-p\d", section)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.add(value)


def test_every_local_link_of_the_page_resolves(http: httpx.Client) -> None:
    parser = _Links()
    parser.feed(http.get("/").text)
    base = str(http.base_url).rstrip("/")
    local = sorted(h for h in parser.hrefs if h.startswith((base, "/")) and "#" not in h)
    assert len(local) > 50
    broken = []
    for href in local:
        response = http.get(href, headers={"Accept": "text/html"}, follow_redirects=True)
        if response.status_code != 200:
            broken.append(f"{href} {response.status_code}")
    assert broken == []


def test_a_linked_data_client_is_sent_to_the_dataset_description(http: httpx.Client) -> None:
    response = http.get("/", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["location"] == "/dataset"
    assert http.get("/", headers={"Accept": "image/png"}).status_code == 406


def test_without_a_release_the_page_still_shows_the_figures(
    tmp_path: Path, built: BuildResult, serve_app: Serve
) -> None:
    store = EmbeddedStore.from_path(built.release / "portefeuille.nq")
    try:
        with serve_app(create_app(Settings(out_dir=tmp_path), store)) as url:
            page = httpx.get(url + "/", trust_env=False).text
    finally:
        store.close()
    assert shown_figures(page)["active-projects"] == 37
    assert "/dumps/portefeuille" not in page
