"""`on_own_thread`: run a store's load on a thread of its own, so that queries run faster.

glibc's allocator gives each thread an arena of its own (the main thread has the main one),
and pyoxigraph allocates through it. A load leaves its arena full of freed temporaries
among the store's data; a query whose allocations then come from that arena (one run on the
thread that loaded) searches those fragments at every allocation. Measured on the 10k
synthetic data, one process: the CONSTRUCT of `bench/endpoint.py` took 38.9 ms of CPU on
the thread that loaded the store, 26.8 ms on another one (medians of 15).

>>> import threading
>>> on_own_thread(threading.get_ident) != threading.get_ident()
True
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["on_own_thread"]

P = ParamSpec("P")
T = TypeVar("T")


def on_own_thread(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)``, run on a new thread; the caller waits for it.

    Its exceptions are raised in the caller. pyoxigraph releases the GIL while it parses,
    so the waiting costs nothing.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load") as pool:
        return pool.submit(function, *args, **kwargs).result()
