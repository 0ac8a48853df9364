"""``python -m bench`` (``make bench``): every benchmark; JSON and Markdown in bench/results/.

``--quick`` finishes in about three minutes on small data (a smoke run of every part, with
indicative numbers); the default run takes an hour or more (pipeline at 1k, 10k and 100k
initiatives, endpoint comparison at 10k, a 60 s soak). Every step is bounded in time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import endpoint, pipeline, soak, startup
from bench.generate import SCALES
from bench.release import Dataset, default_work_dir
from bench.servers import oxigraph_binary

RESULTS = Path(__file__).resolve().parent / "results"
GiB = 2**30
BUILD_TARGET_S, BUILD_TARGET_GIB = 120.0, 4.0


def _scale(text: str) -> int:
    return SCALES.get(text.lower(), None) or int(text.replace("_", ""))


def _scales(text: str) -> list[int]:
    return [_scale(t) for t in text.split(",") if t.strip()]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="small data, short cells: about 3 min")
    p.add_argument(
        "--only",
        default="pipeline,endpoint,soak",
        help="parts to run, comma-separated (pipeline, endpoint, soak, startup)",
    )
    p.add_argument("--scales", type=_scales, help="pipeline scales (1k,10k,100k or numbers)")
    p.add_argument(
        "--build-scales",
        type=_scales,
        help="scales of the end-to-end build (default: the pipeline scales)",
    )
    p.add_argument(
        "--stages",
        default=",".join(pipeline.STAGES),
        help="pipeline stages, comma-separated (default: all; read and map always run)",
    )
    p.add_argument("--stage-timeout", type=float, help="seconds for all stages of one scale")
    p.add_argument("--build-timeout", type=float, help="seconds for one end-to-end build")
    p.add_argument("--endpoint-scale", type=_scale, help="initiatives of the endpoint dataset")
    p.add_argument(
        "--targets",
        help=f"endpoint targets, comma-separated (default: {','.join(endpoint.TARGETS)}; "
        "--quick leaves out ours-mem)",
    )
    p.add_argument(
        "--queries",
        type=_names,
        help="endpoint queries to run, comma-separated (e.g. describe,05-renomme; '' for none)",
    )
    p.add_argument(
        "--paths",
        type=_names,
        help="HTTP workloads to run, comma-separated (e.g. dump-304,page-304; '' for none)",
    )
    p.add_argument(
        "--baseline",
        type=Path,
        help="the src/ directory of another checkout, served as the 'before' target beside ours",
    )
    p.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="start our servers without their access log (bare and hello never log)",
    )
    p.add_argument("--rounds", type=int, help="rounds of every endpoint cell (medians)")
    p.add_argument("--cell-seconds", type=float, help="duration of one endpoint cell")
    p.add_argument(
        "--max-cell-seconds", type=float, help="skip a cell whose estimated duration exceeds this"
    )
    p.add_argument("--no-pin", action="store_true", help="do not pin server and client CPUs")
    p.add_argument("--soak-scale", type=_scale, help="initiatives of the soak dataset")
    p.add_argument("--soak-seconds", type=float, help="soak duration")
    p.add_argument("--soak-warmup", type=float, help="seconds of load before the soak")
    p.add_argument("--runaway-every", type=float, help="seconds between runaway queries")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument(
        "--work",
        type=Path,
        default=default_work_dir(),
        help="cache of generated datasets (default: %(default)s)",
    )
    p.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    p.add_argument("--label", help="name of the result files (default: quick or full)")
    return p


_QUICK = dict(
    targets="ours,bare,rdflib,oxigraph",
    scales=[100, 250],
    build_scales=[100],
    stage_timeout=150,
    build_timeout=120,
    endpoint_scale=200,
    rounds=2,
    cell_seconds=0.2,
    max_cell_seconds=4,
    soak_scale=200,
    soak_seconds=15,
    soak_warmup=5,
    runaway_every=4,
)
_FULL = dict(
    targets=",".join(endpoint.TARGETS),
    scales=[1_000, 10_000, 100_000],
    build_scales=None,
    stage_timeout=1500,
    build_timeout=900,
    endpoint_scale=10_000,
    rounds=3,
    cell_seconds=2.0,
    max_cell_seconds=45,
    soak_scale=10_000,
    soak_seconds=60,
    soak_warmup=10,
    runaway_every=5,
)


def _options(args: argparse.Namespace) -> argparse.Namespace:
    defaults = _QUICK if args.quick else _FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.build_scales is None:
        args.build_scales = args.scales
    return args


def _code() -> dict[str, Any]:
    """Which server and pipeline code ran: the commit, and a digest of src/ as it is on disk."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted((root / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.count("\n")
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "?", -1
    return {"commit": commit, "src_files_changed": dirty, "src_sha256": digest.hexdigest()[:16]}


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _memory_limit() -> int:
    return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") * 0.6)


def run_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    by_scale: dict[int, dict[str, Any]] = {}
    builds: dict[int, dict[str, Any]] = {}
    for projects in sorted(set(args.scales) | set(args.build_scales)):
        dataset = Dataset(projects, args.seed, args.work)
        dataset.prepare(publish=False)
        if projects in args.scales:
            _say(f"pipeline stages at {projects:,} initiatives (limit {args.stage_timeout:.0f} s)")
            wanted = {s.strip() for s in args.stages.split(",")} | {"read", "map"}
            result = pipeline.run_stages(
                dataset.data_dir,
                stages=[s for s in pipeline.STAGES if s in wanted],
                timeout_s=args.stage_timeout,
                memory_limit=_memory_limit(),
            )
            triples = next((s.get("triples") for s in result["stages"] if s.get("triples")), None)
            by_scale[projects] = {"projects": projects, "triples": triples, **result}
            for stage in result["stages"]:
                _say(f"  {json.dumps(stage)}")
        if projects in args.build_scales:
            _say(f"end-to-end build at {projects:,} initiatives (limit {args.build_timeout:.0f} s)")
            builds[projects] = pipeline.run_build(
                dataset.data_dir, timeout_s=args.build_timeout, memory_limit=_memory_limit()
            )
            _say(f"  {json.dumps(builds[projects])}")
    return {
        "scales": {str(k): v for k, v in by_scale.items()},
        "growth": {
            "wall_s": pipeline.growth(by_scale, "wall_s"),
            "cpu_s": pipeline.growth(by_scale, "cpu_s"),
            "peak_rss_mib": pipeline.growth(by_scale, "peak_rss_mib"),
        },
        "builds": {str(k): v for k, v in builds.items()},
    }


def _pipeline_markdown(result: dict[str, Any]) -> str:
    lines = []
    scales = result["scales"]
    if scales:
        stages = list(dict.fromkeys(s["stage"] for v in scales.values() for s in v["stages"]))
        header = " | ".join(
            f"{int(k):,} ({v['triples'] or '?':,} triples)" for k, v in scales.items()
        )
        lines += [
            "Each cell: wall s / CPU s / peak RSS MiB (the stage's own peak, the process's data "
            "included). Stages run one after the other in one child process per scale.",
            "",
            f"| stage | {header} |",
            "|---|" + "---|" * len(scales),
        ]
        for stage in stages:
            cells = []
            for v in scales.values():
                s = next((x for x in v["stages"] if x["stage"] == stage), None)
                if s is None:
                    cells.append("–")
                elif "killed" in s or "error" in s:
                    cells.append(
                        f"**{s.get('killed') or 'error'}**"
                        + (f" (> {s['after_s']:.0f} s)" if s.get("after_s") else "")
                    )
                else:
                    cells.append(f"{s['wall_s']:.2f} / {s['cpu_s']:.2f} / {s['peak_rss_mib']}")
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
        lines += ["", "Growth from one scale to the next (CPU time; exponent 1 = linear):", ""]
        lines += ["| stage | scales | size × | CPU × | exponent | |", "|---|---|---|---|---|---|"]
        for g in result["growth"]["cpu_s"]:
            flag = "**super-linear**" if g["super_linear"] else ""
            lines.append(
                f"| {g['stage']} | {g['from']:,} → {g['to']:,} | {g['size_ratio']} | "
                f"{g['ratio']} | {g['exponent']} | {flag} |"
            )
    if result["builds"]:
        lines += ["", "End-to-end `build` (read, map, validate, every dump, VoID, publish):", ""]
        lines += [
            "| initiatives | triples | wall s | CPU s | peak RSS MiB, all processes "
            "(largest one) | outcome |",
            "|---|---|---|---|---|---|",
        ]
        for k, b in result["builds"].items():
            if b.get("killed"):
                outcome = f"**killed ({b['killed']})** after {b['wall_s']:.0f} s"
            elif b.get("exit"):
                outcome = f"**failed**: {b.get('error')}"
            else:
                within = b["wall_s"] < BUILD_TARGET_S and _tree_peak(b) < BUILD_TARGET_GIB * 1024
                outcome = "within" if within else "**over**"
                outcome += f" {BUILD_TARGET_S:.0f} s / {BUILD_TARGET_GIB:.0f} GiB"
            lines.append(
                f"| {int(k):,} | {b.get('triples', '?')} | {b['wall_s']} | {b.get('cpu_s', '–')} | "
                f"{_tree_peak(b)} ({b['peak_rss_mib']}) | {outcome} |"
            )
    return "\n".join(lines) + "\n"


def _tree_peak(build: dict[str, Any]) -> float:
    """The build's peak memory over all its processes (older results have only the largest)."""
    return float(build.get("peak_tree_rss_mib", build["peak_rss_mib"]))


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    args = _options(_parser().parse_args(argv))
    parts = {p.strip() for p in args.only.split(",")}
    label = args.label or ("quick" if args.quick else "full")
    args.out.mkdir(parents=True, exist_ok=True)
    log_dir = args.work / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "label": label,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_before": os.getloadavg(),
        },
        "options": {k: v if not isinstance(v, Path) else str(v) for k, v in vars(args).items()},
        "code": _code(),
    }
    if "pipeline" in parts:
        results["pipeline"] = run_pipeline(args)
    oxigraph = oxigraph_binary()
    if "endpoint" in parts:
        dataset = Dataset(args.endpoint_scale, args.seed, args.work)
        _say(f"endpoint dataset: {args.endpoint_scale:,} initiatives")
        dataset.prepare(oxigraph=oxigraph)
        results["endpoint"] = endpoint.run_endpoint(
            dataset,
            targets=[t.strip() for t in args.targets.split(",")],
            rounds=args.rounds,
            cell_s=args.cell_seconds,
            max_cell_s=args.max_cell_seconds,
            pin=not args.no_pin,
            log_dir=log_dir,
            progress=_say,
            only_queries=args.queries,
            only_paths=args.paths,
            baseline=args.baseline,
            access_log=args.access_log,
        )
    if "soak" in parts:
        dataset = Dataset(args.soak_scale, args.seed, args.work)
        _say(f"soak: {args.soak_seconds:.0f} s on {args.soak_scale:,} initiatives")
        dataset.prepare()
        results["soak"] = soak.run_soak(
            dataset,
            log_dir=log_dir,
            duration_s=args.soak_seconds,
            warmup_s=args.soak_warmup,
            runaway_every_s=args.runaway_every,
            runaway_timeout_s=min(30.0, args.soak_seconds),
        )
    if "startup" in parts:  # serve's start-up on the endpoint scale's release (issue 4)
        dataset = Dataset(args.endpoint_scale, args.seed, args.work).prepare()
        results["startup"] = startup.run_startup(
            [dataset.out_dir], runs=3 if args.quick else 5, log_dir=log_dir, progress=_say
        )
    results["machine"]["load_after"] = os.getloadavg()
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    stamp = dt.date.today().isoformat()
    json_path = args.out / f"{stamp}-{label}.json"
    json_path.write_text(json.dumps(_clean(results), indent=1, ensure_ascii=False) + "\n")
    md_path = args.out / f"{stamp}-{label}.md"
    md_path.write_text(to_markdown(results))
    _say(f"wrote {md_path} and {json_path} in {results['elapsed_s']:.0f} s")


def _clean(value: Any) -> Any:
    """Drop the captured bodies (keys starting with '_') before writing JSON."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmark `{results['label']}`, {results['date']}",
        "",
        f"Machine: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}; load average "
        f"before {m['load_before'][0]:.1f}, after {m['load_after'][0]:.1f} (the machine may be "
        f"shared: CPU times are steadier than wall times). Run took {results['elapsed_s']:.0f} s.",
        f"Command: `python -m bench {' '.join(sys.argv[1:])}`. Code: commit "
        f"{results['code']['commit'][:12]}, {results['code']['src_files_changed']} file(s) of src/ "
        f"changed, src/ digest {results['code']['src_sha256']}.",
    ]
    if "pipeline" in results:
        lines += ["", "## Pipeline", "", _pipeline_markdown(results["pipeline"])]
    if "endpoint" in results:
        lines += ["", "## Endpoint", "", endpoint.to_markdown(results["endpoint"])]
    if "soak" in results:
        lines += ["", "## Soak", "", soak.to_markdown(results["soak"])]
    if "startup" in results:
        lines += ["", "## Start-up", "", startup.to_markdown(results["startup"])]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
