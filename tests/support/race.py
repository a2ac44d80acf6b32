"""Run calls at the same moment, one thread each, behind a barrier: for tests of concurrent stores."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def run_together(calls: Sequence[Callable[[], object]], *, timeout: float = 60) -> list[BaseException]:
    """Start every call at once and wait for all of them; returns what they raised (empty: none did)."""
    barrier = threading.Barrier(len(calls))
    failures: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            call()
        except Exception as err:  # noqa: BLE001 - returned to the test, which asserts on it
            failures.append(err)
            barrier.abort()  # the others stop waiting for a call that will never arrive

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
