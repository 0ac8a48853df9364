"""Dependencies: the only readers of ``app.state`` (the settings and the store)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.base import Store

__all__ = ["SettingsDep", "StoreDep", "get_settings", "get_store"]


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    """The store the app answers from.

    :raises StoreUnavailable: the store is not open (before start-up or after shutdown).
    """
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the store is not open yet; try again in a moment")
    return store


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _store(request: Request) -> Store:
    return get_store(request)


# FastAPI runs a ``def`` dependency in its thread pool, a thread hop per dependency and
# request: these read a Python attribute, so they are ``async`` and run on the loop.
SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Store, Depends(_store)]
