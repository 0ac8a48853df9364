"""The query page (``GET /sparql`` for a browser): the competency questions as examples, a
form that works without JavaScript, and nothing loaded from another server."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from importlib import resources

import httpx
import pytest

from portefeuille_ld.web.query_page import EXAMPLES, parse_example

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
STATIC = ("query.js", "query.css", "pages.css", "site.css")


class _Page(HTMLParser):
    """The attributes of every start tag, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]


def page_of(response: httpx.Response) -> _Page:
    page = _Page()
    page.feed(response.text)
    return page


def test_every_rq_file_is_an_example_with_both_titles() -> None:
    folder = resources.files("portefeuille_ld") / "queries"
    names = sorted(f.name.removesuffix(".rq") for f in folder.iterdir() if f.name.endswith(".rq"))
    assert names and [e.key for e in EXAMPLES] == names
    for example in EXAMPLES:
        assert example.title("fr") != example.title("en")


def test_an_rq_file_without_titles_is_refused() -> None:
    with pytest.raises(ValueError, match="# fr:"):
        parse_example("x", "# fr: seulement\nASK {}\n")


def test_a_browser_gets_the_page_with_every_example(client: httpx.Client) -> None:
    response = client.get("/sparql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = page_of(response)
    links = page.find("a", **{"class": "example"})
    assert [link["data-example"] for link in links] == [e.key for e in EXAMPLES]
    for example, link in zip(EXAMPLES, links, strict=True):
        assert link["data-query"] == example.query
        assert link["href"] == f"/sparql?example={example.key}"
        assert example.title("fr") in response.text


def test_titles_follow_the_page_language(client: httpx.Client) -> None:
    english = client.get("/sparql", params={"lang": "en"}, headers=HTML)
    assert english.headers["content-language"] == "en"
    for example in EXAMPLES:
        assert example.title("en") in english.text
    assert f"/sparql?example={EXAMPLES[0].key}&amp;lang=en" in english.text


def test_an_example_parameter_fills_the_editor(client: httpx.Client) -> None:
    chosen = EXAMPLES[2]
    response = client.get("/sparql", params={"example": chosen.key}, headers=HTML)
    editor = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert editor is not None
    assert html.unescape(editor.group(1)) == chosen.query


def test_the_editor_is_a_labelled_form_to_the_endpoint(client: httpx.Client) -> None:
    page = page_of(client.get("/sparql", headers=HTML))
    (form,) = page.find("form", id="query-form")
    assert form["method"] == "get" and form["action"] == "/sparql"
    assert page.find("label", **{"for": "query"}) and page.find("textarea", name="query")
    assert page.find("label", **{"for": "format"}) and page.find("select", name="format")
    assert page.find("div", id="error", role="alert")
    assert page.find("p", id="status", role="status")


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        pytest.param("csv", "text/csv; charset=utf-8", id="csv"),
        pytest.param("", "application/sparql-results+xml; charset=utf-8", id="by-accept"),
    ],
)
def test_the_form_submitted_without_javascript_answers(
    client: httpx.Client, fmt: str, content_type: str
) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"
    response = client.get("/sparql", params={"query": query, "format": fmt}, headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_the_page_loads_nothing_from_another_server(client: httpx.Client) -> None:
    response = client.get("/sparql", headers=HTML)
    base = str(client.base_url).rstrip("/")
    page = page_of(response)
    loaded = [a.get("src") for _, a in page.tags if a.get("src")]
    loaded += [a.get("href") for a in page.find("link")]
    assert loaded
    for url in loaded:
        assert url and (url.startswith(base + "/") or url.startswith("/")), url
    assert not page.find("iframe")
    assert "@import" not in response.text


@pytest.mark.parametrize("name", STATIC)
def test_the_static_files_name_no_other_server(client: httpx.Client, name: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import\s+url", response.text)
