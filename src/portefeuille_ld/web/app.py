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
from starlette.middleware.cors import CORSMiddleware

from portefeuille_ld import __version__
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web import errors
from portefeuille_ld.web.middleware import HeadAsGet, VaryAccept
from portefeuille_ld.web.routers import dumps, home, metadata, resources, sparql

__all__ = ["create_app", "dataset_path"]

log = logging.getLogger(__name__)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def dataset_path(settings: Settings) -> Path:
    """The N-Quads dump the server loads: the current build's.

    >>> dataset_path(Settings(out_dir=Path("artifacts"))).as_posix()
    'artifacts/current/portefeuille.nq'
    """
    return settings.out_dir / "current" / "portefeuille.nq"


def _lifespan(settings: Settings, store: Store | None) -> Lifespan:
    """Open the store at start-up unless one was given; close what was opened here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is not None:
            yield
            return
        opened = EmbeddedStore.from_path(dataset_path(settings))
        app.state.store = opened
        try:
            yield
        finally:
            app.state.store = None
            opened.close()

    return lifespan


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The application; ``store`` defaults to an `EmbeddedStore` of `dataset_path`.

    A store passed in is the caller's: the app neither opens nor closes it.
    """
    settings = settings if settings is not None else Settings.from_env(os.environ)
    app = FastAPI(
        title="portefeuille-ld",
        summary="Québec's portfolio of priority IT projects, as linked open data.",
        version=__version__,
        lifespan=_lifespan(settings, store),
    )
    app.state.settings = settings
    app.state.store = store
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(resources.router)
    app.include_router(home.router)
    app.include_router(dumps.router)
    app.include_router(metadata.router)
    app.add_middleware(HeadAsGet)
    app.add_middleware(VaryAccept)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Accept-Language", "Content-Type"],
        max_age=86_400,
    )
    return app
