"""The build's mapping into rdflib's graph: `PlainMemory`'s own ``add`` against rdflib's.

`map_portfolio` of the benchmark's synthetic portfolio (``--projects``) into a graph whose
store is `PlainMemory` as the build makes it, and the same with rdflib's
``SimpleMemory.add`` (its indexes hidden from `PlainMemory`); CPU of the mapping alone,
the collector paused as in the build, alternating, medians of ``--runs``:

    .venv/bin/python -m bench.graph_add --projects 100000 --runs 3
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Sequence

from portefeuille_ld.pipeline.sparql_engines import PlainMemory

__all__ = ["main"]


class _RdflibAdd(PlainMemory):
    """`PlainMemory` falling back to rdflib's ``add``, as when it cannot find the indexes."""

    def _find_indexes(self) -> None:
        super()._find_indexes()
        self._indexes = None


def main(argv: Sequence[str] | None = None) -> None:
    """Print each run, then the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from rdflib import Graph

    from bench.release import Dataset, default_work_dir
    from portefeuille_ld.iris import Iris
    from portefeuille_ld.pipeline.editions import edition_dirs, read_pinned_edition
    from portefeuille_ld.pipeline.mapping import map_portfolio
    from portefeuille_ld.settings import Settings

    data_dir = Dataset(args.projects, args.seed, default_work_dir()).prepare(publish=False).data_dir
    portfolio, _ = read_pinned_edition(edition_dirs(data_dir)[0])
    iris = Iris(Settings().base_iri)
    variants: list[tuple[str, type[PlainMemory]]] = [
        ("rdflib's add", _RdflibAdd),
        ("own add", PlainMemory),
    ]
    runs: dict[str, list[float]] = {name: [] for name, _ in variants}
    for n in range(args.runs):
        for name, kind in variants if n % 2 == 0 else variants[::-1]:
            gc.collect()
            gc.disable()
            store = kind()
            cpu = time.process_time()
            graph = map_portfolio(portfolio, iris, into=Graph(store=store))
            runs[name].append(time.process_time() - cpu)
            triples = len(graph)
            store.clear()
            del graph, store
            gc.enable()
            print(f"{name}: {runs[name][-1]:.2f} s CPU, {triples:,} triples", flush=True)
    for name, cpus in runs.items():
        print(f"{name}: median {statistics.median(cpus):.2f} s CPU of {len(cpus)}")


if __name__ == "__main__":
    main()
