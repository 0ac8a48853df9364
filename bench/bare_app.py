"""The floor of issue 4: FastAPI calling pyoxigraph, with none of portefeuille-ld's features.

No content negotiation beyond a lookup, no limits, no query inspection, no isolation:
``BENCH_DATA=file.nq uvicorn --factory bench.bare_app:create_app``. The real server must
not fall below it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.responses import Response

__all__ = ["create_app"]

_RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPHS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def create_app() -> FastAPI:
    """Load ``$BENCH_DATA`` into an in-memory store and answer ``/sparql``."""
    store = ox.Store()
    store.bulk_load(path=Path(os.environ["BENCH_DATA"]), format=ox.RdfFormat.N_QUADS)
    app = FastAPI()

    def answer(query: str, accept: str) -> Response:
        try:
            result = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:
            return Response(str(exc), status_code=400)
        if isinstance(result, ox.QueryTriples):
            media = accept if accept in _GRAPHS else "application/n-triples"
            return Response(result.serialize(format=_GRAPHS[media]), media_type=media)
        media = accept if accept in _RESULTS else "application/sparql-results+json"
        return Response(result.serialize(format=_RESULTS[media]), media_type=media)

    @app.get("/sparql")
    def get(request: Request, query: str) -> Response:
        return answer(query, request.headers.get("accept", ""))

    @app.post("/sparql")
    async def post(request: Request) -> Response:
        body = (await request.body()).decode()
        return answer(body, request.headers.get("accept", ""))

    @app.get("/health")
    def health() -> Response:
        return Response("ok")

    return app
