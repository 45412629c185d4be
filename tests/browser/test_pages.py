"""Login, each role's home page and the members page, in Chromium, checked by axe-core."""

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import SignIn, log_in, serious_accessibility_violations
from tests.conftest import World

# serialized_rollback: these tests commit, and the flush after them would also remove the
# rows that migrations created (the SPP/APR indicators) for every later test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_has_an_accessible_login_page(page: Any, browser_world: World) -> None:
    page.goto("/login/")
    assert page.locator("h1").count() == 1
    assert serious_accessibility_violations(page) == []


def test_it_explains_a_wrong_password(page: Any, browser_world: World) -> None:
    page.goto("/login/")
    page.get_by_label("Email address").fill(browser_world.lea_lead.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("lea_lead", "Manage members"),
        ("lea_member", "See members"),
        ("selpa_reviewer", "LEAs in your SELPA"),
        ("cde_consultant", "Statewide"),
        ("cde_admin", "Manage people"),
        ("outsider", "not part of any organisation yet"),
    ],
)
def test_it_shows_each_role_an_accessible_home_page(
    sign_in: SignIn, page: Any, browser_world: World, role: str, expected: str
) -> None:
    sign_in(page, getattr(browser_world, role))
    page.goto("/")
    expect(page.get_by_text(expected).first).to_be_visible()
    assert page.locator("h1").count() == 1
    assert serious_accessibility_violations(page) == []


def test_it_starts_keyboard_users_at_a_skip_link(
    sign_in: SignIn, page: Any, browser_world: World
) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_it_lets_the_lead_invite_and_remove_members(
    sign_in: SignIn, page: Any, browser_world: World
) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto("/")
    page.get_by_role("link", name=re.compile("Manage members")).click()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Email address").fill("new.teammate@example.org")
    page.get_by_label("Full name").fill("Nia Teammate")
    page.get_by_label("Role").select_option(label="LEA CIM team member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new.teammate@example.org")).to_be_visible()
    expect(page.get_by_role("rowheader", name="new.teammate@example.org")).to_be_visible()
    assert mail.outbox[-1].to == ["new.teammate@example.org"]

    page.get_by_role("button", name=re.compile("Remove Sam Member")).click()
    expect(page.get_by_text("Sam Member no longer has the role")).to_be_visible()
    assert serious_accessibility_violations(page) == []


def test_it_shows_form_errors_accessibly(sign_in: SignIn, page: Any, browser_world: World) -> None:
    sign_in(page, browser_world.lea_lead)
    page.goto(f"/organizations/{browser_world.lea.pk}/members/")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Enter a valid email address")).to_be_visible()
    assert serious_accessibility_violations(page) == []


def test_it_warns_before_the_idle_timeout_and_lets_the_user_stay(
    page: Any, browser_world: World, settings: Any
) -> None:
    settings.SESSION_IDLE_SECONDS = 6
    settings.SESSION_WARNING_SECONDS = 5
    log_in(page, browser_world.lea_member.email)
    dialog = page.get_by_role("dialog", name="Are you still there?")
    dialog.wait_for(state="visible", timeout=5_000)
    assert serious_accessibility_violations(page) == []
    dialog.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    page.reload()
    expect(page.get_by_text("Welcome, Sam Member")).to_be_visible()


def test_it_signs_out_an_idle_user_with_an_explanation(
    page: Any, browser_world: World, settings: Any
) -> None:
    settings.SESSION_IDLE_SECONDS = 3
    settings.SESSION_WARNING_SECONDS = 2
    log_in(page, browser_world.lea_member.email)
    page.wait_for_url("**/login/**", timeout=10_000)
    expect(page.get_by_text("signed out after")).to_be_visible()
    expect(page.get_by_role("heading", name="Log in to CIM Portal")).to_be_visible()
