"""Undoing a decision: only the reviewer who made it, only until the LEA works on it again;
the work is under review again as before the decision, audited, and the LEA is told."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from cim.models import ActivityDefinition
from lea.models import AuditEvent
from steps import services
from steps.merge import Stale
from steps.models import ActivityRecord, Engagement, Review, Submission, SubmissionState
from steps.services.submissions import (
    NOTHING_TO_UNDO,
    UNDO_DENIED,
    UNDO_TOO_LATE,
    submission_freeze,
    submission_lock,
)
from steps.submissions import RESUMED_CHANGED, RESUMED_REPLIED, RESUMED_SUBMITTED
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PPR = "policies_procedures_review"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        engagement = start(module_world.lea, load_2024()["targeted"], level=1)
        services.consultant_assign(
            actor=module_world.cde_admin, consultant=module_world.cde_consultant,
            year=engagement.cohort.year, leas=[module_world.lea],
        )  # fmt: skip
        _save_ppr(module_world, engagement, "Board policy BP 6164.4 revised after the SRR.")
        return engagement


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=PPR)


def _save_ppr(world: World, engagement: Engagement, text: str) -> None:
    record = _record(engagement)
    services.record_save_answers(
        actor=world.lea_lead, record=record, expected_version=record.version,
        answers={"summary": text},
    )  # fmt: skip


def _decided(world: World, engagement: Engagement, decision: str) -> Submission:
    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name="Casey Lead",
    )  # fmt: skip
    services.submission_decide(
        actor=world.cde_consultant, submission=version.submission, version_number=1,
        decision=decision, summary="Name the meeting." if decision == "returned" else "",
    )  # fmt: skip
    return Submission.objects.get(pk=version.submission.pk)


@pytest.mark.parametrize("decision", ["approved", "returned"])
def test_it_puts_the_work_under_review_again_audited_and_tells_the_lea(
    world: World, engagement: Engagement, decision: str, django_capture_on_commit_callbacks
) -> None:
    submission = _decided(world, engagement, decision)
    submitted_at = submission.versions.get().submitted_at

    with django_capture_on_commit_callbacks(execute=True):
        services.decision_undo(actor=world.cde_consultant, submission=submission, version_number=1)

    submission.refresh_from_db()
    assert (submission.state, submission.current_version) == (SubmissionState.SUBMITTED, 1)
    assert submission.state_changed_at == submitted_at
    assert _record(engagement).status == ActivityRecord.Status.SUBMITTED
    assert not Review.objects.exists()
    event = AuditEvent.objects.get(verb="submission.undo")
    assert event.actor == world.cde_consultant
    assert event.changes["state"] == [decision, "submitted"]
    assert event.changes["decision"] == [decision, None]
    assert AuditEvent.objects.filter(verb="activity.undo").count() == 1
    assert {tuple(m.to) for m in mail.outbox} == {
        (world.lea_lead.email,),
        (world.lea_member.email,),
    }
    assert all("is withdrawn: it is under review again" in m.subject for m in mail.outbox)
    # Decided afresh as if the first decision had never been made.
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1, decision="approved"
    )
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.APPROVED


def test_it_refuses_to_undo_a_decision_twice(world: World, engagement: Engagement) -> None:
    submission = _decided(world, engagement, "approved")
    services.decision_undo(actor=world.cde_consultant, submission=submission, version_number=1)

    with pytest.raises(Stale) as refused:
        services.decision_undo(actor=world.cde_consultant, submission=submission, version_number=1)

    assert refused.value.messages == [
        NOTHING_TO_UNDO.format(version=1, what=submission.title, state="submitted", current=1)
    ]
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.SUBMITTED
    assert AuditEvent.objects.filter(verb="submission.undo").count() == 1


@pytest.mark.parametrize("who", ["selpa_reviewer", "lea_lead", "cde_admin", "outsider"])
def test_it_lets_only_the_deciding_reviewer_undo(
    world: World, engagement: Engagement, who: str
) -> None:
    submission = _decided(world, engagement, "approved")

    with pytest.raises(PermissionDenied, match=UNDO_DENIED):
        services.decision_undo(actor=getattr(world, who), submission=submission, version_number=1)

    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.APPROVED
    assert not AuditEvent.objects.filter(verb="submission.undo").exists()


def test_it_refuses_once_the_lea_changed_the_returned_work(
    world: World, engagement: Engagement
) -> None:
    submission = _decided(world, engagement, "returned")
    _save_ppr(world, engagement, "Adopted at the board meeting of May 12.")

    with pytest.raises(ValidationError) as refused:
        services.decision_undo(actor=world.cde_consultant, submission=submission, version_number=1)

    reason = RESUMED_CHANGED.format(activity="Policies and Procedures Review (PPR)")
    assert refused.value.messages == [UNDO_TOO_LATE.format(version=1, reason=reason)]
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.RETURNED
    assert _record(engagement).status == ActivityRecord.Status.RETURNED


def test_it_refuses_once_the_lea_replied(world: World, engagement: Engagement) -> None:
    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name="Casey Lead",
    )  # fmt: skip
    submission = version.submission
    note = services.comment_add(
        actor=world.cde_consultant, submission=submission, version_number=1, body="Which date?"
    )
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip
    services.comment_reply(actor=world.lea_member, comment=note, body="May 12.")

    with pytest.raises(ValidationError) as refused:
        services.decision_undo(actor=world.cde_consultant, submission=submission, version_number=1)

    assert refused.value.messages == [UNDO_TOO_LATE.format(version=1, reason=RESUMED_REPLIED)]


def test_it_refuses_an_approval_once_the_lea_submitted_other_work(
    world: World, engagement: Engagement
) -> None:
    submission = _decided(world, engagement, "approved")
    other = Submission.objects.create(engagement=engagement, step=2, routed_to="CDE")
    submission_freeze(
        actor=world.lea_lead, submission=submission_lock(submission=other),
        routed_to="CDE", snapshot={"activities": []}, confirmation_name="Casey Lead",
        records=[],
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        services.decision_undo(actor=world.cde_consultant, submission=submission, version_number=1)

    assert refused.value.messages == [UNDO_TOO_LATE.format(version=1, reason=RESUMED_SUBMITTED)]
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.APPROVED


def test_it_confirms_a_decision_naming_the_lea_step_version_and_who_is_told(
    world: World, engagement: Engagement
) -> None:
    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name="Casey Lead",
    )  # fmt: skip
    submission = version.submission
    reviewer = signed_in(world.cde_consultant)
    url = reverse("submission_decide", args=[submission.pk])
    chosen = {"version": 1, "decision": "returned", "summary": "Name the meeting."}

    page = reviewer.post(url, chosen).content.decode()

    assert f"Return {submission.title}, version 1, of {world.lea.name} for revision?" in page
    assert "Casey Lead (LEA CIM team lead)" in page
    assert "Sam Member (LEA CIM team member)" in page
    assert "Name the meeting." in page
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.SUBMITTED
    back = reviewer.post(url, {**chosen, "back": "1"}).content.decode()
    assert "Name the meeting.</textarea>" in back
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.SUBMITTED

    assert reviewer.post(url, {**chosen, "confirm": "1"}).status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.RETURNED
    page = reviewer.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "Undo the return" in page
    response = reviewer.post(reverse("submission_undo", args=[submission.pk]), {"version": 1})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.SUBMITTED


def test_it_requires_the_deciding_reviewer_to_undo_through_the_page(
    world: World, engagement: Engagement
) -> None:
    submission = _decided(world, engagement, "approved")
    url = reverse("submission_undo", args=[submission.pk])

    assert signed_in(world.foreign_selpa_reviewer).post(url, {"version": 1}).status_code == 404
    assert signed_in(world.selpa_reviewer).post(url, {"version": 1}).status_code == 403
    lead_page = signed_in(world.lea_lead).get(reverse("submission_detail", args=[submission.pk]))
    assert "Undo the approval" not in lead_page.content.decode()
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.APPROVED
