"""What every document of the linked-data routes shares: its formats, headers and 404.

A document (``/doc/…``, ``/graphe/…``, ``/ontologie``) exists in `DOCUMENT_FORMATS`; the
client picks one by extension (``/doc/projet/lexius.ttl``: the extension wins) or by
``Accept``. Each answer carries ``Vary: Accept, Accept-Language``, a ``Link:
rel="alternate"`` per format and the ``Content-Location`` of the variant sent.

>>> choose_document_format("text/turtle;q=0.9, application/ld+json", None).name
'json-ld'
>>> choose_document_format("application/ld+json", "nt").name
'n-triples'
>>> alternates("http://h/doc/projet/lexius", TURTLE)["Content-Location"]
'http://h/doc/projet/lexius.ttl'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portefeuille_ld.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format
from portefeuille_ld.web.conneg import negotiate
from portefeuille_ld.web.errors import problem_response
from portefeuille_ld.web.i18n import LANGUAGES, Lang
from portefeuille_ld.web.linking import Linker
from portefeuille_ld.web.templating import render

__all__ = [
    "DOCUMENT_FORMATS",
    "EXTENSIONS",
    "RESPONSES",
    "FormatLink",
    "alternates",
    "choose_document_format",
    "format_links",
    "json_ld_script",
    "linker_for",
    "not_found",
    "rdf_response",
]

DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
"""The formats of every document, the default first (``*/*`` gets HTML)."""
EXTENSIONS: tuple[str, ...] = tuple(f.extension for f in DOCUMENT_FORMATS)

_PROBLEM: dict[str, Any] = {"application/problem+json": {}, "text/plain": {}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document, in the format of the extension or of `Accept`.",
        "content": {f.content_type: {} for f in DOCUMENT_FORMATS},
    },
    404: {
        "description": "The dataset has no such resource (a page for a browser).",
        "content": {"text/html": {}, **_PROBLEM},
    },
    406: {"description": "No format in `Accept` fits.", "content": _PROBLEM},
}
"""The OpenAPI ``responses=`` of every document route."""


@dataclass(frozen=True)
class FormatLink:
    """A link to one format of a document."""

    label: str
    url: str
    media_type: str


def format_links(stem_url: str) -> tuple[FormatLink, ...]:
    """A link to each format of the document at ``stem_url`` (its URL without extension).

    >>> format_links("http://h/doc/x")[1].url
    'http://h/doc/x.ttl'
    """
    return tuple(
        FormatLink(f.label, f"{stem_url}.{f.extension}", f.media_type) for f in DOCUMENT_FORMATS
    )


def choose_document_format(accept: str | None, extension: str | None) -> Format:
    """The format named by ``extension``, else the one ``Accept`` prefers.

    :raises HTTPException: 406 when ``Accept`` allows none of `DOCUMENT_FORMATS`.
    """
    if extension is not None:
        return next(f for f in DOCUMENT_FORMATS if f.extension == extension)
    chosen = negotiate(accept, DOCUMENT_FORMATS)
    if chosen is None:
        offered = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
        raise HTTPException(406, f"this document is available as {offered}")
    return chosen


def alternates(stem_url: str, fmt: Format) -> dict[str, str]:
    """``Link`` (one ``rel="alternate"`` per format), ``Content-Location`` and ``Vary``."""
    links = ", ".join(
        f'<{stem_url}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in DOCUMENT_FORMATS
    )
    return {
        "Link": links,
        "Content-Location": f"{stem_url}.{fmt.extension}",
        "Vary": "Accept, Accept-Language",
    }


def rdf_response(body: bytes, fmt: Format, headers: dict[str, str]) -> Response:
    """An RDF document serialized by the store."""
    return Response(body, media_type=fmt.content_type, headers=headers)


def json_ld_script(body: bytes) -> Markup:
    """JSON-LD made safe inside ``<script>``: ``<``, ``>`` and ``&`` become ``\\u`` escapes.

    These characters can only occur inside JSON strings, where the escapes mean the same.

    >>> str(json_ld_script(b'[{"@value": "</script><b>&"}]'))
    '[{"@value": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}]'
    """
    text = body.decode("utf-8")
    json.loads(text)  # fail here, not in a browser, if the store wrote something else
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escape)
    return Markup(text)


def linker_for(request: Request, base_iri: str) -> Linker:
    """The `Linker` of a request: links go to the server the client reached."""
    lang = request.query_params.get("lang")
    return Linker(base_iri, str(request.base_url), lang=lang if lang in LANGUAGES else None)


def not_found(request: Request, iri: str, lang: Lang, *, html: bool = True) -> Response:
    """404: a page in ``lang`` for a browser (when ``html``), else a problem body."""
    if html and negotiate(request.headers.get("accept"), DOCUMENT_FORMATS) is HTML:
        return render(request, "not_found.html", {"iri": iri}, lang=lang, status_code=404)
    return problem_response(request, 404, f"no resource of this dataset has the IRI <{iri}>")
