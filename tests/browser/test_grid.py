"""The CDE administrator's status grid and review queue in Chromium, checked by axe: the
grid filters from the keyboard, and a change the LEA commits shows on the next view of a
page already built (and cached)."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from steps import services
from steps.models import Engagement
from tests.browser.conftest import log_in, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    return start(browser_world.lea, load_2024()["targeted"], level=2)


def test_it_shows_the_state_and_a_change_committed_since(
    page: Any, browser_world: World, engagement: Engagement
) -> None:
    log_in(page, browser_world.cde_admin.email)
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
