"""`WorkerProcess`: one query worker process and the parent's end of its pipe.

A plain ``subprocess`` running only the worker's code (see `portefeuille_ld.store.worker`),
connected by a socket pair; it exits by itself when the server's end closes, so none
outlives the server. A call waits for the reply in the caller's thread (`call`) or on the
event loop (`call_async`); past its time limit the worker is killed (``SIGKILL``).
`portefeuille_ld.store.pool.Pool` shares a set of them among callers.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import select
import socket
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

import portefeuille_ld
from portefeuille_ld.errors import QueryTimeout, StoreUnavailable
from portefeuille_ld.store import worker
from portefeuille_ld.store.base import StoreStatistics
from portefeuille_ld.store.worker import Call, Reply, WorkerSpec

__all__ = ["WorkerLost", "WorkerProcess"]

T = TypeVar("T")


def _worker_environment() -> dict[str, str]:
    """The server's environment, with this very package first on the import path."""
    package_root = str(Path(portefeuille_ld.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *([path] if path else [])])}


class WorkerLost(Exception):
    """The worker process died, or its pipe broke, during a call."""


class WorkerProcess:
    """One worker process and the parent's end of its pipe; used by one thread at a time."""

    def __init__(self, spec: WorkerSpec) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", worker.BOOT, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=_worker_environment(),
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._poller = select.poll()  # Connection.poll costs ten times more per call
        self._poller.register(self._conn.fileno(), select.POLLIN)
        self._conn.send(spec)

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self._process.pid

    def wait_ready(self, timeout_s: float) -> StoreStatistics:
        """The statistics of the data, once the worker has opened it.

        :raises StoreUnavailable: it failed to open the data, died, or took too long.
        """
        try:
            if self._readable(timeout_s):
                return worker.read_ready(self._conn)
            problem = f"took more than {timeout_s:g} s to open the data"
        except StoreUnavailable:
            self.kill()
            raise
        except (EOFError, OSError):
            problem = "stopped while opening the data"
        self.kill()
        raise StoreUnavailable(f"a query worker {problem} (exit code {self._process.returncode})")

    def call(self, request: Call, timeout_s: float) -> Reply:
        """Send ``request`` and wait for the reply; past ``timeout_s``, kill the worker.

        :raises QueryTimeout: the worker ran out of time and was killed.
        :raises WorkerLost: the worker died or its pipe broke.
        """
        try:
            self._conn.send_bytes(_message(request))
            if self._readable(timeout_s):
                return worker.read_reply(self._conn)
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerLost(f"exit code {self._process.returncode}") from exc
        self.kill()
        raise _timeout(timeout_s)

    async def call_async(self, request: Call, timeout_s: float) -> Reply:
        """`call`, waiting on the event loop for the worker to answer (no thread blocks).

        The worker serializes its whole answer before it writes the first byte, so once
        the pipe is readable the rest is a copy: it is read at once, on the loop. (A
        streamed answer's header comes first: its pieces are read with `piece_async`.)
        """
        try:
            self._conn.send_bytes(_message(request))
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerLost(f"exit code {self._process.returncode}") from exc
        return await self._read_async(worker.read_reply, timeout_s)

    async def piece_async(self, timeout_s: float) -> tuple[bytes, bool]:
        """The next piece of a streamed answer and whether it is the last, as `call_async`.

        Each piece is written whole once the worker has it, and read at once.

        :raises PortefeuilleError: the worker's error, which ended the answer.
        """
        return await self._read_async(worker.read_piece, timeout_s)

    async def _read_async(self, read: Callable[[Connection], T], timeout_s: float) -> T:
        """``read`` the pipe once the worker has written; past ``timeout_s``, kill it."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[bool] = loop.create_future()

        def wake(answered: bool) -> None:
            if not ready.done():
                ready.set_result(answered)

        fd = self._conn.fileno()
        try:
            loop.add_reader(fd, wake, True)
            timer = loop.call_later(timeout_s, wake, False)
            try:
                answered = await ready
            finally:
                timer.cancel()
                loop.remove_reader(fd)
                os.set_blocking(fd, True)  # uvloop made it non-blocking: `read` waits
            if answered:
                return read(self._conn)
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerLost(f"exit code {self._process.returncode}") from exc
        self.kill()
        raise _timeout(timeout_s)

    def _readable(self, timeout_s: float) -> bool:
        """Wait until the worker wrote something (or closed its end), at most ``timeout_s``."""
        return bool(self._poller.poll(max(0, int(timeout_s * 1000))))

    def kill(self) -> None:
        """Stop the worker at once (``SIGKILL``), wait for it to be gone, close the pipe.

        Only its user may call this (another thread could be reading the pipe):
        others call `interrupt`.
        """
        self.interrupt()
        self._process.wait(timeout=5)
        self._conn.close()

    def interrupt(self) -> None:
        """Send ``SIGKILL``: its user, reading the pipe, then sees it gone and cleans up."""
        if self._process.poll() is None:
            self._process.kill()

    def request_exit(self) -> None:
        """Ask an idle worker to exit (it does once it reads the request)."""
        try:
            self._conn.send(None)
        except OSError:
            pass  # already gone

    def stop(self, *, requested: bool = False) -> None:
        """Ask an idle worker to exit, unless ``requested`` already; kill it after a second."""
        if not requested:
            self.request_exit()
        try:
            self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


def _message(request: Call) -> bytes:
    """A call as the worker's ``Connection.recv`` reads it: pickled, without the cost of
    ``Connection.send`` (its ``ForkingPickler``, for objects no call holds, doubles it)."""
    return pickle.dumps(request, pickle.HIGHEST_PROTOCOL)


def _timeout(timeout_s: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query ran longer than the time limit ({timeout_s:g} s) and was stopped:"
        " make it more selective, add a LIMIT, or download a dump (/dumps)"
    )
