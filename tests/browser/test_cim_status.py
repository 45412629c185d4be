"""The CIM status page in Chromium at 1280 px: filtered, sorted, on page 2, reloaded from
its address with the same rows; axe finds nothing serious; the page never scrolls
sideways (a wide table scrolls inside its own region)."""

from typing import Any

import pytest
from playwright.sync_api import expect

from steps.models import Engagement
from steps.views import queues as views
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def engagements(browser_world: World) -> list[Engagement]:
    cohorts = load_2024()
    return [
        start(browser_world.lea, cohorts["targeted"], level=2),
        start(browser_world.lea2, cohorts["intensive"], level=2),
        start(browser_world.foreign_lea, cohorts["targeted"], level=3),
    ]


def _rows(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("tbody tr").all_inner_texts()]


def test_it_filters_sorts_pages_and_reloads_the_same_rows(
    sign_in: SignIn,
    page: Any,
    browser_world: World,
    engagements: list[Engagement],
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(views, "STATUS_PAGE_SIZE", 20)  # 34 Targeted activities: two pages
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, browser_world.cde_admin)
    page.goto("/")
    page.get_by_role("link", name="CIM status", exact=True).click()
    expect(page.get_by_role("heading", name="CIM status 2024")).to_be_visible()

    page.get_by_label("Tier").select_option(label="Targeted")
    page.get_by_label("Sort by").select_option(label="Step, then LEA name")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Page 1 of")).to_be_visible()
    assert "tier=targeted" in page.url
    assert "sort=step" in page.url
    first = _rows(page)

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of")).to_be_visible()
    second = _rows(page)
    assert second
    assert second != first
    assert all("Targeted" in row for row in second)
    page.reload()
    assert _rows(page) == second
    expect(page.get_by_label("Tier")).to_have_value("targeted")

    assert serious_accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
