"""Load and soak (issue 5): 16 clients for 60 s on a mixed workload, with runaway queries.

The workload mixes the competency questions, a DESCRIBE, resource pages (HTML and Turtle),
303 redirects, the home page and a gzip dump download; a separate task sends a runaway
query (a triple cartesian product) every few seconds on its own connection. Reported:
errors other than the runaways' intended refusals of the runaways, p50/p99 of the ordinary requests,
the server process tree's RSS (from /proc) in the first and the last 10 s, and whether the
server still answers afterwards. Everything is bounded: the clients stop at the deadline,
every request has a timeout, and the server is stopped at the end (SIGKILL after 10 s).
Loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httptools

from bench.endpoint import INITIATIVE, build_servers, queries
from bench.load import Connection, CutShort, Req, Target, percentile
from bench.release import Dataset
from bench.servers import Server, cpu_seconds, started, tree_rss

__all__ = ["RUNAWAY", "RUNAWAYS", "RUNAWAY_COUNT", "run_soak", "to_markdown"]

RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""A query that would run for ages: every triple times every triple times every triple."""
RUNAWAY_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""The same work with a one-row answer: only a time limit stops it."""

RUNAWAYS = ((RUNAWAY, (422, 503, 504)), (RUNAWAY_COUNT, (503, 504)))
"""Sent in turn, each with what it is meant to get: the server gave up on it (time limit:
503/504) or refused to send an answer that large (result size limit: 422). A streamed
answer the server stops at either limit is a 200 cut short (`CutShort`): intended too."""


def _workload(server: Server, seed: int) -> list[tuple[str, Req]]:
    keys = [f"i{i}" for i in range(1, 201)]
    mix: list[tuple[str, Req]] = []
    for q in queries(INITIATIVE):
        if q.name[:2].isdigit() or q.name == "describe":
            mix += [(f"query:{q.name}", server.sparql(q.text, q.accept))] * 2
    html, turtle = ("Accept", "text/html"), ("Accept", "text/turtle")
    mix += [("page-html", Req(f"/doc/projet/{k}", (html,))) for k in keys[:12]]
    mix += [("page-turtle", Req(f"/doc/projet/{k}", (turtle,))) for k in keys[12:20]]
    mix += [("id-303", Req(f"/id/projet/{k}", (html,), expect=(303,))) for k in keys[20:24]]
    mix += [("home", Req("/", (html,)))] * 2
    mix += [("dump-gzip", Req("/dumps/portefeuille.nt", (("Accept-Encoding", "gzip"),)))]
    random.Random(seed).shuffle(mix)
    return mix


class _Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.statuses: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.runaways: Counter[str] = Counter()
        self.runaway_latencies: list[float] = []
        self.guard: str | None = None


async def _client(
    target: Target,
    mix: Sequence[tuple[str, Req]],
    offset: int,
    deadline: float,
    stats: _Stats,
    timeout_s: float,
) -> None:
    connection = Connection(target)
    payloads = [(kind, req, req.encode(target)) for kind, req in mix]
    index = offset
    while time.perf_counter() < deadline:
        kind, request, payload = payloads[index % len(payloads)]
        index += 1
        start = time.perf_counter()
        try:
            status, _ = await asyncio.wait_for(connection.exchange(payload, False), timeout_s)
        except TimeoutError:
            stats.errors[f"{kind}: client timeout {timeout_s:.0f} s"] += 1
            connection.close()
            continue
        except (OSError, ConnectionError, httptools.HttpParserError) as exc:
            stats.errors[f"{kind}: {type(exc).__name__}"] += 1
            connection.close()
            await asyncio.sleep(0.05)
            continue
        stats.statuses[f"{kind} {status}"] += 1
        if status in request.expect:
            stats.latencies.setdefault(kind, []).append(time.perf_counter() - start)
        else:
            stats.errors[f"{kind}: HTTP {status}"] += 1
    connection.close()


async def _runaway(target: Target, request: Req, stats: _Stats, timeout_s: float) -> None:
    connection = Connection(target)
    start = time.perf_counter()
    kind = "count" if "COUNT" in request.path else "select"
    try:
        status, _ = await asyncio.wait_for(
            connection.exchange(request.encode(target), False), timeout_s
        )
        intended = "intended" if status in request.expect else "NOT intended"
        stats.runaways[f"{kind}: HTTP {status} ({intended})"] += 1
        stats.runaway_latencies.append(time.perf_counter() - start)
    except TimeoutError:
        stats.runaways[f"{kind}: no answer within {timeout_s:.0f} s"] += 1
    except CutShort as exc:  # a streamed answer the server stopped: a 200 that never ends
        intended = "intended" if exc.status == 200 else "NOT intended"
        stats.runaways[f"{kind}: HTTP {exc.status} cut short ({intended})"] += 1
        stats.runaway_latencies.append(time.perf_counter() - start)
    except (OSError, ConnectionError, httptools.HttpParserError) as exc:
        stats.runaways[f"{kind}: {type(exc).__name__}"] += 1
    finally:
        connection.close()


async def _sampler(
    server: Server, deadline: float, samples: list[tuple[float, int]], cap: int, stats: _Stats
) -> None:
    """Record the RSS every second; kill the server if it outgrows ``cap`` (a runaway's
    answer built in memory would otherwise take the machine down)."""
    start = time.perf_counter()
    tick = 0
    while time.perf_counter() < deadline and server.process and server.process.poll() is None:
        rss = tree_rss(server.pid)
        if tick % 4 == 0:
            samples.append((time.perf_counter() - start, rss))
        if rss > cap:
            stats.guard = f"server killed by the bench at {rss / 2**30:.1f} GiB RSS"
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            return
        tick += 1
        await asyncio.sleep(0.25)


async def _soak(
    server: Server,
    *,
    duration_s: float,
    clients: int,
    runaway_every_s: float,
    runaway_timeout_s: float,
    timeout_s: float,
    seed: int,
    memory_cap: int,
) -> tuple[_Stats, list[tuple[float, int]], int]:
    stats = _Stats()
    samples: list[tuple[float, int]] = []
    mix = _workload(server, seed)
    start = time.perf_counter()
    deadline = start + duration_s
    tasks = [
        asyncio.create_task(_client(server.target, mix, i * 7, deadline, stats, timeout_s))
        for i in range(clients)
    ]
    tasks.append(asyncio.create_task(_sampler(server, deadline, samples, memory_cap, stats)))
    requests = [server.sparql(q, "application/sparql-results+json", expect=e) for q, e in RUNAWAYS]
    runaways: list[asyncio.Task[None]] = []
    next_runaway = start + runaway_every_s / 2
    while time.perf_counter() < deadline:
        if time.perf_counter() >= next_runaway:
            request = requests[len(runaways) % len(requests)]
            runaways.append(
                asyncio.create_task(_runaway(server.target, request, stats, runaway_timeout_s))
            )
            next_runaway += runaway_every_s
        await asyncio.sleep(0.1)
    await asyncio.gather(*tasks)
    if runaways:  # every runaway has its own timeout: this wait is bounded
        await asyncio.wait(runaways, timeout=runaway_timeout_s + 5)
    for task in runaways:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*runaways, return_exceptions=True)
    return stats, samples, len(runaways)


async def _health(server: Server) -> dict[str, Any]:
    result: dict[str, Any] = {}
    checks = {
        "ask": server.sparql("ASK { ?s ?p ?o }", "application/sparql-results+json"),
        "page": Req("/doc/projet/i1", (("Accept", "text/html"),)),
    }
    for name, request in checks.items():
        connection = Connection(server.target)
        start = time.perf_counter()
        try:
            status, _ = await asyncio.wait_for(
                connection.exchange(request.encode(server.target), False), 15
            )
            result[name] = {"status": status, "ms": round((time.perf_counter() - start) * 1000, 1)}
        except (TimeoutError, OSError, ConnectionError, httptools.HttpParserError) as exc:
            result[name] = {"status": None, "error": type(exc).__name__}
        finally:
            connection.close()
    result["healthy"] = all(v.get("status") == 200 for v in result.values())
    return result


def _window(samples: list[tuple[float, int]], lo: float, hi: float) -> float | None:
    values = [rss for t, rss in samples if lo <= t < hi]
    return round(statistics.median(values) / 2**20, 1) if values else None


def run_soak(
    dataset: Dataset,
    *,
    log_dir: Path,
    duration_s: float = 60.0,
    clients: int = 16,
    runaway_every_s: float = 5.0,
    runaway_timeout_s: float = 30.0,
    timeout_s: float = 30.0,
    seed: int = 1,
    memory_cap_gib: float = 6.0,
    warmup_s: float = 10.0,
) -> dict[str, Any]:
    """Start our server on ``dataset``, soak it, check it afterwards, stop it.

    The same workload runs ``warmup_s`` before the ``duration_s`` measured: the first
    10 s window compares the warm server, not its start-up, with the last one. Errors and
    latencies count over the whole run.
    """
    (server,) = build_servers(dataset, ["ours-release"], pin=None, with_hello=False)
    with started([server], log_dir):
        cpu = cpu_seconds(server.pid)
        stats, samples, sent = asyncio.run(
            _soak(
                server,
                duration_s=warmup_s + duration_s,
                clients=clients,
                runaway_every_s=runaway_every_s,
                runaway_timeout_s=runaway_timeout_s,
                timeout_s=timeout_s,
                seed=seed,
                memory_cap=int(memory_cap_gib * 2**30),
            )
        )
        cpu = max(0.0, cpu_seconds(server.pid) - cpu)
        time.sleep(1.0)
        health = asyncio.run(_health(server)) if stats.guard is None else {"healthy": False}
        rss_after = round(tree_rss(server.pid) / 2**20, 1)
    ordinary = sorted(v for values in stats.latencies.values() for v in values)
    first = _window(samples, warmup_s, warmup_s + 10)
    last = _window(samples, warmup_s + duration_s - 10, warmup_s + duration_s + 1)
    peak = round(max((r for _, r in samples), default=0) / 2**20, 1)
    unintended = sum(n for k, n in stats.runaways.items() if not k.endswith("(intended)"))
    return {
        "settings": {
            "projects": dataset.projects,
            "duration_s": duration_s,
            "warmup_s": warmup_s,
            "clients": clients,
            "runaway_every_s": runaway_every_s,
            "runaway_timeout_s": runaway_timeout_s,
            "client_timeout_s": timeout_s,
            "command": " ".join(server.command),
        },
        "requests": len(ordinary) + sum(stats.errors.values()),
        "ok": len(ordinary),
        "rps": round(len(ordinary) / (warmup_s + duration_s), 1),
        "p50_ms": round(percentile(ordinary, 50) * 1000, 2) if ordinary else None,
        "p99_ms": round(percentile(ordinary, 99) * 1000, 2) if ordinary else None,
        "p99_ms_by_kind": {
            k: round(percentile(sorted(v), 99) * 1000, 2)
            for k, v in sorted(stats.latencies.items())
        },
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors.most_common(10)),
        "runaways_sent": sent,
        "runaways": dict(stats.runaways),
        "runaways_not_stopped": unintended,
        "runaway_answer_s": [round(x, 2) for x in stats.runaway_latencies],
        "server_cpu_s": round(cpu, 1),
        "rss_mib": {
            "peak": peak,
            "first_10s": first,
            "last_10s": last,
            "after": rss_after,
            "samples": [(round(t, 1), round(r / 2**20, 1)) for t, r in samples],
        },
        "memory_flat": bool(first and last and last <= first * 1.10 + 16),
        "health_after": health,
        "memory_guard": stats.guard,
        "passed": bool(
            not stats.errors
            and not unintended
            and health["healthy"]
            and not stats.guard
            and first
            and last
            and last <= first * 1.10 + 16
        ),
    }


def to_markdown(result: dict[str, Any]) -> str:
    """The soak section of the summary."""
    s, rss = result["settings"], result["rss_mib"]
    verdict = "**passed**" if result["passed"] else "**failed**"
    lines = [
        f"{verdict}: {s['clients']} clients for {s['duration_s']:.0f} s (after "
        f"{s['warmup_s']:.0f} s of warm-up) on {s['projects']:,} "
        f"initiatives, one runaway query every {s['runaway_every_s']:.0f} s, in turn `{RUNAWAY}` "
        f"and `{RUNAWAY_COUNT}`.",
        f"Server: `{s['command']}`.",
        "",
        f"- ordinary requests: {result['ok']:,} ok ({result['rps']} /s), "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; "
        f"errors other than the runaways' intended refusals: {result['errors']}"
        + (f" ({result['error_kinds']})" if result["errors"] else ""),
        f"- runaways: {result['runaways_sent']} sent, outcomes {result['runaways']}; "
        f"not stopped by the server: {result['runaways_not_stopped']}",
        f"- RSS of the server's process tree (MiB, median): first 10 s {rss['first_10s']}, "
        f"last 10 s {rss['last_10s']}, peak {rss['peak']}, after the run {rss['after']}: "
        f"{'flat' if result['memory_flat'] else 'GROWING'}",
        f"- server CPU: {result['server_cpu_s']} s; afterwards: {result['health_after']}"
        + (f"; {result['memory_guard']}" if result["memory_guard"] else ""),
        f"- p99 by kind (ms): {result['p99_ms_by_kind']}",
    ]
    return "\n".join(lines) + "\n"
