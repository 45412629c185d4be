"""Data built once per test module and shared by its tests (the fixtures and hooks that use
this are in tests/conftest.py).

The first test of a module that shares its data opens a transaction for the module and
puts the world in it; a module-scoped fixture on `module_world` builds more in it. Each
test's own transaction (pytest-django's) is a savepoint inside the module's, so whatever a
test writes is gone after it, and each test gets its own copy of the objects. The module's
transaction is rolled back after its last test that shares it.

A test shares its module's data when it is not transactional (a transactional test
commits: it has the world put back for it) and asks for every module-scoped fixture that the
module's other sharing tests ask for: rows that a test did not ask for are never in its
database. The others run after the module's transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
from django.db import transaction

SHARED = "_module_transaction"  # the fixture every user of a module's shared data asks for
_WORLD = "module_world"


class OwnCopy(Protocol):
    """A test's own copy of what its module shares (the `own_copy` fixture)."""

    def __call__[T](self, shared: T) -> T: ...


class ModuleTransaction[World]:
    """The transaction a module's shared data lives in, open from the module's first test
    that shares it to its last one."""

    def __init__(self, django_db_blocker: Any, build_world: Callable[[], World]) -> None:
        self._blocker = django_db_blocker
        self._build_world = build_world
        self._atomic: transaction.Atomic | None = None
        self._world: World | None = None

    @property
    def is_open(self) -> bool:
        return self._atomic is not None

    def begin(self) -> None:
        """Open the module's transaction and put its world in it, before the first test's
        own transaction, which must be a savepoint inside it."""
        with self._blocker.unblock():
            atomic = transaction.atomic()
            # As Django's TestCase marks its own: a durable block in the code under test
            # is still allowed inside it.
            atomic._from_testcase = True  # type: ignore[attr-defined]
            atomic.__enter__()
            self._atomic = atomic
            self._world = self._build_world()

    def roll_back(self) -> None:
        if self._atomic is None:
            return
        atomic, self._atomic, self._world = self._atomic, None, None
        with self._blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    def world(self) -> World:
        if self._world is None:
            raise RuntimeError(
                "This module's shared data was rolled back or never built: a transactional "
                "test cannot use it, and a module's tests that share it run before its other "
                "tests (tests/module_data.py)."
            )
        return self._world


_shares = pytest.StashKey[bool]()


def shares_module_data(item: pytest.Item) -> bool:
    return item.stash.get(_shares, False)


def decide_sharing(
    items: list[pytest.Item], is_transactional: Callable[[pytest.Item], bool]
) -> None:
    """Mark the tests that share their module's data (see the module's docstring)."""
    may_share = [
        item
        for item in items
        if SHARED in getattr(item, "fixturenames", ()) and not is_transactional(item)
    ]
    asked: dict[Path, set[str]] = {}
    for item in may_share:
        asked.setdefault(item.path, set()).update(_module_fixtures(item))
    for item in may_share:
        item.stash[_shares] = _module_fixtures(item) == asked[item.path]


def _module_fixtures(item: pytest.Item) -> set[str]:
    """The module-scoped fixtures built on the module's world that the test asks for."""
    definitions = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]

    def builds_on_world(name: str, seen: frozenset[str]) -> bool:
        if name == _WORLD:
            return True
        if name in seen or name not in definitions:
            return False
        argnames = definitions[name][-1].argnames
        return any(builds_on_world(arg, seen | {name}) for arg in argnames)

    return {
        name
        for name in item.fixturenames  # type: ignore[attr-defined]
        if name in definitions
        and name != _WORLD
        and definitions[name][-1].scope == "module"
        and builds_on_world(name, frozenset())
    }
