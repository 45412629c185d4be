"""Writes to an activity record: its box answers, its NA or take-up, and the version that
keeps two people from silently overwriting each other (merged field by field, see
steps/merge.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction

from lea import data_version
from lea.audit import Changes
from lea.models import AuditEvent, AuditVerb, User
from lea.services import audit
from lea.text import audit_text
from steps.access import may_edit_engagement
from steps.merge import (
    MAX_ANSWER_LENGTH,
    TOO_LONG,
    VERSION_FUTURE,
    Edit,
    fingerprints,
    require_version,
    three_way,
)
from steps.models import ActivityRecord, ResolvedRequirement
from steps.services.transitions import run_transition
from steps.submissions import closing_submission

STALE = (
    "{who} saved this activity while you were editing it (now version {version}). Nothing "
    "of yours was saved and nothing of theirs was lost: your text is still in the form. "
    "Reload the page to continue from their version."
)
NOT_OPTIONAL = "Only an activity the catalog marks optional or not applicable can be set aside."
NOT_YOURS = "You cannot change this LEA's CIM work."
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
# How far back the history is read to say who last changed a field.
EDIT_LOOKBACK = 200


@dataclass
class AnswersSaved:
    """What a save of box answers did: the record as saved now, the fields it wrote, the
    fields others changed that the writer had left alone (kept as they are), and the
    fields both changed (not written: they wait for the writer to choose)."""

    record: ActivityRecord
    written: list[str]
    incoming: dict[str, Edit]
    conflicts: dict[str, Any]
    conflict_edits: dict[str, Edit]


def record_lock(record: ActivityRecord) -> ActivityRecord:
    """The record, locked for this transaction, refused unless it may be edited now."""
    locked = (
        ActivityRecord.objects.select_for_update(of=("self",))
        .select_related("updated_by", "engagement__lea", "definition")
        .get(pk=record.pk)
    )
    if locked.status not in EDITABLE:
        raise ValidationError(LOCKED.format(status=locked.get_status_display().lower()))
    require_open(locked)
    return locked


def _lock(record: ActivityRecord, expected_version: int) -> ActivityRecord:
    locked = record_lock(record)
    who = locked.updated_by.display_name if locked.updated_by else "Someone"
    require_version(locked.version, expected_version, STALE.format(who=who, version=locked.version))
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


def last_edits(record: ActivityRecord, names: Iterable[str]) -> dict[str, Edit]:
    """Who last changed each named field of the activity, from its history."""
    wanted = set(names)
    if not wanted:
        return {}
    events = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(ActivityRecord),
            object_id=str(record.pk),
        )
        .select_related("actor")
        .order_by("-at", "-pk")[:EDIT_LOOKBACK]
    )
    found: dict[str, Edit] = {}
    for event in events:
        who = event.actor.display_name if event.actor else "The system"
        for name in wanted.intersection(event.changes) - found.keys():
            found[name] = Edit(who=who, at=event.at)
        if found.keys() == wanted:
            break
    fallback = Edit(
        who=record.updated_by.display_name if record.updated_by else "Someone",
        at=record.updated_at,
    )
    return {name: found.get(name, fallback) for name in wanted}


def _check_lengths(answers: dict[str, Any], labels: Mapping[str, str]) -> None:
    too_long = {
        name: TOO_LONG.format(
            label=labels.get(name, name), limit=MAX_ANSWER_LENGTH, length=len(value)
        )
        for name, value in answers.items()
        if isinstance(value, str) and len(value) > MAX_ANSWER_LENGTH
    }
    if too_long:
        raise ValidationError(too_long)


@transaction.atomic
def record_save_answers(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    answers: dict[str, Any],
    bases: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> AnswersSaved:
    """Save the activity's box answers as a draft, merged with what others saved since
    the writer opened the form (`bases`: each field's fingerprint as the writer saw it;
    without them, a caller that started from the current version is taken to have seen
    it all). Fields both changed are not written: the result names them."""
    if not may_edit_engagement(actor, record.engagement):
        raise ValidationError(NOT_YOURS)
    _check_lengths(answers, labels or {})
    locked = record_lock(record)
    if not 1 <= expected_version <= locked.version:
        raise ValidationError(
            VERSION_FUTURE.format(posted=expected_version, current=locked.version),
            code="version",
        )
    current = {name: locked.responses.get(name) for name in answers}
    if bases is None:
        bases = fingerprints(current) if expected_version == locked.version else {}
    merge = three_way(bases=bases, mine=answers, current=current)
    if merge.write:
        before = locked.version
        started = _bump_answers(locked, actor, merge.write)
        audit(
            actor=actor,
            verb=AuditVerb.ACTIVITY_SAVE,
            target=locked,
            organization=locked.engagement.lea,
            changes={
                **{
                    name: [audit_text(current[name]), audit_text(new)]
                    for name, new in merge.write.items()
                },
                "version": [before, locked.version],
            },
        )
        if started:
            data_version.changed()
    told = last_edits(locked, [*merge.incoming, *merge.conflicts])
    return AnswersSaved(
        record=locked,
        written=list(merge.write),
        incoming={name: told[name] for name in merge.incoming},
        conflicts=merge.conflicts,
        conflict_edits={name: told[name] for name in merge.conflicts},
    )


def _bump_answers(record: ActivityRecord, actor: User, values: dict[str, Any]) -> bool:
    record.responses = {**record.responses, **values}
    return _bump(record, actor, "responses")


@transaction.atomic
def record_touch(
    *,
    actor: User,
    record: ActivityRecord,
    verb: AuditVerb,
    changes: Changes,
    expected_version: int | None = None,
    locked_by_caller: bool = False,
) -> ActivityRecord:
    """Count a change of one of the activity's structured rows as a new version, with
    its audit row (`changes` as {field: [before, after]}, texts already shortened).
    Structured-part services call this inside their own transaction, after their own
    row-level merge (steps/merge.py); `expected_version`, where given, must be the
    current one (a change of the whole part, such as a re-ranking). With
    `locked_by_caller`, `record` is what `record_lock` returned in this same transaction
    (a part's holder, which locked it before its merge): it is not locked and checked
    again."""
    if not may_edit_engagement(actor, record.engagement):
        raise ValidationError(NOT_YOURS)
    if locked_by_caller:
        locked = record
    elif expected_version is None:
        locked = record_lock(record)
    else:
        locked = _lock(record, expected_version)
    before = locked.version
    started = _bump(locked, actor)
    audit(
        actor=actor,
        verb=verb,
        target=locked,
        organization=locked.engagement.lea,
        changes={**changes, "version": [before, locked.version]},
    )
    if started:
        data_version.changed()
    return locked


@transaction.atomic
def record_set_aside(
    *, actor: User, record: ActivityRecord, expected_version: int
) -> ActivityRecord:
    """Mark an optional activity as not done (NA); its content stays."""
    if not may_edit_engagement(actor, record.engagement):
        raise ValidationError(NOT_YOURS)
    if record.requirement == ResolvedRequirement.REQUIRED:
        raise ValidationError(NOT_OPTIONAL)
    locked = _lock(record, expected_version)
    run_transition(locked.set_aside, actor=actor, refused=NOT_OPTIONAL)
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit(
        actor=actor,
        verb=AuditVerb.ACTIVITY_SET_ASIDE,
        target=locked,
        organization=locked.engagement.lea,
    )
    data_version.changed()
    return locked


@transaction.atomic
def record_take_up(*, actor: User, record: ActivityRecord) -> ActivityRecord:
    """Take up an optional activity that was set aside."""
    if not may_edit_engagement(actor, record.engagement):
        raise ValidationError(NOT_YOURS)
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
    audit(
        actor=actor,
        verb=AuditVerb.ACTIVITY_TAKE_UP,
        target=locked,
        organization=locked.engagement.lea,
    )
    data_version.changed()
    return locked
