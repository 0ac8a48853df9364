"""Run a picklable callable in a fresh Python interpreter, as a `concurrent.futures.Executor`.

Why not `ProcessPoolExecutor`: a fork would share the build's gigabytes of rdflib graphs,
then copy them as the child touches their reference counts; and a ``spawn`` child imports
the parent's ``__main__`` again, so a steward's script that calls `build` without an
``if __name__ == "__main__"`` guard would run a second build in it. Here each job gets
its own ``python -m portefeuille_ld.pipeline.fresh_process``, which imports nothing but
what unpickling the job needs, and hands back the job's result or exception.

>>> with FreshProcess() as worker:
...     print(worker.submit(sum, [1, 2, 3]).result())
6
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["FreshProcess", "WorkerDied"]

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(RuntimeError):
    """The interpreter running a job ended without handing back a result."""


class FreshProcess(Executor):
    """Each job submitted runs in an interpreter of its own, at once or, with `max_workers`,
    when fewer than that many run; `shutdown` waits. Leaving a ``with`` block on an
    exception stops every job instead (`terminate`): a failed build does not wait for work
    it will throw away."""

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is not None and max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self._threads: list[threading.Thread] = []
        self._slots = threading.BoundedSemaphore(max_workers) if max_workers else None
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        job = pickle.dumps(partial(fn, *args, **kwargs) if args or kwargs else fn)
        future: Future[T] = Future()
        future.set_running_or_notify_cancel()
        thread = threading.Thread(target=self._run, args=(job, future), daemon=True)
        thread.start()
        self._threads.append(thread)
        return future

    def after(self, first: Future[T], job: Callable[[T], Callable[[], R]]) -> Future[R]:
        """Submit ``job(first's result)`` as soon as `first` has succeeded (from the thread
        that settled it): a job that needs another's result starts without waiting for
        the caller. The future returned fails as `first` did, or as `job` did."""
        future: Future[R] = Future()
        future.set_running_or_notify_cancel()

        def submit_next(done: Future[T]) -> None:
            try:
                started = self.submit(job(done.result()))
            except BaseException as exc:  # first's exception, or making the job's
                future.set_exception(exc)
                return
            started.add_done_callback(partial(_settle, future))

        first.add_done_callback(submit_next)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for the jobs; with `cancel_futures`, `terminate` them first: unlike
        `ProcessPoolExecutor`'s, the jobs already running are stopped too."""
        if cancel_futures:
            self.terminate()
        if wait:
            for thread in self._threads:
                thread.join()

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is not None:
            self.terminate()
        self.shutdown(wait=True)

    def terminate(self) -> None:
        """Kill the jobs running; those waiting for their turn never start (`WorkerDied`)."""
        with self._lock:
            self._stopped = True
            for process in self._running:
                process.kill()

    def _run(self, job: bytes, future: Future[Any]) -> None:
        """Run the pickled `job` in a child interpreter; settle `future` with its outcome."""
        try:
            if self._slots is not None:
                with self._slots:
                    succeeded, value = self._outcome(job)
            else:
                succeeded, value = self._outcome(job)
        except Exception as exc:  # whatever happens here, the future is settled
            future.set_exception(exc)
            return
        if succeeded:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _outcome(self, job: bytes) -> tuple[bool, Any]:
        with tempfile.TemporaryDirectory(prefix="portefeuille-job-") as tmp:
            # The job goes through a file, written at once: through a pipe, a chunk at a
            # time, each write waited for the GIL (8 s for the 100k build's lines' dumps).
            given, outcome = Path(tmp) / "job.pickle", Path(tmp) / "outcome.pickle"
            given.write_bytes(job)
            module = "portefeuille_ld.pipeline.fresh_process"
            command = [sys.executable, "-m", module, str(given), str(outcome)]
            with self._lock:
                if self._stopped:
                    raise WorkerDied("the job was not started: its executor was terminated")
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
                self._running.add(process)
            try:
                _, stderr = process.communicate()
            finally:
                with self._lock:
                    self._running.discard(process)
            if process.returncode != 0 or not outcome.exists():
                said = stderr.decode(errors="replace").strip().splitlines()[-3:]
                message = f"the worker process exited with status {process.returncode}"
                raise WorkerDied(": ".join([message, *said]))
            result: tuple[bool, Any] = pickle.loads(outcome.read_bytes())
            return result


def _settle(future: Future[T], done: Future[T]) -> None:
    """Settle `future` as `done` was."""
    error = done.exception()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())


def _main(given: Path, outcome: Path) -> None:
    """In the child: read the job from `given`, run it, pickle (succeeded, value) to `outcome`."""
    job = pickle.loads(given.read_bytes())
    try:
        result: tuple[bool, object] = (True, job())
    except Exception as exc:  # handed back to the parent, which raises it
        result = (False, exc)
    try:
        data = pickle.dumps(result)
        pickle.loads(data)  # an exception may pickle, yet not unpickle
    except Exception:
        succeeded, value = result
        text = f"{type(value).__name__}: {value}"
        if succeeded:
            text = f"the job's result does not pickle: {text}"
        data = pickle.dumps((False, RuntimeError(text)))
    outcome.write_bytes(data)


if __name__ == "__main__":
    _main(Path(sys.argv[1]), Path(sys.argv[2]))
