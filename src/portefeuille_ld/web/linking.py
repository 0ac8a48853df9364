"""Canonical IRIs ↔ paths of this server, by prefix replacement: pure functions.

The dataset's IRIs live under one canonical base (``Settings.base_iri``), the ontology
and the shapes under their own IRIs (``pf:`` is fixed, whatever the base); the server
may be reached at another base (``http://127.0.0.1:8000/``). A path of the server is the
IRI's remainder after its base, so the same build can be served anywhere.

>>> linker = Linker("https://w3id.org/portefeuille-qc/", "http://127.0.0.1:8000/")
>>> linker.iri_of("id/projet/lexius")
'https://w3id.org/portefeuille-qc/id/projet/lexius'
>>> linker.path_of("https://w3id.org/portefeuille-qc/ontologie#Project")
'ontologie#Project'
>>> linker.href("https://w3id.org/portefeuille-qc/id/projet/lexius")
'http://127.0.0.1:8000/doc/projet/lexius'
>>> linker.href("https://www.quebec.ca/")
'https://www.quebec.ca/'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portefeuille_ld.namespaces import ONTOLOGY_IRI

__all__ = [
    "VOCABULARY_BASE",
    "VOCABULARY_DOCUMENTS",
    "Linker",
    "is_safe_path",
    "split_extension",
]

VOCABULARY_BASE = str(ONTOLOGY_IRI).removesuffix("ontologie")
"""Where the ontology and the shapes live, whatever the dataset's base (``pf:`` is fixed)."""
VOCABULARY_DOCUMENTS = ("ontologie", "formes")
"""The documents under `VOCABULARY_BASE`: the ontology and the SHACL shapes."""

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")
_LINKABLE = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
"""The schemes a page links to as they are; any other IRI (``javascript:``…) is not followed."""


def is_safe_path(path: str) -> bool:
    """Whether a request path can name a resource: plain segments, nothing to escape.

    Only such paths become IRIs in a SPARQL query, so no request can inject syntax.

    >>> is_safe_path("projet/rlrq-s-4.1.1")
    True
    >>> [is_safe_path(p) for p in ("", "a//b", "a/../b", "x>", "a b", "é")]
    [False, False, False, False, False, False]
    """
    return bool(_SAFE_PATH.match(path)) and ".." not in path.split("/")


def split_extension(path: str, extensions: tuple[str, ...]) -> tuple[str, str | None]:
    """``path`` without a trailing format extension, and that extension (None if absent).

    >>> split_extension("projet/lexius.ttl", ("ttl", "nt"))
    ('projet/lexius', 'ttl')
    >>> split_extension("reference-juridique/rlrq-s-4.1.1", ("ttl", "nt"))
    ('reference-juridique/rlrq-s-4.1.1', None)
    """
    stem, dot, ext = path.rpartition(".")
    if dot and stem and "/" not in ext and ext in extensions:
        return stem, ext
    return path, None


@dataclass(frozen=True)
class Linker:
    """Maps the canonical IRIs to the server reached at ``public_base``.

    :param base_iri: the dataset's canonical base, ending with ``/``.
    :param public_base: where the client reached this server, ending with ``/``.
    :param lang: a language to carry on the links (``?lang=``), when the page was asked
        for one explicitly.
    """

    base_iri: str
    public_base: str
    lang: str | None = None
    vocabulary_base: str = VOCABULARY_BASE

    def path_of(self, iri: str) -> str | None:
        """The server path (no leading ``/``) of a canonical IRI; None for another IRI.

        >>> Linker("http://ex.org/", "http://h/").path_of("http://ex.org/graphe/formes")
        'graphe/formes'
        >>> Linker("http://ex.org/", "http://h/").path_of("https://w3id.org/portefeuille-qc/formes")
        'formes'
        >>> Linker("http://ex.org/", "http://h/").path_of("http://ex.org")
        """
        for document in VOCABULARY_DOCUMENTS:
            root = self.vocabulary_base + document
            if iri == root or iri.startswith((root + "#", root + "/")):
                return iri[len(self.vocabulary_base) :]
        if iri.startswith(self.base_iri) and len(iri) > len(self.base_iri):
            return iri[len(self.base_iri) :]
        return None

    def iri_of(self, path: str) -> str:
        """The canonical IRI of a server path (no leading ``/``).

        >>> Linker("http://ex.org/", "http://h/").iri_of("ontologie/1.0.0")
        'https://w3id.org/portefeuille-qc/ontologie/1.0.0'
        >>> Linker("http://ex.org/", "http://h/").iri_of("id/x")
        'http://ex.org/id/x'
        """
        first = path.split("/", 1)[0].split("#", 1)[0]
        base = self.vocabulary_base if first in VOCABULARY_DOCUMENTS else self.base_iri
        return base + path

    def url(self, path: str) -> str:
        """The absolute URL of a server path, carrying ``lang`` (before any fragment).

        >>> Linker("http://ex.org/", "http://h/", lang="en").url("ontologie#Project")
        'http://h/ontologie?lang=en#Project'
        """
        path, hash_, fragment = path.partition("#")
        query = f"?lang={self.lang}" if self.lang else ""
        return f"{self.public_base}{path}{query}{hash_}{fragment}"

    def href(self, iri: str) -> str:
        """Where a browser on this server should go for ``iri``: things go to their page.

        An IRI of another scheme than http, https or mailto (``javascript:``, ``data:``)
        could run in the page: its link goes nowhere (``#``).

        >>> Linker("http://ex.org/", "http://h/").href("http://ex.org/id/organisme/mcn")
        'http://h/doc/organisme/mcn'
        >>> Linker("http://ex.org/", "http://h/").href("javascript:alert(1)")
        '#'
        """
        path = self.path_of(iri)
        if path is None:
            return iri if _LINKABLE.match(iri) else "#"
        if path.startswith("id/"):
            path = "doc/" + path[len("id/") :]
        return self.url(path)
