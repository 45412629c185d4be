"""Submitted Step 4 progress reports in the review queue, with their due date and a Step 4
filter, and their outcome charts on the reviewer's page of the submission."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lea.models import User
from reports.models import ProgressReport
from reports.services import progress as services_progress
from steps.models import Submission
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.reports.progress_world import fill_report, in_step_four

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(world: World) -> ProgressReport:
    engagement = in_step_four(world, load_2024()["targeted"], level=2)  # SELPA reviews
    report = fill_report(world, ProgressReport.objects.get(engagement=engagement, period__number=1))
    services_progress.progress_report_submit(
        actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
    )
    return ProgressReport.objects.select_related("submission").get(pk=report.pk)


def _get(user: User, url: str, **params: str | int) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_a_submitted_progress_report_with_its_due_date(
    world: World, report: ProgressReport
) -> None:
    page = _get(world.selpa_reviewer, reverse("review_queue"))
    assert report.title in page
    assert f'<time datetime="{report.due_on.isoformat()}">' in page


def test_it_filters_the_queue_to_step_4(world: World, report: ProgressReport) -> None:
    assert report.title in _get(world.selpa_reviewer, reverse("review_queue"), step=4)
    assert report.title not in _get(world.selpa_reviewer, reverse("review_queue"), step=1)
    # Step 4 is one of the choices the reviewer sees.
    assert '<option value="4" selected>Step 4: progress reports</option>' in _get(
        world.selpa_reviewer, reverse("review_queue"), step=4
    )


def test_it_shows_the_outcome_charts_to_the_reviewer(world: World, report: ProgressReport) -> None:
    submission: Submission = report.submission  # type: ignore[assignment]
    page = _get(world.selpa_reviewer, reverse("submission_detail", args=[submission.pk]))
    assert "Outcome charts" in page
    assert page.count('class="outcome-chart" role="img"') == 1


def test_it_checks_scope(world: World, report: ProgressReport) -> None:
    submission: Submission = report.submission  # type: ignore[assignment]
    client = Client()
    client.force_login(world.outsider)
    response = client.get(reverse("submission_detail", args=[submission.pk]))
    assert response.status_code == 404
    assert report.title not in _get(world.foreign_selpa_reviewer, reverse("review_queue"), step=4)
