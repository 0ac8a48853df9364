"""The query page: what ``GET /sparql`` answers a browser when there is no query.

An editor (a labelled textarea in a plain GET form, so it works without JavaScript), the
competency questions of ``portefeuille_ld/queries/*.rq`` as one-click examples (titles
from their ``# fr:`` / ``# en:`` headers), and ``query.js`` to run a query in place,
show the results as a table and offer them in every format. Everything is served by us.

>>> [e.key for e in EXAMPLES][:2]
['01-projets-actifs', '02-organismes']
>>> EXAMPLES[0].title("en")
'The active projects of the 2025-2026 edition (counted, never stated)'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse

from portefeuille_ld.formats import (
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    TURTLE,
    Format,
    formats_of_kind,
)
from portefeuille_ld.home_data import Label
from portefeuille_ld.namespaces import ONTOLOGY_IRI, PREFIXES
from portefeuille_ld.web.deps import get_settings
from portefeuille_ld.web.templating import render, request_language

__all__ = ["EXAMPLES", "Example", "parse_example", "render_query_page"]


@dataclass(frozen=True)
class Example:
    """A competency question: its file name without ``.rq``, its titles and its query."""

    key: str
    title: Label
    query: str


def parse_example(key: str, text: str) -> Example:
    """Read an ``.rq`` file whose first lines are ``# fr: <title>`` and ``# en: <title>``.

    The header lines stay in the query: they are SPARQL comments.

    >>> parse_example("x", "# fr: Les projets\\n# en: The projects\\nASK {}\\n").title
    Label(fr='Les projets', en='The projects')

    :raises ValueError: when a title is missing.
    """
    titles: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        tag, _, title = line[1:].strip().partition(":")
        if tag in ("fr", "en") and title.strip():
            titles[tag] = title.strip()
    if set(titles) != {"fr", "en"}:
        raise ValueError(f"{key}.rq: start with '# fr: <title>' and '# en: <title>' lines")
    return Example(key, Label(titles["fr"], titles["en"]), text)


def _load_examples() -> tuple[Example, ...]:
    folder = resources.files("portefeuille_ld") / "queries"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)
    return tuple(parse_example(f.name.removesuffix(".rq"), f.read_text("utf-8")) for f in files)


EXAMPLES: tuple[Example, ...] = _load_examples()
"""The competency questions, in file-name order (read once: they ship with the package)."""


GRAPH_FORMATS = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
"""The formats a CONSTRUCT or DESCRIBE answer is offered in."""


def _short(fmt: Format) -> str:
    """A format's name on a download link: ``CSV`` rather than ``SPARQL results in CSV``.

    >>> from portefeuille_ld.formats import SPARQL_CSV
    >>> _short(SPARQL_CSV), _short(TURTLE)
    ('CSV', 'Turtle')
    """
    return fmt.name.upper() if fmt.kind == "results" else fmt.label


def _config(request: Request, base_iri: str) -> str:
    """What query.js needs, as JSON for a ``data-`` attribute."""
    return json.dumps(
        {
            "endpoint": request.url_for("sparql").path,
            "baseIri": base_iri,
            "ontologyIri": str(ONTOLOGY_IRI),
            "prefixes": {**PREFIXES, "id": base_iri + "id/"},
            "formats": {
                kind: [
                    {"name": f.name, "label": _short(f), "extension": f.extension} for f in offers
                ]
                for kind, offers in (
                    ("results", formats_of_kind("results")),
                    ("rdf", GRAPH_FORMATS),
                )
            },
        },
        ensure_ascii=False,
    )


def render_query_page(request: Request) -> HTMLResponse:
    """The query page, its editor filled with ``?example=<key>`` (else the first example)."""
    lang = request_language(request)
    base_iri = get_settings(request).base_iri
    wanted = request.query_params.get("example")
    current = next((e for e in EXAMPLES if e.key == wanted), EXAMPLES[0] if EXAMPLES else None)
    context = {
        "examples": EXAMPLES,
        "current": current,
        "query": current.query if current else "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        "config": _config(request, base_iri),
        "results_formats": formats_of_kind("results"),
        "graph_formats": GRAPH_FORMATS,
        "endpoint": request.url_for("sparql").path,
    }
    return render(request, "query.html", context, lang=lang)
