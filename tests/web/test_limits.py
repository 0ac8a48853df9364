"""Limits that stop work, over the socket: time, result size, body size, busy workers.

The server runs as in production (`create_app(settings)`, queries in worker processes) on
the fixture dataset, with a time limit of one second.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from portefeuille_ld.settings import Settings
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]

TIMEOUT_S = 1.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) {" + " .".join(f" ?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"
"""20^8 solutions to count over the fixture's 20 quads: hours of work."""
ORDINARY = [
    ("/sparql", {"query": "SELECT ?s ?p ?o { ?s ?p ?o } LIMIT 5"}),
    ("/doc/projet/dossier-sante", {}),
    ("/sparql", {"query": "ASK { ?s ?p 'Dossier santé numérique'@fr }"}),
    ("/", {}),
]


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def settings_for(tmp_path: Path, fixture_path: Path, **limits: int) -> Settings:
    return Settings(
        out_dir=tmp_path,
        data_files=(fixture_path,),
        query_timeout_s=TIMEOUT_S,
        **{"workers": 2, "max_queued_queries": 4, "max_result_bytes": 100_000, **limits},
    )


@pytest.fixture(scope="module")
def limited(
    serve_app: Serve, fixture_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FastAPI]]:
    """A server with small limits, and its app (whose state holds the store)."""
    app = create_app(settings_for(tmp_path_factory.mktemp("out"), fixture_path))
    with serve_app(app) as url:
        yield url, app


@pytest.fixture
def http(limited: tuple[str, FastAPI]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited[0], trust_env=False, timeout=10) as client:
        yield client


def _store(app: FastAPI) -> IsolatedStore:
    store = app.state.store
    assert isinstance(store, IsolatedStore)
    return store


def test_a_runaway_query_is_a_503_and_its_cpu_is_back_within_a_second(
    http: httpx.Client, limited: tuple[str, FastAPI]
) -> None:
    before = set(_store(limited[1]).worker_pids())
    started = time.monotonic()
    response = http.get("/sparql", params={"query": RUNAWAY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert "ran longer than the time limit (1 s) and was stopped" in response.json()["detail"]
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 1.0
    killed = before - set(_store(limited[1]).worker_pids())
    assert killed and not any(map(alive, killed))


def test_a_query_that_needs_no_data_is_stopped_too(http: httpx.Client) -> None:
    """pyoxigraph evaluates an aggregate as it parses it, even on an empty store: so the
    query is never parsed in the server process, only in a worker."""
    values = "VALUES ?%s { " + " ".join(map(str, range(300))) + " }"
    query = "SELECT (COUNT(*) AS ?n) { " + " ".join(values % v for v in "abcd") + " }"
    started = time.monotonic()
    response = http.get("/sparql", params={"query": query})
    assert response.status_code == 503
    assert time.monotonic() - started < TIMEOUT_S + 1.0


def test_queries_and_pages_keep_their_latency_beside_a_runaway(http: httpx.Client) -> None:
    statuses: list[int] = []
    runaway = threading.Thread(
        target=lambda: statuses.append(http.get("/sparql", params={"query": RUNAWAY}).status_code)
    )
    time.sleep(0.5)  # a replacement worker from an earlier test may still be starting
    runaway.start()
    latencies: list[float] = []
    while runaway.is_alive():
        for path, params in ORDINARY:
            started = time.monotonic()
            assert http.get(path, params=params).status_code == 200
            latencies.append(time.monotonic() - started)
    runaway.join()
    assert statuses == [503]
    assert len(latencies) >= 8
    p95 = sorted(latencies)[int(len(latencies) * 0.95)]
    assert p95 < 0.5, f"p95 {p95:.3f} s over {len(latencies)} requests"


def test_an_answer_too_large_is_422_asking_for_a_limit(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "SELECT * { ?s ?p ?o . ?a ?b ?c }"})
    assert response.status_code == 422
    assert "larger than 100,000 bytes" in response.json()["detail"]
    assert "LIMIT" in response.json()["detail"]
    limited = http.get("/sparql", params={"query": "SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT 10"})
    assert limited.status_code == 200


def test_a_declared_body_too_large_is_413_before_it_is_sent(
    limited: tuple[str, FastAPI],
) -> None:
    url = urlsplit(limited[0])
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        conn.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 100000000\r\n\r\n"
        )
        head = conn.recv(4096)
    assert head.startswith(b"HTTP/1.1 413 ")


def test_a_full_server_answers_503_with_retry_after(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, fixture_path, workers=1, max_queued_queries=0)
    with serve_app(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        runaway = threading.Thread(target=lambda: http.get("/sparql", params={"query": RUNAWAY}))
        runaway.start()
        time.sleep(0.3)
        response = http.get("/sparql", params={"query": "ASK {}"})
        runaway.join()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "busy" in response.json()["detail"]


def test_no_worker_outlives_the_app(serve_app: Serve, fixture_path: Path, tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, fixture_path))
    with serve_app(app) as url:
        assert httpx.get(url + "/sparql", params={"query": "ASK {}"}).status_code == 200
        pids = _store(app).worker_pids()
        assert len(pids) == 2 and all(map(alive, pids))
    assert app.state.store is None
    assert not any(map(alive, pids))
