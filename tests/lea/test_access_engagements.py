"""Who sees which engagements: derived from the organisations a user may see."""

import ast
from pathlib import Path

import pytest

from lea import access as lea_access
from lea import services
from lea.models import Organization, Role, User
from steps import access
from steps.models import Engagement, Submission
from tests.cim.catalog import load_2024, load_next_year
from tests.conftest import World
from tests.lea import factories
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

LEA_DIR = Path(lea_access.__file__).resolve().parent


@pytest.fixture
def engagements(world: World) -> dict[str, Engagement]:
    cohorts = load_2024()
    return {
        "lea": start(world.lea, cohorts["targeted"]),
        "lea2": start(world.lea2, cohorts["intensive"], level=3),
        "foreign_lea": start(world.foreign_lea, cohorts["targeted"], level=2),
    }


def test_it_shows_an_lea_person_only_their_leas_engagement(
    world: World, engagements: dict[str, Engagement]
) -> None:
    assert set(access.engagements_for(world.lea_lead)) == {engagements["lea"]}
    assert set(access.engagements_for(world.lea_member)) == {engagements["lea"]}
    assert set(access.engagements_for(world.foreign_lea_lead)) == {engagements["foreign_lea"]}


def test_it_shows_a_selpa_reviewer_the_engagements_of_its_leas(
    world: World, engagements: dict[str, Engagement]
) -> None:
    assert set(access.engagements_for(world.selpa_reviewer)) == {
        engagements["lea"],
        engagements["lea2"],
    }
    assert set(access.engagements_for(world.foreign_selpa_reviewer)) == {engagements["foreign_lea"]}


def test_it_shows_a_cde_admin_every_engagement(
    world: World, engagements: dict[str, Engagement]
) -> None:
    assert set(access.engagements_for(world.cde_admin)) == set(engagements.values())


def test_it_shows_a_consultant_the_work_of_assigned_leas_and_the_status_of_all(
    world: World, engagements: dict[str, Engagement]
) -> None:
    from steps import services as step_services

    assert not access.engagements_for(world.cde_consultant).exists()
    assert set(access.status_engagements_for(world.cde_consultant)) == set(engagements.values())

    year = engagements["lea2"].cohort.year
    step_services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant, year=year, leas=[world.lea2]
    )

    assert set(access.engagements_for(world.cde_consultant)) == {engagements["lea2"]}


def test_it_drops_the_assigned_work_when_the_consultant_leaves_cde(
    world: World, engagements: dict[str, Engagement]
) -> None:
    from steps import services as step_services

    year = engagements["lea"].cohort.year
    step_services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant, year=year, leas=[world.lea]
    )
    world.cde_consultant.memberships.all().delete()

    assert not access.engagements_for(world.cde_consultant).exists()


def test_it_shows_outsiders_anonymous_and_deactivated_accounts_nothing(
    world: World, engagements: dict[str, Engagement]
) -> None:
    from django.contrib.auth.models import AnonymousUser

    services.user_set_active(actor=world.cde_admin, user=world.lea_lead, active=False)
    world.lea_lead.refresh_from_db()

    assert not access.engagements_for(world.outsider).exists()
    assert not access.engagements_for(AnonymousUser()).exists()
    assert not access.engagements_for(world.lea_lead).exists()


def test_it_moves_an_engagement_to_the_new_selpas_reviewer_with_its_lea(
    world: World, engagements: dict[str, Engagement]
) -> None:
    services.organization_move_to_selpa(
        actor=world.cde_admin, organization=world.lea2, selpa=world.foreign_selpa
    )

    assert engagements["lea2"] not in access.engagements_for(world.selpa_reviewer)
    assert engagements["lea2"] in access.engagements_for(world.foreign_selpa_reviewer)


def test_it_gives_a_new_lea_member_their_engagement_without_any_grant(
    world: World, engagements: dict[str, Engagement]
) -> None:
    newcomer = factories.member(world.lea2, Role.LEA_MEMBER)

    assert set(access.engagements_for(newcomer)) == {engagements["lea2"]}


def test_it_gives_operator_commands_every_engagement(
    engagements: dict[str, Engagement],
) -> None:
    assert set(access.engagements_for_system()) == set(engagements.values())


def test_it_keeps_lea_free_of_steps_imports_at_module_level() -> None:
    """lea <- cim <- steps: lea reaches steps' models only through the app registry."""
    for path in LEA_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("steps"), path.name
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("steps") for alias in node.names), path.name


def test_it_opens_one_engagement_to_exactly_those_the_rule_lets_read_it(
    world: World, engagements: dict[str, Engagement]
) -> None:
    """engagements_for, get_engagement_for, get_submission_for, the LEA's other years and
    the team's engagements ask the rule as SQL compiled once per process; for every kind
    of person (a permission held directly or through a group, a consultant assigned for
    one year only, one who left CDE, a lead whose grant is gone, a superuser, a
    deactivated account) they answer as the rule spelled out from guardian and the
    assignments: open what it lets the person read, 404 for the rest."""
    from django.contrib.auth.models import AnonymousUser, Group, Permission
    from django.http import Http404

    from lea.models import Membership
    from steps import services as step_services

    year = engagements["lea2"].cohort.year
    step_services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant, year=year, leas=[world.lea2]
    )
    former = factories.member(world.cde, Role.CDE_CONSULTANT)
    step_services.consultant_assign(
        actor=world.cde_admin, consultant=former, year=year, leas=[world.lea]
    )
    Membership.objects.filter(user=former).delete()  # left CDE; the assignment stays
    view_engagement = Permission.objects.get(
        content_type__app_label="steps", codename="view_engagement"
    )
    holder = factories.user(email="holder@example.org")
    holder.user_permissions.add(view_engagement)
    through_group = factories.user(email="grouped@example.org")
    group = Group.objects.create(name="engagement readers")
    group.permissions.add(view_engagement)
    through_group.groups.add(group)
    ungranted_lead = factories.member(world.lea2, Role.LEA_LEAD)
    ungranted_lead.groups.clear()  # the role group's grant is what lets a lead read
    superuser = factories.superuser()
    deactivated = factories.member(world.lea, Role.LEA_LEAD)
    deactivated.is_active = False
    deactivated.save()
    people = [
        *world.users_by_role().values(),
        world.foreign_selpa_reviewer,
        world.foreign_lea_lead,
        world.outsider,
        former,
        holder,
        through_group,
        ungranted_lead,
        superuser,
        deactivated,
    ]
    submissions = {
        engagement.pk: Submission.objects.create(engagement=engagement, step=1, routed_to="SELPA")
        for engagement in engagements.values()
    }
    # Its consultant is assigned for 2024 only.
    every = [*engagements.values(), start(world.lea2, load_next_year()["targeted"])]

    def opens(person: object, engagement: Engagement) -> bool:
        try:
            access.get_engagement_for(person, engagement.pk)  # type: ignore[arg-type]
        except Http404:
            return False
        return True

    def opens_submission(person: object, engagement: Engagement) -> bool:
        try:
            access.get_submission_for(person, submissions[engagement.pk].pk)  # type: ignore[arg-type]
        except Http404:
            return False
        return True

    for person in people:
        person = type(person).objects.get(pk=person.pk)  # a fresh object, as each request's
        readable = _readable_by_the_rule(person)
        assert set(access.engagements_for(person)) == readable, person
        for engagement in every:
            assert opens(person, engagement) == (engagement in readable), (person, engagement)
            if engagement.pk in submissions:
                assert opens_submission(person, engagement) == (engagement in readable), person
            others = set(access.other_engagements_of_the_lea_for(person, engagement))
            assert others == {other for other in readable if other.lea_id == engagement.lea_id} - {
                engagement
            }, person
        for engagement in access.team_engagements_for(person):
            assert engagement.readable == (engagement in readable), person  # type: ignore[attr-defined]
    assert len(_readable_by_the_rule(holder)) == len(every)
    assert _readable_by_the_rule(world.cde_consultant) == {engagements["lea2"]}
    assert not _readable_by_the_rule(former)
    assert not _readable_by_the_rule(ungranted_lead)
    assert [e.readable for e in access.team_engagements_for(ungranted_lead)] == [False, False]  # type: ignore[attr-defined]
    anonymous = AnonymousUser()
    for engagement in engagements.values():
        assert not opens(anonymous, engagement)
        assert not opens_submission(anonymous, engagement)
        assert not access.other_engagements_of_the_lea_for(anonymous, engagement).exists()
    assert not access.team_engagements_for(anonymous).exists()


def _readable_by_the_rule(person: User) -> set[Engagement]:
    """The engagements whose work the person may read, spelled out without steps.access:
    every one with the global permission; else those of the organisations guardian grants
    them, and, while they are an active CDE consultant, of the LEAs assigned to them for
    the engagement's year."""
    from guardian.shortcuts import get_objects_for_user

    from lea.models import Membership
    from steps.models import ConsultantAssignment

    if not person.is_active:
        return set()
    if person.has_perm("steps.view_engagement"):
        return set(Engagement.objects.all())
    granted = get_objects_for_user(
        person, "lea.view_organization", klass=Organization, accept_global_perms=False
    )
    consultant = Membership.objects.filter(
        user=person, role=Role.CDE_CONSULTANT, organization__kind=Organization.Kind.CDE
    ).exists()
    assigned = (
        set(ConsultantAssignment.objects.filter(consultant=person).values_list("lea", "year"))
        if consultant
        else set()
    )
    return {
        engagement
        for engagement in Engagement.objects.select_related("cohort")
        if engagement.lea in granted or (engagement.lea_id, engagement.cohort.year_id) in assigned
    }
