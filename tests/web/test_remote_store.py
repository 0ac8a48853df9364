"""The server answering from a remote store (``serve --store URL``): a real Oxigraph server,
behind a recording proxy, loaded with the real build by ``publish``.

What the browser sends (cookies, credentials, its address) never reaches the store.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pyoxigraph as ox
from fastapi import FastAPI

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import PROJECT_ROOT, Settings
from portefeuille_ld.web.app import create_app

ServeApp = Callable[[FastAPI], AbstractContextManager[str]]
QUERY = (PROJECT_ROOT / "src" / "portefeuille_ld" / "queries" / "01-projets-actifs.rq").read_text()
BROWSER = {
    "Cookie": "session=browser-secret",
    "Authorization": "Bearer browser-token",
    "X-Forwarded-For": "203.0.113.9",
    "Referer": "https://example.org/private",
}


def test_browser_headers_never_reach_the_store(
    serve_app: ServeApp, oxigraph: Any, built: BuildResult, proxy_to: Callable[..., Any]
) -> None:
    out_dir = built.release.parent.parent
    with proxy_to(oxigraph.query_url.removesuffix("/query")) as proxy:
        settings = Settings(out_dir=out_dir, store_url=f"{proxy.url}/query")
        with (
            serve_app(create_app(settings)) as url,
            httpx.Client(base_url=url, trust_env=False, timeout=30) as http,
        ):
            accept = {"Accept": "application/sparql-results+json"}
            answer = http.get("/sparql", params={"query": QUERY}, headers={**BROWSER, **accept})
            page = http.get("/doc/projet/lexius", headers={**BROWSER, "Accept": "text/html"})
            graph = http.get("/graphe/formes.ttl", headers=BROWSER)
    assert answer.status_code == 200, answer.text
    assert page.status_code == 200 and "Lexius" in page.text
    assert graph.status_code == 200
    reference = ox.Store()
    reference.load(path=built.release / "portefeuille.nq", format=ox.RdfFormat.N_QUADS)
    expected = reference.query(QUERY, use_default_graph_as_union=True)
    assert isinstance(expected, ox.QuerySolutions)
    assert len(answer.json()["results"]["bindings"]) == len(list(expected)) == 37
    assert len(proxy.seen) >= 3
    for request in proxy.seen:
        assert {"cookie", "authorization", "x-forwarded-for", "referer"}.isdisjoint(request.headers)
        assert b"browser-secret" not in request.body and b"browser-token" not in request.body
        assert request.headers["user-agent"].startswith("portefeuille-ld/")


def test_an_unreachable_store_is_a_503(serve_app: ServeApp, built: BuildResult) -> None:
    settings = Settings(out_dir=built.release.parent.parent, store_url="http://127.0.0.1:9/query")
    with (
        serve_app(create_app(settings)) as url,
        httpx.Client(base_url=url, trust_env=False, timeout=30) as http,
    ):
        response = http.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 503
    assert "cannot reach the store" in response.json()["detail"]
