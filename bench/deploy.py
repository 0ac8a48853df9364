"""Issue 6: deployment shapes, side by side in one run, on loopback only.

1. **Embedded vs remote store**: ``portefeuille-ld serve --out OUT`` (its default embedded
   store) and ``portefeuille-ld serve --out OUT --store http://127.0.0.1:P/query`` on an
   Oxigraph server (``oxigraph serve``, fresh on-disk store) loaded with our own
   ``portefeuille-ld publish --to …/store --update …/update`` of the same release. The query
   mix of `bench.endpoint` at concurrency 1 and 16, rounds with the order rotated, medians;
   ratio remote/embedded per query and its geometric mean. Servers (ours and Oxigraph alike)
   are pinned to CPU 0 and the client to CPU 1 unless ``--no-pin``.
2. **uvicorn workers**: ``uvicorn --factory portefeuille_ld.web.app:create_app --workers N``
   for N in 1, 2, 4 with ``PORTEFEUILLE_OUT_DIR`` and ``PORTEFEUILLE_WORKERS`` (query processes
   per web process, 1 by default here), concurrency 16, not pinned (scaling needs both
   cores, which the client shares); requests/s ratios N/1. Every query is also sent on 32
   fresh connections, 16 at a time, with a fixed ``Host`` header: all answers (body digest and
   ETag) must be identical, within a configuration and across configurations (and between
   the embedded and the remote store in part 1). Which workers answered is read from /proc
   (the CPU time each web process spent during the check).

``python -m bench.deploy --projects 1000`` for a quick run; the default is 10,000 initiatives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.endpoint import (
    INITIATIVE,
    Query,
    _aggregate,
    _fmt,
    _geomean,
    _ratio,
    _Runner,
    queries,
)
from bench.release import Dataset, default_work_dir
from bench.servers import (
    VENV_BIN,
    Server,
    cpu_seconds,
    free_port,
    oxigraph_binary,
    started,
    tree_pids,
    tree_rss,
)

__all__ = ["main", "run_deploy", "to_markdown"]

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
FIXED_HOST = "127.0.0.1:8000"
"""Sent by the identity check, so ETags (which hash the host) compare across ports."""


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _wait_settled(server: Server, *, max_s: float = 90.0) -> float:
    """Wait until the server tree's RSS stops growing (workers parsing the data in memory)."""
    start = time.perf_counter()
    last, steady = tree_rss(server.pid), 0
    while time.perf_counter() - start < max_s and steady < 3:
        time.sleep(0.5)
        now = tree_rss(server.pid)
        steady = steady + 1 if abs(now - last) < 0.01 * max(last, 1) else 0
        last = now
    return round(time.perf_counter() - start, 1)


def _canonical(body: bytes) -> bytes:
    """The answer with its order dropped: sorted bindings (SPARQL JSON) or sorted lines."""
    try:
        data = json.loads(body)
        if "results" in data:
            rows = sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])
            return json.dumps([data.get("head"), rows]).encode()
    except (ValueError, TypeError, AttributeError):
        pass
    return b"\n".join(sorted(line for line in body.splitlines() if line.strip()))


def _fetch(port: int, path: str, accept: str) -> tuple[int, str | None, str, str]:
    """One GET on a fresh connection: status, ETag, SHA-256 of the body and of its sorted form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Host": FIXED_HOST, "Accept": accept})
        response = connection.getresponse()
        body = response.read()
        return (
            response.status,
            response.getheader("ETag"),
            hashlib.sha256(body).hexdigest()[:16],
            hashlib.sha256(_canonical(body)).hexdigest()[:16],
        )
    finally:
        connection.close()


def _web_workers(root: int, count: int) -> list[int]:
    """The web processes: the uvicorn supervisor's children that have query processes
    under them (not multiprocessing's resource tracker), or the server itself when alone."""
    if count <= 1:
        return [root]
    return [
        pid
        for pid in tree_pids(root)
        if pid != root and _parent(pid) == root and len(tree_pids(pid)) > 1
    ]


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except OSError:
        return -1


def _identity(
    server: Server, mix: list[Query], *, fetches: int = 32, count: int = 1
) -> dict[str, Any]:
    """Send every query ``fetches`` times on fresh connections (16 at once); collect answers."""
    workers = _web_workers(server.pid, count)
    before = {pid: cpu_seconds(pid) for pid in workers}
    out: dict[str, Any] = {}
    with ThreadPoolExecutor(16) as pool:
        for query in mix:
            path, accept = server.sparql(query.text, query.accept).path, query.accept
            answers = list(
                pool.map(lambda _, p=path, a=accept: _fetch(server.port, p, a), range(fetches))
            )
            distinct = sorted({f"{s} {e} {h}" for s, e, h, _ in answers})
            out[query.name] = {
                "distinct": distinct,
                "identical": len(distinct) == 1,
                "status_etag": sorted({f"{s} {e}" for s, e, _, _ in answers}),
                "sorted_digest": sorted({c for *_, c in answers}),
            }
    busy = [pid for pid in workers if cpu_seconds(pid) - before[pid] > 0.02]
    return {
        "queries": out,
        "web_processes": len(workers),
        "web_processes_that_answered": len(busy),
    }


def _measure(
    runner: _Runner,
    servers: list[Server],
    mix: list[Query],
    concurrencies: Sequence[int],
    rounds: int,
) -> dict[str, Any]:
    """Warm every query on every server, then closed-loop cells in rotated order; medians."""
    out: dict[str, Any] = {}
    latency: dict[tuple[str, str], float] = {}
    for query in mix:
        for server in servers:
            request = server.sparql(query.text, query.accept)
            warm = runner.cell(server, [request], 1, duration_s=0, min_requests=2)
            ok = warm["ok"] == warm["requests"] and warm["p50_ms"]
            latency[(query.name, server.name)] = warm["p50_ms"] / 1000 if ok else float("inf")
    for query in mix:
        out[query.name] = {}
        for concurrency in concurrencies:
            cells: dict[str, list[dict[str, Any]]] = {s.name: [] for s in servers}
            skipped: dict[str, str] = {}
            for r in range(rounds):
                order = servers[r % len(servers) :] + servers[: r % len(servers)]
                for server in order:
                    estimate = latency[(query.name, server.name)]
                    if estimate * concurrency > runner.max_cell_s:
                        skipped[server.name] = f"warm request {estimate:.2f} s"
                        continue
                    request = server.sparql(query.text, query.accept)
                    cells[server.name].append(runner.cell(server, [request], concurrency))
            for name, got in cells.items():
                key = f"c{concurrency}"
                if name in skipped or not got:
                    out[query.name].setdefault(key, {})[name] = {"skipped": skipped.get(name)}
                    continue
                out[query.name].setdefault(key, {})[name] = _aggregate(got)
        _say(
            f"  {query.name}: "
            + "; ".join(
                f"c={c} "
                + ", ".join(f"{n} {v.get('rps')}" for n, v in out[query.name][f"c{c}"].items())
                for c in concurrencies
            )
        )
    return out


def _ratios(measured: dict[str, Any], a: str, b: str, key: str) -> dict[str, Any]:
    per = {
        name: _ratio(q.get(key, {}).get(a, {}).get("rps"), q.get(key, {}).get(b, {}).get("rps"))
        for name, q in measured.items()
    }
    return {"per_query": per, "geomean": _geomean(list(per.values()))}


def _ours(name: str, dataset: Dataset, extra: Sequence[str], pin: set[int] | None) -> Server:
    port = free_port()
    command = [
        str(VENV_BIN / "portefeuille-ld"),
        "serve",
        "--out",
        str(dataset.out_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]
    return Server(name, command, port, "/sparql", "/sparql?query=ASK%7B%7D", pin=pin, cwd=ROOT)


def run_stores(
    dataset: Dataset,
    mix: list[Query],
    runner: _Runner,
    *,
    rounds: int,
    concurrencies: Sequence[int],
    pin: set[int] | None,
    log_dir: Path,
    store_dir: Path,
) -> dict[str, Any]:
    """Part 1: embedded vs remote (Oxigraph loaded by our ``publish --to``)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    oxigraph = Server(
        "oxigraph-remote",
        [
            oxigraph_binary(),
            "serve",
            "--location",
            str(store_dir),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            "30",
        ],
        port,
        "/query",
        "/query?query=ASK%7B%7D",
        pin=pin,
    )
    result: dict[str, Any] = {}
    with started([oxigraph], log_dir):
        publish = [
            str(VENV_BIN / "portefeuille-ld"),
            "publish",
            "--to",
            f"{base}/store",
            "--update",
            f"{base}/update",
            "--out",
            str(dataset.out_dir),
        ]
        _say("publishing the release to Oxigraph: " + " ".join(publish))
        t0 = time.perf_counter()
        done = subprocess.run(
            publish, capture_output=True, text=True, timeout=1800, cwd=ROOT, check=False
        )
        result["publish"] = {
            "command": " ".join(publish),
            "exit": done.returncode,
            "wall_s": round(time.perf_counter() - t0, 1),
            "output_tail": (done.stdout + done.stderr)[-600:],
        }
        if done.returncode != 0:
            raise RuntimeError(f"publish failed: {result['publish']['output_tail']}")
        servers = [
            _ours("embedded", dataset, [], pin),
            _ours(
                "remote",
                dataset,
                ["--store", f"{base}/query", "--graph-store", f"{base}/store"],
                pin,
            ),
        ]
        with started(servers, log_dir) as running:
            for server in running:
                runner.cell(server, [server.sparql(mix[0].text, mix[0].accept)], 1, duration_s=0)
                result.setdefault("settle_s", {})[server.name] = _wait_settled(server)
            result["commands"] = {s.name: " ".join(s.command) for s in running}
            result["startup_s"] = {s.name: round(s.started_s, 2) for s in running}
            result["identity"] = {s.name: _identity(s, mix, fetches=8) for s in running}
            cpu0 = {s.name: cpu_seconds(s.pid) for s in [*running, oxigraph]}
            result["queries"] = _measure(runner, running, mix, concurrencies, rounds)
            result["server_cpu_s_total"] = {
                s.name: round(cpu_seconds(s.pid) - cpu0[s.name], 1) for s in [*running, oxigraph]
            }
            result["rss_end_mib"] = {
                s.name: round(tree_rss(s.pid) / 2**20, 1) for s in [*running, oxigraph]
            }
    ident = result["identity"]
    result["embedded_vs_remote"] = {
        q.name: {
            key: ident["embedded"]["queries"][q.name][key]
            == ident["remote"]["queries"][q.name][key]
            for key in ("status_etag", "distinct", "sorted_digest")
        }
        for q in mix
    }
    result["ratios"] = {
        f"c{c}": _ratios(result["queries"], "remote", "embedded", f"c{c}") for c in concurrencies
    }
    return result


def run_workers(
    dataset: Dataset,
    mix: list[Query],
    runner: _Runner,
    *,
    counts: Sequence[int],
    rounds: int,
    concurrency: int,
    query_workers: int,
    log_dir: Path,
) -> dict[str, Any]:
    """Part 2: 1, 2, 4 uvicorn web processes, one configuration at a time, not pinned."""
    result: dict[str, Any] = {"query_workers_per_process": query_workers, "by_count": {}}
    measured: dict[str, dict[str, Any]] = {name: {} for name in (q.name for q in mix)}
    identities: dict[str, Any] = {}
    for count in counts:
        port = free_port()
        command = [
            str(VENV_BIN / "uvicorn"),
            "--factory",
            "portefeuille_ld.web.app:create_app",
            "--workers",
            str(count),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ]
        env = {
            "PORTEFEUILLE_OUT_DIR": str(dataset.out_dir),
            "PORTEFEUILLE_WORKERS": str(query_workers),
        }
        name = f"w{count}"
        server = Server(
            name, command, port, "/sparql", "/sparql?query=ASK%7B%7D", env=env, cwd=ROOT
        )
        _say(f"uvicorn --workers {count} (PORTEFEUILLE_WORKERS={query_workers})")
        with started([server], log_dir) as (running,):
            # every web process must have its query process up and its data in memory
            warm = [running.sparql(q.text, q.accept) for q in mix]
            runner.cell(running, warm, 16, duration_s=0, min_requests=64)
            settle = _wait_settled(running)
            identities[name] = _identity(running, mix, count=count)
            one = _measure(runner, [running], mix, [concurrency], rounds)
            for qname, cells in one.items():
                measured[qname].setdefault(f"c{concurrency}", {})[name] = cells[f"c{concurrency}"][
                    name
                ]
            result["by_count"][name] = {
                "command": " ".join(f"{k}={v}" for k, v in env.items()) + " " + " ".join(command),
                "startup_s": round(running.started_s, 2),
                "settle_s": settle,
                "processes": len([p for p in tree_pids(running.pid) if p != running.pid]),
                "rss_end_mib": round(tree_rss(running.pid) / 2**20, 1),
            }
    result["queries"] = measured
    result["identity"] = identities
    key = f"c{concurrency}"
    result["ratios"] = {
        f"w{n}/w{counts[0]}": _ratios(measured, f"w{n}", f"w{counts[0]}", key) for n in counts[1:]
    }
    reference = {q.name: identities[f"w{counts[0]}"]["queries"][q.name]["distinct"] for q in mix}
    result["identical_across_counts"] = all(
        identities[f"w{n}"]["queries"][q]["distinct"] == d
        for n in counts
        for q, d in reference.items()
    )
    result["identical_within_counts"] = all(
        v["identical"] for i in identities.values() for v in i["queries"].values()
    )
    return result


def run_deploy(args: argparse.Namespace) -> dict[str, Any]:
    dataset = Dataset(args.projects, args.seed, args.work).prepare()
    mix = queries(INITIATIVE)
    if args.queries:
        wanted = set(args.queries.split(","))
        mix = [q for q in mix if q.name in wanted]
    cpus = os.cpu_count() or 1
    pin = {0} if not args.no_pin and cpus > 1 else None
    client = {1} if not args.no_pin and cpus > 1 else None
    log_dir = args.work / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "command": "python -m bench.deploy " + " ".join(args.argv),
        "machine": {"cpus": cpus, "load_before": os.getloadavg()},
        "dataset": {
            "projects": dataset.projects,
            "seed": dataset.seed,
            "out_dir": str(dataset.out_dir),
            "quads": sum(1 for _ in dataset.nquads.open("rb")),
        },
        "settings": {
            "rounds": args.rounds,
            "cell_s": args.cell_seconds,
            "max_cell_s": args.max_cell_seconds,
            "pinned_part1": pin is not None,
            "queries": [q.name for q in mix],
        },
    }
    if "stores" in args.parts:
        runner = _Runner(client, args.cell_seconds, args.max_cell_seconds, 120.0)
        with tempfile.TemporaryDirectory(prefix="deploy-oxigraph-", dir=args.work) as store_dir:
            _say(f"part 1: embedded vs remote, {dataset.projects:,} initiatives")
            result["stores"] = run_stores(
                dataset,
                mix,
                runner,
                rounds=args.rounds,
                concurrencies=(1, 16),
                pin=pin,
                log_dir=log_dir,
                store_dir=Path(store_dir),
            )
            result["stores"]["restarts"] = dict(runner.restarts)
    result["machine"]["load_between"] = os.getloadavg()
    if "workers" in args.parts:
        runner = _Runner(None, args.cell_seconds, args.max_cell_seconds, 120.0)
        _say("part 2: uvicorn workers")
        result["workers"] = run_workers(
            dataset,
            mix,
            runner,
            counts=args.workers,
            rounds=args.rounds,
            concurrency=16,
            query_workers=args.query_workers,
            log_dir=log_dir,
        )
        result["workers"]["restarts"] = dict(runner.restarts)
    result["machine"]["load_after"] = os.getloadavg()
    return result


def _load(values: Sequence[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def to_markdown(result: dict[str, Any]) -> str:
    ds, st, m = result["dataset"], result["settings"], result["machine"]
    lines = [
        f"# Deployment benchmark (issue 6), {result['date']}",
        "",
        f"Command: `{result['command']}`. Machine: {m['cpus']} CPUs; load average (1, 5, 15 min) "
        f"before {_load(m['load_before'])}, between the parts {_load(m['load_between'])}, after "
        f"{_load(m['load_after'])}.",
        f"Dataset: {ds['projects']:,} initiatives (seed {ds['seed']}), {ds['quads']:,} quads. "
        f"Rounds: {st['rounds']} × {st['cell_s']} s cells, medians; a cell whose warm request × "
        f"concurrency exceeds {st['max_cell_s']} s is skipped.",
    ]
    s = result.get("stores")
    if s:
        lines += [
            "",
            "## 1. Embedded store vs remote Oxigraph",
            "",
            f"Servers (ours and Oxigraph) pinned to CPU 0, client to CPU 1: {st['pinned_part1']}.",
            f"Loaded with `{s['publish']['command']}` in {s['publish']['wall_s']} s "
            f"(exit {s['publish']['exit']}).",
            "",
        ]
        lines += [f"- {k}: `{v}`" for k, v in s["commands"].items()]
        for key in ("c1", "c16"):
            lines += [
                "",
                f"### Concurrency {key[1:]}: requests/s (p50 / p99 ms), median of rounds",
                "",
                "| query | embedded | remote | remote/embedded |",
                "|---|---|---|---|",
            ]
            for name, q in s["queries"].items():
                cells = []
                for t in ("embedded", "remote"):
                    c = q.get(key, {}).get(t, {})
                    cells.append(
                        f"skipped ({c['skipped']})"
                        if "skipped" in c
                        else f"{_fmt(c.get('rps'))} ({_fmt(c.get('p50_ms'))} / "
                        f"{_fmt(c.get('p99_ms'))})"
                        + (f" E{c['errors']}" if c.get("errors") else "")
                    )
                ratio = s["ratios"][key]["per_query"][name]
                lines.append(f"| {name} | {cells[0]} | {cells[1]} | {_fmt(ratio)} |")
            lines.append(f"| **geomean** | | | **{_fmt(s['ratios'][key]['geomean'])}** |")
        same = s["embedded_vs_remote"]

        def _which(key: str) -> str:
            differ = [k for k, v in same.items() if not v[key]]
            return "all queries" if not differ else "all but " + ", ".join(differ)

        lines += [
            "",
            "Embedded vs remote, same answers on fresh connections (fixed Host): status and "
            f"ETag: {_which('status_etag')}; exact bytes: {_which('distinct')}; same rows or "
            f"triples once sorted: {_which('sorted_digest')}.",
            f"Server CPU s during the measurement: {json.dumps(s['server_cpu_s_total'])}; "
            f"RSS at end (MiB): {json.dumps(s['rss_end_mib'])}.",
        ]
    w = result.get("workers")
    if w:
        counts = list(w["by_count"])
        lines += [
            "",
            "## 2. uvicorn worker processes (concurrency 16, not pinned)",
            "",
            f"`PORTEFEUILLE_WORKERS={w['query_workers_per_process']}` (query processes per web "
            "process).",
            "",
        ]
        lines += [
            f"- {k}: `{v['command']}` ({v['processes']} child processes, RSS {v['rss_end_mib']} "
            f"MiB, answered by {w['identity'][k]['web_processes_that_answered']} of "
            f"{w['identity'][k]['web_processes']} web processes in the identity check)"
            for k, v in w["by_count"].items()
        ]
        ratio_keys = list(w["ratios"])
        lines += [
            "",
            "| query | "
            + " | ".join(f"{k} rps (p99 ms)" for k in counts)
            + " | "
            + " | ".join(ratio_keys)
            + " |",
            "|---|" + "---|" * (len(counts) + len(ratio_keys)),
        ]
        for name, q in w["queries"].items():
            cells = []
            for k in counts:
                c = q.get("c16", {}).get(k, {})
                cells.append(
                    f"skipped ({c['skipped']})"
                    if "skipped" in c
                    else f"{_fmt(c.get('rps'))} ({_fmt(c.get('p99_ms'))})"
                    + (f" E{c['errors']}" if c.get("errors") else "")
                )
            ratios = [_fmt(w["ratios"][r]["per_query"][name]) for r in ratio_keys]
            lines.append(f"| {name} | " + " | ".join(cells + ratios) + " |")
        lines.append(
            "| **geomean** | "
            + " | ".join("" for _ in counts)
            + " | "
            + " | ".join(f"**{_fmt(w['ratios'][r]['geomean'])}**" for r in ratio_keys)
            + " |"
        )
        lines += [
            "",
            f"Identical answers (status, ETag, body digest) on 32 fresh connections per query: "
            f"within each configuration {w['identical_within_counts']}, across configurations "
            f"{w['identical_across_counts']}.",
        ]
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.deploy", description=__doc__.split("\n")[0])
    p.add_argument("--projects", type=int, default=10_000, help="initiatives (default 10,000)")
    p.add_argument("--parts", default="stores,workers", help="stores, workers (comma-separated)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cell-seconds", type=float, default=1.5)
    p.add_argument("--max-cell-seconds", type=float, default=20.0)
    p.add_argument(
        "--workers",
        type=lambda t: [int(x) for x in t.split(",")],
        default=[1, 2, 4],
        help="uvicorn --workers counts (default 1,2,4)",
    )
    p.add_argument(
        "--query-workers", type=int, default=1, help="PORTEFEUILLE_WORKERS in part 2 (default 1)"
    )
    p.add_argument("--queries", help="only these queries (names, comma-separated)")
    p.add_argument("--no-pin", action="store_true", help="do not pin in part 1")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--work", type=Path, default=default_work_dir())
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--label", default="deploy")
    return p


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    args.parts = {p.strip() for p in args.parts.split(",")}
    started_at = time.perf_counter()
    result = run_deploy(args)
    result["elapsed_s"] = round(time.perf_counter() - started_at, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()
    suffix = "" if args.projects == 10_000 else f"-{args.projects}"
    json_path = args.out / f"{stamp}-{args.label}{suffix}.json"
    md_path = args.out / f"{stamp}-{args.label}{suffix}.md"
    json_path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    md_path.write_text(to_markdown(result))
    _say(f"wrote {md_path} and {json_path} in {result['elapsed_s']:.0f} s")
    return result


if __name__ == "__main__":
    main()
