"""Fixtures of the browser test: the real build served by uvicorn in its own process, and
Debian's Chromium driven by Playwright (``tests/browser/ensure-chromium.sh`` installs it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from portefeuille_ld.pipeline.build import BuildResult

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
"""Screenshots go to ``test-artifacts/`` at the repository root (gitignored)."""


@pytest.fixture(scope="session")
def server(built: BuildResult) -> Iterator[str]:
    """``uvicorn --factory create_app`` over the real build, on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {**os.environ, "PORTEFEUILLE_OUT_DIR": str(built.release.parent.parent)}
    command = [sys.executable, "-m", "uvicorn", "--factory", "portefeuille_ld.web.app:create_app"]
    process = subprocess.Popen(
        [*command, "--fd", str(sock.fileno()), "--log-level", "warning"],
        pass_fds=[sock.fileno()],
        env=env,
    )
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        sock.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with status {process.returncode}")
        try:
            if httpx.get(url + "/", trust_env=False, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not answer at {url} within 30 s")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian (never a browser Playwright downloads).

    Module-scoped: Playwright's sync API runs an event loop in the main thread until it
    stops, which would break later tests that call `asyncio.run`.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run tests/browser/ensure-chromium.sh (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
