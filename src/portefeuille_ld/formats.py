"""The one table of formats we read and write, shaped like pyoxigraph's ``RdfFormat``.

A `Format` is a value: its media type, the other media types clients use for it
(declared here and nowhere else), its file extension, its kind and the pyoxigraph
format that serializes it.

>>> TURTLE.media_type, TURTLE.extension, TURTLE.kind
('text/turtle', 'ttl', 'rdf')
>>> from_media_type("text/plain") is N_TRIPLES
True
>>> from_extension("srj") is SPARQL_JSON
True
>>> from_name("json-ld") is JSON_LD
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pyoxigraph import QueryResultsFormat, RdfFormat

__all__ = [
    "FORMATS",
    "HTML",
    "JSON_LD",
    "N_QUADS",
    "N_TRIPLES",
    "RDF_XML",
    "SPARQL_CSV",
    "SPARQL_JSON",
    "SPARQL_TSV",
    "SPARQL_XML",
    "TRIG",
    "TURTLE",
    "Format",
    "FormatKind",
    "ResultKind",
    "formats_of_kind",
    "from_extension",
    "from_media_type",
    "from_name",
]

FormatKind = Literal["rdf", "results", "html"]
"""``rdf``: a graph or dataset; ``results``: SPARQL SELECT/ASK results; ``html``: a page."""

ResultKind = Literal["rdf", "results"]
"""What a SPARQL query answers: a graph (CONSTRUCT, DESCRIBE) or results (SELECT, ASK)."""


@dataclass(frozen=True)
class Format:
    """One serialization format.

    >>> SPARQL_CSV.content_type
    'text/csv; charset=utf-8'
    >>> SPARQL_JSON.accepts("application/json")
    True
    """

    name: str
    """Short lower-case name, usable in a ``format=`` parameter (``turtle``, ``json``)."""
    media_type: str
    """The canonical media type, without parameters."""
    aliases: tuple[str, ...]
    """Other media types that mean this format."""
    extension: str
    kind: FormatKind
    oxigraph: RdfFormat | QueryResultsFormat | None
    """The pyoxigraph format that writes it; None for formats pyoxigraph does not write."""
    label: str
    iri: str | None
    """The format's IRI in https://www.w3.org/ns/formats/ (service descriptions use it)."""

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value: every format we write is UTF-8 text."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def media_types(self) -> tuple[str, ...]:
        """The canonical media type followed by its aliases."""
        return (self.media_type, *self.aliases)

    def accepts(self, media_type: str) -> bool:
        """Whether ``media_type`` (parameters ignored, any case) names this format."""
        return _bare(media_type) in self.media_types


_W3C = "http://www.w3.org/ns/formats/"

TURTLE = Format(
    name="turtle",
    media_type="text/turtle",
    aliases=("application/x-turtle",),
    extension="ttl",
    kind="rdf",
    oxigraph=RdfFormat.TURTLE,
    label="Turtle",
    iri=_W3C + "Turtle",
)

N_TRIPLES = Format(
    name="n-triples",
    media_type="application/n-triples",
    aliases=("text/plain",),
    extension="nt",
    kind="rdf",
    oxigraph=RdfFormat.N_TRIPLES,
    label="N-Triples",
    iri=_W3C + "N-Triples",
)

JSON_LD = Format(
    name="json-ld",
    media_type="application/ld+json",
    aliases=("application/json",),
    extension="jsonld",
    kind="rdf",
    oxigraph=RdfFormat.JSON_LD,
    label="JSON-LD",
    iri=_W3C + "JSON-LD",
)

RDF_XML = Format(
    name="rdf-xml",
    media_type="application/rdf+xml",
    aliases=("application/xml", "text/xml"),
    extension="rdf",
    kind="rdf",
    oxigraph=RdfFormat.RDF_XML,
    label="RDF/XML",
    iri=_W3C + "RDF_XML",
)

N_QUADS = Format(
    name="n-quads",
    media_type="application/n-quads",
    aliases=("text/x-nquads",),
    extension="nq",
    kind="rdf",
    oxigraph=RdfFormat.N_QUADS,
    label="N-Quads",
    iri=_W3C + "N-Quads",
)

TRIG = Format(
    name="trig",
    media_type="application/trig",
    aliases=(),
    extension="trig",
    kind="rdf",
    oxigraph=RdfFormat.TRIG,
    label="TriG",
    iri=_W3C + "TriG",
)

SPARQL_JSON = Format(
    name="json",
    media_type="application/sparql-results+json",
    aliases=("application/json",),
    extension="srj",
    kind="results",
    oxigraph=QueryResultsFormat.JSON,
    label="SPARQL results in JSON",
    iri=_W3C + "SPARQL_Results_JSON",
)

SPARQL_XML = Format(
    name="xml",
    media_type="application/sparql-results+xml",
    aliases=("application/xml", "text/xml"),
    extension="srx",
    kind="results",
    oxigraph=QueryResultsFormat.XML,
    label="SPARQL results in XML",
    iri=_W3C + "SPARQL_Results_XML",
)

SPARQL_CSV = Format(
    name="csv",
    media_type="text/csv",
    aliases=(),
    extension="csv",
    kind="results",
    oxigraph=QueryResultsFormat.CSV,
    label="SPARQL results in CSV",
    iri=_W3C + "SPARQL_Results_CSV",
)

SPARQL_TSV = Format(
    name="tsv",
    media_type="text/tab-separated-values",
    aliases=(),
    extension="tsv",
    kind="results",
    oxigraph=QueryResultsFormat.TSV,
    label="SPARQL results in TSV",
    iri=_W3C + "SPARQL_Results_TSV",
)

HTML = Format(
    name="html",
    media_type="text/html",
    aliases=("application/xhtml+xml",),
    extension="html",
    kind="html",
    oxigraph=None,
    label="HTML",
    iri=None,
)

FORMATS: tuple[Format, ...] = (
    TURTLE,
    N_TRIPLES,
    JSON_LD,
    RDF_XML,
    N_QUADS,
    TRIG,
    SPARQL_JSON,
    SPARQL_XML,
    SPARQL_CSV,
    SPARQL_TSV,
    HTML,
)
"""Every format, in order of preference within each kind (the first is the default)."""


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _key(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _candidates(kind: FormatKind | None) -> tuple[Format, ...]:
    return FORMATS if kind is None else formats_of_kind(kind)


def formats_of_kind(kind: FormatKind) -> tuple[Format, ...]:
    """The formats of one kind, the preferred one first.

    >>> [f.name for f in formats_of_kind("results")]
    ['json', 'xml', 'csv', 'tsv']
    """
    return tuple(f for f in FORMATS if f.kind == kind)


def from_media_type(media_type: str, *, kind: FormatKind | None = None) -> Format | None:
    """The format a media type (or one of its aliases) names; parameters are ignored.

    When an alias is shared (``application/json``), the first format of the table wins
    unless ``kind`` narrows the search.

    >>> from_media_type("text/csv; charset=utf-8") is SPARQL_CSV
    True
    >>> from_media_type("application/json", kind="rdf") is JSON_LD
    True
    >>> from_media_type("application/json", kind="results") is SPARQL_JSON
    True
    >>> from_media_type("image/png") is None
    True
    """
    bare = _bare(media_type)
    candidates = _candidates(kind)
    exact = next((f for f in candidates if f.media_type == bare), None)
    return exact or next((f for f in candidates if bare in f.aliases), None)


def from_extension(extension: str, *, kind: FormatKind | None = None) -> Format | None:
    """The format of a file extension, with or without its dot.

    >>> from_extension(".nq") is N_QUADS
    True
    >>> from_extension("docx") is None
    True
    """
    wanted = extension.lower().removeprefix(".")
    return next((f for f in _candidates(kind) if f.extension == wanted), None)


def from_name(name: str, *, kind: FormatKind | None = None) -> Format | None:
    """The format a short name or extension designates; case, ``-`` and ``/`` do not matter.

    >>> from_name("RDF/XML") is RDF_XML
    True
    >>> from_name("ttl") is TURTLE
    True
    >>> from_name("ntriples") is N_TRIPLES
    True
    >>> from_name("yaml") is None
    True
    """
    key = _key(name)
    if not key:
        return None
    return next(
        (f for f in _candidates(kind) if key in (_key(f.name), f.extension, _key(f.label))),
        None,
    )
