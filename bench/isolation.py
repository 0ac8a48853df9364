"""What running queries in worker processes costs, and how fast ``serve`` starts.

``python -m bench.isolation OUT_DIR`` on a built release (``portefeuille-ld build --out OUT_DIR``):

- per call, in-process `EmbeddedStore` against `IsolatedStore` (on-disk and in-memory
  workers), on small queries, without HTTP;
- per request over HTTP (uvicorn on loopback), the app on an `EmbeddedStore` against the
  app as served (`IsolatedStore`);
- start-up: `open_store` alone (the server's own work: workers started, data opened), and
  ``portefeuille-ld serve`` from exec to its first answer (Python and FastAPI imports
  included).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
import uvicorn

from portefeuille_ld.formats import SPARQL_JSON, TURTLE
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app, open_store

LEXIUS = "https://w3id.org/portefeuille-qc/id/projet/lexius"
CALLS: dict[str, Callable[[Store], object]] = {
    "ASK": lambda s: s.query("ASK { ?s ?p ?o }", accept=SPARQL_JSON),
    "SELECT LIMIT 10": lambda s: s.query("SELECT * { ?s ?p ?o } LIMIT 10", accept=SPARQL_JSON),
    "SELECT COUNT": lambda s: s.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", accept=SPARQL_JSON),
    "describe()": lambda s: s.describe(LEXIUS, TURTLE),
}
REQUESTS = {
    "GET /sparql ASK": ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
    "GET /sparql SELECT LIMIT 10": ("/sparql", {"query": "SELECT * { ?s ?p ?o } LIMIT 10"}),
    "GET /doc/projet/lexius (HTML)": ("/doc/projet/lexius", {}),
}


def _medians_us(calls: Sequence[Callable[[], object]], repeat: int) -> list[float]:
    """The median time of each call, measured in turns (so load drifts hit all alike)."""
    times: list[list[float]] = [[] for _ in calls]
    for turn in range(repeat + 20):
        for call, spent in zip(calls, times, strict=True):
            started = time.perf_counter()
            call()
            if turn >= 20:  # warm-up
                spent.append(time.perf_counter() - started)
    return [statistics.median(spent) * 1e6 for spent in times]


def store_costs(out_dir: Path, repeat: int) -> None:
    embedded = EmbeddedStore.from_path(out_dir / "current" / "portefeuille.nq")
    stores: dict[str, Store] = {"in-process": embedded}
    for label, in_memory in (("workers, on disk", False), ("workers, warmed up", True)):
        stores[label] = open_store(Settings(out_dir=out_dir, workers=2, store_in_memory=in_memory))
    print(f"{'median per call (µs)':<22}" + "".join(f"{name:>22}" for name in stores))
    for name, call in CALLS.items():
        row = _medians_us([partial(call, store) for store in stores.values()], repeat)
        print(f"{name:<22}" + "".join(f"{us:>22.0f}" for us in row))
    for store in stores.values():
        store.close()


@contextmanager
def _served(settings: Settings, store: Store | None) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings, store), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()


def http_costs(out_dir: Path, repeat: int) -> None:
    settings = Settings(out_dir=out_dir, workers=2)
    embedded = EmbeddedStore.from_path(out_dir / "current" / "portefeuille.nq")
    with (
        _served(settings, embedded) as inside,
        _served(settings, None) as isolated,
        httpx.Client(base_url=inside) as first,
        httpx.Client(base_url=isolated) as second,
    ):
        print(f"{'median per request (µs)':<32}{'in-process':>14}{'workers':>14}{'overhead':>10}")
        for name, (path, params) in REQUESTS.items():
            calls = [
                lambda h=http, p=path, q=params: h.get(p, params=q) for http in (first, second)
            ]
            cost_inside, cost_isolated = _medians_us(calls, repeat)
            print(f"{name:<32}{cost_inside:>14.0f}{cost_isolated:>14.0f}"
                  f"{cost_isolated - cost_inside:>10.0f}")  # fmt: skip


def startup(out_dir: Path) -> None:
    for in_memory in (False, True):
        started = time.perf_counter()
        store = open_store(Settings(out_dir=out_dir, store_in_memory=in_memory))
        opened = time.perf_counter() - started
        store.close()
        print(f"open_store ({'in memory' if in_memory else 'on disk'}, {os.cpu_count()} workers):"
              f" {opened:.3f} s")  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "portefeuille_ld", "serve", "--out", str(out_dir),
               "--port", str(port)]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"})
            break
        except httpx.TransportError:
            time.sleep(0.005)
    print(f"portefeuille-ld serve, exec to first answer: {time.perf_counter() - started:.3f} s")
    process.terminate()
    process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="a built artifacts directory")
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()
    store_costs(args.out_dir, args.repeat)
    print()
    http_costs(args.out_dir, args.repeat // 2)
    print()
    startup(args.out_dir)


if __name__ == "__main__":
    main()
