"""The daily reminder sweep, run the way operators run it (`send_reminders --today`), with
every email counted on a real SMTP server (aiosmtpd) on this machine."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from cim.models import INFERRED_DATE, Tier
from lea import services as lea_services
from lea.models import Invitation, Role, User
from reports.models import Digest, Reminder, ReminderSchedule
from reports.services import reminders as services_reminders
from steps import services as steps_services
from steps.models import ActivityRecord, Engagement, ResolvedRequirement
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.reports import reminders_smtp
from tests.reports.reminders_smtp import Inbox, links_in, text_of
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db

STEP1_DUE = date(2024, 7, 10)  # Targeted and Intensive 2024, Step 1
PASSWORD = "a-long-pass-phrase"

smtp = reminders_smtp.smtp  # the fixture, for the tests of this module


def run(today: date) -> str:
    out = StringIO()
    call_command("send_reminders", today=today.isoformat(), stdout=out)
    return out.getvalue()


def step1_owed(engagement: Engagement) -> list[ActivityRecord]:
    return list(
        engagement.records.filter(
            due_date=STEP1_DUE, requirement=ResolvedRequirement.REQUIRED
        ).select_related("definition")
    )


@pytest.fixture
def engagement(world: World) -> Engagement:
    """Riverbend Unified, Targeted Level 1: Step 1 routed to its SELPA."""
    return start(world.lea, load_2024()[Tier.TARGETED], level=1)


@pytest.mark.parametrize("days", [30, 14, 7, 1])
def test_it_reminds_the_lead_at_each_offset_once(
    world: World, engagement: Engagement, smtp: Inbox, days: int
) -> None:
    owed = step1_owed(engagement)

    out = run(STEP1_DUE - timedelta(days=days))

    assert smtp.recipients() == [world.lea_lead.email]
    body = text_of(smtp.messages[0])
    when = "tomorrow" if days == 1 else f"in {days} days"
    for record in owed:
        assert (
            f"{record.definition.name} (Step 1), Riverbend Unified: due July 10, 2024 ({when})"
            in body
        )
    assert f"/engagements/{engagement.pk}/activities/{owed[0].definition.key}/" in body
    assert "Sent 1 email." in out

    smtp.clear()
    again = run(STEP1_DUE - timedelta(days=days))

    assert smtp.messages == []
    assert "Sent 0 emails." in again
    assert Digest.objects.get().status == Digest.Status.SENT


def test_it_marks_the_inferred_dates_of_a_cohort_in_the_reminder(world: World, smtp: Inbox) -> None:
    intensive = start(world.lea, load_2024()[Tier.INTENSIVE], level=1)

    run(STEP1_DUE - timedelta(days=7))

    body = text_of(smtp.messages[0])
    name = step1_owed(intensive)[0].definition.name
    assert (
        f"{name} (Step 1), Riverbend Unified: due July 10, 2024 ({INFERRED_DATE}) (in 7 days)"
        in body
    )


def test_it_sends_nothing_between_offsets(engagement: Engagement, smtp: Inbox) -> None:
    run(STEP1_DUE - timedelta(days=13))
    run(STEP1_DUE)  # the due date itself: the 1-day reminder went out yesterday

    assert smtp.messages == []


def test_it_sends_the_overdue_notice_the_day_after_then_weekly(
    world: World, engagement: Engagement, smtp: Inbox
) -> None:
    for days_late in range(1, 16):
        run(STEP1_DUE + timedelta(days=days_late))
        run(STEP1_DUE + timedelta(days=days_late))  # twice: nothing doubles

    lead_mail = smtp.to(world.lea_lead.email)
    assert len(lead_mail) == 3  # days 1, 8 and 15
    assert "Overdue" in text_of(lead_mail[0])
    assert "(1 day overdue)" in text_of(lead_mail[0])
    assert "(8 days overdue)" in text_of(lead_mail[1])


def test_it_escalates_overdue_work_to_the_selpa_reviewer(
    world: World, engagement: Engagement, smtp: Inbox
) -> None:
    run(STEP1_DUE + timedelta(days=1))

    assert smtp.recipients() == sorted([world.lea_lead.email, world.selpa_reviewer.email])
    body = text_of(smtp.to(world.selpa_reviewer.email)[0])
    assert "Overdue at LEAs whose work you review" in body
    assert "Riverbend Unified" in body


def test_it_escalates_to_the_assigned_consultant_or_else_cde_admins(
    world: World, smtp: Inbox
) -> None:
    cohorts = load_2024()
    assigned = start(world.lea, cohorts[Tier.TARGETED], level=3)  # Level 3: CDE reviews
    unassigned = start(world.lea2, cohorts[Tier.INTENSIVE], level=1)
    lea_services.membership_create(
        actor=None, user=world.outsider, organization=world.lea2, role=Role.LEA_LEAD
    )
    steps_services.consultant_assign(
        actor=world.cde_admin,
        consultant=world.cde_consultant,
        year=assigned.cohort.year,
        leas=[world.lea],
    )

    run(STEP1_DUE + timedelta(days=1))

    consultant_mail = text_of(smtp.to(world.cde_consultant.email)[0])
    assert "Riverbend Unified" in consultant_mail
    assert "Oak Hollow Elementary" not in consultant_mail
    admin_mail = text_of(smtp.to(world.cde_admin.email)[0])
    assert "Oak Hollow Elementary" in admin_mail
    assert "Riverbend Unified" not in admin_mail
    assert smtp.to(world.selpa_reviewer.email) == []
    assert unassigned.records.exists()


def test_it_reminds_members_of_what_they_worked_on(
    world: World, engagement: Engagement, smtp: Inbox
) -> None:
    worked_on, *_ = step1_owed(engagement)
    steps_services.record_save_answers(
        actor=world.lea_member,
        record=worked_on,
        expected_version=worked_on.version,
        answers={"notes": "started"},
    )

    run(STEP1_DUE - timedelta(days=7))

    member_mail = text_of(smtp.to(world.lea_member.email)[0])
    assert worked_on.definition.name in member_mail
    assert member_mail.count("(in 7 days)") == 1
    assert text_of(smtp.to(world.lea_lead.email)[0]).count("(in 7 days)") == len(
        step1_owed(engagement)
    )


def test_it_sends_nothing_for_submitted_approved_or_not_applicable_work(
    world: World, engagement: Engagement, smtp: Inbox
) -> None:
    optional = engagement.records.filter(requirement=ResolvedRequirement.OPTIONAL).first()
    make_ready(engagement, 1, actor=world.lea_lead)
    version = steps_services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )

    run(STEP1_DUE - timedelta(days=7))  # submitted: waiting for review is not the LEA's debt
    steps_services.submission_decide(
        actor=world.selpa_reviewer,
        submission=version.submission,
        version_number=version.number,
        decision="approved",
    )
    run(STEP1_DUE + timedelta(days=1))  # approved

    assert smtp.messages == []
    assert optional is None or optional.status == ActivityRecord.Status.NOT_STARTED


def test_it_keeps_overdue_notices_for_people_who_turned_digests_off(
    world: World, engagement: Engagement, smtp: Inbox
) -> None:
    services_reminders.user_set_reminder_digests(
        actor=world.lea_lead, user=world.lea_lead, enabled=False
    )

    run(STEP1_DUE - timedelta(days=7))
    assert smtp.to(world.lea_lead.email) == []

    run(STEP1_DUE + timedelta(days=1))
    assert "1 day overdue" in text_of(smtp.to(world.lea_lead.email)[0])


def test_it_reminds_the_cim_contact_and_their_invitation_link_still_works(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
) -> None:
    start(world.lea2, load_2024()[Tier.TARGETED], level=1)  # no lead account at Oak Hollow
    with django_capture_on_commit_callbacks(execute=True):
        lea_services.invitation_create(
            actor=None,
            organization=world.lea2,
            email="Contact@Oak-Hollow.example.org",
            role=Role.LEA_LEAD,
            full_name="Pat Contact",
        )
    [invitation_link] = links_in(text_of(smtp.messages[0]))
    smtp.clear()

    run(STEP1_DUE - timedelta(days=14))

    accepted = Client().post(
        invitation_link,
        {"full_name": "Pat Contact", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert accepted.status_code == 302
    contact = User.objects.get(email="contact@oak-hollow.example.org")
    assert contact.memberships.get(organization=world.lea2).role == Role.LEA_LEAD
    [reminder] = smtp.to("contact@oak-hollow.example.org")
    body = text_of(reminder)
    assert "Hello Pat Contact" in body
    assert "open the invitation link CIM Portal emailed you" in body
    assert not [link for link in links_in(body) if link.startswith("/invitations/")]


def test_it_tells_cde_admins_when_nobody_at_the_lea_can_be_reminded(
    world: World, smtp: Inbox
) -> None:
    start(world.lea2, load_2024()[Tier.TARGETED], level=1)  # no lead, no invitation

    out = run(STEP1_DUE - timedelta(days=7))

    body = text_of(smtp.to(world.cde_admin.email)[0])
    assert "Nobody at the LEA to remind" in body
    assert "Oak Hollow Elementary" in body
    assert "Nobody at Oak Hollow Elementary can be reminded" in out


def test_it_follows_the_schedule_an_admin_set(
    world: World, engagement: Engagement, smtp: Inbox
) -> None:
    schedule = services_reminders.schedule_get()
    schedule.offsets = "3"
    services_reminders.reminder_schedule_update(
        actor=world.cde_admin, schedule=schedule, changed=["offsets"]
    )

    run(STEP1_DUE - timedelta(days=7))
    assert smtp.messages == []
    run(STEP1_DUE - timedelta(days=3))
    assert smtp.recipients() == [world.lea_lead.email]
    assert ReminderSchedule.objects.get().offset_days == [3]


def test_it_records_each_reminder_once(world: World, engagement: Engagement) -> None:
    today = STEP1_DUE - timedelta(days=7)

    services_reminders.reminders_sweep(today=today)
    services_reminders.reminders_sweep(today=today)

    reminders = Reminder.objects.filter(recipient_email=world.lea_lead.email)
    assert reminders.count() == len(step1_owed(engagement))
    assert Digest.objects.filter(email=world.lea_lead.email, day=today).count() == 1


def test_it_refuses_a_bad_date_in_plain_words() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", today="10/07/2024")


def test_it_leaves_invitations_that_were_withdrawn(world: World, smtp: Inbox) -> None:
    start(world.lea2, load_2024()[Tier.TARGETED], level=1)
    invitation = lea_services.invitation_create(
        actor=None, organization=world.lea2, email="gone@example.org", role=Role.LEA_LEAD
    )
    lea_services.invitation_revoke(actor=world.cde_admin, invitation=invitation)

    run(STEP1_DUE - timedelta(days=7))

    assert smtp.to("gone@example.org") == []
    assert Invitation.objects.get().revoked_at is not None


def test_it_records_a_reminder_about_exactly_one_item(world: World) -> None:
    from django.db import IntegrityError

    with pytest.raises(IntegrityError, match="reminder_has_one_item"):
        Reminder.objects.create(
            kind=Reminder.Kind.DUE_SOON,
            due_date=STEP1_DUE,
            days=7,
            recipient_email=world.lea_lead.email,
            lea_name="Riverbend Unified",
            title="Nothing",
            path="/",
        )


PREPARED: list[date] = []


def remember_the_day(*, today: date) -> None:
    PREPARED.append(today)


def test_it_runs_the_before_sweep_hooks_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import reminder_items

    monkeypatch.setattr(reminder_items, "BEFORE_SWEEP", (f"{__name__}.remember_the_day",))

    services_reminders.reminders_sweep(today=STEP1_DUE)

    assert PREPARED == [STEP1_DUE]


def test_it_reminds_the_lead_of_a_progress_report_coming_due(world: World, smtp: Inbox) -> None:
    from reports.models import ProgressReport
    from tests.reports.progress_world import approvals_left_to_the_sweep, in_step_four

    with approvals_left_to_the_sweep():
        engagement = in_step_four(world, load_2024()[Tier.TARGETED], level=2)
    assert not ProgressReport.objects.exists()  # the sweep opens what is missing first

    run(date(2025, 7, 15) - timedelta(days=7))

    report = ProgressReport.objects.get(engagement=engagement, period__number=1)
    assert report.due_on == date(2025, 7, 15)
    lead_mail = [m for m in smtp.messages if world.lea_lead.email in m["To"]]
    body = text_of(lead_mail[0])
    assert "Progress report, Jan\u2013Jun 2025" in body
    assert f"/engagements/{engagement.pk}/progress-reports/{report.pk}/" in body
