"""The Step 4 pages in Chromium, checked by axe-core: the list of reports and meetings, a
report with its chart, a measured value that is not a number, and the submit page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from reports.models import ProgressReport
from reports.services import progress as services
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.reports.progress_world import fill_report, in_step_four

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_step_4_pages_are_accessible(sign_in: SignIn, page: Any, browser_world: World) -> None:
    world = browser_world
    engagement = in_step_four(world, load_2024()["intensive"], level=2)
    report = fill_report(world, ProgressReport.objects.get(engagement=engagement, period__number=2))
    sign_in(page, world.lea_lead)

    page.goto(f"/engagements/{engagement.pk}/progress-reports/")
    expect(page.get_by_role("heading", name="Step 4: Monitoring implementation")).to_be_visible()
    page.get_by_text("Record a meeting").click()
    page.get_by_label("Date").fill("2025-04-08")
    page.get_by_label("Attendees").fill("Casey Lead\nSam Member")
    page.get_by_role("button", name="Record meeting").click()
    expect(page.get_by_text("Meeting of April 8, 2025 recorded.")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.goto(f"/engagements/{engagement.pk}/progress-reports/{report.pk}/")
    expect(page.get_by_role("img", name="Outcome: Students with IEPs")).to_be_visible()
    page.get_by_text("Add a measured value").first.click()
    page.get_by_label("Measured value").fill("about 44%")
    page.get_by_label("Measured on").fill("2025-05-02")
    page.get_by_role("button", name="Add measured value").first.click()
    expect(page.get_by_text(services.NOT_A_NUMBER)).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.goto(f"/engagements/{engagement.pk}/progress-reports/{report.pk}/submit/")
    expect(page.get_by_label("Type your full name to confirm")).to_be_visible()
    assert serious_accessibility_violations(page) == []
