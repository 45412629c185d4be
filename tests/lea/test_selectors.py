"""The pages' reads cost a fixed number of queries, however many organisations there are."""

import functools
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


def test_it_answers_the_menu_as_has_perm_does_in_one_query(world: World) -> None:
    for person in [*world.users_by_role().values(), world.outsider]:
        person = type(person).objects.get(pk=person.pk)  # nothing of it read yet
        with CaptureQueriesContext(connection) as queries:
            menu = selectors.menu_for(user=person)
        assert len(queries) == 1
        reviews = person.memberships.filter(role__in=selectors.REVIEWING_ROLES).exists()
        assert menu == {
            "reviews_anyone": reviews,
            "people": person.has_perm("lea.change_user"),
            "consultants": person.has_perm("steps.add_consultantassignment"),
            "adl_load": person.has_perm("steps.add_adlupload"),
        }
    assert selectors.menu_for(user=world.cde_admin)["people"]
    assert not selectors.menu_for(user=world.lea_lead)["people"]


def test_it_answers_the_menu_from_what_the_page_already_read_without_a_query(
    world: World,
) -> None:
    """A page that has read the person's memberships and permissions (through the lazy
    request.user, as views do) gets the same menu as the query gives, with no query."""
    from django.utils.functional import SimpleLazyObject

    from lea import access
    from lea.models import User

    world.outsider.is_superuser = True
    world.outsider.save()
    for person in [*world.users_by_role().values(), world.outsider]:
        from_the_query = selectors.menu_for(user=User.objects.get(pk=person.pk))
        request_user = SimpleLazyObject(functools.partial(User.objects.get, pk=person.pk))
        access.own_membership_list_for(request_user)  # type: ignore[arg-type]
        request_user.has_perm("lea.view_organization")
        with CaptureQueriesContext(connection) as queries:
            menu = selectors.menu_for(user=request_user)  # type: ignore[arg-type]
        assert len(queries) == 0, person
        assert menu == from_the_query, person


def test_it_opens_the_whole_menu_to_a_superuser_and_none_to_an_inactive_account(
    world: World,
) -> None:
    world.outsider.is_superuser = True
    assert selectors.menu_for(user=world.outsider) == {
        "reviews_anyone": False,
        "people": True,
        "consultants": True,
        "adl_load": True,
    }
    world.cde_admin.is_active = False
    assert not any(selectors.menu_for(user=world.cde_admin).values())
    assert not any(selectors.menu_for(user=None).values())
