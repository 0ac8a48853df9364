"""`SizedLru`: a least-recently-used map bounded by the total size of its values.

The one eviction policy of the server's caches: rendered pages
(`portefeuille_ld.web.page_cache`) and query answers (`portefeuille_ld.store.result_cache`).

>>> lru: SizedLru[bytes] = SizedLru(max_bytes=4)
>>> lru.put("a", b"aa", 2); lru.put("b", b"bb", 2)
>>> _ = lru.get("a")  # b is now the least recently used
>>> lru.put("c", b"cc", 2); lru.put("huge", b"xxxxx", 5)
>>> [k for k in ("a", "b", "c", "huge") if lru.get(k)], lru.size_bytes
(['a', 'c'], 4)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["SizedLru"]

V = TypeVar("V")


class SizedLru(Generic[V]):
    """Values by key, the least recently used dropped first; safe from any thread."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        """The value kept under ``key``, now the most recently used; None if absent."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        """Keep ``value``, counted as ``size`` (not when that alone exceeds the bound),
        forgetting the least recently used."""
        if size > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    @property
    def size_bytes(self) -> int:
        """The total size of the values kept."""
        return self._bytes
