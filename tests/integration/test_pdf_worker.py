"""End to end through a real worker: a reviewer asks for the PDF of a submitted progress
report on its page, the worker (on Redis in CI) renders it, and the downloaded file's
text holds the report's measurable outcomes, their values and their charts' captions."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from reports.access import progress_reports_for_engagement
from reports.charts import amount
from reports.models import RenderedPdf
from reports.progress import charts_in_snapshot
from reports.services import progress as services_progress
from steps.models import Outcome, SubmissionVersion
from tests.cim.catalog import load_2024
from tests.conftest import build_world
from tests.integration.conftest import Worker
from tests.reports.progress_world import fill_report, in_step_four

# serialized_rollback: see tests/browser/test_pages.py.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _wait_until_rendered(worker: Worker, version: SubmissionVersion, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rendered = RenderedPdf.objects.filter(version=version).defer("content").first()
        if rendered is not None and rendered.status in ("done", "failed"):
            assert rendered.status == "done", rendered.error
            return
        if worker.process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"The worker rendered no PDF in {timeout}s. Its log:\n{worker.log.read_text()}")


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_it_renders_a_progress_report_through_the_worker(celery_worker: Worker) -> None:
    world = build_world()
    engagement = in_step_four(world, load_2024()["targeted"], level=3)
    report = fill_report(world, progress_reports_for_engagement(engagement)[0])
    version = services_progress.progress_report_submit(
        actor=world.lea_lead, report=report, confirmation_name="Casey Lead"
    )
    args = [version.submission_id, version.number]
    consultant = Client()
    consultant.force_login(world.cde_consultant)

    response = consultant.post(reverse("pdf_request", args=args))

    assert response.status_code == 302
    _wait_until_rendered(celery_worker, version)
    state = consultant.get(reverse("pdf_status", args=args), headers={"HX-Request": "true"})
    assert reverse("pdf_download", args=args) in state.content.decode()
    download = consultant.get(reverse("pdf_download", args=args))
    assert download["Content-Type"] == "application/pdf"
    text = _text(download.content)
    assert world.lea.name in text
    assert report.title in text
    outcomes = list(Outcome.objects.filter(strategy__engagement=engagement))
    assert outcomes, "the plan has no measurable outcome"
    for outcome in outcomes:
        assert outcome.measure in text
        assert f"Baseline: {amount(outcome.baseline_value)}" in text
        assert f"Target: {amount(outcome.target_value)}" in text
    assert "43.5 on" in text  # the value measured this period
    for chart in charts_in_snapshot(version.snapshot):
        assert f"{chart.label}: the plan's path" in text
