"""`EmbeddedStore`: the `Store` on an in-memory pyoxigraph store, loaded once at start-up.

Queries are checked by `portefeuille_ld.sparql_guard` before they run, and answers are
serialized by pyoxigraph straight into bytes.

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

import logging
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import NamedTuple, TypeAlias

import pyoxigraph
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, QueryResultsFormat, RdfFormat, Triple

from portefeuille_ld.errors import QueryError, ResourceNotFound, StoreUnavailable
from portefeuille_ld.formats import (
    N_QUADS,
    Format,
    ResultKind,
    formats_of_kind,
    from_extension,
)
from portefeuille_ld.sparql_guard import QueryInspection, inspect_query
from portefeuille_ld.store.base import GraphStatistics, QueryResult, StoreStatistics
from portefeuille_ld.web.conneg import negotiate

__all__ = ["EmbeddedStore"]

log = logging.getLogger(__name__)

Answer: TypeAlias = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples

_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


class EmbeddedStore:
    """A read-only `Store` answering from an in-memory pyoxigraph store it owns."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self._store: pyoxigraph.Store | None = store
        self._statistics = _statistics(store)
        self._graph_iris = self._statistics.graph_iris

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
    ) -> QueryResult:
        """See `Store.query`."""
        store = self._open()
        inspection = inspect_query(sparql, known_graphs=self._graph_iris)
        fmt = _answer_format(accept, inspection.kind)
        dataset = self._dataset(inspection, default_graph_uris, named_graph_uris)
        try:
            answer = store.query(
                sparql,
                use_default_graph_as_union=dataset.union,
                default_graph=dataset.default_graph,
                named_graphs=dataset.named_graphs,
            )
            body = _serialize(answer, fmt)
        except SyntaxError as exc:
            raise QueryError(f"syntax error: {exc}") from exc
        except (RuntimeError, ValueError) as exc:
            raise QueryError(f"the query failed: {exc}") from exc
        except OSError as exc:
            raise StoreUnavailable(f"the store failed to answer: {exc}") from exc
        return QueryResult(body, fmt.media_type, inspection.kind)

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
        return pyoxigraph.serialize(triples, format=rdf_format) or b""

    def statistics(self) -> StoreStatistics:
        """See `Store.statistics`; computed once, at load time."""
        return self._statistics

    def close(self) -> None:
        """Drop the in-memory store."""
        self._store = None

    def _open(self) -> pyoxigraph.Store:
        if self._store is None:
            raise StoreUnavailable("the store is closed")
        return self._store

    def _dataset(
        self,
        inspection: QueryInspection,
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


class _Dataset(NamedTuple):
    union: bool
    default_graph: list[NamedNode | BlankNode | DefaultGraph] | None = None
    named_graphs: list[NamedNode | BlankNode] | None = None


def _rdf_format(fmt: Format) -> RdfFormat:
    if not isinstance(fmt.oxigraph, RdfFormat):
        raise QueryError(f"{fmt.label} is not an RDF format")
    return fmt.oxigraph


def _answer_format(accept: Format | str, kind: ResultKind) -> Format:
    """The format to answer in: ``accept`` itself, or the best of the kind's formats."""
    offers = formats_of_kind(kind)
    chosen = accept if isinstance(accept, Format) else negotiate(accept, offers)
    if chosen is None or chosen not in offers:
        names = ", ".join(f.media_type for f in offers)
        what = "a graph (CONSTRUCT, DESCRIBE)" if kind == "rdf" else "results (SELECT, ASK)"
        raise QueryError(f"this query answers {what}, which can be sent as: {names}")
    return chosen


def _serialize(answer: Answer, fmt: Format) -> bytes:
    if isinstance(answer, pyoxigraph.QueryTriples):
        return answer.serialize(format=_rdf_format(fmt)) or b""
    if not isinstance(fmt.oxigraph, QueryResultsFormat):
        raise QueryError(f"{fmt.label} cannot carry query results")
    return answer.serialize(format=fmt.oxigraph) or b""


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
