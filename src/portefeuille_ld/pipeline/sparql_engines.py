"""The SPARQL engines pyshacl's queries run in: rdflib, its parsed queries kept, or Oxigraph.

Each engine is an rdflib `Graph` whose `query` pyshacl calls for SHACL-SPARQL
constraints and targets; `Validator` picks one by its ``sparql`` option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.query import Processor, Result
from rdflib.store import Store
from rdflib.term import Identifier, Literal as RdfLiteral, Node, Variable

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline import graph_index
from portefeuille_ld.pipeline.dumps import SortedTriples, to_oxigraph
from portefeuille_ld.pipeline.screening import Index

__all__ = ["OxigraphQueryGraph", "PlainMemory", "QueryCachingGraph"]

_Triple = tuple[Node, Node, Node]
_Index = dict[Node, dict[Node, dict[Node, int]]]


class PlainMemory(SimpleMemory):
    """rdflib's store without contexts (one graph per store), that pyshacl accepts as data.

    rdflib's context-aware `Memory` keeps the graphs of each triple: a third of the CPU of
    adding and of reading triples. pyshacl wraps any data graph in a `Dataset`, which wants
    a context-aware, graph-aware store, though it reads the data through the graph only: so
    this store says it is both. It ignores the context it is given: use it for one graph.

    >>> from rdflib import URIRef
    >>> graph = Graph(store=PlainMemory())
    >>> _ = graph.add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
    >>> len(graph), len(Graph(store=graph.store, identifier=URIRef("urn:other")))
    (1, 1)
    """

    context_aware = True
    graph_aware = True

    def __init__(self, configuration: str | None = None, identifier: Any = None) -> None:
        super().__init__(configuration, identifier)
        self._size: int | None = None  # unknown: a bulk of adds checks nothing, the first
        # `len` counts, then whole-triple adds and removes keep the count
        self._spo: _Index | None = None
        self._indexes: tuple[_Index, _Index, _Index] | None = None
        self._find_indexes()

    def _find_indexes(self) -> None:
        """rdflib's three indexes, subject → predicate → object, predicate → object →
        subject, object → subject → predicate (None if a later rdflib keeps them elsewhere)."""
        spo, pos, osp = (getattr(self, f"_SimpleMemory__{n}", None) for n in ("spo", "pos", "osp"))
        self._spo = spo
        self._indexes = None if spo is None or pos is None or osp is None else (spo, pos, osp)

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        """rdflib's `SimpleMemory.add`, with each new key found by `dict.get` instead of a
        `KeyError` caught (most objects are new literals): the same indexes; the build's
        mapping at 100k projects in 0.83× the CPU (`python -m bench.graph_add`)."""
        if self._size is not None:
            held = self._holds(triple)
            self._size = None if held is None else self._size + (not held)
        if self._indexes is None:
            super().add(triple, context, quoted)
            return
        s, p, o = triple
        spo, pos, osp = self._indexes
        _put(spo, s, p, o)
        _put(pos, p, o, s)
        _put(osp, o, s, p)

    def remove(self, triple_pattern: Any, context: Any = None) -> None:
        """A whole triple is counted off; a pattern makes the count start again."""
        if self._size is not None and None not in triple_pattern:
            held = self._holds(triple_pattern)
            if held is not None:
                self._size -= held
                super().remove(triple_pattern, context)
                return
        self._size = None
        super().remove(triple_pattern, context)

    def _holds(self, triple: Any) -> bool | None:
        """Whether the store holds `triple`, read off rdflib's index (None: no index)."""
        if self._spo is None:
            return None
        s, p, o = triple
        by_predicate = self._spo.get(s)
        return by_predicate is not None and o in by_predicate.get(p, ())

    def clear(self) -> None:
        """Forget every triple at once. rdflib's graphs and stores are in reference cycles,
        which only the cyclic collector frees, after walking every object they hold (13 s
        at 100k projects); emptied, their indexes are freed at once, by reference counts."""
        SimpleMemory.__init__(self)
        self._size = 0
        self._find_indexes()

    def by_subject(self) -> Mapping[Node, Mapping[Node, Iterable[Node]]] | None:
        """rdflib's own index, subject → predicate → objects, to read while nothing changes:
        a writer walking every subject saves a pattern query per subject (None if a later
        rdflib keeps it elsewhere)."""
        return self._spo

    def __len__(self, context: Any = None) -> int:
        """The number of triples, kept up to date by `add` and by `remove` of whole triples:
        rdflib counts them one by one at each call (3 to 5 s at 100k projects), and the
        build asks a dozen times, around the validation, which adds the ontology's triples
        to the data for its run and removes them after."""
        if self._size is None:
            self._size = super().__len__(context)
        return self._size


def _put(index: _Index, first: Node, second: Node, third: Node) -> None:
    """``index[first][second][third] = 1``, the inner dicts made as they are missing."""
    inner = index.get(first)
    if inner is None:
        index[first] = {second: {third: 1}}
    elif (innermost := inner.get(second)) is None:
        inner[second] = {third: 1}
    else:
        innermost[third] = 1


class QueryCachingGraph(Graph):
    """A Graph whose `query` parses each SPARQL string once, into the shared `prepared` dict.

    The results are the same: pyshacl passes `$this` as an initial binding, not in the text.
    """

    def __init__(
        self,
        prepared: dict[str, Query],
        store: Store | str,
        identifier: Node | None,
        namespace_manager: NamespaceManager,
    ) -> None:
        super().__init__(store, identifier, namespace_manager)  # type: ignore[arg-type]
        self._prepared = prepared

    def query(
        self,
        query_object: str | Query,
        processor: str | Processor = "sparql",
        result: str | type[Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,  # rdflib's parameter names
        initBindings: Mapping[str, Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str) and initNs is None:
            prepared = self._prepared.get(query_object)
            if prepared is None:
                try:
                    prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                except Exception as exc:  # pyparsing's ParseException, rdflib's errors
                    raise SourceError(
                        f"a SPARQL query of the shapes does not parse: {exc}"
                    ) from exc
                self._prepared[query_object] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


class OxigraphQueryGraph(Graph):
    """A Graph whose `query` runs in Oxigraph, over a copy of its triples (and their `index`).

    The copy is made at the first query after a change: pyshacl adds the ontology to
    the data, then only reads. It is loaded from the N-Triples lines given to `seed`, if
    any, rather than converted from rdflib's terms again. ``initBindings`` become Oxigraph
    substitutions, which bind the variable everywhere in the query, sub-SELECTs included
    (as SHACL's pre-binding says); a query Oxigraph cannot run with them (it wants a
    substituted variable in the SELECT clause) runs in rdflib. Results come back as rdflib terms;
    a literal typed xsd:string comes back without a datatype, as rdflib parses ``"text"``.
    """

    def __init__(
        self,
        store: Store | str,
        identifier: Node | None,
        namespace_manager: NamespaceManager,
        *,
        into: ox.Store | None = None,
    ) -> None:
        """`into`: an empty store to make the first copy in, which the caller keeps."""
        super().__init__(store, identifier, namespace_manager)  # type: ignore[arg-type]
        self._store: ox.Store | None = None
        self._into = into
        self._seed: tuple[SortedTriples, list[_Triple]] | None = None
        self.index: Index | None = None
        self._prefixes = {prefix: str(namespace) for prefix, namespace in self.namespaces()}

    def add(self, triple: tuple[Node, Node, Node]) -> OxigraphQueryGraph:
        self._store = self._seed = None
        super().add(triple)
        return self

    def addN(self, quads: Iterable[Any]) -> OxigraphQueryGraph:
        self._store = self._seed = None
        super().addN(quads)
        return self

    def remove(self, triple: tuple[Node | None, Node | None, Node | None]) -> OxigraphQueryGraph:
        self._store = self._seed = None
        super().remove(triple)
        return self

    def seed(self, lines: SortedTriples, others: Iterable[_Triple]) -> None:
        """Make the next copy from `lines` and `others`: the graph's triples, now, as
        N-Triples lines (`dumps.SortedTriples`) but for `others`, which are not in them.

        Ignored if the lines hold a blank node, which a store would rename; forgotten at
        the next change of the graph.
        """
        self._store = None
        self._seed = None if lines.vocabulary().blank_nodes else (lines, list(others))

    def oxigraph(self) -> ox.Store:
        """The Oxigraph copy of the graph, made now if it is not up to date."""
        if self._store is None:
            self.index = Index()
            self._store = ox.Store() if self._into is None else self._into
            self._into = None  # a later copy, after a change, is a new store
            if self._seed is None:
                self._store.bulk_extend(_quads(self._triples(), self.index.add))
            else:
                lines, others = self._seed
                for chunk in lines.chunks():
                    self._store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES, lenient=True)
                self._store.bulk_extend(_quads(others))
                index = self.index.add
                for triple in self._triples():
                    index(triple)
        return self._store

    def _triples(self) -> Iterator[_Triple]:
        return graph_index.triples(self)

    def query(
        self,
        query_object: str | Query,
        processor: str | Processor = "sparql",
        result: str | type[Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,  # rdflib's parameter names
        initBindings: Mapping[str, Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if not isinstance(query_object, str) or initNs is not None or kwargs:
            return super().query(
                query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
            )
        store = self.oxigraph()
        substitutions = {
            ox.Variable(name): to_oxigraph(value) for name, value in (initBindings or {}).items()
        }
        try:
            answer = store.query(
                query_object,
                prefixes=self._prefixes,
                substitutions=substitutions,  # type: ignore[arg-type]
            )
        except SyntaxError as exc:
            raise SourceError(f"a SPARQL query of the shapes does not parse: {exc}") from exc
        except RuntimeError:  # e.g. a substituted variable missing from the SELECT clause
            return super().query(query_object, initBindings=initBindings)
        if isinstance(answer, ox.QueryBoolean):
            outcome = Result("ASK")
            outcome.askAnswer = bool(answer)
            return outcome
        if isinstance(answer, ox.QuerySolutions):
            outcome = Result("SELECT")
            outcome.vars = [Variable(v.value) for v in answer.variables]
            outcome.bindings = [
                {
                    Variable(v.value): _from_oxigraph(solution[v])
                    for v in answer.variables
                    if solution[v] is not None
                }
                for solution in answer
            ]
            return outcome
        outcome = Result("CONSTRUCT")
        outcome.graph = Graph()
        for triple in answer:
            outcome.graph.add(
                (
                    _from_oxigraph(triple.subject),
                    _from_oxigraph(triple.predicate),
                    _from_oxigraph(triple.object),
                )
            )
        return outcome


def _quads(
    triples: Iterable[_Triple], index: Callable[[_Triple], None] | None = None
) -> Iterator[ox.Quad]:
    """`triples` as Oxigraph quads, each given to `index` too."""
    iri = ox.NamedNode
    for triple in triples:
        if index is not None:
            index(triple)
        s, p, o = triple
        yield ox.Quad(
            iri(s) if type(s) is URIRef else to_oxigraph(s),  # type: ignore[arg-type]
            iri(p),  # type: ignore[arg-type]
            iri(o) if type(o) is URIRef else to_oxigraph(o),
        )


def _from_oxigraph(term: Any) -> Identifier:
    """The rdflib term of a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language is not None:
            return RdfLiteral(term.value, lang=term.language)
        datatype = term.datatype.value
        return RdfLiteral(term.value, datatype=None if datatype == _XSD_STRING else datatype)
    raise SourceError(f"Oxigraph answered a term rdflib cannot hold: {term!r}")


_XSD_STRING = str(XSD.string)
