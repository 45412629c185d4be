"""Reads for the LEA workspace and an activity's form: what is owed, by when, and which
boxes (with the state's prompts) carry each activity's content."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from cim.catalog_rules import choices_of
from cim.models import INFERRED_DATE, StepwellBox
from lea.access import AnyUser
from lea.models import AuditEvent
from steps import access
from steps.merge import AUDIT_ROW_KEY, MERGE_AUDIT_KEYS
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
# Parts of the activity form that the catalog names beyond the boxes' fields (the PFI form
# is not a Stepwell box); its student-extract upload has a page of its own.
FORM_PARTS_BEYOND_BOXES = ("plan",)
# An activity whose catalog entry has no box fields still gets one box to write in.
FALLBACK_FIELD = {
    "name": "summary",
    "type": "text",
    "label": "Summary",
    "help": "What the LEA did and found.",
}
FALLBACK_PROMPT = (
    "The guidance gives no Stepwell prompt for this activity: summarize what the LEA did and found."
)
# What an LEA reads on a box (or field) whose wording no CDE document states.
INFERRED_WORDS = "inferred from the Targeted guidance; to be confirmed by CDE"
INFERRED_WORDING = f"Wording {INFERRED_WORDS}."


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
    # The guidance's own prompt for the box (shown as the box's description).
    prompt: str = ""

    @property
    def inferred_note(self) -> str:
        return INFERRED_WORDING if self.inferred else ""


@dataclass
class ActivityForm:
    record: ActivityRecord
    boxes: list[BoxView] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def answer_fields(self) -> list[dict[str, Any]]:
        return [f for box in self.boxes for f in box.fields if f["name"] not in PART_OF_FIELD]


@dataclass
class AboutTheWork:
    """What the LEA's tier and level mean, in the catalog's words, and what of it is
    inferred rather than stated by the state's guidance."""

    placement: str
    criteria: str
    stepwell: bool
    inferred: bool
    deadlines_note: str
    contact_email: str
    inferred_words: str = INFERRED_WORDS
    inferred_date: str = INFERRED_DATE


def about_the_work(*, engagement: Engagement) -> AboutTheWork:
    cohort = engagement.cohort
    level = engagement.determination.level
    placement = cohort.get_tier_display() + (f" Level {level}" if level else "")
    criteria = str(cohort.level_criteria.get(str(level), "")) if level else ""
    return AboutTheWork(
        placement=placement,
        criteria=criteria,
        stepwell=level in cohort.stepwell_levels,
        inferred=cohort.inferred,
        deadlines_note=cohort.deadlines_note,
        contact_email=cohort.contact_email,
    )


def other_years(*, user: AnyUser, engagement: Engagement) -> list[Engagement]:
    """The LEA's other engagements the person may read, newest year first: an LEA keeps
    its earlier years' work when its tier or level changes from one year to the next."""
    return list(
        access.other_engagements_of_the_lea_for(user, engagement)
        .select_related("cohort__year")
        .order_by("-cohort__year__year", "cohort__name")
    )


def workspace(*, engagement: Engagement) -> list[StepView]:
    """Steps 1-4 with their due dates and, under each, the activities the LEA owes."""
    cohort = engagement.cohort
    due = {1: cohort.step1_due, 2: cohort.step2_due, 3: cohort.step3_due, 4: cohort.step4_end}
    records = (
        access.records_for_engagement(engagement)
        .select_related("definition", "updated_by")
        .order_by("definition__step", "definition__position")
    )
    steps = {n: StepView(n, name, due[n], []) for n, name in STEP_NAMES.items()}
    submissions = {
        (submission.step, submission.activity_id): submission
        for submission in access.submissions_for_engagement(engagement)
    }
    for record in records:
        step = steps[record.definition.step]
        step.records.append(record)
        if record.definition.approved_alone:
            record.own_submission = submissions.get((step.number, record.definition_id))  # type: ignore[attr-defined]
    for number, step in steps.items():
        step.submission = submissions.get((number, None))
    plan = steps[3].submission
    # An LEA continuing from an earlier cohort had its plan approved outside the portal.
    steps[4].plan_approved = (plan is not None and plan.state == SubmissionState.APPROVED) or (
        not engagement.determination.new_to_cim
    )
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
    # A box the guidance asks of other levels only (Targeted 2024 boxes 27-28: Level 3's
    # Stepwell confirmation) is not shown, checked or frozen into a submission.
    for box in (box for box in boxes if box.asks(level)):
        na = level in box.na_levels
        form.boxes.append(
            BoxView(
                number=box.number,
                title=box.title,
                fields=[] if na else [_field(f) for f in box.fields],
                rules=list(box.rules),
                na_reason=box.na_reason if na else "",
                inferred=box.inferred,
                prompt=box.prompt,
            )
        )
    # An optional activity whose Stepwell box is NA (e.g. Infrastructure Analysis at
    # Targeted Level 3) may still be done locally: it gets the summary box.
    not_applicable = record.requirement == ResolvedRequirement.NOT_APPLICABLE
    extra_parts = [part for part in record.definition.parts if part in FORM_PARTS_BEYOND_BOXES]
    has_content = any(box.fields for box in form.boxes) or extra_parts
    if not has_content and not not_applicable:
        form.boxes.append(
            BoxView(
                None,
                record.definition.name,
                [_field(FALLBACK_FIELD)],
                [],
                prompt=FALLBACK_PROMPT,
            )
        )
    parts = [PART_OF_FIELD[f["name"]] for box in form.boxes for f in box.fields
             if f["name"] in PART_OF_FIELD]  # fmt: skip
    form.parts = list(dict.fromkeys([*parts, *extra_parts]))
    return form


def _field(spec: dict[str, Any]) -> dict[str, Any]:
    """A box field as the LEA sees it: the catalog's label and help in the guidance's words.

    The catalog's `note` is for catalog editors and is dropped here. steps/forms.py shows
    a field's "note" as its help text, so the LEA's help travels under that key too.
    """
    help_text = str(spec.get("help") or "")
    if spec.get("inferred"):
        help_text = f"{help_text} ({INFERRED_WORDING})".strip()
    shown = {key: value for key, value in spec.items() if key not in ("note", "help")}
    return {
        **shown,
        "label": field_label(spec),
        "help": help_text,
        "note": help_text,
        "required": spec.get("required", True),
    }


def field_label(spec: dict[str, Any]) -> str:
    """The catalog's label (the loader refuses a field without one); a name made readable
    only for a field an administrator left without a label."""
    return str(spec.get("label") or spec["name"].replace("_", " ").capitalize())


@dataclass
class HistoryRow:
    event: AuditEvent
    what: str
    details: list[str]


def record_history(*, record: ActivityRecord) -> list[HistoryRow]:
    """Every recorded change of the activity, newest first, in words."""
    events = access.history_for_record(record).select_related("actor").order_by("-at")[:200]
    words = _history_words(record)
    return [
        HistoryRow(
            event=event,
            what=event.get_verb_display(),
            details=_details(event.changes, words),
        )
        for event in events
    ]


@dataclass
class HistoryWords:
    """What the history prints for a change's name and for its coded values."""

    labels: dict[str, str]
    values: dict[str, dict[str, str]]


# Coded values a record's history may hold, in the words the pages use for them.
RECORD_VALUE_WORDS: dict[str, dict[str, str]] = {
    "status": dict(ActivityRecord.Status.choices),
    "requirement": dict(ResolvedRequirement.choices),
    "state": dict(SubmissionState.choices),
}
RECORD_LABELS = {
    "requirement": "Requirement",
    "requirement_reason": "Why",
    "due_date": "Due date",
    "status": "Status",
}


def _history_words(record: ActivityRecord) -> HistoryWords:
    """The labels of the activity's box fields (every box of the activity, NA or not: the
    history may hold answers from before a level change) and of the record's own fields."""
    labels = {**RECORD_LABELS, FALLBACK_FIELD["name"]: FALLBACK_FIELD["label"]}
    values = dict(RECORD_VALUE_WORDS)
    box_fields = StepwellBox.objects.filter(
        cohort_id=record.engagement.cohort_id, activity_id=record.definition_id
    ).values_list("fields", flat=True)
    for fields in box_fields:
        for spec in fields:
            labels.setdefault(spec["name"], field_label(spec))
            if spec.get("type") == "choice":
                values[spec["name"]] = {c.value: c.label for c in choices_of(spec)}
    return HistoryWords(labels, values)


def _details(changes: dict[str, list[Any]], words: HistoryWords) -> list[str]:
    """An event's {field: [before, after]} in words. A row added or removed (its `row`
    pair has an empty side) lists the row's values as they were there, without the empty
    side: "Member: Ana", not "Member: (empty) → Ana"."""
    row = changes.get(AUDIT_ROW_KEY)
    one_sided = row is not None and None in row
    return [
        _detail(name, before, after, words, one_sided=one_sided)
        for name, (before, after) in changes.items()
        # The version pair and the row key are for the merge, not for people.
        if name not in MERGE_AUDIT_KEYS
    ]


def _detail(name: str, before: Any, after: Any, words: HistoryWords, *, one_sided: bool) -> str:
    # A structured part's change names are already words ("area", "title").
    label = words.labels.get(name) or name.replace("_", " ")
    coded = words.values.get(name, {})

    def shown(value: Any) -> Any:
        return coded.get(str(value), value) if value not in (None, "") else "(empty)"

    if one_sided or before == after:
        return f"{label}: {shown(after if after is not None else before)}"
    return f"{label}: {shown(before)} → {shown(after)}"
