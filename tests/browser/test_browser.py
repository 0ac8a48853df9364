"""What a person sees, in Chromium: the home page, a programme page and the query page.

The server serves the real build; the expected values are counted from the build's
N-Triples dump with rdflib. A screenshot of each page goes to ``test-artifacts/``. Every
request the browser makes outside the server is blocked and recorded, and so is every
JavaScript error: each test asserts that both lists stay empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import PF
from portefeuille_ld.pipeline.build import BuildResult

LEXIUS = Iris().initiative("lexius")


@dataclass
class Watch:
    """What a page did that it should not: requests elsewhere, JavaScript errors."""

    foreign_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, server: str, watch: Watch) -> Iterator[Page]:
    """A fresh page that may only talk to `server`."""
    context = browser.new_context(base_url=server, locale="fr-CA")

    def only_ours(route: Route) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            watch.foreign_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    opened = context.new_page()
    opened.on("pageerror", lambda error: watch.errors.append(str(error)))
    opened.on(
        "console",
        lambda message: watch.errors.append(message.text) if message.type == "error" else None,
    )
    yield opened
    context.close()


@pytest.fixture(scope="module")
def data(built: BuildResult) -> Graph:
    return Graph().parse(built.release / "portefeuille.nt", format="nt")


def active_projects(graph: Graph) -> int:
    return sum(
        (entry, PF.status, PF.Active) in graph
        and (graph.value(entry, PF.initiative), RDF.type, PF.Project) in graph
        for entry in graph.subjects(RDF.type, PF.PortfolioEntry)
    )


def french_title(graph: Graph, node: URIRef) -> str:
    titles = [t for t in graph.objects(node, DCTERMS.title) if isinstance(t, Literal)]
    return next(str(t) for t in titles if t.language == "fr")


def assert_clean(watch: Watch) -> None:
    assert watch.foreign_requests == [], "the page asked another server"
    assert watch.errors == [], "JavaScript errors"


def test_home_page_shows_the_computed_figures(
    page: Page, watch: Watch, data: Graph, artifacts: Path
) -> None:
    page.goto("/")
    expect(page.locator("h1")).to_be_visible()
    figure = page.locator('[data-figure="active-projects"] dd')
    expect(figure).to_be_visible()
    expect(figure).to_have_text(str(active_projects(data)))
    expect(figure).to_have_text("37")
    expect(page.get_by_role("link", name="Requête SPARQL").first).to_be_visible()
    page.screenshot(path=artifacts / "home.png", full_page=True)
    assert_clean(watch)


def test_programme_page_lists_its_sub_projects(
    page: Page, watch: Watch, data: Graph, artifacts: Path
) -> None:
    page.goto("/id/projet/lexius")
    assert re.search(r"/doc/projet/lexius$", page.url)
    expect(page.locator("h1")).to_contain_text(french_title(data, LEXIUS))
    subs = sorted(s for s in data.subjects(PF.partOfProgramme, LEXIUS) if isinstance(s, URIRef))
    assert len(subs) == 5
    for sub in subs:
        key = str(sub).rsplit("/", 1)[1]
        link = page.locator(f'main a[href$="/doc/projet/{key}"]').first
        expect(link).to_be_visible()
        expect(link).to_have_text(french_title(data, sub))
    page.screenshot(path=artifacts / "programme-lexius.png", full_page=True)
    assert_clean(watch)


def test_programme_page_lists_its_sub_projects_by_number(page: Page, data: Graph) -> None:
    numbers = {
        str(sub).rsplit("/", 1)[1]: int(data.value(sub, PF.projectNumber))  # type: ignore[arg-type]
        for sub in data.subjects(PF.partOfProgramme, LEXIUS)
    }
    page.goto("/doc/projet/lexius")
    lists = page.locator("#inverse ~ ul.values").evaluate_all(
        "lists => lists.map(ul => [...ul.querySelectorAll('a')].map(a => a.getAttribute('href')))"
    )
    expected = sorted(numbers, key=numbers.__getitem__)
    subs = [[h.rsplit("/", 1)[1] for h in hrefs if "/doc/projet/lexius-p" in h] for hrefs in lists]
    assert [keys for keys in subs if keys] == [expected, expected]  # partOfProgramme, isPartOf


def test_the_full_listing_shows_every_programme(page: Page, watch: Watch, data: Graph) -> None:
    page.goto("/")
    home = page.locator("#by-programme + ul.groups > li > a").all_inner_texts()
    page.goto("/liste/programmes")
    expect(page.locator("h1")).to_contain_text("Par programme")
    assert page.locator("ul.groups > li > a").all_inner_texts() == home
    assert len(home) == sum(1 for _ in data.subjects(RDF.type, PF.Programme))
    expect(page.locator("nav.pager")).to_have_count(0)  # one page
    assert_clean(watch)


def test_query_page_runs_an_example_into_a_table(
    page: Page, watch: Watch, data: Graph, artifacts: Path
) -> None:
    page.goto("/sparql")
    example = page.locator('a.example[data-example="01-projets-actifs"]')
    expect(example).to_be_visible()
    example.click()
    rows = page.locator("#results table tbody tr")
    expect(rows).to_have_count(active_projects(data))
    page.get_by_role("button", name="Exécuter").click()
    expect(page.locator("#status")).to_have_text("37 ligne(s)")
    expect(rows).to_have_count(37)
    first = rows.first.locator("td a").first
    expect(first).to_have_attribute("href", re.compile(r"^/id/projet/[a-z0-9.-]+$"))
    downloads = page.locator("#downloads a")
    expect(downloads).to_have_count(4)
    expect(downloads.first).to_have_attribute(
        "href", re.compile(r"^/sparql\?query=.+&format=json$")
    )
    page.screenshot(path=artifacts / "query.png", full_page=True)
    assert_clean(watch)


def test_query_page_is_keyboard_usable_and_shows_errors(page: Page, watch: Watch) -> None:
    page.goto("/sparql")
    editor = page.get_by_label("Requête", exact=True)
    editor.fill("ASK { ?s a <https://w3id.org/portefeuille-qc/ontologie#Programme> }")
    editor.press("Control+Enter")
    expect(page.locator("#status")).to_have_text("Vrai")
    editor.fill("SELECT WHERE {")
    editor.press("Control+Enter")
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text("400")
    editor.fill("CONSTRUCT WHERE { ?s a <https://w3id.org/portefeuille-qc/ontologie#Programme> }")
    editor.press("Control+Enter")
    expect(page.locator("#status")).to_have_text("7 triplet(s)")
    expect(page.locator("#downloads a").first).to_have_text("Turtle")
    expect(error).to_be_hidden()
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    watch.errors.remove(refused)  # the syntax error above, reported by the browser's console
    assert_clean(watch)


def test_query_page_fits_a_phone(page: Page, watch: Watch, artifacts: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/sparql?example=02-organismes")
    page.get_by_role("button", name="Exécuter").click()
    expect(page.locator("#results table tbody tr").first).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.screenshot(path=artifacts / "query-phone.png", full_page=True)
    assert_clean(watch)


def test_query_results_never_link_to_script_iris(page: Page, watch: Watch) -> None:
    page.goto("/sparql")
    editor = page.get_by_label("Requête", exact=True)
    editor.fill(
        "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> "
        "<https://w3id.org/portefeuille-qc/id/projet/lexius> } }"
    )
    editor.press("Control+Enter")
    expect(page.locator("#status")).to_have_text("2 ligne(s)")
    cells = page.locator("#results table tbody td")
    expect(cells).to_have_count(2)
    expect(cells.nth(0)).to_have_text("javascript:alert(1)")
    expect(cells.nth(0).locator("a")).to_have_count(0)
    expect(cells.nth(1).locator("a")).to_have_attribute("href", "/id/projet/lexius")
    assert_clean(watch)
