"""A pool of query worker processes: each call runs in one, and is stopped by killing it.

pyoxigraph cannot cancel a query, so a call that outlives its time limit costs its worker:
the worker gets ``SIGKILL`` at the deadline (its CPU is free at once), the caller gets
`QueryTimeout`, and a replacement starts in the background. A worker that dies on its own
is replaced the same way. Callers wait for a free worker up to the time limit, and at most
``max_queued`` of them wait at once; the next gets `StoreBusy` (503 with ``Retry-After``).

Each worker is a plain ``subprocess`` running only the worker's code
(`portefeuille_ld.store.process.WorkerProcess`).

Calls come from threads (`Pool.run`: the ``def`` routes FastAPI runs in its thread pool)
or from coroutines on the event loop (`Pool.run_async`: the SPARQL endpoint), which wait
for a worker and for its reply without taking a thread. Both kinds wait in one queue, in
order: a worker set free is handed to the first waiter.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from portefeuille_ld.errors import PortefeuilleError, QueryTimeout, StoreBusy, StoreUnavailable
from portefeuille_ld.store.base import StoreStatistics
from portefeuille_ld.store.process import WorkerLost, WorkerProcess
from portefeuille_ld.store.worker import Call, Reply, WorkerSpec

__all__ = ["START_TIMEOUT_S", "Pool", "PoolLimits"]

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0
"""How long a worker may take to open the data (parsing into memory can take a while)."""

_REPLACE_ATTEMPTS = 3


class _Waiter:
    """A caller waiting for a worker: a thread (an event) or a coroutine (a future).

    The pool hands it a worker under its lock (`process`); waking it only tells it to
    look, so a worker handed at the very moment its waiter gives up is still taken.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.process: WorkerProcess | None = None
        self.loop = loop
        self.event = threading.Event()
        self.future: asyncio.Future[None] | None = loop.create_future() if loop else None

    def wake(self) -> None:
        """Tell the waiter to look at `process` (from any thread)."""
        if self.loop is None:
            self.event.set()
            return
        try:
            self.loop.call_soon_threadsafe(self._wake_future)
        except RuntimeError:
            pass  # its loop is closed: nobody waits any more

    def _wake_future(self) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(None)


@dataclass(frozen=True)
class PoolLimits:
    """How many workers, how long a call may run, how many callers may wait."""

    workers: int
    timeout_s: float
    max_queued: int


class Pool:
    """Worker processes sharing one `WorkerSpec`, each serving one call at a time."""

    def __init__(self, spec: WorkerSpec, limits: PoolLimits) -> None:
        self._spec, self._limits = spec, limits
        self._lock = threading.Lock()
        self._all: set[WorkerProcess] = set()
        self._idle: list[WorkerProcess] = []
        self._waiters: deque[_Waiter] = deque()
        self._closed = False

    def start(self) -> StoreStatistics:
        """Start every worker at once and wait until all are ready; the data's statistics.

        :raises StoreUnavailable: a worker could not open the data (all are stopped).
        """
        workers: list[WorkerProcess] = []
        try:
            workers.extend(self._spawn() for _ in range(self._limits.workers))
            statistics = [w.wait_ready(START_TIMEOUT_S) for w in workers]
        except (StoreUnavailable, OSError):
            for w in workers:
                w.kill()
            raise
        with self._lock:
            self._all.update(workers)
            self._idle.extend(workers)
        return statistics[0]

    def run(self, request: Call) -> Reply:
        """Run one call on a free worker (waiting for one if needed).

        :raises StoreBusy: every worker is busy and too many callers wait, or none freed
            up in time.
        :raises QueryTimeout: the call ran out of time (its worker was killed).
        :raises StoreUnavailable: the worker died during the call, or the pool is closed.
        """
        process = self._acquire()
        try:
            reply = process.call(request, self._limits.timeout_s)
        except (QueryTimeout, WorkerLost) as exc:
            raise self._lost(process, exc) from exc
        self._release(process)
        return reply

    async def run_async(self, request: Call) -> Reply:
        """`run`, waiting on the event loop (for a free worker, then for its reply).

        A caller cancelled while its worker computes loses the worker: it is killed and
        replaced, as after a timeout (its reply could not be told from the next one).
        A streamed reply keeps its worker until its pieces are read (`QueryResult.rest`),
        within the same time limit, or closed.
        """
        process = await self._acquire_async()
        deadline = time.monotonic() + self._limits.timeout_s
        try:
            reply = await process.call_async(request, self._limits.timeout_s)
        except (QueryTimeout, WorkerLost) as exc:
            raise self._lost(process, exc) from exc
        except BaseException:
            process.kill()
            self._discard(process)
            raise
        if reply.streamed and reply.result is not None:
            rest = _Pieces(self, process, deadline)
            return replace(reply, result=replace(reply.result, rest=rest))
        self._release(process)
        return reply

    def _lost(self, process: WorkerProcess, exc: QueryTimeout | WorkerLost) -> Exception:
        """What to raise once ``process`` timed out or died (it is replaced)."""
        self._discard(process)
        if isinstance(exc, QueryTimeout):
            return exc
        if self._closed:
            return StoreUnavailable("the server is stopping")
        return StoreUnavailable(f"the query worker stopped unexpectedly ({exc}); try again")

    def pids(self) -> tuple[int, ...]:
        """The process ids of the live workers."""
        with self._lock:
            return tuple(sorted(w.pid for w in self._all))

    def waiting(self) -> int:
        """How many callers wait for a worker now."""
        with self._lock:
            return len(self._waiters)

    def close(self) -> None:
        """Stop every worker: idle ones are asked to exit, busy ones are killed."""
        with self._lock:
            self._closed = True
            idle, busy = list(self._idle), [w for w in self._all if w not in self._idle]
            self._idle.clear()
            self._all.clear()
            waiters = list(self._waiters)
            self._waiters.clear()
        for waiter in waiters:
            waiter.wake()  # with no worker: it sees the pool closed
        for process in busy:
            process.interrupt()  # their callers see them gone, and clean up
        _stop_all(idle)

    def _spawn(self) -> WorkerProcess:
        return WorkerProcess(self._spec)

    def _acquire(self) -> WorkerProcess:
        waiter = self._idle_or_wait(None)
        if isinstance(waiter, WorkerProcess):
            return waiter
        waiter.event.wait(self._limits.timeout_s)
        return self._claim(waiter)

    async def _acquire_async(self) -> WorkerProcess:
        waiter = self._idle_or_wait(asyncio.get_running_loop())
        if isinstance(waiter, WorkerProcess):
            return waiter
        assert waiter.loop is not None and waiter.future is not None
        timer = waiter.loop.call_later(self._limits.timeout_s, waiter._wake_future)
        try:
            await waiter.future
        except BaseException:  # cancelled: give back a worker handed meanwhile
            with self._lock:
                process = waiter.process
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            if process is not None:
                self._release(process)
            raise
        finally:
            timer.cancel()
        return self._claim(waiter)

    def _idle_or_wait(self, loop: asyncio.AbstractEventLoop | None) -> WorkerProcess | _Waiter:
        """An idle worker, or a place in the queue.

        :raises StoreBusy: every worker is busy and ``max_queued`` callers wait already.
        :raises StoreUnavailable: the pool is closed.
        """
        with self._lock:
            if self._closed:
                raise StoreUnavailable("the server is stopping")
            if self._idle:
                return self._idle.pop()
            if len(self._waiters) >= self._limits.max_queued:
                raise StoreBusy(
                    f"all {self._limits.workers} query workers are busy and"
                    f" {len(self._waiters)} requests wait already; try again in a moment"
                )
            waiter = _Waiter(loop)
            self._waiters.append(waiter)
            return waiter

    def _claim(self, waiter: _Waiter) -> WorkerProcess:
        """The worker handed to ``waiter`` once it woke up or gave up waiting.

        :raises StoreBusy: none was handed in time.
        :raises StoreUnavailable: the pool closed meanwhile.
        """
        with self._lock:
            if waiter.process is not None:
                return waiter.process
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            if self._closed:
                raise StoreUnavailable("the server is stopping")
        raise StoreBusy("every query worker stayed busy; try again in a moment")

    def _give(self, process: WorkerProcess) -> None:
        """Hand ``process`` to the first waiter, else make it idle (under the lock)."""
        if self._waiters:
            waiter = self._waiters.popleft()
            waiter.process = process
            waiter.wake()
        else:
            self._idle.append(process)

    def _release(self, process: WorkerProcess) -> None:
        with self._lock:
            if not self._closed:
                self._give(process)
                return
        process.stop()

    def _discard(self, process: WorkerProcess) -> None:
        with self._lock:
            self._all.discard(process)
            if self._closed:
                return
        threading.Thread(target=self._replace, name="worker-replacement", daemon=True).start()

    def _replace(self) -> None:
        """Start a worker in place of a lost one (a few attempts, a second apart)."""
        for attempt in range(1, _REPLACE_ATTEMPTS + 1):
            try:
                process = self._spawn()
                process.wait_ready(START_TIMEOUT_S)
            except (StoreUnavailable, OSError) as exc:
                log.error("cannot start a query worker (attempt %d): %s", attempt, exc)
                time.sleep(1)
                continue
            with self._lock:
                if not self._closed:
                    self._all.add(process)
                    self._give(process)
                    return
            process.stop()
            return


class _Pieces:
    """The pieces of a streamed reply, read from its worker as fast as it writes them.

    A task reads them into a queue: a client that reads slowly holds pieces here, not the
    worker, whose time limit bounds its work alone, as for an answer sent whole. The
    worker goes back to the pool after the last piece, or after its own error (it is
    ready for the next call); it is killed and replaced past the time limit, or when the
    pieces are closed before the last.
    """

    def __init__(self, pool: Pool, process: WorkerProcess, deadline: float) -> None:
        self._queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        self._reader = asyncio.get_running_loop().create_task(self._read(pool, process, deadline))

    async def _read(self, pool: Pool, process: WorkerProcess, deadline: float) -> None:
        put = self._queue.put_nowait
        try:
            while True:
                piece, last = await process.piece_async(deadline - time.monotonic())
                if piece:
                    put(piece)
                if last:
                    pool._release(process)
                    put(None)
                    return
        except (QueryTimeout, WorkerLost) as exc:
            put(pool._lost(process, exc))
        except PortefeuilleError as exc:
            pool._release(process)
            put(exc)
        except BaseException:  # cancelled (`close`)
            process.kill()
            pool._discard(process)
            raise

    def __aiter__(self) -> _Pieces:
        return self

    async def __anext__(self) -> bytes:
        item = await self._queue.get()
        if isinstance(item, bytes):
            return item
        self._queue.put_nowait(None)  # the end, for any later call
        if item is None:
            raise StopAsyncIteration
        raise item

    def close(self) -> None:
        """Stop reading; the worker is killed unless it wrote its last piece already."""
        self._reader.cancel()


def _stop_all(processes: Sequence[WorkerProcess]) -> None:
    """Stop idle workers together: each gets its exit request before any is waited for."""
    for process in processes:
        process.request_exit()
    for process in processes:
        process.stop(requested=True)
