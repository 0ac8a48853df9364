"""Fixtures of the web tests: a real uvicorn server on a free loopback port, and clients.

The server runs `create_app(settings)` over the fixture dataset of `tests/fixtures/store/`
(``serve --data``), in a background thread; tests talk to it with httpx over the socket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from portefeuille_ld.formats import Format
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import QueryInThread, QueryResult, Store, StoreStatistics
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store" / "portefeuille.trig"


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free port of 127.0.0.1 and yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def serve_app() -> Callable[[FastAPI], AbstractContextManager[str]]:
    """`serve`, for tests that need a server of their own app."""
    return serve


SparqlAnswer = tuple[int, list[tuple[str, str]], bytes]
"""Status, headers but ``Date`` (in order, repeated ones kept) and body of a /sparql answer."""


def _sparql_answer(
    base: str, method: str, params: dict[str, object], headers: dict[str, str], body: bytes | None
) -> SparqlAnswer:
    headers = {"Host": "ld.example.org", **headers}  # the service description names it
    with httpx.Client(base_url=base, trust_env=False, timeout=10) as http:
        response = http.request(method, "/sparql", params=params, headers=headers, content=body)
    kept = [(k, v) for k, v in response.headers.multi_items() if k != "date"]
    return response.status_code, kept, response.content


@pytest.fixture(scope="session")
def sparql_answer() -> Callable[..., SparqlAnswer]:
    """``sparql_answer(base, method, params, headers, body)``: one request to ``base``'s
    /sparql, as comparable bytes: two servers that answer alike give equal tuples."""
    return _sparql_answer


@pytest.fixture(scope="session")
def fixture_path() -> Path:
    """The TriG file of the fixture dataset."""
    return FIXTURE


@pytest.fixture(scope="session")
def store() -> Iterator[EmbeddedStore]:
    """The fixture dataset in an embedded store (read-only, shared by the session)."""
    opened = EmbeddedStore.from_path(FIXTURE)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the app served over a real socket, as in production: its queries
    run in worker processes (`IsolatedStore`) on the fixture dataset."""
    settings = Settings(
        out_dir=tmp_path_factory.mktemp("artifacts"),
        max_query_length=5_000,
        data_files=(FIXTURE,),
        workers=2,
    )
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture
def client(live_server: str) -> Iterator[httpx.Client]:
    """An httpx client of the live server (no redirects followed, no environment proxies)."""
    with httpx.Client(base_url=live_server, trust_env=False, timeout=10) as http:
        yield http


class FailingStore(QueryInThread):
    """A `Store` whose queries raise ``error``: how the app answers a failing store."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        raise self.error

    def describe(self, iri: str, fmt: Format) -> bytes:
        raise self.error

    def statistics(self) -> StoreStatistics:
        return StoreStatistics(0, ())

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture(scope="session")
def failing_store() -> Callable[[Exception], Store]:
    """A store whose every call raises the given error (a bug, an overloaded store…)."""
    return FailingStore
