"""A new year is data: a 2025 catalog (tests/cim/catalog_2025.json, the 2024 one with each
yearly rule changed) is loaded and the app follows it with no change of code: the team's
required roles, the Data Drill Down's areas and kinds of data, the problem areas tied to
the identification, the alternative-report choices and the answer that asks them, the
progress-report activity and its written parts, and the due dates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from pytest_django import DjangoDbBlocker

from cim import services as cim_services
from cim.models import Cohort
from lea.models import Organization, Role
from reports import access as reports_access
from reports import progress
from reports.forms_progress import ReportForm
from reports.ics import deadlines_ics
from reports.selectors.calendar import engagement_deadlines
from reports.services import progress as report_services
from steps import access
from steps import services as step_services
from steps.checklist import record_checklist
from steps.forms import AnswersForm
from steps.merge import version_token
from steps.models import ActivityRecord, Engagement
from steps.parts import data_sources, problem_areas, team
from steps.parts import data_sources as data_sources_part
from steps.parts import team as team_part
from steps.parts.data_sources import DATA_SOURCES
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.team import TEAM_MEMBERS
from steps.selectors import status_rows
from steps.services.part_rows import part_row_add
from steps.workspace import activity_form
from tests.conftest import World
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.reports.progress_world import approve_plan, clock_at, fill_report
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db

CATALOG_2025 = Path(__file__).parent / "cim" / "catalog_2025.json"
PARENT = "Parent of a student with a disability"


@pytest.fixture(scope="module")
def _cohorts_2025(module_world: World, django_db_blocker: DjangoDbBlocker) -> dict[str, Cohort]:
    """The 2025 catalog, loaded once for the module's tests, in its transaction
    (tests/module_data.py)."""
    with django_db_blocker.unblock():
        data = json.loads(CATALOG_2025.read_text(encoding="utf-8"))
        cim_services.catalog_load(actor=None, data=data, source=CATALOG_2025.name)
        return {cohort.tier: cohort for cohort in Cohort.objects.filter(year__year=2025)}


@pytest.fixture
def cohorts_2025(
    _cohorts_2025: dict[str, Cohort], cohorts: dict[str, Cohort], own_copy: OwnCopy
) -> dict[str, Cohort]:
    return own_copy(_cohorts_2025)


def _start(lea: Organization, cohort: Cohort, *, level: int = 3) -> Engagement:
    """The LEA new to CIM in the 2025 cohort, started the way the ADL load starts it."""
    return start(lea, cohort, level=level)


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.select_related("engagement", "definition").get(
        engagement=engagement, definition__key=key
    )


def _fresh(record: ActivityRecord) -> ActivityRecord:
    return _record(record.engagement, record.definition.key)


def test_the_team_needs_the_roles_2025_requires(
    world: World, cohorts_2025: dict[str, Cohort]
) -> None:
    record = _record(_start(world.lea, cohorts_2025["targeted"]), "team_creation")
    # The 2024 roles but the site administration, which 2025 no longer requires.
    for number, role in enumerate(
        ("superintendent", "general_ed_admin", "special_ed_admin", "selpa_representative")
    ):
        part_row_add(
            rows=TEAM_MEMBERS,
            actor=world.lea_lead, record=record, version=version_token(_fresh(record)),
            name=f"Person {number}", title="Director", role=role,
            email=f"p{number}@example.org", is_lead=number == 0,
        )  # fmt: skip

    assert team.check(record=_fresh(record)) == [team.MISSING_ROLE.format(role=PARENT)]
    form = team.TeamMemberForm(roles=team.roles_of(record))
    assert ("parent_representative", PARENT) in form.fields["role"].choices  # type: ignore[attr-defined]

    part_row_add(
        rows=TEAM_MEMBERS,
        actor=world.lea_lead, record=record, version=version_token(_fresh(record)),
        name="Pat Parent", title="Parent", role="parent_representative",
        email="pat@example.org", is_lead=False,
    )  # fmt: skip
    assert team.check(record=_fresh(record)) == []
    with pytest.raises(ValidationError, match=team_part.NOT_A_ROLE):
        part_row_add(
            rows=TEAM_MEMBERS,
            actor=world.lea_lead, record=record, version=version_token(_fresh(record)),
            name="Vic Principal", title="", role="vice_principal", email="", is_lead=False,
        )  # fmt: skip


def test_the_data_drill_down_covers_the_2025_areas_and_kinds(
    world: World, cohorts_2025: dict[str, Cohort]
) -> None:
    record = _record(_start(world.lea, cohorts_2025["targeted"]), "data_drill_down")

    def add(area: str) -> None:
        part_row_add(
            rows=DATA_SOURCES,
            actor=world.lea_lead, record=record, version=version_token(_fresh(record)),
            name=f"{area} data", education="special", kind="quantitative", area=area, notes="",
        )  # fmt: skip

    add("academic")
    # Qualitative data is no longer required; climate is no longer an area; postsecondary
    # outcomes are.
    assert data_sources.check(record=_fresh(record)) == [
        data_sources.NEEDS_EDUCATION.format(education="general education"),
        data_sources.MISSING_AREAS.format(
            areas="Placement (LRE), Discipline, Engagement, Attendance, Postsecondary outcomes"
        ),
    ]
    add("postsecondary")
    with pytest.raises(ValidationError, match=data_sources_part.NOT_A_TAG):
        add("climate")


def test_two_problem_areas_must_relate_to_the_identification_in_2025(
    world: World, cohorts_2025: dict[str, Cohort]
) -> None:
    record = _record(_start(world.lea, cohorts_2025["targeted"]), "consolidation")
    for number, relates in enumerate((True, False)):
        part_row_add(
            rows=PROBLEM_AREAS,
            actor=world.lea_lead, record=record, version=version_token(_fresh(record)),
            description=f"Problem {number}", quantification="41% against 57%",
            relates_to_identification=relates,
        )  # fmt: skip

    assert problem_areas.check(record=_fresh(record)) == [
        problem_areas.TOO_FEW_RELATE.format(count=2)
    ]


def test_the_alternative_reports_have_the_2025_choices_and_condition(
    world: World, cohorts_2025: dict[str, Cohort]
) -> None:
    record = _record(_start(world.lea, cohorts_2025["targeted"]), "data_drill_down")
    specs = activity_form(record=record).answer_fields
    form = AnswersForm(specs=specs)
    assert form.fields["alt_reports_submitted_to"].choices == [  # type: ignore[attr-defined]
        ("", "Choose…"),
        ("SELPA_cc_CDE", "The SELPA, with a copy to CDE"),
        ("CDE", "CDE"),
    ]
    assert "Only if the LEA generated the reports otherwise." in (
        form.fields["alt_reports_submission_date"].help_text
    )
    asked = "Box 10, Reports submitted to: not answered yet."

    def checklist(**answers: str) -> list[str]:
        fresh = _fresh(record)
        step_services.record_save_answers(
            actor=world.lea_lead, record=fresh, expected_version=fresh.version, answers=answers
        )
        return record_checklist(record=_fresh(record))

    # 2024 asked for them whenever the IDC tool was not used; 2025 only once the LEA says
    # it generated the reports otherwise.
    assert asked not in checklist(idc_tool_used="no", alt_reports_generated="no")
    assert asked in checklist(alt_reports_generated="yes")


def test_step_4_follows_the_2025_activity_and_its_written_parts(
    world: World, cohorts_2025: dict[str, Cohort]
) -> None:
    engagement = _start(world.lea, cohorts_2025["targeted"], level=3)
    monitoring = access.monitoring_record_for_engagement(engagement)
    assert monitoring is not None
    assert monitoring.definition.key == "progress_monitoring"

    approve_plan(world, engagement, on=date(2026, 1, 20))
    reports = list(reports_access.progress_reports_for_engagement(engagement))
    first = reports[0]
    assert (first.period.number, first.due_on) == (1, date(2026, 7, 30))

    page = progress.progress_report_page(report=first)
    assert page.narratives == {
        "plan_changes": "Changes to the plan",
        "ta_provider_work": "Work with the technical assistance provider",
    }
    form = ReportForm(rows=page.activities, narratives=page.asked)
    assert "ta_provider_work" in form.fields
    assert "barriers" not in form.fields
    report_services.progress_report_save(
        actor=world.lea_lead, report=first, version=version_token(first), activities={},
        barriers="Not asked in 2025.", plan_changes="None.", ta_provider_work="Coaching.",
    )  # fmt: skip
    first.refresh_from_db()
    assert (first.barriers, first.plan_changes, first.ta_provider_work) == (
        "", "None.", "Coaching.",
    )  # fmt: skip


def test_the_calendar_and_the_status_show_the_2025_due_dates(
    world: World, cohorts_2025: dict[str, Cohort]
) -> None:
    engagement = _start(world.lea, cohorts_2025["targeted"], level=3)
    assert _record(engagement, "data_drill_down").due_date == date(2025, 8, 15)

    due = {
        d.key: d.due for d in engagement_deadlines(engagement=engagement, today=date(2025, 6, 1))
    }
    assert due["srr-self-review"] == date(2025, 7, 31)
    assert [due[f"step-{n}"] for n in (1, 2, 3)] == [
        date(2025, 8, 15), date(2025, 11, 14), date(2026, 1, 16),
    ]  # fmt: skip
    first_period = engagement.cohort.reporting_periods.get(number=1)
    assert due[f"progress-report-{first_period.pk}"] == date(2026, 7, 30)
    feed = deadlines_ics(
        engagement=engagement, deadlines=engagement_deadlines(engagement=engagement)
    ).decode()
    assert "DTSTART;VALUE=DATE:20250815" in feed
    rows = status_rows(engagements=Engagement.objects.filter(pk=engagement.pk), year=2025)
    by_activity = {row.activity: row for row in rows}
    assert by_activity["data_drill_down"].due_date == "2025-08-15"
    assert by_activity["root_cause_analysis"].due_date == "2025-11-14"
    assert "progress_monitoring" in by_activity


def test_a_report_goes_to_the_consultant_of_the_year_it_belongs_to(
    world: World, cohorts: dict[str, Cohort], cohorts_2025: dict[str, Cohort]
) -> None:
    """The LEA is in CIM in 2024 and again in 2025, with another consultant each year:
    each report goes to the consultant assigned for its own cohort's year."""
    consultant_2024 = world.cde_consultant
    consultant_2025 = factories.member(world.cde, Role.CDE_CONSULTANT, full_name="Riley Second")
    submitted = {}
    for year, cohort, consultant in (
        (2024, cohorts["targeted"], consultant_2024),
        (2025, cohorts_2025["targeted"], consultant_2025),
    ):
        engagement = _start(world.lea, cohort, level=3)
        step_services.consultant_assign(
            actor=world.cde_admin, consultant=consultant, year=cohort.year, leas=[world.lea]
        )
        make_ready(engagement, 3, actor=world.lea_lead)
        plan = step_services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=3, confirmation_name="Casey Lead"
        )
        # On January 20, 2026 both cohorts have a reporting period under way.
        day = date(2026, 1, 20)
        with clock_at(day):
            step_services.submission_decide(
                actor=consultant, submission=plan.submission, version_number=plan.number,
                decision="approved",
            )  # fmt: skip
            report = (
                reports_access.progress_reports_for_engagement(engagement)
                .filter(period__starts_on__lte=day)
                .first()
            )
            assert report is not None
            version = report_services.progress_report_submit(
                actor=world.lea_lead,
                report=fill_report(world, report),
                confirmation_name="Casey Lead",
            )
        submitted[year] = version.submission
        assert set(access.reviewers_for(engagement, "CDE")) == {consultant}

    assert set(access.review_queue_for(consultant_2024).filter(step=4)) == {submitted[2024]}
    assert set(access.review_queue_for(consultant_2025).filter(step=4)) == {submitted[2025]}
