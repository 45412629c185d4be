"""The CDE administrator's status grid and review queue in Chromium, checked by axe: the
grid filters from the keyboard, and a change the LEA commits shows on the next view of a
page already built (and cached); the grid filtered by step and status and sorted, and the
queue filtered by tier, region and SELPA, each reloaded from its address at 1280 px."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from steps import services
from steps.models import Engagement
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    return start(browser_world.lea, load_2024()["targeted"], level=2)


def test_it_shows_the_state_and_a_change_committed_since(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.cde_admin)
    page.goto("/")
    page.get_by_role("link", name="Status grid").click()
    expect(page.get_by_role("heading", name="CIM status grid 2024")).to_be_visible()
    riverbend = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile("Riverbend Unified"))
    )
    expect(riverbend).to_contain_text("with the LEA (not submitted)")
    expect(riverbend).not_to_contain_text("In progress")
    assert serious_accessibility_violations(page) == []

    name = page.get_by_label("LEA name contains")
    name.focus()
    page.keyboard.type("river")
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 LEA in CIM")).to_be_visible()
    page.reload()  # the page now comes from the cache

    record = engagement.records.get(definition__key="policies_procedures_review")
    services.record_save_answers(
        actor=browser_world.lea_lead,
        record=record,
        expected_version=record.version,
        answers={"summary": "Board policies reviewed."},
    )
    page.reload()
    expect(riverbend).to_contain_text("In progress")

    page.get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_accessibility_violations(page) == []


def _save_ppr(world: World, engagement: Engagement) -> None:
    record = engagement.records.get(definition__key="policies_procedures_review")
    services.record_save_answers(
        actor=world.lea_lead,
        record=record,
        expected_version=record.version,
        answers={"summary": "Board policies reviewed."},
    )


def _row_heads(page: Any) -> list[str]:
    return [text.split("\n")[0] for text in page.locator("tbody th").all_inner_texts()]


def test_it_filters_the_grid_by_step_and_status_and_sorts_it_from_the_keyboard(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    start(browser_world.foreign_lea, load_2024()["targeted"], level=3)
    _save_ppr(browser_world, engagement)  # Riverbend's PPR (Step 1) is in progress
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, browser_world.cde_admin)
    page.goto("/status/grid/")
    assert _row_heads(page) == ["Harbor View Unified", "Riverbend Unified"]

    page.get_by_label("Step", exact=True).select_option(label="Step 1")
    page.get_by_label("Status", exact=True).select_option(label="In progress")
    page.get_by_label("Sort by").focus()
    page.keyboard.press("Tab")  # from the last filter to the button, and Enter shows
    expect(page.get_by_role("button", name="Show")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 LEA in CIM")).to_be_visible()
    assert "step=1" in page.url
    assert "state=in_progress" in page.url
    assert _row_heads(page) == ["Riverbend Unified"]
    headers = page.locator("thead th").all_inner_texts()
    assert all("Step 1" in header for header in headers[3:])
    page.reload()
    assert _row_heads(page) == ["Riverbend Unified"]
    expect(page.get_by_label("Status", exact=True)).to_have_value("in_progress")

    page.goto("/status/grid/?sort=level")  # Harbor View is Level 3, Riverbend Level 2
    assert _row_heads(page) == ["Harbor View Unified", "Riverbend Unified"]
    page.goto("/status/grid/?sort=region")  # Region 3 before Region 11
    assert _row_heads(page) == ["Riverbend Unified", "Harbor View Unified"]
    expect(page.get_by_label("Sort by")).to_have_value("region")
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_it_filters_the_review_queue_by_tier_region_and_selpa(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    make_ready(engagement, 1, actor=browser_world.lea_lead)
    services.submission_submit(
        actor=browser_world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, browser_world.selpa_reviewer)
    selpa = browser_world.selpa
    page.goto(f"/reviews/?tier=targeted&region=3&selpa={selpa.pk}")
    expect(page.get_by_role("rowheader", name=re.compile("Riverbend Unified"))).to_be_visible()
    expect(page.get_by_label("SELPA")).to_have_value(str(selpa.pk))
    expect(page.get_by_label("Tier")).to_have_value("targeted")
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Region").select_option(label="Region 11")
    page.get_by_label("LEA name contains").press("Enter")
    expect(page.get_by_text("Nothing in your queue matches these filters.")).to_be_visible()
    assert "region=11" in page.url
    page.goto(f"/reviews/?selpa={browser_world.foreign_selpa.pk}")  # not a SELPA they see
    expect(page.get_by_text("Some filters were not understood")).to_be_visible()
    expect(page.get_by_role("rowheader", name=re.compile("Riverbend Unified"))).to_be_visible()
    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
