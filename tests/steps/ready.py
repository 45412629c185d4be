"""Activities filled until the submission checklist has nothing left to say, through the
real services and as the LEA lead would fill them, for tests that need a step ready to
submit (or an optional activity taken up and finished).

    records = make_ready(engagement, 2, actor=world.lea_lead)
    fill_activity(optional_record, actor=world.lea_lead)

Box answers go through `AnswersForm` (so they are stored exactly as the form stores them)
and `record_save_answers`; each structured part's rows go through its service in
`steps/services/part_*.py`. Rows a later step cites (problem areas for root causes, root
causes for the plan) are made through the earlier activity's services when missing, even if
that activity is not in the step. Content already there is kept; only what the checklist
would miss is added, so filling twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cim.catalog_rules import condition_holds
from lea.models import User
from steps import services
from steps.access import problems_of_practice_for_record, strategies_for_record
from steps.checklist import record_checklist
from steps.forms import AnswersForm
from steps.merge import version_token
from steps.models import (
    ActivityRecord,
    DataSource,
    Engagement,
    Finding,
    ProblemArea,
    ResolvedRequirement,
    RootCause,
    Strategy,
    Submission,
    TeamMember,
)
from steps.parts import data_sources as data_sources_part
from steps.parts import plan as plan_part
from steps.parts import team as team_part
from steps.parts.data_sources import DATA_SOURCES
from steps.parts.findings import FINDINGS
from steps.parts.plan import unexplained_problem_areas
from steps.parts.prioritization import ranking_for_engagement
from steps.parts.problem_areas import PROBLEM_AREAS, problem_areas_for_engagement
from steps.parts.root_causes import ROOT_CAUSES, root_causes_for_engagement
from steps.parts.team import TEAM_MEMBERS
from steps.services import (
    part_prioritization,
)
from steps.services.part_rows import part_row_add, part_row_edit
from steps.services.records import require_open
from steps.submissions import SUBMITTABLE_STEPS, scope_records
from steps.workspace import ActivityForm, activity_form

CONSOLIDATION = "consolidation"
ROOT_CAUSE_ANALYSIS = "root_cause_analysis"
# Answers a person would give to particular prompts; any other text prompt gets a sentence.
TEXT_ANSWERS = {
    "findings_summary": "Students with IEPs spend less time in regular class than the state "
    "target (41% against 57%); chronic absence is 18%.",
    "trends_summary": "Reading scores rose two years running; suspensions of students with "
    "IEPs doubled since 2022.",
}
# Names for the members in the roles the catalog requires; any other role gets one made up.
TEAM = {
    "superintendent": "Robin Superintendent",
    "general_ed_admin": "Gale Generaled",
    "special_ed_admin": "Sasha Specialed",
    "site_admin": "Sid Siteadmin",
    "selpa_representative": "Sel Parep",
}


def make_ready(engagement: Engagement, step: int, *, actor: User) -> list[ActivityRecord]:
    """Fill every activity a submission of `step` (1, 2 or 3) would include — the records from
    `steps.submissions.scope_records(engagement, step)` whose requirement is required — with
    content that passes `steps.checklist.record_checklist(record=...)`, through the real
    services (steps/services/records.py `record_save_answers`, and each structured part's
    service in steps/services/part_*.py), as the LEA lead `actor` would. Returns the records."""
    if step not in SUBMITTABLE_STEPS:
        raise ValueError(f"Only steps {SUBMITTABLE_STEPS} are submitted as a whole, not {step}.")
    required = scope_records(engagement, step).filter(requirement=ResolvedRequirement.REQUIRED)
    return [fill_activity(record, actor=actor) for record in required]


def submitted_and_returned(
    engagement: Engagement, step: int, *, lead: User, reviewer: User
) -> Submission:
    """The step (made ready already) submitted by its lead, then returned by its reviewer
    with a comment on the version and a summary: a review round to revise and resubmit."""
    version = services.submission_submit(
        actor=lead, engagement=engagement, step=step, confirmation_name=lead.display_name
    )
    submission = version.submission
    services.comment_add(
        actor=reviewer, submission=submission, version_number=version.number,
        body="Name the data source for this outcome.",
    )  # fmt: skip
    services.submission_decide(
        actor=reviewer, submission=submission, version_number=version.number,
        decision="returned", summary="Add the data sources.",
    )  # fmt: skip
    return submission


def fill_activity(record: ActivityRecord, *, actor: User) -> ActivityRecord:
    """Fill one activity (taking it up first if it was set aside) until its checklist is
    empty: its structured parts, then its box answers. Returns the record as saved."""
    record = _fresh(record)
    if record.status == ActivityRecord.Status.MARKED_NA:
        record = _fresh(services.record_take_up(actor=actor, record=record))
    if record.status != ActivityRecord.Status.NOT_STARTED and not record_checklist(record=record):
        return record
    spec = activity_form(record=record)
    for name in spec.parts:
        FILLERS[name](record, actor)
    _fill_answers(_fresh(record), spec, actor)
    return _fresh(record)


# --- Box answers -------------------------------------------------------------------------------


def _fill_answers(record: ActivityRecord, spec: ActivityForm, actor: User) -> None:
    """Answer each required prompt still empty (a conditional one only when its condition
    holds), and one prompt of a box whose prompts are all optional, through the form."""
    answers = dict(record.responses)
    posted: dict[str, str] = {}
    answer_names = {field["name"] for field in spec.answer_fields}
    for box in spec.boxes:
        fields = [field for field in box.fields if field["name"] in answer_names]
        # Unconditional prompts first: conditions read their answers (idc_tool_used).
        for field in sorted(fields, key=lambda field: bool(field.get("condition"))):
            applies = condition_holds(field, {**answers, **posted})
            if field["required"] and applies and _empty(answers.get(field["name"])):
                posted[field["name"]] = _typed(field, actor)
        all_optional = fields and not any(field["required"] for field in fields)
        if all_optional and all(_empty(answers.get(f["name"])) for f in fields):
            # The checklist wants one of them (box 27: the plan link, or the email details).
            posted[fields[0]["name"]] = _typed(fields[0], actor)
    if not posted:
        return
    form = AnswersForm(data={"version": str(record.version), **posted}, specs=spec.answer_fields)
    if not form.is_valid():
        raise AssertionError(f"{record.definition.key}: the form refused {posted}: {form.errors}")
    services.record_save_answers(
        actor=actor, record=record, expected_version=record.version, answers=form.answers()
    )


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _typed(field: dict[str, Any], actor: User) -> str:
    """What a person types or picks for a prompt, as the browser posts it."""
    kind = field.get("type", "text")
    if kind == "boolean":
        return "yes"
    if kind == "choice":
        return str(field["choices"][0])
    if kind == "date":
        return timezone.localdate().isoformat()
    if kind == "url":
        return "https://docs.example.org/riverbend/cim-plan"
    if kind == "email":
        return "consultant@example.org"
    if field["name"] == "submitter_typed_name":
        return actor.display_name
    return TEXT_ANSWERS.get(field["name"], f"{field['label']}: what the CIM team found.")


# --- Structured parts --------------------------------------------------------------------------


def _fresh(record: ActivityRecord) -> ActivityRecord:
    """The record as saved now: every service call bumps its version."""
    return ActivityRecord.objects.select_related(
        "definition", "engagement__cohort", "engagement__determination", "engagement__lea"
    ).get(pk=record.pk)


def _record(engagement_id: int, key: str) -> ActivityRecord:
    return _fresh(ActivityRecord.objects.get(engagement_id=engagement_id, definition__key=key))


def _can_change(record: ActivityRecord) -> bool:
    if record.status not in services.EDITABLE:
        return False
    try:
        require_open(record)
    except ValidationError:
        return False
    return True


def _fill_team(record: ActivityRecord, actor: User) -> None:
    members = list(TeamMember.objects.filter(engagement_id=record.engagement_id))
    covered = {member.role for member in members}
    has_lead = any(member.is_lead for member in members)
    required = [
        r for r in team_part.team_roles(cohort_id=record.engagement.cohort_id) if r.required
    ]
    for role in required:
        if role.value in covered:
            continue
        part_row_add(
            rows=TEAM_MEMBERS,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            name=TEAM.get(role.value, f"{role.label} Member"),
            title=role.label,
            role=role.value,
            email=f"{role.value.replace('_', '.')}@example.org",
            is_lead=not has_lead,
        )
        has_lead = True
    if not has_lead:
        first = members[0]
        part_row_edit(
            rows=TEAM_MEMBERS,
            actor=actor,
            record=record,
            row=first,
            version=version_token(_fresh(record)),
            name=first.name,
            title=first.title,
            role=first.role,
            email=first.email,
            is_lead=True,
        )


def _fill_data_sources(record: ActivityRecord, actor: User) -> None:
    sources = list(DataSource.objects.filter(engagement_id=record.engagement_id))
    tags = data_sources_part.source_tags(cohort_id=record.engagement.cohort_id)
    educations = [e for e in tags["education"] if e.value not in {s.education for s in sources}]
    kinds = [k for k in tags["kind"] if k.value not in {s.kind for s in sources}]
    areas = [a for a in tags["area"] if a.value not in {s.area for s in sources}]
    for n in range(max(len(educations), len(kinds), len(areas))):
        # Alternate the tags of any extra source, so the new ones cover each of them.
        education = educations[n] if n < len(educations) else tags["education"][n % 2]
        kind = kinds[n] if n < len(kinds) else tags["kind"][n // 2 % 2]
        area = areas[n] if n < len(areas) else tags["area"][0]
        part_row_add(
            rows=DATA_SOURCES,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            name=f"{area.label} data, {education.label.lower()} ({kind.label.lower()})",
            education=education.value,
            kind=kind.value,
            area=area.value,
            notes="Three years, disaggregated by student group.",
        )


def _fill_findings(record: ActivityRecord, actor: User) -> None:
    found = set(
        Finding.objects.filter(engagement_id=record.engagement_id).values_list("kind", flat=True)
    )
    words = {
        Finding.Kind.STRENGTH: ("Reading growth in grades 3-5", "ELA met-or-exceeded up 6 points"),
        Finding.Kind.WEAKNESS: ("Placement in regular class", "41% against a target of 57%"),
    }
    for kind, (area, data) in words.items():
        if kind not in found:
            part_row_add(
                rows=FINDINGS,
                actor=actor,
                record=record,
                version=version_token(_fresh(record)),
                kind=kind,
                area=area,
                supporting_data=data,
            )


def _fill_problem_areas(record: ActivityRecord, actor: User) -> None:
    areas = list(problem_areas_for_engagement(record.engagement))
    if not areas:
        part_row_add(
            rows=PROBLEM_AREAS,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            description="Students with IEPs spend too little of the day in regular class",
            quantification="41% in regular class 80% or more of the day; state target 57%",
            relates_to_identification=True,
            sources=DataSource.objects.filter(engagement_id=record.engagement_id)[:2],
        )
        return
    none_relates = not any(area.relates_to_identification for area in areas)
    for number, area in enumerate(areas):
        relates = area.relates_to_identification or (none_relates and number == 0)
        if area.quantification.strip() and relates == area.relates_to_identification:
            continue
        part_row_edit(
            rows=PROBLEM_AREAS,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            row=area,
            description=area.description,
            quantification=area.quantification.strip() or "41% against a target of 57%",
            relates_to_identification=relates,
            sources=area.sources.all(),
        )


def _ensure_problem_areas(engagement_id: int, actor: User) -> None:
    """Consolidation's problem areas, made there if there are none and it is still open."""
    if ProblemArea.objects.filter(engagement_id=engagement_id).exists():
        return
    consolidation = _record(engagement_id, CONSOLIDATION)
    if _can_change(consolidation):
        _fill_problem_areas(consolidation, actor)


def _fill_prioritization(record: ActivityRecord, actor: User) -> None:
    _ensure_problem_areas(record.engagement_id, actor)
    areas = list(ranking_for_engagement(record.engagement))
    if any(area.priority is None for area in areas):
        part_prioritization.prioritization_rank(
            actor=actor, record=record, version=version_token(_fresh(record))
        )
    if areas and not any(area.explore_root_causes for area in areas):
        part_prioritization.prioritization_explore(
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            problem_area=areas[0],
            explore=True,
        )


def _fill_root_causes(record: ActivityRecord, actor: User) -> None:
    _ensure_problem_areas(record.engagement_id, actor)
    areas = list(ranking_for_engagement(record.engagement))
    causes = list(root_causes_for_engagement(record.engagement))
    explained = {area.pk for cause in causes for area in cause.problem_areas.all()}
    to_explain = [a for a in areas if a.explore_root_causes] or [
        a for a in areas if a.priority is not None
    ]
    unexplained = [area for area in to_explain if area.pk not in explained]
    if not causes or unexplained:
        part_row_add(
            rows=ROOT_CAUSES,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            statement="General and special educators do not plan lessons together",
            problem_areas=unexplained or to_explain or areas,
            qualitative_support="Teacher interviews: no shared planning time in 9 of 11 schools.",
            quantitative_support="4% of IEPs name a co-teaching service.",
        )
    for cause in causes:
        linked = list(cause.problem_areas.all())
        supported = cause.qualitative_support.strip() and cause.quantitative_support.strip()
        if linked and supported:
            continue
        part_row_edit(
            rows=ROOT_CAUSES,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            row=cause,
            statement=cause.statement,
            problem_areas=linked or to_explain or areas,
            qualitative_support=cause.qualitative_support.strip()
            or "Teacher interviews and a staff survey.",
            quantitative_support=cause.quantitative_support.strip()
            or "4% of IEPs name a co-teaching service.",
        )


def _ensure_root_causes(engagement_id: int, actor: User) -> None:
    """Root causes for the plan, and for every problem area marked for exploration, made
    in Root Cause Analysis when missing."""
    causes = RootCause.objects.filter(engagement_id=engagement_id)
    if causes.exists() and not unexplained_problem_areas(engagement_id).exists():
        return
    _fill_root_causes(_record(engagement_id, ROOT_CAUSE_ANALYSIS), actor)


def _fill_plan(record: ActivityRecord, actor: User) -> None:
    _ensure_root_causes(record.engagement_id, actor)
    causes = list(root_causes_for_engagement(record.engagement))
    problems = list(problems_of_practice_for_record(record).prefetch_related("root_causes"))
    for problem in problems:
        if not problem.root_causes.all():
            part_row_edit(
                rows=plan_part.PROBLEMS,
                actor=actor,
                record=record,
                row=problem,
                version=version_token(_fresh(record)),
                statement=problem.statement,
                root_causes=causes,
            )
    grounded = {
        cause.pk
        for problem in problems_of_practice_for_record(record)
        for cause in problem.root_causes.all()
    }
    orphans = [cause for cause in causes if cause.pk not in grounded]
    if orphans or not problems:
        part_row_add(
            rows=plan_part.PROBLEMS,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            statement="Teachers plan instruction for students with IEPs apart from each other",
            root_causes=orphans or causes,
        )
    without_strategy = list(problems_of_practice_for_record(record).filter(strategies=None))
    if without_strategy or not strategies_for_record(record).exists():
        part_row_add(
            rows=plan_part.STRATEGIES,
            actor=actor,
            record=record,
            version=version_token(_fresh(record)),
            title="Co-teaching in grades 3-5",
            description="Pairs of general and special educators plan and teach together.",
            problems_of_practice=without_strategy or problems_of_practice_for_record(record),
        )
    strategies = strategies_for_record(record).prefetch_related(
        "problems_of_practice", "activities", "outcomes__benchmarks"
    )
    for strategy in strategies:
        _fill_strategy(record, strategy, actor)


def _fill_strategy(record: ActivityRecord, strategy: Strategy, actor: User) -> None:
    today = timezone.localdate()
    if not strategy.problems_of_practice.all():
        part_row_edit(
            rows=plan_part.STRATEGIES,
            actor=actor,
            record=record,
            row=strategy,
            version=version_token(_fresh(record)),
            title=strategy.title,
            description=strategy.description,
            problems_of_practice=problems_of_practice_for_record(record),
        )
    if not strategy.activities.all():
        part_row_add(
            rows=plan_part.ACTIVITIES,
            actor=actor,
            record=record,
            strategy=strategy,
            version=version_token(_fresh(record)),
            description="Co-planning training for grade 3-5 teams",
            start_date=today,
            end_date=today + timedelta(days=90),
            persons_responsible="Director of special education",
            resources="Title I funds",
        )
    outcomes = list(strategy.outcomes.all())
    if not outcomes:
        outcomes = [
            part_row_add(
                rows=plan_part.OUTCOMES,
                actor=actor,
                record=record,
                strategy=strategy,
                version=version_token(_fresh(record)),
                measure="Students with IEPs in regular class 80% or more of the day",
                baseline_value=Decimal(41),
                baseline_date=today,
                target_value=Decimal(50),
                target_date=today + timedelta(days=730),
                data_source="CALPADS",
                monitoring_frequency="Quarterly",
            )
        ]
    for outcome in outcomes:
        if not outcome.benchmarks.all():
            part_row_add(
                rows=plan_part.BENCHMARKS,
                actor=actor,
                record=record,
                outcome=outcome,
                version=version_token(_fresh(record)),
                value=(outcome.baseline_value + outcome.target_value) / 2,
                date=outcome.target_date,
            )


FILLERS: dict[str, Callable[[ActivityRecord, User], None]] = {
    "team": _fill_team,
    "data_sources": _fill_data_sources,
    "findings": _fill_findings,
    "problem_areas": _fill_problem_areas,
    "prioritization": _fill_prioritization,
    "root_causes": _fill_root_causes,
    "plan": _fill_plan,
}
