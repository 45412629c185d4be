"""Two people of one LEA's CIM team (the lead and a member, each in a browser of their
own) write the same activity at once. For each interleaving, every word either of them
typed is either in the saved text or on the screen of the person who must choose; the
counts are printed (run with -s to see them)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from steps.models import ActivityRecord, Engagement
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.services.part_rows import part_row_add
from tests.browser.conftest import (
    NAVIGATION_TIMEOUT,
    CspWatcher,
    SignIn,
    close_quietly,
    serious_accessibility_violations,
    warm_up,
)
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

KEY = "parent_input"


@pytest.fixture
def engagement(browser_world: World) -> Engagement:
    return start(browser_world.lea, load_2024()["targeted"], level=3, unmet=("4A", "8"))


@pytest.fixture
def two(sign_in: SignIn, browser: Any, live_server: Any, browser_world: World) -> Any:
    """The lead's page and the member's page, each in its own browser context."""
    warm_up(live_server.url)
    contexts, pages, watchers = [], [], []
    for person in (browser_world.lea_lead, browser_world.lea_member):
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
        watcher = CspWatcher()
        page.on("console", watcher)
        sign_in(page, person)
        contexts.append(context)
        pages.append(page)
        watchers.append(watcher)
    yield pages
    close_quietly(live_server, *contexts)
    assert not [v for watcher in watchers for v in watcher.violations]


def _open(page: Any, engagement: Engagement) -> None:
    page.goto(f"/engagements/{engagement.pk}/activities/{KEY}/")
    expect(page.locator("#save-status")).to_contain_text("Version")


def _type(page: Any, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.focus()
    page.keyboard.press("End")
    page.keyboard.type(text)


def _save(page: Any) -> None:
    page.get_by_role("button", name="Save draft").focus()
    page.keyboard.press("Enter")


def _saved(engagement: Engagement) -> dict[str, str]:
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=KEY)
    return record.responses


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+\d*", text))


def _account(name: str, typed: list[str], kept_text: str) -> None:
    """Every word typed is kept; print the counts."""
    typed_words = set().union(*(_words(t) for t in typed))
    kept = typed_words & _words(kept_text)
    print(f"\n{name}: {len(typed_words)} words typed, {len(kept)} kept")
    assert kept == typed_words, f"{name}: lost {sorted(typed_words - kept)}"


def _visible_text(page: Any) -> str:
    """The saved text plus what is in front of the person: the boxes and both sides of
    any conflict."""
    return " ".join(page.locator("textarea").evaluate_all("els => els.map(e => e.value)"))


def test_it_keeps_both_texts_of_one_box_until_the_writer_chooses(
    two: Any, engagement: Engagement
) -> None:
    lead, member = two
    _open(lead, engagement)
    _open(member, engagement)
    lead_words, member_words = "Lead alpha bravo", "Member charlie delta"
    _type(lead, "Trends", lead_words)
    _save(lead)
    expect(lead.locator("#save-status")).to_contain_text("Draft saved.")

    _type(member, "Trends", member_words)
    _save(member)
    panel = member.locator("[data-conflict]")
    expect(panel).to_be_visible()
    expect(member.locator("#save-status")).to_contain_text("also changed by someone else")
    # Nothing lost while the member decides: theirs saved, the member's on screen.
    assert _saved(engagement)["trends"] == lead_words
    _account("same box, before choosing", [lead_words, member_words], _visible_text(member))
    assert serious_accessibility_violations(member) == []

    member.get_by_role("button", name="Put both in the box to edit").focus()
    member.keyboard.press("Enter")
    expect(panel).to_have_count(0)
    _save(member)
    expect(member.locator("#save-status")).to_contain_text("Draft saved.")
    _account("same box, combined", [lead_words, member_words], _saved(engagement)["trends"])


def test_it_merges_different_boxes_and_tells_who_changed_what(
    two: Any, engagement: Engagement
) -> None:
    lead, member = two
    _open(lead, engagement)
    _open(member, engagement)
    lead_words, member_words = "Kindergarten families echo", "Attendance foxtrot golf"
    _type(lead, "Target group", lead_words)
    _save(lead)
    expect(lead.locator("#save-status")).to_contain_text("Draft saved.")
    _type(member, "Trends", member_words)
    _save(member)
    expect(member.locator("#save-status")).to_contain_text("Draft saved.")
    expect(member.locator("#save-incoming")).to_contain_text("Meanwhile Casey Lead changed")
    # The member's page now shows the lead's words in the box they came in.
    expect(member.get_by_label("Target group", exact=True)).to_have_value(lead_words)
    saved = _saved(engagement)
    _account("different boxes", [lead_words, member_words], " ".join(saved.values()))


def test_it_queues_the_save_button_behind_an_autosave_in_flight(
    two: Any, engagement: Engagement
) -> None:
    lead, _ = two
    _open(lead, engagement)
    held: list[Any] = []
    url = re.compile(rf".*/activities/{KEY}/$")

    def hold_the_first_save(route: Any) -> None:
        if route.request.method == "POST" and not held:
            held.append(route)
        else:
            route.continue_()

    lead.route(url, hold_the_first_save)
    _type(lead, "Trends", "Hotel india")
    lead.get_by_label("Trends", exact=True).dispatch_event("change")
    expect(lead.locator("#save-status")).to_contain_text("Saving", timeout=5_000)
    assert len(held) == 1  # the autosave is in flight, its answer held back
    _type(lead, "Trends", " juliet kilo")
    _save(lead)
    expect(lead.locator("#save-status")).to_contain_text("as soon as the save in progress ends")
    held[0].continue_()
    expect(lead.locator("#save-status")).to_contain_text("Draft saved.")
    expect(lead.locator("[data-conflict]")).to_have_count(0)
    assert _saved(engagement)["trends"] == "Hotel india juliet kilo"
    _account("autosave and button", ["Hotel india juliet kilo"], _saved(engagement)["trends"])


def test_it_brings_a_stale_tab_up_to_date_without_losing_either_text(
    two: Any, engagement: Engagement
) -> None:
    lead, member = two
    _open(member, engagement)  # opened, then left for an hour
    _open(lead, engagement)
    lead_typed = {"Trends": "Lima mike", "Target group": "November oscar"}
    for label, words in lead_typed.items():
        _type(lead, label, words)
    _save(lead)
    expect(lead.locator("#save-status")).to_contain_text("Draft saved.")

    member_typed = {"Trends": "Papa quebec", "Areas that need to be addressed": "Romeo sierra"}
    for label, words in member_typed.items():
        _type(member, label, words)
    _save(member)
    expect(member.locator("[data-conflict]")).to_have_count(1)
    expect(member.get_by_label("Target group", exact=True)).to_have_value("November oscar")
    saved = _saved(engagement)
    assert saved["areas_to_address"] == "Romeo sierra"
    assert saved["trends"] == "Lima mike"
    _account(
        "stale tab",
        [*lead_typed.values(), *member_typed.values()],
        " ".join(saved.values()) + " " + _visible_text(member),
    )
    # Autosave never slips the member's text past the lead's while the choice is open.
    _type(member, "Areas that need to be addressed", " tango")
    expect(member.locator("#save-status")).to_contain_text("also changed by someone else")
    assert _saved(engagement)["trends"] == "Lima mike"
    member.get_by_role("button", name="Keep mine").focus()
    member.keyboard.press("Enter")
    _save(member)
    expect(member.locator("#save-status")).to_contain_text("Draft saved.")
    assert _saved(engagement)["trends"] == "Papa quebec"


@override_settings(PRESENCE_HEARTBEAT_SECONDS=1)
def test_it_shows_who_else_is_editing_without_reloading(two: Any, engagement: Engagement) -> None:
    lead, member = two
    _open(lead, engagement)
    _open(member, engagement)
    expect(member.locator("#presence")).to_contain_text("Casey Lead is also editing")
    expect(lead.locator("#presence")).to_contain_text("Sam Member is also editing")
    assert serious_accessibility_violations(lead) == []
    member.goto(f"/engagements/{engagement.pk}/")
    expect(lead.locator("#presence")).to_have_text("", timeout=10_000)


def test_it_merges_and_asks_about_rows_of_a_structured_part(
    two: Any, engagement: Engagement, browser_world: World
) -> None:

    from steps.merge import version_token

    record = ActivityRecord.objects.get(engagement=engagement, definition__key="consolidation")
    area = part_row_add(
        rows=PROBLEM_AREAS,
        actor=browser_world.lea_lead,
        record=record,
        version=version_token(record),
        description="Students with IEPs are suspended more",
        quantification="4.1% against 1.2%",
        relates_to_identification=True,
    )
    lead, member = two
    edit = f"/engagements/{engagement.pk}/activities/consolidation/problem_areas/{area.pk}/edit/"

    def save(page: Any) -> None:
        page.get_by_role("button", name="Save problem area").focus()
        page.keyboard.press("Enter")

    # Different fields of one row: both kept.
    lead.goto(edit)
    member.goto(edit)
    _type(lead, "Quantification", " lima")
    save(lead)
    expect(lead.get_by_text("4.1% against 1.2% lima")).to_be_visible()
    _type(member, "Problem area", " mike")
    save(member)
    expect(member.get_by_text("Meanwhile Casey Lead changed")).to_be_visible()
    area.refresh_from_db()
    _account(
        "part rows, different fields",
        ["lima", "mike"],
        area.description + " " + area.quantification,
    )

    # The same field of one row: both texts side by side, nothing saved until chosen.
    lead.goto(edit)
    member.goto(edit)
    _type(lead, "Quantification", " november")
    save(lead)
    expect(lead.get_by_text("november")).to_be_visible()
    _type(member, "Quantification", " oscar")
    save(member)
    panel = member.locator("[data-conflict]")
    expect(panel).to_be_visible()
    area.refresh_from_db()
    assert "oscar" not in area.quantification
    _account(
        "part rows, same field, before choosing",
        ["november", "oscar"],
        area.quantification + " " + _visible_text(member),
    )
    assert serious_accessibility_violations(member) == []
    member.get_by_role("button", name="Put both in the box to edit").focus()
    member.keyboard.press("Enter")
    save(member)
    expect(member.locator("[data-conflict]")).to_have_count(0)
    area.refresh_from_db()
    _account("part rows, same field, combined", ["lima", "november", "oscar"], area.quantification)
