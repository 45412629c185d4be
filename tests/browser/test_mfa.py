"""Two-step verification in Chromium: a SELPA reviewer is made to set up an authenticator
app at their first login (reading the key off the page, as one types it into an app),
saves the recovery codes, later logs in with an app code and then with a recovery code,
and gets new recovery codes. The setup, code and account pages pass axe."""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import World
from tests.lea.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _mfa_on(settings: Any) -> None:
    settings.MFA_REQUIRED_FOR_STAFF = True


STEP_SECONDS = 30  # an authenticator app's code changes every 30 seconds


def _fresh_step() -> int:
    """The app's current time step, waiting for the next one when this one ends within
    five seconds: a code typed at the very end of its step reaches the server in the next,
    which then expects the app's later codes a step behind and refuses the next one."""
    left = STEP_SECONDS - time.time() % STEP_SECONDS
    if left < 5:
        time.sleep(left + 0.1)
    return int(time.time() // STEP_SECONDS)


def _app_code(secret: str, step: int) -> str:
    """What an authenticator app given this key shows in that time step (computed, not
    mocked)."""
    totp = TOTP(b32decode(secret.replace(" ", "")), step=STEP_SECONDS)
    totp.time = step * STEP_SECONDS + 1
    return str(totp.token()).zfill(6)


def _password_step(page: Any, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out", exact=True).first.click()
    page.wait_for_url("**/login/**")


def test_a_selpa_reviewer_sets_up_two_step_verification_and_uses_it(
    page: Any, browser_world: World, live_server: Any
) -> None:
    reviewer = browser_world.selpa_reviewer
    _password_step(page, reviewer.email)
    page.wait_for_url("**/account/two-step/**")
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto("/organizations/")  # nothing else opens before the setup
    page.wait_for_url("**/account/two-step/**")

    secret = page.locator("#secret-key").inner_text()
    setup_step = _fresh_step()
    page.get_by_label("Code from your app").fill(_app_code(secret, setup_step))
    page.get_by_role("button", name="Turn on two-step verification").click()
    page.wait_for_url("**/account/two-step/recovery-codes/")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my codes, continue").click()
    page.wait_for_url(f"{live_server.url}/organizations/")
    _log_out(page)

    _password_step(page, reviewer.email)
    page.wait_for_url("**/login/code/**")
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    # The setup's code is spent: the app's next one, or the current one if that is later.
    page.get_by_label("Code").fill(_app_code(secret, max(setup_step + 1, _fresh_step())))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    _log_out(page)

    _password_step(page, reviewer.email)
    page.wait_for_url("**/login/code/**")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("You used a recovery code; 9 left.")).to_be_visible()

    # Low on codes: new ones from the account page, proven with a recovery code.
    page.goto("/account/two-step/")
    expect(page.get_by_text("You have 9 unused recovery codes.")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    renew = page.get_by_role("region", name="New recovery codes")
    renew.get_by_label("Code").fill(codes[1])
    renew.get_by_role("button", name="Get new recovery codes").click()
    page.wait_for_url("**/account/two-step/recovery-codes/")
    new_codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
