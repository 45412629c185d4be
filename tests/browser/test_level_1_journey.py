"""A Targeted Level 1 LEA without Indicator 8 and without the optional Consolidation
activity, in Chromium: its CIM team lead accepts the invitation, submits Steps 1, 2 and 3,
the SELPA reviewer approves Step 3 and records that the SELPA requires progress reports,
and the lead submits the first report to the SELPA. The lead uses the keyboard only
(focus, Tab, Enter and typing: no click), and every page the lead sees passes axe.

Prefilled with services, because this test is not about them and other tests drive them
in the browser: the ADL load that invites the lead (test_adl_upload.py), the content of
each step's activities (make_ready; test_workspace.py writes it by keyboard), the SELPA's
approvals of Steps 1 and 2 (test_review.py), and the report's content (fill_report;
test_progress.py). The plan's approval is moved back to December 2024 after it is
recorded, so the report periods that open do not depend on today's date."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from reports.models import ProgressReport
from steps import services
from steps.models import ActivityRecord, Engagement, Submission
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.reports.progress_world import fill_report
from tests.steps.adl_files import csv_file, row
from tests.steps.ready import make_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEAD_EMAIL = "morgan.lead@harborpoint.example.org"
LEAD_NAME = "Morgan Reyes"
PASSWORD = "Harbor-Point-2024-cim"


def _invitation_link() -> str:
    [invitation] = [message for message in mail.outbox if message.to == [LEAD_EMAIL]]
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", str(invitation.body))
    assert match, invitation.body
    return match.group(1)


def _enter_on(locator: Any) -> None:
    locator.focus()
    locator.page.keyboard.press("Enter")


def _accessible(page: Any) -> None:
    assert serious_accessibility_violations(page) == []


def _submit_step(page: Any, engagement: Engagement, step: int) -> Submission:
    """From the workspace, by keyboard: the step's submit link, the typed name, Enter."""
    page.goto(f"/engagements/{engagement.pk}/")
    _enter_on(page.get_by_role("link", name=f"Submit Step {step}…"))
    expect(page.get_by_role("heading", name=f"Submit Step {step}")).to_be_visible()
    if step == 1:  # the same page for each step: axe once keeps the test short
        _accessible(page)
    page.get_by_label("Type your full name to confirm").focus()
    page.keyboard.type(LEAD_NAME)
    page.keyboard.press("Enter")
    page.get_by_text("waits for SELPA review").wait_for()
    return Submission.objects.get(engagement=engagement, step=step, activity__isnull=True)


def _add_problem_area_by_keyboard(page: Any, engagement: Engagement) -> None:
    page.goto(f"/engagements/{engagement.pk}/")
    activity = f"/engagements/{engagement.pk}/activities/root_cause_analysis/"
    _enter_on(page.locator(f'a[href="{activity}"]').first)
    expect(page.get_by_text("if the LEA skipped it, add them below")).to_be_visible()
    _accessible(page)
    form = page.locator("#root_causes-add-area")
    form.get_by_label("Problem area", exact=True).focus()
    page.keyboard.type("Students with IEPs spend too little of the day in regular classes")
    form.get_by_label("Quantification", exact=True).focus()
    page.keyboard.type("41% in regular class 80% or more of the day; state target 57%")
    form.get_by_label("Relates to the LEA's identification").focus()
    page.keyboard.press("Space")
    _enter_on(form.get_by_role("button", name="Add problem area"))
    expect(page.get_by_text("added: link it to the root cause it explains")).to_be_visible()
    areas = page.get_by_role("group", name="Problem areas it explains")
    expect(areas.get_by_label(re.compile("too little of the day"))).to_be_visible()
    expect(areas).to_contain_text("or below under “Add a problem area”")
    _accessible(page)


def _log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url("**/login/**")


def test_a_level_1_lea_goes_from_its_invitation_to_a_progress_report_by_keyboard(
    sign_in: SignIn, page: Any, browser_world: World
) -> None:
    world = browser_world
    load_2024()
    result = services.adl_apply(
        actor=None,
        year=2024,
        content=csv_file(
            row(
                "0661066",
                "Harbor Point Unified",
                world.selpa.code,
                world.selpa.name,
                level="1",
                unmet="4A; 5B",
                contact=LEAD_EMAIL,
            ),
        ),
        file_name="adl-2024.csv",
    )
    assert result.errors == []
    engagement = Engagement.objects.get(lea__code="0661066")
    consolidation = engagement.records.get(definition__key="consolidation")
    parent_input = engagement.records.get(definition__key="parent_input")
    assert (consolidation.requirement, parent_input.requirement) == ("optional", "not_applicable")

    # The invitation: a name and a password, typed; Tab between the fields, Enter to send.
    page.goto(_invitation_link())
    expect(page.get_by_role("heading", name="Join Harbor Point Unified")).to_be_visible()
    _accessible(page)
    page.get_by_label("Your full name").focus()
    page.keyboard.type(LEAD_NAME)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Welcome to Harbor Point Unified on CIM Portal.")).to_be_visible()
    _accessible(page)
    lead = engagement.lea.memberships.get(role="lea_lead").user

    # Steps 1-3, each filled by services and submitted by the lead in the browser. Before
    # Step 2, the lead writes the problem area that Consolidation would have held where the
    # root causes need it.
    for step in (1, 2, 3):
        if step == 2:
            _add_problem_area_by_keyboard(page, engagement)
        make_ready(engagement, step, actor=lead)
        submission = _submit_step(page, engagement, step)
        if step == 1:
            _accessible(page)
        if step < 3:
            services.submission_decide(
                actor=world.selpa_reviewer, submission=submission,
                version_number=submission.current_version, decision="approved",
            )  # fmt: skip
    plan = submission
    _log_out(page)

    # The SELPA reviewer approves Step 3 and records that the SELPA requires reports.
    sign_in(page, world.selpa_reviewer)
    page.goto(f"/submissions/{plan.pk}/")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("button", name="Approve version 1").click()
    page.get_by_text("Version 1 is approved").wait_for()
    Submission.objects.filter(pk=plan.pk).update(
        state_changed_at=datetime.combine(
            date(2024, 12, 20), time(12), tzinfo=ZoneInfo("America/Los_Angeles")
        )
    )
    page.goto(f"/engagements/{engagement.pk}/")
    fact = page.locator("form", has=page.get_by_text(
        "Does the SELPA require Step 4 progress reports from this LEA?"))  # fmt: skip
    fact.get_by_label("Yes").check()
    fact.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text(f"Your SELPA ({world.selpa.name}) requires progress reports")
    ).to_be_visible()
    _log_out(page)

    # The lead finds the report on the Step 4 page and submits it to the SELPA.
    page.goto("/login/")
    page.get_by_label("Email address").focus()
    page.keyboard.type(LEAD_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Welcome, {LEAD_NAME}")).to_be_visible()
    page.goto(f"/engagements/{engagement.pk}/")
    expect(
        page.get_by_text(f"Your SELPA ({world.selpa.name}) requires progress reports")
    ).to_be_visible()
    _enter_on(page.locator(f'a[href="/engagements/{engagement.pk}/progress-reports/"]').first)
    expect(page.get_by_role("heading", name="Step 4: Monitoring implementation")).to_be_visible()
    _accessible(page)
    report = ProgressReport.objects.filter(engagement=engagement).order_by("period__number").first()
    assert report is not None
    fill_report(world, report, actor=lead)
    page.goto(f"/engagements/{engagement.pk}/progress-reports/{report.pk}/")
    _accessible(page)
    submit = f"/engagements/{engagement.pk}/progress-reports/{report.pk}/submit/"
    _enter_on(page.locator(f'a[href="{submit}"]').first)
    page.get_by_label("Type your full name to confirm").focus()
    page.keyboard.type(LEAD_NAME)
    page.keyboard.press("Enter")
    page.get_by_text("waits for SELPA review").wait_for()
    _accessible(page)

    report.refresh_from_db()
    assert report.submission is not None
    assert (report.submission.state, report.submission.routed_to) == ("submitted", "SELPA")
    assert Submission.objects.get(pk=plan.pk).state == "approved"
    assert ActivityRecord.objects.get(pk=consolidation.pk).status == "not_started"
