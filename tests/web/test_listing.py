"""Long lists: the home page previews them and ``/liste/{section}?page=N`` lists them whole.

The data is a synthetic edition made here, larger than the home page shows: an
organization with `BIG` projects, more organizations than `HOME_GROUPS`, and a programme
whose sub-projects' labels sort otherwise than their numbers. One label is hostile markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI
from rdflib import URIRef

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import PF, RDF, RDFS
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.describe import INVERSE_SHOWN
from portefeuille_ld.web.listing import HOME_GROUPS, HOME_MEMBERS, PAGE_SIZE

Serve = Callable[[FastAPI], AbstractContextManager[str]]

IRIS = Iris()
EDITION = "2030-2031"
BIG = 450
"""Projects of the largest organization: more than two pages of a listing."""
SMALL_ORGS = HOME_GROUPS + 5
SUBS = 12
HOSTILE = '<script>alert("x")</script> & é'


def _quad(s: URIRef, p: URIRef, o: str) -> str:
    return f"<{s}> <{p}> {o} <{IRIS.edition_graph(EDITION)}> .\n"


def _label(text: str, lang: str) -> str:
    return f"{json.dumps(text)}@{lang}"


def portfolio() -> str:
    """N-Quads of the synthetic edition: entries, initiatives, organizations, one table."""
    edition, axis = IRIS.edition(EDITION), IRIS.composition(EDITION, "missions")
    out = [
        _quad(edition, RDF.type, f"<{PF.PortfolioEdition}>"),
        _quad(edition, PF.fiscalYear, json.dumps(EDITION)),
        _quad(axis, RDFS.label, _label("Tableau 1", "fr")),
        _quad(axis, RDFS.label, _label("Table 1", "en")),
    ]
    orgs = [("grand", BIG)] + [(f"petit-{n:02d}", 1) for n in range(SMALL_ORGS)]
    for org, count in orgs:
        org_iri = IRIS.organization(org)
        out += [
            _quad(org_iri, RDFS.label, _label(f"Organisme {org}", "fr")),
            _quad(org_iri, RDFS.label, _label(f"Organization {org}", "en")),
        ]
        for n in range(count):
            key = f"{org}-{n:03d}"
            out += _initiative(key, PF.Project, org_iri, axis, position=n)
    out += _initiative("hostile", PF.Project, IRIS.organization("grand"), axis, text=HOSTILE)
    programme = IRIS.initiative("programme")
    out += _initiative("programme", PF.Programme, IRIS.organization("petit-00"), axis)
    for n in range(1, SUBS + 1):
        sub = IRIS.initiative(f"programme-p{n}")
        # labels in the reverse order of the numbers
        out += _initiative(f"programme-p{n}", PF.Project, None, None, text=f"Volet {100 - n}")
        out += [
            _quad(sub, PF.partOfProgramme, f"<{programme}>"),
            _quad(sub, PF.projectNumber, f'"{n}"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        ]
    return "".join(out)


def _initiative(
    key: str,
    kind: URIRef,
    org: URIRef | None,
    axis: URIRef | None,
    *,
    position: int = 0,
    text: str | None = None,
) -> list[str]:
    iri, entry = IRIS.initiative(key), IRIS.entry(EDITION, key)
    quads = [
        _quad(iri, RDF.type, f"<{kind}>"),
        _quad(iri, RDFS.label, _label(text or f"Projet {key}", "fr")),
        _quad(iri, RDFS.label, _label(text or f"Project {key}", "en")),
        _quad(IRIS.edition(EDITION), PF.hasEntry, f"<{entry}>"),
        _quad(entry, PF.initiative, f"<{iri}>"),
        _quad(entry, PF.status, f"<{PF.Active}>"),
        _quad(entry, PF.position, f'"{position}"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ]
    if org is not None:
        quads.append(_quad(iri, PF.responsibleOrganization, f"<{org}>"))
    if axis is not None:
        quads.append(_quad(entry, PF.axis, f"<{axis}>"))
    return quads


@pytest.fixture(scope="module")
def http(serve_app: Serve, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    store = EmbeddedStore.from_data(portfolio())
    # No release: the pages are the synthetic store's (a release's own home data would win).
    settings = Settings(out_dir=tmp_path_factory.mktemp("no-release"))
    try:
        with (
            serve_app(create_app(settings, store)) as url,
            httpx.Client(base_url=url, trust_env=False, timeout=30) as client,
        ):
            yield client
    finally:
        store.close()


class _Page(HTMLParser):
    """The links of a page, and the ``rel="next"`` one."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.next: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
            if values.get("rel") == "next":
                self.next = values["href"]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _projects(links: list[str], prefix: str) -> set[str]:
    return {h.rsplit("/", 1)[1] for h in links if f"/doc/projet/{prefix}" in h}


def test_the_home_page_previews_long_lists(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 200
    section = response.text[response.text.index('id="by-organization"') :]
    section = section[: section.index('id="by-programme"')]
    links = _parse(section).links
    shown = _projects(links, "grand-") | _projects(links, "hostile")  # the hostile one is first
    assert len(shown) == HOME_MEMBERS
    assert f"… et {BIG + 1 - HOME_MEMBERS} autres" in section
    assert section.count("/doc/organisme/") == HOME_GROUPS
    assert f"La liste complète ({SMALL_ORGS + 1} au total)" in section


def test_a_more_link_leads_to_the_first_member_left_out(http: httpx.Client) -> None:
    section = http.get("/").text
    more = re.search(r'href="([^"]*/liste/organismes[^"]*#g0)"', section)
    assert more is not None
    target = more.group(1).replace("&amp;", "&")
    page = http.get(target)
    assert page.status_code == 200
    after_anchor = page.text[page.text.index('id="g0"') :]
    assert re.search(rf"/doc/projet/grand-{HOME_MEMBERS:03d}\"", after_anchor)


def test_the_listing_pages_hold_every_entry_once(http: httpx.Client) -> None:
    url: str | None = "/liste/organismes"
    seen: list[str] = []
    pages = 0
    while url is not None:
        response = http.get(url)
        assert response.status_code == 200
        page = _parse(response.text)
        members = [h for h in page.links if "/doc/projet/" in h]
        assert len(members) <= PAGE_SIZE
        seen += members
        url, pages = page.next, pages + 1
    expected = BIG + 1 + SMALL_ORGS + 1  # with the hostile project and the programme
    assert pages == -(-(expected) // PAGE_SIZE)
    assert len(seen) == len(set(seen)) == expected


def test_a_listing_page_title_says_which_page_of_how_many(http: httpx.Client) -> None:
    first = http.get("/liste/organismes").text
    total = re.search(r"<title>[^<]*· Page 1/(\d+) ·", first)
    assert total is not None and int(total.group(1)) > 1
    last = http.get(f"/liste/organismes?page={total.group(1)}").text
    assert f"· Page {total.group(1)}/{total.group(1)} ·" in last


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("page=0", id="zero"),
        pytest.param("page=abc", id="not-a-number"),
        pytest.param("page=99", id="past-the-end"),
        pytest.param("page=%C2%B2", id="superscript-digit"),
        pytest.param("page=" + "9" * 5000, id="too-many-digits"),
    ],
)
def test_a_listing_page_that_does_not_exist_is_404(http: httpx.Client, query: str) -> None:
    response = http.get(f"/liste/organismes?{query}", headers={"Accept": "text/html"})
    assert response.status_code == 404


def test_an_unknown_listing_is_404(http: httpx.Client) -> None:
    assert http.get("/liste/inconnue", headers={"Accept": "text/html"}).status_code == 404


def test_the_listing_is_french_by_default_and_english_on_request(http: httpx.Client) -> None:
    french = http.get("/liste/organismes")
    assert french.headers["content-language"] == "fr"
    assert "Organisme grand" in french.text and "page 1 de 3" in french.text
    english = http.get("/liste/organismes", params={"lang": "en"})
    assert english.headers["content-language"] == "en"
    assert "Organization grand" in english.text and "page 1 of 3" in english.text
    nxt = _parse(english.text).next
    assert nxt is not None and "page=2" in nxt and "lang=en" in nxt
    home = http.get("/", params={"lang": "en"}).text
    assert re.search(r'/liste/organismes\?(page=\d+&amp;)?lang=en#g0"', home)


def test_labels_are_escaped_on_the_home_and_listing_pages(http: httpx.Client) -> None:
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; é"
    assert escaped in http.get("/").text
    for section in ("organismes", "tableaux"):
        pages = [http.get(f"/liste/{section}", params={"page": n}).text for n in (1, 2, 3)]
        assert not any("<script>alert" in text for text in pages)
        assert sum(escaped in text for text in pages) == 1


def test_sub_projects_are_listed_by_number(http: httpx.Client) -> None:
    page = http.get("/doc/projet/programme", headers={"Accept": "text/html"}).text
    inverse = page[page.index('id="inverse"') :]
    keys = re.findall(r"/doc/projet/programme-p(\d+)\"", inverse)
    assert keys == [str(n) for n in range(1, SUBS + 1)]


def test_an_organization_page_shows_its_projects_bounded_with_their_number(
    http: httpx.Client,
) -> None:
    response = http.get("/doc/organisme/grand", headers={"Accept": "text/html"})
    inverse = response.text[response.text.index('id="inverse"') :]
    shown = _projects(_parse(inverse).links, "")
    assert len(shown) == INVERSE_SHOWN
    assert f"({BIG + 1})" in inverse
    assert f"{INVERSE_SHOWN} sur {BIG + 1} sont affichés." in inverse
    query = re.search(r'href="([^"]*/sparql\?query=[^"]*)"', inverse)
    assert query is not None
    answer = http.get(query.group(1).replace("&amp;", "&"), headers={"Accept": "text/csv"})
    assert len(answer.text.split()) == BIG + 1 + 1  # the header and every project
