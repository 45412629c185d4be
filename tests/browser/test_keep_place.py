"""Pages keep their place (issue 14): after adding a comment, or checking readiness, the
person is where they were and focus is on the result, not the top of the page. A comment
is swapped in with htmx; without JavaScript the page comes back at it."""

from typing import Any

import pytest
from playwright.sync_api import expect

from steps import services
from steps.models import Comment, Engagement
from tests.browser.conftest import (
    NAVIGATION_TIMEOUT,
    SignIn,
    close_quietly,
    serious_accessibility_violations,
)
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COMMENT = "Which grades do the chronic absence figures cover?"
FOCUS_INSIDE = "(selector) => document.querySelector(selector).contains(document.activeElement)"


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    engagement = start(browser_world.lea, load_2024()["targeted"], level=2)
    make_ready(engagement, 1, actor=browser_world.lea_lead)
    return engagement


def test_opening_an_activity_leaves_the_reader_at_the_top(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/activities/data_drill_down/")
    page.wait_for_load_state("load")  # htmx has processed the page by then

    assert page.evaluate("document.activeElement === document.body")
    assert page.evaluate("window.scrollY") == 0


def test_it_keeps_the_place_after_checking_readiness(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/engagements/{engagement.pk}/activities/data_drill_down/")
    page.get_by_role("link", name="Check now").click()

    page.locator("#checklist").get_by_text("ready to submit").wait_for()
    # htmx moves focus when the swapped result settles, a moment after the text is in
    page.wait_for_function(FOCUS_INSIDE, arg="#checklist", timeout=2000)
    expect(page.locator("#checklist")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    assert serious_accessibility_violations(page) == []


def test_it_comes_back_to_the_comment_just_added(
    sign_in: SignIn, page: Any, browser_world: World, engagement: Engagement
) -> None:
    version = services.submission_submit(
        actor=browser_world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    sign_in(page, browser_world.selpa_reviewer)
    page.goto(f"/submissions/{version.submission_id}/")
    box = page.locator(".entry", has_text="Box 10 · Summary of relevant findings").first
    box.get_by_text("Comment on this box").click()
    box.locator("textarea").fill(COMMENT)
    page.evaluate("window.stayed = true")  # gone if the page were loaded again
    box.get_by_role("button", name="Add comment").click()

    page.get_by_text("Comment added.").wait_for()
    comment = f"#comment-{Comment.objects.get(body=COMMENT).pk}"
    expect(page.locator(comment)).to_contain_text("Comment added.")
    # htmx swapped the box's notes in: the same page, never reloaded, nor at its top.
    assert page.evaluate("window.stayed") is True
    assert page.url.endswith(f"/submissions/{version.submission_id}/")
    page.wait_for_function(FOCUS_INSIDE, arg=comment, timeout=2000)
    expect(page.locator(comment)).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    expect(box.locator("textarea")).to_have_count(1)  # the form again, empty and closed
    expect(box.locator("textarea")).to_be_hidden()
    assert serious_accessibility_violations(page) == []


def test_without_javascript_it_comes_back_to_the_comment_just_added(
    sign_in: SignIn, browser: Any, live_server: Any, browser_world: World, engagement: Engagement
) -> None:
    version = services.submission_submit(
        actor=browser_world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
        sign_in(page, browser_world.selpa_reviewer)
        page.goto(f"/submissions/{version.submission_id}/")
        box = page.locator(".entry", has_text="Box 10 · Summary of relevant findings").first
        box.get_by_text("Comment on this box").click()
        box.locator("textarea").fill(COMMENT)
        box.get_by_role("button", name="Add comment").click()

        comment = f"#comment-{Comment.objects.get(body=COMMENT).pk}"
        page.wait_for_url(f"**/submissions/{version.submission_id}/{comment}")
        expect(page.locator(comment)).to_contain_text(COMMENT)
        expect(page.get_by_text("Comment added.")).to_be_visible()
    finally:
        close_quietly(live_server, context)
