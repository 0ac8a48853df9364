"""Where a build's time goes: the build's own steps and its worker's jobs, on one timeline.

Runs the real `build` on the benchmark's synthetic portfolio (``--projects``) in this
process, with its steps timed, and each `FreshProcess` job timed in its worker (which
imports this module: it runs with this checkout on ``PYTHONPATH``). Prints one Markdown
row per step, by start: the process, the step, its start and end (seconds since the build
began), its wall and CPU seconds, and the kernel's part of that CPU; then each process's
CPU and their sum. On two cores, a build cannot take less wall time than half that sum:

    .venv/bin/python -m bench.timeline --projects 100000

The timing costs a few lines of JSON per step; the release published is the same.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

_LOG = "BENCH_TIMELINE_LOG"
_START = "BENCH_TIMELINE_START"
"""Environment variables the worker inherits: where to write, and when the build began."""


def _mark(event: str, step: str) -> None:
    """Append one event to the log (one short line: appends from two processes do not mix)."""
    record = {
        "t": time.time() - float(os.environ[_START]),
        "pid": os.getpid(),
        "event": event,
        "step": step,
        "cpu": time.process_time(),
        "system": os.times().system,
    }
    with open(os.environ[_LOG], "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


def _time(owner: Any, name: str, label: str | None = None, *, named_by: int | None = None) -> None:
    """Replace ``owner.name`` by the same function, timed; `named_by`: the position of the
    argument that completes the step's name (a file's name)."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        step = label or name
        if named_by is not None:
            step = f"{step} {args[named_by]}"
        _mark("start", step)
        try:
            return function(*args, **kwargs)
        finally:
            _mark("end", step)

    setattr(owner, name, timed)


def _time_build() -> None:
    """Time the build's steps in this process, and every job it gives its worker."""
    from portefeuille_ld.pipeline import artifacts, build, manifest, publish
    from portefeuille_ld.pipeline.fresh_process import FreshProcess

    _time(build, "map_editions", "map into rdflib's graphs (then take the worker's lines)")
    _time(build, "read_pinned_edition", "read the edition")
    _time(build, "map_portfolio", "map the edition into its graph")
    _time(build.MappedDataset, "validate", "SHACL validation")
    _time(build, "compute_home", "home page's data")
    _time(build, "statistics_of_lines", "VoID statistics")
    _time(build, "_describe", "VoID and DCAT-AP description")
    _time(artifacts, "write_file", "write", named_by=1)
    _time(build.MappedDataset, "clear", "let the rdflib graphs go")
    _time(manifest.Manifest, "verify", "verify the release")
    _time(publish, "_fsync_tree", "fsync the release")
    submit = FreshProcess.submit

    def timed_submit(self: FreshProcess, fn: Callable[..., Any], /, *args: Any, **kw: Any) -> Any:
        job = getattr(fn, "func", fn)
        label = getattr(job, "__name__", type(job).__name__)
        return submit(self, _job, label, fn, *args, **kw)

    FreshProcess.submit = timed_submit  # type: ignore[method-assign]


def _job(label: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """A worker's job, run with its steps timed (in the worker's own interpreter)."""
    from portefeuille_ld.pipeline import dumps, edition_lines, line_files
    from portefeuille_ld.store import ondisk

    _time(edition_lines, "read_pinned_edition", "read the edition")
    _time(edition_lines, "portfolio_triples", "map the edition into triples")
    _time(dumps.SortedTriples, "of_rdflib", "the triples' sorted lines")
    _time(line_files, "write_file", "write", named_by=1)
    _time(ondisk, "load_files", "load the on-disk store")
    _mark("start", f"job {label}")
    try:
        return fn(*args, **kwargs)
    finally:
        _mark("end", f"job {label}")


def _report(log: Path, build_pid: int) -> str:
    """The Markdown table of the steps, then each process's CPU."""
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    open_steps: dict[tuple[int, str], list[dict[str, Any]]] = {}
    rows: list[tuple[float, str]] = []
    first_cpu: dict[int, float] = {}
    last_cpu: dict[int, float] = {}
    for record in records:
        key = (record["pid"], record["step"])
        first_cpu.setdefault(record["pid"], record["cpu"])
        last_cpu[record["pid"]] = record["cpu"]
        if record["event"] == "start":
            open_steps.setdefault(key, []).append(record)
            continue
        start = open_steps[key].pop()
        process = "build" if record["pid"] == build_pid else f"worker {record['pid']}"
        rows.append(
            (
                start["t"],
                f"| {process} | {record['step']} | {start['t']:.1f} | {record['t']:.1f} |"
                f" {record['t'] - start['t']:.1f} | {record['cpu'] - start['cpu']:.1f} |"
                f" {record['system'] - start['system']:.1f} |",
            )
        )
    lines = [
        "| process | step | start s | end s | wall s | CPU s | of which system s |",
        "|---|---|---|---|---|---|---|",
        *(row for _, row in sorted(rows)),
        "",
    ]
    used = {pid: last_cpu[pid] - first_cpu[pid] for pid in last_cpu}
    for pid, cpu in used.items():
        lines.append(
            f"- CPU of {'the build' if pid == build_pid else f'worker {pid}'}: {cpu:.1f} s"
        )
    total = sum(used.values())
    lines.append(f"- all processes: {total:.1f} s of CPU, at least {total / 2:.1f} s on two cores")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Build once with every step timed; print the timeline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--work", type=Path, default=None, help="cache of generated data")
    parser.add_argument("--out", type=Path, default=None, help="where to publish (a temp dir)")
    args = parser.parse_args(argv)

    from bench.release import BUILD_DATE, Dataset, default_work_dir
    from portefeuille_ld.iris import Iris
    from portefeuille_ld.pipeline.build import build
    from portefeuille_ld.settings import Settings

    data_dir = (
        Dataset(args.projects, args.seed, args.work or default_work_dir())
        .prepare(publish=False)
        .data_dir
    )
    checkout = str(Path(__file__).resolve().parents[1])
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [checkout, *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="bench-timeline-") as scratch:
        log = Path(scratch) / "timeline.jsonl"
        os.environ[_LOG], os.environ[_START] = str(log), str(time.time())
        _time_build()
        _mark("start", "the whole build")
        result = build(
            data_dir,
            args.out or Path(scratch) / "out",
            ontology_path=settings.ontology_path,
            shapes_path=settings.shapes_path,
            iris=Iris(settings.base_iri),
            build_date=BUILD_DATE,
        )
        _mark("end", "the whole build")
        print(f"{args.projects:,} projects, {result.manifest.data_triples:,} triples")
        where = f"in {args.out}" if args.out else "(in a temporary directory, now removed)"
        print(f"published release {result.release.name} {where}\n")
        print(_report(log, os.getpid()))
    sys.stdout.flush()


if __name__ == "__main__":
    # Through the module's own name: a job pickled from ``__main__`` would name the
    # worker's ``__main__``, where `_job` is not.
    from bench.timeline import main as timeline_main

    timeline_main()
