"""Rendered pages kept per release: a page is built once per release and request shape.

A page answers from the data of one release, so what it renders (HTML or RDF) can be
kept until the release changes: `page_cache` hands out one `PageCache` per release
through `Releases.derived`, dropped with the release. The key says everything the body
depends on besides the data: the route, the server the client reached (pages link to it),
the path and query string, the language and the format. The cache is bounded in bytes
and forgets the least recently used pages first. Only 200 answers are kept, and the 303
of an IRI the data mentions (`/id/…`: its existence is all it depends on).

`PageCache.get_or_build_async` is for the routes on the event loop: a kept page is
answered there at once, without a thread hop or a store call; the page is built by a
coroutine (awaiting the store) otherwise.

With no release (``serve --data``) nothing is cached: the pages are built every time.

>>> from starlette.responses import Response
>>> cache = PageCache(max_bytes=100)  # two of these pages, with their headers
>>> calls = []
>>> def build() -> Response:
...     calls.append(1)
...     return Response(b"12345", media_type="text/plain")
>>> [cache.get_or_build(("a",), build).body for _ in range(2)], len(calls)
([b'12345', b'12345'], 1)
>>> _ = cache.get_or_build(("b",), build), cache.get_or_build(("c",), build)
>>> cache.get(("a",)) is None, cache.get(("c",)) is not None
(True, True)
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from portefeuille_ld.sized_lru import SizedLru
from portefeuille_ld.web.release import Release, Releases

T = TypeVar("T")

__all__ = [
    "MAX_BYTES",
    "CachedPage",
    "Once",
    "PageCache",
    "cached_or_built",
    "derived_once",
    "page_cache",
    "page_key",
]

MAX_BYTES = 64 * 1024 * 1024
"""What one release's cache may hold: bodies and headers, in bytes."""

_DROPPED = frozenset({"content-length"})


@dataclass(frozen=True)
class CachedPage:
    """A response as it left the route: status, headers and body."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of(cls, response: Response) -> CachedPage:
        headers = tuple((k, v) for k, v in response.headers.items() if k not in _DROPPED)
        return cls(response.status_code, headers, bytes(response.body))

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)

    def response(self) -> Response:
        """A fresh response with the same status, headers and body."""
        response = Response(self.body, status_code=self.status_code)
        for name, value in self.headers:
            response.headers.append(name, value)
        return response


class PageCache:
    """A least-recently-used map of pages, bounded by their total size (a `SizedLru`)."""

    def __init__(self, *, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pages: SizedLru[CachedPage] = SizedLru(max_bytes)

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: Hashable) -> CachedPage | None:
        """The page kept under ``key``, now the most recently used; None if absent."""
        return self._pages.get(key)

    def put(self, key: Hashable, page: CachedPage) -> None:
        """Keep ``page`` (not when it alone exceeds the bound), forgetting the oldest."""
        self._pages.put(key, page, page.size)

    def get_or_build(self, key: Hashable, build: Callable[[], Response]) -> Response:
        """The kept page, or ``build()``'s answer (kept when it is a 200).

        Two requests for the same missing page may both build it: building outside the
        lock lets other pages be served meanwhile, and both builds give the same bytes.
        """
        page = self.get(key)
        if page is not None:
            return page.response()
        response = build()
        if response.status_code == 200:
            self.put(key, CachedPage.of(response))
        return response

    async def get_or_build_async(
        self,
        key: Hashable,
        build: Callable[[], Awaitable[Response]],
        *,
        keep: Collection[int] = (200,),
    ) -> Response:
        """`get_or_build` for a coroutine ``build``; answers of a status in ``keep`` are kept.

        >>> import asyncio
        >>> async def see_other() -> Response:
        ...     return Response(status_code=303, headers={"Location": "/doc/a"})
        >>> cache = PageCache()
        >>> _ = asyncio.run(cache.get_or_build_async(("id",), see_other, keep=(303,)))
        >>> cache.get(("id",)).status_code
        303
        """
        page = self.get(key)
        if page is not None:
            return page.response()
        response = await build()
        if response.status_code in keep:
            self.put(key, CachedPage.of(response))
        return response


def page_cache(releases: Releases) -> PageCache | None:
    """The cache of the current release; None without a release (nothing is kept)."""
    release = releases.current()
    if release is None:
        return None
    return releases.derived(release, "page-cache", lambda _: PageCache())


async def cached_or_built(
    releases: Releases,
    key: Hashable,
    build: Callable[[], Awaitable[Response]],
    *,
    keep: Collection[int] = (200,),
) -> Response:
    """The page kept for the current release, else ``build()``'s (kept if its status is in
    ``keep``); without a release, ``build()``'s every time."""
    cache = page_cache(releases)
    if cache is None:
        return await build()
    return await cache.get_or_build_async(key, build, keep=keep)


def page_key(request: Request, *parts: str) -> tuple[str, ...]:
    """What a page depends on besides the data: the server reached, the path and query
    string (pages link to the same page in the other language, with the same parameters),
    and ``parts`` (the route, the language and format chosen)."""
    return (str(request.base_url), request.url.path, request.url.query, *parts)


class Once(Generic[T]):
    """A value computed on first use, under a lock of its own.

    `Releases.derived` computes under the lock every request takes to read the current
    release: a value that takes seconds to compute (the home page's figures at 10,000
    initiatives) would hold every page up. It derives a `Once` at once instead, and the
    slow computation runs here, holding up only the requests that need its value.

    >>> once = Once(lambda: [1])
    >>> once.get() is once.get()
    True
    """

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute: Callable[[], T] | None = compute
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._compute is not None:
                self._value, self._compute = self._compute(), None
            return self._value  # type: ignore[return-value]  # set by the first call


def derived_once(releases: Releases, release: Release, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per release and key, like `Releases.derived`, without holding
    the releases' lock while it runs."""
    once: Once[T] = releases.derived(release, key, lambda _: Once(compute))
    return once.get()
