"""The LEA lead of a Targeted Level 3 LEA does the work of Steps 1-3 with the keyboard
only, and every form page passes axe: empty, filled and with errors."""

from typing import Any

import pytest
from playwright.sync_api import expect

from steps.merge import version_token
from steps.models import ActivityRecord, Engagement
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.root_causes import ROOT_CAUSES
from steps.services.part_rows import part_row_add
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    return start(browser_world.lea, load_2024()["targeted"], level=3, unmet=("4A", "8"))


def _type(page: Any, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).focus()
    page.keyboard.type(text)


def _press(page: Any, name: str) -> None:
    page.get_by_role("button", name=name).focus()
    page.keyboard.press("Enter")


def _open(page: Any, engagement: Engagement, key: str) -> None:
    page.goto(f"/engagements/{engagement.pk}/")
    link = page.locator(f'a[href="/engagements/{engagement.pk}/activities/{key}/"]')
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/activities/{key}/")


def test_it_fills_a_step_1_activity_with_the_keyboard(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/")
    expect(page.get_by_role("heading", name="Step 1: Gather and inquire")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    _open(page, engagement, "parent_input")
    assert serious_accessibility_violations(page) == []
    _type(page, "Target group", "Parents of students with IEPs in grades K-5")
    _type(page, "Trends", "Participation rose from 12% to 31%")
    # Autosave: the status line reports the new version without a page load.
    page.get_by_text("Version 2").wait_for(timeout=10_000)
    _press(page, "Save draft")
    page.get_by_text("Draft saved.").wait_for()
    assert serious_accessibility_violations(page) == []

    record = ActivityRecord.objects.get(engagement=engagement, definition__key="parent_input")
    assert record.responses["target_group"] == "Parents of students with IEPs in grades K-5"
    assert record.status == ActivityRecord.Status.IN_PROGRESS

    page.get_by_role("link", name="Check now").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Still to do before submitting").wait_for()
    assert serious_accessibility_violations(page) == []

    # The team of Step 1: an empty member is refused beside its fields, then added.
    _open(page, engagement, "team_creation")
    _press(page, "Add member")
    page.locator(".invalid-feedback").first.wait_for()
    assert serious_accessibility_violations(page) == []
    page.locator("#id_member-name").focus()
    page.keyboard.type("Dr. Rosa Vega")
    page.locator("#id_member-role").focus()
    page.keyboard.press("ArrowDown")  # the first role: superintendent or designee
    _press(page, "Add member")
    page.get_by_text("Dr. Rosa Vega").first.wait_for()
    assert serious_accessibility_violations(page) == []


def test_it_warns_before_leaving_unsaved_changes(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.lea_member)
    _open(page, engagement, "student_record_review")
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    _type(
        page,
        "Areas of concern suggested by those findings",
        "Transition goals missing in 4 of 10 records",
    )
    page.get_by_role("link", name=browser_world.lea.name, exact=False).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/activities/student_record_review/")


def _problem_area(engagement: Engagement, lead: Any) -> None:

    record = ActivityRecord.objects.get(engagement=engagement, definition__key="consolidation")
    part_row_add(
        rows=PROBLEM_AREAS,
        actor=lead,
        record=record,
        version=version_token(record),
        description="Students with IEPs are in general education less than peers",
        quantification="41% in regular class 80%+ of the day against a state target of 58%",
        relates_to_identification=True,
    )


def test_it_writes_a_root_cause_with_the_keyboard(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    _problem_area(engagement, browser_world.lea_lead)
    sign_in(page, browser_world.lea_lead)
    _open(page, engagement, "root_cause_analysis")
    assert serious_accessibility_violations(page) == []

    _press(page, "Add root cause")  # empty: the errors show beside the fields
    page.locator(".invalid-feedback").first.wait_for()
    assert serious_accessibility_violations(page) == []

    _type(page, "Root cause", "Master schedules place co-taught sections last")
    page.get_by_label("Students with IEPs are in general education less than peers").focus()
    page.keyboard.press("Space")
    _type(page, "Quantitative supporting data", "3 of 14 sites offer co-taught ELA")
    _press(page, "Add root cause")
    page.get_by_text("Master schedules place co-taught sections last").first.wait_for()
    assert serious_accessibility_violations(page) == []
    assert engagement.rootcause_set.get().problem_areas.count() == 1


def test_it_writes_the_plan_with_the_keyboard(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:

    lead = browser_world.lea_lead
    _problem_area(engagement, lead)
    record = ActivityRecord.objects.get(
        engagement=engagement, definition__key="root_cause_analysis"
    )
    part_row_add(
        rows=ROOT_CAUSES,
        actor=lead,
        record=record,
        version=version_token(record),
        statement="Master schedules place co-taught sections last",
        problem_areas=engagement.problemarea_set.all(),
        quantitative_support="3 of 14 sites offer co-taught ELA",
    )
    sign_in(page, lead)
    _open(page, engagement, "plan_for_improvement")
    assert serious_accessibility_violations(page) == []

    page.locator("summary", has_text="Add a problem of practice").focus()
    page.keyboard.press("Enter")
    _press(page, "Add problem of practice")  # empty: errors beside the fields
    page.locator(".invalid-feedback").first.wait_for()
    assert serious_accessibility_violations(page) == []

    _type(page, "Problem of practice", "Site leaders build schedules before IEP services")
    page.get_by_label("Master schedules place co-taught sections last").focus()
    page.keyboard.press("Space")
    _press(page, "Add problem of practice")
    page.get_by_text("Site leaders build schedules before IEP services").first.wait_for()
    assert serious_accessibility_violations(page) == []
    assert engagement.problemofpractice_set.get().root_causes.count() == 1
