"""``/``: the home page. What the dataset is, its figures (SPARQL answers the build wrote
into the release, or computed here once per release), its editions, every dump, and the
portfolio by organization, programme and table. French by default, English by
``Accept-Language`` or ``?lang=en``.

The lists are previews (`portefeuille_ld.web.listing`): a large portfolio's are cut, with
links to their full listings, ``/liste/{organismes|programmes|tableaux}?page=N``.
Both pages are rendered once per release, language and URL (`page_cache`).

A linked-data client that asks for RDF rather than HTML is sent to ``/dataset`` (303),
the description of the dataset this page is the landing page of.
"""

from __future__ import annotations

import logging
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from portefeuille_ld.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE
from portefeuille_ld.home_data import HOME_FILE, Group, HomeData, compute_home
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.web.conneg import negotiate
from portefeuille_ld.web.deps import SettingsDep, StoreDep
from portefeuille_ld.web.documents import linker_for, not_found
from portefeuille_ld.web.listing import PAGE_SIZE, pager, paginate, preview
from portefeuille_ld.web.page_cache import cached_or_built, derived_once, page_key
from portefeuille_ld.web.pages import format_number, human_size
from portefeuille_ld.web.query_page import EXAMPLES
from portefeuille_ld.web.release import Release, Releases, ReleasesDep
from portefeuille_ld.web.templating import render, request_language

__all__ = ["SECTIONS", "home_data", "listing_url", "router"]

router = APIRouter(tags=["Pages"])
log = logging.getLogger(__name__)

_OFFERS = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)

SECTIONS: dict[str, str] = {
    "organismes": "home.by_organization",
    "programmes": "home.by_programme",
    "tableaux": "home.by_table",
}
"""The lists of the home page: the path segment of their listing, their title."""


def _groups(data: HomeData, section: str) -> tuple[Group, ...]:
    if section == "organismes":
        return data.by_organization
    return data.by_programme if section == "programmes" else data.by_table


def home_data(releases: Releases, store: Store, settings: Settings) -> HomeData:
    """The home page's data, obtained once per release (every time when none is published)."""
    release = releases.current()
    if release is None:
        return compute_home(store, settings.base_iri)
    return derived_once(releases, release, "home", lambda: _release_home(release, store, settings))


def _release_home(release: Release, store: Store, settings: Settings) -> HomeData:
    """What the build wrote into the release, when the server serves that release under the
    same base IRI; else (``--data``, an older release) the store's answers."""
    path = release.directory / HOME_FILE
    own = settings.serves_release and release.manifest.base_iri == settings.base_iri
    if own and path.is_file():
        try:
            return HomeData.from_json(path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s is unreadable (%s): querying the store instead", path, exc)
    return compute_home(store, settings.base_iri)


@router.get(
    "/",
    name="home",
    responses={
        200: {"content": {"text/html": {}}, "description": "The home page."},
        303: {"description": "To /dataset, for a client that asks for RDF."},
    },
)
async def home(
    request: Request, store: StoreDep, settings: SettingsDep, releases: ReleasesDep
) -> Response:
    """The home page (a kept page is answered on the event loop; one is built in a thread:
    the figures take seconds at the first request of a release)."""
    chosen = negotiate(request.headers.get("accept"), _OFFERS)
    if chosen is None:
        raise HTTPException(406, "the home page is HTML; the dataset is described at /dataset")
    if chosen is not HTML:
        return RedirectResponse(request.url_for("dataset").path, status_code=303)
    lang = request_language(request)

    def build() -> Response:
        data = home_data(releases, store, settings)
        release = releases.current()
        linker = linker_for(request, settings.base_iri)
        context = {
            "data": data,
            "sections": {name: preview(_groups(data, name)) for name in SECTIONS},
            "totals": {name: len(_groups(data, name)) for name in SECTIONS},
            "files": release.files if release else (),
            "release": release,
            "examples": EXAMPLES,
            "href": linker.href,
            "listing_url": partial(listing_url, str(request.base_url), linker.lang),
            "number": lambda n: format_number(n, lang),
            "size": lambda n: human_size(n, lang),
        }
        return render(request, "home.html", context, lang=lang)

    key = page_key(request, "home", lang)
    return await cached_or_built(releases, key, partial(run_in_threadpool, build))


@router.get(
    "/liste/{section}",
    name="listing",
    responses={
        200: {"content": {"text/html": {}}, "description": "One page of a full listing."},
        404: {"description": "No such list, or no such page of it."},
    },
)
async def listing(
    section: str, request: Request, store: StoreDep, settings: SettingsDep, releases: ReleasesDep
) -> Response:
    """One page (``?page=N``, from 1) of the latest edition by organization, programme or
    table: `PAGE_SIZE` entries a page."""
    lang = request_language(request)
    number = request.query_params.get("page", "1")
    if section not in SECTIONS or not (number.isascii() and number.isdigit() and len(number) < 10):
        return not_found(request, str(request.url), lang)

    def build() -> Response:
        data = home_data(releases, store, settings)
        page = paginate(_groups(data, section), int(number), size=PAGE_SIZE)
        if data.latest is None or not 1 <= page.page <= page.pages:
            return not_found(request, str(request.url), lang)
        linker = linker_for(request, settings.base_iri)
        context = {
            "edition": data.latest.year,
            "title": SECTIONS[section],
            "listing": page,
            "pages": pager(page.page, page.pages),
            "page_url": partial(listing_url, str(request.base_url), linker.lang, section),
            "href": linker.href,
            "number": lambda n: format_number(n, lang),
        }
        return render(request, "listing.html", context, lang=lang)

    key = page_key(request, "listing", lang)
    return await cached_or_built(releases, key, partial(run_in_threadpool, build))


def listing_url(
    base_url: str, lang: str | None, section: str, page: int = 1, index: int | None = None
) -> str:
    """The URL of a page of a full listing, at a group's anchor when ``index`` is given;
    ``lang`` when the page was asked for in a language explicitly.

    >>> listing_url("http://h/", "en", "organismes", 3, 41)
    'http://h/liste/organismes?page=3&lang=en#g41'
    >>> listing_url("http://h/", None, "tableaux")
    'http://h/liste/tableaux'
    """
    params = [("page", str(page))] if page > 1 else []
    params += [("lang", lang)] if lang else []
    query = f"?{urlencode(params)}" if params else ""
    return f"{base_url}liste/{section}{query}" + ("" if index is None else f"#g{index}")
