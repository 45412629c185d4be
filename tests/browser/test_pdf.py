"""The PDF block of the submission page in Chromium: it loads by itself, asks for the PDF,
shows a failed render with its reason and a Retry button, then the download link, and the
file downloads under its name. Each state passes axe, and htmx keeps to the CSP."""

from pathlib import Path
from typing import Any

import pytest

from reports.pdf import pdf_filename
from reports.services import pdf as services_pdf
from steps import services
from steps.models import SubmissionVersion
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
def version(browser_world: World) -> SubmissionVersion:
    engagement = start(browser_world.lea, load_2024()["targeted"], level=2)
    make_ready(engagement, 1, actor=browser_world.lea_lead)
    return services.submission_submit(
        actor=browser_world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )


def test_it_makes_retries_and_downloads_the_pdf(
    sign_in: SignIn,
    page: Any,
    browser_world: World,
    version: SubmissionVersion,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    def broken(version: SubmissionVersion) -> bytes:
        raise RuntimeError("a bug in the template")

    # Tasks run eagerly here, in the live server's thread, as the request commits.
    monkeypatch.setattr(services_pdf, "render_version_pdf", broken)
    sign_in(page, browser_world.selpa_reviewer)
    page.goto(f"/submissions/{version.submission_id}/")
    make = page.get_by_role("button", name="Make the PDF of version 1")
    make.wait_for()
    assert serious_accessibility_violations(page) == []

    make.click()
    page.get_by_text("Failed: the server could not draw this PDF").wait_for()
    assert serious_accessibility_violations(page) == []

    monkeypatch.undo()
    page.get_by_role("button", name="Retry").click()
    link = page.get_by_role("link", name="Download the PDF of version 1")
    link.wait_for()
    assert serious_accessibility_violations(page) == []
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == pdf_filename(version)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
