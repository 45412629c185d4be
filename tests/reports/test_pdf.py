"""PDFs of submitted versions: what the PDF says (read back with pypdf), what the renderer
may fetch, the request service and the render task (time-outs, retries, redelivery), the
pages, and who may ask for and download them."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from pytest_django import DjangoDbBlocker

from cim.celery import app as celery_app
from cim.models import Cohort
from lea.models import AuditEvent, Role, User
from reports import tasks
from reports.access import progress_reports_for_engagement
from reports.models import RenderedPdf
from reports.models.pdf import STUCK_AFTER, UNCLAIMED_AFTER
from reports.pdf import (
    GENERATED,
    REFUSED,
    StaticFilesOnly,
    document_title,
    html_to_pdf,
    pdf_filename,
    render_version_pdf,
    static_file,
    static_prefix,
)
from reports.progress import charts_in_snapshot
from reports.services import pdf as services_pdf
from reports.services import progress as services_progress
from steps import services
from steps.models import SubmissionVersion
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.lea import factories
from tests.reports.progress_world import fill_report, in_step_four
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The PDF's text with runs of whitespace made one space, as a person reads it."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture(scope="module")
def _module_data(module_world: World, django_db_blocker: DjangoDbBlocker) -> int:
    """A submitted Step 1 (Targeted Level 2, so it goes to the SELPA; the consultant is
    assigned to the LEA too), made once for the module in its transaction (tests/
    module_data.py): the version's id."""
    with django_db_blocker.unblock():
        cohorts: dict[str, Cohort] = load_2024()
        engagement = start(module_world.lea, cohorts["targeted"], level=2)
        services.consultant_assign(
            actor=module_world.cde_admin, consultant=module_world.cde_consultant,
            year=engagement.cohort.year, leas=[module_world.lea],
        )  # fmt: skip
        make_ready(engagement, 1, actor=module_world.lea_lead)
        version = services.submission_submit(
            actor=module_world.lea_lead,
            engagement=engagement,
            step=1,
            confirmation_name="Casey Lead",
        )
        return version.pk


@pytest.fixture
def version(_module_data: int, db: None) -> SubmissionVersion:
    return SubmissionVersion.objects.select_related("submission").get(pk=_module_data)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to open a connection fails the test (and is recorded)."""
    attempts: list[Any] = []

    def refuse(address: Any, *args: Any, **kwargs: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"the renderer tried to connect to {address}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def _urls(version: SubmissionVersion) -> dict[str, str]:
    args = [version.submission_id, version.number]
    return {
        name: reverse(name, args=args) for name in ("pdf_status", "pdf_request", "pdf_download")
    }


def _request(user: User, version: SubmissionVersion, capture: Callable[..., Any]) -> RenderedPdf:
    """Ask for the PDF and let the (eager) task run as the transaction would commit."""
    with capture(execute=True):
        services_pdf.rendered_pdf_request(actor=user, version=version)
    return RenderedPdf.objects.get(version=version)


# --- What the PDF says ------------------------------------------------------------------------


def test_it_renders_the_cover_and_the_answers(world: World, version: SubmissionVersion) -> None:
    content = render_version_pdf(version)

    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    lea = world.lea
    expected_words = (
        lea.name, lea.code, "North Valley SELPA", "Targeted", "Level 2",
        "Step 1", "Version 1", "Casey Lead", "typed “Casey Lead”", "SELPA",
    )  # fmt: skip
    for expected in expected_words:
        assert expected in text, expected
    activities = version.snapshot["activities"]
    for activity in activities:
        assert activity["name"] in text
    # An answer as typed, and the structured parts, in the order of the form.
    team = activities[0]["entries"][0]["text"].splitlines()[0]
    assert team in text
    positions = [
        text.index(activity["name"], text.index("Printed from")) for activity in activities
    ]
    assert positions == sorted(positions)


def test_it_sets_the_title_and_the_language(version: SubmissionVersion) -> None:
    reader = PdfReader(io.BytesIO(render_version_pdf(version)))

    assert reader.metadata is not None
    assert reader.metadata.title == document_title(version)
    assert "Riverbend Unified" in str(reader.metadata.title)
    assert reader.metadata.author == "Riverbend Unified"
    assert reader.root_object["/Lang"] == "en"


def test_it_embeds_the_fonts_that_ship_with_the_project(version: SubmissionVersion) -> None:
    fonts = _fonts(render_version_pdf(version))

    assert fonts, "no font in the PDF"
    # "CIM Sans" is the @font-face name of the vendored DejaVu files: no system font has it.
    assert all(name.endswith(("+CIM-Sans", "+CIM-Sans-Bold")) for name in fonts), fonts


def test_it_prints_typed_markup_as_text(world: World, version: SubmissionVersion) -> None:
    snapshot = version.snapshot
    snapshot["activities"][0]["entries"][0]["text"] = '<img src="http://example.com/x.png"> <b>'
    version.snapshot = snapshot
    version.save(update_fields=["snapshot"])

    text = pdf_text(render_version_pdf(version))

    assert '<img src="http://example.com/x.png"> <b>' in text


def test_it_names_the_file_after_the_lea_the_submission_and_the_version(
    world: World, version: SubmissionVersion
) -> None:
    assert pdf_filename(version) == f"cim-{world.lea.code}-riverbend-unified-step-1-v1.pdf"


def _fonts(content: bytes) -> set[str]:
    """Every font the PDF embeds, on its pages and in its images (the charts)."""
    reader = PdfReader(io.BytesIO(content))
    fonts: set[str] = set()

    def collect(resources: DictionaryObject) -> None:
        for font in cast(DictionaryObject, resources.get("/Font", DictionaryObject())).values():
            fonts.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
        for image in cast(DictionaryObject, resources.get("/XObject", DictionaryObject())).values():
            inner = cast(DictionaryObject, image.get_object()).get("/Resources")
            if inner is not None:
                collect(cast(DictionaryObject, inner.get_object()))

    for page in reader.pages:
        collect(cast(DictionaryObject, page["/Resources"]))
    return fonts


def test_it_draws_a_chart_per_outcome_in_a_progress_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other LEA of the SELPA (the module's LEA has its determination for 2024).
    other = replace(
        world,
        lea=world.lea2,
        lea_lead=factories.member(world.lea2, Role.LEA_LEAD, full_name="Lee Lead"),
        lea_member=factories.member(world.lea2, Role.LEA_MEMBER, full_name="Mo Member"),
    )
    engagement = in_step_four(other, load_2024()["intensive"], level=1)
    report = fill_report(other, progress_reports_for_engagement(engagement)[0])
    version = services_progress.progress_report_submit(
        actor=other.lea_lead, report=report, confirmation_name="Lee Lead"
    )
    charts = charts_in_snapshot(version.snapshot)
    assert charts, "the report has no measurable outcome"
    served: list[str] = []
    real_fetch = StaticFilesOnly.fetch

    def fetch(self: StaticFilesOnly, url: str, headers: Any = None) -> Any:
        served.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(StaticFilesOnly, "fetch", fetch)

    content = render_version_pdf(version)

    text = pdf_text(content)
    assert report.title in text
    for chart in charts:
        assert chart.outcome.measure in text
        assert f"{chart.label}: the plan's path" in text
    assert "43.5 on" in text  # the value measured, as the report's entry lists it
    assert [url for url in served if url.startswith(GENERATED)] == [
        f"{GENERATED}chart-{number}.svg" for number in range(1, len(charts) + 1)
    ]
    # The charts' labels are drawn with the vendored font too, not a system one.
    fonts = _fonts(content)
    assert fonts
    assert all(name.endswith(("+CIM-Sans", "+CIM-Sans-Bold")) for name in fonts), fonts


# --- What the renderer may fetch -----------------------------------------------------------------


def test_it_fetches_only_the_projects_static_files(no_network: list[Any]) -> None:
    fetcher = StaticFilesOnly()
    html = (
        '<!doctype html><html lang="en"><head><title>Fetch test</title>'
        '<link rel="stylesheet" href="/static/css/pdf.css">'
        '<link rel="stylesheet" href="https://example.com/evil.css"></head><body>'
        '<p>Hello</p><img src="http://example.com/x.png" alt="">'
        '<img src="file:///etc/passwd" alt=""><img src="/static/../../cim/settings.py" alt="">'
        '<img src="ftp://example.com/y.png" alt=""></body></html>'
    )

    content = html_to_pdf(html, fetcher=fetcher)

    assert "Hello" in pdf_text(content)
    assert fetcher.served[0] == static_prefix() + "css/pdf.css"
    assert {url.rsplit("/", 1)[1] for url in fetcher.served[1:]} <= {
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
    }
    assert "http://example.com/x.png" in fetcher.refused
    assert "https://example.com/evil.css" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert "ftp://example.com/y.png" in fetcher.refused
    assert not any("settings.py" in url for url in fetcher.served)
    assert no_network == []


def test_it_refuses_a_remote_url_in_so_many_words() -> None:
    fetcher = StaticFilesOnly()

    with pytest.raises(ValueError, match="reads only the project's static files"):
        fetcher.fetch("http://example.com/x.png")
    assert REFUSED.startswith("The PDF renderer reads only")


def test_it_finds_static_files_and_nothing_outside_them() -> None:
    assert static_file(static_prefix() + "css/pdf.css") is not None
    assert static_file(static_prefix() + "fonts/DejaVuSans.ttf") is not None
    assert static_file(static_prefix() + "../manage.py") is None
    assert static_file(static_prefix() + "%2e%2e/manage.py") is None
    assert static_file(static_prefix() + "/etc/passwd") is None
    assert static_file(static_prefix() + "css/nothing-here.css") is None
    assert static_file("http://elsewhere.example.org/static/css/pdf.css") is None


# --- Asking for it, and the task ----------------------------------------------------------------


def test_it_renders_once_per_version_however_often_asked(
    world: World, version: SubmissionVersion, django_capture_on_commit_callbacks: Any
) -> None:
    rendered = _request(world.lea_member, version, django_capture_on_commit_callbacks)

    assert rendered.status == RenderedPdf.Status.DONE
    assert bytes(rendered.content).startswith(b"%PDF-")
    assert (rendered.attempts, rendered.size) == (1, len(bytes(rendered.content)))
    assert rendered.requested_by == world.lea_member
    assert rendered.started_at
    assert rendered.finished_at
    again = _request(world.selpa_reviewer, version, django_capture_on_commit_callbacks)
    assert (again.pk, again.attempts, again.requested_by) == (rendered.pk, 1, world.lea_member)
    tasks.render_pdf.delay(rendered.pk)  # a redelivered task: nothing to do
    assert RenderedPdf.objects.get().attempts == 1
    moves = AuditEvent.objects.filter(verb__startswith="pdf.").order_by("pk")
    assert [(e.verb, e.actor_id, e.changes["status"]) for e in moves] == [
        ("pdf.request", world.lea_member.pk, [None, "queued"]),
        ("pdf.rendering", None, ["queued", "rendering"]),
        ("pdf.done", None, ["rendering", "done"]),
    ]


def test_it_fails_in_plain_words_when_the_render_takes_too_long(
    world: World,
    version: SubmissionVersion,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def too_slow(version: SubmissionVersion) -> bytes:
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(services_pdf, "render_version_pdf", too_slow)

    rendered = _request(world.lea_lead, version, django_capture_on_commit_callbacks)

    assert rendered.status == RenderedPdf.Status.FAILED
    assert "took too long" in rendered.error
    assert rendered.error == services_pdf.TOOK_TOO_LONG.format(seconds=tasks.RENDER_SOFT_TIME_LIMIT)
    page = signed_in(world.lea_lead).get(_urls(version)["pdf_status"]).content.decode()
    assert "Failed: it took too long to render" in page
    assert ">Retry</button>" in page


def test_it_retries_a_failed_render(
    world: World,
    version: SubmissionVersion,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(version: SubmissionVersion) -> bytes:
        raise RuntimeError("a bug")

    with monkeypatch.context() as patch:
        patch.setattr(services_pdf, "render_version_pdf", broken)
        failed = _request(world.lea_lead, version, django_capture_on_commit_callbacks)
    assert (failed.status, failed.error) == (RenderedPdf.Status.FAILED, services_pdf.RENDER_ERROR)

    retried = _request(world.cde_consultant, version, django_capture_on_commit_callbacks)

    assert (retried.pk, retried.status, retried.error) == (failed.pk, "done", "")
    assert retried.attempts == 2
    assert retried.requested_by == world.cde_consultant
    assert AuditEvent.objects.filter(verb="pdf.retry", actor=world.cde_consultant).exists()


def test_it_retries_with_backoff_when_storing_fails(
    world: World,
    version: SubmissionVersion,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_store = services_pdf.rendered_pdf_store
    calls: list[int] = []

    def flaky_store(**kwargs: Any) -> RenderedPdf | None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database went away")
        return real_store(**kwargs)

    monkeypatch.setattr(services_pdf, "rendered_pdf_store", flaky_store)
    countdowns: list[float] = []
    real_retry = tasks.render_pdf.retry

    def retry(*args: Any, **kwargs: Any) -> Any:
        countdowns.append(kwargs["countdown"])
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.render_pdf, "retry", retry)
    # Eagerly, Celery runs a retry at once, unless the first error propagates out
    # (tests/conftest.py `_celery_eager` sets it back for the next test).
    celery_app.conf.task_eager_propagates = False

    rendered = _request(world.lea_lead, version, django_capture_on_commit_callbacks)

    assert len(calls) == 2
    assert countdowns
    assert 0 <= countdowns[0] <= 10
    assert (rendered.status, rendered.attempts) == (RenderedPdf.Status.DONE, 2)


def test_it_gives_up_storing_after_the_last_retry(
    world: World, version: SubmissionVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(services_pdf, "rendered_pdf_store", down)
    rendered = RenderedPdf.objects.create(version=version, requested_by=world.lea_lead)

    with pytest.raises(OSError, match="disk full"):
        tasks.render_pdf.apply(args=(rendered.pk,), retries=tasks.PDF_MAX_RETRIES, throw=True)

    rendered.refresh_from_db()
    assert rendered.status == RenderedPdf.Status.FAILED
    assert rendered.error == services_pdf.NOT_STORED.format(attempts=tasks.PDF_MAX_RETRIES + 1)


@pytest.mark.parametrize(
    ("status", "since", "reason"),
    [
        ("rendering", STUCK_AFTER * 2, services_pdf.WORKER_LOST),
        ("queued", UNCLAIMED_AFTER * 2, services_pdf.NO_WORKER.format(minutes=10)),
    ],
)
def test_it_offers_a_retry_when_no_worker_finishes(
    world: World,
    version: SubmissionVersion,
    django_capture_on_commit_callbacks: Any,
    status: str,
    since: timedelta,
    reason: str,
) -> None:
    long_ago = timezone.now() - since
    stuck = RenderedPdf.objects.create(
        version=version, status=status, started_at=long_ago, requested_at=long_ago, attempts=1
    )
    page = signed_in(world.lea_lead).get(_urls(version)["pdf_status"]).content.decode()
    assert f"Failed: {reason}" in page
    assert ">Retry</button>" in page
    assert "hx-trigger" not in page

    rendered = _request(world.lea_lead, version, django_capture_on_commit_callbacks)

    assert (rendered.pk, rendered.status, rendered.attempts) == (stuck.pk, "done", 2)


def test_it_waits_for_a_worker_a_while_before_offering_a_retry(
    world: World, version: SubmissionVersion, django_capture_on_commit_callbacks: Any
) -> None:
    queued = RenderedPdf.objects.create(
        version=version, requested_at=timezone.now() - UNCLAIMED_AFTER / 2
    )
    page = signed_in(world.lea_lead).get(_urls(version)["pdf_status"]).content.decode()
    assert "Waiting for a worker" in page
    assert 'hx-trigger="every 1s"' in page

    with django_capture_on_commit_callbacks() as enqueued:
        again = services_pdf.rendered_pdf_request(actor=world.lea_member, version=version)

    assert (again.pk, again.status, again.requested_by) == (queued.pk, "queued", None)
    assert enqueued == []


# --- The pages ---------------------------------------------------------------------------------


def test_it_shows_the_pdf_block_on_the_submission_page(
    world: World, version: SubmissionVersion
) -> None:
    page = signed_in(world.lea_member).get(
        reverse("submission_detail", args=[version.submission_id])
    )

    html = page.content.decode()
    assert f'hx-get="{_urls(version)["pdf_status"]}"' in html
    assert "PDF of version 1" in html


def test_it_asks_shows_progress_and_links_the_download(
    world: World, version: SubmissionVersion, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(world.lea_member)
    urls = _urls(version)
    page = client.get(urls["pdf_status"]).content.decode()
    assert "Make the PDF of version 1" in page

    # Queued, before the worker runs: the state polls itself.
    response = client.post(urls["pdf_request"], headers={"HX-Request": "true"})
    assert response.status_code == 200
    state = response.content.decode()
    assert "<html" not in state
    assert 'hx-trigger="every 1s"' in state
    assert "Waiting for a worker" in state

    RenderedPdf.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls["pdf_request"])
    assert response.status_code == 302
    assert response["Location"] == urls["pdf_status"]
    state = client.get(urls["pdf_status"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in state
    assert f'href="{urls["pdf_download"]}"' in state


def test_it_serves_the_pdf_as_an_attachment(
    world: World, version: SubmissionVersion, django_capture_on_commit_callbacks: Any
) -> None:
    _request(world.lea_lead, version, django_capture_on_commit_callbacks)

    response = signed_in(world.selpa_reviewer).get(_urls(version)["pdf_download"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="{pdf_filename(version)}"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert world.lea.name in pdf_text(response.content)


def test_it_has_no_download_before_the_pdf_is_done(
    world: World, version: SubmissionVersion
) -> None:
    client = signed_in(world.lea_lead)
    assert client.get(_urls(version)["pdf_download"]).status_code == 404
    RenderedPdf.objects.create(version=version)
    assert client.get(_urls(version)["pdf_download"]).status_code == 404


def test_it_has_no_pdf_of_a_version_that_does_not_exist(
    world: World, version: SubmissionVersion
) -> None:
    client = signed_in(world.lea_lead)
    for name in ("pdf_status", "pdf_download"):
        url = reverse(name, args=[version.submission_id, 2])
        assert client.get(url).status_code == 404
    url = reverse("pdf_request", args=[version.submission_id, 2])
    assert client.post(url).status_code == 404


# --- Who may ask for and download it --------------------------------------------------------------


def _who(world: World) -> dict[str, User]:
    return {
        "lead": world.lea_lead,
        "member": world.lea_member,
        "SELPA reviewer": world.selpa_reviewer,
        "assigned consultant": world.cde_consultant,
        "admin": world.cde_admin,
        "foreign SELPA reviewer": world.foreign_selpa_reviewer,
        "foreign LEA lead": world.foreign_lea_lead,
        "unassigned consultant": factories.member(
            world.cde, Role.CDE_CONSULTANT, full_name="Una Assigned"
        ),
        "outsider": world.outsider,
    }


SEES_IT = {"lead", "member", "SELPA reviewer", "assigned consultant", "admin"}


def test_it_serves_pdfs_only_to_those_who_may_see_the_submission(
    world: World, version: SubmissionVersion, django_capture_on_commit_callbacks: Any
) -> None:
    _request(world.lea_lead, version, django_capture_on_commit_callbacks)
    urls = _urls(version)

    for who, user in _who(world).items():
        client = signed_in(user)
        expected = 200 if who in SEES_IT else 404
        assert client.get(urls["pdf_status"]).status_code == expected, who
        assert client.get(urls["pdf_download"]).status_code == expected, who
        assert client.post(urls["pdf_request"]).status_code == (302 if who in SEES_IT else 404)


def test_it_checks_scope(world: World, version: SubmissionVersion) -> None:
    client = signed_in(world.outsider)
    urls = _urls(version)

    assert client.get(urls["pdf_status"]).status_code == 404
    assert client.post(urls["pdf_request"]).status_code == 404
    assert not RenderedPdf.objects.exists()


def test_it_lets_every_role_that_sees_the_submission_ask_for_the_pdf(
    world: World, version: SubmissionVersion, django_capture_on_commit_callbacks: Any
) -> None:
    people = _who(world)
    for who in sorted(SEES_IT):
        RenderedPdf.objects.all().delete()
        user = people[who]
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in(user).post(_urls(version)["pdf_request"])
        assert response.status_code == 302, who
        assert RenderedPdf.objects.get().status == RenderedPdf.Status.DONE, who


def test_it_sends_anonymous_people_to_the_login_page(version: SubmissionVersion) -> None:
    for url in _urls(version).values():
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
