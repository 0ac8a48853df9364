"""Issue 4: how long ``portefeuille-ld serve --out OUT`` takes to answer, and what it spends.

Each run spawns the server on a free loopback port and polls one request (every 10 ms)
until its first 200, from the moment of the spawn:

- ``ask``: ``ASK {}`` on ``/sparql`` (the endpoint, nothing else);
- ``home``: ``/`` (the home page: its figures are SPARQL queries, its lists too);
- ``count``: ``COUNT(*)`` over every quad (a full scan: what a heavy first query costs).

At that moment it reads the CPU time (user + system, from /proc) of every process of the
server's tree: the server (uvicorn in the ``portefeuille-ld`` process) and each query
worker. Then, with ``--settle S``, it waits until the tree stops using CPU (the workers'
background load into memory) for at most S seconds and reads the total again. Medians
over ``--runs``; the runs of the targets are interleaved, so a noisy moment of a shared
machine spreads over all of them.

``--floor`` also times bare interpreters importing what each process imports (medians of
``--runs``): Python alone, uvicorn + FastAPI (the floor of any FastAPI server), the app's
module, the worker's module; ``python -X importtime`` shows the rest.

    .venv/bin/python -m bench.startup --out artifacts --runs 5 --floor
    .venv/bin/python -m bench.startup --out /tmp/bench-pipeline/rel-100k/out --runs 3 \\
        --targets ask,count --settle 120
    .venv/bin/python -m bench.startup --out artifacts --baseline /tmp/before/src  # before

Only 127.0.0.1 is contacted; every server is stopped by its process group.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.servers import free_port, tree_pids

__all__ = ["Run", "floor", "main", "run_once", "run_startup", "to_markdown"]

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_POLL_S = 0.01
ASK = "ASK {}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
TARGETS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "ask": (
        "/sparql?" + urllib.parse.urlencode({"query": ASK}),
        (("Accept", "application/sparql-results+json"),),
    ),
    "home": ("/", (("Accept", "text/html"),)),
    "count": (
        "/sparql?" + urllib.parse.urlencode({"query": COUNT}),
        (("Accept", "application/sparql-results+json"),),
    ),
}
FLOOR: dict[str, str] = {
    "python": "pass",
    "uvicorn+fastapi": "import uvicorn, fastapi",
    "cli": "import portefeuille_ld.cli",
    "app": "import uvicorn; from portefeuille_ld.web.app import create_app",
    "worker": "from portefeuille_ld.store.worker import main",
}


@dataclass
class Run:
    """One spawn of the server, up to its first 200 on one target."""

    target: str
    first_200_s: float | None
    server_cpu_s: float = 0.0
    """The ``portefeuille-ld`` process (uvicorn and the app) at the first 200."""
    workers_cpu_s: list[float] = field(default_factory=list)
    """Each other process of the tree (query workers) at the first 200."""
    settled_s: float | None = None
    """When the tree stopped using CPU (``--settle``), from the spawn."""
    settled_cpu_s: float | None = None
    error: str | None = None

    @property
    def tree_cpu_s(self) -> float:
        return self.server_cpu_s + sum(self.workers_cpu_s)


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / _CLK_TCK  # utime stime cutime cstime


def _tree_cpu(root: int) -> tuple[float, list[float]]:
    others = [_cpu(pid) for pid in tree_pids(root) if pid != root]
    return _cpu(root), sorted(others, reverse=True)


def _get(port: int, path: str, headers: Sequence[tuple[str, str]], timeout_s: float) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        conn.request("GET", path, headers=dict(headers))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _settle(root: int, start: float, limit_s: float) -> tuple[float, float]:
    """Wait until the tree used under 2% of a CPU over half a second; (when, total CPU)."""
    deadline = time.perf_counter() + limit_s
    last = sum(_tree_cpu(root)[1]) + _tree_cpu(root)[0]
    while time.perf_counter() < deadline:
        time.sleep(0.5)
        server, workers = _tree_cpu(root)
        now = server + sum(workers)
        if now - last < 0.01:
            return time.perf_counter() - start, now
        last = now
    return time.perf_counter() - start, last


def run_once(
    command: Sequence[str],
    env: dict[str, str],
    target: str,
    *,
    log: Path,
    timeout_s: float = 120.0,
    settle_s: float = 0.0,
) -> Run:
    """Spawn the server, poll ``target`` until its first 200, read the CPU, stop it."""
    port = free_port()
    path, headers = TARGETS[target]
    start = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    run = Run(target, None)
    try:
        while time.perf_counter() - start < timeout_s:
            if process.poll() is not None:
                run.error = f"exited with {process.returncode}: see {log}"
                return run
            status = 0
            with contextlib.suppress(OSError, http.client.HTTPException):
                status = _get(port, path, headers, timeout_s)
            if status == 200:
                run.first_200_s = time.perf_counter() - start
                run.server_cpu_s, run.workers_cpu_s = _tree_cpu(process.pid)
                break
            time.sleep(_POLL_S)
        else:
            run.error = f"no 200 within {timeout_s:g} s"
        if settle_s and run.first_200_s is not None:
            run.settled_s, run.settled_cpu_s = _settle(process.pid, start, settle_s)
        return run
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def floor(env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of a fresh interpreter running each `FLOOR` program."""
    result: dict[str, dict[str, float]] = {}
    for name, program in FLOOR.items():
        walls, cpus = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", program], env=env, check=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(
                after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
            )
        result[name] = {
            "wall_s": round(statistics.median(walls), 3),
            "cpu_s": round(statistics.median(cpus), 3),
        }
    return result


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def summarize(runs: Sequence[Run]) -> dict[str, Any]:
    """Medians per target, and every run."""
    summary: dict[str, Any] = {}
    for target in dict.fromkeys(r.target for r in runs):
        mine = [r for r in runs if r.target == target]
        ok = [r for r in mine if r.first_200_s is not None]
        summary[target] = {
            "runs": len(mine),
            "failed": len(mine) - len(ok),
            "first_200_s": _median([r.first_200_s for r in ok]),
            "min_first_200_s": min((r.first_200_s or 0 for r in ok), default=None),
            "tree_cpu_s": _median([r.tree_cpu_s for r in ok]),
            "server_cpu_s": _median([r.server_cpu_s for r in ok]),
            "worker_cpu_s": _median([max(r.workers_cpu_s, default=0.0) for r in ok]),
            "workers": max((len(r.workers_cpu_s) for r in ok), default=0),
            "settled_s": _median([r.settled_s for r in ok]),
            "settled_cpu_s": _median([r.settled_cpu_s for r in ok]),
            "all": [asdict(r) for r in mine],
        }
    return summary


def run_startup(
    out_dirs: Sequence[Path],
    *,
    targets: Sequence[str] = ("ask", "home"),
    runs: int = 5,
    settle_s: float = 0.0,
    baseline: Path | None = None,
    log_dir: Path,
    with_floor: bool = False,
    progress: Any = print,
) -> dict[str, Any]:
    """Every target on every release, ``runs`` times each (interleaved); medians."""
    env = dict(os.environ)
    if baseline is not None:
        env["PYTHONPATH"] = str(baseline)
    result: dict[str, Any] = {"baseline": str(baseline) if baseline else None, "releases": {}}
    if with_floor:
        result["floor"] = floor(env, runs)
        progress(f"floor: {result['floor']}")
    for out_dir in out_dirs:
        command = [sys.executable, "-m", "portefeuille_ld", "serve", "--out", str(out_dir)]
        done: list[Run] = []
        for i in range(runs):
            for target in targets:
                run = run_once(command, env, target, log=log_dir / "startup.log", settle_s=settle_s)
                progress(
                    f"{out_dir} {target} run {i + 1}: first 200 after {run.first_200_s}s,"
                    f" CPU server {run.server_cpu_s:.2f} s workers {run.workers_cpu_s}"
                    f"{'' if run.settled_s is None else f', settled {run.settled_s:.1f} s'}"
                    f"{'' if run.settled_cpu_s is None else f' / {run.settled_cpu_s:.2f} s CPU'}"
                    f"{'' if run.error is None else f' ERROR {run.error}'}"
                )
                done.append(run)
        result["releases"][str(out_dir)] = summarize(done)
    return result


def to_markdown(result: dict[str, Any]) -> str:
    """The medians as a table."""
    lines = []
    if "floor" in result:
        lines += ["| fresh interpreter | wall s | CPU s |", "|---|---|---|"]
        lines += [
            f"| `{FLOOR[k]}` | {v['wall_s']} | {v['cpu_s']} |" for k, v in result["floor"].items()
        ]
        lines.append("")
    lines += [
        "| release | first 200 on | runs | median s (min) | tree CPU s | server CPU s |"
        " busiest worker CPU s | settled s | CPU s when settled |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for out_dir, targets in result["releases"].items():
        for target, s in targets.items():
            lines.append(
                f"| {out_dir} | {target} | {s['runs'] - s['failed']}/{s['runs']} |"
                f" {s['first_200_s']} ({s['min_first_200_s'] and round(s['min_first_200_s'], 3)})"
                f" | {s['tree_cpu_s']} | {s['server_cpu_s']} | {s['worker_cpu_s']}"
                f" ×{s['workers']} | {s['settled_s']} | {s['settled_cpu_s']} |"
            )
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, action="append", required=True, help="a release dir")
    p.add_argument("--targets", default="ask,home", help=f"of {','.join(TARGETS)}")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--settle", type=float, default=0.0, help="wait up to S s for idle CPU")
    p.add_argument("--baseline", type=Path, help="a source tree to run instead (PYTHONPATH)")
    p.add_argument("--floor", action="store_true", help="also time bare imports")
    p.add_argument("--json", type=Path, help="write the results here too")
    p.add_argument("--log-dir", type=Path, default=Path("/tmp/bench-startup"))
    return p


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    args.log_dir.mkdir(parents=True, exist_ok=True)
    result = run_startup(
        args.out,
        targets=[t.strip() for t in args.targets.split(",") if t.strip()],
        runs=args.runs,
        settle_s=args.settle,
        baseline=args.baseline,
        log_dir=args.log_dir,
        with_floor=args.floor,
    )
    result["load_average"] = os.getloadavg()
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(to_markdown(result))
    print(f"load average after: {result['load_average']}")


if __name__ == "__main__":
    main()
