"""Reads for the LEA workspace and an activity's form: what is owed, by when, and which
boxes (with the state's prompts) carry each activity's content."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from cim.models import StepwellBox
from lea.models import AuditEvent
from steps.models import (
    ActivityRecord,
    Engagement,
    ResolvedRequirement,
    Submission,
    SubmissionState,
)

STEP_NAMES = {
    1: "Gather and inquire",
    2: "Investigate",
    3: "Plan for results",
    4: "Monitoring implementation",
}

# Box fields that a structured part of the form carries instead of a plain input.
PART_OF_FIELD = {
    "members": "team",
    "data_sources": "data_sources",
    "strengths": "findings",
    "weaknesses": "findings",
    "problem_areas": "problem_areas",
    "prioritized_problem_areas": "prioritization",
    "problem_areas_for_root_cause": "prioritization",
    "problem_areas_addressed": "root_causes",
    "root_cause": "root_causes",
    "supporting_data_summary": "root_causes",
}
# Parts an activity has beyond its boxes' fields (the PFI form is not a Stepwell box).
EXTRA_PARTS = {"plan_for_improvement": ["plan"]}
# An activity whose catalog entry has no box fields still gets one box to write in.
FALLBACK_FIELD = {"name": "summary", "type": "text", "note": "what the LEA did and found"}


@dataclass
class StepView:
    number: int
    name: str
    due_date: date | None
    records: list[ActivityRecord]
    # The step's submission (Steps 1-3), if it was ever submitted.
    submission: Submission | None = None
    # Who holds the submitted work now, in words (filled by the view).
    holder: str = ""
    # Step 4 only: the plan (Step 3) is approved, so progress reports are open.
    plan_approved: bool = False

    @property
    def submittable(self) -> bool:
        return self.number in (1, 2, 3) and any(
            not record.definition.approved_alone
            and record.requirement != ResolvedRequirement.NOT_APPLICABLE
            for record in self.records
        )

    @property
    def open_for_submission(self) -> bool:
        return self.submission is None or self.submission.state in (
            SubmissionState.DRAFT,
            SubmissionState.RETURNED,
        )

    @property
    def days_left(self) -> int | None:
        return (self.due_date - timezone.localdate()).days if self.due_date else None

    @property
    def days_overdue(self) -> int:
        return max(0, -(self.days_left or 0))

    @property
    def opens_later(self) -> bool:
        """Step 4 (progress reports) opens once the plan is approved, not before."""
        return self.number == 4 and not self.plan_approved


@dataclass
class BoxView:
    number: int | None
    title: str
    fields: list[dict[str, Any]]
    rules: list[str]
    na_reason: str = ""
    inferred: bool = False


@dataclass
class ActivityForm:
    record: ActivityRecord
    boxes: list[BoxView] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def answer_fields(self) -> list[dict[str, Any]]:
        return [f for box in self.boxes for f in box.fields if f["name"] not in PART_OF_FIELD]


def workspace(*, engagement: Engagement) -> list[StepView]:
    """Steps 1-4 with their due dates and, under each, the activities the LEA owes."""
    cohort = engagement.cohort
    due = {1: cohort.step1_due, 2: cohort.step2_due, 3: cohort.step3_due, 4: cohort.step4_end}
    records = (
        ActivityRecord.objects.filter(engagement=engagement)
        .select_related("definition", "updated_by")
        .order_by("definition__step", "definition__position")
    )
    steps = {n: StepView(n, name, due[n], []) for n, name in STEP_NAMES.items()}
    submissions = {
        (submission.step, submission.activity_id): submission
        for submission in Submission.objects.filter(engagement=engagement)
    }
    for record in records:
        step = steps[record.definition.step]
        step.records.append(record)
        if record.definition.approved_alone:
            record.own_submission = submissions.get((step.number, record.definition_id))  # type: ignore[attr-defined]
    for number, step in steps.items():
        step.submission = submissions.get((number, None))
    plan = steps[3].submission
    steps[4].plan_approved = plan is not None and plan.state == SubmissionState.APPROVED
    return list(steps.values())


def _level(engagement: Engagement) -> int | None:
    return engagement.determination.level


def activity_form(*, record: ActivityRecord) -> ActivityForm:
    """The activity's boxes as the cohort defines them, for this LEA's level."""
    engagement = record.engagement
    level = _level(engagement)
    boxes = StepwellBox.objects.filter(
        cohort=engagement.cohort, activity=record.definition
    ).order_by("number")
    form = ActivityForm(record=record)
    for box in boxes:
        na = level in box.na_levels
        form.boxes.append(
            BoxView(
                number=box.number,
                title=box.title,
                fields=[] if na else [_field(f) for f in box.fields],
                rules=list(box.rules),
                na_reason=box.na_reason if na else "",
                inferred=box.inferred,
            )
        )
    # An optional activity whose Stepwell box is NA (e.g. Infrastructure Analysis at
    # Targeted Level 3) may still be done locally: it gets the summary box.
    not_applicable = record.requirement == ResolvedRequirement.NOT_APPLICABLE
    has_content = any(box.fields for box in form.boxes) or EXTRA_PARTS.get(record.definition.key)
    if not has_content and not not_applicable:
        form.boxes.append(BoxView(None, record.definition.name, [_field(FALLBACK_FIELD)], []))
    parts = [PART_OF_FIELD[f["name"]] for box in form.boxes for f in box.fields
             if f["name"] in PART_OF_FIELD]  # fmt: skip
    form.parts = list(dict.fromkeys([*parts, *EXTRA_PARTS.get(record.definition.key, [])]))
    return form


def _field(spec: dict[str, Any]) -> dict[str, Any]:
    label = spec.get("label") or spec["name"].replace("_", " ").capitalize()
    return {**spec, "label": label, "required": spec.get("required", True)}


VERB_LABELS = {
    "activity.save": "Saved answers",
    "activity.set_aside": "Left out (optional)",
    "activity.take_up": "Taken up again",
    "activity.submit": "Submitted for review",
    "activity.return": "Returned for revision",
    "activity.approve": "Approved",
}


@dataclass
class HistoryRow:
    event: AuditEvent
    what: str
    details: list[str]


def record_history(*, record: ActivityRecord) -> list[HistoryRow]:
    """Every recorded change of the activity, newest first, in words."""
    events = (
        AuditEvent.objects.filter(
            content_type__app_label="steps",
            content_type__model="activityrecord",
            object_id=str(record.pk),
        )
        .select_related("actor")
        .order_by("-at")[:200]
    )
    return [
        HistoryRow(
            event=event,
            what=VERB_LABELS.get(
                event.verb, event.verb.split(".")[-1].replace("_", " ").capitalize()
            ),
            details=[_detail(name, value) for name, value in event.changes.items()],
        )
        for event in events
    ]


def _detail(name: str, value: Any) -> str:
    label = name.replace("_", " ")
    if isinstance(value, list) and len(value) == 2:
        old, new = (v if v not in (None, "") else "(empty)" for v in value)
        return f"{label}: {old} → {new}"
    return f"{label}: {value}"
