"""Running test work on several threads and reporting what any of them raised."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_in_threads(work: Callable[[Any], None], args: Iterable[Any]) -> None:
    """Runs ``work(arg)`` on one thread per arg, waits for all, and re-raises the first exception any raised."""
    errors: list[BaseException] = []

    def guarded(arg: Any) -> None:
        try:
            work(arg)
        except BaseException as e:  # noqa: BLE001 - re-raised on the calling thread below
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(a,)) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
