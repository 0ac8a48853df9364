"""VoID: what the data holds (triples, entities, classes, properties) and where to get it.

`compute_statistics` counts a graph, `statistics_of_lines` the same from its sorted
N-Triples lines, as bytes (what the build runs, no term parsed);
`void_description` states the counts, the class and property partitions, the dumps and
the SPARQL endpoint about the dataset's IRI.

>>> from rdflib import Graph
>>> g = Graph().parse(data="<http://x/a> a <http://x/C> ; <http://x/p> 1 .", format="turtle")
>>> s = compute_statistics(g, uri_space="http://x/", example_classes=[URIRef("http://x/C")])
>>> s.triples, s.entities, s.distinct_objects, s.examples
(2, 1, 2, ('http://x/a',))
>>> s.classes
(ClassCount(iri='http://x/C', entities=1),)
>>> s.vocabularies
('http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'http://x/')
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from portefeuille_ld.iris import Iris, slugify
from portefeuille_ld.namespaces import ORG, PF, PREFIXES, RDF, VOID
from portefeuille_ld.pipeline.dumps import SortedTriples

__all__ = [
    "EXAMPLE_CLASSES",
    "ClassCount",
    "DatasetStatistics",
    "PropertyCount",
    "compute_statistics",
    "partition_key",
    "statistics_of_lines",
    "vocabulary",
    "void_description",
]

EXAMPLE_CLASSES = (PF.PortfolioEdition, PF.Programme, PF.Project, ORG.Organization)
"""The classes whose first instance (in IRI order) VoID gives as an example resource."""


@dataclass(frozen=True)
class ClassCount:
    """A class and its number of distinct instances (a VoID class partition)."""

    iri: str
    entities: int


@dataclass(frozen=True)
class PropertyCount:
    """A property and its number of triples (a VoID property partition)."""

    iri: str
    triples: int


@dataclass(frozen=True)
class DatasetStatistics:
    """What VoID says of the data; every list is sorted by IRI."""

    triples: int
    entities: int
    """Distinct IRI subjects under the dataset's URI space."""
    distinct_subjects: int
    distinct_objects: int
    classes: tuple[ClassCount, ...]
    properties: tuple[PropertyCount, ...]
    vocabularies: tuple[str, ...]
    """The namespaces of the classes and properties used."""
    examples: tuple[str, ...]
    """The first IRI instance (in IRI order) of each example class that has one."""


def compute_statistics(
    graph: Graph, *, uri_space: str = "", example_classes: Sequence[URIRef] = EXAMPLE_CLASSES
) -> DatasetStatistics:
    """Count `graph` in one pass; an entity is an IRI subject starting with `uri_space`
    (every IRI subject when it is empty)."""
    subjects: set[Node] = set()
    objects: set[Node] = set()
    predicates: Counter[str] = Counter()
    instances: defaultdict[str, set[Node]] = defaultdict(set)
    rdf_type = RDF.type  # a Namespace's attribute is built again at each access
    for s, p, o in graph:
        subjects.add(s)
        objects.add(o)
        predicates[str(p)] += 1
        if p == rdf_type and isinstance(o, URIRef):
            instances[str(o)].add(s)
    entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(uri_space)}
    return _statistics(
        counts=(len(graph), len(entities), len(subjects), len(objects)),
        instances={c: len(members) for c, members in instances.items()},
        first={
            c: min((str(s) for s in members if isinstance(s, URIRef)), default="")
            for c, members in instances.items()
        },
        predicates=predicates,
        example_classes=example_classes,
    )


def statistics_of_lines(
    lines: SortedTriples,
    *,
    uri_space: str = "",
    example_classes: Sequence[URIRef] = EXAMPLE_CLASSES,
) -> DatasetStatistics:
    """`compute_statistics` of the graph whose N-Triples lines these are, read as bytes.

    pyoxigraph writes each term one way only, so two terms are the same exactly when
    their texts are. IRIs hold neither ``>`` nor spaces, and a blank node label no space.

    >>> import pyoxigraph as ox
    >>> a, c = ox.NamedNode("http://x/a"), ox.NamedNode("http://x/C")
    >>> rdf_type = ox.NamedNode(str(RDF.type))
    >>> p = ox.NamedNode("http://x/p")
    >>> triples = [ox.Triple(a, rdf_type, c), ox.Triple(a, p, ox.Literal("1"))]
    >>> s = statistics_of_lines(SortedTriples.of(triples), uri_space="http://x/",
    ...                         example_classes=[URIRef("http://x/C")])
    >>> s.triples, s.entities, s.distinct_objects, s.classes, s.examples
    (2, 1, 2, (ClassCount(iri='http://x/C', entities=1),), ('http://x/a',))
    """
    subjects: set[bytes] = set()
    objects: set[bytes] = set()
    predicates: Counter[bytes] = Counter()
    instances: defaultdict[bytes, set[bytes]] = defaultdict(set)
    rdf_type = f"<{RDF.type}>".encode()
    triples = 0
    for subject, predicate, value in lines.terms():
        triples += 1
        subjects.add(subject)
        objects.add(value)
        predicates[predicate] += 1
        if predicate == rdf_type and value[0] == 0x3C:
            instances[value].add(subject)
    space = b"<" + uri_space.encode()
    entities = sum(1 for s in subjects if s.startswith(space))
    return _statistics(
        counts=(triples, entities, len(subjects), len(objects)),
        instances={_iri(c): len(members) for c, members in instances.items()},
        first={  # IRIs compared without their brackets: "<a-b>" sorts before "<a>"
            _iri(c): min((s[1:-1] for s in members if s[0] == 0x3C), default=b"").decode()
            for c, members in instances.items()
        },
        predicates={_iri(p): count for p, count in predicates.items()},
        example_classes=example_classes,
    )


def _statistics(
    *,
    counts: tuple[int, int, int, int],
    instances: Mapping[str, int],
    first: Mapping[str, str],
    predicates: Mapping[str, int],
    example_classes: Sequence[URIRef],
) -> DatasetStatistics:
    """What either reader counted, as `DatasetStatistics`, every list sorted by IRI.

    `counts` is (triples, entities, distinct subjects, distinct objects); `instances` the
    instances of each class, `first` its first IRI instance ("" if none), `predicates` the
    triples of each property.
    """
    triples, entities, subjects, objects = counts
    return DatasetStatistics(
        triples=triples,
        entities=entities,
        distinct_subjects=subjects,
        distinct_objects=objects,
        classes=tuple(ClassCount(c, instances[c]) for c in sorted(instances)),
        properties=tuple(PropertyCount(p, predicates[p]) for p in sorted(predicates)),
        vocabularies=tuple(sorted({vocabulary(t) for t in (*instances, *predicates)})),
        examples=tuple(first[c] for c in map(str, example_classes) if first.get(c)),
    )


def _iri(term: bytes) -> str:
    """The IRI of an N-Triples IRI term (``<…>``)."""
    return term[1:-1].decode()


def vocabulary(term: str) -> str:
    """The namespace of a term: the longest known prefix's, else up to its last '#' or '/'.

    >>> vocabulary("http://purl.org/dc/terms/title")
    'http://purl.org/dc/terms/'
    >>> vocabulary("http://example.org/ns/v1#thing")
    'http://example.org/ns/v1#'
    """
    known = [ns for ns in PREFIXES.values() if term.startswith(ns)]
    if known:
        return max(known, key=len)
    return term[: max(term.rfind("#"), term.rfind("/")) + 1]


def partition_key(term: str) -> str:
    """The key of a term's partition IRI: its prefixed name, readable and stable.

    >>> partition_key("https://w3id.org/portefeuille-qc/ontologie#hasEntry")
    'pf-has-entry'
    >>> partition_key("http://example.org/ns#Thing")
    'example-org-ns-thing'
    """
    for prefix, ns in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if term.startswith(ns):
            local = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", term[len(ns) :])
            return slugify(f"{prefix}-{local}")
    return slugify(term.split("://", 1)[-1])


def _keys(terms: Sequence[str]) -> dict[str, str]:
    keys = {term: partition_key(term) for term in terms}
    if len(set(keys.values())) != len(keys):
        raise ValueError(f"two terms share a partition key: {sorted(keys.items())}")
    return keys


def void_description(
    *, iris: Iris, statistics: DatasetStatistics, dump_files: Sequence[str]
) -> Graph:
    """The VoID triples about `iris.dataset()`: counts, partitions, dumps, endpoint.

    :raises ValueError: if two classes or two properties get the same partition key.
    """
    g, d = Graph(), iris.dataset()
    counts = {
        VOID.triples: statistics.triples,
        VOID.entities: statistics.entities,
        VOID.classes: len(statistics.classes),
        VOID.properties: len(statistics.properties),
        VOID.distinctSubjects: statistics.distinct_subjects,
        VOID.distinctObjects: statistics.distinct_objects,
    }
    g.add((d, RDF.type, VOID.Dataset))
    for prop, count in counts.items():
        g.add((d, prop, Literal(count)))
    g.add((d, VOID.uriSpace, Literal(iris.base + "id/")))
    g.add((d, VOID.sparqlEndpoint, iris.sparql_endpoint()))
    for name in dump_files:
        g.add((d, VOID.dataDump, iris.dump(name)))
    for iri in statistics.examples:
        g.add((d, VOID.exampleResource, URIRef(iri)))
    for iri in statistics.vocabularies:
        g.add((d, VOID.vocabulary, URIRef(iri)))
    _partitions(g, iris, statistics)
    return g


def _partitions(g: Graph, iris: Iris, statistics: DatasetStatistics) -> None:
    d = iris.dataset()
    class_keys = _keys([c.iri for c in statistics.classes])
    for c in statistics.classes:
        node = iris.class_partition(class_keys[c.iri])
        g.add((d, VOID.classPartition, node))
        g.add((node, RDF.type, VOID.Dataset))
        g.add((node, VOID["class"], URIRef(c.iri)))
        g.add((node, VOID.entities, Literal(c.entities)))
    property_keys = _keys([p.iri for p in statistics.properties])
    for p in statistics.properties:
        node = iris.property_partition(property_keys[p.iri])
        g.add((d, VOID.propertyPartition, node))
        g.add((node, RDF.type, VOID.Dataset))
        g.add((node, VOID.property, URIRef(p.iri)))
        g.add((node, VOID.triples, Literal(p.triples)))
