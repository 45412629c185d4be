"""One worker at a time on one object, for tasks a broker may deliver twice.

A task delivered again (late acks after a lost worker, a broker's visibility timeout)
can start while the first delivery still runs. `worker_lock` takes a PostgreSQL session
advisory lock on (kind, id) without waiting: the first delivery holds it for as long as
it works, the second finds it held and leaves the object alone. PostgreSQL lets go of
the lock when the holder's connection ends, so a worker that died holds nothing and the
next delivery can tell "still running" from "gone".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

from django.db import DatabaseError, connection


class LockKind(IntEnum):
    """The first key of the advisory lock: what kind of object is being worked on."""

    ADL_UPLOAD = 7300
    RENDERED_PDF = 7301


@contextmanager
def worker_lock(kind: LockKind, object_id: int) -> Iterator[bool]:
    """True while this worker holds (kind, object_id); False when another one does."""
    key = [int(kind), object_id % 2**31]  # the two-key form takes 32-bit integers
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        row = cursor.fetchone()
    held = bool(row and row[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:
                pass  # the connection is gone, and the lock with it
