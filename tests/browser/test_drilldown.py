"""The Data Drill Down in Chromium (issue 15): the LEA lead uploads the extract, reads a
breakdown (its chart and the table of its numbers), cites it in a problem area, and
finds the cited numbers, suppressed, on the trace view; axe passes on every page."""

from typing import Any

import pytest
from playwright.sync_api import expect

from lea.models import User
from steps.merge import version_token
from steps.models import ActivityRecord, DrillDownCitation, Engagement
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.services.part_rows import part_row_add
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.drilldown_files import many, rows_csv
from tests.steps.engagements import start
from tests.steps.test_drilldown_cite import plan_thread

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EXTRACT = rows_csv(
    many(12, race_ethnicity="hispanic_latino", days_suspended=11)
    + many(28, race_ethnicity="hispanic_latino")
    + many(25, race_ethnicity="white")
    + many(3, race_ethnicity="asian")
)
AREA = "Long suspensions of Hispanic or Latino students"


def _thread(actor: User, engagement: Engagement) -> None:
    """A problem area with its root cause, problem of practice, strategy and outcome."""
    record = ActivityRecord.objects.get(engagement=engagement, definition__key="consolidation")
    area = part_row_add(
        rows=PROBLEM_AREAS,
        actor=actor, description=AREA, quantification="30% against 0.6% statewide",
        relates_to_identification=True, record=record, version=version_token(record),
    )  # fmt: skip
    plan_thread(actor, engagement, area)


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    engagement = start(browser_world.lea, load_2024()["targeted"], level=3, unmet=("4A",))
    _thread(browser_world.lea_lead, engagement)
    return engagement


def test_it_uploads_reads_a_breakdown_cites_it_and_finds_it_on_the_trace(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    # The tables page draws 46 charts and tables; on the shared machine under load, its
    # pages (and the live server's first) take longer than the 10 s the others are given.
    page.set_default_timeout(60_000)
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/activities/data_drill_down/")
    page.get_by_role("link", name="Upload the student-level extract").click()
    expect(page.get_by_role("heading", name="Data Drill Down tables")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Student-level extract (CSV or Excel .xlsx)").set_input_files(
        {"name": "extract.csv", "mimeType": "text/csv", "buffer": EXTRACT}
    )
    page.get_by_role("button", name="Read the file").click()
    expect(page.get_by_text("The file was read and its tables are below.")).to_be_visible()
    breakdown = page.locator("#cite-suspended_over_10-race_ethnicity")
    # The chart, and under it the table of its numbers: exact for the team.
    expect(breakdown.get_by_role("img", name="by race/ethnicity")).to_be_visible()
    hispanic = breakdown.get_by_role("row", name="Hispanic or Latino")
    expect(hispanic).to_contain_text("12")
    expect(hispanic).to_contain_text("30.0%")
    expect(breakdown.get_by_role("row", name="Asian")).to_contain_text("3")
    assert serious_accessibility_violations(page) == []

    breakdown.get_by_label("What to cite").select_option(label="The whole table")
    breakdown.get_by_label("In problem area").select_option(label=AREA)
    breakdown.get_by_role("button", name="Cite").click()
    expect(page.get_by_text(f"Problem area “{AREA}” now cites")).to_be_visible()
    assert DrillDownCitation.objects.count() == 1
    assert serious_accessibility_violations(page) == []

    page.goto(f"/engagements/{engagement.pk}/activities/plan_for_improvement/plan/trace/")
    expect(page.get_by_role("heading", name="From each outcome back to the data")).to_be_visible()
    cited = page.get_by_text("From the Data Drill Down (uploaded")
    expect(cited).to_contain_text("Hispanic or Latino 12 of 40 (30.0%)")
    # What leaves the team is suppressed: the 3 Asian students, and the next smallest.
    expect(cited).to_contain_text("Asian n<11; White n<11")
    assert serious_accessibility_violations(page) == []
