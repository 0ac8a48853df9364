"""Validate a data graph against the SHACL shapes: the only module that calls pyshacl's `validate`.

pyshacl's `validate()` returns an untyped 3-tuple whose second item may be an
exception; `Validator.validate` wraps it once and returns a typed `ValidationReport`
whose results are sorted (severity, focus node, path, shape), so reports are stable.
The SPARQL engines pyshacl queries are in `sparql_engines`; the rewriting of the
shapes copy pyshacl evaluates is in `shapes_plan` (which imports pyshacl's query check),
and the narrowing of its core targets to the nodes that may fail them in `screening`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, URIRef
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Literal as RdfLiteral, Node

from portefeuille_ld.errors import SourceError
from portefeuille_ld.namespaces import PREFIXES, RDF, SH
from portefeuille_ld.pipeline.dumps import SortedTriples
from portefeuille_ld.pipeline.screening import Screens
from portefeuille_ld.pipeline.shapes_plan import (
    hoisted,
    narrowed,
    queries_on_one_line,
    restore_source_shapes,
)
from portefeuille_ld.pipeline.sparql_engines import OxigraphQueryGraph, QueryCachingGraph

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

    pyshacl evaluates the shapes graph `shapes_plan.hoisted` from the given one: the
    same constraints, with the property shapes of each class shape targeted directly,
    so that each is evaluated once over all its focus nodes rather than once per node,
    each SPARQL constraint asked only of the focus nodes that can violate it
    (`shapes_plan.narrowed`), and the SPARQL queries `shapes_plan.queries_on_one_line`.
    With Oxigraph, each validation then targets each shape `screening.Screens` can read
    at only the focus nodes that may fail one of its constraints, found on an index of
    the data filled during the copy (pyshacl's own checks of every node were most of
    the CPU); pyshacl checks those as before, so the report is the same.

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
        self._evaluated = hoisted(shapes)  # a private copy: pyshacl adds RDFS axioms to it
        self._published = narrowed(self._evaluated)
        queries_on_one_line(self._evaluated)
        self._screens = Screens(self._evaluated)
        self.ontology = ontology
        self.inference: Inference = inference
        self.sparql: SparqlEngine = sparql
        self._prepared: dict[str, Query] = {}

    def validate(
        self, data: Graph, *, lines: SortedTriples | None = None, copy: ox.Store | None = None
    ) -> ValidationReport:
        """Validate `data`, with the ontology's axioms mixed into it.

        `lines`, when given, must be `data`'s triples as `dumps.SortedTriples`: the copy
        for Oxigraph is then loaded from them rather than converted again. `copy`, an
        empty store, is where that copy is made (with the Oxigraph engine): it then holds
        the data and the ontology's triples, in its default graph, for the caller to query
        (only with ``sparql="oxigraph"`` and no inference: `ValueError` otherwise).

        SHACL-SPARQL constraints and targets are enabled; warnings and infos are
        reported but do not break conformance. Without inference, a plain `Graph` is
        validated where it is, not copied (a copy of 2.7 million triples costs as
        much memory again): the ontology's triples it lacks are added for the run and
        removed after, so `data` is unchanged when this returns; do not read it from
        another thread meanwhile. Other graphs are copied first.

        :raises SourceError: the shapes graph cannot be evaluated (malformed shape or SPARQL).
        """
        if copy is not None and (self.sparql != "oxigraph" or self.inference != "none"):
            raise ValueError("a copy is made only by the Oxigraph engine, without inference")
        namespaces = Graph(bind_namespaces="none")  # the target's prefixes, not the caller's
        for prefix, namespace in PREFIXES.items():
            namespaces.bind(prefix, namespace)
        shared = self.inference == "none" and type(data) is Graph
        store, identifier = (data.store, data.identifier) if shared else ("default", None)
        target: Graph = (
            OxigraphQueryGraph(store, identifier, namespaces.namespace_manager, into=copy)
            if self.sparql == "oxigraph"
            else QueryCachingGraph(self._prepared, store, identifier, namespaces.namespace_manager)
        )
        if not shared:
            for triple in data:
                target.add(triple)
        added = [triple for triple in self.ontology if triple not in target]
        for triple in added:
            target.add(triple)
        try:
            shapes = self._evaluated
            # the copy for Oxigraph indexes the data too, as pyshacl will see it: not so
            # if inference adds triples first
            if isinstance(target, OxigraphQueryGraph) and self.inference == "none":
                if lines is not None:
                    target.seed(lines, added)
                target.oxigraph()
                assert target.index is not None
                shapes = self._screens.apply(shapes, target.index)
                target.index = None  # pyshacl does not need it: free it
            outcome = shacl_validate(
                target,
                shacl_graph=shapes,
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
        restore_source_shapes(report_graph, self._published)
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
    lines: SortedTriples | None = None,
    copy: ox.Store | None = None,
) -> ValidationReport:
    """Validate `data` against `shapes` once (see `Validator` to validate several graphs).

    `lines`, `copy`: as for `Validator.validate`.

    >>> from rdflib import Graph
    >>> report = validate(Graph(), shapes=Graph(), ontology=Graph())
    >>> report.conforms, report.violations
    (True, ())

    :raises SourceError: the shapes graph cannot be evaluated (malformed shape or SPARQL).
    """
    validator = Validator(shapes=shapes, ontology=ontology, inference=inference, sparql=sparql)
    return validator.validate(data, lines=lines, copy=copy)


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
