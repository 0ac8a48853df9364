"""The query worker's own behaviour (its protocol is exercised through `IsolatedStore`)."""

from __future__ import annotations

import os
import threading

from portefeuille_ld.store.worker import LOADER_NICENESS, lower_priority


def _niceness(thread_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, thread_id)


def test_the_loader_thread_runs_at_the_lowest_priority_and_only_it() -> None:
    caller = threading.get_native_id()
    before = _niceness(caller)
    seen: list[int] = []

    def load() -> None:
        lower_priority()
        seen.append(_niceness(threading.get_native_id()))
        inner = threading.Thread(target=lambda: seen.append(_niceness(threading.get_native_id())))
        inner.start()
        inner.join()

    loader = threading.Thread(target=load)
    loader.start()
    loader.join()
    assert seen == [LOADER_NICENESS, LOADER_NICENESS]  # and the threads it starts
    assert _niceness(caller) == before
