"""Box 1, the CIM team: members, the five required roles, the lead, and invitations."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cim.models import Cohort
from lea.models import Invitation, Role, User
from steps.forms import NUL_BYTE
from steps.models import ActivityRecord, Engagement, TeamMember
from steps.parts import team
from steps.services import part_team
from steps.views.part_team import ONLY_LEAD_INVITES
from tests.conftest import World, signed_in
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

ACTIVITY = "team_creation"
ROLES = TeamMember.Role
# The team, its people's accounts and invitations, and whether the user manages them
# (guardian's permission lookups are most of it), however many members there are.
QUERIES = 8


@pytest.fixture
def engagement(world: World, cohorts: dict[str, Cohort]) -> Engagement:
    return start(world.lea, cohorts["targeted"], level=3)


def _record(engagement: Engagement) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=ACTIVITY)


def _url(engagement: Engagement, name: str, *args: int) -> str:
    return reverse(name, args=[engagement.pk, ACTIVITY, *args])


def _page(engagement: Engagement) -> str:
    return reverse("activity_detail", args=[engagement.pk, ACTIVITY])


def _add_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "Pat Lee", "title": "Director", "version": 1}
    data |= {"role": ROLES.SELPA_REPRESENTATIVE, "email": "pat@example.org", **fields}
    return {f"{team.ADD}-{key}": value for key, value in data.items()}


def _member(world: World, engagement: Engagement, **fields: object) -> TeamMember:
    values: dict[str, object] = {
        "name": "Pat Lee", "title": "", "role": ROLES.OTHER, "email": "", "is_lead": False,
    }  # fmt: skip
    record = _record(engagement)
    return part_team.team_member_add(
        actor=world.lea_lead,
        record=record,
        expected_version=record.version,
        **(values | fields),  # type: ignore[arg-type]
    )


def _full_team(world: World, engagement: Engagement) -> None:
    for number, role in enumerate(TeamMember.REQUIRED_ROLES):
        _member(world, engagement, name=f"Person {number}", role=role, is_lead=number == 0)


def test_it_adds_a_member_and_records_it(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    response = client.post(_url(engagement, "team_member_add"), _add_data(is_lead="on"))
    assert response.status_code == 302
    assert response["Location"].endswith("#team")
    member = TeamMember.objects.get(engagement=engagement)
    assert (member.name, member.role) == ("Pat Lee", ROLES.SELPA_REPRESENTATIVE)
    assert member.is_lead
    assert _record(engagement).version == 2
    page = client.get(_page(engagement)).content.decode()
    assert "Pat Lee is on the team." in page
    assert '<span class="visually-hidden"> Pat Lee</span>' in page
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "Pat Lee (SELPA representative)" in history.content.decode()


def test_it_edits_a_member(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    client = signed_in(world.lea_lead)
    form = client.get(_url(engagement, "team_member_edit", member.pk))
    assert form.status_code == 200
    assert "Edit Pat Lee" in form.content.decode()
    data = {"name": "Pat Lee-Ortiz", "title": "Principal", "role": ROLES.SITE_ADMIN, "version": 2}
    response = client.post(
        _url(engagement, "team_member_edit", member.pk),
        {f"{team.EDIT}-{key}": value for key, value in data.items()},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.role) == ("Pat Lee-Ortiz", ROLES.SITE_ADMIN)
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "Other member → Site administration" in history.content.decode()


def test_it_keeps_a_refused_edit_as_typed(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_edit", member.pk),
        {f"{team.EDIT}-name": "", f"{team.EDIT}-title": "Kept title", f"{team.EDIT}-version": 2},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert 'value="Kept title"' in page
    member.refresh_from_db()
    assert member.name == "Pat Lee"


def test_it_removes_a_member(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_remove", member.pk), {"version": 2}, follow=True
    )
    assert "Pat Lee is no longer on the team." in response.content.decode()
    assert not TeamMember.objects.filter(engagement=engagement).exists()
    assert _record(engagement).version == 3


def test_it_refuses_a_remove_without_a_version(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_remove", member.pk), follow=True
    )
    # A missing version counts as stale, as on every one-button form.
    assert "saved this activity while you were editing it" in response.content.decode()
    assert TeamMember.objects.filter(pk=member.pk).exists()


def test_it_keeps_one_team_lead(world: World, engagement: Engagement) -> None:
    first = _member(world, engagement, name="First", is_lead=True)
    _member(world, engagement, name="Second", is_lead=True)
    first.refresh_from_db()
    assert not first.is_lead
    leads = TeamMember.objects.filter(engagement=engagement, is_lead=True)
    assert [lead.name for lead in leads] == ["Second"]


def test_it_shows_the_required_roles_as_a_checklist(world: World, engagement: Engagement) -> None:
    _member(world, engagement, role=ROLES.SUPERINTENDENT)
    page = signed_in(world.lea_lead).get(_page(engagement)).content.decode()
    assert (
        'Superintendent, equivalent or designee <span class="visually-hidden">(on the team)' in page
    )
    assert 'SELPA representative <span class="text-secondary">(nobody yet)' in page


def test_it_lists_missing_roles_lead_and_members(world: World, engagement: Engagement) -> None:
    assert team.check(record=_record(engagement)) == [team.NO_MEMBERS]
    _member(world, engagement, role=ROLES.SUPERINTENDENT)
    problems = team.check(record=_record(engagement))
    assert team.MISSING_ROLE.format(role=ROLES.SELPA_REPRESENTATIVE.label) in problems
    assert team.MISSING_ROLE.format(role=ROLES.SUPERINTENDENT.label) not in problems
    assert team.NO_LEAD in problems


def test_it_accepts_a_written_exception_for_missing_roles(
    world: World, engagement: Engagement
) -> None:
    _member(world, engagement, role=ROLES.SUPERINTENDENT, is_lead=True)
    client = signed_in(world.lea_lead)
    client.post(_page(engagement), {"version": 2, "exception_explanation": "One-school district."})
    assert team.check(record=_record(engagement)) == []


def test_it_is_ready_with_the_five_roles_and_a_lead(world: World, engagement: Engagement) -> None:
    _full_team(world, engagement)
    assert team.check(record=_record(engagement)) == []


def test_it_invites_a_member_as_a_user(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement, email="Pat@Example.org")
    client = signed_in(world.lea_lead)
    response = client.post(_url(engagement, "team_member_invite", member.pk), follow=True)
    page = response.content.decode()
    assert "An invitation to join Riverbend Unified went to pat@example.org." in page
    invitation = Invitation.objects.get(organization=world.lea, email="pat@example.org")
    assert (invitation.role, invitation.full_name) == (Role.LEA_MEMBER, "Pat Lee")
    assert "Invitation sent" in page
    assert "Send a new invitation" in page


def test_it_says_a_member_already_has_an_account(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement, email=world.lea_member.email.upper())
    client = signed_in(world.lea_lead)
    assert "Has an account on the team" in client.get(_page(engagement)).content.decode()
    page = client.post(_url(engagement, "team_member_invite", member.pk), follow=True)
    expected = part_team.ALREADY_ON_TEAM.format(email=member.email, lea=world.lea.name)
    assert expected in unescape(page.content.decode())
    assert not Invitation.objects.filter(organization=world.lea).exists()


def test_it_needs_an_email_to_invite(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    page = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_invite", member.pk), follow=True
    )
    assert part_team.NO_EMAIL.format(name="Pat Lee") in unescape(page.content.decode())


def test_it_lets_only_the_lead_invite(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement, email="pat@example.org")
    response = signed_in(world.lea_member).post(_url(engagement, "team_member_invite", member.pk))
    assert response.status_code == 403
    assert ONLY_LEAD_INVITES in unescape(response.content.decode())
    page = signed_in(world.lea_member).get(_page(engagement)).content.decode()
    assert "Invite as a user" not in page


def test_it_refuses_a_stale_version(world: World, engagement: Engagement) -> None:
    _member(world, engagement)
    client = signed_in(world.lea_lead)
    response = client.post(_url(engagement, "team_member_add"), _add_data(version=1), follow=True)
    assert "Casey Lead saved this activity while you were editing it" in response.content.decode()
    assert TeamMember.objects.filter(engagement=engagement).count() == 1


def test_it_refuses_a_stale_remove(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_remove", member.pk), {"version": 1}, follow=True
    )
    assert "saved this activity while you were editing it" in response.content.decode()
    assert TeamMember.objects.filter(pk=member.pk).exists()


def test_it_rejects_bad_input_beside_the_field(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    cases = {
        "name": ("a\x00b", NUL_BYTE),
        "title": ("x" * 1_000_000, "Ensure this value has at most 150 characters"),
        "email": ("not an email", "Enter a valid email address."),
        "role": ("captain", "Select a valid choice."),
    }
    for field, (value, message) in cases.items():
        response = client.post(_url(engagement, "team_member_add"), _add_data(**{field: value}))
        assert response.status_code == 400, field
        page = response.content.decode()
        assert message in page, field
        assert 'value="Pat Lee"' in page or field == "name", field
    assert not TeamMember.objects.filter(engagement=engagement).exists()
    assert _record(engagement).version == 1


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    _member(world, engagement, name="<script>alert(1)</script>")
    page = signed_in(world.lea_lead).get(_page(engagement)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_refuses_writes_once_the_activity_is_submitted(
    world: World, engagement: Engagement
) -> None:
    ActivityRecord.objects.filter(pk=_record(engagement).pk).update(
        status=ActivityRecord.Status.SUBMITTED
    )
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_add"), _add_data(), follow=True
    )
    assert "This activity is submitted: it cannot be edited now." in response.content.decode()
    assert not TeamMember.objects.filter(engagement=engagement).exists()


def test_it_shows_reviewers_the_team_read_only(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    client = signed_in(world.selpa_reviewer)
    page = client.get(_page(engagement)).content.decode()
    assert "Pat Lee" in page
    assert "Add member" not in page
    assert "Remove" not in page
    assert client.post(_url(engagement, "team_member_add"), _add_data()).status_code == 403
    assert client.get(_url(engagement, "team_member_edit", member.pk)).status_code == 403
    remove = client.post(_url(engagement, "team_member_remove", member.pk), {"version": 2})
    assert remove.status_code == 403
    assert client.post(_url(engagement, "team_member_invite", member.pk)).status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    assert client.post(_url(engagement, "team_member_add"), _add_data()).status_code == 403
    assert not TeamMember.objects.filter(engagement=engagement).exists()


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    client = signed_in(world.foreign_lea_lead)
    assert client.post(_url(engagement, "team_member_add"), _add_data()).status_code == 404
    assert client.get(_url(engagement, "team_member_edit", member.pk)).status_code == 404
    assert client.post(_url(engagement, "team_member_remove", member.pk)).status_code == 404
    assert client.post(_url(engagement, "team_member_invite", member.pk)).status_code == 404


def test_it_answers_404_on_an_activity_without_a_team(world: World, engagement: Engagement) -> None:
    url = reverse("team_member_add", args=[engagement.pk, "parent_input"])
    assert signed_in(world.lea_lead).post(url, _add_data()).status_code == 404


def test_it_refuses_a_stale_edit(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    _member(world, engagement, name="Second")
    data = {"name": "Renamed", "role": ROLES.OTHER, "version": 2}
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_edit", member.pk),
        {f"{team.EDIT}-{key}": value for key, value in data.items()},
        follow=True,
    )
    assert "Casey Lead saved this activity while you were editing it" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "Pat Lee"


def test_it_reads_the_team_in_a_fixed_number_of_queries(
    world: World, engagement: Engagement
) -> None:
    # The activity page has loaded the record's engagement before any part reads.
    record = ActivityRecord.objects.select_related("engagement").get(pk=_record(engagement).pk)

    def queries() -> int:
        # A fresh user: Django caches a user's permissions on the instance.
        lead = User.objects.get(pk=world.lea_lead.pk)
        with CaptureQueriesContext(connection) as captured:
            team.context(record=record, user=lead)
        return len(captured)

    for number in range(3):
        _member(world, engagement, name=f"Person {number}", email=f"p{number}@example.org")
    queries()  # warms the content-type cache, which lives for the whole process
    few = queries()
    for number in range(3, 9):
        _member(world, engagement, name=f"Person {number}", email=f"p{number}@example.org")
    assert queries() == few == QUERIES


def test_it_leaves_the_team_to_the_lead(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_member)
    assert client.post(_url(engagement, "team_member_add"), _add_data()).status_code == 403
    assert not TeamMember.objects.filter(engagement=engagement).exists()
    assert "Add member" not in client.get(_page(engagement)).content.decode()
