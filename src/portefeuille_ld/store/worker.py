"""The query worker: a child process that answers `Store` calls over a pipe, and its protocol.

A worker is a fresh Python process (``python -c`` `BOOT`), importing only what it needs: not
the server's main module, which `multiprocessing`'s ``spawn`` and ``forkserver`` would run
again in every worker. It opens the data once (an on-disk store read-only, or files parsed
into memory), then serves calls one at a time on one socket, read and written as a
`multiprocessing.connection.Connection`:

- parent → worker, once: the `WorkerSpec`;
- worker → parent, once: ``("ready", StoreStatistics)`` or ``("failed", message)``;
- parent → worker: a `QueryCall` or a `DescribeCall` (small, pickled); ``None`` to exit;
- worker → parent: a header then the body, raw bytes (``send_bytes``: never pickled, no
  per-row Python), or both in one message when the body is small (`INLINE_MAX`: one
  write and one wake-up instead of two), or an error header (see `read_reply`);
- or, for a `QueryCall` with ``piece_bytes`` whose answer grows past them, the answer as it
  is serialized: a stream header, pieces, then the last piece or an error (`read_piece`).
  The parent reads the pieces as they come, whatever its client's pace (`pool._Pieces`).

The worker runs every query through the same `EmbeddedStore`, whose guard refuses updates,
``SERVICE`` and unknown ``FROM`` graphs before anything runs: no path reaches pyoxigraph
unguarded. Time is not its concern: the parent kills it when a call runs too long.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

import pyoxigraph

from portefeuille_ld.errors import (
    NotAcceptable,
    PortefeuilleError,
    QueryError,
    ResourceNotFound,
    ResultTooLarge,
    StoreError,
    StoreUnavailable,
)
from portefeuille_ld.formats import Format, FormatKind, ResultKind, from_name
from portefeuille_ld.pipeline.manifest import MANIFEST_FILE
from portefeuille_ld.store.base import QueryResult, StoreStatistics
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.store.ondisk import load_files, open_read_only, stated_statistics

__all__ = [
    "BOOT",
    "INLINE_MAX",
    "LOADER_NICENESS",
    "Call",
    "DescribeCall",
    "QueryCall",
    "Reply",
    "WorkerSpec",
    "load_into_memory",
    "lower_priority",
    "main",
    "open_store",
    "read_piece",
    "read_ready",
    "read_reply",
]

log = logging.getLogger(__name__)

LOADER_NICENESS = 19
"""The niceness of the background load into memory: it runs only on CPU left idle."""

BOOT = "from portefeuille_ld.store.worker import main; main()"
"""The ``python -c`` program of a worker: only the worker's imports, never the server's."""


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker opens: an on-disk store, else files it parses into memory."""

    disk: Path | None
    files: tuple[Path, ...] = ()
    max_result_bytes: int | None = None
    warm_up: bool = False
    """With ``disk``: answer from it at once, and meanwhile parse ``files`` into memory,
    then answer from memory (several times faster on heavy queries)."""
    parse_at_once_bytes: int = 16 * 2**20
    """With ``warm_up``: files this small together are parsed before the worker is ready
    (tens of milliseconds), so it never answers from disk nor switches stores."""

    def parses_at_once(self) -> bool:
        """Whether the worker parses `files` into memory before it reports ready."""
        if self.disk is None:
            return True
        if not (self.warm_up and self.files):
            return False
        try:
            return sum(path.stat().st_size for path in self.files) <= self.parse_at_once_bytes
        except OSError:
            return False  # the disk store answers; the background load reports the error


class QueryCall(NamedTuple):
    """`Store.query`; ``accept`` is an ``Accept`` header unless ``format_name`` is given.

    Calls are named tuples: they pickle in half the time of a dataclass.
    """

    sparql: str
    accept: str = "*/*"
    format_name: str | None = None
    format_kind: FormatKind | None = None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    piece_bytes: int = 0
    """Above 0, an answer growing past it is streamed, in pieces of about this size."""

    @classmethod
    def of(
        cls,
        sparql: str,
        accept: Format | str,
        default: tuple[str, ...],
        named: tuple[str, ...],
        piece_bytes: int = 0,
    ) -> QueryCall:
        """The call for `Store.query`'s arguments (a `Format` travels by name)."""
        if isinstance(accept, Format):
            return cls(sparql, "*/*", accept.name, accept.kind, default, named, piece_bytes)
        return cls(sparql, accept, None, None, default, named, piece_bytes)


class DescribeCall(NamedTuple):
    """`Store.describe`."""

    iri: str
    format_name: str


Call = QueryCall | DescribeCall

_OK, _INLINE, _ERROR = b"o", b"i", b"e"
_STREAM, _PIECE, _LAST = b"s", b"p", b"l"
INLINE_MAX = 64 * 1024
"""Bodies up to this size travel in the header's message."""
_KINDS: dict[bytes, ResultKind] = {b"r": "results", b"g": "rdf"}
_KIND_CODES = {kind: code for code, kind in _KINDS.items()}
_ERRORS: dict[str, type[PortefeuilleError]] = {
    cls.__name__: cls
    for cls in (QueryError, NotAcceptable, ResultTooLarge, StoreUnavailable, StoreError)
}


@dataclass(frozen=True)
class Reply:
    """A worker's answer to one call: a result, or the error it raised."""

    result: QueryResult | None
    error: PortefeuilleError | None = None
    streamed: bool = False
    """The result's body is empty, its pieces follow (`read_piece`)."""

    def unwrap(self) -> QueryResult:
        """The result, or raise the worker's error (in the caller's thread)."""
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def read_ready(conn: Connection) -> StoreStatistics:
    """Receive a worker's first message: the statistics of the data it opened.

    :raises StoreUnavailable: the worker could not open the data (and has exited).
    """
    message = conn.recv()
    if message[0] != "ready":
        raise StoreUnavailable(message[1])
    statistics: StoreStatistics = message[1]
    return statistics


def read_reply(conn: Connection) -> Reply:
    """Receive one reply (raises `EOFError` or `OSError` if the worker is gone).

    A reply is a header, ``o`` + kind + media type or ``e`` + JSON error, then for ``o``
    the body: raw bytes both, never pickled. A small answer is one message: ``i`` + kind
    + the media type's length (one byte) + media type + body. A streamed one starts with
    ``s`` + kind + media type; ``p`` + piece messages follow, then ``l`` + the last piece
    or ``e`` + JSON error (`read_piece`).
    """
    header = conn.recv_bytes()
    if header[:1] == _INLINE:
        end = 3 + header[2]
        result = QueryResult(header[end:], header[3:end].decode(), _KINDS[header[1:2]])
        return Reply(result)
    if header[:1] == _OK:
        kind: ResultKind = _KINDS[header[1:2]]
        return Reply(QueryResult(conn.recv_bytes(), header[2:].decode(), kind))
    if header[:1] == _STREAM:
        return Reply(QueryResult(b"", header[2:].decode(), _KINDS[header[1:2]]), streamed=True)
    return Reply(None, _error(header))


def read_piece(conn: Connection) -> tuple[bytes, bool]:
    """Receive the next piece of a streamed answer, and whether it is the last.

    :raises PortefeuilleError: the worker's error, which ended the answer there (the
        worker is ready for another call).
    """
    message = conn.recv_bytes()
    if message[:1] in (_PIECE, _LAST):
        return message[1:], message[:1] == _LAST
    raise _error(message)


def _error(header: bytes) -> PortefeuilleError:
    name, message, iri = json.loads(header[1:])
    if name == "ResourceNotFound":
        return ResourceNotFound(iri)
    return _ERRORS.get(name, StoreError)(message)


def _send_error(conn: Connection, name: str, message: str, iri: str | None = None) -> None:
    conn.send_bytes(_ERROR + json.dumps([name, message, iri]).encode())


def main() -> None:
    """The worker process (``python -c`` `BOOT` ``FD``): answer calls until told to stop.

    ``FD`` is its end of a socket pair; the first message on it is the `WorkerSpec`.
    """
    fd = int(sys.argv[1])
    _exit_with_parent(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server to handle
    conn = Connection(fd)
    try:
        spec: WorkerSpec = conn.recv()
        try:
            store = open_store(spec)
        except PortefeuilleError as exc:
            conn.send(("failed", str(exc)))
            return
        warmed: queue.SimpleQueue[EmbeddedStore] = queue.SimpleQueue()
        if spec.warm_up and not spec.parses_at_once():
            args = (spec, store.statistics(), warmed)
            threading.Thread(target=_warm_up, args=args, daemon=True).start()
        conn.send(("ready", store.statistics()))
        while (call := conn.recv()) is not None:
            if not warmed.empty():
                store = warmed.get()  # between calls: the disk store closes when dropped
            _answer(conn, store, call)
    except (EOFError, OSError):
        return  # the parent is gone or closed the pipe


def open_store(spec: WorkerSpec, statistics: StoreStatistics | None = None) -> EmbeddedStore:
    """The store a worker answers from at first (``statistics``: of the data, when known).

    An on-disk store is opened even when its files are parsed at once (a few milliseconds):
    a release whose store is broken is not served.

    :raises StoreUnavailable: the data cannot be opened.
    """
    store = open_read_only(spec.disk) if spec.disk is not None else None
    if store is None or spec.parses_at_once():
        store = pyoxigraph.Store()
        load_files(store, spec.files)
        return EmbeddedStore(store, max_result_bytes=spec.max_result_bytes, statistics=statistics)
    assert spec.disk is not None
    if statistics is None:
        statistics = stated_statistics(store, spec.disk.parent / MANIFEST_FILE)  # no scan
    return EmbeddedStore(store, max_result_bytes=spec.max_result_bytes, statistics=statistics)


def load_into_memory(spec: WorkerSpec, statistics: StoreStatistics) -> EmbeddedStore | None:
    """The warmed-up store: ``spec.files`` parsed into memory (None, logged, if they cannot be).

    Call it from a thread of its own: pyoxigraph releases the GIL while it parses.
    """
    store = pyoxigraph.Store()
    try:
        load_files(store, spec.files)
    except PortefeuilleError as exc:
        log.warning("staying on the on-disk store: %s", exc)
        return None
    return EmbeddedStore(store, max_result_bytes=spec.max_result_bytes, statistics=statistics)


def _warm_up(
    spec: WorkerSpec, statistics: StoreStatistics, warmed: queue.SimpleQueue[EmbeddedStore]
) -> None:
    """Parse the files into memory, then hand over.

    It runs at the lowest priority: the worker answers from the disk store meanwhile, and
    its queries (and the server's) must not wait behind a load that can take a minute.
    """
    lower_priority()
    store = load_into_memory(spec, statistics)
    if store is not None:
        warmed.put(store)


class _Stream:
    """An answer sent as it is serialized: the stream header, then each piece."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.started = False

    def __call__(self, piece: QueryResult) -> None:
        if not self.started:
            kind, media_type = _KIND_CODES[piece.kind], piece.media_type.encode()
            self.conn.send_bytes(_STREAM + kind + media_type)
            self.started = True
        self.conn.send_bytes(_PIECE + piece.body)


def _answer(conn: Connection, store: EmbeddedStore, call: Call) -> None:
    stream = _Stream(conn)
    try:
        result = _run(store, call, stream)
    except PortefeuilleError as exc:
        _send_error(conn, type(exc).__name__, str(exc), getattr(exc, "iri", None))
        return
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # a bug, or a Rust panic (a BaseException): report it
        log.exception("the query worker failed on %r", call)
        _send_error(conn, "StoreError", f"the query worker failed: {exc}")
        return
    if stream.started:
        conn.send_bytes(_LAST + result.body)
        return
    kind, media_type = _KIND_CODES[result.kind], result.media_type.encode()
    if len(result.body) <= INLINE_MAX and len(media_type) < 256:
        conn.send_bytes(
            b"".join((_INLINE, kind, bytes((len(media_type),)), media_type, result.body))
        )
        return
    conn.send_bytes(_OK + kind + media_type)
    conn.send_bytes(result.body)


def _run(store: EmbeddedStore, call: Call, stream: _Stream) -> QueryResult:
    if isinstance(call, DescribeCall):
        fmt = _format(call.format_name, "rdf")
        return QueryResult(store.describe(call.iri, fmt), fmt.media_type, "rdf")
    accept: Format | str = call.accept
    if call.format_name is not None:
        accept = _format(call.format_name, call.format_kind)
    return store.query(
        call.sparql,
        accept=accept,
        default_graph_uris=call.default_graph_uris,
        named_graph_uris=call.named_graph_uris,
        spill=stream,
        piece_bytes=call.piece_bytes,
    )


def _format(name: str, kind: FormatKind | None) -> Format:
    fmt = from_name(name, kind=kind)
    if fmt is None:
        raise QueryError(f"unknown format {name!r}")
    return fmt


def lower_priority() -> None:
    """Give the calling thread, and the threads it starts, the lowest CPU priority (nice 19).

    On Linux the niceness belongs to a thread and is inherited by the threads it creates
    (any pyoxigraph starts to parse), so the worker's query thread keeps its own.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOADER_NICENESS)
    except OSError as exc:  # not allowed, or not Linux: load at normal priority
        log.debug("cannot lower the loader's priority: %s", exc)


def _exit_with_parent(fd: int) -> None:
    """Exit as soon as the parent's end of the socket closes, even in the middle of a query.

    The kernel closes it when the server dies, however it dies (even ``SIGKILL``), so no
    worker outlives the server. pyoxigraph releases the GIL while it computes, so this
    thread gets to run.
    """

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, select.POLLRDHUP)
        while True:
            for _, event in poller.poll():
                if event & (select.POLLRDHUP | select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
