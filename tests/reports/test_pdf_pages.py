"""What a printed PDF says and how its pages look: dates as the pages print them, one
title, the reviewer by name, box 27 only at Targeted Level 3, and each chart on the page of
its outcome. Every page is also drawn to PNG under var/test-artifacts/pdf/ (git-ignored),
so a person can look at what the test read."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pypdfium2
import pytest
from django.conf import settings
from pypdf import PdfReader

from lea.models import Role, User
from reports.access import progress_reports_for_engagement
from reports.pdf import document_title, render_version_pdf
from reports.progress import charts_in_snapshot
from reports.services import progress as services_progress
from steps import services
from steps.forms import AnswersForm
from steps.models import ActivityRecord, Engagement, SubmissionVersion
from steps.workspace import activity_form
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.lea import factories
from tests.reports.progress_world import fill_report, in_step_four
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "pdf"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _pages(content: bytes) -> list[str]:
    """Each page's text, runs of whitespace made one space, as a person reads it."""
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def _draw(content: bytes, name: str) -> list[Path]:
    """Every page as a PNG at 100 dpi, for a person to look at; returns the files."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(content)
    files = []
    for number, page in enumerate(document, start=1):
        path = ARTIFACTS / f"{name}-page-{number}.png"
        page.render(scale=100 / 72).to_pil().save(path)
        files.append(path)
    document.close()
    return files


def _answer(record: ActivityRecord, actor: User, **posted: str) -> None:
    spec = activity_form(record=record)
    form = AnswersForm(data={"version": str(record.version), **posted}, specs=spec.answer_fields)
    assert form.is_valid(), form.errors
    services.record_save_answers(
        actor=actor, record=record, expected_version=record.version, answers=form.answers()
    )


def _submit_plan(world: World, engagement: Engagement) -> SubmissionVersion:
    make_ready(engagement, 3, actor=world.lea_lead)
    return services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=3, confirmation_name="Casey Lead"
    )


def test_it_prints_the_plan_with_its_title_dates_and_consultant(world: World) -> None:
    engagement = start(world.lea, load_2024()["targeted"], level=3)
    services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant,
        year=engagement.cohort.year, leas=[world.lea],
    )  # fmt: skip
    plan = engagement.records.get(definition__key="plan_for_improvement")
    _answer(plan, world.lea_lead, date_emailed_to_consultant="2024-12-06")
    version = _submit_plan(world, engagement)

    content = render_version_pdf(version)

    _draw(content, "plan-targeted-level-3")
    pages = _pages(content)
    cover, text = pages[0], " ".join(pages)
    assert "Plan for Improvement (CIM Plan)" in cover
    assert "Step 3" not in cover.split("What was submitted")[0]
    assert "Reviewed by Morgan Consultant, CDE" in cover
    metadata = PdfReader(io.BytesIO(content)).metadata
    assert metadata is not None
    assert metadata.title == document_title(version)
    assert document_title(version).startswith("Plan for Improvement (CIM Plan), version 1:")
    # Every later page carries the same title as its running head.
    assert all(document_title(version)[:40] in page for page in pages[1:])
    assert "Box 27" in text
    assert "December 6, 2024" in text
    assert not ISO_DATE.search(text), ISO_DATE.findall(text)


def test_it_leaves_box_27_out_of_a_level_2_plan(world: World) -> None:
    engagement = start(world.lea, load_2024()["targeted"], level=2)
    version = _submit_plan(world, engagement)

    content = render_version_pdf(version)

    _draw(content, "plan-targeted-level-2")
    text = " ".join(_pages(content))
    assert "Plan for Improvement (CIM Plan)" in text
    assert "Strategy 1" in text
    assert "Box 27" not in text
    assert "Plan for Improvement link or date emailed" not in text
    assert "Reviewed by Jordan Reviewer, North Valley SELPA" in text


def test_it_keeps_each_chart_on_the_page_of_its_outcome(world: World) -> None:
    other = replace(
        world,
        lea=world.lea2,
        lea_lead=factories.member(world.lea2, Role.LEA_LEAD, full_name="Lee Lead"),
        lea_member=factories.member(world.lea2, Role.LEA_MEMBER, full_name="Mo Member"),
    )
    engagement = in_step_four(other, load_2024()["intensive"], level=1)
    report = fill_report(other, progress_reports_for_engagement(engagement)[0])
    version = services_progress.progress_report_submit(
        actor=other.lea_lead, report=report, confirmation_name="Lee Lead"
    )
    charts = charts_in_snapshot(version.snapshot)

    content = render_version_pdf(version)

    files = _draw(content, "progress-report")
    pages = _pages(content)
    assert len(files) == len(pages)
    assert all(path.stat().st_size > 0 for path in files)
    for chart in charts:
        caption = f"{chart.label}: the plan's path"
        (page,) = [page for page in pages if caption in page]
        assert chart.outcome.measure in page
        assert f"Baseline: {chart.outcome.baseline_value.normalize():f} on " in page
    assert "Reviewed by" in pages[0]
    assert not ISO_DATE.search(" ".join(pages))
