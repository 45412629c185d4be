"""Into the thread (issue 15): a Data Drill Down breakdown cited by a problem area, with
its numbers suppressed as they leave the team, on the problem area, the trace view, the
submission snapshot the reviewer reads, and the PDF; and the tables' charts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lea.models import AuditEvent, User
from reports.pdf import version_context
from steps.merge import version_token
from steps.models import (
    ActivityRecord,
    DrillDown,
    DrillDownCitation,
    Engagement,
    ProblemArea,
    Submission,
    SubmissionVersion,
)
from steps.parts import plan
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.root_causes import ROOT_CAUSES
from steps.services.drilldown import (
    CITED_TWICE,
    NO_SUCH_BREAKDOWN,
    drilldown_cite,
    drilldown_upload,
)
from steps.services.part_rows import part_row_add
from steps.snapshot import activity_snapshot
from tests.conftest import World, signed_in
from tests.steps.drilldown_files import many, rows_csv
from tests.steps.isolation_problem_areas import engagement_of, foreign_area

pytestmark = pytest.mark.django_db

SUSPENSION = "Suspended or expelled more than 10 days (Indicator 4A)"


@pytest.fixture
def engagement(world: World) -> Engagement:
    return engagement_of(world.lea)


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def _rows(engagement: Engagement, key: str) -> dict[str, Any]:
    record = _record(engagement, key)
    return {"record": record, "version": version_token(record)}


@pytest.fixture
def drill_down(world: World, engagement: Engagement) -> DrillDown:
    """40 Hispanic or Latino students (12 suspended over 10 days), 25 white (2), and 3
    Asian (1): the 3 are hidden, and the 25 with them (the next smallest group)."""
    students = (
        many(12, race_ethnicity="hispanic_latino", days_suspended=11)
        + many(28, race_ethnicity="hispanic_latino")
        + many(2, race_ethnicity="white", days_suspended=15)
        + many(23, race_ethnicity="white")
        + many(1, race_ethnicity="asian", days_suspended=12)
        + many(2, race_ethnicity="asian")
    )
    file = ContentFile(rows_csv(students), name="extract.csv")
    return drilldown_upload(actor=world.lea_lead, engagement=engagement, file=file)


@pytest.fixture
def area(world: World, engagement: Engagement) -> ProblemArea:
    return part_row_add(
        rows=PROBLEM_AREAS,
        actor=world.lea_lead, description="Suspensions of Hispanic or Latino students",
        quantification="30% suspended over 10 days", relates_to_identification=True,
        **_rows(engagement, "consolidation"),
    )  # fmt: skip


def _cite(client: Client, engagement: Engagement, **fields: object):
    return client.post(reverse("drilldown_cite", args=[engagement.pk]), fields)


def _fields(drill_down: DrillDown, area: ProblemArea, group: str = "") -> dict[str, object]:
    return {
        "drill_down": drill_down.pk, "measure": "suspended_over_10",
        "dimension": "race_ethnicity", "group": group, "problem_area": area.pk,
    }  # fmt: skip


EXPECTED_LINES = [
    f"{SUSPENSION}, by race/ethnicity (Data Drill Down uploaded",
    "Hispanic or Latino: 12 of 40 (30.0%)",
    "White: n<11",
    "Asian: n<11",
    "All students: 15 of 68 (22.1%); statewide target at most 0.6%.",
]


def test_the_team_cites_a_breakdown_in_one_action_and_it_is_versioned_and_audited(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    client = signed_in(world.lea_member)
    page = client.get(reverse("drilldown_detail", args=[engagement.pk])).content.decode()
    assert 'name="problem_area"' in page
    assert "Suspensions of Hispanic or Latino students" in page
    version = _record(engagement, "consolidation").version

    response = _cite(client, engagement, **_fields(drill_down, area))

    assert response.status_code == 302
    assert response["Location"].endswith("#cite-suspended_over_10-race_ethnicity")
    citation = DrillDownCitation.objects.get()
    assert (citation.problem_area, citation.drill_down, citation.group) == (area, drill_down, "")
    assert _record(engagement, "consolidation").version == version + 1
    event = AuditEvent.objects.filter(verb="problem_areas.cite").get()
    assert event.changes["cites"] == [None, f"{SUSPENSION}, by race/ethnicity"]
    followed = client.get(response["Location"]).content.decode()
    assert "now cites" in unescape(followed)


def test_the_problem_area_shows_the_cited_numbers_suppressed(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    drilldown_cite(
        actor=world.lea_lead, problem_area=area, drill_down=drill_down,
        measure="suspended_over_10", dimension="race_ethnicity",
    )  # fmt: skip
    url = reverse("activity_detail", args=[engagement.pk, "consolidation"])
    text = unescape(signed_in(world.lea_lead).get(url).content.decode())

    assert f"{SUSPENSION}, by race/ethnicity" in text
    assert "Hispanic or Latino 12 of 40 (30.0%)" in text
    assert "White n<11" in text
    assert "Asian n<11" in text
    assert "of 25" not in text
    assert "of 3 " not in text


def test_one_row_can_be_cited_and_a_citation_removed(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    client = signed_in(world.lea_lead)
    _cite(client, engagement, **_fields(drill_down, area, group="asian"))
    citation = DrillDownCitation.objects.get()
    snapshot = activity_snapshot(record=_record(engagement, "consolidation"))
    [entry] = [e for e in snapshot["entries"] if e["anchor"] == f"problem_areas:{area.pk}"]
    assert f"{SUSPENSION}, by race/ethnicity: Asian" in entry["text"]
    assert "Asian: n<11" in entry["text"]
    assert "Hispanic or Latino: 12" not in entry["text"]

    remove = reverse("drilldown_citation_remove", args=[engagement.pk, citation.pk])
    response = client.post(remove)

    assert response.status_code == 302
    assert not DrillDownCitation.objects.exists()
    assert AuditEvent.objects.filter(verb="problem_areas.uncite").count() == 1


def test_it_refuses_what_is_not_a_breakdown_a_second_citation_and_the_other_lea(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    client = signed_in(world.lea_lead)
    for wrong in ({"measure": "nothing"}, {"dimension": "all"}, {"group": "martian"}):
        response = _cite(client, engagement, **{**_fields(drill_down, area), **wrong})
        assert NO_SUCH_BREAKDOWN in unescape(client.get(response["Location"]).content.decode())
    _cite(client, engagement, **_fields(drill_down, area))
    response = _cite(client, engagement, **_fields(drill_down, area))
    assert CITED_TWICE.format(area=area) in unescape(
        client.get(response["Location"]).content.decode()
    )
    assert DrillDownCitation.objects.count() == 1

    # Another LEA's problem area is not found from this engagement's page.
    other = foreign_area(world)
    assert _cite(client, engagement, **_fields(drill_down, other)).status_code == 404
    with pytest.raises(ValidationError):
        drilldown_cite(
            actor=world.lea_lead, problem_area=other, drill_down=drill_down,
            measure="suspended_over_10", dimension="race_ethnicity",
        )  # fmt: skip
    # A reviewer reads, and does not cite.
    assert _cite(
        signed_in(world.selpa_reviewer), engagement, **_fields(drill_down, area)
    ).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        drilldown_cite(
            actor=world.selpa_reviewer, problem_area=area, drill_down=drill_down,
            measure="suspended_over_10", dimension="race_ethnicity",
        )  # fmt: skip
    assert DrillDownCitation.objects.count() == 1


def plan_thread(actor: User, engagement: Engagement, area: ProblemArea) -> None:
    """Root cause, problem of practice, strategy and outcome, down from the area."""
    cause = part_row_add(
        rows=ROOT_CAUSES,
        actor=actor, statement="Discipline without supports", problem_areas=[area],
        **_rows(engagement, "root_cause_analysis"),
    )  # fmt: skip
    key = "plan_for_improvement"
    problem = part_row_add(
        rows=plan.PROBLEMS,
        actor=actor,
        statement="Sites suspend first",
        root_causes=[cause],
        **_rows(engagement, key),
    )
    strategy = part_row_add(
        rows=plan.STRATEGIES,
        actor=actor, title="Restorative practices", description="",
        problems_of_practice=[problem], **_rows(engagement, key),
    )  # fmt: skip
    part_row_add(
        rows=plan.OUTCOMES,
        actor=actor, strategy=strategy, measure="Suspended over 10 days",
        baseline_value=Decimal(30), baseline_date=date(2024, 10, 1),
        target_value=Decimal(10), target_date=date(2026, 6, 1),
        data_source="CALPADS", monitoring_frequency="Quarterly", **_rows(engagement, key),
    )  # fmt: skip


def test_the_trace_view_shows_the_cited_numbers(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    drilldown_cite(
        actor=world.lea_lead, problem_area=area, drill_down=drill_down,
        measure="suspended_over_10", dimension="race_ethnicity",
    )  # fmt: skip
    plan_thread(world.lea_lead, engagement, area)
    url = reverse("plan_trace", args=[engagement.pk, "plan_for_improvement"])

    text = unescape(signed_in(world.lea_member).get(url).content.decode())

    assert "From the Data Drill Down (uploaded" in text
    assert "Hispanic or Latino 12 of 40 (30.0%)" in text
    assert "Asian n<11; White n<11" in text


def _version(world: World, engagement: Engagement, *keys: str) -> SubmissionVersion:
    """A submitted version carrying these activities' snapshots, as a submission freezes
    them (the submit path itself is tested in test_submission_services.py)."""
    submission = Submission.objects.create(engagement=engagement, step=1, routed_to="CDE")
    Submission.objects.filter(pk=submission.pk).update(state="submitted", current_version=1)
    snapshot = {"activities": [activity_snapshot(record=_record(engagement, k)) for k in keys]}
    return SubmissionVersion.objects.create(
        submission=submission, number=1, snapshot=snapshot, confirmation_name="Casey Lead",
        submitted_by=world.lea_lead, submitted_at=timezone.now(), routed_to="CDE",
    )  # fmt: skip


def test_the_reviewer_reads_the_citation_and_the_tables_suppressed(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    drilldown_cite(
        actor=world.lea_lead, problem_area=area, drill_down=drill_down,
        measure="suspended_over_10", dimension="race_ethnicity",
    )  # fmt: skip
    version = _version(world, engagement, "data_drill_down", "consolidation")
    url = reverse("submission_detail", args=[version.submission_id])

    text = unescape(signed_in(world.cde_admin).get(url).content.decode())

    for line in EXPECTED_LINES:
        assert line in text
    assert "Box 10 · Data Drill Down: " + SUSPENSION in text
    assert "From a file of 68 students uploaded" in text
    # No count of a hidden group anywhere the reviewer reads.
    assert "of 25" not in text
    assert "of 3 " not in text
    assert "1 of 3" not in text


def test_the_pdf_draws_a_chart_of_each_breakdown_with_the_target_and_the_citation(
    world: World, engagement: Engagement, drill_down: DrillDown, area: ProblemArea
) -> None:
    drilldown_cite(
        actor=world.lea_lead, problem_area=area, drill_down=drill_down,
        measure="suspended_over_10", dimension="race_ethnicity",
    )  # fmt: skip
    version = _version(world, engagement, "data_drill_down", "consolidation")

    context = version_context(version)

    [drill] = [a for a in context["activities"] if a["key"] == "data_drill_down"]
    [suspension] = [e for e in drill["entries"] if e["anchor"] == "drilldown:suspended_over_10"]
    # One chart per breakdown: race/ethnicity, disability, English learner,
    # socioeconomically disadvantaged, gender, school site and placement.
    assert len(suspension["charts"]) == 7
    race = suspension["charts"][0]
    assert race["chart_caption"] == f"{SUSPENSION}: by race/ethnicity"
    assert "Statewide target at most 0.6%" in race["chart_alt"]
    assert "White: n<11" in race["chart_alt"]
    svg = context["images"][race["chart"]].decode()
    assert "stroke-dasharray" in svg
    assert "Statewide target at most 0.6%" in svg
    [consolidation] = [a for a in context["activities"] if a["key"] == "consolidation"]
    assert any("Hispanic or Latino: 12 of 40" in e["text"] for e in consolidation["entries"])


def test_the_page_draws_a_chart_above_each_table(
    world: World, engagement: Engagement, drill_down: DrillDown
) -> None:
    text = signed_in(world.lea_lead).get(reverse("drilldown_detail", args=[engagement.pk]))
    page = unescape(text.content.decode())

    assert page.count('class="drilldown-chart"') == page.count("(the numbers of the chart above)")
    assert page.count('class="drilldown-chart"') == 46  # 7 measures, 6 or 7 breakdowns each
    assert '<title id="chart-suspended_over_10-race_ethnicity-title">' in page
    assert "Statewide target at most 0.6%" in page
