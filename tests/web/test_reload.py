"""A new release is served without dropping a request, and a broken one is not served at all.

Releases are published with the build's own `publish` (the atomic swap of ``current``),
each holding the fixture dataset plus one triple naming the release.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from fastapi import FastAPI

from portefeuille_ld.pipeline.manifest import FileEntry, Manifest
from portefeuille_ld.pipeline.publish import publish
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.store.ondisk import DISK_STORE, write_disk_store
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]

MARKER = "SELECT ?v { <urn:test:release> <urn:test:is> ?v }"


def publish_release(out_dir: Path, fixture: Path, name: str, *, disk: bool = True) -> Path:
    """Publish the fixture plus ``<urn:test:release> <urn:test:is> name``; its directory."""

    def write(directory: Path) -> Manifest:
        store = pyoxigraph.Store()
        store.load(path=fixture, format=pyoxigraph.RdfFormat.TRIG)
        store.add(
            pyoxigraph.Quad(
                pyoxigraph.NamedNode("urn:test:release"),
                pyoxigraph.NamedNode("urn:test:is"),
                pyoxigraph.Literal(name),
                pyoxigraph.NamedNode("urn:test:graph"),
            )
        )
        dump = directory / "portefeuille.nq"
        store.dump(dump, format=pyoxigraph.RdfFormat.N_QUADS)
        if disk:
            write_disk_store(directory / DISK_STORE, [dump])
        entry = FileEntry.of(dump, "application/n-quads")
        return Manifest(base_iri="urn:test:", build_date="2025-01-01", data_triples=21,
                        files=(entry,))  # fmt: skip

    return publish(out_dir, write)


def _marker(http: httpx.Client) -> tuple[int, str]:
    response = http.get("/sparql", params={"query": MARKER}, headers={"Accept": "text/csv"})
    return response.status_code, response.text.split()[-1]


@pytest.fixture
def served(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> Iterator[tuple[httpx.Client, FastAPI, Path]]:
    """Release A (without an on-disk store: the dump is parsed), served by one worker."""
    publish_release(tmp_path, fixture_path, "A", disk=False)
    app = create_app(Settings(out_dir=tmp_path, workers=1, query_timeout_s=5))
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=10) as http:
        yield http, app, tmp_path


def test_a_new_release_is_served_without_dropping_a_request(
    served: tuple[httpx.Client, FastAPI, Path], fixture_path: Path
) -> None:
    http, app, out_dir = served
    store = app.state.store
    assert isinstance(store, IsolatedStore)
    old_workers = store.worker_pids()
    seen: list[list[tuple[int, str]]] = [[] for _ in range(3)]
    stop = threading.Event()

    def stream(answers: list[tuple[int, str]]) -> None:
        while not stop.is_set():
            answers.append(_marker(http))

    streams = [threading.Thread(target=stream, args=(answers,)) for answers in seen]
    for thread in streams:
        thread.start()
    time.sleep(0.3)
    publish_release(out_dir, fixture_path, "B")
    deadline = time.monotonic() + 10
    while not all(answers and answers[-1] == (200, "B") for answers in seen):
        assert time.monotonic() < deadline, "the server never switched to B"
        time.sleep(0.05)
    time.sleep(0.2)
    stop.set()
    for thread in streams:
        thread.join()
    for answers in seen:
        assert {status for status, _ in answers} == {200}
        values = [value for _, value in answers]
        switch = values.index("B")
        assert values[:switch] and set(values[:switch]) == {"A"}
        assert set(values[switch:]) == {"B"}, "went back to A after B"
    assert b'"B"' in http.get("/dumps/portefeuille.nq").content  # the dumps switched too
    assert not set(old_workers) & set(store.worker_pids())
    deadline = time.monotonic() + 3
    while any(Path(f"/proc/{pid}").exists() for pid in old_workers):  # the old workers stop
        assert time.monotonic() < deadline, "the old workers are still running"
        time.sleep(0.05)


def test_a_release_that_cannot_be_opened_is_not_served(
    served: tuple[httpx.Client, FastAPI, Path], fixture_path: Path
) -> None:
    http, _, out_dir = served
    broken = publish_release(out_dir, fixture_path, "C")
    for path in (broken / DISK_STORE).iterdir():
        path.write_bytes(b"not a store")
    time.sleep(1.5)  # one check, and the failed start of its workers
    for _ in range(5):
        assert _marker(http) == (200, "A")
        time.sleep(0.1)
    assert b'"A"' in http.get("/dumps/portefeuille.nq").content
