"""Security headers on every response, and pages that keep to the content security policy.

The server answers from the real build (`tests/conftest.py`). Every kind of answer (pages,
RDF, results, files, redirects, revalidations, problems of each status, CORS preflights,
HEAD, the request-head refusals, a server error) carries the policy, ``nosniff``, a
referrer policy and a framing refusal. The policy allows no inline script or style, and
the pages need none: their scripts are ours (``/static/query.js``) or JSON-LD data blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.security import APP_POLICY, DOCS_POLICY

Serve = Callable[[FastAPI], AbstractContextManager[str]]


@pytest.fixture(scope="module")
def http(built: BuildResult, serve_app: Serve) -> Iterator[httpx.Client]:
    store = EmbeddedStore.from_path(built.release / "portefeuille.nq")
    settings = Settings(out_dir=built.release.parent.parent)
    with (
        serve_app(create_app(settings, store)) as url,
        httpx.Client(base_url=url, trust_env=False, timeout=20) as client,
    ):
        yield client
    store.close()


def directives(policy: str) -> dict[str, list[str]]:
    parsed = [part.split() for part in policy.split(";") if part.strip()]
    return {name: values for name, *values in parsed}


def assert_secured(response: httpx.Response, policy: str = APP_POLICY) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == policy, response.request.url
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"


def test_the_policy_allows_only_this_server_and_no_inline_code() -> None:
    policy = directives(APP_POLICY)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not [v for values in policy.values() for v in values if "unsafe" in v]
    assert directives(DOCS_POLICY)["frame-ancestors"] == ["'none'"]


LEXIUS = "/doc/projet/lexius"
ANSWERS = [
    pytest.param("GET", "/", {"Accept": "text/html"}, 200, id="home"),
    pytest.param("GET", "/?lang=en", {}, 200, id="home-en"),
    pytest.param("GET", "/", {"Accept": "text/turtle"}, 303, id="home-to-dataset"),
    pytest.param("GET", "/sparql", {"Accept": "text/html"}, 200, id="query-page"),
    pytest.param("GET", "/sparql", {"Accept": "text/turtle"}, 200, id="service-description"),
    pytest.param("GET", "/sparql?query=SELECT%20*%20%7B%7D", {}, 200, id="results"),
    pytest.param("GET", "/sparql?query=SELECT", {}, 400, id="syntax-error"),
    pytest.param("GET", "/sparql?query=ASK%7B%7D", {"Accept": "image/png"}, 406, id="406"),
    pytest.param("PUT", "/sparql", {}, 405, id="405"),
    pytest.param("POST", "/sparql", {"Content-Type": "text/plain"}, 415, id="415"),
    pytest.param("GET", LEXIUS, {"Accept": "text/html"}, 200, id="resource-page"),
    pytest.param("GET", LEXIUS + ".ttl", {}, 200, id="resource-turtle"),
    pytest.param("GET", "/id/projet/lexius", {}, 303, id="thing-redirect"),
    pytest.param("GET", "/doc/projet/nope", {"Accept": "text/html"}, 404, id="404-page"),
    pytest.param("GET", "/doc/projet/nope", {"Accept": "application/json"}, 404, id="404-json"),
    pytest.param("GET", "/graphe/2025-2026", {"Accept": "text/html"}, 200, id="graph-page"),
    pytest.param("GET", "/ontologie", {"Accept": "text/html"}, 200, id="ontology-page"),
    pytest.param("GET", "/dataset", {"Accept": "text/html"}, 200, id="dataset-page"),
    pytest.param("GET", "/.well-known/void", {}, 200, id="void"),
    pytest.param("GET", "/dumps/", {"Accept": "text/html"}, 200, id="dumps-page"),
    pytest.param("GET", "/dumps/portefeuille.nt", {"Accept-Encoding": "gzip"}, 200, id="dump"),
    pytest.param("GET", "/dumps/SHA256SUMS", {}, 200, id="checksums"),
    pytest.param("GET", "/dumps/nope", {}, 404, id="dump-404"),
    pytest.param("GET", "/static/site.css", {}, 200, id="stylesheet"),
    pytest.param("GET", "/static/query.js", {}, 200, id="script"),
    pytest.param("GET", "/static/nope.js", {}, 404, id="static-404"),
    pytest.param("POST", "/static/site.css", {}, 405, id="static-405"),
    pytest.param("HEAD", "/", {}, 200, id="head"),
    pytest.param("OPTIONS", "/sparql", {"Origin": "https://ex.org",
                 "Access-Control-Request-Method": "POST"}, 200, id="cors-preflight"),
    pytest.param("OPTIONS", "/sparql", {"Origin": "https://ex.org",
                 "Access-Control-Request-Method": "PUT"}, 400, id="cors-refused"),
    pytest.param("GET", "/openapi.json", {}, 200, id="openapi"),
    pytest.param("GET", "/nope", {}, 404, id="no-route"),
    pytest.param("GET", "/", {"X-Big": "a" * 9_000}, 431, id="431"),
    pytest.param("GET", "/", {"Host": "a b"}, 400, id="bad-host"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "headers", "status"), ANSWERS)
def test_every_answer_is_secured(
    http: httpx.Client, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = http.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert_secured(response)


def test_a_revalidated_dump_is_secured(http: httpx.Client) -> None:
    etag = http.get("/dumps/portefeuille.nt").headers["etag"]
    response = http.get("/dumps/portefeuille.nt", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert_secured(response)


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_documentation_has_its_own_policy(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 200
    assert_secured(response, DOCS_POLICY)


def test_a_server_error_is_secured(
    serve_app: Serve, failing_store: Callable[[Exception], Store]
) -> None:
    with serve_app(create_app(Settings(), failing_store(RuntimeError("a bug")))) as url:
        response = httpx.get(f"{url}/sparql?query=ASK%7B%7D", trust_env=False)
    assert response.status_code == 500
    assert_secured(response)


class Markup(HTMLParser):
    """What of a page the policy governs: scripts, styles, handlers, resources, forms."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.found += [f"{tag} {name}" for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.found.append(f"{tag} style=")
        if tag in ("style", "iframe", "object", "embed", "frame"):
            self.found.append(tag)
        if tag == "script":
            self._script_type = attributes.get("type", "")
            if "src" in attributes:
                self.found.append(f"script src={attributes['src']}")
        for name in ("src", "action"):
            if name in attributes and tag != "script":
                self.found.append(f"{tag} {name}={attributes[name]}")
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.found.append(f"stylesheet {attributes['href']}")

    def handle_data(self, data: str) -> None:
        if self._script_type is not None and data.strip():
            kind = "data" if self._script_type == "application/ld+json" else "INLINE CODE"
            self.found.append(f"script {kind}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_type = None


PAGES = [
    "/", "/?lang=en", "/sparql", LEXIUS, "/doc/organisme/mcn", "/graphe/2025-2026",
    "/ontologie", "/formes", "/dataset", "/dumps/", "/doc/projet/nope",
]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_need_nothing_the_policy_forbids(http: httpx.Client, path: str) -> None:
    response = http.get(path, headers={"Accept": "text/html"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    markup = Markup()
    markup.feed(response.text)
    base = str(http.base_url).rstrip("/")
    for found in markup.found:
        kind, _, target = found.partition(" ")
        if kind == "stylesheet":
            assert target.startswith((f"{base}/static/", "/static/")), found
        elif kind == "script":
            assert target in ("data", f"src={base}/static/query.js"), found
        elif kind == "form":
            assert target.startswith(("action=/", f"action={base}/")), found
        else:
            raise AssertionError(f"{path}: {found}")
