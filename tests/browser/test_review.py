"""A step goes round the whole review loop in Chromium: the LEA lead submits it, the SELPA
reviewer comments on a box and returns it, the LEA sees the comment beside the field,
revises, replies and resubmits, and the reviewer sees what changed and approves. Each
page passes axe."""

from typing import Any

import pytest
from playwright.sync_api import expect

from steps.models import Engagement, Submission
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COMMENT = "Which grades do the chronic absence figures cover?"
REVISED = "Chronic absence is 18% in grades 6-8 and 9% in grades K-5."


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    engagement = start(browser_world.lea, load_2024()["targeted"], level=2)
    make_ready(engagement, 1, actor=browser_world.lea_lead)
    return engagement


def _log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url("**/login/**")


def test_it_goes_round_submit_return_revise_resubmit_approve(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    # The lead submits Step 1, confirming with their typed name.
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/")
    page.get_by_role("link", name="Submit Step 1…").click()
    expect(page.get_by_role("heading", name="Submit Step 1")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Type your full name to confirm").fill("Casey Lead")
    page.get_by_role("button", name="Submit Step 1").click()
    page.get_by_text("waits for SELPA review").wait_for()
    expect(page.get_by_text("Waiting on SELPA review, since today")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    submission_url = page.url
    _log_out(page)

    # The SELPA reviewer comments on the Data Drill Down findings, then returns the step.
    sign_in(page, browser_world.selpa_reviewer)
    page.goto(submission_url)
    assert serious_accessibility_violations(page) == []
    drill_down = page.locator("section", has=page.get_by_role("heading", name="Data Drill Down"))
    box = drill_down.locator(
        ".entry", has_text="Box 10 · Summary of relevant findings and the data supporting them"
    )
    box.get_by_text("Comment on this box").click()
    box.get_by_label(
        "Comment on Box 10 · Summary of relevant findings and the data supporting them"
    ).fill(COMMENT)
    box.get_by_role("button", name="Add comment").click()
    page.get_by_text("Comment added.").wait_for()
    page.get_by_label("Return for revision").check()
    page.get_by_label("Summary for the LEA").fill("Say which grades the figures cover.")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("button", name="Return version 1 for revision").click()
    page.get_by_text("Version 1 is returned for revision").wait_for()
    _log_out(page)

    # The lead sees the comment beside the field, revises it, replies and resubmits.
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/activities/data_drill_down/")
    expect(page.get_by_text("Returned for revision").first).to_be_visible()
    expect(page.get_by_text(COMMENT)).to_be_visible()
    assert serious_accessibility_violations(page) == []
    findings = page.get_by_label(
        "Summary of relevant findings and the data supporting them", exact=True
    )
    findings.fill(REVISED)
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    page.goto(submission_url)
    page.get_by_text("Reply", exact=True).first.click()
    page.get_by_label("Your reply to").first.fill("Grades 6-8; K-5 added below.")
    page.get_by_role("button", name="Send reply").first.click()
    page.get_by_text("Reply sent to the reviewer.").wait_for()
    page.get_by_role("link", name="submit Step 1 again").click()
    page.get_by_label("Type your full name to confirm").fill("Casey Lead")
    page.get_by_role("button", name="Submit Step 1").click()
    page.get_by_text("is submitted as version 2").wait_for()
    _log_out(page)

    # The reviewer sees what changed since version 1, and approves.
    sign_in(page, browser_world.selpa_reviewer)
    page.goto(submission_url)
    changed = page.locator(
        ".entry-changed",
        has_text="Box 10 · Summary of relevant findings and the data supporting them",
    )
    expect(changed.get_by_text(REVISED)).to_be_visible()
    expect(page.get_by_text("Grades 6-8; K-5 added below.")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("button", name="Approve version 2").click()
    page.get_by_text("Version 2 is approved").wait_for()
    expect(page.get_by_text("Approved by SELPA today")).to_be_visible()

    submission = Submission.objects.get(engagement=engagement)
    assert (submission.state, submission.current_version) == ("approved", 2)


def test_a_reviewer_confirms_an_approval_by_keyboard_and_undoes_it(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/steps/1/submit/")
    page.get_by_label("Type your full name to confirm").fill("  casey   LEAD ")
    page.get_by_role("button", name="Submit Step 1").click()
    page.get_by_text("waits for SELPA review").wait_for()
    submission_url = page.url
    _log_out(page)

    sign_in(page, browser_world.selpa_reviewer)
    page.goto(submission_url)
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    heading = page.get_by_role("heading", name="Approve Step 1, version 1, of Riverbend Unified?")
    expect(heading).to_be_focused()
    expect(page.get_by_text("Casey Lead (LEA CIM team lead)")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    # Cancel goes back with nothing decided; the second time, Enter on the button approves.
    page.get_by_role("button", name="Cancel: back to the decision").click()
    expect(page.get_by_role("button", name="Record decision")).to_be_visible()
    assert Submission.objects.get(engagement=engagement).state == "submitted"
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("button", name="Approve version 1").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Version 1 is approved").wait_for()
    assert Submission.objects.get(engagement=engagement).state == "approved"
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="Undo the approval").click()
    page.get_by_text("Your decision is undone: version 1 waits for your review again").wait_for()
    expect(page.get_by_role("button", name="Record decision")).to_be_visible()
    assert Submission.objects.get(engagement=engagement).state == "submitted"
