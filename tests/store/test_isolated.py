"""`IsolatedStore`: the same answers as `EmbeddedStore`, from worker processes it can kill."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from portefeuille_ld.errors import (
    NotAcceptable,
    QueryError,
    QueryTimeout,
    ResourceNotFound,
    ResultTooLarge,
    StoreBusy,
    StoreUnavailable,
)
from portefeuille_ld.formats import JSON_LD, N_TRIPLES, SPARQL_CSV, SPARQL_JSON, TURTLE, Format
from portefeuille_ld.store.base import Store
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.store.pool import Pool, PoolLimits
from portefeuille_ld.store.sources import FilesSource
from portefeuille_ld.store.worker import QueryCall, WorkerSpec

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store" / "portefeuille.trig"
BASE = "https://w3id.org/portefeuille-qc/"
DOSSIER = BASE + "id/projet/dossier-sante"
RUNAWAY = "SELECT (COUNT(*) AS ?n) {" + " .".join(f" ?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"
"""8^20 solutions to count over the 20 quads of the fixture: hours of work."""
TIMEOUT_S = 1.0
LIMITS = PoolLimits(workers=2, timeout_s=TIMEOUT_S, max_queued=4)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (state read from /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.fixture(scope="module")
def isolated() -> Iterator[IsolatedStore]:
    """Two workers on the fixture, loaded once into a temporary on-disk store."""
    opened = IsolatedStore(FilesSource([FIXTURE]), LIMITS, max_result_bytes=100_000)
    yield opened
    opened.close()


@pytest.fixture
def own_store() -> Iterator[IsolatedStore]:
    """A store of one's own, for tests that kill its workers."""
    opened = IsolatedStore(FilesSource([FIXTURE], in_memory=True), LIMITS)
    yield opened
    opened.close()


QUERIES = [
    pytest.param("SELECT ?s ?l { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l",
                 SPARQL_JSON, id="select-json"),
    pytest.param("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                 SPARQL_CSV, id="group-by-csv"),
    pytest.param("ASK { ?s ?p 'Dossier santé numérique'@fr }", SPARQL_JSON, id="ask"),
    pytest.param("SELECT * { ?s ?p ?o } ORDER BY ?s ?p ?o", "text/csv;q=0.5, */*;q=0.1",
                 id="accept-header"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "accept"), QUERIES)
def test_results_are_the_embedded_stores(
    isolated: IsolatedStore, store: EmbeddedStore, query: str, accept: Format | str
) -> None:
    assert isolated.query(query, accept=accept) == store.query(query, accept=accept)


@pytest.mark.parametrize("fmt", [TURTLE, N_TRIPLES, JSON_LD], ids=lambda f: f.name)
def test_graphs_and_descriptions_are_the_embedded_stores(
    isolated: IsolatedStore,
    store: EmbeddedStore,
    parse_rdf: Callable[[bytes, Format], Graph],
    fmt: Format,
) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert isomorphic(
        parse_rdf(isolated.query(query, accept=fmt).body, fmt),
        parse_rdf(store.query(query, accept=fmt).body, fmt),
    )
    described = isolated.describe(DOSSIER, fmt)
    assert isomorphic(parse_rdf(described, fmt), parse_rdf(store.describe(DOSSIER, fmt), fmt))


def test_statistics_and_protocol(isolated: IsolatedStore, store: EmbeddedStore) -> None:
    implementation: Store = isolated
    assert implementation.statistics() == store.statistics()
    assert isolated.release_directory() is None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        pytest.param(lambda s: s.query("SELECT * {"), QueryError, "syntax error: error at 1:",
                     id="syntax"),
        pytest.param(lambda s: s.query("CLEAR ALL"), QueryError, "read-only", id="update"),
        pytest.param(lambda s: s.query("ASK {}", accept="text/turtle"), NotAcceptable,
                     "choose: json", id="not-acceptable"),
        pytest.param(lambda s: s.describe(BASE + "id/nothing", TURTLE), ResourceNotFound,
                     "no resource", id="not-found"),
        pytest.param(lambda s: s.query("SELECT * { ?s ?p ?o . ?a ?b ?c }"),
                     ResultTooLarge, "larger than 100,000 bytes", id="too-large"),
    ],
)  # fmt: skip
def test_errors_travel_back_from_the_worker(
    isolated: IsolatedStore,
    call: Callable[[IsolatedStore], object],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        call(isolated)
    assert isolated.query("ASK {}").body == b'{"head":{},"boolean":true}'


def test_a_worker_refuses_service_even_when_the_parent_guard_is_bypassed(
    trap_url: str, trap_hits: list[str]
) -> None:
    pool = Pool(WorkerSpec(None, (FIXTURE,)), PoolLimits(workers=1, timeout_s=5, max_queued=1))
    pool.start()
    try:
        reply = pool.run(QueryCall(f"SELECT * {{ SERVICE <{trap_url}> {{ ?s ?p ?o }} }}"))
    finally:
        pool.close()
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        reply.unwrap()
    assert trap_hits == []


def test_a_runaway_query_is_stopped_at_the_deadline_and_its_worker_replaced(
    own_store: IsolatedStore, wait_until: Callable[..., bool]
) -> None:
    before = set(own_store.worker_pids())
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit"):
        own_store.query(RUNAWAY)
    killed = before - set(own_store.worker_pids())
    assert len(killed) == 1
    assert wait_until(lambda: not any(map(alive, killed)), timeout_s=1.0)
    assert time.monotonic() - started < TIMEOUT_S + 1.0
    assert wait_until(lambda: len(own_store.worker_pids()) == 2)
    assert json.loads(own_store.query("ASK {}", accept=SPARQL_JSON).body)["boolean"] is True


def test_ordinary_queries_keep_their_latency_beside_a_runaway(own_store: IsolatedStore) -> None:
    runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, own_store.query, RUNAWAY))
    runaway.start()
    latencies = []
    while runaway.is_alive():
        started = time.monotonic()
        own_store.query("SELECT ?s { ?s ?p ?o } LIMIT 5")
        latencies.append(time.monotonic() - started)
    runaway.join()
    assert len(latencies) >= 10
    assert sorted(latencies)[int(len(latencies) * 0.95)] < 0.5


def test_a_worker_that_dies_mid_query_is_a_503_and_is_replaced(
    wait_until: Callable[..., bool],
) -> None:
    limits = PoolLimits(workers=1, timeout_s=5.0, max_queued=1)
    opened = IsolatedStore(FilesSource([FIXTURE], in_memory=True), limits)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            opened.query(RUNAWAY)
        except StoreUnavailable as exc:
            outcome.append(exc)

    try:
        (busy,) = opened.worker_pids()
        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        os.kill(busy, signal.SIGKILL)
        thread.join(timeout=5)
        assert time.monotonic() - started < 1, "the caller waited for the deadline"
        assert "stopped unexpectedly" in str(outcome[0])
        assert not isinstance(outcome[0], QueryTimeout)
        assert wait_until(lambda: len(opened.worker_pids()) == 1)
        assert busy not in opened.worker_pids()
        assert opened.query("ASK {}").media_type == "application/sparql-results+json"
    finally:
        opened.close()


@contextmanager
def _full_queue(
    wait_until: Callable[..., bool],
) -> Iterator[tuple[IsolatedStore, list[BaseException]]]:
    """A one-worker store whose worker and one-place queue are taken by runaway queries;
    on exit, their errors (the list) once both threads are done."""
    limits = PoolLimits(workers=1, timeout_s=3 * TIMEOUT_S, max_queued=1)  # room on a slow machine
    opened = IsolatedStore(FilesSource([FIXTURE], in_memory=True), limits)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=lambda: errors.append(_error_of(opened.query, RUNAWAY)))
        for _ in range(2)
    ]
    try:
        for thread in threads:
            thread.start()
            time.sleep(0.1)  # the first to start runs (and times out first)
        # and the second waits: observed, not assumed (a loaded machine is slow)
        assert wait_until(lambda: opened.waiting() == 1, timeout_s=TIMEOUT_S)
        yield opened, errors
        for thread in threads:
            thread.join()
    finally:
        opened.close()


def test_callers_beyond_the_wait_queue_are_turned_away(wait_until: Callable[..., bool]) -> None:
    with _full_queue(wait_until) as (opened, errors):
        with pytest.raises(StoreBusy, match="busy") as busy:
            opened.query("ASK {}")
        assert busy.value.retry_after_s >= 1
    assert isinstance(errors[0], QueryTimeout)
    assert isinstance(errors[1], QueryTimeout | StoreBusy)  # busy: waited its time out


def _error_of(call: Callable[[str], object], query: str) -> BaseException:
    try:
        call(query)
    except BaseException as exc:
        return exc
    raise AssertionError("no error")


def test_close_stops_every_worker_and_refuses_calls() -> None:
    opened = IsolatedStore(FilesSource([FIXTURE]), LIMITS)
    pids = opened.worker_pids()
    assert len(pids) == 2 and all(map(alive, pids))
    opened.close()
    assert not any(map(alive, pids))
    with pytest.raises(StoreUnavailable, match="closed"):
        opened.query("ASK {}")


@pytest.mark.parametrize("in_memory", [False, True], ids=["on-disk", "in-memory"])
def test_any_rdf_files_can_be_served(tmp_path: Path, in_memory: bool) -> None:
    dataset = pyoxigraph.Store()
    dataset.load(path=FIXTURE, format=pyoxigraph.RdfFormat.TRIG)
    graph = pyoxigraph.NamedNode(BASE + "graphe/2025-2026")
    dataset.dump(tmp_path / "b.nt", format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph)
    (tmp_path / "c.jsonld").write_text('{"@id": "x", "http://ex.org/p": "json"}')
    (tmp_path / "d.ttl").write_text("<x> <http://ex.org/p> 'relative' .\n")
    files = [FIXTURE, tmp_path / "b.nt", tmp_path / "c.jsonld", tmp_path / "d.ttl"]
    opened = IsolatedStore(FilesSource(files, in_memory=in_memory), LIMITS)
    try:
        assert opened.statistics().triples == 20 + 13 + 1 + 1
        x = (tmp_path / "x").as_uri()
        ask = f"ASK {{ <{x}> ?p 'relative', 'json' }}"
        assert json.loads(opened.query(ask, accept=SPARQL_JSON).body)["boolean"] is True
    finally:
        opened.close()


def test_an_unknown_extension_is_refused_before_anything_starts(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(StoreUnavailable, match="cannot tell the RDF format"):
        FilesSource([tmp_path / "data.csv"])


def test_query_async_answers_like_query(isolated: IsolatedStore) -> None:
    query = "SELECT ?s ?l { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l"
    awaited = asyncio.run(isolated.query_async(query, accept=SPARQL_JSON))
    assert awaited == isolated.query(query, accept=SPARQL_JSON)


def test_query_async_is_guarded_before_it_takes_a_worker(isolated: IsolatedStore) -> None:
    with pytest.raises(QueryError, match="SERVICE"):
        asyncio.run(isolated.query_async("SELECT * { SERVICE <http://ex.org/> { ?s ?p ?o } }"))


def test_an_awaited_runaway_is_stopped_and_its_worker_replaced(
    own_store: IsolatedStore, wait_until: Callable[..., bool]
) -> None:
    before = set(own_store.worker_pids())
    with pytest.raises(QueryTimeout, match="time limit"):
        asyncio.run(own_store.query_async(RUNAWAY))
    killed = before - set(own_store.worker_pids())
    assert len(killed) == 1
    assert wait_until(lambda: not any(map(alive, killed)), timeout_s=1.0)
    assert wait_until(lambda: len(own_store.worker_pids()) == 2)
    assert asyncio.run(own_store.query_async("ASK {}")).media_type.endswith("results+json")


def test_a_cancelled_awaited_query_kills_its_worker_and_the_pool_recovers(
    own_store: IsolatedStore, wait_until: Callable[..., bool]
) -> None:
    before = set(own_store.worker_pids())

    async def cancel_a_runaway() -> None:
        task = asyncio.ensure_future(own_store.query_async(RUNAWAY))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_a_runaway())
    killed = before - set(own_store.worker_pids())
    assert len(killed) == 1
    assert wait_until(lambda: not any(map(alive, killed)), timeout_s=1.0)
    assert wait_until(lambda: len(own_store.worker_pids()) == 2)
    assert own_store.query("ASK {}").media_type == "application/sparql-results+json"


def test_threads_and_coroutines_share_one_wait_queue(wait_until: Callable[..., bool]) -> None:
    with _full_queue(wait_until) as (opened, errors):
        with pytest.raises(StoreBusy, match="busy"):
            asyncio.run(opened.query_async("ASK {}"))
    assert isinstance(errors[0], QueryTimeout)
