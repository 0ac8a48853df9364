"""`ResultCache`, and `IsolatedStore` answering a repeated query from it (off by default)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portefeuille_ld.errors import QueryError
from portefeuille_ld.formats import SPARQL_CSV
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import QueryResult
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.store.pool import Pool, PoolLimits
from portefeuille_ld.store.result_cache import ResultCache, is_cacheable
from portefeuille_ld.store.sources import FilesSource
from portefeuille_ld.store.worker import Call

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store" / "portefeuille.trig"
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
LIMITS = PoolLimits(workers=1, timeout_s=5, max_queued=4)


def result(size: int) -> QueryResult:
    return QueryResult(b"x" * size, "text/csv", "results")


def test_least_recently_used_answers_go_first() -> None:
    cache = ResultCache(max_bytes=30)
    cache.put("a", result(10))
    cache.put("b", result(10))
    cache.get("a")  # b is now the least recently used
    cache.put("c", result(15))
    assert [k for k in "abc" if cache.get(k)] == ["a", "c"]
    assert cache.size_bytes == 25


def test_an_answer_larger_than_the_cache_is_not_kept() -> None:
    cache = ResultCache(max_bytes=30)
    cache.put("a", result(10))
    cache.put("big", result(20), key_bytes=11)
    assert cache.get("big") is None and cache.get("a") is not None


def test_a_key_put_again_is_counted_once() -> None:
    cache = ResultCache(max_bytes=30)
    cache.put("a", result(10))
    cache.put("a", result(12))
    assert cache.size_bytes == 12 and cache.get("a") == result(12)


def test_zero_bytes_keeps_nothing() -> None:
    cache = ResultCache(max_bytes=0)
    cache.put("a", result(0))
    assert cache.get("a") is None


@pytest.mark.parametrize(
    ("query", "cacheable"),
    [
        pytest.param(COUNT, True, id="plain"),
        pytest.param("SELECT (NOW() AS ?t) {}", False, id="now"),
        pytest.param("SELECT (rand() AS ?r) {}", False, id="rand-lower-case"),
        pytest.param("SELECT (STRUUID() AS ?u) {}", False, id="struuid"),
        pytest.param("CONSTRUCT { ?s ?p [] } WHERE { BIND(BNODE() AS ?b) }", False, id="bnode"),
    ],
)
def test_volatile_functions_are_not_kept(query: str, cacheable: bool) -> None:
    assert is_cacheable(query) is cacheable


class _Counted:
    """Counts the calls that reach a worker (`Pool.run` and `Pool.run_async`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[Call] = []
        run, run_async = Pool.run, Pool.run_async

        def counted_run(pool: Pool, call: Call) -> Any:
            self.calls.append(call)
            return run(pool, call)

        async def counted_run_async(pool: Pool, call: Call) -> Any:
            self.calls.append(call)
            return await run_async(pool, call)

        monkeypatch.setattr(Pool, "run", counted_run)
        monkeypatch.setattr(Pool, "run_async", counted_run_async)


@pytest.fixture(scope="module")
def cached_store() -> Iterator[IsolatedStore]:
    opened = IsolatedStore(FilesSource([FIXTURE]), LIMITS, result_cache_bytes=1 << 20)
    yield opened
    opened.close()


def test_a_repeated_query_is_answered_without_a_worker(
    cached_store: IsolatedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = _Counted(monkeypatch)
    first = cached_store.query(COUNT + " # sync", accept="text/csv")
    assert cached_store.query(COUNT + " # sync", accept="text/csv") == first
    assert len(counted.calls) == 1
    again = asyncio.run(cached_store.query_async(COUNT + " # async", accept="text/csv"))
    assert asyncio.run(cached_store.query_async(COUNT + " # async", accept="text/csv")) == again
    assert len(counted.calls) == 2


def test_the_format_and_dataset_are_part_of_the_key(
    cached_store: IsolatedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = _Counted(monkeypatch)
    csv = cached_store.query(COUNT + " # key", accept="text/csv")
    json = cached_store.query(COUNT + " # key", accept="application/sparql-results+json")
    named = cached_store.query(COUNT + " # key", accept=SPARQL_CSV, named_graph_uris=())
    graph = "https://w3id.org/portefeuille-qc/graphe/2024-2025"
    one = cached_store.query(COUNT + " # key", accept="text/csv", default_graph_uris=[graph])
    assert csv.media_type == "text/csv" and json.media_type != csv.media_type
    assert named.body == csv.body and one.body != csv.body
    assert len(counted.calls) == 4


def test_refusals_and_volatile_queries_always_reach_the_store(
    cached_store: IsolatedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = _Counted(monkeypatch)
    for _ in range(2):
        with pytest.raises(QueryError):
            cached_store.query("SELECT * {")
        cached_store.query("SELECT (NOW() AS ?t) {}", accept="text/csv")
    assert len(counted.calls) == 4


def test_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().result_cache_bytes == 0
    assert Settings.from_env({"PORTEFEUILLE_RESULT_CACHE_BYTES": "1024"}).result_cache_bytes == 1024
    store = IsolatedStore(FilesSource([FIXTURE]), LIMITS)
    try:
        counted = _Counted(monkeypatch)
        store.query(COUNT, accept="text/csv")
        store.query(COUNT, accept="text/csv")
        assert len(counted.calls) == 2
    finally:
        store.close()


def test_serve_has_the_option() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "portefeuille_ld", "serve", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert "--result-cache-bytes" in shown.stdout
