"""The `Store` interface: what the web app needs from a SPARQL store, nothing more.

It is shaped like the SPARQL protocol itself (a query and an ``Accept`` in, bytes in a
media type out), so a remote SPARQL endpoint can implement it as well as the embedded
pyoxigraph store. Every method is synchronous, and `Store.query` has a coroutine twin,
`Store.query_async`, for the routes that run on the event loop: the worker-process store
awaits its worker there, the others run `query` in a thread.

Usage, with any implementation:

>>> from portefeuille_ld.store.embedded import EmbeddedStore
>>> store: Store = EmbeddedStore.from_data(
...     '<http://ex.org/a> <http://ex.org/p> "é" <http://ex.org/g> .\\n'
... )
>>> result = store.query("SELECT ?o WHERE { ?s ?p ?o }", accept="text/csv")
>>> result.media_type, result.body
('text/csv', b'o\\r\\n\\xc3\\xa9\\r\\n')
>>> store.close()
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread

from portefeuille_ld.errors import NotAcceptable
from portefeuille_ld.formats import Format, ResultKind, formats_of_kind
from portefeuille_ld.web.conneg import negotiate

__all__ = [
    "GraphStatistics",
    "Pieces",
    "QueryInThread",
    "QueryResult",
    "Store",
    "StoreStatistics",
    "answer_format",
]


@dataclass(frozen=True)
class QueryResult:
    """A query's answer, serialized: ready to be sent as an HTTP response body.

    >>> QueryResult(b"{}", "application/sparql-results+json", "results").content_type
    'application/sparql-results+json; charset=utf-8'
    """

    body: bytes
    media_type: str
    """The media type of ``body``, without parameters."""
    kind: ResultKind
    rest: Pieces | None = None
    """The rest of an answer sent as it is serialized (`IsolatedStore.query_async` with
    ``piece_bytes``): ``body`` is its beginning. Its owner iterates it, or closes it."""

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value; every body is UTF-8 text."""
        return f"{self.media_type}; charset=utf-8"


class Pieces(Protocol):
    """The rest of a streamed answer: its pieces in order, each as soon as it is written.

    An error raised by an iteration (`portefeuille_ld.errors.PortefeuilleError`) ends the
    answer: what came before it is not the whole of it.
    """

    def __aiter__(self) -> AsyncIterator[bytes]:
        """The pieces."""
        ...

    def close(self) -> None:
        """Give up the pieces not yet read (their producer is stopped); idempotent."""
        ...


@dataclass(frozen=True)
class GraphStatistics:
    """One named graph and the number of triples in it."""

    iri: str
    triples: int


@dataclass(frozen=True)
class StoreStatistics:
    """What a store holds: its named graphs, and the triples of all graphs together."""

    triples: int
    """Counted graph by graph: a triple in two graphs counts twice."""
    graphs: tuple[GraphStatistics, ...]

    @property
    def graph_iris(self) -> frozenset[str]:
        """The IRIs of the named graphs.

        >>> StoreStatistics(3, (GraphStatistics("http://ex.org/g", 3),)).graph_iris
        frozenset({'http://ex.org/g'})
        """
        return frozenset(g.iri for g in self.graphs)


class Store(Protocol):
    """A read-only SPARQL store.

    Unless a query names its dataset (``FROM``, ``FROM NAMED``) or the caller passes
    ``default_graph_uris`` / ``named_graph_uris``, the default graph is the union of all
    graphs. Updates and ``SERVICE`` are refused.
    """

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        """Answer a SELECT, ASK, CONSTRUCT or DESCRIBE query.

        :param accept: a `Format` to answer in, or an ``Accept`` header to negotiate from
            the formats of the query's kind (the first of them when the header is ``*/*``).
        :param default_graph_uris: graphs whose merge is the default graph (protocol's
            ``default-graph-uri``); with ``named_graph_uris``, they replace the query's dataset.
        :param named_graph_uris: the named graphs the query may see (``named-graph-uri``).
        :raises QueryError: the query is malformed or refused, names unknown graphs, or
            nothing in ``accept`` fits what it answers.
        :raises StoreUnavailable: the store cannot answer now.
        """
        ...

    async def query_async(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        """`query`, awaited: the event loop serves other requests meanwhile."""
        ...

    def describe(self, iri: str, fmt: Format) -> bytes:
        """The triples about ``iri`` (as subject or as object), serialized in ``fmt``.

        :raises ResourceNotFound: no triple mentions ``iri``.
        :raises QueryError: ``fmt`` is not an RDF format, or ``iri`` is not an IRI.
        """
        ...

    def statistics(self) -> StoreStatistics:
        """The graphs and triple counts of the store."""
        ...

    def close(self) -> None:
        """Release the store; it must not be used afterwards."""
        ...


class _Queries(Protocol):
    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult: ...


class QueryInThread:
    """`Store.query_async` for a store whose `query` blocks: it runs in a worker thread
    (anyio's, as FastAPI's ``def`` handlers do), so the event loop keeps serving.

    >>> import asyncio
    >>> from portefeuille_ld.store.embedded import EmbeddedStore
    >>> store = EmbeddedStore.from_data('<http://ex.org/a> <http://ex.org/p> "x" .\\n')
    >>> asyncio.run(store.query_async("SELECT ?o { ?s ?p ?o }", accept="text/csv")).body
    b'o\\r\\nx\\r\\n'
    >>> store.close()
    """

    async def query_async(
        self: _Queries,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        """See `Store.query_async`."""
        call = functools.partial(
            self.query,
            sparql,
            accept=accept,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
        )
        return await anyio.to_thread.run_sync(call)


def answer_format(accept: Format | str, kind: ResultKind) -> Format:
    """The format a store answers in: ``accept`` itself, or the best of the kind's formats.

    >>> answer_format("text/csv", "results").name
    'csv'

    :raises NotAcceptable: nothing in ``accept`` fits what the query answers.
    """
    offers = formats_of_kind(kind)
    chosen = accept if isinstance(accept, Format) else negotiate(accept, offers)
    if chosen is None or chosen not in offers:
        names = ", ".join(f"{f.name} ({f.media_type})" for f in offers)
        what = "a graph (CONSTRUCT, DESCRIBE)" if kind == "rdf" else "results (SELECT, ASK)"
        raise NotAcceptable(
            f"none of the requested formats is available: this query answers {what};"
            f" choose: {names}"
        )
    return chosen
