"""`EmbeddedStore`: the `Store` on an in-memory pyoxigraph store, loaded once at start-up.

Queries are checked by `portefeuille_ld.sparql_guard` before they run, and answers are
serialized by pyoxigraph straight into bytes; with ``max_result_bytes``, the serialization
stops as soon as the answer outgrows it (`ResultTooLarge`).

>>> store = EmbeddedStore.from_data(
...     '<http://ex.org/a> <http://ex.org/p> "Québec"@fr <http://ex.org/g1> .\\n'
...     '<http://ex.org/b> <http://ex.org/p> <http://ex.org/a> <http://ex.org/g2> .\\n'
... )
>>> store.statistics().triples
2
>>> store.query("ASK { ?s ?p 'Québec'@fr }", accept="application/sparql-results+json").body
b'{"head":{},"boolean":true}'
>>> from portefeuille_ld.formats import N_TRIPLES
>>> print(store.describe("http://ex.org/a", N_TRIPLES).decode(), end="")
<http://ex.org/a> <http://ex.org/p> "Québec"@fr .
<http://ex.org/b> <http://ex.org/p> <http://ex.org/a> .
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Collection, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, QueryResultsFormat, RdfFormat, Triple

from portefeuille_ld.errors import (
    QueryError,
    ResourceNotFound,
    ResultTooLarge,
    StoreError,
    StoreUnavailable,
)
from portefeuille_ld.formats import (
    N_QUADS,
    Format,
    ResultKind,
    from_extension,
)
from portefeuille_ld.sparql_guard import QueryDataset, guard_query
from portefeuille_ld.store.base import (
    GraphStatistics,
    QueryInThread,
    QueryResult,
    StoreStatistics,
    answer_format,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["EmbeddedStore", "Spill"]

log = logging.getLogger(__name__)

Answer: TypeAlias = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples
Spill: TypeAlias = Callable[[QueryResult], None]
"""Where a streamed answer goes, a piece at a time (`EmbeddedStore.query`'s ``spill``)."""

_NEGOTIATED_MAX = 256
"""Distinct (``Accept``, kind) choices an `EmbeddedStore` keeps."""

_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


class EmbeddedStore(QueryInThread):
    """A read-only `Store` answering from a pyoxigraph store it owns (in memory or on disk).

    :param max_result_bytes: the largest answer it serializes; None for no limit.
    :param statistics: what ``store`` holds, when known already (a release's manifest
        states it): not counted again, which takes a scan of every quad.
    """

    def __init__(
        self,
        store: pyoxigraph.Store,
        *,
        max_result_bytes: int | None = None,
        statistics: StoreStatistics | None = None,
    ) -> None:
        self._store: pyoxigraph.Store | None = store
        self._max_result_bytes = max_result_bytes
        self._statistics = statistics if statistics is not None else _statistics(store)
        self._graph_iris = self._statistics.graph_iris
        self._negotiated: dict[tuple[str, ResultKind], Format] = {}

    @classmethod
    def from_path(cls, path: Path) -> EmbeddedStore:
        """Load a dataset file (N-Quads, TriG…; the format comes from the extension).

        :raises StoreUnavailable: the file is missing or cannot be parsed.
        """
        fmt = from_extension(path.suffix, kind="rdf") or N_QUADS
        store = pyoxigraph.Store()
        try:
            store.load(path=path, format=_rdf_format(fmt))
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreUnavailable(
                f"cannot load the dataset {path}: {exc}; build it first (portefeuille-ld build)"
            ) from exc
        log.info("loaded %s: %d quads", path, len(store))
        return cls(store)

    @classmethod
    def from_data(cls, data: bytes | str, fmt: Format = N_QUADS) -> EmbeddedStore:
        """A store holding ``data``, serialized in ``fmt`` (tests and examples).

        :raises StoreUnavailable: ``data`` cannot be parsed.
        """
        store = pyoxigraph.Store()
        try:
            store.load(input=data, format=_rdf_format(fmt))
        except (SyntaxError, ValueError) as exc:
            raise StoreUnavailable(f"cannot load the dataset: {exc}") from exc
        return cls(store)

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
        spill: Spill | None = None,
        piece_bytes: int = 0,
    ) -> QueryResult:
        """See `Store.query`.

        The query is guarded from its tokens, then run; what it answers (its kind) comes
        from the answer itself, so a syntax error is reported before a format mismatch.

        :param spill: with ``piece_bytes``, where the answer goes as it is serialized, a
            piece of at least ``piece_bytes`` at a time; what is left when it ends is the
            returned body. An error after the first piece is raised all the same.
        """
        store = self._open()
        guarded = guard_query(sparql, known_graphs=self._graph_iris)
        dataset = self._dataset(guarded, default_graph_uris, named_graph_uris)
        spilled = spill if piece_bytes > 0 else None
        sink = partial(_Sink, self._max_result_bytes, piece_bytes=piece_bytes)
        try:
            return _evaluate(store, sparql, dataset, self._chooser(accept), sink, spilled)
        except StoreError as exc:
            # pyoxigraph's answers must be dropped on the thread that made them: drop the
            # tracebacks (their frames hold the answer) here, before the error leaves it.
            if exc.__cause__ is not None:
                exc.__cause__.__traceback__ = None
            raise exc.with_traceback(None)  # noqa: B904 (the cause is kept)

    def describe(self, iri: str, fmt: Format) -> bytes:
        """See `Store.describe`: outgoing and incoming triples, with blank nodes closed."""
        store = self._open()
        rdf_format = _rdf_format(fmt)
        try:
            node = NamedNode(iri)
        except ValueError as exc:
            raise QueryError(f"not an IRI: {iri!r}") from exc
        triples = _bounded_description(store, node)
        if not triples:
            raise ResourceNotFound(iri)
        sink = _Sink(self._max_result_bytes)
        pyoxigraph.serialize(triples, sink, format=rdf_format)
        return sink.getvalue()

    def describes_within(self, iris: Iterable[str], budget: int) -> bool:
        """Whether ``DESCRIBE`` of ``iris`` takes at most ``budget`` steps of an index scan.

        pyoxigraph's ``DESCRIBE`` scans the quads whose subject is a described node, then
        those of each blank node their objects reach, in the query's dataset: a part of
        what this walk scans, in every graph. A step is a quad read or a scan started (a
        node without quads costs one too); the walk stops at ``budget + 1``.

        >>> store = EmbeddedStore.from_data('<http://ex.org/a> <http://ex.org/p> _:b .\\n'
        ...     '_:b <http://ex.org/p> "x" <http://ex.org/g> .\\n')
        >>> a = ["http://ex.org/a"]
        >>> store.describes_within(a, 4), store.describes_within(a, 3)
        (True, False)

        :raises ValueError: an item of ``iris`` is not an absolute IRI.
        """
        store = self._open()
        pending: list[NamedNode | BlankNode] = [NamedNode(iri) for iri in iris]
        seen: set[NamedNode | BlankNode] = set(pending)
        steps = 0
        while pending:
            steps += 1
            for quad in store.quads_for_pattern(pending.pop(), None, None):
                steps += 1
                if steps > budget:
                    return False
                node = quad.object
                if isinstance(node, BlankNode) and node not in seen:
                    seen.add(node)
                    pending.append(node)
        return steps <= budget

    def statistics(self) -> StoreStatistics:
        """See `Store.statistics`; computed once, at load time."""
        return self._statistics

    def close(self) -> None:
        """Drop the in-memory store."""
        self._store = None

    def _chooser(self, accept: Format | str) -> Callable[[ResultKind], Format]:
        """The answer's format by kind, negotiated once per ``Accept`` value and kind.

        The store answers many queries with few distinct headers; the choices are kept,
        at most `_NEGOTIATED_MAX` of them (all dropped when full). A refusal is not kept.
        """
        if isinstance(accept, Format):
            return lambda kind: answer_format(accept, kind)

        def choose(kind: ResultKind) -> Format:
            key = (accept, kind)
            fmt = self._negotiated.get(key)
            if fmt is None:
                fmt = answer_format(accept, kind)
                if len(self._negotiated) >= _NEGOTIATED_MAX:
                    self._negotiated.clear()
                self._negotiated[key] = fmt
            return fmt

        return choose

    def _open(self) -> pyoxigraph.Store:
        if self._store is None:
            raise StoreUnavailable("the store is closed")
        return self._store

    def _dataset(
        self,
        inspection: QueryDataset,
        default_graph_uris: Collection[str],
        named_graph_uris: Collection[str],
    ) -> _Dataset:
        """pyoxigraph's dataset arguments: the protocol's, else the query's, else the union."""
        if not default_graph_uris and not named_graph_uris:
            return _Dataset(union=not inspection.declares_dataset)
        for iri in (*default_graph_uris, *named_graph_uris):
            if iri not in self._graph_iris:
                known = ", ".join(f"<{g}>" for g in sorted(self._graph_iris))
                raise QueryError(f"<{iri}> is not a graph of this dataset; the graphs are: {known}")
        return _Dataset(
            union=False,
            default_graph=[NamedNode(iri) for iri in default_graph_uris],
            named_graphs=[NamedNode(iri) for iri in named_graph_uris],
        )


def _evaluate(
    store: pyoxigraph.Store,
    sparql: str,
    dataset: _Dataset,
    choose: Callable[[ResultKind], Format],
    sink: Callable[..., _Sink],
    spill: Spill | None,
) -> QueryResult:
    """Run a guarded query and serialize its answer in the best accepted format, into a
    ``sink(spill=…)`` handing its pieces (if ``spill``) to ``spill`` as `QueryResult` s."""
    try:
        answer = store.query(
            sparql,
            use_default_graph_as_union=dataset.union,
            default_graph=dataset.default_graph,
            named_graphs=dataset.named_graphs,
        )
        kind: ResultKind = "rdf" if isinstance(answer, pyoxigraph.QueryTriples) else "results"
        fmt = choose(kind)
        pieces = None
        if spill is not None:
            pieces = partial(_piece, spill, fmt.media_type, kind)
        body = _serialize(answer, fmt, sink(spill=pieces))
    except SyntaxError as exc:
        raise QueryError(f"syntax error: {exc}") from exc
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"the query failed: {exc}") from exc
    except OSError as exc:
        raise StoreUnavailable(f"the store failed to answer: {exc}") from exc
    return QueryResult(body, fmt.media_type, kind)


class _Dataset(NamedTuple):
    union: bool
    default_graph: list[NamedNode | BlankNode | DefaultGraph] | None = None
    named_graphs: list[NamedNode | BlankNode] | None = None


def _rdf_format(fmt: Format) -> RdfFormat:
    if not isinstance(fmt.oxigraph, RdfFormat):
        raise QueryError(f"{fmt.label} is not an RDF format")
    return fmt.oxigraph


class _Sink(io.BytesIO):
    """A binary output for pyoxigraph's serializers that refuses to grow past a limit,
    and hands pieces of what it holds to ``spill`` once they reach ``piece_bytes``.

    pyoxigraph writes through a buffer, so `write` runs once per few kilobytes, not per row.
    """

    def __init__(
        self,
        limit: int | None,
        *,
        spill: Callable[[bytes], None] | None = None,
        piece_bytes: int = 0,
    ) -> None:
        super().__init__()
        self._limit = limit
        self._spill, self._piece_bytes = spill, piece_bytes
        self._spilled = 0

    def write(self, data: Buffer, /) -> int:
        """Keep ``data``, or raise `ResultTooLarge` when the answer outgrows the limit."""
        size = memoryview(data).nbytes
        if self._limit is not None and self._spilled + self.tell() + size > self._limit:
            raise ResultTooLarge(
                f"the answer is larger than {self._limit:,} bytes, the most this server sends:"
                " add a LIMIT, select fewer variables, or download a dump (/dumps)"
            )
        written = super().write(data)
        if self._spill is not None and self.tell() >= self._piece_bytes:
            piece = self.getvalue()
            self._spilled += len(piece)
            self.seek(0)
            self.truncate()
            self._spill(piece)
        return written


def _piece(spill: Spill, media_type: str, kind: ResultKind, piece: bytes) -> None:
    spill(QueryResult(piece, media_type, kind))


def _serialize(answer: Answer, fmt: Format, sink: _Sink) -> bytes:
    if isinstance(answer, pyoxigraph.QueryBoolean):
        if not isinstance(fmt.oxigraph, QueryResultsFormat):
            raise QueryError(f"{fmt.label} cannot carry query results")
        return answer.serialize(format=fmt.oxigraph) or b""
    if isinstance(answer, pyoxigraph.QueryTriples):
        answer.serialize(sink, format=_rdf_format(fmt))
    elif isinstance(fmt.oxigraph, QueryResultsFormat):
        answer.serialize(sink, format=fmt.oxigraph)
    else:
        raise QueryError(f"{fmt.label} cannot carry query results")
    return sink.getvalue()


def _bounded_description(store: pyoxigraph.Store, node: NamedNode) -> list[Triple]:
    """Triples with ``node`` as subject or object, plus those of the blank nodes it reaches."""
    seen: set[Triple] = set()
    pending: list[NamedNode | BlankNode] = [node]
    while pending:
        subject = pending.pop()
        for quad in store.quads_for_pattern(subject, None, None):
            if quad.triple not in seen and isinstance(quad.object, BlankNode):
                pending.append(quad.object)
            seen.add(quad.triple)
    seen.update(quad.triple for quad in store.quads_for_pattern(None, None, node))
    return sorted(seen, key=str)


def _statistics(store: pyoxigraph.Store) -> StoreStatistics:
    solutions = store.query(_GRAPH_SIZES)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    graphs: Iterable[GraphStatistics] = (
        GraphStatistics(row["g"].value, int(row["n"].value))
        for row in solutions  # a handful of rows: one per named graph
    )
    return StoreStatistics(triples=len(store), graphs=tuple(graphs))
