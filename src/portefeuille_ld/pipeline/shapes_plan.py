"""Rewrite the private copy of the shapes pyshacl evaluates, for speed, not for results.

`hoisted` targets property shapes directly, `narrowed` gives each SPARQL constraint
only its candidate focus nodes, `queries_on_one_line` shortens what pyshacl checks per
query, and `restore_source_shapes` names the published shapes back in the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Literal as RdfLiteral, Node, Variable

from portefeuille_ld.namespaces import OWL, RDF, RDFS, SH

__all__ = ["hoisted", "narrowed", "queries_on_one_line", "restore_source_shapes"]

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def hoisted(shapes: Graph) -> Graph:
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
    >>> len(hoisted(Graph()))
    0
    """
    rewritten = Graph()
    for triple in shapes:
        rewritten.add(triple)
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
                rewritten.add((prop, target, value))
            rewritten.remove((node_shape, SH.property, prop))
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
            rewritten.remove((node_shape, SH.ignoredProperties, listed))
        head = BNode()
        Collection(rewritten, head, allowed)
        rewritten.add((node_shape, SH.ignoredProperties, head))
    return rewritten


def queries_on_one_line(shapes: Graph) -> None:
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
    >>> queries_on_one_line(g)
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
"""Where `narrowed` names its private shapes; `restore_source_shapes` maps them back."""

_PRE_BOUND = {Variable("PATH"), Variable("currentShape"), Variable("shapesGraph")}
"""Variables pyshacl binds besides ``$this``: a triple pattern using one is left out."""


def narrowed(shapes: Graph) -> dict[Node, Node]:
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
    >>> narrowed(Graph())
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


def restore_source_shapes(report: Graph, published: Mapping[Node, Node]) -> None:
    """Name the published shape, not `narrowed`'s private one, in each ``sh:sourceShape``."""
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
