"""A CDE administrator loads the ADL in Chromium; a real Celery worker checks and applies
the file while the page shows progress."""

from typing import Any

import pytest
from playwright.sync_api import expect

from steps.models import Engagement
from tests.browser.conftest import SignIn, serious_accessibility_violations
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.integration.conftest import Worker, celery_worker  # noqa: F401 -- a fixture
from tests.steps.adl_files import csv_file, row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FILE = csv_file(
    row("4410017", "Seaside Unified", tier="Targeted", level="3", unmet="4A; 8"),
    row("4410025", "Dune Valley Elementary", tier="Intensive", level="1"),
    row("4410033", "Harbor Point Charter", tier="Universal", level="", new="no"),
)


def test_it_checks_and_applies_an_adl_file_through_the_worker(
    sign_in: SignIn,
    page: Any,
    browser_world: World,
    celery_worker: Worker,  # noqa: F811
) -> None:
    load_2024()
    sign_in(page, browser_world.cde_admin)
    page.goto("/")
    page.get_by_role("link", name="ADL load").click()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("ADL cohort file").set_input_files(
        {"name": "adl-2024.csv", "mimeType": "text/csv", "buffer": FILE}
    )
    page.get_by_label("Monitoring year").select_option("2024")
    page.get_by_role("button", name="Check the file").click()

    page.get_by_role("heading", name="What loading this file will do").wait_for(timeout=60_000)
    expect(page.get_by_role("rowheader", name="Seaside Unified")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    assert not Engagement.objects.exists()

    page.get_by_role("button", name="Apply this file").click()
    page.get_by_role("heading", name="What the load did").wait_for(timeout=60_000)
    expect(page.get_by_text("Status: Applied")).to_be_visible()
    assert sorted(Engagement.objects.values_list("lea__name", flat=True)) == [
        "Dune Valley Elementary",
        "Seaside Unified",
    ]

    page.get_by_role("link", name="Back to ADL uploads").click()
    expect(page.get_by_role("rowheader", name="adl-2024.csv")).to_be_visible()


def test_it_shows_every_error_of_a_bad_file(
    sign_in: SignIn,
    page: Any,
    browser_world: World,
    celery_worker: Worker,  # noqa: F811
) -> None:
    load_2024()
    sign_in(page, browser_world.cde_admin)
    page.goto("/adl/")
    page.get_by_label("ADL cohort file").set_input_files(
        {
            "name": "bad.csv",
            "mimeType": "text/csv",
            "buffer": csv_file(
                row("44A0017", "Letters", level="9"), row("4410025", "X", tier="Gold")
            ),
        }
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="errors: nothing was loaded").wait_for(timeout=60_000)
    errors = page.locator(".adl-errors li").all_inner_texts()
    assert any(text.startswith("row 2, cds_code:") for text in errors)
    assert any(text.startswith("row 3, tier:") for text in errors)
    expect(page.get_by_role("link", name="Download the errors as CSV")).to_be_visible()
    assert serious_accessibility_violations(page) == []
