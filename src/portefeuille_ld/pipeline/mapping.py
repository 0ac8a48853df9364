"""Map a resolved `Portfolio` to the RDF graph of its edition: pure, no I/O.

The graph states our own terms and, beside them, the standard ones a consumer
without a reasoner expects (ORG, DCTERMS, SKOS, PROV, ELI, FOAF).
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import DCTERMS, ELI, FOAF, ORG, PF, PREFIXES, PROV, RDF, RDFS, SKOS
from portefeuille_ld.pipeline.portfolio import Entry, Initiative, Portfolio

__all__ = ["map_portfolio", "portfolio_triples"]

Triple = tuple[Node, Node, Node]
_Add = Callable[[URIRef, URIRef, "URIRef | Literal"], None]

_KIND_CLASS = {"programme": PF.Programme, "project": PF.Project, "deployment": PF.Deployment}


def map_portfolio(portfolio: Portfolio, iris: Iris, *, into: Graph | None = None) -> Graph:
    """The edition's graph: edition, entries, initiatives, organizations, legal texts.

    The triples are added to `into` when given (e.g. a named graph of a dataset, to save
    copying them there), else to a new graph; the graph is returned.
    """
    graph = Graph() if into is None else into
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    _Mapper(graph.add, portfolio, iris).map()
    return graph


def portfolio_triples(portfolio: Portfolio, iris: Iris) -> list[Triple]:
    """The triples `map_portfolio` adds to the graph, in a list (repeats included): for
    their N-Triples lines alone, without the cost of an rdflib graph's indexes."""
    triples: list[Triple] = []
    _Mapper(triples.append, portfolio, iris).map()
    return triples


def _labels(add: _Add, node: URIRef, fr: str, en: str) -> tuple[Literal, Literal]:
    """Add the French and English labels; return them, to be stated again (e.g. as titles)."""
    labels = Literal(fr, lang="fr"), Literal(en, lang="en")
    for label in labels:
        add(node, RDFS.label, label)
        add(node, SKOS.prefLabel, label)
    return labels


def _count(value: int) -> Literal:
    """Counts and ranks are plain xsd:integer: Oxigraph stores derived integer types as
    xsd:integer, so the endpoint and the dumps could not otherwise agree; shapes bound them."""
    return Literal(value, datatype=XSD.integer)


class _Mapper:
    def __init__(self, put: Callable[[Triple], object], portfolio: Portfolio, iris: Iris) -> None:
        self.put = put
        self.p = portfolio
        self.iris = iris
        self.edition_key = portfolio.source.edition
        self.edition = iris.edition(self.edition_key)
        self.source = iris.source_document(self.edition_key)
        self.by_key = {i.key: i for i in portfolio.initiatives}
        self.iris_seen: dict[URIRef | Literal, URIRef | Literal] = {}

    def map(self) -> None:
        self.edition_node()
        self.source_node()
        self.compositions()
        self.footnotes()
        self.organizations()
        self.legal_references()
        self.decisions()
        for initiative in self.p.initiatives:
            self.initiative(initiative)
        for entry in self.p.entries:
            self.entry(entry)

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        """Add a triple, each IRI as the one object already added for it: a namespace's
        attribute and `Iris` make a new one at each call, and the graph keeps them all."""
        seen = self.iris_seen
        self.put((seen.setdefault(s, s), seen.setdefault(p, p), seen.setdefault(o, o)))

    def edition_node(self) -> None:
        e, text, source = self.edition, self.p.text, self.p.source
        self.add(e, RDF.type, PF.PortfolioEdition)
        self.add(e, RDF.type, PROV.Entity)
        year = self.edition_key
        title = f"Portefeuille de projets prioritaires en ressources informationnelles {year}"
        title_en = f"Portfolio of priority information-resources projects {year}"
        _labels(self.add, e, title, title_en)
        self.add(e, DCTERMS.title, Literal(title, lang="fr"))
        self.add(e, DCTERMS.title, Literal(title_en, lang="en"))
        self.add(e, DCTERMS.description, Literal(text.context, lang="fr"))
        self.add(e, PF.fiscalYear, Literal(self.edition_key))
        self.add(e, DCTERMS.modified, Literal(text.updated, datatype=XSD.date))
        self.add(e, PF.statedProjectCount, _count(text.stated_total))
        self.add(e, DCTERMS.publisher, self.iris.organization(self.p.curation.publisher))
        self.add(e, DCTERMS.license, URIRef(source.licence))
        self.add(e, PROV.wasDerivedFrom, self.source)
        self.add(e, DCTERMS.source, self.source)
        for key in self.p.curation.edition_legal_basis:
            self.legal_link(e, key)

    def source_node(self) -> None:
        s, info = self.source, self.p.source
        for cls in (PF.SourceDocument, FOAF.Document, PROV.Entity):
            self.add(s, RDF.type, cls)
        self.add(s, DCTERMS.title, Literal(info.title, lang="fr"))
        self.add(s, RDFS.label, Literal(info.title, lang="fr"))
        self.add(s, FOAF.page, URIRef(info.url))
        self.add(s, DCTERMS.modified, Literal(info.modified, datatype=XSD.date))
        self.add(s, DCTERMS.publisher, self.iris.organization(self.p.curation.publisher))
        self.add(s, DCTERMS.license, URIRef(info.licence))
        self.add(s, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/fr"))

    def compositions(self) -> None:
        for stated in self.p.text.compositions:
            axis_key, axis = self.p.curation.tables[stated.table]
            node = self.iris.composition(self.edition_key, axis_key)
            self.add(node, RDF.type, PF.AxisComposition)
            self.add(self.edition, PF.composition, node)
            self.add(node, PF.edition, self.edition)
            self.add(node, PF.axis, PF[axis])
            self.add(node, PF.statedStandaloneProjectCount, _count(stated.standalone_projects))
            self.add(node, PF.statedProgrammeCount, _count(stated.programmes))
            self.add(node, PF.statedGroupedProjectCount, _count(stated.grouped_projects))
            _labels(
                self.add, node,
                f"Composition du tableau {stated.table} ({self.edition_key})",
                f"Composition of table {stated.table} ({self.edition_key})",
            )  # fmt: skip
            for number in stated.notes:
                self.add(node, PF.footnote, self.iris.footnote(self.edition_key, number))

    def footnotes(self) -> None:
        for number, text in sorted(self.p.text.notes.items()):
            node = self.iris.footnote(self.edition_key, number)
            self.add(node, RDF.type, PF.Footnote)
            self.add(node, PF.noteNumber, Literal(number, datatype=XSD.integer))
            self.add(node, DCTERMS.description, Literal(text, lang="fr"))
            self.add(node, PF.edition, self.edition)
            self.add(node, PROV.wasDerivedFrom, self.source)
            _labels(
                self.add,
                node,
                f"Note {number} ({self.edition_key})",
                f"Note {number} ({self.edition_key})",
            )

    def organizations(self) -> None:
        for org in self.p.curation.organizations:
            node = self.iris.organization(org.key)
            self.add(node, RDF.type, ORG.Organization)
            _labels(self.add, node, org.name, org.name_en)
            if org.acronym:
                self.add(node, SKOS.altLabel, Literal(org.acronym))
                self.add(node, DCTERMS.identifier, Literal(org.acronym))

    def legal_references(self) -> None:
        for ref in self.p.curation.legal_references:
            node = self.iris.legal_reference(ref.key)
            self.add(node, RDF.type, PF.LegalReference)
            self.add(node, RDF.type, ELI.LegalResource)
            _labels(self.add, node, ref.title, ref.title_en)
            self.add(node, DCTERMS.title, Literal(ref.title, lang="fr"))
            self.add(node, DCTERMS.title, Literal(ref.title_en, lang="en"))
            self.add(node, DCTERMS.identifier, Literal(ref.identifier))
            self.add(node, ELI.id_local, Literal(ref.identifier))
            if ref.legisquebec:
                self.add(node, RDFS.seeAlso, URIRef(ref.legisquebec))
                self.add(node, FOAF.page, URIRef(ref.legisquebec))
            if ref.relevant_amendment:
                self.add(
                    node,
                    PF.relevantAmendment,
                    Literal(ref.relevant_amendment, datatype=XSD.gYearMonth),
                )
            if ref.date:
                self.add(node, ELI.date_document, Literal(ref.date, datatype=XSD.date))
                self.add(node, DCTERMS.date, Literal(ref.date, datatype=XSD.date))
            if ref.issuer:
                self.add(node, DCTERMS.creator, self.iris.organization(ref.issuer))

    def decisions(self) -> None:
        for decision in self.p.curation.decisions:
            node = self.iris.decision(decision.key)
            self.add(node, RDF.type, PF.Decision)
            self.add(node, RDF.type, PROV.Entity)
            _labels(self.add, node, decision.title, decision.title_en)
            self.add(node, DCTERMS.title, Literal(decision.title, lang="fr"))
            maker = self.iris.organization(decision.maker)
            self.add(node, PF.decisionMaker, maker)
            self.add(node, PROV.wasAttributedTo, maker)

    def legal_link(self, node: URIRef, key: str) -> None:
        target = self.iris.legal_reference(key)
        self.add(node, PF.legalBasis, target)
        self.add(node, DCTERMS.references, target)

    def initiative(self, i: Initiative) -> None:
        node = self.iris.initiative(i.key)
        self.add(node, RDF.type, _KIND_CLASS[i.kind])
        self.add(node, RDF.type, PROV.Activity)
        for title in _labels(self.add, node, i.title, i.title_en):
            self.add(node, DCTERMS.title, title)
        self.add(node, DCTERMS.identifier, Literal(i.key))
        if i.description:
            self.add(node, DCTERMS.description, Literal(i.description, lang="fr"))
        org = self.iris.organization(i.organization)
        self.add(node, PF.responsibleOrganization, org)
        self.add(node, PROV.wasAssociatedWith, org)
        if i.programme:
            programme = self.iris.initiative(i.programme)
            self.add(node, PF.partOfProgramme, programme)
            self.add(node, DCTERMS.isPartOf, programme)
            self.add(programme, PF.hasComponent, node)
            self.add(programme, DCTERMS.hasPart, node)
        self.optional_facts(node, i)
        for key in i.legal_basis:
            self.legal_link(node, key)

    def optional_facts(self, node: URIRef, i: Initiative) -> None:
        if i.number is not None:
            self.add(node, PF.projectNumber, Literal(i.number, datatype=XSD.integer))
        if i.completed_in is not None:
            self.add(node, PF.completionYear, Literal(str(i.completed_in), datatype=XSD.gYear))
        if i.merged_project_count is not None:
            self.add(
                node,
                PF.mergedProjectCount,
                Literal(i.merged_project_count, datatype=XSD.integer),
            )
        if i.former_name:
            self.add(node, PF.formerName, Literal(i.former_name, lang="fr"))
            self.add(node, SKOS.hiddenLabel, Literal(i.former_name, lang="fr"))
        if i.former_co_carrier:
            self.add(node, PF.formerCoCarrier, self.iris.organization(i.former_co_carrier))
        if i.decision:
            self.add(node, PF.decision, self.iris.decision(i.decision))

    def entry(self, e: Entry) -> None:
        node = self.iris.entry(self.edition_key, e.initiative)
        initiative = self.iris.initiative(e.initiative)
        self.add(node, RDF.type, PF.PortfolioEntry)
        self.add(node, PF.edition, self.edition)
        self.add(self.edition, PF.hasEntry, node)
        self.add(node, PF.initiative, initiative)
        self.add(node, PF.axis, PF[self.p.curation.tables[e.table][1]])
        self.add(node, PF.position, Literal(e.position, datatype=XSD.integer))
        self.add(node, PF.status, PF.Completed if e.completed else PF.Active)
        for change in e.changes:
            self.add(node, PF.change, PF[change])
        for number in e.notes:
            self.add(node, PF.footnote, self.iris.footnote(self.edition_key, number))
        if e.stated_project_count is not None:
            self.add(node, PF.statedProjectCount, _count(e.stated_project_count))
        self.add(node, PROV.wasDerivedFrom, self.source)
        i = self.by_key[e.initiative]
        _labels(
            self.add, node,
            f"Inscription {self.edition_key} : {i.title}",
            f"{self.edition_key} entry: {i.title_en}",
        )  # fmt: skip
