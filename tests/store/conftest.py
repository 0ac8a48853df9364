"""Fixtures of the store tests: the small TriG dataset of `tests/fixtures/store/`, and a trap
endpoint on loopback that proves no SERVICE request ever leaves the store."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from portefeuille_ld.formats import Format
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


@pytest.fixture(scope="session")
def fixture_dataset() -> Dataset:
    """The fixture dataset, parsed by rdflib: what every answer is compared with."""
    return parse_dataset(FIXTURE.read_text(encoding="utf-8"), "trig")


def parse_dataset(data: str | bytes, rdflib_format: str) -> Dataset:
    """Parse TriG or N-Quads with rdflib, whose own ``Dataset.parse`` calls a deprecated API."""
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "(Dataset.default_context|ConjunctiveGraph) is deprecated", DeprecationWarning
        )
        dataset.parse(data=data, format=rdflib_format)
    return dataset


RDFLIB_NAMES = {"turtle": "turtle", "n-triples": "nt", "json-ld": "json-ld", "rdf-xml": "xml",
                "n-quads": "nquads", "trig": "trig"}  # fmt: skip
"""rdflib's name of each RDF format of `portefeuille_ld.formats`."""


@pytest.fixture(scope="session")
def parse_rdf() -> Callable[[bytes, Format], Graph]:
    """A parser of answers: rdflib (independent of pyoxigraph), every graph merged into one."""

    def parse(data: bytes, fmt: Format) -> Graph:
        graph = Graph()
        for s, p, o, _ in parse_dataset(data, RDFLIB_NAMES[fmt.name]).quads():
            graph.add((s, p, o))
        return graph

    return parse
