"""HTTP caching a CDN can use: two separate servers on the same build give the same entity
tag to the same request, and either one answers 304 to the other's tag.

The servers are two ``uvicorn --factory`` processes, as behind a load balancer.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.caching import RequestKey, entity_tag

MAX_AGE = 123
ASK = {"query": "ASK { ?s ?p ?o }"}
JSON = {"Accept": "application/sparql-results+json"}
PUBLIC_HOST = "donnees.example.org"


@contextmanager
def _uvicorn(environment: dict[str, str]) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    command = [sys.executable, "-m", "uvicorn", "--factory", "portefeuille_ld.web.app:create_app"]
    process = subprocess.Popen(
        [*command, "--fd", str(sock.fileno()), "--log-level", "warning"],
        pass_fds=[sock.fileno()],
        env={**os.environ, **environment},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"uvicorn exited with status {process.returncode}")
            try:
                if httpx.get(f"{url}/sparql", params=ASK, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not answer within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        sock.close()


@pytest.fixture(scope="module")
def servers(built: BuildResult) -> Iterator[tuple[str, str]]:
    """Two servers of the same build, each in its own process."""
    environment = {
        "PORTEFEUILLE_OUT_DIR": str(built.release.parent.parent),
        "PORTEFEUILLE_WORKERS": "1",
        "PORTEFEUILLE_CACHE_MAX_AGE_S": str(MAX_AGE),
    }
    with ExitStack() as stack:
        first = stack.enter_context(_uvicorn(environment))
        second = stack.enter_context(_uvicorn(environment))
        yield first, second


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        pytest.param("/sparql", ASK, JSON, id="query-results"),
        pytest.param("/sparql", ASK, {"Accept": "text/csv"}, id="query-results-csv"),
        pytest.param("/", {}, {"Accept": "text/html", "Accept-Language": "en"}, id="home-page"),
        pytest.param("/doc/projet/lexius", {}, {"Accept": "text/turtle"}, id="resource"),
        pytest.param("/graphe/ontologie", {}, {"Accept": "text/html"}, id="graph-page"),
    ],
)
def test_two_servers_give_the_same_tag_and_revalidate_each_other(
    servers: tuple[str, str], path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    first, second = servers
    headers = {**headers, "Host": PUBLIC_HOST}  # as a load balancer passes it on
    a = httpx.get(first + path, params=params, headers=headers, timeout=30)
    b = httpx.get(second + path, params=params, headers=headers, timeout=30)
    assert a.status_code == b.status_code == 200
    assert a.headers["etag"] == b.headers["etag"]
    assert a.headers["etag"].startswith('W/"')
    assert a.headers["cache-control"] == f"public, max-age={MAX_AGE}"
    assert a.content == b.content
    revalidated = httpx.get(
        second + path,
        params=params,
        headers={**headers, "If-None-Match": a.headers["etag"]},
        timeout=30,
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == a.headers["etag"]
    assert "accept" in revalidated.headers["vary"].lower()


def test_the_tag_is_the_release_and_the_request(
    servers: tuple[str, str], built: BuildResult
) -> None:
    first, _ = servers
    response = httpx.get(f"{first}/sparql", params=ASK, headers=JSON)
    key = RequestKey("/sparql", "query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D", JSON["Accept"], "", first)
    assert response.headers["etag"] == entity_tag(built.release.name, key)
    other = httpx.get(f"{first}/sparql", params=ASK, headers={"Accept": "text/csv"})
    assert other.headers["etag"] != response.headers["etag"]
    head = httpx.head(f"{first}/sparql", params=ASK, headers=JSON)
    assert head.headers["etag"] == response.headers["etag"]


def test_a_stale_tag_gets_the_full_answer(servers: tuple[str, str]) -> None:
    first, _ = servers
    stale = {**JSON, "If-None-Match": 'W/"0000000000000000-0000000000000000"'}
    response = httpx.get(f"{first}/sparql", params=ASK, headers=stale)
    assert response.status_code == 200 and response.json()["boolean"] is True


def test_what_is_not_cached(servers: tuple[str, str]) -> None:
    first, _ = servers
    posted = httpx.post(f"{first}/sparql", data=ASK, headers=JSON)
    assert posted.status_code == 200 and "etag" not in posted.headers
    refused = httpx.get(f"{first}/sparql", params={"query": "SELECT"}, headers=JSON)
    assert refused.status_code == 400 and "etag" not in refused.headers
    dump = httpx.get(f"{first}/dumps/portefeuille.nt", headers={"Accept-Encoding": "identity"})
    assert dump.headers["etag"].startswith('"')  # the file's own strong tag, its SHA-256


def test_only_a_release_is_tagged(
    serve_app: Callable[[FastAPI], AbstractContextManager[str]],
    built: BuildResult,
    store: EmbeddedStore,
    fixture_path: Path,
) -> None:
    out_dir = built.release.parent.parent
    for settings, tagged in [
        (Settings(out_dir=out_dir, cache_max_age_s=0), True),
        (Settings(out_dir=out_dir, data_files=(fixture_path,)), False),  # serve --data
    ]:
        with serve_app(create_app(settings, store)) as url:
            response = httpx.get(f"{url}/sparql", params=ASK, headers=JSON)
        assert response.status_code == 200
        assert ("etag" in response.headers) is tagged
        if tagged:
            assert response.headers["cache-control"] == "public, max-age=0"
