"""Shared fixtures: the real portfolio built once per session into a temporary directory, and
real SPARQL engines (Oxigraph, Virtuoso) on loopback, loaded with it by `publish --to`."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Dataset, Graph

from portefeuille_ld.formats import Format
from portefeuille_ld.iris import Iris
from portefeuille_ld.pipeline.build import BuildResult, build
from portefeuille_ld.pipeline.graph_store import publish_release
from portefeuille_ld.settings import PROJECT_ROOT, Settings
from portefeuille_ld.store.remote import http_client

BUILD_DATE = "2025-09-12"
STORE_FIXTURE = Path(__file__).parent / "fixtures" / "store" / "portefeuille.trig"
"""The small two-edition dataset the store and web protocol tests share."""


def build_portfolio(out_dir: Path) -> BuildResult:
    """Build the real data of `data/` into `out_dir` (the same call as `portefeuille-ld build`)."""
    return build(
        PROJECT_ROOT / "data",
        out_dir,
        ontology_path=PROJECT_ROOT / "ontology" / "portefeuille.ttl",
        shapes_path=PROJECT_ROOT / "shapes" / "portefeuille.shacl.ttl",
        iris=Iris(),
        build_date=BUILD_DATE,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current build instead of comparing with it.",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real portfolio, built and published once for the whole session."""
    return build_portfolio(tmp_path_factory.mktemp("artifacts"))


# Remote triplestores for the contract tests of `RemoteStore` and `publish --to`: real
# engines on loopback ports, started by the fixtures (Oxigraph from the `oxigraph` PyPI
# package of the dev group; Virtuoso from Debian, installed by tests/store/ensure-virtuoso.sh).


@dataclass(frozen=True)
class Engine:
    """A running SPARQL engine: its three endpoints and the credentials it wants."""

    name: str
    query_url: str
    graph_store_url: str
    update_url: str
    user: str | None = None
    password: str | None = None

    def settings(self, **overrides: Any) -> Settings:
        """Settings of a server answering from this engine."""
        return Settings(
            store_url=self.query_url,
            graph_store_url=self.graph_store_url,
            store_user=self.user,
            store_password=self.password,
            **overrides,
        )

    def client(self) -> httpx.Client:
        """An HTTP client of the engine, with its credentials."""
        return http_client(self.settings(), timeout=30)


def _wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture(scope="session")
def wait_until() -> Callable[..., bool]:
    """``wait_until(condition, timeout_s=10.0)``: poll ``condition`` until it holds (True)
    or the time-out passes (False): workers replaced, stores opening, queues filling."""
    return _wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _process(command: list[str], ready: str, log: Path, timeout: float) -> Iterator[None]:
    """Run ``command`` until the block ends; wait until GET ``ready`` answers 200."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[0]} exited ({process.returncode}): {log.read_text()}")
            try:
                if httpx.get(ready, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{command[0]} did not answer within {timeout} s: {log.read_text()}")
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


OXIGRAPH = Path(sys.executable).parent / "oxigraph"


@contextmanager
def oxigraph_server(directory: Path) -> Iterator[Engine]:
    """``oxigraph serve`` (in memory) on a free loopback port."""
    if not OXIGRAPH.exists():
        pytest.fail(f"{OXIGRAPH} is missing: install the dev group (make install)")
    url = f"http://127.0.0.1:{free_port()}"
    command = [str(OXIGRAPH), "serve", "--bind", url.removeprefix("http://")]
    with _process(command, f"{url}/query", directory / "oxigraph.log", timeout=30):
        yield Engine("oxigraph", f"{url}/query", f"{url}/store", f"{url}/update")


@pytest.fixture(scope="session")
def start_oxigraph(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[], AbstractContextManager[Engine]]:
    """Start an empty Oxigraph server of one's own (``with start_oxigraph() as engine:``)."""
    return lambda: oxigraph_server(tmp_path_factory.mktemp("oxigraph"))


VIRTUOSO = Path("/usr/bin/virtuoso-t")
_VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
DirsAllowed = ., {dir}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
EnabledDavVSP = 0
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


@contextmanager
def virtuoso_server(directory: Path) -> Iterator[Engine]:
    """Debian's Virtuoso Open Source 7 with a new database, on free loopback ports.

    Queries go to ``/sparql``; the Graph Store Protocol and updates to the endpoints
    that ask for (Digest) credentials, ``dba``/``dba`` in a new database.
    """
    if not VIRTUOSO.exists():
        pytest.fail(f"{VIRTUOSO} is missing: run tests/store/ensure-virtuoso.sh (make test does)")
    ini = directory / "virtuoso.ini"
    http_port = free_port()
    ini.write_text(_VIRTUOSO_INI.format(dir=directory, sql_port=free_port(), http_port=http_port))
    url = f"http://127.0.0.1:{http_port}"
    command = [str(VIRTUOSO), "-f", "-c", str(ini)]
    with _process(command, f"{url}/sparql?query=ASK%7B%7D", directory / "stdout.log", timeout=60):
        yield Engine(
            "virtuoso",
            f"{url}/sparql",
            f"{url}/sparql-graph-crud-auth",
            f"{url}/sparql-auth",
            user="dba",
            password="dba",
        )


def _loaded(engine: Engine, built: BuildResult) -> Engine:
    """``engine`` once the built release is published to it (by swapping, the way to use)."""
    with engine.client() as client:
        publish_release(client, engine.graph_store_url, built.release, update=engine.update_url)
    return engine


@pytest.fixture(scope="session")
def oxigraph(
    built: BuildResult, start_oxigraph: Callable[[], AbstractContextManager[Engine]]
) -> Iterator[Engine]:
    """A real Oxigraph server holding the real build, published by `publish_release`."""
    with start_oxigraph() as engine:
        yield _loaded(engine, built)


@pytest.fixture(scope="session")
def virtuoso(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A real Virtuoso server holding the real build, published by `publish_release`."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as engine:
        yield _loaded(engine, built)


@dataclass(frozen=True)
class Forwarded:
    """One request a `Proxy` received."""

    method: str
    target: str
    """Path and query string."""
    headers: dict[str, str]
    body: bytes


class Proxy(ThreadingHTTPServer):
    """A loopback HTTP proxy in front of ``upstream`` that records what passes through it.

    ``fail(request, index)`` may return a status to answer instead of forwarding (index
    counts the requests of the same method, from 1).
    """

    def __init__(
        self, upstream: str, fail: Callable[[Forwarded, int], int | None] | None = None
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.fail = fail
        self.seen: list[Forwarded] = []
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, request: Forwarded) -> int | None:
        with self._lock:
            self.seen.append(request)
            index = sum(1 for r in self.seen if r.method == request.method)
        return self.fail(request, index) if self.fail is not None else None


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        assert isinstance(self.server, Proxy)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status = self.server.record(Forwarded(self.command, self.path, headers, body))
        if status is not None:
            self._answer(status, {"content-type": "text/plain"}, b"failing on purpose")
            return
        kept = {k: v for k, v in headers.items() if k not in ("host", "content-length")}
        with httpx.Client(trust_env=False, timeout=60) as client:
            upstream = client.request(
                self.command, self.server.upstream + self.path, headers=kept, content=body
            )
        passed = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED}
        self._answer(upstream.status_code, passed, upstream.content)

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default logging to stderr."""


_PASSED = ("content-type", "www-authenticate", "location")


@contextmanager
def running_proxy(
    upstream: str, fail: Callable[[Forwarded, int], int | None] | None = None
) -> Iterator[Proxy]:
    proxy = Proxy(upstream, fail)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()


@pytest.fixture(scope="session")
def proxy_to() -> Callable[..., AbstractContextManager[Proxy]]:
    """``with proxy_to(url, fail=None) as proxy:`` a recording proxy in front of ``url``."""
    return running_proxy


@pytest.fixture(scope="session")
def fixture_dataset() -> Dataset:
    """The fixture dataset, parsed by rdflib: what every answer is compared with."""
    return parse_dataset(STORE_FIXTURE.read_bytes(), "trig")


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
