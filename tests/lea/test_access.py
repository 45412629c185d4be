"""What each role may see and manage, decided by lea/access.py alone."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lea import access, services
from lea.models import Organization, Role
from tests.conftest import World
from tests.lea import factories

pytestmark = pytest.mark.django_db


def test_it_shows_an_lea_person_only_their_own_lea(world: World) -> None:
    assert set(access.organizations_for(world.lea_lead)) == {world.lea}
    assert set(access.organizations_for(world.lea_member)) == {world.lea}


def test_it_shows_a_selpa_reviewer_their_selpa_and_its_leas(world: World) -> None:
    visible = set(access.organizations_for(world.selpa_reviewer))
    assert visible == {world.selpa, world.lea, world.lea2}
    assert world.foreign_lea not in visible


def test_it_shows_cde_staff_every_organisation(world: World) -> None:
    everything = {
        world.cde,
        world.selpa,
        world.lea,
        world.lea2,
        world.foreign_selpa,
        world.foreign_lea,
    }
    assert set(access.organizations_for(world.cde_admin)) == everything
    assert set(access.organizations_for(world.cde_consultant)) == everything


def test_it_shows_a_person_without_membership_nothing(world: World) -> None:
    assert not access.organizations_for(world.outsider).exists()
    assert not access.memberships_for(world.outsider).exists()


def test_it_hides_everything_from_a_deactivated_account(world: World) -> None:
    services.user_set_active(actor=world.cde_admin, user=world.lea_lead, active=False)
    world.lea_lead.refresh_from_db()
    assert not access.organizations_for(world.lea_lead).exists()


def test_it_lets_only_leads_and_cde_admins_manage_members(world: World) -> None:
    assert access.may_manage_members(world.lea_lead, world.lea)
    assert access.may_manage_members(world.cde_admin, world.foreign_lea)
    assert not access.may_manage_members(world.lea_member, world.lea)
    assert not access.may_manage_members(world.selpa_reviewer, world.lea)
    assert not access.may_manage_members(world.cde_consultant, world.lea)
    assert not access.may_manage_members(world.lea_lead, world.lea2)


def test_it_raises_404_out_of_scope_and_403_in_scope_without_the_role(world: World) -> None:
    with pytest.raises(Http404):
        access.get_manageable_organization_for(world.lea_lead, world.foreign_lea.pk)
    with pytest.raises(PermissionDenied):
        access.get_manageable_organization_for(world.lea_member, world.lea.pk)
    assert access.get_manageable_organization_for(world.lea_lead, world.lea.pk) == world.lea


def test_it_finds_a_membership_only_inside_the_given_organisation(world: World) -> None:
    foreign_membership = world.foreign_lea_lead.memberships.get()
    with pytest.raises(Http404):
        access.get_membership_for(world.lea_lead, world.lea, foreign_membership.pk)


def test_it_moves_selpa_sight_with_the_lea(world: World) -> None:
    services.organization_move_to_selpa(
        actor=world.cde_admin, organization=world.lea2, selpa=world.foreign_selpa
    )
    assert world.lea2 not in access.organizations_for(world.selpa_reviewer)
    assert world.lea2 in access.organizations_for(world.foreign_selpa_reviewer)


def test_it_gives_a_new_member_sight_without_regranting(world: World) -> None:
    newcomer = factories.member(world.lea2, Role.LEA_MEMBER)
    assert set(access.organizations_for(newcomer)) == {world.lea2}


def test_it_names_who_manages_an_organisations_members(world: World) -> None:
    assert list(access.member_managers_for(world.lea)) == [world.lea_lead]


def test_it_gives_user_administration_to_cde_admins_only(world: World) -> None:
    assert access.users_for(world.cde_admin).filter(pk=world.foreign_lea_lead.pk).exists()
    for person in (world.cde_consultant, world.selpa_reviewer, world.lea_lead, world.outsider):
        assert not access.users_for(person).exists()


def test_it_offers_the_roles_the_organisation_has(world: World) -> None:
    assert access.assignable_roles_for(world.lea_lead, world.lea) == [
        Role.LEA_LEAD,
        Role.LEA_MEMBER,
    ]
    assert access.assignable_roles_for(world.cde_admin, world.selpa) == [Role.SELPA_REVIEWER]
    assert access.assignable_roles_for(world.lea_member, world.lea) == []


def test_its_compiled_grants_answer_as_guardian_does_for_everyone(world: World) -> None:
    """organizations_for, local_organizations_for and manageable_organizations_for ask
    guardian's query compiled once per process: for every kind of person, a grant to the
    person themselves and a superuser included, they answer as guardian builds it."""
    from guardian.shortcuts import assign_perm, get_objects_for_user

    from lea.models import User

    granted_directly = factories.user(email="granted@example.org")
    assign_perm(access.VIEW_ORGANIZATION, granted_directly, world.foreign_selpa)
    superuser = factories.superuser()
    people = [
        *world.users_by_role().values(),
        world.foreign_selpa_reviewer,
        world.foreign_lea_lead,
        world.outsider,
        granted_directly,
        superuser,
    ]
    for person in people:

        def fresh(person: User = person) -> User:  # as each request loads it
            return User.objects.get(pk=person.pk)

        def guardian(perm: str, **options: bool) -> set[object]:
            return set(get_objects_for_user(fresh(), perm, klass=Organization, **options))

        assert set(access.organizations_for(fresh())) == guardian(access.VIEW_ORGANIZATION)
        assert set(access.local_organizations_for(fresh())) == guardian(
            access.VIEW_ORGANIZATION, accept_global_perms=False
        )
        assert set(access.manageable_organizations_for(fresh())) == guardian(access.MANAGE_MEMBERS)
    assert set(access.organizations_for(granted_directly)) == {world.foreign_selpa}
    assert set(access.manageable_organizations_for(world.lea_lead)) == {world.lea}
