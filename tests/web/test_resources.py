"""Linked data over a real socket: every IRI kind resolves, in every format, in both languages.

The server answers from the real portfolio (the session's build, `tests/conftest.py`), with
the canonical base ``https://w3id.org/portefeuille-qc/`` while it is reached on
``http://127.0.0.1:<port>/``: pages must link to the latter, RDF must keep the former.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from portefeuille_ld.formats import JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format
from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import ORG, PF, SH
from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]
Parse = Callable[[bytes, Format], Graph]

IRIS = Iris()
LEXIUS = IRIS.initiative("lexius")
MCN = IRIS.organization("mcn")
RDF_FORMATS = [pytest.param(f, id=f.name) for f in (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)]


@pytest.fixture(scope="module")
def real_store(built: BuildResult) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore.from_path(built.release / "portefeuille.nq")
    yield store
    store.close()


@pytest.fixture(scope="module")
def ld_server(real_store: EmbeddedStore, serve_app: Serve, built: BuildResult) -> Iterator[str]:
    settings = Settings(out_dir=built.release.parent.parent)
    with serve_app(create_app(settings, real_store)) as url:
        yield url


@pytest.fixture
def http(ld_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ld_server, trust_env=False, timeout=20) as client:
        yield client


def _html(http: httpx.Client, path: str, **headers: str) -> httpx.Response:
    response = http.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response


# ---------------------------------------------------------------- things and documents


def test_thing_answers_303_to_its_document(http: httpx.Client, ld_server: str) -> None:
    response = http.get("/id/projet/lexius", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{ld_server}/doc/projet/lexius"
    assert "accept" in response.headers["vary"].lower()


def test_thing_redirect_keeps_the_language(http: httpx.Client, ld_server: str) -> None:
    response = http.get("/id/organisme/mcn?lang=en")
    assert response.status_code == 303
    assert response.headers["location"] == f"{ld_server}/doc/organisme/mcn?lang=en"


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_document_by_accept_holds_the_components(
    http: httpx.Client, parse_rdf: Parse, fmt: Format
) -> None:
    response = http.get("/doc/projet/lexius", headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.headers["content-type"] == fmt.content_type
    assert response.headers["content-location"].endswith(f"/doc/projet/lexius.{fmt.extension}")
    graph = parse_rdf(response.content, fmt)
    for n in range(1, 6):
        assert (LEXIUS, PF.hasComponent, IRIS.initiative(f"lexius-p{n}")) in graph
    assert (LEXIUS, RDF.type, PF.Programme) in graph


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_extension_wins_over_accept(http: httpx.Client, parse_rdf: Parse, fmt: Format) -> None:
    response = http.get(f"/doc/organisme/mcn.{fmt.extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == fmt.content_type
    graph = parse_rdf(response.content, fmt)
    assert (MCN, RDF.type, ORG.Organization) in graph


def test_organization_description_has_its_projects_as_inverse_links(
    http: httpx.Client, parse_rdf: Parse
) -> None:
    graph = parse_rdf(http.get("/doc/organisme/mcn.nt").content, N_TRIPLES)
    edition = parse_rdf(http.get("/graphe/2025-2026.nt").content, N_TRIPLES)
    carried = set(graph.subjects(PF.responsibleOrganization, MCN))
    assert carried == set(edition.subjects(PF.responsibleOrganization, MCN))
    top_level = {s for s in carried if (s, PF.partOfProgramme, None) not in edition}
    expected = {IRIS.initiative(k) for k in ("ccti", "pdm", "service-bureautique", "sqin")}
    assert top_level == expected


def test_rdf_keeps_the_canonical_iris(http: httpx.Client) -> None:
    body = http.get("/doc/projet/lexius.nt").text
    assert f"<{LEXIUS}>" in body
    assert "127.0.0.1" not in body


def test_nothing_acceptable_is_406(http: httpx.Client) -> None:
    response = http.get("/doc/projet/lexius", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_document_headers(http: httpx.Client, ld_server: str) -> None:
    response = _html(http, "/doc/projet/lexius")
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    assert {"accept", "accept-language"} <= vary
    assert response.headers["content-language"] == "fr"
    assert response.headers["content-location"] == f"{ld_server}/doc/projet/lexius.html"
    links = response.headers["link"]
    for fmt in (TURTLE, JSON_LD, N_TRIPLES, RDF_XML):
        expected = f'<{ld_server}/doc/projet/lexius.{fmt.extension}>; rel="alternate"; '
        assert f'{expected}type="{fmt.media_type}"' in links


def test_browser_accept_gets_html(http: httpx.Client) -> None:
    chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    response = http.get("/doc/projet/lexius", headers={"Accept": chrome})
    assert response.headers["content-type"].startswith("text/html")


def test_head_answers_like_get(http: httpx.Client) -> None:
    response = http.head("/doc/projet/lexius.ttl")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == TURTLE.content_type


# ---------------------------------------------------------------- every kind of IRI

KINDS = [
    pytest.param(IRIS.edition("2025-2026"), PF.PortfolioEdition, id="edition"),
    pytest.param(IRIS.entry("2025-2026", "lexius"), PF.PortfolioEntry, id="entry"),
    pytest.param(IRIS.composition("2025-2026", "missions"), PF.AxisComposition, id="composition"),
    pytest.param(IRIS.footnote("2025-2026", 1), PF.Footnote, id="note"),
    pytest.param(LEXIUS, PF.Programme, id="programme"),
    pytest.param(IRIS.initiative("lexius-p2"), PF.Project, id="sub-project"),
    pytest.param(IRIS.initiative("pdm"), PF.Project, id="project"),
    pytest.param(IRIS.initiative("dsn-deploiement-provincial"), PF.Deployment, id="deployment"),
    pytest.param(MCN, ORG.Organization, id="organization"),
    pytest.param(IRIS.legal_reference("decret-596-2020"), PF.LegalReference, id="legal"),
    pytest.param(IRIS.decision("ct-icpg-execution"), PF.Decision, id="decision"),
    pytest.param(IRIS.source_document("2025-2026"), PF.SourceDocument, id="source"),
]


@pytest.mark.parametrize(("iri", "cls"), KINDS)
def test_every_thing_resolves_in_html_and_rdf(
    http: httpx.Client, parse_rdf: Parse, iri: URIRef, cls: URIRef
) -> None:
    path = str(iri).removeprefix(IRIS.base + "id/")
    redirect = http.get(f"/id/{path}")
    assert redirect.status_code == 303
    page = http.get(redirect.headers["location"], headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert f'<code class="iri">{iri}</code>' in page.text
    graph = parse_rdf(http.get(f"/doc/{path}", headers={"Accept": "text/turtle"}).content, TURTLE)
    assert (iri, RDF.type, cls) in graph


@pytest.mark.parametrize(
    ("path", "triple"),
    [
        pytest.param("/ontologie", (PF.Project, RDF.type, OWL.Class), id="ontology"),
        pytest.param("/ontologie/1.0.0", (PF.Active, RDF.type, None), id="version"),
        pytest.param("/formes", (PF._NS["ProjectShape"], RDF.type, SH.NodeShape), id="shapes"),
        pytest.param("/graphe/2025-2026", (LEXIUS, RDF.type, PF.Programme), id="edition-graph"),
        pytest.param("/graphe/ontologie", (PF.Project, RDF.type, OWL.Class), id="ontology-graph"),
        pytest.param("/graphe/formes", (None, SH.targetClass, PF.Project), id="shapes-graph"),
    ],
)
def test_every_document_resolves_in_html_and_rdf(
    http: httpx.Client,
    parse_rdf: Parse,
    path: str,
    triple: tuple[URIRef | None, URIRef, URIRef | None],
) -> None:
    _html(http, path)
    graph = parse_rdf(http.get(f"{path}.nt").content, N_TRIPLES)
    assert triple in graph


def test_named_graph_serves_all_its_triples(
    http: httpx.Client, parse_rdf: Parse, real_store: EmbeddedStore
) -> None:
    graph = parse_rdf(
        http.get("/graphe/2025-2026", headers={"Accept": "text/turtle"}).content, TURTLE
    )
    sizes = {g.iri: g.triples for g in real_store.statistics().graphs}
    assert len(graph) == sizes[str(IRIS.edition_graph("2025-2026"))]
    assert f"{len(graph)} triplets" in _html(http, "/graphe/2025-2026").text


def test_ontology_page_has_an_anchor_for_every_term(http: httpx.Client) -> None:
    html = _html(http, "/ontologie").text
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    terms = {name for name in PF.__annotations__ if not name.startswith("_")}
    assert terms - ids == set()
    shapes = {f"{name}Shape" for name in ("PortfolioEdition", "PortfolioEntry", "Project")}
    assert shapes - ids == set()


def test_ontology_page_documents_terms_in_english(http: httpx.Client) -> None:
    html = _html(http, "/ontologie?lang=en").text
    block = html[html.index('id="responsibleOrganization"') :][:2000]
    assert "responsible organization" in block
    assert "The public body that carries the initiative." in block


# ---------------------------------------------------------------- HTML pages


def test_page_shows_labels_links_inverse_links_and_place(
    http: httpx.Client, ld_server: str
) -> None:
    html = _html(http, "/doc/projet/lexius").text
    assert '<h1 lang="fr">Programme Lexius</h1>' in html
    assert "organisme responsable" in html  # the property's French label, from the ontology
    assert f'href="{ld_server}/doc/organisme/mjq"' in html  # linked to this server
    assert 'href="https://w3id.org/portefeuille-qc/id/' not in html
    inverse = html[html.index('id="inverse"') :]
    assert "fait partie du programme" in inverse
    assert f'href="{ld_server}/doc/projet/lexius-p5"' in inverse
    place = html[html.index('id="portfolio"') : html.index('id="properties"')]
    assert "Actif" in place and "Projets visant à transformer les missions" in place


@pytest.mark.parametrize(
    ("query", "accept_language", "lang"),
    [
        pytest.param("", "en-CA,en;q=0.9,fr;q=0.5", "en", id="accept-language-en"),
        pytest.param("", "fr-CA, en;q=0.8", "fr", id="accept-language-fr"),
        pytest.param("?lang=en", "fr", "en", id="param-wins-en"),
        pytest.param("?lang=fr", "en", "fr", id="param-wins-fr"),
    ],
)
def test_page_language(http: httpx.Client, query: str, accept_language: str, lang: str) -> None:
    response = _html(http, f"/doc/projet/lexius{query}", **{"Accept-Language": accept_language})
    assert response.headers["content-language"] == lang
    assert f'<html lang="{lang}">' in response.text
    title, section = {
        "en": ("Lexius Programme", "Place in the portfolio"),
        "fr": ("Programme Lexius", "Place dans le portefeuille"),
    }[lang]
    assert f'<h1 lang="{lang}">{title}</h1>' in response.text
    assert section in response.text


def _json_ld(html: str) -> str:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_page_embeds_its_json_ld(http: httpx.Client, parse_rdf: Parse) -> None:
    embedded = _json_ld(_html(http, "/doc/organisme/mcn").text)
    json.loads(embedded)
    graph = parse_rdf(embedded.encode(), JSON_LD)
    assert (MCN, RDF.type, ORG.Organization) in graph
    assert (IRIS.initiative("pdm"), PF.responsibleOrganization, MCN) in graph


HOSTILE = '</script><script>alert("x")</script><!-- & é'


def test_literals_render_inert(serve_app: Serve, parse_rdf: Parse) -> None:
    iri = IRIS.initiative("hostile")
    label = json.dumps(HOSTILE)  # a valid N-Triples string
    data = f"<{iri}> <{RDFS.label}> {label}@fr <{IRIS.edition_graph('x')}> .\n"
    store = EmbeddedStore.from_data(data)
    with serve_app(create_app(Settings(), store)) as url:
        html = httpx.get(f"{url}/doc/projet/hostile", headers={"Accept": "text/html"}).text
    assert html.count("<script") == 1 and html.count("</script>") == 1
    assert "&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)" in html
    graph = parse_rdf(_json_ld(html).encode(), JSON_LD)
    assert (
        iri,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal(HOSTILE, lang="fr"),
    ) in graph


# ---------------------------------------------------------------- not found


@pytest.mark.parametrize(
    ("path", "lang", "title"),
    [
        pytest.param("/id/projet/inconnu", "fr", "Ressource introuvable", id="thing-fr"),
        pytest.param("/doc/projet/inconnu?lang=en", "en", "Resource not found", id="doc-en"),
        pytest.param("/graphe/inconnu", "fr", "Ressource introuvable", id="graph-fr"),
        pytest.param("/doc/projet/a%3Eb", "fr", "Ressource introuvable", id="unsafe-path"),
        pytest.param("/ontologie/9.9.9?lang=en", "en", "Resource not found", id="version-en"),
    ],
)
def test_unknown_iri_is_a_404_page(http: httpx.Client, path: str, lang: str, title: str) -> None:
    response = http.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-language"] == lang
    assert f"<h1>{title}</h1>" in response.text


def test_unknown_iri_is_a_problem_for_rdf_clients(http: httpx.Client) -> None:
    response = http.get("/doc/projet/inconnu", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "id/projet/inconnu" in response.json()["detail"]


def test_stylesheet_is_served(http: httpx.Client) -> None:
    response = http.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/id/jeu-de-donnees",
        "/id/jeu-de-donnees/distribution/turtle",
        "/id/catalogue",
        "/id/service/sparql",
        "/doc/jeu-de-donnees",
    ],
)
def test_dataset_description_iris_see_the_dataset_document(http: httpx.Client, path: str) -> None:
    response = http.get(path, params={"lang": "en"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dataset?lang=en"
    described = http.get("/dataset", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=described.text, format="turtle")
    iri = URIRef("https://w3id.org/portefeuille-qc" + path.replace("/doc/", "/id/"))
    assert (iri, None, None) in graph
