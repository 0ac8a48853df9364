"""Human labels for the terms of the standard vocabularies the data uses, and prefixed names.

Our own terms are labelled in the ontology (read from the store); the standard ones
(RDF, RDFS, SKOS, DCTERMS, PROV, ORG, ELI, FOAF, OWL, SHACL) are labelled here, in
French and English. Anything else is shown by its prefixed name.

>>> KNOWN_LABELS[str(DCTERMS.isPartOf)]
('fait partie de', 'is part of')
>>> prefixed("http://www.w3.org/ns/prov#wasDerivedFrom")
'prov:wasDerivedFrom'
>>> prefixed("http://example.org/x")
'http://example.org/x'
"""

from __future__ import annotations

from rdflib import Namespace

from portefeuille_ld.namespaces import (
    DCAT,
    DCTERMS,
    ELI,
    FOAF,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    VOID,
)

__all__ = ["KNOWN_LABELS", "VANN", "prefixed"]

VANN = Namespace("http://purl.org/vocab/vann/")
"""Vocabulary annotations (the ontology's preferred prefix), not in `namespaces.PREFIXES`."""

KNOWN_LABELS: dict[str, tuple[str, str]] = {
    str(term): labels
    for term, labels in (
        (RDF.type, ("type", "type")),
        (RDFS.label, ("libellé", "label")),
        (RDFS.comment, ("commentaire", "comment")),
        (RDFS.seeAlso, ("voir aussi", "see also")),
        (RDFS.isDefinedBy, ("défini par", "defined by")),
        (RDFS.subClassOf, ("sous-classe de", "subclass of")),
        (RDFS.subPropertyOf, ("sous-propriété de", "subproperty of")),
        (RDFS.domain, ("domaine", "domain")),
        (RDFS.range, ("portée", "range")),
        (SKOS.prefLabel, ("libellé préféré", "preferred label")),
        (SKOS.altLabel, ("autre libellé", "alternative label")),
        (SKOS.definition, ("définition", "definition")),
        (SKOS.notation, ("notation", "notation")),
        (SKOS.inScheme, ("dans le schéma", "in scheme")),
        (SKOS.topConceptOf, ("concept de tête de", "top concept of")),
        (SKOS.hasTopConcept, ("a pour concept de tête", "has top concept")),
        (SKOS.Concept, ("concept", "concept")),
        (SKOS.ConceptScheme, ("schéma de concepts", "concept scheme")),
        (DCTERMS.title, ("titre", "title")),
        (DCTERMS.description, ("description", "description")),
        (DCTERMS.identifier, ("identifiant", "identifier")),
        (DCTERMS.isPartOf, ("fait partie de", "is part of")),
        (DCTERMS.hasPart, ("comprend", "has part")),
        (DCTERMS.references, ("fait référence à", "references")),
        (DCTERMS.date, ("date", "date")),
        (DCTERMS.issued, ("publié le", "issued")),
        (DCTERMS.modified, ("modifié le", "modified")),
        (DCTERMS.publisher, ("éditeur", "publisher")),
        (DCTERMS.license, ("licence", "licence")),
        (DCTERMS.language, ("langue", "language")),
        (DCTERMS.source, ("source", "source")),
        (DCTERMS.type, ("type", "type")),
        (PROV.Entity, ("entité", "entity")),
        (PROV.Activity, ("activité", "activity")),
        (PROV.wasDerivedFrom, ("dérivé de", "derived from")),
        (PROV.wasAssociatedWith, ("associé à", "associated with")),
        (PROV.wasAttributedTo, ("attribué à", "attributed to")),
        (ORG.Organization, ("organisation", "organization")),
        (ELI.LegalResource, ("ressource juridique", "legal resource")),
        (ELI.date_document, ("date du document", "document date")),
        (ELI.id_local, ("identifiant local", "local identifier")),
        (FOAF.Document, ("document", "document")),
        (FOAF.page, ("page web", "web page")),
        (OWL.Class, ("classe", "class")),
        (OWL.ObjectProperty, ("propriété d’objet", "object property")),
        (OWL.DatatypeProperty, ("propriété de données", "datatype property")),
        (OWL.FunctionalProperty, ("propriété fonctionnelle", "functional property")),
        (OWL.Ontology, ("ontologie", "ontology")),
        (OWL.versionIRI, ("IRI de version", "version IRI")),
        (OWL.versionInfo, ("version", "version")),
        (OWL.inverseOf, ("inverse de", "inverse of")),
        (SH.NodeShape, ("forme de nœud", "node shape")),
        (SH.PropertyShape, ("forme de propriété", "property shape")),
        (SH.SPARQLConstraint, ("contrainte SPARQL", "SPARQL constraint")),
        (SH.targetClass, ("classe visée", "target class")),
        (SH.target, ("cible", "target")),
        (SH.property, ("propriété contrainte", "constrained property")),
        (SH.path, ("chemin", "path")),
        (SH.minCount, ("nombre minimal", "minimum count")),
        (SH.maxCount, ("nombre maximal", "maximum count")),
        (SH.datatype, ("type de données", "datatype")),
        (SH["class"], ("classe des valeurs", "class of values")),
        (SH["in"], ("valeurs permises", "allowed values")),
        (SH.hasValue, ("valeur requise", "required value")),
        (SH.nodeKind, ("sorte de nœud", "node kind")),
        (SH.pattern, ("motif", "pattern")),
        (SH.languageIn, ("langues permises", "allowed languages")),
        (SH.uniqueLang, ("une valeur par langue", "unique language")),
        (SH.equals, ("égale", "equals")),
        (SH.closed, ("fermée", "closed")),
        (SH.ignoredProperties, ("propriétés ignorées", "ignored properties")),
        (SH.severity, ("gravité", "severity")),
        (SH.message, ("message", "message")),
        (SH.sparql, ("contrainte SPARQL", "SPARQL constraint")),
        (SH.select, ("requête", "query")),
        (SH.prefixes, ("préfixes", "prefixes")),
        (SH.declare, ("déclare", "declares")),
        (SH.Violation, ("violation", "violation")),
        (SH.Warning, ("avertissement", "warning")),
        (SH.IRI, ("IRI", "IRI")),
        (VANN.preferredNamespacePrefix, ("préfixe préféré", "preferred namespace prefix")),
        (VANN.preferredNamespaceUri, ("espace de noms", "namespace")),
        (OWL.imports, ("importe", "imports")),
        (DCAT.Dataset, ("jeu de données", "dataset")),
        (VOID.Dataset, ("jeu de données VoID", "VoID dataset")),
    )
}
"""Labels (français, English) of standard terms, by IRI."""


def prefixed(iri: str) -> str:
    """``prefix:local`` for an IRI of a known namespace, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
