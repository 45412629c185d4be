"""Each role's home in Chromium, checked by axe: it leads with what waits on the person,
counted in words, and every link there is reachable by keyboard."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from steps import services
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import determination, load_2024
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import make_ready
from tests.steps.test_queues import assign

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Who, and a heading their home shows for the work below.
HOMES = {
    "lea_lead": "activities are still owed, the most overdue first",
    "lea_member": "activities are still owed, the most overdue first",
    "selpa_reviewer": "1 submission waits for your review, the longest waiting first",
    "cde_consultant": "1 LEA in your regions has no consultant",
    "cde_admin": "1 LEA needs a consultant",
}


@pytest.fixture
def waiting(browser_world: World) -> None:
    """Riverbend (Targeted L1): Step 1 submitted to its SELPA, the world's consultant.
    Oak Hollow (Targeted L3): no consultant."""
    cohorts = load_2024()
    riverbend = start(browser_world.lea, cohorts["targeted"], level=1)
    start(browser_world.lea2, cohorts["targeted"], level=3)
    assign(browser_world, browser_world.cde_consultant, browser_world.lea)
    make_ready(riverbend, 1, actor=browser_world.lea_lead)
    services.submission_submit(
        actor=browser_world.lea_lead,
        engagement=riverbend,
        step=1,
        confirmation_name=browser_world.lea_lead.display_name,
    )


@pytest.mark.parametrize("who", sorted(HOMES))
def test_it_leads_each_role_home_with_what_waits(
    sign_in: SignIn, page: Any, browser_world: World, waiting: None, who: str
) -> None:
    sign_in(page, getattr(browser_world, who))
    page.goto("/")
    expect(page.get_by_role("heading", name=re.compile("What waits for you as"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(re.escape(HOMES[who])))).to_be_visible()
    assert serious_accessibility_violations(page) == []
    # The work is reached by keyboard: tabbing from the page's top lands on a home link.
    page.locator("h1").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.home-section') !== null"):
            break
    else:
        pytest.fail("No link of the home's sections was reached by Tab.")


def test_it_tells_a_universal_leas_lead_why_nothing_waits(
    sign_in: SignIn, page: Any, browser_world: World
) -> None:
    load_2024()
    determination(browser_world.lea, tier="universal", level=None, new_to_cim=False)
    sign_in(page, browser_world.lea_lead)
    page.goto("/")
    notice = page.get_by_role("region", name="Riverbend Unified has no CIM work in 2024")
    expect(notice).to_contain_text("in Universal monitoring")
    expect(notice).to_contain_text("nothing waits for you here and nothing is due")
    assert serious_accessibility_violations(page) == []


# Each menu entry whose text runs over more than one line box (a broken "Status / grid").
BROKEN_ENTRIES = """() => [...document.querySelectorAll('.navbar .nav-link')]
    .filter((link) => link.getClientRects().length === 1
        && link.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(link).lineHeight)
            + parseFloat(getComputedStyle(link).paddingTop)
            + parseFloat(getComputedStyle(link).paddingBottom))
    .map((link) => link.textContent.trim())"""


@pytest.mark.parametrize("width", [1280, 1024, 800])
def test_the_longest_menu_keeps_each_entry_on_one_line(
    sign_in: SignIn, page: Any, browser_world: World, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, browser_world.cde_admin)
    page.goto("/")
    expect(page.get_by_role("link", name="ADL load")).to_be_visible()

    assert page.evaluate(BROKEN_ENTRIES) == []
