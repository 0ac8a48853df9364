"""The dataset's VoID / DCAT description (the release's ``void.ttl``): parsed, re-serialized,
and read into what the ``/dataset`` page shows.

>>> ttl = b'''@prefix dcat: <http://www.w3.org/ns/dcat#> .
... @prefix void: <http://rdfs.org/ns/void#> . @prefix dcterms: <http://purl.org/dc/terms/> .
... <http://ex.org/d> a dcat:Dataset, void:Dataset ; dcterms:title "Jeu"@fr, "Set"@en ;
...   void:triples 12 ; dcat:distribution <http://ex.org/d/nt> .
... <http://ex.org/d/nt> dcterms:title "N-Triples"@en ;
...   dcat:downloadURL <http://ex.org/dumps/a.nt> ; dcat:byteSize 3 .'''
>>> description = Description.parse(ttl)
>>> view = description.view("en")
>>> view.title, view.figures, view.distributions[0].url
('Set', (('triples', 12),), 'http://ex.org/dumps/a.nt')
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import QuerySolutions, RdfFormat

from portefeuille_ld.formats import TURTLE, Format
from portefeuille_ld.namespaces import PREFIXES
from portefeuille_ld.web.i18n import Lang

__all__ = ["DatasetView", "Description", "DistributionView"]

FIGURES = ("triples", "entities", "classes", "properties", "distinctSubjects", "distinctObjects")
"""The VoID counts the page shows, in this order."""

_PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def _text(var: str, prop: str, subject: str, lang: Lang) -> str:
    """A binding ``?var`` to ``subject``'s ``prop`` in ``lang``, else in the other language,
    else without a language tag (one text per language: no row is repeated)."""
    other = "en" if lang == "fr" else "fr"
    return f"""OPTIONAL {{ {subject} {prop} ?{var}_1 FILTER(lang(?{var}_1) = "{lang}") }}
      OPTIONAL {{ {subject} {prop} ?{var}_2 FILTER(lang(?{var}_2) = "{other}") }}
      OPTIONAL {{ {subject} {prop} ?{var}_3 FILTER(isLiteral(?{var}_3) && lang(?{var}_3) = "") }}
      BIND(COALESCE(?{var}_1, ?{var}_2, ?{var}_3) AS ?{var})"""


@dataclass(frozen=True)
class DistributionView:
    """One distribution: a dump file or the SPARQL endpoint."""

    title: str
    url: str
    media_type: str
    size: int | None
    sha256: str


@dataclass(frozen=True)
class DatasetView:
    """What the ``/dataset`` page shows, in one language."""

    iri: str
    title: str
    description: str
    facts: tuple[tuple[str, str], ...]
    """(key, value) pairs: publisher, licence, issued, modified, sparql endpoint…"""
    figures: tuple[tuple[str, int], ...]
    distributions: tuple[DistributionView, ...]
    subsets: tuple[tuple[str, int | None], ...]
    """The editions' graphs: title and triples."""


class Description:
    """The description graph, held in a small pyoxigraph store."""

    def __init__(self, turtle: bytes, triples: list[pyoxigraph.Triple]) -> None:
        self.turtle = turtle
        self._triples = triples
        # For the page's queries only: a pyoxigraph store writes xsd:nonNegativeInteger
        # and other derived integer types back as xsd:integer, so it never serializes.
        self._store = pyoxigraph.Store()
        self._store.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)

    @classmethod
    def parse(cls, turtle: bytes) -> Description:
        """Parse ``void.ttl`` (raises `SyntaxError` when it is not Turtle)."""
        quads = pyoxigraph.parse(turtle, RdfFormat.TURTLE)
        return cls(turtle, [q.triple for q in quads])

    def serialize(self, fmt: Format) -> bytes:
        """The description in an RDF format; Turtle is the file as the build wrote it."""
        if fmt is TURTLE:
            return self.turtle
        if not isinstance(fmt.oxigraph, RdfFormat):
            raise ValueError(f"{fmt.label} is not an RDF format")
        return pyoxigraph.serialize(self._triples, format=fmt.oxigraph, prefixes=PREFIXES) or b""

    def _select(self, query: str) -> list[dict[str, str]]:
        solutions = self._store.query(_PREFIXES + query)
        assert isinstance(solutions, QuerySolutions)
        names = [v.value for v in solutions.variables]
        rows = []
        for row in solutions:
            rows.append({n: row[n].value for n in names if row[n] is not None})
        return rows

    def dataset_iri(self) -> str | None:
        """The node that is both a DCAT and a VoID dataset with distributions."""
        rows = self._select(
            "SELECT DISTINCT ?d WHERE { ?d a dcat:Dataset ; dcat:distribution ?x } ORDER BY ?d"
        )
        return rows[0]["d"] if rows else None

    def view(self, lang: Lang) -> DatasetView:
        """The page's content in ``lang`` (the other language's text where one is missing)."""
        iri = self.dataset_iri()
        if iri is None:
            return DatasetView("", "", "", (), (), (), ())
        node = f"<{iri}>"
        head = self._select(f"""SELECT * WHERE {{
            {_text("title", "dcterms:title", node, lang)}
            {_text("description", "dcterms:description", node, lang)} }}""")[0]
        return DatasetView(
            iri=iri,
            title=head.get("title", iri),
            description=head.get("description", ""),
            facts=self._facts(node, lang),
            figures=self._figures(node),
            distributions=self._distributions(node, lang),
            subsets=self._subsets(node, lang),
        )

    def _facts(self, node: str, lang: Lang) -> tuple[tuple[str, str], ...]:
        row = self._select(f"""SELECT * WHERE {{
            OPTIONAL {{ {node} dcterms:publisher ?p .
              {_text("publisher", "foaf:name", "?p", lang)} }}
            OPTIONAL {{ {node} dcterms:license ?licence }}
            OPTIONAL {{ {node} dcterms:issued ?issued }}
            OPTIONAL {{ {node} dcterms:modified ?modified }}
            OPTIONAL {{ {node} void:sparqlEndpoint ?sparql }}
            OPTIONAL {{ {node} foaf:page ?source }} }} LIMIT 1""")
        keys = ("publisher", "licence", "issued", "modified", "sparql", "source")
        return tuple((k, row[0][k]) for k in keys if row and k in row[0])

    def _figures(self, node: str) -> tuple[tuple[str, int], ...]:
        found = []
        for name in FIGURES:
            rows = self._select(f"SELECT ?n WHERE {{ {node} void:{name} ?n }}")
            if rows and "n" in rows[0]:
                found.append((name, int(rows[0]["n"])))
        return tuple(found)

    def _distributions(self, node: str, lang: Lang) -> tuple[DistributionView, ...]:
        rows = self._select(f"""SELECT DISTINCT ?title ?url ?mediaType ?size ?sha256 WHERE {{
            {node} dcat:distribution ?d .
            {_text("title", "dcterms:title", "?d", lang)}
            OPTIONAL {{ ?d dcat:downloadURL ?download }} OPTIONAL {{ ?d dcat:accessURL ?access }}
            BIND(COALESCE(?download, ?access) AS ?url)
            OPTIONAL {{ ?d dcat:mediaType ?mediaType }} OPTIONAL {{ ?d dcat:byteSize ?size }}
            OPTIONAL {{ ?d spdx:checksum/spdx:checksumValue ?sha256 }}
        }} ORDER BY ?url""")
        return tuple(
            DistributionView(
                title=row.get("title", row.get("url", "")),
                url=row.get("url", ""),
                media_type=row.get("mediaType", "").removeprefix(_IANA),
                size=int(row["size"]) if "size" in row else None,
                sha256=row.get("sha256", ""),
            )
            for row in rows
        )

    def _subsets(self, node: str, lang: Lang) -> tuple[tuple[str, int | None], ...]:
        rows = self._select(f"""SELECT DISTINCT ?title ?triples WHERE {{
            {node} void:subset ?s . {_text("title", "dcterms:title", "?s", lang)}
            OPTIONAL {{ ?s void:triples ?triples }} }} ORDER BY ?title""")
        return tuple(
            (r.get("title", ""), int(r["triples"]) if "triples" in r else None) for r in rows
        )


_IANA = "https://www.iana.org/assignments/media-types/"
