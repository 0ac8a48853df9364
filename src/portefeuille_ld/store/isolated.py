"""`IsolatedStore`: the `Store` the server uses, answering from worker processes it can kill.

Every call (a SPARQL query, a resource page's queries, the home page's figures, a
description) runs in a `portefeuille_ld.store.pool.Pool` of worker processes, so a query
past ``Settings.query_timeout_s`` is stopped by killing its worker, and the others keep
answering. Queries are guarded here, from their tokens, and again in the worker.

Reload: once a second, a background thread checks which version of the data is current
(for a release, one ``readlink`` of ``out_dir/current``). When it moved, a new generation
of workers starts on the new release; once all are ready, new calls go to them, calls in
flight finish on the old ones, and the old workers stop when the last of those returns.
No request fails or waits for the switch.

`query_async` is `query` for the event loop: the SPARQL endpoint awaits the worker's reply
instead of blocking a thread of FastAPI's pool for it.

With ``result_cache_bytes``, each generation keeps the answers to queries in a
`portefeuille_ld.store.result_cache.ResultCache`: a repeated query (same text, dataset and
format) is answered from it without a worker, until the data moves.

With ``inline_quads``, each generation also opens the data in the server, as its workers
do, and answers there a ``DESCRIBE`` of IRIs reading at most that many quads
(`portefeuille_ld.store.inline.InlineAnswers`): the same answer, without a worker's round trip.

>>> import tempfile
>>> from pathlib import Path
>>> from portefeuille_ld.store.sources import FilesSource
>>> data = Path(tempfile.mkdtemp()) / "data.nt"
>>> _ = data.write_text('<http://ex.org/a> <http://ex.org/p> "x" .\\n')
>>> limits = PoolLimits(workers=1, timeout_s=5, max_queued=4)
>>> store = IsolatedStore(FilesSource([data]), limits)
>>> store.query("SELECT ?o { ?s ?p ?o }", accept="text/csv").body
b'o\\r\\nx\\r\\n'
>>> store.close()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.formats import Format
from portefeuille_ld.sparql_guard import guard_query
from portefeuille_ld.store.base import QueryResult, StoreStatistics
from portefeuille_ld.store.inline import InlineAnswers
from portefeuille_ld.store.pool import Pool, PoolLimits
from portefeuille_ld.store.result_cache import ResultCache, is_cacheable
from portefeuille_ld.store.sources import DataSource, Prepared
from portefeuille_ld.store.worker import Call, DescribeCall, QueryCall, WorkerSpec

__all__ = ["RELOAD_CHECK_S", "IsolatedStore"]

log = logging.getLogger(__name__)

RELOAD_CHECK_S = 1.0
"""How often the watcher checks whether the data moved."""

_RETRY_FAILED_S = 30.0
_CLOSE_WAIT_S = 10.0


class _Generation:
    """One version of the data and the workers serving it."""

    def __init__(
        self,
        key: str,
        prepared: Prepared,
        pool: Pool,
        statistics: StoreStatistics,
        results: ResultCache,
        inline: InlineAnswers | None = None,
    ) -> None:
        self.key, self.prepared, self.pool, self.statistics = key, prepared, pool, statistics
        self.results, self.inline = results, inline
        self.in_flight = 0
        self.retiring = False

    def close(self) -> None:
        """Stop the workers, then remove what was prepared for them."""
        if self.inline is not None:
            self.inline.close()
        self.pool.close()
        self.prepared.cleanup()

    def close_later(self) -> None:
        """Close in the background: the caller (a request) need not wait for it."""
        threading.Thread(target=self.close, name="retire", daemon=True).start()


class IsolatedStore:
    """A read-only `Store` whose calls run in killable worker processes; follows reloads.

    :param source: where the data is, and which version is current.
    :param limits: workers, time limit and wait queue of each generation's pool.
    :param max_result_bytes: the largest answer a worker sends (`ResultTooLarge`).
    :param in_memory: workers answer from an on-disk store at first, then from a copy in
        memory once they have parsed the data (`WorkerSpec.warm_up`).
    :param result_cache_bytes: answers to queries kept per version of the data (0: none).
    :param inline_quads: a ``DESCRIBE`` reading at most this many quads is answered in the
        server (0: every query goes to a worker).
    :raises StoreUnavailable: the current data cannot be opened.
    """

    def __init__(
        self,
        source: DataSource,
        limits: PoolLimits,
        *,
        max_result_bytes: int | None = None,
        in_memory: bool = False,
        result_cache_bytes: int = 0,
        inline_quads: int = 0,
    ) -> None:
        self._source, self._limits = source, limits
        self._max_result_bytes, self._in_memory = max_result_bytes, in_memory
        self._result_cache_bytes, self._inline_quads = result_cache_bytes, inline_quads
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._failed: dict[str, float] = {}
        self._active = self._start(source.current())
        self._watcher = threading.Thread(target=self._watch, name="release-watch", daemon=True)
        self._watcher.start()

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        """See `Store.query`; runs in a worker, within the time limit."""
        call = QueryCall.of(sparql, accept, tuple(default_graph_uris), tuple(named_graph_uris))
        return self._run(call, sparql, accept)

    async def query_async(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
        piece_bytes: int = 0,
    ) -> QueryResult:
        """`query` for a coroutine: waits on the event loop, with the same guard and limits.

        :param piece_bytes: above 0, an answer that grows past it comes as the worker
            writes it: the result's `QueryResult.rest`, which the caller must read to the
            end or close (it holds the worker; the time limit still applies).
        """
        default, named = tuple(default_graph_uris), tuple(named_graph_uris)
        call = QueryCall.of(sparql, accept, default, named, piece_bytes)
        with self._using() as generation:
            answered = _without_worker(generation, call, sparql, accept)
            if answered is not None:
                return answered
            reply = await generation.pool.run_async(call)
        return _kept(generation, call, reply.unwrap())

    def describe(self, iri: str, fmt: Format) -> bytes:
        """See `Store.describe`; runs in a worker, within the time limit."""
        return self._run(DescribeCall(iri, fmt.name)).body

    def statistics(self) -> StoreStatistics:
        """See `Store.statistics`: those of the data being served, computed at its start."""
        return self._active.statistics

    def answers_inline(self) -> bool:
        """Whether small ``DESCRIBE`` queries are answered in the server now (``inline_quads``
        given, and the server's store open)."""
        inline = self._active.inline
        return inline is not None and inline.ready()

    def release_directory(self) -> Path | None:
        """The published release being served (None when serving other files)."""
        return self._active.prepared.release

    def worker_pids(self) -> tuple[int, ...]:
        """The process ids of the workers that take new calls."""
        return self._active.pool.pids()

    def waiting(self) -> int:
        """How many queries wait for a worker of the data being served."""
        return self._active.pool.waiting()

    def close(self) -> None:
        """Stop every worker now (a call still running gets `StoreUnavailable`)."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            active = self._active
        active.close()
        self._watcher.join(timeout=_CLOSE_WAIT_S)  # it closes what it was starting

    def _run(
        self, call: Call, sparql: str | None = None, accept: Format | str = "*/*"
    ) -> QueryResult:
        with self._using() as generation:
            if sparql is None:
                return generation.pool.run(call).unwrap()
            answered = _without_worker(generation, call, sparql, accept)
            if answered is not None:
                return answered
            reply = generation.pool.run(call)
        return _kept(generation, call, reply.unwrap())

    @contextmanager
    def _using(self) -> Iterator[_Generation]:
        """The generation taking new calls, kept alive until the call returns."""
        with self._lock:
            if self._closed.is_set():
                raise StoreUnavailable("the store is closed")
            generation = self._active
            generation.in_flight += 1
        try:
            yield generation
        finally:
            with self._lock:
                generation.in_flight -= 1
                done = generation.retiring and generation.in_flight == 0
            if done:
                generation.close_later()

    def _start(self, key: str) -> _Generation:
        prepared = self._source.prepare(key)
        spec = WorkerSpec(prepared.disk, prepared.files, self._max_result_bytes, self._in_memory)
        pool = Pool(spec, self._limits)
        try:
            statistics = pool.start()
        except BaseException:
            prepared.cleanup()
            raise
        log.info("serving %s with %d worker(s): %s", key, self._limits.workers, pool.pids())
        inline = (
            InlineAnswers(spec, statistics, budget=self._inline_quads)
            if self._inline_quads
            else None
        )
        results = ResultCache(self._result_cache_bytes)
        return _Generation(key, prepared, pool, statistics, results, inline)

    def _watch(self) -> None:
        """Once a second until closed: switch to the current version if it moved."""
        while not self._closed.wait(RELOAD_CHECK_S):
            try:
                key = self._source.current()
            except StoreUnavailable:
                continue  # nothing published any more: keep serving what we have
            failed_at = self._failed.get(key, -_RETRY_FAILED_S)
            if key != self._active.key and time.monotonic() - failed_at >= _RETRY_FAILED_S:
                self._switch(key)

    def _switch(self, key: str) -> None:
        """Start workers on version ``key``, then send new calls to them."""
        try:
            generation = self._start(key)
        except (StoreUnavailable, OSError) as exc:
            log.error("cannot serve %s, still serving %s: %s", key, self._active.key, exc)
            self._failed[key] = time.monotonic()
            return
        with self._lock:
            if self._closed.is_set():
                old = generation  # closed while it started: it never serves
            else:
                old, self._active = self._active, generation
            old.retiring = True
            done = old.in_flight == 0
        log.info("switched from %s to %s", old.key, key)
        if done:
            old.close_later()


def _without_worker(
    generation: _Generation, call: Call, sparql: str, accept: Format | str
) -> QueryResult | None:
    """The answer when no worker is needed: a cached one, or one given in the server.

    :raises QueryError: the guard refuses the query (`guard_query`), before it takes a worker.
    """
    cached = generation.results.get(call)
    if cached is not None:
        return cached
    guard_query(sparql, known_graphs=generation.statistics.graph_iris)
    return _inline(generation, call, accept)


def _inline(generation: _Generation, call: Call, accept: Format | str) -> QueryResult | None:
    """The answer given in the server (`InlineAnswers`), kept as a worker's would be."""
    if generation.inline is None or not isinstance(call, QueryCall):
        return None
    answered = generation.inline.answer(
        call.sparql, accept, call.default_graph_uris, call.named_graph_uris
    )
    return None if answered is None else _kept(generation, call, answered)


def _kept(generation: _Generation, call: Call, result: QueryResult) -> QueryResult:
    """``result``, kept in the generation's cache when the query's answer cannot change
    (and came whole: a streamed one is too large to keep)."""
    if (
        generation.results.max_bytes
        and result.rest is None
        and isinstance(call, QueryCall)
        and is_cacheable(call.sparql)
    ):
        generation.results.put(call, result, key_bytes=len(call.sparql))
    return result
