"""Linked data: every IRI the dataset mints resolves on this server.

Canonical IRIs live under ``Settings.base_iri`` (``https://w3id.org/portefeuille-qc/``);
the server may be reached at another base (``http://127.0.0.1:8000/``). A path is the
IRI's remainder after the base: ``/id/projet/lexius`` ↔ ``{base}id/projet/lexius``.
Pages link to the server the browser is on; the RDF keeps the canonical IRIs.

- ``GET /id/{path}``: the thing itself (a project, an organization…) is not a document:
  ``303 See Other`` to ``/doc/{path}`` (``?lang=`` kept), with ``Vary: Accept``.
- ``GET /doc/{path}[.html|.ttl|.jsonld|.nt|.rdf]``: the description of the thing (its
  triples, plus at most 500 pointing at it; the page shows at most 100 per property, their
  number and a SPARQL query for all of them). The extension wins; without one, ``Accept``
  picks HTML (the default, and ``*/*``), Turtle, JSON-LD, N-Triples or RDF/XML; 406 when
  none fits. ``Vary: Accept, Accept-Language``, a ``Link: rel="alternate"`` per format,
  ``Content-Location`` of the variant; HTML in French, or English by ``?lang=en`` or
  ``Accept-Language`` (``Content-Language``), with the JSON-LD embedded.
- ``GET /graphe/{name}[.ext]``: the named graph ``{base}graphe/{name}``, every triple
  (HTML: its size and links).
- ``/ontologie``: see `portefeuille_ld.web.routers.ontology` (included in this router).
- ``/static/…``: the stylesheet.

The IRIs of the dataset's own description (``id/jeu-de-donnees…``, ``id/catalogue``,
``id/service/…``) are described by ``/dataset``, not by the store: 303 there.

An IRI the dataset does not mention is a 404: a page for a browser, a problem body
otherwise. A key never ends with a format extension (``iris.py`` keys are checked).

The routes are coroutines: they await the store on the event loop (`Store.query_async`),
and read the app's state directly, as the SPARQL endpoint does (FastAPI's dependency
solving was a third of a kept page's time in the app). With a release, pages and the 303s
of existing IRIs are kept per release (`page_cache`): a kept answer is sent without a
store call.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from portefeuille_ld.errors import ResourceNotFound
from portefeuille_ld.formats import HTML, JSON_LD
from portefeuille_ld.web.deps import get_settings, get_store
from portefeuille_ld.web.describe import describe_page, description, exists_async
from portefeuille_ld.web.documents import (
    EXTENSIONS,
    RESPONSES,
    alternates,
    choose_document_format,
    format_links,
    json_ld_script,
    linker_for,
    not_found,
    rdf_response,
)
from portefeuille_ld.web.linking import is_safe_path, split_extension
from portefeuille_ld.web.page_cache import cached_or_built, page_key
from portefeuille_ld.web.pages import format_number
from portefeuille_ld.web.release import get_releases
from portefeuille_ld.web.routers import ontology
from portefeuille_ld.web.templating import render, request_language

__all__ = ["router"]

router = APIRouter(tags=["Linked data"])
router.mount("/static", StaticFiles(packages=[("portefeuille_ld.web", "static")]), name="static")

router.include_router(ontology.router)

_ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@router.get(
    "/id/{path:path}",
    status_code=303,
    responses={303: {"description": "See the document `/doc/{path}`."}, 404: RESPONSES[404]},
)
async def thing(path: str, request: Request) -> Response:
    """The thing ``{base}id/{path}``: 303 to its document (kept per release)."""
    linker = linker_for(request, get_settings(request).base_iri)
    stem, _ = split_extension(path, EXTENSIONS)
    iri = linker.iri_of(f"id/{stem}")
    if not is_safe_path(path):
        return not_found(request, iri, request_language(request))
    if stem.startswith(_DESCRIBED_BY_DATASET):
        return _see_dataset(request)

    async def build() -> Response:
        if not await exists_async(get_store(request), iri):
            return not_found(request, iri, request_language(request))
        target = linker.url(f"doc/{path}")
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})

    key = page_key(request, "thing")
    return await cached_or_built(get_releases(request), key, build, keep=(303,))


_DESCRIBED_BY_DATASET = ("jeu-de-donnees", "catalogue", "service/")
"""Keys of the IRIs that `void.ttl` describes (dataset, distributions, catalogue, services):
they are not in the store, and `/dataset` is their document."""


def _see_dataset(request: Request) -> Response:
    lang = request.query_params.get("lang")
    target = "/dataset" + (f"?{urlencode({'lang': lang})}" if lang else "")
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


@router.get("/doc/{path:path}", responses=RESPONSES)
async def document(path: str, request: Request) -> Response:
    """The description of ``{base}id/{path}``, in the format of the extension or ``Accept``
    (built once per release, language and format: `page_cache`)."""
    lang = request_language(request)
    linker = linker_for(request, get_settings(request).base_iri)
    stem, extension = split_extension(path, EXTENSIONS)
    iri = linker.iri_of(f"id/{stem}")
    if not is_safe_path(path):
        return not_found(request, iri, lang)
    if stem.startswith(_DESCRIBED_BY_DATASET):
        return _see_dataset(request)
    fmt = choose_document_format(request.headers.get("accept"), extension)
    stem_url = f"{request.base_url}doc/{stem}"
    headers = alternates(stem_url, fmt)

    async def build() -> Response:
        store = get_store(request)
        try:
            if fmt is not HTML:
                return rdf_response(await description(store, iri, fmt), fmt, headers)
            page = await describe_page(store, iri, lang=lang, linker=linker)
            context = {
                "page": page,
                "jsonld": json_ld_script(await description(store, iri, JSON_LD, known=True)),
                "formats": format_links(stem_url),
                "number": lambda n: format_number(n, lang),
            }
        except ResourceNotFound:
            return not_found(request, iri, lang, html=extension in (None, HTML.extension))
        return render(request, "resource.html", context, lang=lang, headers=headers)

    key = page_key(request, "document", lang, fmt.name)
    return await cached_or_built(get_releases(request), key, build)


@router.get("/graphe/{name}", responses=RESPONSES)
async def named_graph(name: str, request: Request) -> Response:
    """The named graph ``{base}graphe/{name}``: all its triples."""
    lang = request_language(request)
    store = get_store(request)
    linker = linker_for(request, get_settings(request).base_iri)
    stem, extension = split_extension(name, EXTENSIONS)
    iri = linker.iri_of(f"graphe/{stem}")
    sizes = {g.iri: g.triples for g in store.statistics().graphs}
    if not is_safe_path(name) or iri not in sizes:
        return not_found(request, iri, lang, html=extension in (None, HTML.extension))
    fmt = choose_document_format(request.headers.get("accept"), extension)
    stem_url = f"{request.base_url}graphe/{stem}"
    headers = alternates(stem_url, fmt)
    if fmt is not HTML:
        body = (await store.query_async(_ALL_TRIPLES, accept=fmt, default_graph_uris=[iri])).body
        return rdf_response(body, fmt, headers)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 100"
    context = {
        "name": stem,
        "iri": iri,
        "triples": sizes[iri],
        "formats": format_links(stem_url),
        "query_url": f"{request.base_url}sparql?{urlencode({'query': query})}",
    }
    return render(request, "graph.html", context, lang=lang, headers=headers)
