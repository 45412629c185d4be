"""The pages' reads cost a fixed number of queries, however many organisations there are."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lea import selectors
from lea.models import Role
from tests.conftest import World
from tests.lea import factories

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8


def _queries(read: Callable[[], object]) -> int:
    read()  # the first read also fills the content-type and permission caches
    with CaptureQueriesContext(connection) as context:
        read()
    return len(context.captured_queries)


def _grow(world: World, leas: int) -> None:
    for _ in range(leas):
        factories.member(factories.lea(selpa=world.selpa), Role.LEA_LEAD)
        factories.member(world.lea, Role.LEA_MEMBER)


@pytest.mark.parametrize("role", ["selpa_reviewer", "cde_admin", "lea_lead"])
def test_it_reads_the_home_page_in_constant_queries(world: World, role: str) -> None:
    user = getattr(world, role)
    before = _queries(lambda: selectors.home_overview(user=user))
    _grow(world, 10)
    assert _queries(lambda: selectors.home_overview(user=user)) == before <= MAX_QUERIES


def test_it_lists_organisations_in_constant_queries(world: World) -> None:
    def read() -> None:
        list(selectors.organization_list(user=world.cde_admin))

    before = _queries(read)
    _grow(world, 10)
    assert _queries(read) == before <= MAX_QUERIES
