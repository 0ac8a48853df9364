"""SHACL validation alone, by scale: CPU time of `Validator.validate` on synthetic portfolios.

``python -m bench.validation --scales 100,1k,10k [--shapes A.ttl B.ttl] [--sparql oxigraph rdflib]
[--code DIR ...] [--repeat N] [--work DIR]``

Each scale's edition is generated (`bench.generate`) and mapped once, then cached as sorted
N-Triples under ``--work``; each shapes file then validates it with each SPARQL engine, in a
child process of its own (so one run cannot warm or bloat the next), which reports its CPU
time, wall time, peak RSS and the report's results as (focus node, path, shape, severity):
each line says whether its report is identical to the first one of its scale.
Growth exponents are log(CPU ratio) / log(triples ratio) between consecutive scales.

``--code`` runs the same children with other source trees first on ``PYTHONPATH`` (say a
``git archive`` of the commit before a change; ``.`` is this tree), so that before and
after run side by side on the same data; ``--repeat`` runs each `--repeat` times,
interleaved, and reports medians (CPU, wall, peak RSS).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from portefeuille_ld.pipeline.validate import SparqlEngine

__all__ = ["main"]

REPO = Path(__file__).parents[1]


def _scale(text: str) -> int:
    text = text.strip().lower()
    if text.endswith("k"):
        return int(float(text[:-1]) * 1000)
    return int(text)


def _dataset(work: Path, projects: int, seed: int) -> Path:
    """The mapped edition graph as N-Triples, generated and cached on first use."""
    from bench.generate import EDITION, write_dataset
    from portefeuille_ld.iris import Iris
    from portefeuille_ld.pipeline import dumps
    from portefeuille_ld.pipeline.editions import read_edition
    from portefeuille_ld.pipeline.mapping import map_portfolio

    path = work / f"validate-{projects}-{seed}.nt"
    if not path.exists():
        data_dir = write_dataset(work / f"data-{projects}-{seed}", projects, seed=seed)
        graph = map_portfolio(read_edition(data_dir / EDITION), Iris())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dumps.ntriples(dumps.triples_of(graph)))
    return path


def _child(data: Path, shapes: Path, ontology: Path, sparql: SparqlEngine) -> None:
    """Validate `data` in this process and print one JSON line."""
    from rdflib import Graph

    from portefeuille_ld.pipeline.validate import Validator

    graph = Graph().parse(data, format="nt")
    validator = Validator(
        shapes=Graph().parse(shapes, format="turtle"),
        ontology=Graph().parse(ontology, format="turtle"),
        sparql=sparql,
    )
    cpu, wall = time.process_time(), time.perf_counter()
    report = validator.validate(graph)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    results = sorted(
        [str(r.focus_node), r.path, str(r.source_constraint or r.source_shape), r.severity_name]
        for r in report.results
    )
    print(
        json.dumps(
            {
                "triples": len(graph),
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "conforms": report.conforms,
                "results": results,
            }
        )
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SHACL validation cost by scale.")
    parser.add_argument("--scales", default="100,1k", help="initiatives, comma-separated")
    parser.add_argument(
        "--shapes", nargs="+", type=Path, default=[REPO / "shapes/portefeuille.shacl.ttl"]
    )
    parser.add_argument("--sparql", nargs="+", default=["oxigraph"], choices=["oxigraph", "rdflib"])
    parser.add_argument("--ontology", type=Path, default=REPO / "ontology/portefeuille.ttl")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-validate"))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per validation")
    parser.add_argument("--code", nargs="+", type=Path, default=[REPO], help="source trees")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, interleaved")
    parser.add_argument("--child", nargs=4, metavar=("DATA", "SHAPES", "ONTOLOGY", "SPARQL"))
    args = parser.parse_args(argv)
    if args.child:
        data, shapes, ontology, sparql = args.child
        _child(Path(data), Path(shapes), Path(ontology), cast("SparqlEngine", sparql))
        return
    runs = [
        (str(shapes), sparql, str(code))
        for code in args.code
        for shapes in args.shapes
        for sparql in args.sparql
    ]
    rows: dict[tuple[str, str, str], list[dict[str, Any]]] = {run: [] for run in runs}
    for projects in (_scale(s) for s in args.scales.split(",")):
        data = _dataset(args.work, projects, args.seed)
        reference: list[Any] | None = None
        samples: dict[tuple[str, str, str], list[dict[str, Any]]] = {run: [] for run in runs}
        for _ in range(args.repeat):
            for run in runs:
                row = _run(data, run, args.ontology, args.timeout)
                results = row.pop("results", None)
                if results is not None:
                    reference = results if reference is None else reference
                    row["n_results"] = len(results)
                    row["same_report_as_first"] = results == reference
                samples[run].append(row)
        for run in runs:
            row = _median(samples[run])
            row["projects"] = projects
            rows[run].append(row)
            shapes, sparql, code = run
            print(json.dumps({"shapes": shapes, "sparql": sparql, "code": code, **row}), flush=True)
    for (shapes, sparql, code), by_scale in rows.items():
        for a, b in zip(by_scale, by_scale[1:], strict=False):
            if a.get("cpu_s") and b.get("cpu_s"):
                exponent = math.log(b["cpu_s"] / a["cpu_s"]) / math.log(b["triples"] / a["triples"])
                scales = f"{a['projects']} -> {b['projects']}"
                print(f"{shapes} ({sparql}, {code}): {scales}: CPU exponent {exponent:.2f}")


def _run(data: Path, run: tuple[str, str, str], ontology: Path, timeout: float) -> dict[str, Any]:
    """One child validation with the run's shapes, engine and source tree."""
    shapes, sparql, code = run
    command = [sys.executable, "-m", "bench.validation", "--child"]
    command += [str(data), shapes, str(ontology), sparql]
    path = os.pathsep.join([str(Path(code) / "src"), code, os.environ.get("PYTHONPATH", "")])
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            cwd=code,
            env={**os.environ, "PYTHONPATH": path},
        )
        row: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    except subprocess.TimeoutExpired:
        row = {"timeout_s": timeout}
    except subprocess.CalledProcessError as exc:
        row = {"error": exc.stderr[-2000:]}
    return row


def _median(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The first sample, its CPU, wall and peak RSS replaced by the medians of all."""
    row = dict(samples[0])
    for name in ("cpu_s", "wall_s", "peak_rss_mib"):
        values = [s[name] for s in samples if name in s]
        if values:
            row[name] = statistics.median(values)
            row[f"{name}_all"] = values
    row["same_report_as_first"] = all(s.get("same_report_as_first", False) for s in samples)
    return row


if __name__ == "__main__":
    main()
