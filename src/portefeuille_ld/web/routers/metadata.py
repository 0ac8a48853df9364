"""``/.well-known/void`` and ``/dataset``: the dataset's VoID and DCAT-AP 3 description.

Both serve the release's ``void.ttl`` (written by the build): Turtle, JSON-LD, N-Triples
or RDF/XML by ``Accept`` or ``?format=``, and a readable page for browsers. The
description is parsed once per release.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from portefeuille_ld.errors import ResourceNotFound, StoreUnavailable
from portefeuille_ld.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format
from portefeuille_ld.web import downloads
from portefeuille_ld.web.dataset_view import Description
from portefeuille_ld.web.deps import SettingsDep
from portefeuille_ld.web.documents import linker_for
from portefeuille_ld.web.pages import format_number, human_size
from portefeuille_ld.web.release import VOID_FILE, Release, ReleaseDep, ReleasesDep
from portefeuille_ld.web.routers.sparql import choose_format
from portefeuille_ld.web.templating import render, request_language

__all__ = ["router"]

router = APIRouter(tags=["Dataset"])

OFFERS: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, HTML)
"""What the description is served as; Turtle for ``*/*``."""

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The VoID and DCAT-AP 3 description (HTML for a browser).",
        "content": {f.content_type: {} for f in OFFERS},
    },
    404: {"description": "The current release has no description (void.ttl)."},
    406: {"description": "None of the formats fits `Accept` or `format`."},
}


def _load(release: Release) -> Description:
    path = release.directory / VOID_FILE
    if path.is_symlink() or not path.is_file():
        raise ResourceNotFound(f"{VOID_FILE} of release {release.id}")
    try:
        return Description.parse(path.read_bytes())
    except (OSError, SyntaxError) as exc:
        raise StoreUnavailable(f"cannot read {VOID_FILE} of release {release.id}: {exc}") from exc


def _links(path: str) -> str:
    alternates = [
        f'<{path}?format={f.name}>; rel="alternate"; type="{f.media_type}"' for f in OFFERS
    ]
    return ", ".join(alternates)


def _page(request: Request, settings: SettingsDep, description: Description) -> Response:
    lang = request_language(request)
    linker = linker_for(request, settings.base_iri)
    context = {
        "view": description.view(lang),
        "href": linker.href,
        "number": lambda n: format_number(n, lang),
        "size": lambda n: human_size(n, lang),
        "formats": [f for f in OFFERS if f is not HTML],
        "path": request.url.path,
    }
    return render(request, "dataset.html", context, lang=lang)


def _describe(
    request: Request, settings: SettingsDep, release: Release, releases: ReleasesDep
) -> Response:
    description = releases.derived(release, "void", _load)
    fmt = choose_format(OFFERS, request.headers.get("accept"), request.query_params.get("format"))
    path = request.url.path
    headers = {
        "Link": _links(path),
        "Cache-Control": downloads.CACHE_CONTROL,
        "Last-Modified": downloads.http_date(release.published),
    }
    if fmt is HTML:
        response = _page(request, settings, description)
        response.headers.update(headers)
        return response
    body = releases.derived(release, f"void:{fmt.name}", lambda _: description.serialize(fmt))
    response = Response(body, media_type=fmt.content_type, headers=headers)
    response.headers.add_vary_header("Accept")
    return response


@router.get("/.well-known/void", name="void", responses=_RESPONSES)
def void(
    request: Request, settings: SettingsDep, release: ReleaseDep, releases: ReleasesDep
) -> Response:
    """The VoID description (RFC 8615 well-known location, VoID section 7.2)."""
    return _describe(request, settings, release, releases)


@router.get("/dataset", name="dataset", responses=_RESPONSES)
def dataset(
    request: Request, settings: SettingsDep, release: ReleaseDep, releases: ReleasesDep
) -> Response:
    """The DCAT-AP 3 description of the dataset, its distributions and its SPARQL service."""
    return _describe(request, settings, release, releases)
