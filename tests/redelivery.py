"""A task delivered twice, the second copy while the first still runs: the test of a
worker's guard against redelivery (each copy in its own thread, so its own connection)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection


def run_twice_at_once(
    monkeypatch: pytest.MonkeyPatch,
    *,
    task: Callable[[], object],
    slow_part: tuple[Any, str],
    does: Callable[..., Any] | None = None,
) -> list[int]:
    """Run `task` in two threads; the first holds inside `slow_part` (an attribute,
    as (owner, name), that the task calls for its long work) until the second has run to
    its end, then does what the slow part does (or `does` instead). Returns one entry per
    time the slow part ran: a guarded task gives [1]."""
    owner, name = slow_part
    real = does or getattr(owner, name)
    inside, second_done = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        inside.set()
        second_done.wait(timeout=30)  # the first copy is still at its long work
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)

    def first() -> None:
        try:
            task()
        finally:
            connection.close()

    def second() -> None:
        inside.wait(timeout=30)
        try:
            task()  # delivered again while the first runs
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return runs
