"""`publish --to`: the release goes to a real Oxigraph server by the Graph Store Protocol,
is verified against the manifest, and a failure leaves the previous version served.

A second release (``v2``: the 2025-2026 edition without its English titles) is made from
the built one; failures are played by a recording proxy in front of the server that
answers 500 to the request chosen.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.pipeline.graph_store import (
    STAGING_PREFIX,
    PublishFailed,
    Upload,
    publish_release,
    read_uploads,
    replace_graphs,
)
from portefeuille_ld.pipeline.manifest import FileEntry, GraphEntry, Manifest

BASE = "https://w3id.org/portefeuille-qc/"
EDITION = BASE + "graphe/2025-2026"
TITLE = "<http://purl.org/dc/terms/title>"
ProxyTo = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(scope="module")
def v2(built: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another release: the built one, less the English titles of the edition's graph."""
    release = tmp_path_factory.mktemp("v2") / "release"
    shutil.copytree(built.release, release)
    dump = release / "portefeuille.nq"
    lines = dump.read_bytes().splitlines(keepends=True)
    in_edition = f"<{EDITION}> .".encode()
    kept = [
        line
        for line in lines
        if not (TITLE.encode() in line and b'"@en' in line and line.rstrip().endswith(in_edition))
    ]
    assert len(kept) < len(lines)
    dump.write_bytes(b"".join(kept))
    manifest = Manifest.from_json((release / "manifest.json").read_bytes())
    removed = len(lines) - len(kept)
    graphs = tuple(
        dataclasses.replace(g, triples=g.triples - removed) if g.iri == EDITION else g
        for g in manifest.graphs
    )
    files = tuple(
        FileEntry.of(dump, f.media_type) if f.name == dump.name else f for f in manifest.files
    )
    manifest = dataclasses.replace(manifest, graphs=graphs, files=files)
    (release / "manifest.json").write_bytes(manifest.to_json())
    return release


@pytest.fixture
def engine(start_oxigraph: Callable[[], AbstractContextManager[Any]]) -> Iterator[Any]:
    """An empty Oxigraph server of this test's own."""
    with start_oxigraph() as started:
        yield started


def _sizes(engine: Any) -> dict[str, int]:
    """The triples of each named graph of the server, by a SPARQL query."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = httpx.post(
        engine.query_url, data={"query": query}, headers={"Accept": "application/json"}
    )
    rows = response.json()["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def _expected(release: Path) -> dict[str, int]:
    manifest = Manifest.from_json((release / "manifest.json").read_bytes())
    return {g.iri: g.triples for g in manifest.graphs}


def _publish(engine: Any, release: Path, *, swap: bool, via: str | None = None) -> None:
    """Publish to the server (its Graph Store, and its update endpoint to swap), or ``via``
    a proxy in front of it."""
    base = via or engine.query_url.removesuffix("/query")
    with engine.client() as client:
        publish_release(client, f"{base}/store", release, update=f"{base}/update" if swap else None)


@pytest.mark.parametrize("swap", [False, True], ids=["replace", "swap"])
def test_publish_uploads_every_graph_and_verifies_it(
    engine: Any, built: BuildResult, v2: Path, swap: bool
) -> None:
    _publish(engine, built.release, swap=swap)
    assert _sizes(engine) == _expected(built.release)
    _publish(engine, built.release, swap=swap)  # the same release again changes nothing
    assert _sizes(engine) == _expected(built.release)
    _publish(engine, v2, swap=swap)
    assert _sizes(engine) == _expected(v2)


def _fail_second_put(request: Any, index: int) -> int | None:
    return 500 if request.method == "PUT" and index == 2 else None


def _fail_update(request: Any, index: int) -> int | None:
    return 500 if request.target.startswith("/update") else None


def _fail_verification(request: Any, index: int) -> int | None:
    """Answer the read-back of the third graph with nothing: its count is wrong."""
    return 404 if request.method == "GET" and index == 3 + 3 else None


@pytest.mark.parametrize(
    ("swap", "fail", "words"),
    [
        pytest.param(False, _fail_second_put, "put back", id="replace-second-put"),
        pytest.param(False, _fail_verification, "put back", id="replace-verification"),
        pytest.param(True, _fail_second_put, "nothing was swapped", id="swap-second-put"),
        pytest.param(True, _fail_update, "nothing was swapped", id="swap-update"),
    ],
)
def test_a_failed_publish_leaves_the_previous_version(
    engine: Any,
    built: BuildResult,
    v2: Path,
    proxy_to: ProxyTo,
    swap: bool,
    fail: Callable[[Any, int], int | None],
    words: str,
) -> None:
    _publish(engine, built.release, swap=True)
    before = _dump(engine)
    upstream = engine.query_url.removesuffix("/query")
    with proxy_to(upstream, fail=fail) as proxy, pytest.raises(PublishFailed, match=words):
        _publish(engine, v2, swap=swap, via=proxy.url)
    assert any(r.method == "PUT" for r in proxy.seen)
    assert _dump(engine) == before
    assert not [g for g in _sizes(engine) if g.startswith(STAGING_PREFIX)]


def _dump(engine: Any) -> ox.Dataset:
    """Every quad of the server, blank nodes canonicalized: what it serves."""
    response = httpx.get(
        engine.graph_store_url, headers={"Accept": "application/n-quads"}, timeout=30
    )
    dataset = ox.Dataset(ox.parse(response.content, ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def test_a_store_that_loses_triples_fails_verification() -> None:
    """A fake Graph Store that keeps all but one triple of each graph it is sent."""
    graphs: dict[str, bytes] = {}

    def lossy(request: httpx.Request) -> httpx.Response:
        graph = request.url.params["graph"]
        if request.method == "PUT":
            graphs[graph] = b"".join(request.read().splitlines(keepends=True)[1:])
            return httpx.Response(204)
        if request.method == "GET" and graph in graphs:
            return httpx.Response(200, content=graphs[graph],
                                  headers={"Content-Type": "application/n-triples"})  # fmt: skip
        if request.method == "DELETE":
            graphs.pop(graph, None)
        return httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(lossy))
    upload = Upload("http://ex.org/g", b"<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> <urn:d> .\n", 2)
    with pytest.raises(PublishFailed, match="holds 1 triples on the store, not the 2"):
        replace_graphs(client, "http://store.example/gsp", [upload])
    assert graphs == {}  # the graph did not exist before: it is gone again


def test_a_release_whose_dump_disagrees_with_its_manifest_is_not_sent(
    v2: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "release"
    shutil.copytree(v2, broken)
    manifest = Manifest.from_json((broken / "manifest.json").read_bytes())
    graphs = (*manifest.graphs, GraphEntry(BASE + "graphe/2030-2031", "data", 1))
    (broken / "manifest.json").write_bytes(dataclasses.replace(manifest, graphs=graphs).to_json())
    with pytest.raises(PublishFailed, match="differ from manifest.json"):
        read_uploads(broken)
    (broken / "portefeuille.nq").write_bytes(b"")
    with pytest.raises(PublishFailed, match="not an intact release"):
        read_uploads(broken)


def test_cli_publish_fails_with_a_clear_message_and_status_1(built: BuildResult) -> None:
    out_dir = built.release.parent.parent
    closed = "http://127.0.0.1:9/store"
    command = [sys.executable, "-m", "portefeuille_ld", "publish", "--to", closed]
    result = subprocess.run(
        [*command, "--out", str(out_dir)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "127.0.0.1:9/store" in message and "nothing was changed" in message


def test_cli_publish_takes_no_credentials_on_the_command_line() -> None:
    command = [sys.executable, "-m", "portefeuille_ld", "publish", "--help"]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    assert "PORTEFEUILLE_STORE_PASSWORD" in shown
    assert "--password" not in shown and "--user" not in shown


def test_cli_publish_prints_the_verified_graphs(built: BuildResult, engine: Any) -> None:
    out_dir = built.release.parent.parent
    command = [sys.executable, "-m", "portefeuille_ld", "publish", "--out", str(out_dir)]
    command += ["--to", engine.graph_store_url, "--update", engine.update_url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "(swap)" in result.stdout and "1,548" in result.stdout
    assert _sizes(engine) == _expected(built.release)
    json.loads((built.release / "manifest.json").read_bytes())  # untouched, still valid


def test_serve_warns_when_the_store_does_not_hold_the_release(
    engine: Any, built: BuildResult, capsys: pytest.CaptureFixture[str]
) -> None:
    from portefeuille_ld.cli import _check_remote

    settings = engine.settings(out_dir=built.release.parent.parent)
    _check_remote(settings)
    warning = " ".join(capsys.readouterr().err.split())
    assert f"does not hold release {built.release.name}" in warning
    _publish(engine, built.release, swap=True)
    _check_remote(settings)
    assert capsys.readouterr().err == ""
