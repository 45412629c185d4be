"""Box 1, the CIM team: members, the five required roles, the lead, and invitations."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from cim.models import Cohort
from lea.models import Invitation, Role, User
from steps.forms import NUL_BYTE
from steps.merge import VERSION_MISSING, version_token
from steps.models import ActivityRecord, Engagement, TeamMember
from steps.parts import team
from steps.parts import team as team_part
from steps.parts.team import TEAM_MEMBERS, member_values
from steps.services import part_team
from steps.services.part_rows import part_row_add, part_row_edit
from steps.services.parts_merge import row_base
from steps.submissions import readiness
from steps.views.part_team import ONLY_LEAD_INVITES
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.answers import drawn
from tests.steps.engagements import start
from tests.steps.merging import posted
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db

ACTIVITY = "team_creation"
# The team, its people's accounts and invitations, and whether the user manages them
# (guardian's permission lookups are most of it), and the catalog's roles, however many
# members there are.
QUERIES = 8


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=ACTIVITY)


def _url(engagement: Engagement, name: str, *args: int) -> str:
    return reverse(name, args=[engagement.pk, ACTIVITY, *args])


def _page(engagement: Engagement) -> str:
    return reverse("activity_detail", args=[engagement.pk, ACTIVITY])


def _add_data(engagement: Engagement, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "Pat Lee", "title": "Director"}
    data["version"] = version_token(_record(engagement))
    data |= {"role": "selpa_representative", "email": "pat@example.org", **fields}
    return {f"{team.ADD}-{key}": value for key, value in data.items()}


def _member(world: World, engagement: Engagement, **fields: object) -> TeamMember:
    values: dict[str, object] = {
        "name": "Pat Lee", "title": "", "role": "other", "email": "", "is_lead": False,
    }  # fmt: skip
    record = _record(engagement)
    return part_row_add(
        rows=TEAM_MEMBERS,
        actor=world.lea_lead,
        record=record,
        version=version_token(record),
        **(values | fields),  # type: ignore[arg-type]
    )


def _label(engagement: Engagement, role: str) -> str:
    roles = team_part.team_roles(cohort_id=engagement.cohort_id)
    return next(choice.label for choice in roles if choice.value == role)


def _full_team(world: World, engagement: Engagement, *, lead: bool = True) -> None:
    roles = team_part.team_roles(cohort_id=engagement.cohort_id)
    for number, role in enumerate(role.value for role in roles if role.required):
        _member(
            world, engagement, name=f"Person {number}", title="Director", role=role,
            email=f"p{number}@example.org", is_lead=lead and number == 0,
        )  # fmt: skip


def test_it_adds_a_member_and_records_it(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    response = client.post(_url(engagement, "team_member_add"), _add_data(engagement, is_lead="on"))
    assert response.status_code == 302
    assert response["Location"].endswith("#team")
    member = TeamMember.objects.get(engagement=engagement)
    assert (member.name, member.role) == ("Pat Lee", "selpa_representative")
    assert member.is_lead
    assert _record(engagement).version == 2
    page = client.get(_page(engagement)).content.decode()
    assert "Pat Lee is on the team." in page
    assert '<span class="visually-hidden"> Pat Lee</span>' in page
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    # An added row's values alone: nothing was there before.
    assert "member: Pat Lee (SELPA representative)" in history.content.decode()
    assert "(empty)" not in history.content.decode()


def test_it_edits_a_member(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    client = signed_in(world.lea_lead)
    form = client.get(_url(engagement, "team_member_edit", member.pk))
    assert form.status_code == 200
    assert "Edit Pat Lee" in form.content.decode()
    drawn = team.TEAM_MEMBERS.edit_form(_record(engagement), member)
    data = {"name": "Pat Lee-Ortiz", "title": "Principal", "role": "site_admin"}
    response = client.post(_url(engagement, "team_member_edit", member.pk), posted(drawn, **data))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.role) == ("Pat Lee-Ortiz", "site_admin")
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "Other member → Site-level administration" in history.content.decode()


def test_it_keeps_a_refused_edit_as_typed(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_edit", member.pk),
        {f"{team.EDIT}-name": "", f"{team.EDIT}-title": "Kept title"},
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
        _url(engagement, "team_member_remove", member.pk),
        {"version": version_token(_record(engagement)), "base": row_base(member)},
        follow=True,
    )
    assert "Pat Lee is no longer on the team." in response.content.decode()
    assert not TeamMember.objects.filter(engagement=engagement).exists()
    assert _record(engagement).version == 3
    history = signed_in(world.lea_lead).get(
        reverse("activity_history", args=[engagement.pk, ACTIVITY])
    )
    # Added, then removed: the row's values twice, never against an empty side.
    assert history.content.decode().count("member: Pat Lee (Other member)") == 2
    assert "(empty)" not in history.content.decode()


def test_it_refuses_a_remove_without_a_version(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_remove", member.pk), follow=True
    )
    # A form that does not say what it started from cannot tell what others changed.
    assert VERSION_MISSING in response.content.decode()
    assert TeamMember.objects.filter(pk=member.pk).exists()


def test_it_keeps_one_team_lead(world: World, engagement: Engagement) -> None:
    first = _member(world, engagement, name="First", is_lead=True)
    _member(world, engagement, name="Second", is_lead=True)
    first.refresh_from_db()
    assert not first.is_lead
    leads = TeamMember.objects.filter(engagement=engagement, is_lead=True)
    assert [lead.name for lead in leads] == ["Second"]


def test_it_shows_the_required_roles_as_a_checklist(world: World, engagement: Engagement) -> None:
    _member(world, engagement, role="superintendent")
    page = signed_in(world.lea_lead).get(_page(engagement)).content.decode()
    covered = '<span class="visually-hidden">(on the team)'
    assert f"Superintendent (or the equivalent) or designee {covered}" in page
    assert 'SELPA representative <span class="text-secondary">(nobody yet)' in page


def test_it_lists_missing_roles_lead_and_members(world: World, engagement: Engagement) -> None:
    assert team.check(record=_record(engagement)) == [team.NO_MEMBERS]
    _member(world, engagement, role="superintendent")
    problems = team.check(record=_record(engagement))
    assert team.MISSING_ROLE.format(role=_label(engagement, "selpa_representative")) in problems
    assert team.MISSING_ROLE.format(role=_label(engagement, "superintendent")) not in problems
    assert team.NO_LEAD not in problems


def test_it_wants_each_members_title_and_email(world: World, engagement: Engagement) -> None:
    _full_team(world, engagement)
    _member(world, engagement, name="Pat Lee", title="Principal")
    _member(world, engagement, name="Kim Doe", email="kim@example.org")
    assert team.check(record=_record(engagement)) == [
        team.MEMBER_INCOMPLETE.format(name="Pat Lee", missing="email address"),
        team.MEMBER_INCOMPLETE.format(name="Kim Doe", missing="title"),
    ]


def test_it_recommends_a_lead_without_blocking(world: World, engagement: Engagement) -> None:
    _full_team(world, engagement, lead=False)
    record = _record(engagement)
    assert team.check(record=record) == []
    assert team.warnings(record=record) == [team.NO_LEAD]
    client = signed_in(world.lea_lead)
    assert team.NO_LEAD in unescape(client.get(_page(engagement)).content.decode())
    checklist = client.get(reverse("activity_checklist", args=[engagement.pk, ACTIVITY]))
    page = unescape(checklist.content.decode())
    assert "ready to submit" in page
    assert team.NO_LEAD in page


def test_it_submits_a_step_without_a_team_lead_and_says_one_is_recommended(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    make_ready(engagement, 1, actor=world.lea_lead)
    lead = TeamMember.objects.get(engagement=engagement, is_lead=True)
    part_row_edit(
        rows=TEAM_MEMBERS,
        actor=world.lea_lead,
        record=lead.record,
        row=lead,
        version=version_token(_record(engagement)),
        **{**member_values(lead), "is_lead": False},
    )
    ready = readiness(engagement=engagement, step=1)
    assert ready.ready
    assert ready.warnings == [f"CIM Team Creation: {team.NO_LEAD}"]
    page = signed_in(world.lea_lead).get(reverse("step_submit", args=[engagement.pk, 1]))
    assert team.NO_LEAD in unescape(page.content.decode())


def test_it_accepts_a_written_exception_for_missing_roles(
    world: World, engagement: Engagement
) -> None:
    _member(
        world, engagement, role="superintendent", title="Superintendent",
        email="pat@example.org", is_lead=True,
    )  # fmt: skip
    client = signed_in(world.lea_lead)
    client.post(
        _page(engagement),
        drawn(_record(engagement), exception_explanation="One-school district."),
    )
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


def test_it_adds_a_member_on_an_older_version(world: World, engagement: Engagement) -> None:
    # Someone else's save since the page was drawn never blocks adding a member.
    data = _add_data(engagement, name="Second")
    _member(world, engagement)
    response = signed_in(world.lea_lead).post(_url(engagement, "team_member_add"), data)
    assert response.status_code == 302
    assert TeamMember.objects.filter(engagement=engagement).count() == 2


def test_it_refuses_an_add_with_a_version_from_the_future(
    world: World, engagement: Engagement
) -> None:
    record = _record(engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_add"),
        _add_data(engagement, name="Kept Name", version=f"{record.pk}-9"),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "but the latest saved version is 1" in page
    assert 'value="Kept Name"' in page
    assert not TeamMember.objects.filter(engagement=engagement).exists()


def test_it_removes_an_unchanged_member_on_an_older_version(
    world: World, engagement: Engagement
) -> None:
    member = _member(world, engagement)
    data = {"version": version_token(_record(engagement)), "base": row_base(member)}
    _member(world, engagement, name="Second")
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_remove", member.pk), data, follow=True
    )
    assert "Pat Lee is no longer on the team." in response.content.decode()
    assert not TeamMember.objects.filter(pk=member.pk).exists()


def test_it_rejects_bad_input_beside_the_field(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    cases = {
        "name": ("a\x00b", NUL_BYTE),
        "title": ("x" * 1_000_000, "“Title” can hold at most 150 characters"),
        "email": ("not an email", "Enter a valid email address."),
        "role": ("captain", "Select a valid choice."),
    }
    for field, (value, message) in cases.items():
        response = client.post(
            _url(engagement, "team_member_add"), _add_data(engagement, **{field: value})
        )
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
        _url(engagement, "team_member_add"), _add_data(engagement), follow=True
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
    assert (
        client.post(_url(engagement, "team_member_add"), _add_data(engagement)).status_code == 403
    )
    assert client.get(_url(engagement, "team_member_edit", member.pk)).status_code == 403
    remove = client.post(_url(engagement, "team_member_remove", member.pk), {"version": 2})
    assert remove.status_code == 403
    assert client.post(_url(engagement, "team_member_invite", member.pk)).status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    assert (
        client.post(_url(engagement, "team_member_add"), _add_data(engagement)).status_code == 403
    )
    assert not TeamMember.objects.filter(engagement=engagement).exists()


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    member = _member(world, engagement)
    client = signed_in(world.foreign_lea_lead)
    assert (
        client.post(_url(engagement, "team_member_add"), _add_data(engagement)).status_code == 404
    )
    assert client.get(_url(engagement, "team_member_edit", member.pk)).status_code == 404
    assert client.post(_url(engagement, "team_member_remove", member.pk)).status_code == 404
    assert client.post(_url(engagement, "team_member_invite", member.pk)).status_code == 404


def test_it_answers_404_on_an_activity_without_a_team(world: World, engagement: Engagement) -> None:
    url = reverse("team_member_add", args=[engagement.pk, "parent_input"])
    assert signed_in(world.lea_lead).post(url, _add_data(engagement)).status_code == 404


def test_it_saves_an_edit_made_while_another_member_changed(
    world: World, engagement: Engagement
) -> None:
    member = _member(world, engagement)
    drawn = team.TEAM_MEMBERS.edit_form(_record(engagement), member)
    _member(world, engagement, name="Second")
    response = signed_in(world.lea_lead).post(
        _url(engagement, "team_member_edit", member.pk), posted(drawn, name="Renamed")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "Renamed"


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
    assert (
        client.post(_url(engagement, "team_member_add"), _add_data(engagement)).status_code == 403
    )
    assert not TeamMember.objects.filter(engagement=engagement).exists()
    assert "Add member" not in client.get(_page(engagement)).content.decode()
