"""``/``: the home page. What the dataset is, its figures (computed by SPARQL queries, once
per release), its editions, every dump, and the portfolio by organization, programme and
table. French by default, English by ``Accept-Language`` or ``?lang=en``.

A linked-data client that asks for RDF rather than HTML is sent to ``/dataset`` (303),
the description of the dataset this page is the landing page of.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from portefeuille_ld.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.web.conneg import negotiate
from portefeuille_ld.web.deps import SettingsDep, StoreDep
from portefeuille_ld.web.documents import linker_for
from portefeuille_ld.web.home_data import HomeData, compute_home
from portefeuille_ld.web.pages import format_number, human_size
from portefeuille_ld.web.query_page import EXAMPLES
from portefeuille_ld.web.release import Releases, ReleasesDep
from portefeuille_ld.web.templating import render, request_language

__all__ = ["home_data", "router"]

router = APIRouter(tags=["Pages"])

_OFFERS = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)


def home_data(releases: Releases, store: Store, settings: Settings) -> HomeData:
    """The home page's data, computed once per release (every time when none is published)."""
    release = releases.current()
    if release is None:
        return compute_home(store, settings.base_iri)
    return releases.derived(release, "home", lambda _: compute_home(store, settings.base_iri))


@router.get(
    "/",
    name="home",
    responses={
        200: {"content": {"text/html": {}}, "description": "The home page."},
        303: {"description": "To /dataset, for a client that asks for RDF."},
    },
)
def home(
    request: Request, store: StoreDep, settings: SettingsDep, releases: ReleasesDep
) -> Response:
    """The home page."""
    chosen = negotiate(request.headers.get("accept"), _OFFERS)
    if chosen is None:
        raise HTTPException(406, "the home page is HTML; the dataset is described at /dataset")
    if chosen is not HTML:
        return RedirectResponse(request.url_for("dataset").path, status_code=303)
    lang = request_language(request)
    release = releases.current()
    context = {
        "data": home_data(releases, store, settings),
        "files": release.files if release else (),
        "release": release,
        "examples": EXAMPLES,
        "href": linker_for(request, settings.base_iri).href,
        "number": lambda n: format_number(n, lang),
        "size": lambda n: human_size(n, lang),
    }
    return render(request, "home.html", context, lang=lang)
