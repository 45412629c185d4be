"""Sending digests: once only, whatever runs at once or fails, with every failure kept and
reported in plain words. Emails are counted on a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from cim.celery import app
from cim.models import Tier
from lea import services as lea_services
from lea.models import AuditEvent, Invitation, Role
from reports import reminders_delivery, tasks
from reports.models import Digest
from reports.services import reminders as services_reminders
from tests.cim.catalog import load_2024
from tests.conftest import World, build_world
from tests.reports import reminders_smtp
from tests.reports.reminders_smtp import Inbox, links_in, text_of
from tests.steps.engagements import start

STEP1_DUE = date(2024, 7, 10)
WEEK_BEFORE = STEP1_DUE - timedelta(days=7)
DAY_AFTER = STEP1_DUE + timedelta(days=1)
PACIFIC = ZoneInfo("America/Los_Angeles")

smtp = reminders_smtp.smtp  # the fixtures, for the tests of this module
smtp_down = reminders_smtp.smtp_down


@pytest.fixture
def engagement(world: World) -> None:
    start(world.lea, load_2024()[Tier.TARGETED], level=1)


def command(today: date) -> str:
    out = StringIO()
    call_command("send_reminders", today=today.isoformat(), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement")
def test_it_marks_a_refused_recipient_failed_and_sends_the_others(
    world: World, smtp: Inbox
) -> None:
    smtp.refuse[world.selpa_reviewer.email] = "550 5.1.1 No such mailbox here"

    out = command(DAY_AFTER)

    assert smtp.recipients() == [world.lea_lead.email]
    failed = Digest.objects.get(email=world.selpa_reviewer.email)
    assert failed.status == Digest.Status.FAILED
    assert "550" in failed.error
    assert "No such mailbox here" in failed.error
    assert "Sent 1 email." in out
    assert f"{world.selpa_reviewer.email}: The mail server refused it: 550" in out

    smtp.clear()
    smtp.refuse.clear()
    command(DAY_AFTER)
    assert smtp.messages == []  # a refused digest is not resent by itself


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement")
def test_it_keeps_a_digest_queued_while_the_server_says_try_later(
    world: World, smtp: Inbox
) -> None:
    smtp.refuse[world.lea_lead.email] = "451 4.3.0 Try again later"
    result = services_reminders.reminders_sweep(today=WEEK_BEFORE)
    [digest_id] = result.digest_ids

    with pytest.raises(reminders_delivery.MailNotDelivered, match="451"):
        reminders_delivery.digest_send(digest_id=digest_id)
    assert Digest.objects.get().status == Digest.Status.QUEUED

    smtp.refuse.clear()
    outcome = reminders_delivery.digest_send(digest_id=digest_id)
    assert outcome.status == Digest.Status.SENT
    assert smtp.recipients() == [world.lea_lead.email]
    assert Digest.objects.get().attempts == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement", "smtp_down")
def test_it_gives_up_on_the_last_attempt_when_the_server_is_down() -> None:
    [digest_id] = services_reminders.reminders_sweep(today=WEEK_BEFORE).digest_ids

    with pytest.raises(reminders_delivery.MailNotDelivered, match="could not be reached"):
        reminders_delivery.digest_send(digest_id=digest_id)
    outcome = reminders_delivery.digest_send(digest_id=digest_id, last_attempt=True)

    assert outcome.status == Digest.Status.FAILED
    assert Digest.objects.get().error.startswith("Not sent after 2 attempts.")


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement", "smtp_down")
def test_the_command_says_why_a_digest_stays_queued() -> None:
    out = command(WEEK_BEFORE)

    assert "Sent 0 emails." in out
    assert "could not be reached" in out
    assert "It stays queued." in out
    assert Digest.objects.get().status == Digest.Status.QUEUED


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement")
def test_it_never_resends_a_digest_left_sending_by_a_crash(world: World, smtp: Inbox) -> None:
    [digest_id] = services_reminders.reminders_sweep(today=WEEK_BEFORE).digest_ids
    # A worker claimed it, then died before it could say how the send went.
    Digest.objects.filter(pk=digest_id).update(
        status=Digest.Status.SENDING, claimed_at=timezone.now() - timedelta(hours=2)
    )

    out = command(WEEK_BEFORE)
    skipped = reminders_delivery.digest_send(digest_id=digest_id)

    assert smtp.messages == []
    assert skipped.status == "skipped"
    assert f"Stuck: the digest to {world.lea_lead.email}" in out
    assert "not resent automatically" in out


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement")
def test_the_daily_task_sweeps_californias_day_and_sends(
    world: World, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 11:30 pm in California is already the next day in UTC: the sweep is California's.
    late_evening = datetime(2024, 7, 3, 23, 30, tzinfo=PACIFIC)
    assert late_evening.astimezone(ZoneInfo("UTC")).date() == WEEK_BEFORE + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: late_evening)

    tasks.send_reminders_daily.delay()

    assert smtp.recipients() == [world.lea_lead.email]
    assert "(in 7 days)" in text_of(smtp.messages[0])
    assert Digest.objects.get().day == WEEK_BEFORE


def test_beat_runs_the_sweep_every_morning_in_california() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders-daily"]

    assert entry["task"] == tasks.send_reminders_daily.name
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert repr(schedule).startswith(f"<crontab: 0 {settings.REMINDERS_HOUR} * * *")
    assert settings.CELERY_TIMEZONE == "America/Los_Angeles"
    assert tasks.send_reminder_digest.acks_late


# serialized_rollback, like every test that commits: the flush after a serialized test
# leaves the database empty until the next serialized test's setup restores it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_email_once(smtp: Inbox) -> None:
    world = build_world()
    start(world.lea, load_2024()[Tier.TARGETED], level=1)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep_and_send() -> None:
        try:
            barrier.wait()
            result = services_reminders.reminders_sweep(today=DAY_AFTER)
            for digest_id in result.digest_ids:
                reminders_delivery.digest_send(digest_id=digest_id)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep_and_send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert smtp.recipients() == sorted([world.lea_lead.email, world.selpa_reviewer.email])
    assert set(Digest.objects.values_list("status", flat=True)) == {Digest.Status.SENT}
    connection.close()


@pytest.mark.django_db
def test_the_settings_page_turns_digests_off_and_on(world: World) -> None:
    client = Client()
    client.force_login(world.lea_member)

    page = client.get("/account/reminders/")
    assert page.status_code == 200
    assert "Email me a daily digest of CIM work coming due" in page.content.decode()
    response = client.post("/account/reminders/", {}, follow=True)
    assert "Daily digests are off" in response.content.decode()
    world.lea_member.refresh_from_db()
    assert world.lea_member.reminder_digests is False

    client.post("/account/reminders/", {"reminder_digests": "on"})
    world.lea_member.refresh_from_db()
    assert world.lea_member.reminder_digests is True


@pytest.mark.django_db
def test_the_settings_page_asks_anonymous_people_to_log_in() -> None:
    response = Client().get("/account/reminders/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


class DropsDuringData(Inbox):
    """A server whose connection breaks after the message was handed over."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # type: ignore[override]
        server.transport.close()
        return "250 never heard"


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement")
def test_it_never_resends_when_the_connection_broke_mid_send(world: World, settings: Any) -> None:
    inbox = DropsDuringData()
    port = reminders_smtp.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = reminders_smtp.mailers_for(f"smtp://127.0.0.1:{port}")
    try:
        [digest_id] = services_reminders.reminders_sweep(today=WEEK_BEFORE).digest_ids
        outcome = reminders_delivery.digest_send(digest_id=digest_id)
    finally:
        controller.stop()

    assert outcome.status == Digest.Status.FAILED
    assert "may have arrived" in Digest.objects.get().error
    assert services_reminders.reminders_sweep(today=WEEK_BEFORE).digest_ids == []


@pytest.mark.django_db
def test_it_renews_an_expired_invitation_with_the_reminder(world: World, smtp: Inbox) -> None:
    start(world.lea2, load_2024()[Tier.TARGETED], level=1)
    invitation = lea_services.invitation_create(
        actor=None, organization=world.lea2, email="late@example.org", role=Role.LEA_LEAD
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=30)
    )

    command(WEEK_BEFORE)

    invitation.refresh_from_db()
    assert invitation.is_pending
    assert AuditEvent.objects.filter(verb="invitation.renew", object_id=str(invitation.pk)).exists()
    body = text_of(smtp.to("late@example.org")[0])
    assert "Accept" in body or "accept" in body


@pytest.mark.django_db
def test_it_keeps_the_renewed_link_of_a_retried_reminder_working(world: World, smtp: Inbox) -> None:
    start(world.lea2, load_2024()[Tier.TARGETED], level=1)
    invitation = lea_services.invitation_create(
        actor=None, organization=world.lea2, email="late@example.org", role=Role.LEA_LEAD
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=30)
    )
    services_reminders.reminders_sweep(today=WEEK_BEFORE)
    digest = Digest.objects.get(email="late@example.org")
    smtp.refuse["late@example.org"] = "451 4.3.0 Try again later"
    with pytest.raises(reminders_delivery.MailNotDelivered):
        reminders_delivery.digest_send(digest_id=digest.pk)
    smtp.refuse.clear()

    reminders_delivery.digest_send(digest_id=digest.pk)  # the task's retry
    [link] = [
        link
        for link in links_in(text_of(smtp.to("late@example.org")[0]))
        if link.startswith("/invitations/")
    ]
    command(DAY_AFTER)  # overdue now: the next reminder, while that link works

    assert Client().get(link).status_code == 200
    later = text_of(smtp.to("late@example.org")[1])
    assert "emailed you most recently" in later
    assert not [link for link in links_in(later) if link.startswith("/invitations/")]


@pytest.mark.django_db
def test_only_the_person_changes_their_reminder_settings(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services_reminders.user_set_reminder_digests(
            actor=world.cde_admin, user=world.lea_lead, enabled=False
        )
    services_reminders.user_set_reminder_digests(
        actor=world.lea_lead, user=world.lea_lead, enabled=True
    )

    assert not AuditEvent.objects.filter(verb="user.reminder_digests").exists()


@pytest.mark.django_db
def test_only_a_cde_admin_changes_the_schedule(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services_reminders.reminder_schedule_update(
            actor=world.lea_lead, schedule=services_reminders.schedule_get(), changed=[]
        )


class RefusesTheSender(Inbox):
    async def handle_MAIL(  # type: ignore[override]
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        return "553 5.7.1 Sender address rejected: not authorised"


@pytest.mark.django_db
@pytest.mark.usefixtures("engagement")
def test_it_marks_a_digest_failed_when_the_sender_is_refused(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = reminders_smtp.free_port()
    controller = Controller(RefusesTheSender(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = reminders_smtp.mailers_for(f"smtp://127.0.0.1:{port}")
    # No --today: California's day, here frozen a week before Step 1 is due.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2024, 7, 3, 9, tzinfo=PACIFIC))
    out = StringIO()
    try:
        call_command("send_reminders", stdout=out)
    finally:
        controller.stop()

    assert "Wednesday, July 3, 2024" in out.getvalue()
    assert "553 5.7.1 Sender address rejected" in out.getvalue()
    assert Digest.objects.get().status == Digest.Status.FAILED
