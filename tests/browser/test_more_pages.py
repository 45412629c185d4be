"""The pages no other browser test walks through, each checked by axe as its user sees it:
the CDE administrator's consultants, CIM status, organisations and people; the LEA lead's
calendar feed and reminder settings; a SELPA reviewer's queue with work in it."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from lea import services as lea_services
from lea.models import Role
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
    return start(browser_world.lea, load_2024()["targeted"], level=3)


def _violations_on(page: Any, path: str) -> list[str]:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return [f"{path}: {violation}" for violation in serious_accessibility_violations(page)]


def test_the_cde_administrators_pages_pass_axe(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.cde_admin)
    paths = ["/assignments/", "/status/", "/organizations/", "/people/", "/account/reminders/"]
    assert [found for path in paths for found in _violations_on(page, path)] == []


def test_the_lea_leads_calendar_and_reminder_pages_pass_axe(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.lea_lead)
    calendar = f"/engagements/{engagement.pk}/calendar/"
    assert _violations_on(page, calendar) == []
    page.get_by_role("button", name="Make my calendar feed").click()
    expect(page.get_by_label("Feed address (select it and copy)")).to_have_value(
        re.compile(r"/calendar/.+\.ics$")
    )
    assert serious_accessibility_violations(page) == []
    assert _violations_on(page, "/account/reminders/") == []


def test_a_reviewers_queue_with_work_in_it_passes_axe(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    level_two = start(browser_world.lea2, load_2024()["targeted"], level=2)
    lead = browser_world.lea_lead
    lea_services.membership_create(
        actor=None, user=lead, organization=browser_world.lea2, role=Role.LEA_LEAD
    )
    make_ready(level_two, 1, actor=lead)
    services.submission_submit(
        actor=lead, engagement=level_two, step=1, confirmation_name=lead.display_name
    )
    sign_in(page, browser_world.selpa_reviewer)
    assert _violations_on(page, "/reviews/") == []
    expect(page.get_by_role("rowheader", name=re.compile(browser_world.lea2.name))).to_be_visible()
    region = page.get_by_role("region", name="Review queue, scrolls sideways")
    region.focus()
    expect(region).to_be_focused()
