"""Writes to an activity record: its box answers, its NA or take-up, and the version that
keeps two people from silently overwriting each other."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lea.models import User
from lea.services import audit
from steps.models import ActivityRecord, ResolvedRequirement
from steps.services.transitions import run_transition
from steps.submissions import closing_submission

# A text answer longer than this is almost certainly a stray paste, not an answer.
MAX_ANSWER_LENGTH = 20_000
STALE = (
    "{who} saved this activity while you were editing it (now version {version}). Nothing "
    "of yours was saved and nothing of theirs was lost: your text is still in the form. "
    "Compare with the changes below, copy what you need, then reload to continue."
)
NOT_OPTIONAL = "Only an activity the catalog marks optional or not applicable can be set aside."
LOCKED = "This activity is {status}: it cannot be edited now."
STEP_CLOSED = (
    "{what} is {state}, so its activities cannot be changed now. If something must change, "
    "ask your reviewer to return it."
)
EDITABLE = {
    ActivityRecord.Status.NOT_STARTED,
    ActivityRecord.Status.IN_PROGRESS,
    ActivityRecord.Status.RETURNED,
}


class StaleEdit(ValidationError):
    """A save made on an older version. Carries what changed since, per field."""

    def __init__(self, record: ActivityRecord, changes: dict[str, list[Any]]) -> None:
        who = record.updated_by.display_name if record.updated_by else "Someone"
        super().__init__(STALE.format(who=who, version=record.version))
        self.record = record
        self.changes = changes


def _lock(record: ActivityRecord, expected_version: int) -> ActivityRecord:
    locked = (
        ActivityRecord.objects.select_for_update(of=("self",))
        .select_related("updated_by", "engagement__lea", "definition")
        .get(pk=record.pk)
    )
    if locked.status not in EDITABLE:
        raise ValidationError(LOCKED.format(status=locked.get_status_display().lower()))
    require_open(locked)
    if locked.version != expected_version:
        raise StaleEdit(locked, {})
    return locked


def require_open(record: ActivityRecord) -> None:
    """Refuse a change to an activity whose submission (its step's, or its own when it is
    approved on its own) waits for review or is approved, even if the activity itself was
    not part of it (an optional one not started)."""
    submission = closing_submission(record)
    if submission is not None:
        state = submission.get_state_display().lower()
        raise ValidationError(STEP_CLOSED.format(what=submission.title, state=state))


def _bump(record: ActivityRecord, actor: User, *fields: str) -> bool:
    """A new version of the record; True when this edit started it (a status change)."""
    record.version += 1
    record.updated_by = actor
    started = record.status == ActivityRecord.Status.NOT_STARTED
    if started:
        run_transition(record.start, actor=actor, refused=LOCKED.format(status="not started"))
    record.save(update_fields=["version", "updated_by", "status", "updated_at", *fields])
    return started


@transaction.atomic
def record_save_answers(
    *, actor: User, record: ActivityRecord, expected_version: int, answers: dict[str, Any]
) -> ActivityRecord:
    """Save the activity's box answers as a draft. Refused if someone saved in between."""
    try:
        locked = _lock(record, expected_version)
    except StaleEdit as stale:
        current = stale.record.responses
        stale.changes = {
            name: [value, current.get(name)]
            for name, value in answers.items()
            if current.get(name) != value
        }
        raise
    for name, value in answers.items():
        if isinstance(value, str) and len(value) > MAX_ANSWER_LENGTH:
            raise ValidationError({name: f"This is longer than {MAX_ANSWER_LENGTH:,} characters."})
    changes = {
        name: [locked.responses.get(name), value]
        for name, value in answers.items()
        if locked.responses.get(name) != value
    }
    if not changes:
        return locked
    locked.responses = {**locked.responses, **answers}
    started = _bump(locked, actor, "responses")
    audit(
        actor=actor,
        verb="activity.save",
        target=locked,
        organization=locked.engagement.lea,
        changes={name: [_short(old), _short(new)] for name, (old, new) in changes.items()},
        changes_status=started,
    )
    return locked


@transaction.atomic
def record_touch(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    verb: str,
    changes: dict[str, Any],
) -> ActivityRecord:
    """Count a change of one of the activity's structured rows as a new version, with
    its audit row. Structured-part services call this inside their own transaction."""
    locked = _lock(record, expected_version)
    started = _bump(locked, actor)
    audit(
        actor=actor,
        verb=verb,
        target=locked,
        organization=locked.engagement.lea,
        changes={name: _short(value) for name, value in changes.items()},
        changes_status=started,
    )
    return locked


@transaction.atomic
def record_set_aside(
    *, actor: User, record: ActivityRecord, expected_version: int
) -> ActivityRecord:
    """Mark an optional activity as not done (NA); its content stays."""
    if record.requirement == ResolvedRequirement.REQUIRED:
        raise ValidationError(NOT_OPTIONAL)
    locked = _lock(record, expected_version)
    run_transition(locked.set_aside, actor=actor, refused=NOT_OPTIONAL)
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit(actor=actor, verb="activity.set_aside", target=locked, organization=locked.engagement.lea)
    return locked


@transaction.atomic
def record_take_up(*, actor: User, record: ActivityRecord) -> ActivityRecord:
    """Take up an optional activity that was set aside."""
    locked = (
        ActivityRecord.objects.select_for_update(of=("self",))
        .select_related("definition", "engagement__lea")
        .get(pk=record.pk)
    )
    if locked.status != ActivityRecord.Status.MARKED_NA:
        return locked
    require_open(locked)
    run_transition(locked.take_up, actor=actor, refused=LOCKED.format(status="in use"))
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit(actor=actor, verb="activity.take_up", target=locked, organization=locked.engagement.lea)
    return locked


def _short(value: Any, limit: int = 300) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value
