"""An on-disk store written from an N-Quads dump whole, against a piece at a time.

`portefeuille_ld.store.ondisk.load_files` with ``piece_bytes`` unset (one ``bulk_load`` of
the file) and set (``--pieces``, bytes of lines per ``bulk_load``), checked and lenient
(as the build loads its own dump), each run in a fresh child process: wall and CPU time
to a flushed, optimized store, the child's peak RSS (``ru_maxrss``), the store's quads
and size on disk. The variants alternate; medians of ``--runs``:

    .venv/bin/python -m bench.disk_store --nquads /tmp/out/current/portefeuille.nq --runs 3

Without ``--nquads``, the N-Quads of the benchmark's synthetic portfolio (``--projects``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _child(nquads: Path, directory: Path, piece_bytes: int | None, lenient: bool) -> None:
    """Write the store, print one JSON line of figures."""
    import pyoxigraph

    from portefeuille_ld.store.ondisk import load_files

    wall, cpu = time.perf_counter(), time.process_time()
    store = pyoxigraph.Store(str(directory))
    load_files(store, [nquads], piece_bytes=piece_bytes, lenient=lenient)
    store.flush()
    store.optimize()
    quads = len(store)
    del store
    figures = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "quads": quads,
        "disk_mib": sum(f.stat().st_size for f in directory.iterdir()) / 2**20,
    }
    print(json.dumps(figures))


def _run(nquads: Path, piece_bytes: int | None, lenient: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-disk-store-") as scratch:
        pieces = str(piece_bytes or 0)
        command = [
            sys.executable,
            "-m",
            "bench.disk_store",
            "--child",
            str(nquads),
            scratch,
            pieces,
            "lenient" if lenient else "checked",
        ]
        done = subprocess.run(command, capture_output=True, check=True, timeout=1800)
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    """Print a Markdown table of the medians of each variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nquads", type=Path, default=None)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--pieces", type=int, default=8_000_000, help="bytes per bulk_load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)  # nquads, dir, pieces, mode
    args = parser.parse_args(argv)
    if args.child:
        nquads, directory, pieces, mode = args.child
        _child(Path(nquads), Path(directory), int(pieces) or None, mode == "lenient")
        return
    nquads = args.nquads
    if nquads is None:
        from bench.release import Dataset, default_work_dir

        nquads = Dataset(args.projects, args.seed, default_work_dir()).prepare().nquads
    pieces = f"{args.pieces:,} B pieces"
    variants: dict[str, tuple[int | None, bool]] = {
        "whole": (None, False),
        pieces: (args.pieces, False),
        f"{pieces}, lenient (the build's)": (args.pieces, True),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for _ in range(args.runs):
        for name, (piece_bytes, lenient) in variants.items():
            runs[name].append(_run(nquads, piece_bytes, lenient))
    print(f"{nquads} ({nquads.stat().st_size / 2**20:,.0f} MiB); medians of {args.runs}")
    print("| load | wall s | CPU s | peak RSS MiB | quads | on disk MiB |")
    print("|---|---|---|---|---|---|")
    for name, figures in runs.items():

        def median(key: str, figures: list[dict[str, float]] = figures) -> float:
            return statistics.median(f[key] for f in figures)

        print(
            f"| {name} | {median('wall_s'):.1f} | {median('cpu_s'):.1f} |"
            f" {median('peak_mib'):,.0f} | {median('quads'):,.0f} | {median('disk_mib'):,.0f} |"
        )


if __name__ == "__main__":
    main()
