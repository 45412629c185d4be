"""Submitting a step (or an activity approved on its own), reviewing it, and the comments
between reviewer and LEA. Every transition runs the submission's state machine, writes an
audit row in the same transaction, and emails the people concerned once it commits."""

from __future__ import annotations

from typing import Any

from celery import signature
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cim.models import ActivityDefinition
from lea import data_version
from lea.models import AuditVerb, User
from lea.services import audit
from steps import access
from steps.merge import require_version
from steps.models import (
    ActivityRecord,
    Comment,
    Engagement,
    Review,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.services.transitions import run_transition
from steps.signals import step4_may_open
from steps.snapshot import activity_snapshot
from steps.submissions import SUBMITTABLE_STEPS, lea_resumed, readiness, scope_records

MAX_NAME = 150
MAX_COMMENT = 5_000
NAME_REQUIRED = "Type your full name to confirm the submission."
NAME_TOO_LONG = f"Keep the name under {MAX_NAME} characters."
NAME_MISMATCH = (
    "The name typed is not the name on your account, {name}. Type your own full name to "
    "sign (capitals and spaces do not matter)."
)
NOT_SUBMITTABLE = "Only Steps 1 to 3 (or an activity approved on its own) are submitted here."
NOT_ALONE = "{activity} is submitted with the rest of its step, not on its own."
ALREADY = (
    "{what} was already submitted (version {version}) and is {state}: nothing was submitted twice."
)
STALE_DECISION = (
    "Version {version} can no longer be decided: {what} is now {state} (latest version "
    "{current}). Nothing was changed."
)
SUMMARY_REQUIRED = "Say what the LEA must change: a summary is required to return the work."
COMMENT_REQUIRED = "Write the comment before sending it."
COMMENT_TOO_LONG = f"Keep a comment under {MAX_COMMENT:,} characters."
NOT_WHILE = "{what} is {state}: {action} only while it is {allowed}."
NO_SUCH_BOX = "That box is not part of version {version}."
REPLY_SUPERSEDED = (
    "This comment is on version {version}, which version {current} has replaced. "
    "Reply on the current version instead."
)
RECORD_CANNOT_MOVE = "{activity} is {status}: it cannot move with this submission now."
SUBMIT_DENIED = "Only the LEA's CIM team lead submits its work."
REVIEW_DENIED = "Only the reviewer this work is routed to may decide on it."
UNDO_DENIED = "Only the reviewer who made the decision may undo it."
NOTHING_TO_UNDO = (
    "Version {version} has no decision to undo: {what} is now {state} (latest version "
    "{current}). Nothing was changed."
)
UNDO_TOO_LATE = (
    "The decision on version {version} can no longer be undone: {reason}. Nothing was changed."
)


def _clean_text(value: str, *, required: str, limit: int, too_long: str) -> str:
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(required)
    if len(text) > limit:
        raise ValidationError(too_long)
    return text


def same_name(typed: str, name: str) -> bool:
    """Whether a typed name is the person's name, capitals and spacing aside."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def _comment_text(body: str) -> str:
    return _clean_text(
        body, required=COMMENT_REQUIRED, limit=MAX_COMMENT, too_long=COMMENT_TOO_LONG
    )


def _notify(
    event: str,
    submission: Submission,
    version: SubmissionVersion,
    actor: User,
    comment: Comment | None = None,
) -> None:
    from steps import tasks

    comment_id = comment.pk if comment is not None else None
    transaction.on_commit(
        lambda: tasks.notify_submission_event.delay(event, version.pk, actor.pk, comment_id)
    )


@transaction.atomic
def submission_submit(
    *,
    actor: User,
    engagement: Engagement,
    step: int,
    confirmation_name: str,
    activity: ActivityDefinition | None = None,
) -> SubmissionVersion:
    """Freeze the step's (or the activity's) work as the next numbered version and route
    it to its reviewer. A second submit at once (double click, two tabs) waits for the
    first and is then refused: one version, never two."""
    # Refused before the submission row is made (the transition checks again, later).
    if not access.may_lead(actor, engagement):
        raise PermissionDenied(SUBMIT_DENIED)
    if step not in SUBMITTABLE_STEPS:
        raise ValidationError(NOT_SUBMITTABLE)
    if activity is not None and not activity.approved_alone:
        raise ValidationError(NOT_ALONE.format(activity=activity.name))
    name = _clean_text(
        confirmation_name, required=NAME_REQUIRED, limit=MAX_NAME, too_long=NAME_TOO_LONG
    )
    submission, _ = Submission.objects.get_or_create(
        engagement=engagement, step=step, activity=activity
    )
    locked = submission_lock(submission=submission)
    # Lock the records first: a draft saved during the snapshot would be missed silently.
    list(scope_records(engagement, step, activity).select_for_update(of=("self",)))
    ready = readiness(engagement=engagement, step=step, activity=activity)
    if not ready.ready:
        raise ValidationError(ready.problems)
    return submission_freeze(
        actor=actor,
        submission=locked,
        routed_to=ready.routed_to,
        snapshot={"activities": [activity_snapshot(record=r) for r in ready.records]},
        confirmation_name=name,
        records=ready.records,
    )


def submission_lock(*, submission: Submission) -> Submission:
    """The submission locked for a submit, refused if it waits for review or is approved
    (a second submit at once waits here for the first, then finds it submitted)."""
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("engagement__lea", "engagement__cohort", "activity")
        .get(pk=submission.pk)
    )
    if locked.state in (SubmissionState.SUBMITTED, SubmissionState.APPROVED):
        raise ValidationError(
            ALREADY.format(
                what=locked.title,
                version=locked.current_version,
                state=locked.get_state_display().lower(),
            )
        )
    return locked


def submission_freeze(
    *,
    actor: User,
    submission: Submission,
    routed_to: str,
    snapshot: dict[str, Any],
    confirmation_name: str,
    records: list[ActivityRecord],
) -> SubmissionVersion:
    """Submit a locked submission (see `submission_lock`) whose content the caller has
    checked: the next numbered version with its snapshot ({"activities": [...]}, see
    steps/snapshot.py), routed, audited and emailed; `records` move to submitted."""
    locked = submission
    name = _clean_text(
        confirmation_name, required=NAME_REQUIRED, limit=MAX_NAME, too_long=NAME_TOO_LONG
    )
    before = locked.state
    locked.routed_to = routed_to
    run_transition(
        locked.submit,
        actor=actor,
        denied=SUBMIT_DENIED,
        refused=ALREADY.format(what=locked.title, version=locked.current_version, state=before),
    )
    # After the role check: someone who may not submit is told that, not about the name.
    # Raising here rolls the transition back with the rest of the transaction.
    if not same_name(name, actor.display_name):
        raise ValidationError({"confirmation_name": NAME_MISMATCH.format(name=actor.display_name)})
    now = timezone.now()
    locked.state_changed_at = now
    locked.save(update_fields=["state", "current_version", "routed_to", "state_changed_at"])
    version = SubmissionVersion.objects.create(
        submission=locked,
        number=locked.current_version,
        snapshot=snapshot,
        confirmation_name=name,
        submitted_by=actor,
        submitted_at=now,
        routed_to=locked.routed_to,
    )
    for record in records:
        _move_record(
            record, record.submit, actor=actor, verb=AuditVerb.ACTIVITY_SUBMIT, denied=SUBMIT_DENIED
        )
    audit(
        actor=actor,
        verb=AuditVerb.SUBMISSION_SUBMIT,
        target=locked,
        organization=locked.engagement.lea,
        changes={
            "state": [before, locked.state],
            "version": [None, version.number],
            "routed_to": [None, locked.routed_to],
            "activities": [None, [entry["key"] for entry in snapshot["activities"]]],
        },
    )
    data_version.changed()
    _notify("submitted", locked, version, actor)
    _copy_to_mailbox(locked, version)
    return version


# reports draws the PDF and sends the copy; steps may not import reports, so the task is
# sent by its name (the workers load reports/tasks.py; where it is loaded, it runs as any
# task does, eagerly in tests).
MAILBOX_COPY_TASK = "reports.tasks.send_mailbox_copy"


def _copy_to_mailbox(submission: Submission, version: SubmissionVersion) -> None:
    """The submissions the cohort's catalog copies to its state mailbox (Targeted Level 3
    and Intensive plans and progress reports in 2024) go there with their PDF."""
    engagement = submission.engagement
    level = engagement.determination.level
    if engagement.cohort.copies_to_mailbox(step=submission.step, level=level):
        version_id = version.pk
        transaction.on_commit(lambda: signature(MAILBOX_COPY_TASK, args=(version_id,)).delay())


def _move_record(
    record: ActivityRecord, transition: Any, *, actor: User, verb: AuditVerb, denied: str
) -> None:
    """Move an activity with its submission, and say so in the activity's history."""
    before = record.status
    run_transition(
        transition,
        actor=actor,
        refused=RECORD_CANNOT_MOVE.format(
            activity=record.definition.name, status=record.get_status_display().lower()
        ),
        denied=denied,
    )
    record.save(update_fields=["status", "updated_at"])
    audit(
        actor=actor,
        verb=verb,
        target=record,
        organization=record.engagement.lea,
        changes={"status": [str(before), str(record.status)]},
    )
    data_version.changed()


def _refuse_stale(submission: Submission, version_number: int) -> None:
    # A decided submission's latest version is no longer waiting: as stale as a newer one.
    waiting = submission.current_version if submission.state == SubmissionState.SUBMITTED else None
    require_version(
        waiting,
        version_number,
        STALE_DECISION.format(
            version=version_number,
            what=submission.title,
            state=submission.get_state_display().lower(),
            current=submission.current_version,
        ),
    )


def _lock_for_decision(submission: Submission, version_number: int) -> Submission:
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("engagement__lea__selpa", "engagement__cohort", "activity")
        .get(pk=submission.pk)
    )
    _refuse_stale(locked, version_number)
    return locked


def _decision_summary(decision: str, summary: str) -> str:
    summary = (summary or "").replace("\x00", "").strip()
    if len(summary) > MAX_COMMENT:
        raise ValidationError({"summary": COMMENT_TOO_LONG})
    if decision == Review.Decision.RETURNED and not summary:
        raise ValidationError({"summary": SUMMARY_REQUIRED})
    if decision not in Review.Decision.values:
        raise ValidationError("Choose to approve or to return the work.")
    return summary


def decision_check(
    *, actor: User, submission: Submission, version_number: int, decision: str, summary: str
) -> None:
    """Refuse now, writing nothing, what `submission_decide` would refuse: the reviewer is
    asked to confirm only a decision that can be made (it is checked again when made)."""
    _refuse_stale(submission, version_number)
    if not access.may_review(actor, submission):
        raise PermissionDenied(REVIEW_DENIED)
    _decision_summary(decision, summary)


@transaction.atomic
def submission_decide(
    *,
    actor: User,
    submission: Submission,
    version_number: int,
    decision: str,
    summary: str = "",
) -> Review:
    """Approve the version, or return it for revision with a summary of what to change.
    Refused if the version was already decided or a newer one replaced it."""
    locked = _lock_for_decision(submission, version_number)
    summary = _decision_summary(decision, summary)
    before = locked.state
    refused = STALE_DECISION.format(
        version=version_number, what=locked.title, state=before, current=locked.current_version
    )
    approving = decision == Review.Decision.APPROVED
    run_transition(
        locked.approve if approving else locked.return_for_revision,
        actor=actor,
        refused=refused,
        denied=REVIEW_DENIED,
    )
    now = timezone.now()
    locked.state_changed_at = now
    locked.save(update_fields=["state", "state_changed_at"])
    version = locked.versions.get(number=version_number)
    keys = [entry["key"] for entry in version.snapshot.get("activities", [])]
    records = ActivityRecord.objects.select_for_update(of=("self",)).filter(
        engagement=locked.engagement,
        definition__key__in=keys,
        status=ActivityRecord.Status.SUBMITTED,
    )
    related = records.select_related("definition", "engagement__lea__selpa", "engagement__cohort")
    moved: dict[str, int] = {}
    for record in related:
        _move_record(
            record,
            record.approve if approving else record.return_for_revision,
            actor=actor,
            verb=AuditVerb.ACTIVITY_APPROVE if approving else AuditVerb.ACTIVITY_RETURN,
            denied=REVIEW_DENIED,
        )
        moved[str(record.pk)] = record.version
    review = Review.objects.create(
        version=version,
        reviewer=actor,
        decision=decision,
        summary=summary,
        decided_at=now,
        activity_versions=moved,
    )
    audit(
        actor=actor,
        verb=AuditVerb.SUBMISSION_APPROVE if approving else AuditVerb.SUBMISSION_RETURN,
        target=locked,
        organization=locked.engagement.lea,
        changes={
            "state": [before, locked.state],
            "version": [version_number, version_number],
            "summary": [None, summary],
        },
    )
    data_version.changed()
    if approving and locked.step == 3 and locked.activity_id is None:
        step4_may_open.send(Submission, engagement_ids=[locked.engagement_id])
    _notify("approved" if approving else "returned", locked, version, actor)
    return review


@transaction.atomic
def decision_undo(*, actor: User, submission: Submission, version_number: int) -> Submission:
    """Take back the decision on the current version: the submission and the activities the
    decision moved are under review again, as before it; the decision itself is kept in the
    audit trail and the LEA's CIM team is told. Only the reviewer who decided, and only until
    the LEA works on it again (steps.submissions.lea_resumed)."""
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("engagement__lea__selpa", "engagement__cohort", "activity")
        .get(pk=submission.pk)
    )
    decided = (SubmissionState.APPROVED, SubmissionState.RETURNED)
    nothing = NOTHING_TO_UNDO.format(
        version=version_number,
        what=locked.title,
        state=locked.get_state_display().lower(),
        current=locked.current_version,
    )
    require_version(
        locked.current_version if locked.state in decided else None, version_number, nothing
    )
    if not access.may_undo_decision(actor, locked):
        raise PermissionDenied(UNDO_DENIED)
    version = locked.versions.get(number=version_number)
    review = version.reviews.select_related("version__submission").get()
    # Locked before they are compared: an LEA save waiting on one of them lands after the
    # undo (and is refused, the activity being under review again), or came first and is seen.
    records = list(
        ActivityRecord.objects.select_for_update(of=("self",))
        .filter(engagement=locked.engagement, pk__in=[int(pk) for pk in review.activity_versions])
        .select_related("definition", "engagement__lea__selpa", "engagement__cohort")
    )
    reason = lea_resumed(review=review)
    if reason:
        raise ValidationError(UNDO_TOO_LATE.format(version=version_number, reason=reason))
    before = locked.state
    run_transition(locked.undo_decision, actor=actor, refused=nothing, denied=UNDO_DENIED)
    # Back to the state before the decision, waiting for review since it was submitted.
    locked.state_changed_at = version.submitted_at
    locked.save(update_fields=["state", "state_changed_at"])
    for record in records:
        _move_record(
            record,
            record.undo_decision,
            actor=actor,
            verb=AuditVerb.ACTIVITY_UNDO,
            denied=UNDO_DENIED,
        )
    audit(
        actor=actor,
        verb=AuditVerb.SUBMISSION_UNDO,
        target=locked,
        organization=locked.engagement.lea,
        changes={
            "state": [before, locked.state],
            "version": [version_number, version_number],
            "decision": [review.decision, None],
            "summary": [review.summary, None],
            "decided_at": [review.decided_at.isoformat(), None],
        },
    )
    data_version.changed()
    review.delete()
    _notify(
        f"{'approval' if before == SubmissionState.APPROVED else 'return'}_withdrawn",
        locked,
        version,
        actor,
    )
    return locked


def _box_exists(version: SubmissionVersion, activity_key: str, anchor: str) -> bool:
    if not activity_key and not anchor:
        return True  # a note on the version as a whole
    return any(
        activity["key"] == activity_key
        and (not anchor or any(entry["anchor"] == anchor for entry in activity["entries"]))
        for activity in version.snapshot.get("activities", [])
    )


@transaction.atomic
def comment_add(
    *,
    actor: User,
    submission: Submission,
    version_number: int,
    body: str,
    activity_key: str = "",
    anchor: str = "",
    question: bool = False,
) -> Comment:
    """A reviewer's comment on a box of the version under review, or a question to the LEA
    (which is emailed, and does not return the work)."""
    locked = _lock_for_decision(submission, version_number)
    if not access.may_review(actor, locked):
        raise PermissionDenied(REVIEW_DENIED)
    text = _clean_text(
        body, required=COMMENT_REQUIRED, limit=MAX_COMMENT, too_long=COMMENT_TOO_LONG
    )
    version = locked.versions.get(number=version_number)
    if not _box_exists(version, activity_key, anchor):
        raise ValidationError(NO_SUCH_BOX.format(version=version_number))
    comment = Comment.objects.create(
        version=version,
        author=actor,
        kind=Comment.Kind.QUESTION if question else Comment.Kind.COMMENT,
        activity_key=activity_key,
        anchor=anchor,
        body=text,
    )
    audit(
        actor=actor,
        verb=AuditVerb.SUBMISSION_QUESTION if question else AuditVerb.SUBMISSION_COMMENT,
        target=locked,
        organization=locked.engagement.lea,
        changes={
            "version": [version_number, version_number],
            "box": [None, f"{activity_key} {anchor}".strip()],
            "text": [None, text],
        },
    )
    data_version.changed()
    if question:
        _notify("question", locked, version, actor, comment)
    return comment


@transaction.atomic
def comment_reply(*, actor: User, comment: Comment, body: str) -> Comment:
    """The LEA's answer to a reviewer's comment or question, beside it; only on the current
    version (the reviewer reads that one, and a newer version has answered the older)."""
    submission = comment.version.submission
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("engagement__lea", "engagement__cohort", "activity")
        .get(pk=submission.pk)
    )
    if not access.may_edit_engagement(actor, locked.engagement):
        raise PermissionDenied("Only the LEA's CIM team answers its reviewer.")
    if locked.state not in (SubmissionState.SUBMITTED, SubmissionState.RETURNED):
        raise ValidationError(
            NOT_WHILE.format(
                what=locked.title,
                state=locked.get_state_display().lower(),
                action="replies are taken",
                allowed="under review or returned",
            )
        )
    if comment.kind == Comment.Kind.REPLY:
        raise ValidationError("Reply to the reviewer's comment, not to a reply.")
    # Checked on the locked submission: a resubmit (which locks it too) either lands
    # before this check or waits until the reply is in.
    if comment.version.number != locked.current_version:
        raise ValidationError(
            REPLY_SUPERSEDED.format(version=comment.version.number, current=locked.current_version)
        )
    text = _clean_text(
        body, required=COMMENT_REQUIRED, limit=MAX_COMMENT, too_long=COMMENT_TOO_LONG
    )
    reply = Comment.objects.create(
        version=comment.version,
        author=actor,
        kind=Comment.Kind.REPLY,
        activity_key=comment.activity_key,
        anchor=comment.anchor,
        reply_to=comment,
        body=text,
    )
    audit(
        actor=actor,
        verb=AuditVerb.SUBMISSION_REPLY,
        target=locked,
        organization=locked.engagement.lea,
        changes={
            "version": [comment.version.number, comment.version.number],
            "text": [None, text],
        },
    )
    data_version.changed()
    _notify("reply", locked, comment.version, actor, reply)
    return reply
