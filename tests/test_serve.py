"""`portefeuille-ld serve` as a real process: any RDF files, no worker left behind, its log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from portefeuille_ld.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "store" / "portefeuille.trig"
DOSSIER = "https://w3id.org/portefeuille-qc/id/projet/dossier-sante"
ACCESS_LOGGED = "/doc/projet/dossier-sante"


def _children(pid: int) -> set[int]:
    """The descendants of a process, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X"):
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        if state not in ("Z", "X"):
            alive.add(pid)
    return alive


@contextmanager
def _serving(
    arguments: list[str], environ: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """``serve`` with ``arguments`` on a free port, once it answers; yields the process, its
    URL and, once it stopped, the lines it wrote (uvicorn logs requests on stdout)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTEFEUILLE_")}
    env.update(environ)
    command = [sys.executable, "-m", "portefeuille_ld", "serve", "--port", str(port), *arguments]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url, lines = f"http://127.0.0.1:{port}", []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/sparql", params={"query": "ASK {}"}, trust_env=False)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield process, url, lines
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            lines += process.communicate(timeout=15)[0].splitlines()
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``serve --data`` on a TriG file and a Turtle file, with two workers."""
    extra = tmp_path / "extra.ttl"
    extra.write_text(f'<{DOSSIER}> <http://ex.org/note> "ajouté" .\n', encoding="utf-8")
    environ = {"PORTEFEUILLE_WORKERS": "2", "PORTEFEUILLE_OUT_DIR": str(tmp_path / "out")}
    with _serving(["--data", str(FIXTURE), str(extra)], environ) as (process, url, _):
        yield process, url


def test_serve_data_answers_from_the_files_with_every_feature(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    _, url = server
    with httpx.Client(base_url=url, trust_env=False) as http:
        count = http.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                         headers={"Accept": "text/csv"})  # fmt: skip
        assert count.text.split() == ["n", "21"]
        page = http.get("/doc/projet/dossier-sante", headers={"Accept": "text/turtle"})
        assert page.status_code == 200 and "ajouté" in page.text
        assert http.get("/doc/projet/dossier-sante").status_code == 200
        assert http.get("/").status_code == 200
        assert http.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200


def test_no_worker_outlives_a_stopped_server(server: tuple[subprocess.Popen[str], str]) -> None:
    process, _ = server
    workers = _children(process.pid)
    assert len(workers) >= 2
    process.send_signal(signal.SIGTERM)
    log, _ = process.communicate(timeout=10)  # stderr goes to stdout
    assert "Application shutdown complete" in log  # uvicorn then re-raises SIGTERM
    assert _alive(workers) == set()


def test_no_worker_outlives_a_killed_server(server: tuple[subprocess.Popen[str], str]) -> None:
    process, _ = server
    workers = _children(process.pid)
    assert len(workers) >= 2
    process.kill()
    process.wait(timeout=5)
    deadline = time.monotonic() + 2
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _alive(workers) == set()


def test_serve_refuses_a_file_of_unknown_format(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n")
    result = subprocess.run(
        [sys.executable, "-m", "portefeuille_ld", "serve", "--data", str(data)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot tell the RDF format" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("options", "environ", "logged"),
    [
        pytest.param([], {}, True, id="default-on"),
        pytest.param(["--no-access-log"], {}, False, id="option-off"),
        pytest.param([], {"PORTEFEUILLE_ACCESS_LOG": "0"}, False, id="environment-off"),
        pytest.param(["--access-log"], {"PORTEFEUILLE_ACCESS_LOG": "0"}, True, id="option-wins"),
    ],
)
def test_access_log_option(options: list[str], environ: dict[str, str], logged: bool) -> None:
    arguments = ["--data", str(FIXTURE), *options]
    with _serving(arguments, {"PORTEFEUILLE_WORKERS": "1", **environ}) as (_, url, lines):
        assert httpx.get(url + ACCESS_LOGGED, trust_env=False).status_code == 200
    requests = [line for line in lines if f'"GET {ACCESS_LOGGED} HTTP/1.1" 200' in line]
    assert len(requests) == (1 if logged else 0), "\n".join(lines)
    assert any("Uvicorn running on" in line for line in lines), "\n".join(lines)


def test_access_log_is_on_by_default() -> None:
    assert Settings().access_log
    assert not Settings.from_env({"PORTEFEUILLE_ACCESS_LOG": "off"}).access_log
