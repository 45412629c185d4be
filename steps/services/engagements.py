"""Engagements and their activity records: started and kept in line with the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from cim.models import Cohort, Determination
from cim.resolver import ResolvedActivity
from lea import access as lea_access
from lea import data_version
from lea import services as lea_services
from lea.models import AuditVerb, Organization, User
from steps import access
from steps.models import ActivityRecord, Engagement, ResolvedRequirement, Submission
from steps.services.transitions import run_transition, system_transition
from steps.signals import step4_may_open

RECORD_FIELDS = ("requirement", "requirement_reason", "assistance", "approver", "due_date")

RESOLVE_DENIED = "Only the ADL load or the engagement's reviewer brings its activities up to date."
PRIOR_PLAN_DENIED = (
    "Only the LEA's CIM team lead or CDE staff (its consultant or an administrator) set the "
    "link to its existing plan."
)
# Steps an LEA continuing from an earlier cohort did before the portal knew it.
STEPS_DONE_BEFORE = (1, 2, 3)


def is_continuing(determination: Determination) -> bool:
    """An LEA that the ADL says is not new to CIM continues from an earlier cohort."""
    return not determination.new_to_cim


def engagement_is_stale(*, engagement: Engagement, activities: list[ResolvedActivity]) -> bool:
    """Whether engagement_resolve would change anything (checked first: no savepoint)."""
    records = {record.definition_id: record for record in engagement.records.all()}
    return any(
        activity.definition.pk not in records
        or any(
            getattr(records[activity.definition.pk], name) != value
            for name, value in _resolution_values(activity).items()
        )
        for activity in activities
    )


def required_summary(activities: list[ResolvedActivity]) -> str:
    required = sum(activity.requirement == "required" for activity in activities)
    return f"{len(activities)} activities, {required} required"


@dataclass(frozen=True)
class EngagementStart:
    """One LEA to start in a cohort, with its activities resolved."""

    lea: Organization
    cohort: Cohort
    determination: Determination
    activities: list[ResolvedActivity]


@transaction.atomic
def engagement_start(
    *,
    actor: User | None,
    lea: Organization,
    cohort: Cohort,
    determination: Determination,
    activities: list[ResolvedActivity],
) -> Engagement:
    """Start an LEA's CIM process in a cohort, with one record per resolved activity.
    Only the ADL load starts one: actor=None is the system; a person must be a CDE
    administrator."""
    lea_access.require_system_or_adl_loader(actor)
    start = EngagementStart(lea, cohort, determination, activities)
    [engagement] = engagements_start(actor=actor, starts=[start])
    return engagement


@transaction.atomic
def engagements_start(*, actor: User | None, starts: list[EngagementStart]) -> list[Engagement]:
    """engagement_start for many LEAs in a fixed number of queries (the statewide load);
    actor as for engagement_start."""
    lea_access.require_system_or_adl_loader(actor)
    engagements = [
        Engagement(lea=start.lea, cohort=start.cohort, determination=start.determination)
        for start in starts
    ]
    for engagement in engagements:
        # The ADL load has just read or written lea, cohort and determination for all
        # rows, so re-querying each foreign key per LEA would only slow a statewide load.
        engagement.full_clean(
            exclude=["lea", "cohort", "determination"], validate_constraints=False
        )
    Engagement.objects.bulk_create(engagements)
    ActivityRecord.objects.bulk_create(
        [
            _new_record(
                engagement, activity, actor=actor, continuing=is_continuing(start.determination)
            )
            for engagement, start in zip(engagements, starts, strict=True)
            for activity in start.activities
        ]
    )
    lea_services.audit_many(
        [
            lea_services.audit_event(
                actor=actor,
                verb=AuditVerb.ENGAGEMENT_START,
                target=engagement,
                organization=start.lea,
                changes={
                    "cohort": [None, start.cohort.name],
                    "activities": [None, required_summary(start.activities)],
                    **(
                        {"steps_1_3": [None, "completed outside the portal in an earlier cohort"]}
                        if is_continuing(start.determination)
                        else {}
                    ),
                },
            )
            for engagement, start in zip(engagements, starts, strict=True)
        ]
    )
    data_version.changed()
    step4_may_open.send(Engagement, engagement_ids=[engagement.pk for engagement in engagements])
    return engagements


@transaction.atomic
def engagement_resolve(
    *, actor: User | None, engagement: Engagement, activities: list[ResolvedActivity]
) -> list[str]:
    """Bring the records in line with a corrected determination or catalog.

    Updates what was resolved (requirement, reason, assistance, approver, due date) and
    adds records for activities new to the catalog. It never deletes a record and never
    touches status or content: the LEA's work stays as it is. Returns what changed.
    A load or a recorded determination fact resolves: actor=None is the system; a person
    must load the ADL (a CDE administrator) or review the engagement (its SELPA reviewer
    or CDE consultant, who record the determination's facts).
    """
    if actor is not None and not (
        lea_access.may_load_adl(actor)
        or access.may_review_for(actor, engagement, "SELPA")
        or access.may_review_for(actor, engagement, "CDE")
    ):
        raise PermissionDenied(RESOLVE_DENIED)
    records = {record.definition_id: record for record in engagement.records.all()}
    continuing = is_continuing(engagement.determination)
    added, changed, notes = [], [], []
    # Each changed detail of an activity as "<activity key>.<field>": [old, new].
    changes: dict[str, list[Any]] = {}
    for activity in activities:
        record = records.get(activity.definition.pk)
        if record is None:
            added.append(_new_record(engagement, activity, actor=actor, continuing=continuing))
            notes.append(f"{activity.definition.name} added ({activity.requirement})")
            continue
        diff = _record_diff(record, activity)
        if diff:
            changed.append(record)
            changes.update({f"{activity.key}.{name}": pair for name, pair in diff.items()})
            if "requirement" in diff:
                old, new = diff["requirement"]
                notes.append(f"{activity.definition.name} {old} -> {new}")
    if not (added or changed):
        return []
    ActivityRecord.objects.bulk_create(added)
    ActivityRecord.objects.bulk_update(changed, [*RECORD_FIELDS, "updated_at"])
    lea_services.audit(
        actor=actor,
        verb=AuditVerb.ENGAGEMENT_RESOLVE,
        target=engagement,
        organization=engagement.lea,
        changes={
            **({"added": [None, [record.definition.key for record in added]]} if added else {}),
            **changes,
        },
    )
    data_version.changed()
    step4_may_open.send(Engagement, engagement_ids=[engagement.pk])
    return notes or [f"{len(changed)} activity details updated"]


@transaction.atomic
def engagement_move(
    *,
    actor: User | None,
    engagement: Engagement,
    cohort: Cohort,
    activities: list[ResolvedActivity],
) -> list[str]:
    """Move an engagement to another cohort of its year: a corrected ADL puts the LEA in
    another tier after it started work. Nothing the LEA wrote is deleted or reset: each
    activity record moves, with its status, answers and structured rows, to the new
    cohort's activity of the same key, and so does a submission of that activity alone;
    a record the new cohort has no activity for stays, with its work, as not applicable.
    Then the records take the new cohort's requirements (engagement_resolve). Audited as
    `engagement.move`. Only the ADL load moves one: actor=None is the system; a person must
    be a CDE administrator. Returns what changed, in words."""
    lea_access.require_system_or_adl_loader(actor)
    locked = Engagement.objects.select_for_update().select_related("cohort").get(pk=engagement.pk)
    old = locked.cohort
    if old.pk == cohort.pk:
        return []
    definitions = {activity.definition.key: activity.definition for activity in activities}
    moved: list[ActivityRecord] = []
    kept: list[ActivityRecord] = []
    for record in locked.records.select_related("definition"):
        definition = definitions.get(record.definition.key)
        if definition is None:
            record.requirement = ResolvedRequirement.NOT_APPLICABLE
            record.requirement_reason = (
                f"Not an activity of the {cohort.name} cohort: kept with the work done for "
                f"it in the {old.name} cohort."
            )
            record.updated_at = timezone.now()  # bulk_update does not run auto_now
            kept.append(record)
        else:
            record.definition = definition
            moved.append(record)
    ActivityRecord.objects.bulk_update(moved, ["definition"])
    ActivityRecord.objects.bulk_update(kept, ["requirement", "requirement_reason", "updated_at"])
    alone = list(locked.submissions.filter(activity__isnull=False).select_related("activity"))
    for submission in alone:
        assert submission.activity is not None  # noqa: S101 -- filtered above
        submission.activity = definitions.get(submission.activity.key, submission.activity)
    Submission.objects.bulk_update(alone, ["activity"])
    locked.cohort = cohort
    locked.save(update_fields=["cohort"])
    engagement.cohort = cohort
    lea_services.audit(
        actor=actor,
        verb=AuditVerb.ENGAGEMENT_MOVE,
        target=locked,
        organization=locked.lea,
        changes={
            "cohort": [old.name, cohort.name],
            "moved": [None, sorted(record.definition.key for record in moved)],
            "kept_not_applicable": [None, sorted(record.definition.key for record in kept)],
        },
    )
    data_version.changed()
    step4_may_open.send(Engagement, engagement_ids=[locked.pk])
    notes = [f"moves from {old.name} to {cohort.name}, keeping its work"]
    fresh = Engagement.objects.select_related("lea", "cohort", "determination").get(pk=locked.pk)
    return notes + engagement_resolve(actor=actor, engagement=fresh, activities=activities)


@transaction.atomic
def engagement_set_prior_plan(*, actor: User, engagement: Engagement, url: str) -> bool:
    """Set (or clear, with "") the link to the plan an LEA continuing from an earlier
    cohort keeps outside the portal. Its CIM team lead or CDE staff (the LEA's consultant,
    a CDE administrator) set it. Returns whether it changed."""
    if not access.may_set_prior_plan(actor, engagement):
        raise PermissionDenied(PRIOR_PLAN_DENIED)
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    old = locked.prior_plan_url
    if old == url:
        return False
    locked.prior_plan_url = url
    locked.full_clean(exclude=["lea", "cohort", "determination"], validate_constraints=False)
    locked.save(update_fields=["prior_plan_url"])
    engagement.prior_plan_url = url
    lea_services.audit(
        actor=actor,
        verb=AuditVerb.ENGAGEMENT_PRIOR_PLAN,
        target=engagement,
        organization=engagement.lea,
        changes={"prior_plan_url": [old, url]},
    )
    data_version.changed()
    return True


def _new_record(
    engagement: Engagement, activity: ResolvedActivity, *, actor: User | None, continuing: bool
) -> ActivityRecord:
    record = ActivityRecord(engagement=engagement, definition=activity.definition)
    _apply_resolution(record, activity)
    if (
        continuing
        and activity.definition.step in STEPS_DONE_BEFORE
        and activity.requirement != ResolvedRequirement.NOT_APPLICABLE
    ):
        if actor is None:
            system_transition(record.complete_elsewhere)
        else:
            run_transition(record.complete_elsewhere, actor=actor, refused="", denied="")
    return record


def _record_diff(record: ActivityRecord, activity: ResolvedActivity) -> dict[str, list[Any]]:
    wanted = _resolution_values(activity)
    diff = {
        name: [_jsonable(getattr(record, name)), _jsonable(value)]
        for name, value in wanted.items()
        if getattr(record, name) != value
    }
    if diff:
        _apply_resolution(record, activity)
        record.updated_at = timezone.now()  # bulk_update does not run auto_now
    return diff


def _apply_resolution(record: ActivityRecord, activity: ResolvedActivity) -> None:
    for name, value in _resolution_values(activity).items():
        setattr(record, name, value)
    # Validates choices and lengths only: the foreign keys come straight from the catalog.
    record.full_clean(exclude=["engagement", "definition", "status"], validate_constraints=False)


def _resolution_values(activity: ResolvedActivity) -> dict[str, Any]:
    return {
        "requirement": activity.requirement,
        "requirement_reason": activity.reason,
        "assistance": activity.assistance,
        "approver": activity.approver,
        "due_date": activity.due_date,
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
