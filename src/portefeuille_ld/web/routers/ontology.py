"""``/ontologie`` and ``/formes``: the vocabulary's documents, under their fixed IRIs.

- ``GET /ontologie[.html|.ttl|.jsonld|.nt|.rdf]`` (and the version IRI
  ``/ontologie/{version}``): the ontology graph merged with the shapes graph, so the hash
  IRI of every ``pf:`` term *and* of every ``pf:<Class>Shape`` (``ontologie#Project``; the
  fragment never reaches the server) dereferences to a document that describes it.
- ``GET /formes[.ext]``: the shapes document, the same graphs headed by its own IRI.

HTML is readable documentation where each term's block has ``id="{LocalName}"``; the
RDF formats come by extension or ``Accept``. The graphs are parsed once per release and
each document built once per release, language and format. Headers and languages are those of
`portefeuille_ld.web.routers.resources`; ``/graphe/ontologie`` and ``/graphe/formes``
serve each graph alone.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from portefeuille_ld.formats import HTML, N_TRIPLES
from portefeuille_ld.iris import Iris
from portefeuille_ld.store.base import Store
from portefeuille_ld.web.deps import SettingsDep, StoreDep
from portefeuille_ld.web.describe import exists
from portefeuille_ld.web.documents import (
    EXTENSIONS,
    RESPONSES,
    alternates,
    choose_document_format,
    format_links,
    linker_for,
    not_found,
    rdf_response,
)
from portefeuille_ld.web.linking import is_safe_path, split_extension
from portefeuille_ld.web.ontology_doc import ontology_page
from portefeuille_ld.web.page_cache import cached_or_built, derived_once, page_key
from portefeuille_ld.web.release import Releases, ReleasesDep
from portefeuille_ld.web.templating import render, request_language

__all__ = ["router"]

router = APIRouter(tags=["Linked data"])

_ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def _graphs(store: Store, iris: Iris) -> list[str]:
    """The ontology and shapes graphs the store has (none unless it has the ontology)."""
    known = store.statistics().graph_iris
    wanted = [str(iris.ontology_graph()), str(iris.shapes_graph())]
    return [g for g in wanted if g in known] if wanted[0] in known else []


@router.get("/ontologie{rest:path}", responses=RESPONSES)
async def ontology(
    rest: str, request: Request, store: StoreDep, settings: SettingsDep, releases: ReleasesDep
) -> Response:
    """The ontology (with its shapes), documented in HTML or in an RDF format."""
    return await _vocabulary_document(
        "ontologie", rest, request, store, settings.base_iri, releases
    )


@router.get("/formes{rest:path}", responses=RESPONSES)
async def shapes(
    rest: str, request: Request, store: StoreDep, settings: SettingsDep, releases: ReleasesDep
) -> Response:
    """The SHACL shapes (with the ontology they constrain), in HTML or in an RDF format."""
    return await _vocabulary_document("formes", rest, request, store, settings.base_iri, releases)


async def _vocabulary_document(
    name: str, rest: str, request: Request, store: Store, base_iri: str, releases: Releases
) -> Response:
    """The document, built once per release, language and format (`page_cache`): a kept one
    is answered on the event loop, one is built in a thread (rdflib parses the graphs)."""
    lang = request_language(request)
    linker = linker_for(request, base_iri)
    stem, extension = split_extension(name + rest, EXTENSIONS)
    iri = linker.iri_of(stem)
    fmt = choose_document_format(request.headers.get("accept"), extension)

    def build() -> Response:
        graphs = _graphs(store, Iris(base_iri))
        known = is_safe_path(stem) and (stem == "ontologie" or exists(store, iri))
        if not graphs or not (stem == name or stem.startswith(f"{name}/")) or not known:
            return not_found(request, iri, lang, html=extension in (None, HTML.extension))
        stem_url = f"{request.base_url}{stem}"
        headers = alternates(stem_url, fmt)
        if fmt is not HTML:
            body = store.query(_ALL_TRIPLES, accept=fmt, default_graph_uris=graphs).body
            return rdf_response(body, fmt, headers)
        graph = _parsed(store, graphs, releases)
        page = ontology_page(graph, linker.iri_of(name), lang=lang, linker=linker)
        context = {"page": page, "formats": format_links(stem_url)}
        return render(request, "ontology.html", context, lang=lang, headers=headers)

    key = page_key(request, "vocabulary", lang, fmt.name)
    return await cached_or_built(releases, key, partial(run_in_threadpool, build))


def _parsed(store: Store, graphs: list[str], releases: Releases) -> Graph:
    """The ontology and shapes graphs, parsed once per release (every time without one)."""

    def parse() -> Graph:
        body = store.query(_ALL_TRIPLES, accept=N_TRIPLES, default_graph_uris=graphs).body
        return Graph().parse(data=body, format="nt")

    release = releases.current()
    if release is None:
        return parse()
    return derived_once(releases, release, "vocabulary-graph:" + " ".join(graphs), parse)
