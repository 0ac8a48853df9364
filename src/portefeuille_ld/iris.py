"""Every IRI the dataset mints, from stable keys: never from row order.

Things live under ``{base}id/…``; an initiative keeps one IRI from edition to
edition whatever it becomes (project, programme), and what belongs to one
edition hangs off the edition's IRI.

>>> iris = Iris("https://w3id.org/portefeuille-qc/")
>>> str(iris.initiative("lexius-p1"))
'https://w3id.org/portefeuille-qc/id/projet/lexius-p1'
>>> str(iris.entry("2025-2026", "lexius"))
'https://w3id.org/portefeuille-qc/id/portefeuille/2025-2026/inscription/lexius'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

__all__ = ["DEFAULT_BASE", "Iris", "slugify"]

DEFAULT_BASE = "https://w3id.org/portefeuille-qc/"

_KEY = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


def slugify(text: str) -> str:
    """Turn a French name into a key: lower case, no accents, hyphens.

    >>> slugify("Ministère de l’Enseignement supérieur")
    'ministere-de-l-enseignement-superieur'
    >>> slugify("  Rè-gles  RI 2025 ")
    're-gles-ri-2025'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a stable key: {key!r} (lower-case letters, digits, '-' and '.')")
    return key


@dataclass(frozen=True)
class Iris:
    """Mints the dataset's IRIs under one base (ending with '/')."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            raise ValueError(f"the base IRI must end with '/': {self.base!r}")

    def _iri(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(_checked(p) for p in parts))

    def edition(self, edition: str) -> URIRef:
        return self._iri("id", "portefeuille", edition)

    def entry(self, edition: str, initiative: str) -> URIRef:
        return self._iri("id", "portefeuille", edition, "inscription", initiative)

    def composition(self, edition: str, axis: str) -> URIRef:
        return self._iri("id", "portefeuille", edition, "composition", axis)

    def footnote(self, edition: str, number: int) -> URIRef:
        return self._iri("id", "portefeuille", edition, "note", str(number))

    def source_document(self, edition: str) -> URIRef:
        return self._iri("id", "source", f"portefeuille-{edition}")

    def initiative(self, key: str) -> URIRef:
        return self._iri("id", "projet", key)

    def organization(self, key: str) -> URIRef:
        return self._iri("id", "organisme", key)

    def legal_reference(self, key: str) -> URIRef:
        return self._iri("id", "reference-juridique", key)

    def decision(self, key: str) -> URIRef:
        return self._iri("id", "decision", key)

    def dataset(self) -> URIRef:
        return self._iri("id", "jeu-de-donnees")

    def edition_graph(self, edition: str) -> URIRef:
        return self._iri("graphe", edition)

    def ontology_graph(self) -> URIRef:
        return self._iri("graphe", "ontologie")

    def shapes_graph(self) -> URIRef:
        return self._iri("graphe", "formes")

    # The dataset's own description (VoID and DCAT-AP), and the URLs the server answers.

    def catalog(self) -> URIRef:
        return self._iri("id", "catalogue")

    def distribution(self, key: str) -> URIRef:
        """A distribution of the dataset, by format name (``turtle``) or ``sparql``.

        >>> str(Iris("https://example.org/").distribution("turtle"))
        'https://example.org/id/jeu-de-donnees/distribution/turtle'
        >>> str(Iris("https://example.org/").checksum("turtle"))
        'https://example.org/id/jeu-de-donnees/distribution/turtle/sha256'
        """
        return self._iri("id", "jeu-de-donnees", "distribution", key)

    def checksum(self, distribution: str) -> URIRef:
        """The SHA-256 checksum of a distribution's file."""
        return self._iri("id", "jeu-de-donnees", "distribution", distribution, "sha256")

    def class_partition(self, key: str) -> URIRef:
        return self._iri("id", "jeu-de-donnees", "partition", "classe", key)

    def property_partition(self, key: str) -> URIRef:
        return self._iri("id", "jeu-de-donnees", "partition", "propriete", key)

    def contact_point(self) -> URIRef:
        return self._iri("id", "jeu-de-donnees", "contact")

    def provenance(self) -> URIRef:
        return self._iri("id", "jeu-de-donnees", "provenance")

    def fiscal_period(self, edition: str) -> URIRef:
        """The fiscal year an edition covers.

        >>> str(Iris("https://example.org/").fiscal_period("2025-2026"))
        'https://example.org/id/portefeuille/2025-2026/periode'
        """
        return self._iri("id", "portefeuille", edition, "periode")

    def data_service(self, key: str) -> URIRef:
        """A service serving the dataset.

        >>> str(Iris("https://example.org/").data_service("sparql"))
        'https://example.org/id/service/sparql'
        """
        return self._iri("id", "service", key)

    def home_page(self) -> URIRef:
        return URIRef(self.base)

    def sparql_endpoint(self) -> URIRef:
        return self._iri("sparql")

    def dump(self, file_name: str) -> URIRef:
        """Where a dump file is downloaded.

        >>> str(Iris("https://example.org/").dump("portefeuille.nt"))
        'https://example.org/dumps/portefeuille.nt'
        """
        return self._iri("dumps", file_name)

    def void_document(self) -> URIRef:
        """The VoID description's URL (RFC 8615 well-known location).

        >>> str(Iris("https://example.org/").void_document())
        'https://example.org/.well-known/void'
        """
        return URIRef(self.base + ".well-known/void")

    def dcat_document(self) -> URIRef:
        return self._iri("dataset")
