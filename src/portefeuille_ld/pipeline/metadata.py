"""The dataset's own description, VoID and DCAT-AP 3, as one graph: pure, no I/O, no blank node.

`read_editions` takes each edition's facts (date, source page, licence, publisher) from the
data itself; `describe_dataset` adds the statistics and the dump files, and gives the graph
served at ``/.well-known/void`` and ``/dataset``. The same inputs give the same graph.

>>> from rdflib import Graph
>>> from portefeuille_ld.pipeline.void import compute_statistics
>>> iris = Iris("https://example.org/")
>>> mcn = Agent(str(iris.organization("mcn")), "Ministère de la Cybersécurité et du Numérique",
...             "Ministry of Cybersecurity and Digital Technology")
>>> edition = EditionInfo("2025-2026", "2025-09-12", "https://www.quebec.ca/", CC_BY_4_0, mcn)
>>> dump = DumpFile("portefeuille.nt", "application/n-triples", 1234, "ab" * 32)
>>> graph = describe_dataset(iris=iris, files=[dump], statistics=compute_statistics(Graph()),
...                          editions=[edition], build_date="2025-09-12")
>>> graph.value(iris.distribution("n-triples"), DCAT.byteSize).toPython()
1234
>>> str(graph.value(iris.dataset(), VOID.sparqlEndpoint))
'https://example.org/sparql'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from portefeuille_ld.formats import Format, from_media_type
from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import (
    DCAT,
    DCATAP,
    DCTERMS,
    FOAF,
    ONTOLOGY_IRI,
    PF,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    VOID,
    XSD,
)
from portefeuille_ld.pipeline.void import DatasetStatistics, void_description

__all__ = [
    "CC_BY_4_0",
    "Agent",
    "DumpFile",
    "EditionInfo",
    "describe_dataset",
    "read_editions",
]

CC_BY_4_0 = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class DumpFile:
    """One published dump file (the fields of a manifest entry)."""

    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Agent:
    """An organization, by IRI, with its French and English names."""

    iri: str
    name: str
    name_en: str


@dataclass(frozen=True)
class EditionInfo:
    """What the description needs to know of one edition of the portfolio."""

    edition: str
    """The fiscal year, ``2025-2026``: from 1 April to 31 March."""
    modified: str
    """The official page's last update (ISO date)."""
    source_url: str
    licence: str
    publisher: Agent
    triples: int | None = None
    """Triples of the edition's named graph, when known."""


def read_editions(graph: Graph) -> tuple[EditionInfo, ...]:
    """Each `pf:PortfolioEdition` of the data, with the facts the description states.

    :raises ValueError: naming the edition and the property that is missing.
    """
    editions = []
    for node in sorted(graph.subjects(RDF.type, PF.PortfolioEdition), key=str):
        source = _value(graph, node, PROV.wasDerivedFrom)
        publisher = _value(graph, node, DCTERMS.publisher)
        editions.append(
            EditionInfo(
                edition=str(_value(graph, node, PF.fiscalYear)),
                modified=str(_value(graph, node, DCTERMS.modified)),
                source_url=str(_value(graph, source, FOAF.page)),
                licence=str(_value(graph, node, DCTERMS.license)),
                publisher=Agent(
                    str(publisher),
                    str(_value(graph, publisher, RDFS.label, lang="fr")),
                    str(_value(graph, publisher, RDFS.label, lang="en")),
                ),
            )
        )
    return tuple(editions)


def _value(graph: Graph, node: Node, prop: URIRef, *, lang: str | None = None) -> Node:
    for value in sorted(graph.objects(node, prop), key=str):
        if lang is None or (isinstance(value, Literal) and value.language == lang):
            return value
    wanted = f"{prop}@{lang}" if lang else str(prop)
    raise ValueError(f"{node} has no {wanted}: the description needs it in the data")


def describe_dataset(
    *,
    iris: Iris,
    files: Sequence[DumpFile],
    statistics: DatasetStatistics,
    editions: Sequence[EditionInfo],
    build_date: str,
) -> Graph:
    """The VoID and DCAT-AP 3 description of the dataset, its dumps and its SPARQL service.

    `files` are the data dumps, at most one per RDF format, each with its format's canonical
    media type; each becomes a distribution.
    The publisher, licence and contact come from the latest edition.

    :raises ValueError: no edition, a date that is not ISO, a file that is not an RDF dump,
        two dumps in one format, or editions under different licences.
    """
    if not editions:
        raise ValueError("no edition to describe")
    licences = {e.licence for e in editions}
    if len(licences) != 1:
        raise ValueError(f"the editions have different licences: {sorted(licences)}")
    for e in editions:
        _check_date(e.modified, f"the modified date of edition {e.edition}")
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    ordered = tuple(sorted(editions, key=lambda e: e.edition))
    describer = _Describer(graph, iris, ordered, _check_date(build_date, "build_date"))
    dumps = _dumps(files)
    describer.describe(dumps)
    graph += void_description(
        iris=iris, statistics=statistics, dump_files=[f.name for _, f in dumps]
    )
    return graph


def _check_date(value: str, what: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} is {value!r}, not an ISO date (YYYY-MM-DD)") from None
    return value


def _fiscal_year(edition: str) -> tuple[str, str]:
    match = re.fullmatch(r"(\d{4})-(\d{4})", edition)
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"edition {edition!r} is not a fiscal year such as 2025-2026")
    return f"{match[1]}-04-01", f"{match[2]}-03-31"


@dataclass(frozen=True)
class _DumpFormat:
    file_type: str
    """Its code in the EU file-type authority table."""
    w3c: str
    """Its local name under http://www.w3.org/ns/formats/."""
    quads: bool
    """Whether it keeps the named graphs (it then also holds the ontology and the shapes)."""


_DUMP_FORMATS = {
    "turtle": _DumpFormat("RDF_TURTLE", "Turtle", quads=False),
    "n-triples": _DumpFormat("RDF_N_TRIPLES", "N-Triples", quads=False),
    "json-ld": _DumpFormat("JSON_LD", "JSON-LD", quads=False),
    "rdf-xml": _DumpFormat("RDF_XML", "RDF_XML", quads=False),
    "n-quads": _DumpFormat("RDF_N_QUADS", "N-Quads", quads=True),
    "trig": _DumpFormat("RDF_TRIG", "TriG", quads=True),
}


def _dumps(files: Sequence[DumpFile]) -> list[tuple[Format, DumpFile]]:
    dumps: dict[str, tuple[Format, DumpFile]] = {}
    for file in sorted(files, key=lambda f: f.name):
        fmt = from_media_type(file.media_type, kind="rdf")
        if fmt is None or fmt.media_type != file.media_type or fmt.name not in _DUMP_FORMATS:
            raise ValueError(f"{file.name}: {file.media_type} is not an RDF dump format")
        if fmt.name in dumps:
            raise ValueError(f"two dumps in {fmt.label}: {dumps[fmt.name][1].name} and {file.name}")
        dumps[fmt.name] = (fmt, file)
    return list(dumps.values())


_EU = "http://publications.europa.eu/resource/authority/"
_IANA = "https://www.iana.org/assignments/media-types/"
_FRA, _ENG = URIRef(_EU + "language/FRA"), URIRef(_EU + "language/ENG")
_GOVE = URIRef(_EU + "data-theme/GOVE")
_DATA_THEMES = URIRef(_EU + "data-theme")
_AVAILABLE = URIRef(_EU + "planned-availability/AVAILABLE")
_SPARQL_QUERY = URIRef(_EU + "file-type/SPARQLQ")
_QUEBEC = URIRef("https://sws.geonames.org/6115047/")
_ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
_REGIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
_SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")

_LICENCE_TYPES = {CC_BY_4_0: _ATTRIBUTION}
"""The ADMS licence type of each licence we know."""

_CONCEPTS = {
    _GOVE: ("Gouvernement et secteur public", "Government and public sector"),
    _AVAILABLE: ("disponible", "available"),
    _ATTRIBUTION: ("Attribution", "Attribution"),
    _REGIONAL_AUTHORITY: ("Autorité régionale", "Regional authority"),
}
"""The code-list concepts we cite, with their labels, so that a reader needs no other lookup."""

_TEXTS = {
    "dataset.title": (
        "Portefeuille de projets prioritaires gouvernemental en transformation numérique "
        "(données ouvertes liées)",
        "Government portfolio of priority digital transformation projects (linked open data)",
    ),
    "dataset.description": (
        "Le portefeuille de projets prioritaires en ressources informationnelles du "
        "gouvernement du Québec, édition par édition, en données ouvertes liées : programmes, "
        "projets et sous-projets, leur statut, les organismes responsables et les fondements "
        "juridiques, tirés du texte officiel publié sur Québec.ca. Ontologie OWL, validation "
        "SHACL, fichiers RDF complets et point d'accès SPARQL.",
        "The Government of Québec's portfolio of priority information-resources projects, "
        "edition by edition, as linked open data: programmes, projects and sub-projects, their "
        "status, responsible organizations and legal bases, taken from the official text "
        "published on Québec.ca. OWL ontology, SHACL validation, full RDF downloads and a "
        "SPARQL endpoint.",
    ),
    "provenance": (
        "Établi à partir du texte officiel publié sur Québec.ca, conservé tel quel et vérifié "
        "par sa somme SHA-256 ; clés stables, libellés anglais et liens viennent d'un fichier "
        "de curation relu ; chaque édition est validée par des formes SHACL.",
        "Built from the official text published on Québec.ca, kept unchanged and checked by "
        "its SHA-256; stable keys, English labels and links come from a reviewed curation "
        "file; each edition is validated against SHACL shapes.",
    ),
    "catalog.title": ("Catalogue de portefeuille-ld", "portefeuille-ld catalogue"),
    "catalog.description": (
        "Le jeu de données du portefeuille de projets prioritaires et son service SPARQL.",
        "The dataset of the portfolio of priority projects and its SPARQL service.",
    ),
    "service.title": ("Service SPARQL 1.1 du portefeuille", "SPARQL 1.1 service of the portfolio"),
    "service.description": (
        "Requêtes SPARQL 1.1 en lecture seule sur toutes les éditions.",
        "Read-only SPARQL 1.1 queries over every edition.",
    ),
    "sparql.title": ("Point d'accès SPARQL", "SPARQL endpoint"),
    "dump.title": ("Jeu de données complet en {label}", "Full dataset in {label}"),
    "dump.triples": (
        "Fichier {file} : l'union des graphes des éditions.",
        "File {file}: the union of the editions' graphs.",
    ),
    "dump.quads": (
        "Fichier {file} : un graphe nommé par édition, plus l'ontologie et les formes SHACL.",
        "File {file}: one named graph per edition, plus the ontology and the SHACL shapes.",
    ),
    "period": ("Exercice financier {edition}", "Fiscal year {edition}"),
    "subset": ("Édition {edition} du portefeuille", "{edition} edition of the portfolio"),
}
"""Every French and English text of the description; `{field}`s are filled in per node."""

_KEYWORDS = (
    ("transformation numérique", "digital transformation"),
    ("ressources informationnelles", "information resources"),
    ("projets prioritaires", "priority projects"),
    ("portefeuille de projets", "project portfolio"),
    ("administration publique", "public administration"),
    ("Québec", "Quebec"),
)


class _Describer:
    def __init__(
        self, graph: Graph, iris: Iris, editions: tuple[EditionInfo, ...], build_date: str
    ) -> None:
        self.g, self.iris, self.editions = graph, iris, editions
        self.latest = editions[-1]
        self.build_date = Literal(build_date, datatype=XSD.date)
        self.issued = Literal(editions[0].modified, datatype=XSD.date)
        self.dataset = iris.dataset()
        self.publisher = URIRef(self.latest.publisher.iri)
        self.licence = URIRef(self.latest.licence)
        self.service = iris.data_service("sparql")
        self.contact = iris.contact_point()

    def add(self, s: URIRef, p: URIRef, *objects: URIRef | Literal) -> None:
        for o in objects:
            self.g.add((s, p, o))

    def text(self, node: URIRef, prop: URIRef, key: str, **fields: str) -> None:
        fr, en = _TEXTS[key]
        self.add(node, prop, Literal(fr.format(**fields), lang="fr"))
        self.add(node, prop, Literal(en.format(**fields), lang="en"))

    def describe(self, dumps: list[tuple[Format, DumpFile]]) -> None:
        self.catalog()
        self.dcat_dataset()
        for edition in self.editions:
            self.edition(edition)
        for fmt, file in dumps:
            self.dump(fmt, file)
        self.sparql()
        self.agents()
        self.code_lists()

    def common(self, node: URIRef, kind: str) -> None:
        """What the catalogue, the dataset and the service all state."""
        self.text(node, DCTERMS.title, f"{kind}.title")
        self.text(node, DCTERMS.description, f"{kind}.description")
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, DCTERMS.license, self.licence)
        self.add(node, DCTERMS.language, _FRA, _ENG)

    def catalog(self) -> None:
        c = self.iris.catalog()
        self.add(c, RDF.type, DCAT.Catalog)
        self.common(c, "catalog")
        self.add(c, FOAF.homepage, self.iris.home_page())
        self.add(c, DCAT.dataset, self.dataset)
        self.add(c, DCAT.service, self.service)
        self.add(c, DCAT.themeTaxonomy, _DATA_THEMES)
        self.add(c, DCTERMS.spatial, _QUEBEC)
        self.add(c, DCTERMS.issued, self.issued)
        self.add(c, DCTERMS.modified, self.build_date)

    def dcat_dataset(self) -> None:
        d = self.dataset
        self.add(d, RDF.type, DCAT.Dataset, VOID.Dataset)
        self.common(d, "dataset")
        for fr, en in _KEYWORDS:
            self.add(d, DCAT.keyword, Literal(fr, lang="fr"), Literal(en, lang="en"))
        self.add(d, DCAT.theme, _GOVE)
        self.add(d, DCTERMS.spatial, _QUEBEC)
        self.add(d, DCAT.contactPoint, self.contact)
        self.add(d, DCAT.landingPage, self.iris.home_page())
        self.add(d, FOAF.page, URIRef(self.latest.source_url))
        self.add(d, DCTERMS.conformsTo, ONTOLOGY_IRI)
        self.add(d, DCTERMS.issued, self.issued)
        self.add(d, DCTERMS.modified, self.build_date)
        provenance = self.iris.provenance()
        self.add(d, DCTERMS.provenance, provenance)
        self.add(provenance, RDF.type, DCTERMS.ProvenanceStatement)
        self.text(provenance, RDFS.label, "provenance")

    def edition(self, e: EditionInfo) -> None:
        """The edition's fiscal year, its source, and its named graph as a VoID subset."""
        period, source = self.iris.fiscal_period(e.edition), self.iris.source_document(e.edition)
        start, end = _fiscal_year(e.edition)
        self.add(period, RDF.type, DCTERMS.PeriodOfTime)
        self.add(period, DCAT.startDate, Literal(start, datatype=XSD.date))
        self.add(period, DCAT.endDate, Literal(end, datatype=XSD.date))
        self.text(period, RDFS.label, "period", edition=e.edition)
        self.add(self.dataset, DCTERMS.temporal, period)
        self.add(self.dataset, PROV.wasDerivedFrom, source)
        self.add(self.dataset, VOID.rootResource, self.iris.edition(e.edition))
        subset = self.iris.edition_graph(e.edition)
        self.add(self.dataset, VOID.subset, subset)
        self.add(subset, RDF.type, VOID.Dataset)
        self.text(subset, DCTERMS.title, "subset", edition=e.edition)
        self.add(subset, FOAF.primaryTopic, self.iris.edition(e.edition))
        self.add(subset, DCTERMS.temporal, period)
        self.add(subset, DCTERMS.modified, Literal(e.modified, datatype=XSD.date))
        self.add(subset, PROV.wasDerivedFrom, source)
        if e.triples is not None:
            self.add(subset, VOID.triples, Literal(e.triples))

    def distribution(self, key: str, access: URIRef, file_type: URIRef) -> URIRef:
        node = self.iris.distribution(key)
        self.add(self.dataset, DCAT.distribution, node)
        self.add(node, RDF.type, DCAT.Distribution)
        self.add(node, DCAT.accessURL, access)
        self.add(node, DCTERMS["format"], file_type)
        self.add(file_type, RDF.type, DCTERMS.MediaTypeOrExtent)
        self.add(node, DCTERMS.license, self.licence)
        self.add(node, DCATAP.availability, _AVAILABLE)
        self.add(node, DCTERMS.modified, self.build_date)
        return node

    def dump(self, fmt: Format, file: DumpFile) -> None:
        info, url = _DUMP_FORMATS[fmt.name], self.iris.dump(file.name)
        node = self.distribution(fmt.name, url, URIRef(_EU + "file-type/" + info.file_type))
        self.text(node, DCTERMS.title, "dump.title", label=fmt.label)
        self.text(
            node,
            DCTERMS.description,
            "dump.quads" if info.quads else "dump.triples",
            file=file.name,
        )
        self.add(node, DCAT.downloadURL, url)
        media_type = URIRef(_IANA + fmt.media_type)
        self.add(node, DCAT.mediaType, media_type)
        self.add(media_type, RDF.type, DCTERMS.MediaType)
        self.add(node, DCAT.byteSize, Literal(file.size, datatype=XSD.nonNegativeInteger))
        checksum = self.iris.checksum(fmt.name)
        self.add(node, SPDX.checksum, checksum)
        self.add(checksum, RDF.type, SPDX.Checksum)
        self.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        self.add(SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm)
        self.add(checksum, SPDX.checksumValue, Literal(file.sha256.lower(), datatype=XSD.hexBinary))
        self.add(self.dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/" + info.w3c))

    def sparql(self) -> None:
        """The SPARQL endpoint: a data service, and a distribution that reaches it."""
        s, endpoint = self.service, self.iris.sparql_endpoint()
        self.add(s, RDF.type, DCAT.DataService)
        self.common(s, "service")
        self.add(s, DCAT.endpointURL, endpoint)
        self.add(s, DCAT.endpointDescription, endpoint)
        self.add(s, DCAT.servesDataset, self.dataset)
        self.add(s, DCTERMS.conformsTo, _SPARQL_PROTOCOL)
        self.add(s, DCAT.contactPoint, self.contact)
        self.add(s, DCAT.theme, _GOVE)
        self.add(s, DCAT.landingPage, self.iris.home_page())
        for fr, en in _KEYWORDS[:3]:
            self.add(s, DCAT.keyword, Literal(fr, lang="fr"), Literal(en, lang="en"))
        node = self.distribution("sparql", endpoint, _SPARQL_QUERY)
        self.text(node, DCTERMS.title, "sparql.title")
        self.text(node, DCTERMS.description, "service.description")
        self.add(node, DCAT.accessService, s)

    def agents(self) -> None:
        """The publisher as DCAT-AP wants it, and an honest contact point: no invented e-mail."""
        agent = self.latest.publisher
        names = Literal(agent.name, lang="fr"), Literal(agent.name_en, lang="en")
        self.add(self.publisher, RDF.type, FOAF.Agent)
        self.add(self.publisher, FOAF.name, *names)
        self.add(self.publisher, DCTERMS.type, _REGIONAL_AUTHORITY)
        self.add(self.contact, RDF.type, VCARD.Kind, VCARD.Organization)
        self.add(self.contact, VCARD.fn, *names)
        self.add(self.contact, VCARD.hasURL, URIRef(self.latest.source_url))

    def code_lists(self) -> None:
        """Type the external IRIs we cite: what the ranges of DCTERMS and DCAT entail."""
        for concept, (fr, en) in _CONCEPTS.items():
            self.add(concept, RDF.type, SKOS.Concept)
            self.add(concept, SKOS.prefLabel, Literal(fr, lang="fr"), Literal(en, lang="en"))
        self.add(_GOVE, SKOS.inScheme, _DATA_THEMES)
        self.add(_DATA_THEMES, RDF.type, SKOS.ConceptScheme)
        self.add(_DATA_THEMES, DCTERMS.title, Literal("Data theme", lang="en"))
        self.add(self.licence, RDF.type, DCTERMS.LicenseDocument)
        if licence_type := _LICENCE_TYPES.get(str(self.licence)):
            self.add(self.licence, DCTERMS.type, licence_type)
        self.add(_FRA, RDF.type, DCTERMS.LinguisticSystem)
        self.add(_ENG, RDF.type, DCTERMS.LinguisticSystem)
        self.add(_QUEBEC, RDF.type, DCTERMS.Location)
        self.add(_QUEBEC, RDFS.label, Literal("Québec", lang="fr"), Literal("Quebec", lang="en"))
        self.add(ONTOLOGY_IRI, RDF.type, DCTERMS.Standard)
        self.add(_SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard)
        for page in (self.iris.home_page(), *(URIRef(e.source_url) for e in self.editions)):
            self.add(page, RDF.type, FOAF.Document)
