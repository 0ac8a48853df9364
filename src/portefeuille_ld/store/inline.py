"""`InlineAnswers`: the queries whose work is bounded before they run, answered in the server.

A call to a worker process costs more CPU than a small query itself (two processes woken,
a message each way): for a ``DESCRIBE <iri>`` it is most of the request. Workers exist so
that a query that may run long can be stopped (`portefeuille_ld.store.pool`); a query
whose work is known to be small before it starts need not go there. One is answered here
only when all of these hold, else it goes to a worker, as before:

- its text is ``DESCRIBE`` and absolute IRIs, nothing else (no prologue, ``FROM`` or
  ``WHERE``: `describe_shape`), and the request names no dataset;
- the description reads at most ``budget`` quads, counted in every graph, blank nodes
  followed, each node looked up counting as one more (`EmbeddedStore.describes_within`:
  a walk that stops at ``budget + 1``);
- its answer fits in ``max_bytes``, and nothing fails but the query itself.

The answer is a worker's: the same `EmbeddedStore.query`, on a store opened as the
workers open theirs (`portefeuille_ld.store.worker.open_store`, then parsed into memory
when they are), so the same bytes and the same errors (a malformed IRI, an ``Accept``
that fits no graph format). The guard (`portefeuille_ld.sparql_guard`) runs there too.

The store is opened in a background thread at the lowest priority; until it is ready,
queries go to the workers. While they warm up (an on-disk store, then a copy in memory),
a worker still on disk may list a description's triples in another order. Each parse of
files names their blank nodes anew: workers that parse them already name them each its own
way, and this store is one more such (an on-disk store, opened by all, names them once).

The costs: with workers in memory, the server holds one more copy of the data (100 MiB at
280,000 quads), and letting it go (a new release) holds the interpreter's lock for as
long as freeing it takes, every request waiting: about 0.2 s at 280,000 quads.

>>> describe_shape("describe <http://ex.org/a><http://ex.org/b> ")
('http://ex.org/a', 'http://ex.org/b')
>>> describe_shape("DESCRIBE <http://ex.org/a> WHERE {}") is None
True
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Collection
from dataclasses import replace

from portefeuille_ld.errors import PortefeuilleError, ResultTooLarge, StoreUnavailable
from portefeuille_ld.formats import Format
from portefeuille_ld.store.base import QueryResult, StoreStatistics
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.store.worker import WorkerSpec, load_into_memory, lower_priority, open_store

__all__ = ["BUDGET_QUADS", "MAX_BYTES", "InlineAnswers", "describe_shape"]

log = logging.getLogger(__name__)

BUDGET_QUADS = 256
"""The most quads (and lookups) a description answered in the server may read: about 1 ms
of the event loop at most (it waits on it, as on the rest of a request's own work)."""
MAX_BYTES = 64 * 1024
"""The largest answer given in the server; a larger one is a worker's to give."""

_IRI = r"<([^<>\"{}|^`\\\x00-\x20]*)>"
_DESCRIBE = re.compile(rf"[ \t\r\n]*DESCRIBE((?:[ \t\r\n]*{_IRI})+)[ \t\r\n]*", re.IGNORECASE)
_IRIS = re.compile(_IRI)


def describe_shape(sparql: str) -> tuple[str, ...] | None:
    """The IRIs of a query that is only ``DESCRIBE`` and IRIs (as written), else None.

    >>> describe_shape("PREFIX ex: <http://ex.org/> DESCRIBE ex:a") is None
    True
    """
    match = _DESCRIBE.fullmatch(sparql)
    if match is None:
        return None
    return tuple(_IRIS.findall(match.group(1)))


class InlineAnswers:
    """Small ``DESCRIBE`` queries answered from a store of the server's own.

    :param spec: how the workers open the data; this store is opened the same way.
    :param statistics: the data's, as the workers reported them (not counted again).
    """

    def __init__(
        self,
        spec: WorkerSpec,
        statistics: StoreStatistics,
        *,
        budget: int = BUDGET_QUADS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        limit = min(max_bytes, spec.max_result_bytes or max_bytes)
        self._spec, self._statistics = replace(spec, max_result_bytes=limit), statistics
        self._budget = budget
        self._store: EmbeddedStore | None = None
        self._closed = threading.Event()
        self._opener = threading.Thread(target=self._open, name="inline-store", daemon=True)
        self._opener.start()

    def answer(
        self,
        sparql: str,
        accept: Format | str,
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult | None:
        """The answer, when the query is small enough to give it here; else None.

        :raises QueryError: as a worker would (the query's own error).
        :raises NotAcceptable: as a worker would (``accept`` fits no graph format).
        """
        store = self._store
        if store is None or default_graph_uris or named_graph_uris:
            return None
        iris = describe_shape(sparql)
        try:
            if iris is None or not store.describes_within(iris, self._budget):
                return None
            return store.query(sparql, accept=accept)
        except (ValueError, ResultTooLarge, StoreUnavailable):
            return None  # not an IRI pyoxigraph takes, too large, or the store failed
        except (PortefeuilleError, SystemExit, KeyboardInterrupt):
            raise
        except BaseException:  # a bug, or a Rust panic: the worker reports it its own way
            log.exception("answering %r in the server failed: sent to a worker", sparql)
            return None

    def ready(self) -> bool:
        """Whether the store is open (queries may be answered here)."""
        return self._store is not None

    def close(self) -> None:
        """Let the store go; a store still opening is let go once open."""
        self._closed.set()
        self._store = None

    def _open(self) -> None:
        """Open the store the workers end up answering from: parsed into memory when they
        warm up (not the on-disk store meanwhile, whose answers list triples in another
        order), else opened as they open theirs."""
        lower_priority()
        spec, store = self._spec, None
        if spec.warm_up and not spec.parses_at_once():
            store = load_into_memory(spec, self._statistics)  # None: they stay on disk
        try:
            store = store or open_store(spec, self._statistics)
        except StoreUnavailable as exc:
            log.warning("every query goes to the workers: %s", exc)
            return
        if not self._closed.is_set():
            self._store = store
