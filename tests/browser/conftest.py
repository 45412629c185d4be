"""Playwright for Python driving Debian's Chromium (never a downloaded browser), against
Django's live server, with axe-core injected from the vendored copy."""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from lea.models import User
from tests.conftest import World, require_service, world_from_copy
from tests.lea.factories import PASSWORD
from tests.module_data import OwnCopy

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_SOURCE = Path(__file__).with_name("vendor").joinpath("axe.min.js")
NAVIGATION_TIMEOUT = 30_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_service(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: connections[alias]._test_serialized_contents  # type: ignore[attr-defined]
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # From here on this thread gets new Django connection objects (Playwright's event
        # loop changes the context they are kept in). They keep the serialized contents
        # (empty: tests/conftest.py), whose presence keeps the post_migrate signal out of
        # the flush after each test; it would make the content types and permissions
        # again under new ids, and the catalog put back after the test would not fit them.
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The connections opened in this context: once it ends nothing can reach them to
        # close them, and one would hold the test database open as it is dropped.
        connections.close_all()


class CspWatcher:
    def __init__(self) -> None:
        self.violations: list[str] = []

    def __call__(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)


_warmed_up: set[str] = set()


def warm_up(url: str) -> None:
    """Serve the sign-in page once before a browser waits on it: the first request of a
    live server loads every URL pattern and template, which on a busy CI machine takes
    longer than a page's 10 s timeout."""
    if url not in _warmed_up:
        with urllib.request.urlopen(f"{url}/login/", timeout=120) as response:  # noqa: S310 (the live server)
            response.read()
        _warmed_up.add(url)


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    warm_up(live_server.url)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # A page load on the shared live server waits behind the other worker's tests on a
    # 2-core CI machine; an assertion on a loaded page keeps the shorter timeout.
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    watcher = CspWatcher()
    page.on("console", watcher)
    yield page
    close_quietly(live_server, context)
    assert not watcher.violations, (
        f"The page broke its Content-Security-Policy: {watcher.violations}"
    )


def close_quietly(live_server: Any, *contexts: Any) -> None:
    """Close browser contexts so that nothing more reaches the live server (a presence
    beacon on page hide, a heartbeat) and what already did has finished before the
    test's flush empties the tables: a request still at work would write its rows (a
    session, a presence) into the next test's database, or fail on rows the flush took."""
    for context in contexts:
        context.route("**/*", lambda route: route.abort())
    for context in contexts:
        context.close()
    _wait_for_the_live_server_to_finish(live_server.thread.httpd.socket)


# The live server serves each connection in a thread of its own, named after its target.
_REQUEST_THREAD = "(process_request_thread)"


def _wait_for_the_live_server_to_finish(
    listening: socket.socket, timeout: float = 10, quiet_for: float = 0.05
) -> None:
    """Until, for `quiet_for` seconds in a row, the live server has no connection waiting
    to be accepted or being served (a closed context's connections end within a few
    hundredths of a second) and no other client of the test database works or holds a
    transaction (a Celery worker)."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            waiting, _, _ = select.select([listening], [], [], 0)
            busy = bool(waiting) or any(
                thread.name.endswith(_REQUEST_THREAD) for thread in threading.enumerate()
            )
            if not busy:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    " AND state IN ('active', 'idle in transaction')"
                )
                (busy,) = cursor.fetchone()
            now = time.monotonic()
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= quiet_for:
                return
            time.sleep(0.01)
    warnings.warn(
        f"The live server or the database was still busy {timeout} s after the browser "
        "closed: the flush may meet a request still at work.",
        stacklevel=2,
    )


@pytest.fixture
def browser_world(transactional_db: None, own_copy: OwnCopy) -> World:
    """The test world, committed for the live server: the session's, put back from its
    copy (tests/conftest.py), with the same ids in every test, so each test gets its own
    cache keys and its own copy of the objects (`own_copy`)."""
    return own_copy(world_from_copy())


SignIn = Callable[[Any, User], None]


@pytest.fixture
def sign_in(live_server: Any) -> SignIn:
    """Sign a person in to a page's browser context with the session cookie the login
    form would have left, without loading a page: for tests whose subject comes after the
    login. The login form itself is driven by log_in: the login page, a wrong password and
    the idle timeout (test_pages.py), two-step verification (test_mfa.py) and the Level 1
    lead's keyboard login."""

    def signed_in(page: Any, person: User) -> None:
        client = Client()
        client.force_login(person)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

    return signed_in


def log_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def serious_accessibility_violations(page: Any) -> list[str]:
    """Run axe-core (WCAG 2.1 A/AA rules) and return the serious and critical findings."""
    page.evaluate(AXE_SOURCE.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag',
                      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })).violations"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
