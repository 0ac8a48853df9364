"""Pipeline cost by scale: each stage's wall time, CPU time and peak memory, and how they grow.

Stages run in a child process, one after the other on the same data (``read`` the text and
curation, ``map`` to RDF, each dump, the VoID statistics, SHACL ``validate`` last because it
is the slowest); the child resets the kernel's peak-RSS mark (``/proc/self/clear_refs``)
before each stage and reports ``VmHWM`` after it, so each stage's peak is its own. The
end-to-end ``build`` (the real `portefeuille_ld.pipeline.build.build`: read, map, validate,
every dump, VoID, manifest, atomic publish) runs in a child of its own, measured by
``wait4``. Every child is bounded in time and memory: the parent kills it past either.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.generate import EDITION, write_dataset
from bench.servers import tree_rss

__all__ = ["STAGES", "growth", "run_build", "run_stages"]

STAGES = (
    "read",
    "map",
    "ntriples",
    "nquads",
    "trig",
    "rdfxml",
    "jsonld",
    "turtle",
    "void",
    "validate",
)
"""In the order they run; each dump's time includes turning rdflib terms into pyoxigraph's
and sorting the lines, which the build does once for all of them."""

MiB = 1024 * 1024


def _vm_hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _child_stages(data_dir: Path, stages: Sequence[str]) -> None:
    """Run the stages in this process, printing one JSON line per stage."""
    from rdflib import Graph

    from portefeuille_ld.iris import Iris
    from portefeuille_ld.namespaces import PREFIXES
    from portefeuille_ld.pipeline import dumps
    from portefeuille_ld.pipeline.build import read_graph
    from portefeuille_ld.pipeline.editions import read_edition
    from portefeuille_ld.pipeline.jsonld import write_jsonld_lines
    from portefeuille_ld.pipeline.mapping import map_portfolio
    from portefeuille_ld.pipeline.validate import validate
    from portefeuille_ld.pipeline.void import compute_statistics
    from portefeuille_ld.settings import Settings

    settings = Settings()
    iris = Iris(settings.base_iri)
    ontology, shapes = read_graph(settings.ontology_path), read_graph(settings.shapes_path)
    state: dict[str, Any] = {}

    def dataset_graphs() -> list[tuple[str, Graph]]:
        return [
            (str(iris.edition_graph(EDITION)), state["graph"]),
            (str(iris.ontology_graph()), dumps.canonical(ontology, salt="ontologie")),
            (str(iris.shapes_graph()), dumps.canonical(shapes, salt="formes")),
        ]

    def named() -> list[tuple[str, dumps.SortedTriples]]:
        return [(name, dumps.SortedTriples.of_graph(g)) for name, g in dataset_graphs()]

    def nquads() -> bytes:
        return dumps.nquads(named())

    def trig() -> bytes:
        return dumps.trig(named(), prefixes=PREFIXES)

    def jsonld() -> bytes:
        """As the build writes it: from the lines, in two passes."""
        output = io.BytesIO()
        lines = dumps.SortedTriples.of_graph(state["graph"])
        write_jsonld_lines(lines, output, prefixes=PREFIXES)
        return output.getvalue()

    def read() -> int:
        state["portfolio"] = read_edition(data_dir / EDITION)
        return len(state["portfolio"].initiatives)

    def mapping() -> int:
        state["graph"] = map_portfolio(state["portfolio"], iris)
        return len(state["graph"])

    def shacl() -> int:
        report = validate(state["graph"], shapes=shapes, ontology=ontology)
        if not report.conforms:
            raise RuntimeError(f"{len(report.violations)} violation(s)")
        return len(report.results)

    actions: dict[str, Callable[[], int | bytes]] = {
        "read": read,
        "map": mapping,
        "ntriples": lambda: dumps.SortedTriples.of_graph(state["graph"]).ntriples(),
        "nquads": nquads,
        "trig": trig,
        "rdfxml": lambda: dumps.rdf_xml(
            dumps.SortedTriples.of_graph(state["graph"]), prefixes=PREFIXES
        ),
        "jsonld": jsonld,
        "turtle": lambda: dumps.turtle(state["graph"], prefixes=PREFIXES),
        "void": lambda: len(compute_statistics(state["graph"], uri_space=iris.base).classes),
        "validate": shacl,
    }
    for stage in stages:
        before = _rss()
        reset = _reset_peak()
        cpu, wall = time.process_time(), time.perf_counter()
        result = actions[stage]()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        record: dict[str, Any] = {
            "stage": stage,
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "rss_before_mib": round(before / MiB, 1),
            "peak_rss_mib": round(_vm_hwm() / MiB, 1) if reset else None,
        }
        if isinstance(result, bytes):
            record["output_bytes"] = len(result)
        else:
            record["count"] = result
        if stage == "map":
            record["triples"] = result
        print(json.dumps(record), flush=True)


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the build's worker)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child_build(data_dir: Path, out_dir: Path) -> None:
    """Run the real build once, printing one JSON line."""
    from bench.release import BUILD_DATE
    from portefeuille_ld.iris import Iris
    from portefeuille_ld.pipeline.build import build
    from portefeuille_ld.settings import Settings

    settings = Settings()
    cpu, wall, children = time.process_time(), time.perf_counter(), _children_cpu()
    result = build(
        data_dir,
        out_dir,
        ontology_path=settings.ontology_path,
        shapes_path=settings.shapes_path,
        iris=Iris(settings.base_iri),
        build_date=BUILD_DATE,
    )
    print(
        json.dumps(
            {
                "stage": "build",
                "wall_s": round(time.perf_counter() - wall, 3),
                "cpu_s": round(time.process_time() - cpu + _children_cpu() - children, 3),
                "triples": result.manifest.data_triples,
                "files": len(result.manifest.files),
                # The SHA-256 of manifest.json, which lists every other file's: equal ids,
                # equal bytes. Compare it across commits on the same data.
                "release_id": result.manifest.release_id,
            }
        ),
        flush=True,
    )


def _supervise(
    command: Sequence[str], *, timeout_s: float, memory_limit: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run a child, collect its JSON lines; kill it past ``timeout_s`` or ``memory_limit``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None and process.stderr is not None
    records: list[dict[str, Any]] = []
    killed: str | None = None
    peak_tree = 0
    usage: resource.struct_rusage | None = None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer = b""
    while usage is None:
        for _ in selector.select(timeout=0.2):
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                selector.unregister(process.stdout)
                break
            buffer += chunk
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:  # exited: its rusage holds its peak RSS
            usage = rusage
            process.returncode = os.waitstatus_to_exitcode(status)
            break
        peak_tree = max(peak_tree, tree_rss(process.pid))
        elapsed = time.perf_counter() - start
        if killed is None and (elapsed > timeout_s or peak_tree > memory_limit):
            killed = "timeout" if elapsed > timeout_s else "memory"
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    buffer += process.stdout.read()
    records += [json.loads(line) for line in buffer.split(b"\n") if line.strip()]
    stderr = process.stderr.read().decode(errors="replace")
    summary: dict[str, Any] = {
        "wall_s": round(time.perf_counter() - start, 3),
        "exit": process.returncode,
        "killed": killed,
        "peak_rss_mib": round(usage.ru_maxrss * 1024 / MiB, 1),
        # The largest process's peak above; the sum over the child and its workers here,
        # sampled every 0.2 s (pages two processes share count twice).
        "peak_tree_rss_mib": round(peak_tree / MiB, 1),
    }
    if process.returncode != 0 and not killed:
        summary["error"] = stderr.strip().splitlines()[-1:] or ["?"]
    return records, summary


def run_stages(
    data_dir: Path, *, stages: Sequence[str] = STAGES, timeout_s: float, memory_limit: int
) -> dict[str, Any]:
    """Each stage's record; a stage cut short by the limits is marked ``killed``."""
    command = [sys.executable, "-m", "bench.pipeline", "--child-stages", str(data_dir)]
    records, summary = _supervise(
        [*command, *stages], timeout_s=timeout_s, memory_limit=memory_limit
    )
    done = {r["stage"] for r in records}
    pending = [s for s in stages if s not in done]
    if pending and summary["killed"]:
        records.append({"stage": pending[0], "killed": summary["killed"], "after_s": timeout_s})
    elif pending and summary.get("error"):
        records.append({"stage": pending[0], "error": summary["error"]})
    return {"stages": records, "child": summary}


def run_build(data_dir: Path, *, timeout_s: float, memory_limit: int) -> dict[str, Any]:
    """The real end-to-end build, into a temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-build-") as out:
        command = [sys.executable, "-m", "bench.pipeline", "--child-build", str(data_dir), out]
        records, summary = _supervise(command, timeout_s=timeout_s, memory_limit=memory_limit)
    result = records[0] if records else {}
    return {**result, **summary, "wall_s": result.get("wall_s", summary["wall_s"])}


def growth(
    by_scale: dict[int, dict[str, Any]], metric: str, *, threshold: float = 1.15
) -> list[dict[str, Any]]:
    """For consecutive scales, each stage's ratio of ``metric`` and its growth exponent.

    The exponent is log(metric ratio) / log(triples ratio): 1 is linear; above
    ``threshold`` (and over 0.5 s or 50 MiB at the larger scale) it is flagged super-linear.

    >>> a = {"triples": 100, "stages": [{"stage": "map", "wall_s": 1.0}]}
    >>> b = {"triples": 1000, "stages": [{"stage": "map", "wall_s": 30.0}]}
    >>> growth({1: a, 10: b}, "wall_s")[0]["super_linear"]
    True
    """
    scales = sorted(by_scale)
    rows = []
    for small, large in zip(scales, scales[1:], strict=False):
        a, b = by_scale[small], by_scale[large]
        size = b["triples"] / a["triples"] if a.get("triples") and b.get("triples") else None
        for stage_b in b["stages"]:
            stage_a = next((s for s in a["stages"] if s["stage"] == stage_b["stage"]), None)
            if stage_a is None or not stage_a.get(metric) or not stage_b.get(metric):
                continue
            ratio = stage_b[metric] / stage_a[metric]
            exponent = math.log(ratio) / math.log(size) if size and size > 1 else None
            floor = 0.5 if metric.endswith("_s") else 50
            rows.append(
                {
                    "stage": stage_b["stage"],
                    "from": small,
                    "to": large,
                    "size_ratio": round(size, 2) if size else None,
                    "ratio": round(ratio, 2),
                    "exponent": round(exponent, 2) if exponent is not None else None,
                    "super_linear": bool(
                        exponent is not None and exponent > threshold and stage_b[metric] > floor
                    ),
                }
            )
    return rows


def _memory_limit_default() -> int:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(pages * 0.6)


def main(argv: Sequence[str] | None = None) -> None:
    """Child entry points (used by the parent), or a stand-alone run over some scales."""
    parser = argparse.ArgumentParser(description="Pipeline cost by scale.")
    parser.add_argument("--child-stages", nargs="+", metavar=("DATA_DIR", "STAGE"))
    parser.add_argument("--child-build", nargs=2, metavar=("DATA_DIR", "OUT_DIR"))
    parser.add_argument("--projects", type=int, nargs="*", default=[1_000])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if args.child_stages:
        _child_stages(Path(args.child_stages[0]), args.child_stages[1:] or STAGES)
        return
    if args.child_build:
        _child_build(Path(args.child_build[0]), Path(args.child_build[1]))
        return
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        for projects in args.projects:
            data = write_dataset(Path(tmp) / str(projects), projects, seed=args.seed)
            result = run_stages(data, timeout_s=args.timeout, memory_limit=_memory_limit_default())
            print(json.dumps({"projects": projects, **result}, indent=1))


if __name__ == "__main__":
    main()
