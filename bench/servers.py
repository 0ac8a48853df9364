"""Start and stop the servers under test, on loopback ports, and read their cost from /proc.

Every server is a process group of its own, started here and stopped here by its id.
Servers can be pinned to one CPU (and the client to the other), so on a two-core machine
the client never steals the server's core.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Req, Target, run_cell

__all__ = [
    "BENCH_DIR",
    "VENV_BIN",
    "Server",
    "cpu_seconds",
    "free_port",
    "our_serve_supports_data",
    "pin_self",
    "started",
    "tree_pids",
    "tree_rss",
]

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    result, pending = [], [root]
    while pending:
        pid = pending.pop()
        result.append(pid)
        pending.extend(children.get(pid, ()))
    return result


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * _PAGE
        except OSError:
            continue
    return total


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and its living descendants (and reaped children)."""
    total = 0.0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 of stat (index 11-14 after the name)
        total += sum(int(x) for x in fields[11:15]) / _CLK_TCK
    return total


def pin_self(cpus: set[int] | None) -> None:
    """Pin this process to ``cpus`` (all CPUs when None)."""
    if cpus is None:
        cpus = set(range(os.cpu_count() or 1))
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, cpus)


def our_serve_supports_data() -> bool:
    """Whether ``portefeuille-ld serve`` has the ``--data FILE…`` option yet."""
    try:
        out = subprocess.run(
            [str(VENV_BIN / "portefeuille-ld"), "serve", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--data" in out


@dataclass
class Server:
    """A server process group listening on 127.0.0.1:port."""

    name: str
    command: Sequence[str]
    port: int
    sparql_path: str | None
    """Where SPARQL queries go (None: not a SPARQL server)."""
    ready_path: str
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    pin: set[int] | None = None
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    started_s: float = 0.0

    @property
    def target(self) -> Target:
        return Target("127.0.0.1", self.port)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, log_dir: Path, timeout_s: float = 300.0) -> None:
        """Start the server and wait until ``ready_path`` answers (any status below 500)."""
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("ab")
        pin = self.pin

        def prepare() -> None:  # runs in the child before exec
            if pin is not None:
                os.sched_setaffinity(0, pin)

        start = time.perf_counter()
        self.process = subprocess.Popen(
            list(self.command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=prepare,  # the parent is single-threaded when it starts servers
        )
        log.close()
        deadline = start + timeout_s
        probe = Req(self.ready_path, expect=tuple(range(100, 500)))
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            with contextlib.suppress(OSError):
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                cell = run_cell(
                    self.target,
                    [probe],
                    concurrency=1,
                    duration_s=0,
                    max_requests=1,
                    timeout_s=30,
                )
                if cell.latencies:
                    self.started_s = time.perf_counter() - start
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout_s} s: see {self.log_path}")

    def restart(self) -> None:
        """Stop and start again (after a request timed out: the server may still be busy)."""
        assert self.log_path is not None
        self.stop()
        self.start(self.log_path.parent)

    def stop(self) -> None:
        """Stop the process group (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def sparql(self, query: str, accept: str, expect: tuple[int, ...] = (200,)) -> Req:
        """A GET request for ``query`` on this server's SPARQL path."""
        assert self.sparql_path is not None
        path = f"{self.sparql_path}?{urllib.parse.urlencode({'query': query})}"
        return Req(path, (("Accept", accept),), expect=expect)


@contextlib.contextmanager
def started(servers: Sequence[Server], log_dir: Path) -> Iterator[list[Server]]:
    """Start every server (in turn), stop them all on exit."""
    running: list[Server] = []
    try:
        for server in servers:
            server.start(log_dir)
            running.append(server)
        yield running
    finally:
        for server in running:
            server.stop()


def oxigraph_binary() -> str:
    """The Oxigraph server CLI (PyPI ``oxigraph``) installed beside this Python."""
    found = VENV_BIN / "oxigraph"
    if found.exists():
        return str(found)
    which = shutil.which("oxigraph")
    if which is None:
        raise RuntimeError("no oxigraph CLI: pip install --group bench -e .")
    return which
