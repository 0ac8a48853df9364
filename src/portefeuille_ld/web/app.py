"""The web application, built by `create_app`; nothing is created at import time.

Run it with ``uvicorn --factory portefeuille_ld.web.app:create_app`` (settings from the
``PORTEFEUILLE_*`` environment), or build it with explicit settings and store:

>>> from portefeuille_ld.store.embedded import EmbeddedStore
>>> store = EmbeddedStore.from_data("<http://ex.org/a> <http://ex.org/p> <http://ex.org/b> .")
>>> app = create_app(Settings(), store)
>>> app.state.store is store
True
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from portefeuille_ld import __version__
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.store.pool import PoolLimits
from portefeuille_ld.store.sources import DataSource, FilesSource, ReleaseSource
from portefeuille_ld.web import errors
from portefeuille_ld.web.caching import Caching
from portefeuille_ld.web.middleware import Edge
from portefeuille_ld.web.release import Releases
from portefeuille_ld.web.routers import dumps, home, metadata, resources, sparql

__all__ = ["create_app", "dataset_path", "open_store"]

log = logging.getLogger(__name__)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def dataset_path(settings: Settings) -> Path:
    """The N-Quads dump the server loads: the current build's.

    >>> dataset_path(Settings(out_dir=Path("artifacts"))).as_posix()
    'artifacts/current/portefeuille.nq'
    """
    return settings.out_dir / "current" / "portefeuille.nq"


def open_store(settings: Settings) -> IsolatedStore:
    """The store the server opens: query workers on the current release, or on ``data_files``.

    :raises StoreUnavailable: there is nothing to serve, or it cannot be read.
    """
    limits = PoolLimits(
        workers=settings.workers or os.cpu_count() or 1,
        timeout_s=settings.query_timeout_s,
        max_queued=settings.max_queued_queries,
    )
    source: DataSource = ReleaseSource(settings.out_dir)
    if settings.data_files:
        source = FilesSource(settings.data_files, in_memory=settings.store_in_memory)
    return IsolatedStore(
        source,
        limits,
        max_result_bytes=settings.max_result_bytes,
        in_memory=settings.store_in_memory,
        result_cache_bytes=settings.result_cache_bytes,
        inline_quads=settings.inline_describe_quads,
    )


def _lifespan(settings: Settings, store: Store | None) -> Lifespan:
    """Open the store at start-up unless one was given; close what was opened here.

    The release the pages and dumps come from is the one the store serves, so a reload
    switches both at once.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is not None:
            yield
            return
        if settings.store_url:  # a remote SPARQL endpoint answers: no query workers here
            from portefeuille_ld.store.remote import RemoteStore  # httpx: only for this case

            remote = RemoteStore.from_settings(settings)
            app.state.store = remote
            try:
                yield
            finally:
                app.state.store = None
                remote.close()
            return
        opened = open_store(settings)
        app.state.store = opened
        app.state.releases = Releases(settings.out_dir, locate=opened.release_directory)
        try:
            yield
        finally:
            app.state.store = None
            opened.close()

    return lifespan


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The application; ``store`` defaults to `open_store` (opened at start-up).

    A store passed in is the caller's: the app neither opens nor closes it. Unless
    ``settings`` names other data (`Settings.serves_release`), it must hold the release
    of ``settings.out_dir``: pages read what the build wrote there (e.g. the home page's data).
    """
    settings = settings if settings is not None else Settings.from_env(os.environ)
    app = FastAPI(
        title="portefeuille-ld",
        summary="Québec's portfolio of priority IT projects, as linked open data.",
        version=__version__,
        lifespan=_lifespan(settings, store),
        # No OpenTelemetry provider is ever configured here: FastAPI's per-request check
        # for one costs 6 µs, a tenth of a 304's time in the app.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.store = store
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(resources.router)
    app.include_router(home.router)
    app.include_router(dumps.router)
    app.include_router(metadata.router)
    app.add_middleware(sparql.FastPath)  # innermost: inside Caching, around the router
    app.add_middleware(Caching, settings=settings)
    app.add_middleware(Edge)
    return app
