"""Why stores are loaded `on_own_thread`: a query's CPU on the thread that loaded the store
against another thread, in one process, on the endpoint benchmark's data.

glibc gives each thread an allocator arena; pyoxigraph allocates through it. The probe
starts a second thread (its arena is made then), loads the N-Quads dump into an in-memory
store on the main thread (as the query workers did before `portefeuille_ld.store.own_thread`),
then runs each query and serializes its answer on the main thread and on the other one in
turn, and reports the medians of each thread's CPU time:

    .venv/bin/python -m bench.arena --queries construct,join-3hop --runs 15
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from bench.endpoint import INITIATIVE, Query, queries
from bench.release import Dataset, default_work_dir

__all__ = ["main", "probe"]


def _cpu_ms(store: ox.Store, query: Query) -> float:
    """The calling thread's CPU for ``query``: evaluated and serialized, in milliseconds."""
    start = time.thread_time()
    answer = store.query(query.text, use_default_graph_as_union=True)
    if isinstance(answer, ox.QueryTriples):
        answer.serialize(format=ox.RdfFormat.N_TRIPLES)
    elif isinstance(answer, ox.QuerySolutions):
        answer.serialize(format=ox.QueryResultsFormat.JSON)
    return (time.thread_time() - start) * 1000


def probe(path: Path, chosen: Sequence[Query], runs: int) -> list[tuple[str, float, float]]:
    """(query, median ms on the loading thread, on the other thread) for each query."""
    with ThreadPoolExecutor(max_workers=1) as other:
        other.submit(int).result()  # the thread exists, with its arena, before the load
        store = ox.Store()
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
        rows = []
        for query in chosen:
            loading: list[float] = []
            another: list[float] = []
            for _ in range(runs):
                loading.append(_cpu_ms(store, query))
                another.append(other.submit(_cpu_ms, store, query).result())
            rows.append((query.name, statistics.median(loading), statistics.median(another)))
        return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Print a Markdown table of the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--queries", default="construct,join-3hop,text-filter,group-by")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    dataset = Dataset(args.projects, args.seed, default_work_dir()).prepare()
    names = args.queries.split(",")
    chosen = [q for q in queries(INITIATIVE) if q.name in names]
    print(f"{dataset.nquads}: CPU ms per query and answer, medians of {args.runs}")
    print("| query | the loading thread | another thread | ratio |\n|---|---|---|---|")
    for name, loading, another in probe(dataset.nquads, chosen, args.runs):
        print(f"| {name} | {loading:.1f} | {another:.1f} | {another / loading:.2f} |")


if __name__ == "__main__":
    main()
