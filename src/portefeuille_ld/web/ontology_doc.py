"""The documentation page of the vocabulary: every term of ``pf:``, with an anchor each.

Built from the ontology and shapes graphs (N-Triples from the store, parsed with
rdflib): classes, object and datatype properties, concept schemes and concepts, then the
SHACL node shapes (``pf:<Class>Shape``, with a table of the properties each constrains),
property shapes and SPARQL constraints. Every subject of the ``pf:`` namespace gets a
block whose ``id`` is its local name, so ``ontologie#Project`` lands on it; terms of other
vocabularies link out.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
...   @prefix pf: <https://w3id.org/portefeuille-qc/ontologie#> .
...   @prefix owl: <http://www.w3.org/2002/07/owl#> .
...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   pf:Project a owl:Class ; rdfs:label "Projet"@fr, "Project"@en .
... ''', format="turtle")
>>> page = ontology_page(g, "https://w3id.org/portefeuille-qc/ontologie", lang="en",
...                      linker=Linker("http://ex.org/", "http://h/"))
>>> [(s.key, [(t.anchor, t.label.text) for t in s.terms]) for s in page.sections]
[('ontology.classes', [('Project', 'Project')])]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from portefeuille_ld.namespaces import DCTERMS, OWL, PF, RDF, RDFS, SH, SKOS
from portefeuille_ld.web.describe import Statement, Term, pick
from portefeuille_ld.web.i18n import Lang
from portefeuille_ld.web.linking import Linker
from portefeuille_ld.web.vocabulary import KNOWN_LABELS, prefixed

__all__ = ["OntologyPage", "Section", "ShapeDoc", "ShapeProperty", "TermDoc", "ontology_page"]

_NS = str(PF._NS)
_HIDDEN = frozenset({RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.isDefinedBy, RDFS.comment})
_VOCABULARY = (
    ("ontology.classes", OWL.Class),
    ("ontology.object_properties", OWL.ObjectProperty),
    ("ontology.datatype_properties", OWL.DatatypeProperty),
    ("ontology.schemes", SKOS.ConceptScheme),
    ("ontology.concepts", SKOS.Concept),
)
_SHAPES = (
    ("ontology.property_shapes", SH.PropertyShape),
    ("ontology.sparql_constraints", SH.SPARQLConstraint),
)
_SHAPE_VALUE = (SH.datatype, SH["class"], SH.node, SH.nodeKind, SH.hasValue, SH["in"])


@dataclass(frozen=True)
class TermDoc:
    """One term: its anchor, label, definition and the other facts the graphs state."""

    anchor: str
    iri: str
    label: Term
    definition: Term | None
    facts: tuple[Statement, ...]


@dataclass(frozen=True)
class ShapeProperty:
    """A row of a node shape's table: what it requires of one property."""

    shape: Term
    path: Term
    cardinality: str
    values: tuple[Term, ...]


@dataclass(frozen=True)
class ShapeDoc:
    """A node shape (``pf:<Class>Shape``) and the properties it constrains."""

    term: TermDoc
    properties: tuple[ShapeProperty, ...]


@dataclass(frozen=True)
class Section:
    """A section of the page: one kind of term."""

    key: str
    terms: tuple[TermDoc, ...]


@dataclass(frozen=True)
class OntologyPage:
    """The whole page: the document's header, the vocabulary, then the shapes."""

    iri: str
    title: Term
    description: Term | None
    header: tuple[Statement, ...]
    sections: tuple[Section, ...]
    node_shapes: tuple[ShapeDoc, ...]
    shape_sections: tuple[Section, ...]


@dataclass(frozen=True)
class _Reader:
    graph: Graph
    lang: Lang
    linker: Linker

    def text(self, subject: Node, *predicates: URIRef) -> Term | None:
        for predicate in predicates:
            texts = {
                (o.language or ""): str(o)
                for o in self.graph.objects(subject, predicate)
                if isinstance(o, Literal)
            }
            chosen = pick(texts, self.lang)
            if chosen is not None:
                return Term(chosen[0], lang=chosen[1] or None)
        return None

    def term(self, node: Node) -> Term:
        if isinstance(node, Literal):
            datatype = None if node.datatype is None else prefixed(str(node.datatype))
            return Term(str(node), lang=node.language, note=node.language or datatype)
        if isinstance(node, BNode):
            return self.blank(node)
        iri = str(node)
        label = self.text(node, RDFS.label, SKOS.prefLabel)
        if label is None and iri in KNOWN_LABELS:
            label = Term(KNOWN_LABELS[iri][0 if self.lang == "fr" else 1], lang=self.lang)
        label = label or Term(prefixed(iri))
        href = "#" + iri[len(_NS) :] if iri.startswith(_NS) else self.linker.href(iri)
        return Term(label.text, href=href, lang=label.lang, note=prefixed(iri))

    def blank(self, node: BNode) -> Term:
        """A blank node, written inline one level deep: ``[sh:prefix pf ; …]``."""
        parts = [
            f"{prefixed(str(p))} {'[…]' if isinstance(o, BNode) else o}"
            for p, o in sorted(self.graph.predicate_objects(node))
        ]
        return Term(f"[{' ; '.join(parts)}]" if parts else "[]")

    def expand(self, nodes: Iterable[Node]) -> Iterator[Node]:
        """The nodes, with each RDF list replaced by its members."""
        for node in nodes:
            if isinstance(node, BNode) and (node, RDF.first, None) in self.graph:
                yield from Collection(self.graph, node)
            else:
                yield node

    def terms(self, nodes: Iterable[Node]) -> tuple[Term, ...]:
        terms = [self.term(n) for n in self.expand(nodes)]
        tagged = [t for t in terms if t.lang is not None and t.href is None]
        if tagged and len(tagged) == len(terms) and any(t.lang == self.lang for t in tagged):
            terms = [t for t in terms if t.lang == self.lang]
        return tuple(sorted(terms, key=lambda t: t.text.casefold()))

    def facts(self, subject: Node, hidden: frozenset[URIRef]) -> tuple[Statement, ...]:
        predicates = {p for p in self.graph.predicates(subject) if isinstance(p, URIRef)}
        return tuple(
            Statement(self.term(p), self.terms(self.graph.objects(subject, p)))
            for p in sorted(predicates - hidden)
        )

    def doc(self, subject: URIRef, hidden: frozenset[URIRef] = _HIDDEN) -> TermDoc:
        facts = self.facts(subject, hidden)
        shapes = [s for s in self.graph.subjects(SH.targetClass, subject) if isinstance(s, URIRef)]
        if shapes:
            facts += (Statement(self.term(SH.NodeShape), self.terms(shapes)),)
        return TermDoc(
            anchor=str(subject)[len(_NS) :],
            iri=str(subject),
            label=self.text(subject, RDFS.label, SKOS.prefLabel) or Term(prefixed(str(subject))),
            definition=self.text(subject, SKOS.definition, RDFS.comment),
            facts=facts,
        )

    def node_shape(self, subject: URIRef) -> ShapeDoc:
        rows = [self.shape_property(p) for p in self.graph.objects(subject, SH.property)]
        return ShapeDoc(
            term=self.doc(subject, _HIDDEN | {SH.property}),
            properties=tuple(sorted(rows, key=lambda r: r.path.text.casefold())),
        )

    def shape_property(self, node: Node) -> ShapeProperty:
        g = self.graph
        low, high = g.value(node, SH.minCount), g.value(node, SH.maxCount)
        return ShapeProperty(
            shape=self.term(node),
            path=self.path(g.value(node, SH.path)),
            cardinality=f"{low or 0}..{high or '*'}",
            values=self.terms(o for p in _SHAPE_VALUE for o in g.objects(node, p)),
        )

    def path(self, node: Node | None) -> Term:
        """A property path: a property, or ``^property`` for an inverse path."""
        inverse = None if node is None else self.graph.value(node, SH.inversePath)
        if inverse is not None:
            term = self.term(inverse)
            return Term(f"^{term.text}", href=term.href, lang=term.lang, note=term.note)
        return self.term(node if node is not None else BNode())

    def sections(
        self, kinds: Iterable[tuple[str, URIRef]], subjects: list[URIRef], placed: set[URIRef]
    ) -> list[Section]:
        """A section per kind of term, each subject in the first that fits (one anchor each)."""
        found = []
        for key, kind in kinds:
            members = [s for s in subjects if (s, RDF.type, kind) in self.graph and s not in placed]
            placed.update(members)
            if members:
                found.append(Section(key, tuple(self.doc(s) for s in members)))
        return found


def ontology_page(graph: Graph, iri: str, *, lang: Lang, linker: Linker) -> OntologyPage:
    """The documentation of every ``pf:`` term in ``graph``, headed by the document ``iri``."""
    reader = _Reader(graph, lang, linker)
    ours = sorted({s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(_NS)})
    placed: set[URIRef] = set()
    sections = reader.sections(_VOCABULARY, ours, placed)
    node_shapes = [s for s in ours if (s, RDF.type, SH.NodeShape) in graph and s not in placed]
    placed.update(node_shapes)
    shape_sections = reader.sections(_SHAPES, ours, placed)
    rest = [s for s in ours if s not in placed]
    if rest:
        shape_sections.append(Section("ontology.other", tuple(reader.doc(s) for s in rest)))
    subject = URIRef(iri)
    return OntologyPage(
        iri=iri,
        title=reader.text(subject, DCTERMS.title, RDFS.label) or Term(iri),
        description=reader.text(subject, DCTERMS.description, RDFS.comment),
        header=reader.facts(subject, _HIDDEN | {DCTERMS.title, DCTERMS.description, RDF.type}),
        sections=tuple(sections),
        node_shapes=tuple(reader.node_shape(s) for s in node_shapes),
        shape_sections=tuple(shape_sections),
    )
