"""Endpoint cost over HTTP, side by side in the same run: our server, the peers and the floors.

Targets, all on 127.0.0.1, all loaded with the same N-Quads (the release's dump):

- ``ours``: ``portefeuille-ld serve`` (``--data`` once it exists, else ``--out`` on the release);
- ``bare``: `bench.bare_app`, FastAPI calling pyoxigraph with none of our features (the floor);
- ``rdflib``: rdflib-endpoint (the same-stack peer);
- ``oxigraph``: Oxigraph's own server (``oxigraph serve-read-only`` on an on-disk store);
- ``hello``: a bare ASGI "hello" app under uvicorn (the floor of the HTTP path);
- ``ours-cache``: ``ours`` keeping query answers per release (``RESULT_CACHE_BYTES``), apart
  from the targets of issue 4, which are without it;
- ``before``: ``ours`` run from another source tree (``--baseline SRC``, put first on
  ``PYTHONPATH``), for before/after figures from the same run; its pages, dumps and
  304s are measured too, as ``<path>@before``.

For each query and concurrency, every target runs one closed-loop cell per round, in an
order rotated from round to round; the report keeps each cell's median over the rounds and
the ratios of ours (and bare) to each peer. A cell on a target whose single request takes
longer than ``max_cell_s / concurrency`` is skipped (rdflib-endpoint runs queries on its
event loop, so its requests/s at 16 cannot exceed its requests/s at 1). The servers' CPU
time per request (from /proc) is reported beside the rates: on a shared machine it is the
steadier measure.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import Req, run_cell
from bench.release import Dataset
from bench.servers import (
    VENV_BIN,
    Server,
    cpu_seconds,
    free_port,
    our_serve_supports_data,
    oxigraph_binary,
    pin_self,
    started,
    tree_rss,
)

__all__ = ["TARGETS", "Query", "build_servers", "queries", "run_endpoint", "to_markdown"]

_QUERY_DIR = Path(__file__).resolve().parents[1] / "src" / "portefeuille_ld" / "queries"
_PREFIXES = """PREFIX pf: <https://w3id.org/portefeuille-qc/ontologie#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
TARGETS = ("ours", "before", "ours-mem", "ours-cache", "bare", "rdflib", "oxigraph")
"""``ours-mem``: our server with its in-memory store option (workers parse the data);
``ours-cache``: our server keeping query answers (`RESULT_CACHE_BYTES`, 64 MiB), reported
apart: the issue's targets are without it."""
_OURS = ("ours", "before", "ours-mem", "ours-cache", "bare")
_RESULT_CACHE_BYTES = 64 * 2**20
_PEERS = ("oxigraph", "rdflib")
RATIOS = tuple(f"{a}/{b}" for a in _OURS for b in _PEERS)


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    accept: str = JSON_RESULTS


def _extra_queries(describe_iri: str) -> list[Query]:
    return [
        Query(
            "join-3hop",
            _PREFIXES
            + """SELECT ?entry ?programme ?name WHERE {
  ?entry pf:initiative ?project ; pf:status pf:Active .
  ?project pf:partOfProgramme ?programme .
  ?programme pf:responsibleOrganization ?org .
  ?org skos:prefLabel ?name . FILTER(lang(?name) = "fr")
}""",
        ),
        Query(
            "text-filter",
            _PREFIXES
            + """SELECT ?project ?title WHERE {
  ?project a pf:Project ; dcterms:title ?title .
  FILTER(REGEX(?title, "numérique", "i"))
}""",
        ),
        Query(
            "group-by",
            _PREFIXES
            + """SELECT ?axis ?status (COUNT(?entry) AS ?n) WHERE {
  ?entry a pf:PortfolioEntry ; pf:axis ?axis ; pf:status ?status .
} GROUP BY ?axis ?status ORDER BY ?axis ?status""",
        ),
        Query("describe", f"DESCRIBE <{describe_iri}>", N_TRIPLES),
        Query(
            "construct",
            _PREFIXES
            + """CONSTRUCT { ?p rdfs:label ?l ; pf:responsibleOrganization ?o } WHERE {
  ?p a pf:Programme ; rdfs:label ?l ; pf:responsibleOrganization ?o .
}""",
            N_TRIPLES,
        ),
    ]


def queries(describe_iri: str) -> list[Query]:
    """The competency questions (``src/portefeuille_ld/queries/*.rq``) and the extra shapes."""
    competency = [Query(p.stem, p.read_text()) for p in sorted(_QUERY_DIR.glob("*.rq"))]
    return competency + _extra_queries(describe_iri)


INITIATIVE = "https://w3id.org/portefeuille-qc/id/projet/i1"


def build_servers(
    dataset: Dataset,
    names: Sequence[str],
    *,
    pin: set[int] | None,
    with_hello: bool = True,
    baseline: Path | None = None,
    access_log: bool = True,
) -> list[Server]:
    """The servers to start, each on a free loopback port.

    ``access_log`` False: our servers start with ``PORTEFEUILLE_ACCESS_LOG=0``, as ``bare``
    and ``hello`` run (``--no-access-log``); a baseline older than that setting logs anyway.
    """
    uvicorn = str(VENV_BIN / "uvicorn")
    servers: list[Server] = []
    nq = str(dataset.nquads)
    for name in names:
        port = free_port()
        bind = ["--host", "127.0.0.1", "--port", str(port)]
        if name in ("ours", "ours-mem", "ours-cache", "ours-release", "before", "before-release"):
            with_data = not name.endswith("-release") and our_serve_supports_data()
            source = ["--data", nq] if with_data else ["--out", str(dataset.out_dir)]
            command = [str(VENV_BIN / "portefeuille-ld"), "serve", *source, *bind]
            env = {"PORTEFEUILLE_STORE_IN_MEMORY": "1"} if name == "ours-mem" else {}
            if name == "ours-cache":
                env = {"PORTEFEUILLE_RESULT_CACHE_BYTES": str(_RESULT_CACHE_BYTES)}
            if name.startswith("before"):
                if baseline is None:
                    raise ValueError("the before target needs --baseline SRC")
                env = {"PYTHONPATH": str(baseline)}
            if not access_log:
                env["PORTEFEUILLE_ACCESS_LOG"] = "0"
            servers.append(
                Server(name, command, port, "/sparql", "/sparql?query=ASK%7B%7D", env=env, pin=pin)
            )
        elif name == "bare":
            command = [uvicorn, "--factory", "bench.bare_app:create_app", "--no-access-log", *bind]
            servers.append(
                Server(
                    name,
                    command,
                    port,
                    "/sparql",
                    "/health",
                    env={"BENCH_DATA": nq},
                    pin=pin,
                    cwd=Path(__file__).resolve().parents[1],
                )
            )
        elif name == "rdflib":
            command = [str(VENV_BIN / "rdflib-endpoint"), "serve", nq, *bind]
            servers.append(Server(name, command, port, "/", "/?query=ASK%7B%7D", pin=pin))
        elif name == "oxigraph":
            command = [
                oxigraph_binary(),
                "serve-read-only",
                "--location",
                str(dataset.oxigraph_dir),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
                "--timeout-s",
                "10",
            ]
            servers.append(Server(name, command, port, "/query", "/query?query=ASK%7B%7D", pin=pin))
        else:
            raise ValueError(f"unknown target {name!r} (known: {', '.join(TARGETS)})")
    if with_hello:
        port = free_port()
        command = [
            uvicorn,
            "bench.hello_app:app",
            "--no-access-log",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        servers.append(
            Server(
                "hello", command, port, None, "/", pin=pin, cwd=Path(__file__).resolve().parents[1]
            )
        )
    return servers


def _rows(body: bytes | None, accept: str) -> int | None:
    """Solutions of a JSON result, or lines of an N-Triples answer."""
    if body is None:
        return None
    try:
        if accept == JSON_RESULTS:
            data = json.loads(body)
            return len(data["results"]["bindings"]) if "results" in data else 1
        return sum(1 for line in body.splitlines() if line.strip())
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class _Runner:
    client_cpus: set[int] | None
    cell_s: float
    max_cell_s: float
    timeout_s: float
    restarts: dict[str, int] = field(default_factory=dict)

    def cell(
        self, server: Server, requests: Sequence[Req], concurrency: int, **kw: Any
    ) -> dict[str, Any]:
        if server.process is None or server.process.poll() is not None:
            raise RuntimeError(f"{server.name} is not running: see {server.log_path}")
        pin_self(self.client_cpus)
        cpu = cpu_seconds(server.pid)
        cell = run_cell(
            server.target,
            requests,
            concurrency=concurrency,
            duration_s=kw.pop("duration_s", self.cell_s),
            timeout_s=kw.pop("timeout_s", self.timeout_s),
            **kw,
        )
        server_cpu = cpu_seconds(server.pid) - cpu
        pin_self(None)
        if cell.timeouts:  # the server may still be computing: start afresh
            server.restart()
            self.restarts[server.name] = self.restarts.get(server.name, 0) + 1
        result = cell.summary()
        result["server_cpu_ms_per_request"] = (
            round(server_cpu * 1000 / cell.requests, 4) if cell.requests else None
        )
        result["client_bound"] = bool(cell.duration_s and cell.client_cpu_s / cell.duration_s > 0.8)
        if cell.first_body is not None:
            result["_first_body"] = cell.first_body
            result["_first_headers"] = cell.first_headers
        return result


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None and not math.isnan(v)]
    return round(statistics.median(present), 4) if present else None


def _aggregate(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"rounds": len(rounds)}
    for key in (
        "rps",
        "p50_ms",
        "p99_ms",
        "server_cpu_ms_per_request",
        "client_cpu_ms_per_request",
    ):
        out[key] = _median([r.get(key) for r in rounds])
    out["errors"] = sum(r["errors"] for r in rounds)
    out["requests"] = sum(r["requests"] for r in rounds)
    out["statuses"] = rounds[-1]["statuses"]
    out["client_bound"] = any(r["client_bound"] for r in rounds)
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def _geomean(values: list[float | None]) -> float | None:
    present = [v for v in values if v]
    return round(math.exp(statistics.fmean(math.log(v) for v in present)), 3) if present else None


def run_endpoint(
    dataset: Dataset,
    *,
    targets: Sequence[str] = TARGETS,
    concurrencies: Sequence[int] = (1, 16),
    rounds: int = 3,
    cell_s: float = 2.0,
    max_cell_s: float = 45.0,
    timeout_s: float = 120.0,
    pin: bool = True,
    log_dir: Path,
    progress: Any = print,
    only_queries: Sequence[str] | None = None,
    only_paths: Sequence[str] | None = None,
    baseline: Path | None = None,
    access_log: bool = True,
) -> dict[str, Any]:
    """Start the targets, measure every query and the HTTP paths, stop the targets.

    ``only_queries`` and ``only_paths`` keep the queries and HTTP workloads so named
    (an empty list: none); ``baseline`` is the source tree of the ``before`` target;
    ``access_log``: whether our servers log each request (`build_servers`).
    """
    cpus = os.cpu_count() or 1
    server_cpus = {0} if pin and cpus > 1 else None
    client_cpus = {1} if pin and cpus > 1 else None
    runner = _Runner(client_cpus, cell_s, max_cell_s, timeout_s)
    # `serve --data` answers queries but has no release to download: the pages, dumps and
    # 304s are measured on a second instance serving the published release (`--out`)
    release = ["ours-release"] if "ours" in targets and our_serve_supports_data() else []
    if release and "before" in targets:
        release.append("before-release")
    if only_paths is not None and not only_paths:
        release = []
    servers = build_servers(
        dataset,
        [*targets, *release],
        pin=server_cpus,
        with_hello=bool(release),
        baseline=baseline,
        access_log=access_log,
    )
    result: dict[str, Any] = {
        "dataset": {
            "projects": dataset.projects,
            "seed": dataset.seed,
            "nquads": str(dataset.nquads),
            "quads": sum(1 for _ in dataset.nquads.open("rb")),
        },
        "settings": {
            "rounds": rounds,
            "cell_s": cell_s,
            "max_cell_s": max_cell_s,
            "concurrencies": list(concurrencies),
            "pinned": pin and cpus > 1,
            "ours_command": None,
            "access_log": access_log,
            "load_before": os.getloadavg(),
        },
    }
    with started(servers, log_dir) as running:
        by_name = {s.name: s for s in running}
        result["settings"]["ours_command"] = (
            " ".join(by_name["ours"].command) if "ours" in by_name else None
        )
        pages = by_name.get("ours-release") or by_name.get("ours")
        result["settings"]["pages_command"] = " ".join(pages.command) if pages else None
        result["startup_s"] = {s.name: round(s.started_s, 2) for s in running}
        result["rss_after_start_mib"] = {s.name: round(tree_rss(s.pid) / 2**20, 1) for s in running}
        sparql = [by_name[t] for t in targets if t in by_name]
        mix = [q for q in queries(INITIATIVE) if only_queries is None or q.name in only_queries]
        result["queries"] = _queries(runner, sparql, mix, concurrencies, rounds, progress)
        if pages is not None and "hello" in by_name:
            result["http"] = _http(
                runner,
                pages,
                by_name["hello"],
                concurrencies,
                rounds,
                progress,
                only=only_paths,
                before=by_name.get("before-release"),
            )
        result["rss_end_mib"] = {s.name: round(tree_rss(s.pid) / 2**20, 1) for s in running}
        result["restarts"] = runner.restarts
    result["settings"]["load_after"] = os.getloadavg()
    result["summary"] = _summary(result, concurrencies)
    return result


def _queries(
    runner: _Runner,
    servers: list[Server],
    mix: list[Query],
    concurrencies: Sequence[int],
    rounds: int,
    progress: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    estimates: dict[tuple[str, str], float] = {}
    for query in mix:
        out[query.name] = {"check": {}}
        for server in servers:
            request = server.sparql(query.text, query.accept)
            if server.process is None or server.process.poll() is not None:
                estimates[(query.name, server.name)] = math.inf
                continue
            warm = runner.cell(
                server,
                [request],
                1,
                duration_s=0,
                min_requests=1,
                keep_first=True,
                timeout_s=runner.max_cell_s,
            )
            body = warm.pop("_first_body", None)
            warm.pop("_first_headers", None)
            if warm["ok"] and warm["p50_ms"] < 2000:  # a second, warm request estimates better
                warm = runner.cell(server, [request], 1, duration_s=0, min_requests=1)
            ok = warm["ok"] == warm["requests"]
            latency = warm["p50_ms"] / 1000 if ok and warm["p50_ms"] else math.inf
            estimates[(query.name, server.name)] = latency
            out[query.name]["check"][server.name] = {
                "rows": _rows(body, query.accept) if ok else None,
                "statuses": warm["statuses"],
                "failures": warm["failures"],
                "bytes": warm["bytes_per_request"],
                "warm_latency_s": round(latency, 4) if ok else None,
                "timed_out_after_s": runner.max_cell_s if warm["timeouts"] else None,
            }
    for query in mix:
        for concurrency in concurrencies:
            cells: dict[str, list[dict[str, Any]]] = {s.name: [] for s in servers}
            skipped: dict[str, str] = {}
            for r in range(rounds):
                order = servers[r % len(servers) :] + servers[: r % len(servers)]
                for server in order:
                    latency = estimates[(query.name, server.name)]
                    if latency * concurrency > runner.max_cell_s:
                        skipped[server.name] = (
                            "failed in warm-up"
                            if math.isinf(latency)
                            else f"one request takes {latency:.1f} s: {concurrency} would take "
                            f"~{latency * concurrency:.0f} s per round"
                        )
                        continue
                    request = server.sparql(query.text, query.accept)
                    try:
                        cells[server.name].append(runner.cell(server, [request], concurrency))
                    except RuntimeError as exc:  # the server died (or was killed)
                        skipped[server.name] = str(exc)
            entry = {name: _aggregate(c) for name, c in cells.items() if c}
            entry.update({name: {"skipped": why} for name, why in skipped.items()})
            out[query.name][f"c{concurrency}"] = entry
            progress(
                f"  {query.name} c={concurrency}: "
                + ", ".join(f"{n} {e['rps']} rps" for n, e in entry.items() if "rps" in e)
            )
    return out


def _http(
    runner: _Runner,
    ours: Server,
    hello: Server,
    concurrencies: Sequence[int],
    rounds: int,
    progress: Any,
    *,
    only: Sequence[str] | None = None,
    before: Server | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    workloads = _workloads(runner, ours, hello, out, "")
    if before is not None:
        workloads.update(_workloads(runner, before, hello, out, "@before"))
        del workloads["hello@before"]
    for name, (server, requests) in workloads.items():
        if only is not None and name.split("@")[0] not in only and name != "hello":
            continue
        warm = runner.cell(server, requests[:1], 1, duration_s=0, min_requests=1)
        latency = warm["p50_ms"] / 1000 if warm["ok"] else math.inf
        for concurrency in concurrencies:
            if latency * concurrency > runner.max_cell_s:
                out.setdefault(name, {})[f"c{concurrency}"] = {
                    "skipped": f"one request takes {latency:.1f} s",
                    "warm_latency_s": round(latency, 3),
                }
                continue
            cells, hellos = [], []
            for _ in range(rounds):
                if server is not hello:  # hello just before: the ratio of two close cells
                    hellos.append(runner.cell(hello, [Req("/")], concurrency))
                cells.append(runner.cell(server, requests, concurrency))
            for c in cells:
                c.pop("_first_body", None)
                c.pop("_first_headers", None)
            entry = _aggregate(cells)
            if hellos:
                entry["paired_hello_rps"] = _median([h.get("rps") for h in hellos])
                entry["paired_hello_cpu_ms_per_request"] = _median(
                    [h.get("server_cpu_ms_per_request") for h in hellos]
                )
                entry["vs_hello"] = _median(
                    [_ratio(c.get("rps"), h.get("rps")) for c, h in zip(cells, hellos, strict=True)]
                )
            out.setdefault(name, {})[f"c{concurrency}"] = entry
        progress(
            f"  {name}: "
            + ", ".join(f"c={c} {out[name][f'c{c}'].get('rps')} rps" for c in concurrencies)
        )
    return out


def _workloads(
    runner: _Runner, ours: Server, hello: Server, out: dict[str, Any], suffix: str
) -> dict[str, tuple[Server, list[Req]]]:
    """The HTTP workloads on ``ours`` (named with ``suffix``); their validators go in ``out``."""
    keys = [f"i{i}" for i in range(1, 51)]
    html, turtle = ("Accept", "text/html"), ("Accept", "text/turtle")
    plain, gz = ("Accept-Encoding", "identity"), ("Accept-Encoding", "gzip")
    first = Req("/dumps/portefeuille.nt", (gz,))
    probe = runner.cell(ours, [first], 1, duration_s=0, min_requests=1, keep_first=True)
    dump_etag = probe.get("_first_headers", {}).get("etag")
    page_probe = runner.cell(
        ours, [Req("/doc/projet/i1", (html,))], 1, duration_s=0, min_requests=1, keep_first=True
    )
    page_headers = page_probe.get("_first_headers", {})
    page_etag = page_headers.get("etag")
    workloads: dict[str, tuple[Server, list[Req]]] = {
        "hello": (hello, [Req("/")]),
        "home-html": (ours, [Req("/", (html,))]),
        "page-html": (ours, [Req(f"/doc/projet/{k}", (html,)) for k in keys]),
        "page-turtle": (ours, [Req(f"/doc/projet/{k}", (turtle,)) for k in keys]),
        "id-303": (ours, [Req(f"/id/projet/{k}", (html,), expect=(303,)) for k in keys]),
        "dump-nt-identity": (ours, [Req("/dumps/portefeuille.nt", (plain,))]),
        "dump-nt-gzip": (ours, [Req("/dumps/portefeuille.nt", (gz,))]),
    }
    if dump_etag:
        workloads["dump-304"] = (
            ours,
            [Req("/dumps/portefeuille.nt", (gz, ("If-None-Match", dump_etag)), expect=(304,))],
        )
    if page_etag:
        workloads["page-304"] = (
            ours,
            [Req("/doc/projet/i1", (html, ("If-None-Match", page_etag)), expect=(304,))],
        )
    out.setdefault("validators", {})[f"dump{suffix}"] = {"etag": dump_etag}
    out["validators"][f"page{suffix}"] = {
        k: page_headers.get(k) for k in ("etag", "last-modified", "cache-control")
    }
    return {f"{name}{suffix}": work for name, work in workloads.items()}


def _summary(result: dict[str, Any], concurrencies: Sequence[int]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for concurrency in concurrencies:
        key = f"c{concurrency}"
        per_query: dict[str, Any] = {}
        for name, q in result.get("queries", {}).items():
            cell = q.get(key, {})
            rps = {t: cell[t].get("rps") for t in cell if "rps" in cell[t]}
            for target in TARGETS:
                if target in cell and "skipped" in cell[target]:
                    # rdflib-endpoint serves one request at a time: its rate at 1 bounds the
                    # rate at 16; failing that, one warm-up request gives the estimate
                    c1 = q.get("c1", {}).get(target, {}).get("rps")
                    check = q["check"].get(target, {})
                    slowest = check.get("warm_latency_s") or check.get("timed_out_after_s")
                    estimate = c1 or (round(1 / slowest, 4) if slowest else None)
                    if estimate and target == "rdflib":
                        rps[target] = estimate
            per_query[name] = {"rps": rps, "ours/bare": _ratio(rps.get("ours"), rps.get("bare"))}
            for ratio in RATIOS:
                mine, peer = ratio.split("/")
                per_query[name][ratio] = _ratio(rps.get(mine), rps.get(peer))
        summary[key] = {
            "per_query": per_query,
            "geomean": {
                ratio: _geomean([p[ratio] for p in per_query.values()])
                for ratio in (*RATIOS, "ours/bare")
            },
        }
    http = result.get("http", {})
    for concurrency in concurrencies:
        key = f"c{concurrency}"
        hello = http.get("hello", {}).get(key, {}).get("rps")
        summary[key]["http_vs_hello"] = {
            name: w[key].get("vs_hello") or _ratio(w[key].get("rps"), hello)
            for name, w in http.items()
            if name not in ("validators", "hello") and key in w
        }
    return summary


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if value < 100 else f"{value:,.0f}"
    return str(value)


def to_markdown(result: dict[str, Any]) -> str:
    """The endpoint section of the summary."""
    lines = []
    ds, st = result["dataset"], result["settings"]
    lines.append(
        f"Dataset: {ds['projects']:,} initiatives (seed {ds['seed']}), {ds['quads']:,} quads. "
        f"Rounds: {st['rounds']} × {st['cell_s']} s cells (medians); server pinned to CPU 0 and "
        f"client to CPU 1: {st['pinned']}. Load average before/after: "
        f"{', '.join(f'{x:.1f}' for x in st['load_before'])} / "
        f"{', '.join(f'{x:.1f}' for x in st['load_after'])}."
    )
    lines.append(f"\nOur server: `{st['ours_command']}`; pages and dumps: `{st['pages_command']}`.")
    log = st.get("access_log", True)
    lines.append(
        f"Access log of our servers: {'on' if log else 'off (PORTEFEUILLE_ACCESS_LOG=0)'};"
        " bare and hello: off; a baseline older than that setting logs anyway."
    )
    lines.append(
        "\nStart-up to first answer (s): "
        + ", ".join(f"{k} {v}" for k, v in result["startup_s"].items())
    )
    lines.append(
        "RSS after start / at end (MiB): "
        + ", ".join(
            f"{k} {v}/{result['rss_end_mib'].get(k)}"
            for k, v in result["rss_after_start_mib"].items()
        )
    )
    for key, summary in result["summary"].items():
        targets = [t for t in TARGETS if any(t in p["rps"] for p in summary["per_query"].values())]
        lines.append(f"\n#### Queries at concurrency {key[1:]} (requests/s, median; p99 ms)\n")
        ratios_shown = [r for r in RATIOS if any(p[r] for p in summary["per_query"].values())]
        header = "| query | " + " | ".join(targets + ratios_shown) + " |"
        lines += [header, "|" + "---|" * (len(targets) + len(ratios_shown) + 1)]
        for name, p in summary["per_query"].items():
            cells = []
            for t in targets:
                raw = result["queries"][name].get(key, {}).get(t, {})
                if "skipped" in raw:
                    cells.append(
                        f"~{_fmt(p['rps'].get(t))} (est.)" if p["rps"].get(t) else "skipped"
                    )
                else:
                    cells.append(
                        f"{_fmt(raw.get('rps'))} ({_fmt(raw.get('p99_ms'))})"
                        + (" E" if raw.get("errors") else "")
                    )
            ratios = [_fmt(p[r]) for r in ratios_shown]
            lines.append(f"| {name} | " + " | ".join(cells + ratios) + " |")
        g = summary["geomean"]
        lines.append(
            "| **geomean** | "
            + " | ".join("" for _ in targets)
            + " | "
            + " | ".join(_fmt(g[r]) for r in ratios_shown)
            + " |"
        )
        cpu_rows = []
        for name in summary["per_query"]:
            cpu = {
                t: result["queries"][name].get(key, {}).get(t, {}).get("server_cpu_ms_per_request")
                for t in targets
            }
            cpu_rows.append(f"| {name} | " + " | ".join(_fmt(cpu[t]) for t in targets) + " |")
        lines.append(f"\nServer CPU ms per request at concurrency {key[1:]}:\n")
        lines += [
            "| query | " + " | ".join(targets) + " |",
            "|" + "---|" * (len(targets) + 1),
            *cpu_rows,
        ]
    checks = []
    for name, q in result["queries"].items():
        rows = {t: c["rows"] for t, c in q["check"].items()}
        if len({v for v in rows.values() if v is not None}) > 1:
            checks.append(f"{name}: " + ", ".join(f"{t} {v}" for t, v in rows.items()))
    lines.append(
        "\nAnswer sizes differ (rows or N-Triples lines): " + ("; ".join(checks) or "none") + "."
    )
    http = result.get("http")
    if http:
        lines.append(
            "\n#### Pages, dumps and revalidation (ours; requests/s median, p99 ms, "
            "server CPU per request, ratio to hello)\n\n"
            "Each round of a path runs a hello cell just before it: the ratio is the median"
            " of the rounds' ratios, each of two cells a few seconds apart.\n"
        )
        keys = [k for k in result["summary"]]
        lines.append("| path | " + " | ".join(f"c={k[1:]}" for k in keys) + " |")
        lines.append("|" + "---|" * (len(keys) + 1))
        for name, w in http.items():
            if name == "validators":
                continue
            cells = []
            for k in keys:
                ratio = result["summary"][k]["http_vs_hello"].get(name)
                if "skipped" in w[k]:
                    cells.append(f"skipped: {w[k]['skipped']}")
                    continue
                paired = w[k].get("paired_hello_rps")
                cells.append(
                    f"{_fmt(w[k]['rps'])} rps, p99 {_fmt(w[k]['p99_ms'])} ms"
                    + f", CPU {_fmt(w[k].get('server_cpu_ms_per_request'))} ms"
                    + (f", {_fmt(ratio)}× hello" if ratio else "")
                    + (f" (hello beside it: {_fmt(paired)} rps)" if paired else "")
                    + (" (client-bound)" if w[k]["client_bound"] else "")
                    + (f" E{w[k]['errors']}" if w[k]["errors"] else "")
                )
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append(f"\nValidators: {json.dumps(http['validators'])}.")
    return "\n".join(lines) + "\n"
