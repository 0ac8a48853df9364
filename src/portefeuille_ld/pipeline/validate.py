"""Validate a data graph against the SHACL shapes: the only module that imports pyshacl.

pyshacl's `validate()` returns an untyped 3-tuple whose second item may be an
exception; `Validator.validate` wraps it once and returns a typed `ValidationReport`
whose results are sorted (severity, focus node, path, shape), so reports are stable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl.errors import ReportableRuntimeError
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import XSD, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor, Result
from rdflib.store import Store
from rdflib.term import Identifier, Literal as RdfLiteral, Node, Variable

from portefeuille_ld.errors import SourceError
from portefeuille_ld.namespaces import OWL, PREFIXES, RDF, RDFS, SH
from portefeuille_ld.pipeline.dumps import to_oxigraph

__all__ = [
    "Inference",
    "SparqlEngine",
    "ValidationReport",
    "ValidationResult",
    "Validator",
    "render",
    "validate",
]

log = logging.getLogger(__name__)

Inference = Literal["none", "rdfs", "owlrl", "both"]
"""Inference pyshacl may run on the data graph before validating (none by default)."""

SparqlEngine = Literal["oxigraph", "rdflib"]
"""What evaluates the SPARQL queries pyshacl asks (SHACL-SPARQL constraints and targets)."""

Language = Literal["fr", "en"]

_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult: where (focus node, path), what (shape, constraint), why (messages).

    `path` is the SHACL path in SPARQL property-path syntax with our prefixes
    (``pf:edition``, ``^pf:hasEntry``), or None for a node-level result.
    """

    focus_node: Node
    path: str | None
    severity: URIRef
    source_shape: Node
    source_constraint_component: URIRef
    source_constraint: Node | None
    value: Node | None
    message_fr: str
    message_en: str

    @property
    def severity_name(self) -> str:
        """``Violation``, ``Warning`` or ``Info``."""
        return self.severity.removeprefix(str(SH))


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of one validation: conforms unless some result is an sh:Violation."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    graph: Graph
    """The SHACL validation report graph, as pyshacl produced it."""

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Violation)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Warning)


class Validator:
    """Validates graphs against one shapes graph and ontology, prepared once for them all.

    pyshacl asks a SHACL-SPARQL constraint's query once per focus node. With
    ``sparql="oxigraph"`` (the default) the queries run in Oxigraph, over a copy of
    the data (with the ontology) made once per validation: rdflib's evaluator
    spends about 0.1 ms per triple it scans, and evaluates a sub-SELECT without the
    pre-bound ``$this``. With ``sparql="rdflib"`` they run in rdflib, and a
    `Validator` keeps each parsed query for the next graph.

    pyshacl evaluates the shapes graph `_hoisted` from the given one: the same
    constraints, with the property shapes of each class shape targeted directly, so
    that each is evaluated once over all its focus nodes rather than once per node,
    each SPARQL constraint asked only of the focus nodes that can violate it
    (`_narrowed`), and the SPARQL queries `_queries_on_one_line`.

    >>> from rdflib import Graph
    >>> Validator(shapes=Graph(), ontology=Graph()).validate(Graph()).conforms
    True
    """

    def __init__(
        self,
        *,
        shapes: Graph,
        ontology: Graph,
        inference: Inference = "none",
        sparql: SparqlEngine = "oxigraph",
    ) -> None:
        self.shapes = shapes
        self._evaluated = _hoisted(shapes)  # a private copy: pyshacl adds RDFS axioms to it
        self._published = _narrowed(self._evaluated)
        _queries_on_one_line(self._evaluated)
        self.ontology = ontology
        self.inference: Inference = inference
        self.sparql: SparqlEngine = sparql
        self._prepared: dict[str, Query] = {}

    def validate(self, data: Graph) -> ValidationReport:
        """Validate `data`, with the ontology's axioms mixed into it.

        SHACL-SPARQL constraints and targets are enabled; warnings and infos are
        reported but do not break conformance. Without inference, a plain `Graph` is
        validated where it is, not copied (a copy of 2.7 million triples costs as
        much memory again): the ontology's triples it lacks are added for the run and
        removed after, so `data` is unchanged when this returns; do not read it from
        another thread meanwhile. Other graphs are copied first.

        :raises SourceError: the shapes graph cannot be evaluated (malformed shape or SPARQL).
        """
        namespaces = Graph(bind_namespaces="none")  # the target's prefixes, not the caller's
        for prefix, namespace in PREFIXES.items():
            namespaces.bind(prefix, namespace)
        shared = self.inference == "none" and type(data) is Graph
        store, identifier = (data.store, data.identifier) if shared else ("default", None)
        target: Graph = (
            _OxigraphQueryGraph(store, identifier, namespaces.namespace_manager)
            if self.sparql == "oxigraph"
            else _QueryCachingGraph(self._prepared, store, identifier, namespaces.namespace_manager)
        )
        if not shared:
            for triple in data:
                target.add(triple)
        added = [triple for triple in self.ontology if triple not in target]
        for triple in added:
            target.add(triple)
        try:
            outcome = shacl_validate(
                target,
                shacl_graph=self._evaluated,
                inference=self.inference,
                advanced=True,
                inplace=True,  # `target` holds the ontology already
                allow_warnings=True,
                allow_infos=True,
            )
        except ReportableRuntimeError as exc:
            raise SourceError(f"the SHACL shapes cannot be evaluated: {exc.message}") from exc
        finally:
            if shared:
                for triple in added:
                    target.remove(triple)
        report_graph = outcome[1]
        if not isinstance(report_graph, Graph):
            raise SourceError(f"the SHACL shapes cannot be evaluated: {report_graph}")
        _restore_source_shapes(report_graph, self._published)
        results = tuple(sorted(_read_results(report_graph, self.shapes), key=_sort_key))
        report = ValidationReport(
            conforms=not any(r.severity == SH.Violation for r in results),
            results=results,
            graph=report_graph,
        )
        log.debug("SHACL: %d result(s), %d violation(s)", len(results), len(report.violations))
        return report


def validate(
    data: Graph,
    *,
    shapes: Graph,
    ontology: Graph,
    inference: Inference = "none",
    sparql: SparqlEngine = "oxigraph",
) -> ValidationReport:
    """Validate `data` against `shapes` once (see `Validator` to validate several graphs).

    >>> from rdflib import Graph
    >>> report = validate(Graph(), shapes=Graph(), ontology=Graph())
    >>> report.conforms, report.violations
    (True, ())

    :raises SourceError: the shapes graph cannot be evaluated (malformed shape or SPARQL).
    """
    validator = Validator(shapes=shapes, ontology=ontology, inference=inference, sparql=sparql)
    return validator.validate(data)


def render(report: ValidationReport, *, lang: Language | None = None) -> str:
    """The report as plain text: one block per result, messages in French and English.

    `lang` keeps only that language's message.

    >>> from rdflib import Graph
    >>> print(render(validate(Graph(), shapes=Graph(), ontology=Graph())))
    Conforme / Conforms: 0 violation(s), 0 avertissement(s) / warning(s).
    """
    verdict = "Conforme / Conforms" if report.conforms else "Non conforme / Does not conform"
    lines = [
        f"{verdict}: {len(report.violations)} violation(s), "
        f"{len(report.warnings)} avertissement(s) / warning(s)."
    ]
    for result in report.results:
        lines.append("")
        lines.append(f"[{result.severity_name}] {_term_text(result.focus_node)}")
        if result.path is not None:
            lines.append(f"  chemin / path: {result.path}")
        if result.value is not None:
            lines.append(f"  valeur / value: {_term_text(result.value)}")
        shape = _compact(result.source_shape)
        if result.source_constraint is not None:
            shape += f" ({_compact(result.source_constraint)})"
        lines.append(f"  forme / shape: {shape}")
        if lang in (None, "fr"):
            lines.append(f"  fr: {result.message_fr}")
        if lang in (None, "en"):
            lines.append(f"  en: {result.message_en}")
    return "\n".join(lines)


class _QueryCachingGraph(Graph):
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


class _OxigraphQueryGraph(Graph):
    """A Graph whose `query` runs in Oxigraph, over a copy of its triples.

    The copy is made at the first query after a change: pyshacl adds the ontology to
    the data, then only reads. ``initBindings`` become Oxigraph substitutions, which
    bind the variable everywhere in the query, sub-SELECTs included (as SHACL's
    pre-binding says); a query Oxigraph cannot run with them (it wants a substituted
    variable in the SELECT clause) runs in rdflib. Results come back as rdflib terms;
    a literal typed xsd:string comes back without a datatype, as rdflib parses ``"text"``.
    """

    def __init__(
        self, store: Store | str, identifier: Node | None, namespace_manager: NamespaceManager
    ) -> None:
        super().__init__(store, identifier, namespace_manager)  # type: ignore[arg-type]
        self._store: ox.Store | None = None
        self._prefixes = {prefix: str(namespace) for prefix, namespace in self.namespaces()}

    def add(self, triple: tuple[Node, Node, Node]) -> _OxigraphQueryGraph:
        self._store = None
        super().add(triple)
        return self

    def addN(self, quads: Iterable[Any]) -> _OxigraphQueryGraph:
        self._store = None
        super().addN(quads)
        return self

    def remove(self, triple: tuple[Node | None, Node | None, Node | None]) -> _OxigraphQueryGraph:
        self._store = None
        super().remove(triple)
        return self

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
        if self._store is None:
            self._store = ox.Store()
            self._store.bulk_extend(
                ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
                for s, p, o in super().triples((None, None, None))
            )
        substitutions = {
            ox.Variable(name): to_oxigraph(value) for name, value in (initBindings or {}).items()
        }
        try:
            answer = self._store.query(
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

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _hoisted(shapes: Graph) -> Graph:
    """A copy of `shapes` where each class shape's property shapes carry its targets.

    pyshacl validates a property shape reached through ``sh:property`` once per focus
    node of the node shape, building its constraint objects each time; a property
    shape with targets of its own is validated once, over all its focus nodes. So a
    property shape whose only uses are ``sh:property`` of node shapes with core
    targets (``sh:targetClass``…) gets these targets and loses the ``sh:property``
    links; a closed node shape keeps allowing its paths through ``sh:ignoredProperties``.
    The results are the same (focus node, path, value, source shape, message), except
    that a node reached by two such node shapes sharing a property shape is checked
    once, not twice. A shape with a SPARQL target, or referred to in another way
    (``sh:node``, ``sh:or``…), is left as it is.

    >>> from rdflib import Graph
    >>> len(_hoisted(Graph()))
    0
    """
    hoisted = Graph()
    for triple in shapes:
        hoisted.add(triple)
    movable: dict[Node, list[Node]] = {}  # property shape → the node shapes listing it
    for node_shape, prop in shapes.subject_objects(SH.property):
        movable.setdefault(prop, []).append(node_shape)
    for prop, node_shapes in list(movable.items()):
        uses = {p for _, p in shapes.subject_predicates(prop)}
        own_targets = any((prop, t, None) in shapes for t in (*_TARGETS, SH.target))
        if (
            uses != {SH.property}
            or own_targets
            or not all(_core_targets(shapes, s) for s in node_shapes)
        ):
            del movable[prop]
    by_node_shape: dict[Node, list[Node]] = {}
    for prop, node_shapes in movable.items():
        for node_shape in node_shapes:
            by_node_shape.setdefault(node_shape, []).append(prop)
            for target, value in _core_targets(shapes, node_shape):
                hoisted.add((prop, target, value))
            hoisted.remove((node_shape, SH.property, prop))
    for node_shape, props in by_node_shape.items():
        if shapes.value(node_shape, SH.closed) is None:
            continue
        listed = shapes.value(node_shape, SH.ignoredProperties)
        allowed = [] if listed is None else list(shapes.items(listed))
        for prop in props:
            path = shapes.value(prop, SH.path)
            if isinstance(path, URIRef) and path not in allowed:
                allowed.append(path)
        if listed is not None:
            hoisted.remove((node_shape, SH.ignoredProperties, listed))
        head = BNode()
        Collection(hoisted, head, allowed)
        hoisted.add((node_shape, SH.ignoredProperties, head))
    return hoisted


def _queries_on_one_line(shapes: Graph) -> None:
    """Write each ``sh:select`` and ``sh:ask`` of `shapes` on one line, where that is safe.

    For every focus node, pyshacl checks the query text with ~10 regular expressions
    (``check_invalid_sparql``) before running it; two of them (MINUS, SERVICE) cost the
    number of lines times the length of the text: 1 to 4 ms for our 10-15-line
    queries, per entry and constraint, more than running the query. A query without
    ``#`` (a comment runs to the end of its line) and without quotes (a string may
    hold line breaks) means the same with its whitespace runs made single spaces.

    >>> from rdflib import BNode, Graph, Literal
    >>> g = Graph()
    >>> query = "SELECT $this" + chr(10) + "  WHERE { $this ?p ?o }"
    >>> g.add((BNode("c"), SH.select, Literal(query)))
    <Graph identifier=... (<class 'rdflib.graph.Graph'>)>
    >>> _queries_on_one_line(g)
    >>> str(g.value(BNode("c"), SH.select))
    'SELECT $this WHERE { $this ?p ?o }'
    """
    for predicate in (SH.select, SH.ask):
        for node, text in list(shapes.subject_objects(predicate)):
            if not isinstance(text, RdfLiteral) or any(c in text for c in "#\"'"):
                continue
            shapes.remove((node, predicate, text))
            shapes.add((node, predicate, RdfLiteral(" ".join(text.split()))))


_PRIVATE_SHAPES = "urn:x-portefeuille-ld:validate:narrowed-"
"""Where `_narrowed` names its private shapes; `_restore_source_shapes` maps them back."""

_PRE_BOUND = {Variable("PATH"), Variable("currentShape"), Variable("shapesGraph")}
"""Variables pyshacl binds besides ``$this``: a triple pattern using one is left out."""


def _narrowed(shapes: Graph) -> dict[Node, Node]:
    """Give each SPARQL constraint of `shapes` only the focus nodes that can violate it.

    pyshacl runs a SPARQL constraint once per focus node of its shape (10,000 queries for
    10,000 entries), though most cannot give a result: ``$this pf:status pf:Completed``
    must match first. The query itself, or the triple patterns every solution must match
    (`_necessary_pattern`), selects the candidates: the constraint moves, in this private
    copy, from its shape to a private shape with the same type, path, severity and
    messages, whose SPARQL target is the shape's own targets joined with that pattern,
    run once per validation (in Oxigraph by default). A focus node left out has no
    solution, so the results are the same; pyshacl names the private shape in
    ``sh:sourceShape``, and the returned map (private shape → shape) puts the published
    one back. A shape with a SPARQL target, referred to by another shape, or an implicit
    class target, and a query this cannot read, keep their constraints as they are.

    >>> from rdflib import Graph
    >>> _narrowed(Graph())
    {}
    """
    prefixes = _declared_prefixes(shapes)
    published: dict[Node, Node] = {}
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        targets = _core_targets(shapes, shape)
        pattern = _necessary_pattern(shapes, constraint, prefixes)
        if (
            not targets
            or pattern is None
            or (None, None, shape) in shapes
            or (shape, SH.deactivated, None) in shapes
            or any(t in (RDFS.Class, OWL.Class) for t in shapes.objects(shape, RDF.type))
        ):
            continue
        private = URIRef(f"{_PRIVATE_SHAPES}{len(published)}")
        published[private] = shape
        for predicate in (RDF.type, SH.path, SH.severity, SH.message):
            for value in shapes.objects(shape, predicate):
                shapes.add((private, predicate, value))
        target = BNode()
        shapes.add((private, SH.target, target))
        shapes.add((target, RDF.type, SH.SPARQLTarget))
        focus = " UNION ".join(f"{{ {_target_pattern(t, v)} }}" for t, v in targets)
        prologue = "".join(f"PREFIX {p}: <{n}>\n" for p, n in sorted((prefixes or {}).items()))
        select = f"{prologue}SELECT DISTINCT ?this WHERE {{ {focus}\n{pattern}\n}}"
        shapes.add((target, SH.select, RdfLiteral(select)))
        shapes.remove((shape, SH.sparql, constraint))
        shapes.add((private, SH.sparql, constraint))
    return published


def _target_pattern(target: URIRef, value: Node) -> str:
    """A core target as a SPARQL pattern binding ``?this``, as pyshacl finds its nodes."""
    if target == SH.targetClass:
        return f"?this {RDF.type.n3()}/{RDFS.subClassOf.n3()}* {value.n3()} ."
    if target == SH.targetSubjectsOf:
        return f"?this {value.n3()} [] ."
    if target == SH.targetObjectsOf:
        return f"[] {value.n3()} ?this ."
    return f"VALUES ?this {{ {value.n3()} }}"


def _declared_prefixes(shapes: Graph) -> dict[str, str] | None:
    """Every ``sh:declare`` of `shapes` by prefix, or None if a prefix has two namespaces."""
    found: dict[str, str] = {}
    for declaration in shapes.objects(None, SH.declare):
        prefix = shapes.value(declaration, SH.prefix)
        namespace = shapes.value(declaration, SH.namespace)
        if prefix is None or namespace is None:
            continue
        if found.setdefault(str(prefix), str(namespace)) != str(namespace):
            return None
    return found


def _necessary_pattern(
    shapes: Graph, constraint: Node, prefixes: dict[str, str] | None
) -> str | None:
    """A pattern binding ``?this`` to every focus node for which the constraint has a result.

    The query itself, as a sub-SELECT, when it answers alike with ``?this`` free
    (`_bound_alike`). Otherwise, triple patterns joined to ``?this`` that every solution
    must match: the query's basic graph patterns outside OPTIONAL's right side, MINUS's right
    side, UNION, GRAPH, sub-SELECTs and expressions (FILTER, BIND): a solution of the
    query, ``$this`` bound, extends one of their joint solutions. An aggregate without
    GROUP BY has a solution even with none below it, so it gives no pattern; nor does a
    query that does not parse, has no ``$this`` in these patterns, or is not one SELECT.
    """
    selects = list(shapes.objects(constraint, SH.select))
    if prefixes is None or len(selects) != 1 or not isinstance(selects[0], RdfLiteral):
        return None
    try:
        # pyshacl refuses some queries (MINUS, VALUES…) when it runs them: keep them where
        # they are, so that it does even if no focus node would be a candidate.
        check: Any = SPARQLQueryHelper.check_invalid_sparql
        check(SPARQLQueryHelper, str(selects[0]))  # its regexes are class attributes
        query = prepareQuery(str(selects[0]), initNs=prefixes)
    except Exception:  # pyparsing's ParseException, rdflib's, pyshacl's: pyshacl reports it
        return None
    if query.algebra.name != "SelectQuery":
        return None
    text = str(selects[0])
    bound = _bound_alike(query.algebra.p)
    if (
        bound is not None
        and _THIS in bound
        and not _variables(query.algebra.p) & _PRE_BOUND  # pyshacl would bind them too
        and text.lstrip()[:6].upper() == "SELECT"
    ):
        return f"{{ {text}\n}}"  # the whole query, as a sub-SELECT
    triples = [t for t in _mandatory_triples(query.algebra.p) if _plain(t)]
    joined: list[tuple[Node, Node, Node]] = []
    variables = {Variable("this")}
    while True:
        linked = [t for t in triples if t not in joined and variables & set(t)]
        if not linked:
            break
        joined += linked
        variables |= {term for t in linked for term in t if isinstance(term, Variable)}
    if not joined:
        return None
    return " ".join(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in joined)


_THIS = Variable("this")


def _bound_alike(part: CompValue) -> set[Variable] | None:
    """The variables every solution of `part` binds, if it answers alike with ``?this`` free.

    With ``?this`` free, the solutions binding it to a node are those with ``$this``
    pre-bound to that node, if every operator that uses ``?this`` (a FILTER, BIND or
    OPTIONAL condition, EXISTS inside them included) sees it bound by a BGP below it:
    the query then selects its own candidates. None for anything else (UNION, MINUS,
    GRAPH, VALUES, sub-SELECT, LIMIT, aggregates). An aggregate grouped by ``?this``
    would answer alike too, but Oxigraph evaluates our count constraints of
    pf:AxisCompositionShape in 4 to 6 s each with ``?this`` free at 1k initiatives (for
    2 focus nodes), against milliseconds with it bound.
    """
    name = part.name
    if name == "BGP":
        return {term for triple in part.triples for term in triple if isinstance(term, Variable)}
    if name in ("Join", "LeftJoin"):
        left, right = _bound_alike(part.p1), _bound_alike(part.p2)
        if left is None or right is None:
            return None
        if name == "Join":
            return left | right
        return left if _uses_this_bound(part.get("expr"), left | right) else None
    if name not in ("Project", "Distinct", "Reduced", "OrderBy", "Filter", "Extend"):
        return None  # LIMIT and OFFSET (Slice) count the solutions of all the nodes at once
    inner = _bound_alike(part.p)
    if inner is None or (name == "Extend" and part.var == _THIS):
        return None
    if not _uses_this_bound(part.get("expr"), inner):
        return None
    return inner & set(part.PV) if name == "Project" else inner


def _uses_this_bound(expression: object, bound: set[Variable]) -> bool:
    """Whether `expression` has no sub-SELECT and uses ``?this`` only if it is `bound`."""
    return not _has_subquery(expression) and (_THIS in bound or _THIS not in _variables(expression))


def _variables(expression: object) -> set[Variable]:
    """Every variable of an algebra expression, those of its EXISTS patterns included."""
    if isinstance(expression, Variable):
        return {expression}
    if isinstance(expression, CompValue):
        expression = list(expression.values())
    if isinstance(expression, list | tuple | set):
        return {v for value in expression for v in _variables(value)}
    return set()


def _has_subquery(expression: object) -> bool:
    """Whether an algebra expression holds a sub-SELECT, VALUES, SERVICE or GRAPH."""
    if isinstance(expression, CompValue):
        if "Select" in expression.name or expression.name in _NOT_IN_FILTERS:
            return True
        return any(_has_subquery(value) for value in expression.values())
    if isinstance(expression, list | tuple | set):
        return any(_has_subquery(value) for value in expression)
    return False


_NOT_IN_FILTERS = {
    "ToMultiSet",
    "InlineData",
    "ServiceGraphPattern",
    "GraphGraphPattern",
    "Graph",
    "values",
    "SubSelect",
}


def _mandatory_triples(part: CompValue) -> list[tuple[Node, Node, Node]]:
    """The triple patterns of `part` that every solution matches (see `_necessary_pattern`)."""
    name = part.name
    if name == "BGP":
        return [tuple(t) for t in part.triples]
    if name == "Join":
        return _mandatory_triples(part.p1) + _mandatory_triples(part.p2)
    if name in ("LeftJoin", "Minus"):
        return _mandatory_triples(part.p1)
    if name == "AggregateJoin":
        return _mandatory_triples(part.p.p) if part.p.expr else []
    if name in ("Project", "Distinct", "Reduced", "OrderBy", "Slice", "Filter", "Extend"):
        return _mandatory_triples(part.p)
    return []


def _plain(triple: tuple[Node, Node, Node]) -> bool:
    """A pattern of IRIs, literals and variables other than pyshacl's pre-bound ones."""
    return all(
        isinstance(term, URIRef | RdfLiteral)
        or (isinstance(term, Variable) and term not in _PRE_BOUND)
        for term in triple
    )


def _restore_source_shapes(report: Graph, published: Mapping[Node, Node]) -> None:
    """Name the published shape, not `_narrowed`'s private one, in each ``sh:sourceShape``."""
    if not published:
        return
    for result, shape in list(report.subject_objects(SH.sourceShape)):
        if shape in published:
            report.remove((result, SH.sourceShape, shape))
            report.add((result, SH.sourceShape, published[shape]))


def _core_targets(shapes: Graph, node_shape: Node) -> list[tuple[URIRef, Node]]:
    """The node shape's core targets, or none if it has a SPARQL target or is deactivated."""
    if (node_shape, SH.target, None) in shapes or (node_shape, SH.deactivated, None) in shapes:
        return []
    return [(t, v) for t in _TARGETS for v in shapes.objects(node_shape, t)]


def _read_results(graph: Graph, shapes: Graph) -> Iterable[ValidationResult]:
    for node in graph.subjects(RDF.type, SH.ValidationResult):
        source_shape = _required(graph, node, SH.sourceShape)
        source_constraint = graph.value(node, SH.sourceConstraint)
        messages = list(graph.objects(node, SH.resultMessage))
        texts = _messages(messages)
        if source_constraint is not None:
            templates = shapes.objects(source_constraint, SH.message)
            texts = _sparql_messages(messages, templates) or texts
        path = graph.value(node, SH.resultPath)
        yield ValidationResult(
            focus_node=_required(graph, node, SH.focusNode),
            path=None if path is None else _path_text(graph, path),
            severity=_iri(_required(graph, node, SH.resultSeverity)),
            source_shape=source_shape,
            source_constraint_component=_iri(_required(graph, node, SH.sourceConstraintComponent)),
            source_constraint=source_constraint,
            value=graph.value(node, SH.value),
            message_fr=texts.get("fr", ""),
            message_en=texts.get("en", ""),
        )


def _required(graph: Graph, node: Node, predicate: URIRef) -> Node:
    value = graph.value(node, predicate)
    if value is None:
        raise SourceError(f"pyshacl reported a result without {_compact(predicate)}")
    return value


def _iri(node: Node) -> URIRef:
    if not isinstance(node, URIRef):
        raise SourceError(f"pyshacl reported {node!r} where an IRI was expected")
    return node


def _messages(literals: Iterable[Node]) -> dict[str, str]:
    """French and English messages; an untagged one (pyshacl's default) stands in for both."""
    found: dict[str, str] = {}
    untagged: list[str] = []
    for literal in sorted(n for n in literals if isinstance(n, RdfLiteral)):
        if literal.language in ("fr", "en"):
            found.setdefault(literal.language, str(literal))
        elif literal.language is None:
            untagged.append(str(literal))
    for lang in ("fr", "en"):
        if lang not in found and untagged:
            found[lang] = " ".join(untagged)
    return found


def _sparql_messages(messages: Iterable[Node], templates: Iterable[Node]) -> dict[str, str]:
    """A SPARQL constraint's messages by language, its shape's messages left out.

    pyshacl (0.40) adds the shape's messages to the constraint's, and drops the
    language tag of a message once it fills its ``{?var}`` placeholders: each
    message's language is that of the constraint's template it fills.
    """
    texts = [str(m) for m in messages if isinstance(m, RdfLiteral)]
    found: dict[str, str] = {}
    for template in templates:
        if not isinstance(template, RdfLiteral) or template.language is None:
            continue
        parts = re.split(r"\{[?$]\w+\}", str(template))
        pattern = re.compile(".*?".join(re.escape(part) for part in parts), re.DOTALL)
        for text in sorted(texts):
            if pattern.fullmatch(text):
                found.setdefault(template.language, text)
    return found


_PATH_OPERATORS = {
    SH.inversePath: "^{}",
    SH.zeroOrMorePath: "{}*",
    SH.oneOrMorePath: "{}+",
    SH.zeroOrOnePath: "{}?",
}


def _path_text(graph: Graph, path: Node) -> str:
    """A SHACL path as a SPARQL property path (``pf:edition``, ``^pf:hasEntry``, ``a/b``)."""
    if isinstance(path, URIRef):
        return _compact(path)
    for operator, template in _PATH_OPERATORS.items():
        inner = graph.value(path, operator)
        if inner is not None:
            return template.format(_path_text(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, p) for p in graph.items(alternatives)) + ")"
    if isinstance(path, BNode) and graph.value(path, RDF.first) is not None:
        return "/".join(_path_text(graph, p) for p in graph.items(path))
    return str(path)


def _compact(node: Node) -> str:
    """``pf:Project`` for a term of our prefixes, ``<iri>`` for another IRI."""
    if not isinstance(node, URIRef):
        return _term_text(node)
    for prefix, namespace in _LONGEST_NAMESPACE_FIRST:
        local = node.removeprefix(namespace)
        if local != node and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return f"<{node}>"


_LONGEST_NAMESPACE_FIRST = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def _term_text(node: Node) -> str:
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, RdfLiteral):
        if node.language is not None:
            return f'"{node}"@{node.language}'
        if node.datatype is not None:
            return f'"{node}"^^{_compact(node.datatype)}'
        return f'"{node}"'
    return str(node)


def _sort_key(result: ValidationResult) -> tuple[int, str, str, str, str, str]:
    return (
        _SEVERITY_ORDER.get(result.severity, len(_SEVERITY_ORDER)),
        str(result.focus_node),
        result.path or "",
        str(result.source_shape),
        str(result.source_constraint or ""),
        "" if result.value is None else _term_text(result.value),
    )
