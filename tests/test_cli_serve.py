"""`portefeuille-ld serve`'s options, on a real process: the access log."""

from __future__ import annotations

import os
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
PATH = "/doc/projet/dossier-sante"


@contextmanager
def _serving(options: list[str], environ: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """``serve --data FIXTURE`` with ``options``; yields its URL and, once it stopped, the
    lines it wrote (uvicorn logs requests on stdout, the rest on stderr)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTEFEUILLE_")}
    env.update(PORTEFEUILLE_WORKERS="1", **environ)
    command = [sys.executable, "-m", "portefeuille_ld", "serve", "--port", str(port),
               "--data", str(FIXTURE), *options]  # fmt: skip
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
        yield url, lines
    finally:
        process.terminate()
        try:
            lines += process.communicate(timeout=15)[0].splitlines()
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


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
    with _serving(options, environ) as (url, lines):
        assert httpx.get(url + PATH, trust_env=False).status_code == 200
    requests = [line for line in lines if f'"GET {PATH} HTTP/1.1" 200' in line]
    assert len(requests) == (1 if logged else 0), "\n".join(lines)
    assert any("Uvicorn running on" in line for line in lines), "\n".join(lines)


def test_access_log_is_on_by_default() -> None:
    assert Settings().access_log
    assert not Settings.from_env({"PORTEFEUILLE_ACCESS_LOG": "off"}).access_log
