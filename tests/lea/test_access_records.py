"""The access record (issue 13): every read of an LEA's CIM records leaves one row (who,
which LEA, what, when, from where); nobody changes or removes a row, the database
included, except the retention sweep; a CDE administrator and the LEA's lead list and
download it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from cim.models import Cohort
from lea import services_access_records, tasks
from lea.forms import UNTIL_BEFORE_SINCE
from lea.models import AccessRecord, AuditEvent, User
from reports.models import RenderedPdf
from reports.services import calendar as services_calendar
from reports.views.calendar import feed_url
from steps import services
from steps.models import Engagement, SubmissionVersion
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db

Kind = AccessRecord.Kind
CALIFORNIA = ZoneInfo("America/Los_Angeles")


@pytest.fixture(scope="module")
def _module_data(module_world: World, django_db_blocker: DjangoDbBlocker) -> tuple[int, int]:
    """Step 1 of Riverbend (Targeted Level 2) submitted, made once for the module in its
    transaction (tests/module_data.py): the engagement's and the version's ids."""
    with django_db_blocker.unblock():
        cohorts: dict[str, Cohort] = load_2024()
        engagement = start(module_world.lea, cohorts["targeted"], level=2)
        make_ready(engagement, 1, actor=module_world.lea_lead)
        version = services.submission_submit(
            actor=module_world.lea_lead,
            engagement=engagement,
            step=1,
            confirmation_name="Casey Lead",
        )
        return engagement.pk, version.pk


@pytest.fixture
def engagement(_module_data: tuple[int, int], db: None) -> Engagement:
    return Engagement.objects.select_related("lea").get(pk=_module_data[0])


@pytest.fixture
def version(_module_data: tuple[int, int], db: None) -> SubmissionVersion:
    return SubmissionVersion.objects.select_related("submission").get(pk=_module_data[1])


def _activity_key(engagement: Engagement) -> str:
    return str(engagement.records.order_by("pk").values_list("definition__key", flat=True)[0])


def _plan_key(engagement: Engagement) -> str:
    return str(
        engagement.records.filter(definition__step=3)
        .order_by("pk")
        .values_list("definition__key", flat=True)
        .filter(definition__key__contains="plan")[0]
    )


# Each page or download that shows the LEA's records: its URL, and the kind it records.
PAGES: dict[str, tuple[Kind, Callable[[Engagement, SubmissionVersion], str]]] = {
    "workspace": (Kind.WORKSPACE, lambda e, v: reverse("engagement_workspace", args=[e.pk])),
    "activity": (
        Kind.ACTIVITY,
        lambda e, v: reverse("activity_detail", args=[e.pk, _activity_key(e)]),
    ),
    "activity history": (
        Kind.ACTIVITY_HISTORY,
        lambda e, v: reverse("activity_history", args=[e.pk, _activity_key(e)]),
    ),
    "activity checklist": (
        Kind.ACTIVITY,
        lambda e, v: reverse("activity_checklist", args=[e.pk, _activity_key(e)]),
    ),
    "plan trace": (
        Kind.ACTIVITY,
        lambda e, v: reverse("plan_trace", args=[e.pk, _plan_key(e)]),
    ),
    "submit page": (Kind.SUBMISSION_CHECKLIST, lambda e, v: reverse("step_submit", args=[e.pk, 2])),
    "submission and its comments": (
        Kind.SUBMISSION_VERSION,
        lambda e, v: reverse("submission_detail", args=[v.submission_id]),
    ),
    "a version": (
        Kind.SUBMISSION_VERSION,
        lambda e, v: reverse("submission_version", args=[v.submission_id, v.number]),
    ),
    "calendar page": (Kind.CALENDAR, lambda e, v: reverse("engagement_calendar", args=[e.pk])),
    "Step 4 page": (Kind.PROGRESS_REPORTS, lambda e, v: reverse("progress_reports", args=[e.pk])),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_it_records_each_read_once_with_who_which_lea_what_and_where(
    world: World, engagement: Engagement, version: SubmissionVersion, page: str
) -> None:
    kind, url_of = PAGES[page]
    url = url_of(engagement, version)
    # The SELPA's reviewer reads; what a submission needs is for the LEA's team only.
    reader = world.lea_member if kind == Kind.SUBMISSION_CHECKLIST else world.selpa_reviewer

    response = signed_in(reader).get(url, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    row = AccessRecord.objects.get()
    assert (row.user, row.organization, row.kind) == (reader, world.lea, kind)
    assert row.client_address == "203.0.113.9"
    assert row.path == url
    assert abs(row.at - timezone.now()) < timedelta(minutes=1)


def test_it_records_a_read_in_one_insert_and_no_other_query(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    url = reverse("engagement_workspace", args=[engagement.pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    touching = [q["sql"] for q in queries.captured_queries if "lea_accessrecord" in q["sql"]]
    assert len(touching) == 1
    assert touching[0].startswith('INSERT INTO "lea_accessrecord"')


def test_it_records_the_pdf_download(world: World, version: SubmissionVersion) -> None:
    RenderedPdf.objects.create(
        version=version, status=RenderedPdf.Status.DONE, content=b"%PDF-1.7 test", size=13
    )
    url = reverse("pdf_download", args=[version.submission_id, version.number])

    response = signed_in(world.lea_member).get(url)

    assert response.status_code == 200
    row = AccessRecord.objects.get()
    assert (row.user, row.organization, row.kind) == (world.lea_member, world.lea, Kind.PDF)
    assert row.object_repr.endswith("version 1")


def test_it_records_nothing_for_a_refused_or_missing_read(
    world: World, engagement: Engagement, version: SubmissionVersion
) -> None:
    assert signed_in(world.foreign_lea_lead).get(
        reverse("engagement_workspace", args=[engagement.pk])
    ).status_code == 404  # fmt: skip
    assert signed_in(world.lea_lead).get(
        reverse("pdf_download", args=[version.submission_id, version.number])
    ).status_code == 404  # fmt: skip
    assert not AccessRecord.objects.exists()


def test_it_records_the_calendar_feed_for_its_owner(world: World, engagement: Engagement) -> None:
    new = services_calendar.calendar_feed_create(actor=world.lea_member, engagement=engagement)
    path = feed_url(new.token).removeprefix("http://testserver")

    response = signed_in(world.outsider).get(path, REMOTE_ADDR="198.51.100.20")

    assert response.status_code == 200
    row = AccessRecord.objects.get()
    assert (row.user, row.organization, row.kind) == (world.lea_member, world.lea, Kind.CALENDAR)
    assert row.client_address == "198.51.100.20"


def test_it_takes_the_address_a_trusted_proxy_gives(
    world: World, engagement: Engagement, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = signed_in(world.lea_lead)
    url = reverse("engagement_workspace", args=[engagement.pk])

    client.get(url, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7")
    client.get(url, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7")

    first, second = AccessRecord.objects.order_by("pk")
    assert first.client_address == "198.51.100.7"  # the proxy's word, past it
    assert second.client_address == "203.0.113.9"  # not a proxy: its header is ignored


def test_it_records_each_lea_of_a_statewide_export(world: World, engagement: Engagement) -> None:
    start(world.foreign_lea, engagement.cohort, level=1)
    client = signed_in(world.cde_admin)

    for name, kind in (
        ("status_grid_csv", Kind.STATUS_GRID_EXPORT),
        ("status_grid_xlsx", Kind.STATUS_GRID_EXPORT),
        ("cim_status_csv", Kind.STATUS_EXPORT),
    ):
        response = client.get(reverse(name), {"year": 2024})
        assert response.status_code == 200, name
        rows = AccessRecord.objects.filter(kind=kind, path__startswith=reverse(name))
        assert {row.organization for row in rows} == {world.lea, world.foreign_lea}, name
        assert {row.user for row in rows} == {world.cde_admin}


def test_it_records_only_the_leas_a_selpa_reviewer_exports(
    world: World, engagement: Engagement
) -> None:
    start(world.foreign_lea, engagement.cohort, level=1)

    signed_in(world.selpa_reviewer).get(reverse("status_grid_csv"), {"year": 2024})

    assert [row.organization for row in AccessRecord.objects.all()] == [world.lea]


def test_it_records_no_read_for_a_post(world: World, engagement: Engagement) -> None:
    url = reverse("step_submit", args=[engagement.pk, 2])
    signed_in(world.lea_lead).post(url, {"confirmation_name": ""})
    assert not AccessRecord.objects.exists()


# --- Append-only ---------------------------------------------------------------------------


def _row(user: User, world: World, *, at: datetime | None = None) -> AccessRecord:
    return AccessRecord.objects.create(
        user=user,
        organization=world.lea,
        kind=Kind.WORKSPACE,
        path="/engagements/1/",
        client_address="192.0.2.1",
        at=at or timezone.now(),
    )


def test_it_refuses_to_change_or_delete_a_row_in_the_database(world: World) -> None:
    row = _row(world.lea_lead, world)
    attempts: list[Callable[[], object]] = [
        lambda: AccessRecord.objects.filter(pk=row.pk).update(client_address="192.0.2.99"),
        lambda: AccessRecord.objects.filter(pk=row.pk).delete(),
        row.delete,
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    row.refresh_from_db()
    assert row.client_address == "192.0.2.1"


def test_it_offers_no_add_change_or_delete_in_the_admin(world: World) -> None:
    model_admin = site._registry[AccessRecord]
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("root@example.org", "root-password-1")
    row = _row(world.lea_lead, world)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)

    admin = signed_in(world.cde_admin)
    assert admin.get(reverse("admin:lea_accessrecord_changelist")).status_code == 200
    assert admin.post(reverse("admin:lea_accessrecord_delete", args=[row.pk])).status_code == 403
    assert AccessRecord.objects.filter(pk=row.pk).exists()


# --- Retention -----------------------------------------------------------------------------


def test_it_purges_only_rows_past_the_retention_and_audits_it(world: World, settings: Any) -> None:
    settings.ACCESS_RECORD_RETENTION_DAYS = 30
    now = datetime(2025, 3, 1, 3, 30, tzinfo=CALIFORNIA)
    old = _row(world.lea_lead, world, at=now - timedelta(days=30, seconds=1))
    kept = _row(world.lea_lead, world, at=now - timedelta(days=29, hours=23))

    deleted = services_access_records.access_records_purge(now=now)

    assert deleted == 1
    assert list(AccessRecord.objects.all()) == [kept]
    assert not AccessRecord.objects.filter(pk=old.pk).exists()
    event = AuditEvent.objects.get(verb="access_record.purge")
    assert event.actor is None
    assert event.changes["deleted"] == [None, 1]
    # The sweep's permission ends with it: an old row is refused again afterwards.
    older = _row(world.lea_lead, world, at=now - timedelta(days=400))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessRecord.objects.filter(pk=older.pk).delete()


def test_it_runs_the_purge_as_a_beat_task(world: World, settings: Any) -> None:
    assert (
        settings.CELERY_BEAT_SCHEDULE["purge-access-records-daily"]["task"]
        == "lea.tasks.purge_access_records"
    )
    _row(world.lea_lead, world, at=timezone.now() - timedelta(days=2557 + 1))
    _row(world.lea_lead, world)

    tasks.purge_access_records.delay()

    assert AccessRecord.objects.count() == 1


# --- Who has seen this LEA's records -------------------------------------------------------


def _list_url(world: World) -> str:
    return reverse("organization_access_record", args=[world.lea.pk])


def _csv_url(world: World) -> str:
    return reverse("organization_access_record_csv", args=[world.lea.pk])


@pytest.mark.parametrize(
    "role", ["foreign_lea_lead", "selpa_reviewer", "lea_member", "cde_consultant", "outsider"]
)
def test_it_checks_scope(world: World, role: str) -> None:
    client = signed_in(getattr(world, role))
    assert client.get(_list_url(world)).status_code == 404
    assert client.get(_csv_url(world)).status_code == 404


@pytest.mark.parametrize("role", ["cde_admin", "lea_lead"])
def test_it_lists_the_record_newest_first_for_the_admin_and_the_lead(
    world: World, engagement: Engagement, role: str
) -> None:
    workspace = reverse("engagement_workspace", args=[engagement.pk])
    signed_in(world.selpa_reviewer).get(workspace)
    signed_in(world.lea_member).get(reverse("engagement_calendar", args=[engagement.pk]))

    page = signed_in(getattr(world, role)).get(_list_url(world)).content.decode()

    assert page.index("Deadlines calendar") < page.index("Workspace")
    assert world.selpa_reviewer.email in page
    assert world.lea_member.email in page
    assert "Who has seen the records of Riverbend Unified" in page


def test_it_links_the_record_from_the_workspace_for_the_lead_only(
    world: World, engagement: Engagement
) -> None:
    workspace = reverse("engagement_workspace", args=[engagement.pk])
    assert _list_url(world) in signed_in(world.lea_lead).get(workspace).content.decode()
    assert _list_url(world) in signed_in(world.cde_admin).get(workspace).content.decode()
    assert _list_url(world) not in signed_in(world.lea_member).get(workspace).content.decode()


def test_it_filters_by_person_and_days(world: World) -> None:
    day = datetime(2025, 2, 10, 9, 0, tzinfo=CALIFORNIA)
    _row(world.lea_member, world, at=day)
    _row(world.lea_member, world, at=day - timedelta(days=5))
    _row(world.selpa_reviewer, world, at=day)
    client = signed_in(world.lea_lead)

    filters: dict[str, str | int] = {
        "person": world.lea_member.pk,
        "since": "2025-02-10",
        "until": "2025-02-10",
    }
    page = client.get(_list_url(world), filters).content.decode()
    assert "1 read matching the filters" in page
    assert world.selpa_reviewer.email not in page.split("<tbody>")[1]

    refused = client.get(_list_url(world), {"since": "2025-02-11", "until": "2025-02-10"})
    assert UNTIL_BEFORE_SINCE in refused.content.decode()


def test_it_downloads_the_record_as_csv_without_formulas(world: World) -> None:
    world.lea_member.full_name = '=HYPERLINK("http://evil.example")'
    world.lea_member.save(update_fields=["full_name"])
    _row(world.lea_member, world, at=datetime(2025, 2, 10, 9, 0, tzinfo=CALIFORNIA))

    response = signed_in(world.cde_admin).get(_csv_url(world))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, line = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["when", "name", "email", "what", "which", "page", "from"]
    assert line[0] == "2025-02-10 09:00:00-08:00"
    assert line[1] == '\'=HYPERLINK("http://evil.example")'
    assert line[3:] == ["Workspace", "", "/engagements/1/", "192.0.2.1"]
