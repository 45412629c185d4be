"""The test world: one person per role at home, plus a foreign SELPA and LEA, always.

Built once per test session through the services, and its rows copied. They are put back
once per test module and shared by its tests, each in a savepoint of the module's
transaction with its own copy of the objects (tests/module_data.py), or put back for a
test that does not share them. A module builds more shared data with a module-scoped
fixture on `module_world` and a function-scoped one that returns `own_copy(...)` of it
(tests/steps/test_grid.py).
"""

from __future__ import annotations

import copy
import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.test import Client

from cim.models import Cohort
from lea.models import Organization, Role, User
from tests.cim.catalog import load_2024
from tests.lea import factories
from tests.module_data import ModuleTransaction, OwnCopy, decide_sharing, shares_module_data
from tests.network_guard import outbound_network_blocked
from tests.table_copy import TableCopy

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str) -> None:
    """Skip on a developer's machine without `what`; under CI=true a missing service fails."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available.")
    pytest.skip(f"{what} is not available here.")


@dataclass
class World:
    cde: Organization
    selpa: Organization
    lea: Organization
    lea2: Organization
    foreign_selpa: Organization
    foreign_lea: Organization
    cde_admin: User
    cde_consultant: User
    selpa_reviewer: User
    lea_lead: User
    lea_member: User
    foreign_selpa_reviewer: User
    foreign_lea_lead: User
    outsider: User

    def users_by_role(self) -> dict[str, User]:
        return {
            Role.CDE_ADMIN: self.cde_admin,
            Role.CDE_CONSULTANT: self.cde_consultant,
            Role.SELPA_REVIEWER: self.selpa_reviewer,
            Role.LEA_LEAD: self.lea_lead,
            Role.LEA_MEMBER: self.lea_member,
        }


def build_world() -> World:
    cde = factories.cde()
    selpa = factories.selpa(name="North Valley SELPA")
    foreign_selpa = factories.selpa(name="Far Coast SELPA", region=11)
    lea = factories.lea(selpa=selpa, name="Riverbend Unified")
    lea2 = factories.lea(selpa=selpa, name="Oak Hollow Elementary")
    foreign_lea = factories.lea(selpa=foreign_selpa, name="Harbor View Unified")
    return World(
        cde=cde,
        selpa=selpa,
        lea=lea,
        lea2=lea2,
        foreign_selpa=foreign_selpa,
        foreign_lea=foreign_lea,
        cde_admin=factories.member(cde, Role.CDE_ADMIN, full_name="Alex Admin"),
        cde_consultant=factories.member(cde, Role.CDE_CONSULTANT, full_name="Morgan Consultant"),
        selpa_reviewer=factories.member(selpa, Role.SELPA_REVIEWER, full_name="Jordan Reviewer"),
        lea_lead=factories.member(lea, Role.LEA_LEAD, full_name="Casey Lead"),
        lea_member=factories.member(lea, Role.LEA_MEMBER, full_name="Sam Member"),
        foreign_selpa_reviewer=factories.member(
            foreign_selpa, Role.SELPA_REVIEWER, full_name="Riley Foreign Reviewer"
        ),
        foreign_lea_lead=factories.member(
            foreign_lea, Role.LEA_LEAD, full_name="Drew Foreign Lead"
        ),
        outsider=factories.user(full_name="Oli Outsider"),
    )


# The test whose fixtures are being set up (pytest_runtest_setup), and its module's
# transaction while there is one (tests/module_data.py).
_item_being_set_up: list[pytest.Item] = []
_module_transactions: list[ModuleTransaction[World]] = []


@pytest.fixture(scope="module")
def _module_transaction(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[ModuleTransaction[World]]:
    shared = ModuleTransaction(django_db_blocker, world_from_copy)
    if _item_being_set_up and shares_module_data(_item_being_set_up[0]):
        shared.begin()
    _module_transactions.append(shared)
    yield shared
    _module_transactions.remove(shared)
    shared.roll_back()


@pytest.fixture(scope="module")
def module_world(_module_transaction: ModuleTransaction[World]) -> World:
    """The module's shared world, for module-scoped fixtures that build more on it (a copy:
    what they leave on its objects in memory stays out of the copies the tests get from
    `world`). A test uses `world`."""
    return copy.deepcopy(_module_transaction.world())


@pytest.fixture
def own_copy(settings: Any) -> OwnCopy:
    """This test's own copy of objects the module shares (as Django's setUpTestData gives
    each test): what one test changes on them in memory (a cached permission, a field set
    and not saved) is never seen by the next. One memo for the test, so an object shared by
    two fixtures is still one object in the test. The test gets cache keys of its own too:
    the module's objects keep their ids from test to test, and a page cached under them by
    an earlier test (from rows since rolled back) must not be served to this one."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"{caches['default']['KEY_PREFIX']}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    memo: dict[int, Any] = {}

    def copied[T](shared: T) -> T:
        return copy.deepcopy(shared, memo)

    return copied


@pytest.fixture
def cohorts(db: None) -> dict[str, Cohort]:
    """The shipped Targeted 2024 and Intensive 2024 cohorts, keyed by tier."""
    return load_2024()


@pytest.fixture
def no_catalog(db: None) -> None:
    """A database before the first catalog load, for this test only (its transaction
    takes the catalog back when it ends)."""
    from cim.models import MonitoringYear

    Cohort.objects.all().delete()
    MonitoringYear.objects.all().delete()


_catalog_database: list[Any] = []

# Each test database's copy of itself as the session set it up.
_session_start = TableCopy("session_start")
# The world as the session built it once through the services, and a copy of every table
# then: a module, a test of its own or a browser test puts its rows back (a few
# milliseconds) instead of building it again (a good part of a second).
_session_world: list[World] = []
_world_tables = TableCopy("session_world")


def world_from_copy() -> World:
    """The session's world, its rows put back (committed in a transactional test, inside
    the transaction otherwise), with the same ids every time. The objects are the session's
    own: whoever hands them to a test gives it a copy (`own_copy`, `module_world`)."""
    _world_tables.put_back(keep_existing=False)
    return _session_world[0]


def _empty_to_the_session_start() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    _session_start.put_back(keep_existing=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The shipped catalog, committed once in each test database: most tests read it, and
    loading it costs about two seconds. Its load leaves no audit row, so each test starts
    from an empty audit trail as before. A test that empties the database (a transactional
    one) has it put back after it, from a copy of every table taken here: see
    pytest_runtest_teardown. The world is built here too, copied and taken away again."""
    from lea.models import AuditEvent

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresOperations, "sql_flush", _sql_flush_by_delete)
        with django_db_blocker.unblock():
            load_2024()
            AuditEvent.objects.all().delete()
            _session_start.take()
            _session_world.append(build_world())
            _world_tables.take(leaving_out=_session_start)
            _empty_to_the_session_start()
        _catalog_database.append(django_db_blocker)
        _serialized_rollback_restores_nothing()
        yield
    with django_db_blocker.unblock():
        _end_other_sessions()


def _end_other_sessions() -> None:
    """Before the test database is dropped: end any session still connected to it (now and
    then a live server's or a worker's, closing as the last test ends), which PostgreSQL
    would wait five seconds for before refusing the drop and leaving the database behind.
    Each one ended is named in a warning."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_name, state, left(query, 160), pg_terminate_backend(pid)"
                " FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            ended = cursor.fetchall()
    except DatabaseError as error:  # a role that may not end others' sessions
        ended = [f"none ended: {error}"]
    connection.close()
    if ended:
        warnings.warn(f"Sessions still on the test database: {ended}", stacklevel=1)


def _serialized_rollback_restores_nothing() -> None:
    """Before each test marked `serialized_rollback`, Django reloads the rows the migrations
    made, one ORM save at a time (about half a second); the session's copy already puts them
    back after each test that empties the database (`pytest_runtest_teardown`), in a few
    milliseconds. The serialized contents stay, empty: Django reads their presence to leave
    out the flush's post_migrate signal, which would make the content types and permissions
    again under new ids."""
    from django.db import connections

    for connection in connections.all():
        if hasattr(connection, "_test_serialized_contents"):
            connection._test_serialized_contents = "[]"  # type: ignore[attr-defined]


_sql_flush_by_truncate = PostgresOperations.sql_flush


def _sql_flush_by_delete(
    self: PostgresOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    """The flush after a transactional test, as DELETEs in one transaction (Django's
    foreign keys are checked at its end) instead of one TRUNCATE: a TRUNCATE makes new files
    for each of some seventy tables and their indexes, about 0.4 s, where deleting the few
    rows a test leaves takes a few milliseconds. The access record is append-only (a trigger
    refuses a DELETE), so it is truncated."""
    from lea.models import AccessRecord

    if reset_sequences or allow_cascade:
        return _sql_flush_by_truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    append_only = AccessRecord._meta.db_table
    return [
        f"{'TRUNCATE' if table == append_only else 'DELETE FROM'} {self.quote_name(table)};"
        for table in tables
    ]


def _put_back_the_catalog(django_db_blocker: Any) -> None:
    """Every row the session started with (what the migrations made, the catalog)."""
    with django_db_blocker.unblock():
        if Cohort.objects.filter(year__year=2024).count() != 2:
            _session_start.put_back(keep_existing=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    result = yield
    # After the last test the test database is gone already (nextitem is None).
    if _catalog_database and nextitem is not None and _is_transactional(item):
        _put_back_the_catalog(_catalog_database[0])
    return result


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


def signed_in(user: User) -> Client:
    """A test client with the user signed in."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(
    _module_transaction: ModuleTransaction[World], db: None, request: pytest.FixtureRequest
) -> World:
    """This test's copy of the module's world; for a test that does not share its module's
    data (tests/module_data.py), the session's world put back for it alone."""
    own: OwnCopy = request.getfixturevalue("own_copy")
    if shares_module_data(request.node):
        return own(_module_transaction.world())
    return own(world_from_copy())


def _uses_database(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or "_django_db_helper" in fixtures


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """A test that uses the database and does not share its module's data runs after the
    module's transaction is rolled back: it sees the database as a test of its own would."""
    _item_being_set_up[:] = [item]
    if _uses_database(item) and not shares_module_data(item):
        for shared in _module_transactions:
            shared.roll_back()
    try:
        return (yield)
    finally:
        _item_being_set_up.clear()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """After pytest-django's order (tests in a transaction, transactional tests, tests
    without the database), a module's tests that share its data come first among its
    tests of their kind, so that its transaction is opened once and is not rolled back by
    a test in between that must not see it."""
    decide_sharing(items, _is_transactional)
    first_of_module: dict[tuple[bool, bool, str], int] = {}

    def position(indexed: tuple[int, pytest.Item]) -> tuple[int, int, int]:
        index, item = indexed
        kind = (_is_transactional(item), _uses_database(item), str(item.path))
        first = first_of_module.setdefault(kind, index)
        return first, 0 if shares_module_data(item) else 1, index

    items[:] = [item for _, item in sorted(enumerate(items), key=position)]


@pytest.fixture(autouse=True, scope="session")
def _no_outbound_network() -> Iterator[None]:
    """Every test: a connect to anything but loopback or a Unix socket fails at once
    (tests/network_guard.py)."""
    with outbound_network_blocked():
        yield


@pytest.fixture(autouse=True)
def _celery_eager(request: pytest.FixtureRequest) -> None:
    """Unit tests run tasks in-process when their transaction commits; tests marked
    `integration` use a real worker process instead."""
    from cim.celery import app

    app.conf.task_always_eager = "integration" not in request.keywords
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.SITE_URL = "http://testserver"
    # Two-step verification is required of CDE staff and SELPA reviewers outside tests;
    # the tests of it (tests/lea/test_mfa.py, tests/browser/test_mfa.py) turn it on.
    settings.MFA_REQUIRED_FOR_STAFF = False


def pytest_configure(config: pytest.Config) -> None:
    """Each test run, and under pytest-xdist each worker process, has its own test
    database (pytest-django suffixes its name) but shares the cache server: give each its
    own cache keys, so a page cached by an earlier run (whose ids this run reuses) is never
    served. Set in the environment too, for the Celery workers the integration tests
    start."""
    from django.conf import settings

    prefix = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    settings.CACHES["default"]["KEY_PREFIX"] = prefix
    # A fast hasher for every password the tests make, those of a module's shared world
    # (made before any test's settings) too: the default hasher takes a good part of a
    # second per password by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
