"""Targeted Level 3 and Intensive plans and progress reports also go, as a copy with their
PDF, to the state mailbox the cohort's catalog names; other levels send none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from lea.models import AuditEvent
from reports import tasks
from reports.models import ProgressReport
from reports.services import progress as services_progress
from steps import services as step_services
from steps.models import Engagement, SubmissionVersion
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.reports.progress_world import fill_report, in_step_four
from tests.steps.engagements import start
from tests.steps.ready import make_ready
from tests.test_emails import check

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
TARGETED = "TargetedMonitoring@cde.ca.gov"
INTENSIVE = "intensivemonitoring@cde.ca.gov"


def _copies(mailbox: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [mailbox]]


def _submit_plan(world: World, engagement: Engagement) -> SubmissionVersion:
    make_ready(engagement, 3, actor=world.lea_lead)
    return step_services.submission_submit(
        actor=world.lea_lead,
        engagement=engagement,
        step=3,
        confirmation_name=world.lea_lead.full_name,
    )


def test_it_copies_a_level_3_plan_with_its_pdf_to_targeted_monitoring(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    engagement = start(world.lea, load_2024()["targeted"], level=3)
    with django_capture_on_commit_callbacks(execute=True):
        version = _submit_plan(world, engagement)

    [copy] = _copies(TARGETED)
    assert copy.subject == (
        f"Copy: {world.lea.name} submitted {version.submission.title} (version 1)"
    )
    check(copy, world.lea.name, "submitted")
    [(filename, content, kind)] = copy.attachments
    assert kind == "application/pdf"
    assert filename.endswith(f"-v{version.number}.pdf")
    assert bytes(content).startswith(b"%PDF")
    event = AuditEvent.objects.get(verb="submission.mailbox_copy")
    assert event.changes["to"] == [None, TARGETED]


def test_it_sends_no_copy_of_a_level_2_plan(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    engagement = start(world.lea, load_2024()["targeted"], level=2)
    with django_capture_on_commit_callbacks(execute=True):
        _submit_plan(world, engagement)

    assert mail.outbox  # the SELPA reviewer hears of it
    assert not _copies(TARGETED)
    assert not AuditEvent.objects.filter(verb="submission.mailbox_copy").exists()


def test_it_copies_an_intensive_progress_report_to_intensive_monitoring(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    engagement = in_step_four(world, load_2024()["intensive"], level=1)
    report = fill_report(world, ProgressReport.objects.get(engagement=engagement, period__number=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = services_progress.progress_report_submit(
            actor=world.lea_lead, report=report, confirmation_name=world.lea_lead.full_name
        )

    [copy] = _copies(INTENSIVE)
    assert version.submission.step == 4
    assert not _copies(TARGETED)
    [(_, content, kind)] = copy.attachments
    assert (kind, bytes(content)[:4]) == ("application/pdf", b"%PDF")


def test_it_sends_the_copy_once_when_the_task_is_delivered_again(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    engagement = start(world.lea, load_2024()["targeted"], level=3)
    with django_capture_on_commit_callbacks(execute=True):
        version = _submit_plan(world, engagement)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_mailbox_copy.delay(version.pk)

    assert len(_copies(TARGETED)) == 1
    assert AuditEvent.objects.filter(verb="submission.mailbox_copy").count() == 1
