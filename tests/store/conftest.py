"""Fixtures of the store tests: the small TriG dataset of `tests/fixtures/store/`, and a trap
endpoint on loopback that proves no SERVICE request ever leaves the store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portefeuille_ld.store.embedded import EmbeddedStore

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store" / "portefeuille.trig"


@pytest.fixture(scope="session")
def store() -> Iterator[EmbeddedStore]:
    """The fixture dataset in an embedded store, shared by the session (it is read-only)."""
    opened = EmbeddedStore.from_path(FIXTURE)
    yield opened
    opened.close()


class Trap(ThreadingHTTPServer):
    """A loopback HTTP server that records every request a SERVICE clause would send."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), _TrapHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


class _TrapHandler(BaseHTTPRequestHandler):
    def _record(self) -> None:
        assert isinstance(self.server, Trap)
        self.server.paths.append(self.path)
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _record

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default logging to stderr."""


@pytest.fixture(scope="session")
def trap() -> Iterator[Trap]:
    """A SPARQL endpoint that must never be called."""
    server = Trap()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def trap_url(trap: Trap) -> str:
    """The URL of the trap endpoint."""
    return trap.url


@pytest.fixture
def trap_hits(trap: Trap) -> list[str]:
    """The paths requested from the trap so far (must stay empty)."""
    return trap.paths
