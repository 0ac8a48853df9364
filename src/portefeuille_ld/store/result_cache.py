"""`ResultCache`: answers kept per release, so a repeated query is answered without running.

A release never changes, so the answer to a call (query text, dataset, format) is the same
every time it runs, with a few exceptions the cache leaves out: queries naming ``NOW``,
``RAND``, ``UUID``, ``STRUUID`` or ``BNODE`` (`is_cacheable`, a conservative test on the
text). `portefeuille_ld.store.isolated.IsolatedStore` keeps one cache per generation of
workers: a new release starts empty, and the old answers go with the old workers.

The cache is bounded in bytes (bodies plus query texts); the least recently used answers go
first, and an answer larger than the whole cache is not kept. With ``max_bytes`` 0 (the
default, ``Settings.result_cache_bytes``) nothing is kept.

>>> cache = ResultCache(max_bytes=10)
>>> cache.put("ASK {}", QueryResult(b"true", "text/plain", "results"))
>>> cache.get("ASK {}").body, cache.get("ASK { ?s ?p ?o }")
(b'true', None)
>>> is_cacheable("SELECT (NOW() AS ?t) {}"), is_cacheable("SELECT * { ?s ?p ?o }")
(False, True)
"""

from __future__ import annotations

from collections.abc import Hashable

from portefeuille_ld.sized_lru import SizedLru
from portefeuille_ld.store.base import QueryResult

__all__ = ["ResultCache", "is_cacheable"]

_VOLATILE = ("NOW", "RAND", "UUID", "BNODE")
"""Functions whose value changes from one run to the next (``STRUUID`` contains ``UUID``)."""


def is_cacheable(sparql: str) -> bool:
    """Whether the query's answer can only change with the data (no volatile function).

    A word in a string, a comment or a longer name (``?random``) only means the answer
    is not kept.
    """
    upper = sparql.upper()
    return not any(name in upper for name in _VOLATILE)


class ResultCache:
    """Query answers by key, least recently used dropped first (a `SizedLru`); thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: SizedLru[QueryResult] = SizedLru(max_bytes)

    def get(self, key: Hashable) -> QueryResult | None:
        """The answer kept for ``key``, if any (it becomes the most recently used)."""
        return self._entries.get(key) if self.max_bytes else None

    def put(self, key: Hashable, result: QueryResult, *, key_bytes: int = 0) -> None:
        """Keep ``result`` for ``key`` (counted as its body plus ``key_bytes``)."""
        self._entries.put(key, result, len(result.body) + key_bytes)

    @property
    def size_bytes(self) -> int:
        """The bytes of the answers kept."""
        return self._entries.size_bytes
