"""Calendar feeds: an engagement's deadlines at a secret per-user URL, read back with the
real icalendar library, and the page where a person makes, rotates and revokes theirs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar, Event
from pytest_django import DjangoDbBlocker

from cim.models import INFERRED_DATE, Cohort
from cim.resolver import resolve_activities
from lea import services as lea_services
from lea.models import AuditEvent, User
from reports import access as reports_access
from reports.models import CalendarFeed
from reports.selectors import calendar as selectors
from reports.services import calendar as services
from steps import services as step_services
from steps.models import (
    ActivityRecord,
    Engagement,
    ResolvedRequirement,
    Submission,
    SubmissionState,
)
from tests.cim.catalog import determination, load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

STEP_1 = "Riverbend Unified: Step 1 due (CIM)"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3, unmet=("4A",))


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _token(user: User, engagement: Engagement) -> str:
    return services.calendar_feed_create(actor=user, engagement=engagement).token


def _fetch(token: str):  # type: ignore[no-untyped-def]
    # A calendar app: no session, no cookies.
    return Client().get(reverse("calendar_feed_ics", args=[token]))


def _calendar(token: str) -> Calendar:
    response = _fetch(token)
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.content)


def _events(token: str) -> dict[str, Event]:
    return {str(event["SUMMARY"]): event for event in _calendar(token).events}


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.select_related("definition").get(
        engagement=engagement, definition__key=key
    )


def _page_url(engagement: Engagement, name: str = "engagement_calendar") -> str:
    return reverse(name, args=[engagement.pk])


# --- The feed --------------------------------------------------------------------------------


def test_it_says_which_dates_are_inferred_in_the_feed_and_on_its_page(
    world: World, engagement: Engagement, cohorts: dict[str, Cohort]
) -> None:
    intensive = start(world.lea2, cohorts["intensive"], level=1)
    targeted = {
        s: str(e["DESCRIPTION"]) for s, e in _events(_token(world.lea_lead, engagement)).items()
    }
    inferred = _events(_token(world.cde_admin, intensive))
    page = signed_in(world.cde_admin).get(_page_url(intensive)).content.decode()

    assert INFERRED_DATE not in targeted[STEP_1]
    assert all(  # the cohort's dates are stated; its reporting periods are inferred
        INFERRED_DATE in words
        for summary, words in targeted.items()
        if "Progress report" in summary
    )
    step_1 = inferred[f"{world.lea2.name}: Step 1 due (CIM)"]
    assert f"The {INFERRED_DATE}." in str(step_1["DESCRIPTION"])
    assert page.count(f"({INFERRED_DATE})") == len(inferred)


def test_it_serves_each_deadline_as_an_all_day_event(world: World, engagement: Engagement) -> None:
    response = _fetch(_token(world.lea_lead, engagement))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    assert not response.cookies
    calendar = Calendar.from_ical(response.content)
    assert calendar.calendar_name == "Riverbend Unified: CIM deadlines"
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Los_Angeles"
    events = {str(event["SUMMARY"]): event for event in calendar.events}
    steps = {s: e.start for s, e in events.items() if "Progress report" not in s}
    assert steps == {
        "Riverbend Unified: SRR self-review due (CIM)": date(2024, 6, 30),
        STEP_1: date(2024, 7, 10),
        "Riverbend Unified: Step 2 due (CIM)": date(2024, 10, 10),
        "Riverbend Unified: Step 3 due (CIM)": date(2024, 12, 6),
        "Riverbend Unified: Step 4 ends (CIM)": date(2026, 12, 31),
    }
    step_1 = events[STEP_1]
    assert step_1.end == date(2024, 7, 11)
    assert str(step_1["TRANSP"]) == "TRANSPARENT"
    description = str(step_1["DESCRIPTION"])
    assert "Status: Not submitted yet (overdue)." in description
    assert "Parent Input: Not started." in description
    assert f"http://testserver/engagements/{engagement.pk}/" in description


def test_it_lists_only_step_4_for_an_lea_continuing_from_an_earlier_cohort(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    made = determination(world.lea, tier="targeted", level=2, new_to_cim=False)
    continuing = step_services.engagement_start(
        actor=None,
        lea=world.lea,
        cohort=cohorts["targeted"],
        determination=made,
        activities=resolve_activities(determination=made, cohort=cohorts["targeted"]),
    )

    events = _events(_token(world.lea_lead, continuing))
    page = signed_in(world.lea_lead).get(_page_url(continuing)).content.decode()

    titles = {title.removeprefix("Riverbend Unified: ") for title in events}
    assert "Step 4 ends (CIM)" in titles
    assert any(title.startswith("Progress report") for title in titles)
    assert not [t for t in titles if t.startswith(("Step 1", "Step 2", "Step 3", "SRR"))]
    assert not [t for t in titles if not t.startswith(("Step 4", "Progress report"))]
    for words in ("Step 1 due", "Step 2 due", "Step 3 due", "SRR self-review due"):
        assert words not in page


def test_it_keeps_the_uids_when_the_content_changes(world: World, engagement: Engagement) -> None:
    token = _token(world.lea_lead, engagement)
    before = _events(token)
    record = _record(engagement, "parent_input")
    step_services.record_save_answers(
        actor=world.lea_lead, record=record, expected_version=record.version,
        answers={"target_group": "Parents of K-2 students"},
    )  # fmt: skip
    after = _events(token)
    assert {e.uid for e in before.values()} == {e.uid for e in after.values()}
    assert len({e.uid for e in after.values()}) == len(after)
    assert "Parent Input: In progress." in str(after[STEP_1]["DESCRIPTION"])


def test_it_gives_an_activity_due_on_a_day_of_its_own_its_own_event(
    world: World, engagement: Engagement
) -> None:
    ActivityRecord.objects.filter(pk=_record(engagement, "parent_input").pk).update(
        due_date=date(2024, 8, 1)
    )
    events = _events(_token(world.lea_lead, engagement))
    parent_input = events["Riverbend Unified: Parent Input due (CIM)"]
    assert parent_input.start == date(2024, 8, 1)
    assert parent_input.uid == f"engagement-{engagement.pk}-activity-parent_input@testserver"
    assert "Parent Input" not in str(events[STEP_1]["DESCRIPTION"])


def test_it_lists_optional_activities_only_once_taken_up(
    world: World, engagement: Engagement
) -> None:
    optional = (
        ActivityRecord.objects.select_related("definition")
        .filter(engagement=engagement, requirement=ResolvedRequirement.OPTIONAL)
        .filter(definition__step=1)
        .first()
    )
    assert optional is not None
    token = _token(world.lea_lead, engagement)
    assert optional.definition.name not in str(_events(token)[STEP_1]["DESCRIPTION"])
    step_services.record_save_answers(
        actor=world.lea_lead, record=optional, expected_version=optional.version,
        answers={"summary": "We did it after all."},
    )  # fmt: skip
    assert f"{optional.definition.name}: In progress." in str(_events(token)[STEP_1]["DESCRIPTION"])


def test_it_shows_a_submitted_step_as_submitted_not_overdue(
    world: World, engagement: Engagement
) -> None:
    from tests.steps.ready import make_ready

    make_ready(engagement, 1, actor=world.lea_lead)
    step_services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, activity=None,
        confirmation_name="Casey Lead",
    )  # fmt: skip
    description = str(_events(_token(world.lea_lead, engagement))[STEP_1]["DESCRIPTION"])
    assert "Status: Submitted, waiting on CDE review." in description


def test_it_lists_each_reporting_period_and_its_report(
    world: World, engagement: Engagement
) -> None:
    try:
        period_model = apps.get_model("cim", "ReportingPeriod")
        report_model = apps.get_model("reports", "ProgressReport")
    except LookupError:  # pragma: no cover - until the Step 4 models land
        pytest.skip("No reporting periods in this checkout yet.")
    period_model.objects.filter(cohort=engagement.cohort).delete()
    first = period_model.objects.create(
        cohort=engagement.cohort, number=1, starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30), due_on=date(2025, 7, 31),
    )  # fmt: skip
    period_model.objects.create(
        cohort=engagement.cohort, number=2, starts_on=date(2025, 7, 1),
        ends_on=date(2025, 12, 31), due_on=date(2026, 1, 31),
    )  # fmt: skip
    token = _token(world.lea_lead, engagement)
    events = _events(token)
    first_report = events["Riverbend Unified: Progress report, Jan\u2013Jun 2025 due (CIM)"]
    assert first_report.start == date(2025, 7, 31)
    assert "Status: Not started (overdue)." in str(first_report["DESCRIPTION"])
    assert events["Riverbend Unified: Progress report, Jul\u2013Dec 2025 due (CIM)"].start == date(
        2026, 1, 31
    )
    report_model.objects.create(engagement=engagement, period=first, due_on=date(2025, 8, 15))
    again = _events(token)["Riverbend Unified: Progress report, Jan\u2013Jun 2025 due (CIM)"]
    assert again.uid == first_report.uid
    assert again.start == date(2025, 8, 15)
    assert "Status: Not submitted yet (overdue)." in str(again["DESCRIPTION"])


def test_it_leaves_out_reports_until_their_models_exist(
    world: World, engagement: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_such_model(app_label: str, model_name: str) -> None:
        raise LookupError(model_name)

    monkeypatch.setattr(selectors.apps, "get_model", no_such_model)
    assert not [d for d in selectors.engagement_deadlines(engagement=engagement)
                if d.key.startswith("progress-report")]  # fmt: skip


def test_it_gives_activities_of_a_step_without_a_date_their_own_events(
    world: World, engagement: Engagement
) -> None:
    Cohort.objects.filter(pk=engagement.cohort_id).update(step2_due=None)
    engagement.refresh_from_db()
    events = _events(_token(world.lea_lead, engagement))
    assert "Riverbend Unified: Step 2 due (CIM)" not in events
    assert events["Riverbend Unified: Prioritization due (CIM)"].start == date(2024, 10, 10)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (SubmissionState.DRAFT, "Not submitted yet"),
        (SubmissionState.SUBMITTED, "Submitted, waiting on SELPA review"),
        (SubmissionState.RETURNED, "Returned for revision by SELPA"),
        (SubmissionState.APPROVED, "Approved by SELPA"),
    ],
)
def test_it_words_each_state_of_a_submission(state: str, words: str) -> None:
    submission = Submission(step=1, routed_to="SELPA", state=state)
    assert selectors._submission_words(submission) == words


def test_it_answers_404_to_an_unknown_token(world: World, engagement: Engagement) -> None:
    token = _token(world.lea_lead, engagement)
    assert _fetch("not-a-token-anyone-was-given").status_code == 404
    assert _fetch(token.upper()).status_code == 404
    # Some calendar apps look before they fetch.
    assert Client().head(reverse("calendar_feed_ics", args=[token])).status_code == 200


def test_it_answers_404_once_revoked(world: World, engagement: Engagement) -> None:
    new = services.calendar_feed_create(actor=world.lea_lead, engagement=engagement)
    services.calendar_feed_revoke(actor=world.lea_lead, feed=new.feed)
    assert _fetch(new.token).status_code == 404


def test_it_rotates_the_url(world: World, engagement: Engagement) -> None:
    old = _token(world.lea_lead, engagement)
    new = _token(world.lea_lead, engagement)
    assert _fetch(old).status_code == 404
    assert _fetch(new).status_code == 200
    assert CalendarFeed.objects.filter(user=world.lea_lead, revoked_at__isnull=True).count() == 1
    verbs = list(AuditEvent.objects.filter(verb__startswith="calendar_feed.").values_list("verb"))
    assert verbs == [("calendar_feed.rotate",), ("calendar_feed.create",)]


def test_it_stops_when_the_person_leaves_the_lea(world: World, engagement: Engagement) -> None:
    token = _token(world.lea_member, engagement)
    assert _fetch(token).status_code == 200
    lea_services.membership_remove(
        actor=world.lea_lead, membership=world.lea_member.memberships.get()
    )
    assert _fetch(token).status_code == 404


def test_it_stops_for_a_deactivated_person(world: World, engagement: Engagement) -> None:
    token = _token(world.lea_member, engagement)
    lea_services.user_set_active(actor=world.cde_admin, user=world.lea_member, active=False)
    assert _fetch(token).status_code == 404


def test_it_stores_only_a_hash_of_the_token(world: World, engagement: Engagement) -> None:
    new = services.calendar_feed_create(actor=world.lea_lead, engagement=engagement)
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == CalendarFeed.hash_token(new.token) != new.token
    assert new.token not in str(list(CalendarFeed.objects.values()))
    assert new.token not in str(list(AuditEvent.objects.values_list("object_repr", "changes")))


def test_it_records_when_a_calendar_app_last_fetched(world: World, engagement: Engagement) -> None:
    new = services.calendar_feed_create(actor=world.lea_lead, engagement=engagement)
    assert new.feed.last_fetched_at is None
    _fetch(new.token)
    new.feed.refresh_from_db()
    assert new.feed.last_fetched_at is not None


def test_it_fetches_in_the_same_queries_however_many_activities(
    world: World, engagement: Engagement, django_assert_max_num_queries
) -> None:
    token = _token(world.lea_lead, engagement)
    with CaptureQueriesContext(connection) as few:
        _fetch(token)
    # Every activity owed and on a day of its own: many more events, no more queries.
    records = ActivityRecord.objects.filter(engagement=engagement)
    for offset, record in enumerate(records):
        ActivityRecord.objects.filter(pk=record.pk).update(
            requirement=ResolvedRequirement.REQUIRED,
            due_date=date(2024, 7, 10) + timedelta(days=offset + 1),
        )
    with django_assert_max_num_queries(len(few)):
        calendar = _calendar(token)
    assert len(calendar.events) >= records.count() + 4


# --- The service -----------------------------------------------------------------------------


def test_it_refuses_a_feed_of_work_the_person_may_not_see(
    world: World, engagement: Engagement
) -> None:
    with pytest.raises(PermissionDenied, match=services.NOT_IN_SCOPE):
        services.calendar_feed_create(actor=world.foreign_lea_lead, engagement=engagement)
    feed = services.calendar_feed_create(actor=world.lea_lead, engagement=engagement).feed
    with pytest.raises(PermissionDenied, match=services.NOT_YOURS):
        services.calendar_feed_revoke(actor=world.lea_member, feed=feed)


def test_it_revokes_once(world: World, engagement: Engagement) -> None:
    feed = services.calendar_feed_create(actor=world.lea_lead, engagement=engagement).feed
    first = services.calendar_feed_revoke(actor=world.lea_lead, feed=feed)
    again = services.calendar_feed_revoke(actor=world.lea_lead, feed=feed)
    assert again.revoked_at == first.revoked_at
    assert AuditEvent.objects.filter(verb="calendar_feed.revoke").count() == 1
    assert reports_access.calendar_feed_for(world.lea_lead, engagement) is None
    assert reports_access.calendar_feed_for(AnonymousUser(), engagement) is None


# --- The page --------------------------------------------------------------------------------


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    for user in (world.outsider, world.foreign_lea_lead, world.foreign_selpa_reviewer):
        client = signed_in(user)
        assert client.get(_page_url(engagement)).status_code == 404
        assert client.post(_page_url(engagement, "engagement_calendar_create")).status_code == 404
        assert client.post(_page_url(engagement, "engagement_calendar_revoke")).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_it_answers_404_to_a_consultant_not_assigned_to_the_lea(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.cde_consultant)
    assert client.post(_page_url(engagement, "engagement_calendar_create")).status_code == 404


def test_it_requires_login(engagement: Engagement) -> None:
    response = Client().get(_page_url(engagement))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = Client().post(_page_url(engagement, "engagement_calendar_create"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_it_requires_post_to_make_or_revoke(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    assert client.get(_page_url(engagement, "engagement_calendar_create")).status_code == 405
    assert client.get(_page_url(engagement, "engagement_calendar_revoke")).status_code == 405


def test_it_links_the_page_from_the_workspace(world: World, engagement: Engagement) -> None:
    page = signed_in(world.lea_member).get(reverse("engagement_workspace", args=[engagement.pk]))
    assert _page_url(engagement) in page.content.decode()


def test_it_shows_the_url_once(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    page = client.get(_page_url(engagement)).content.decode()
    assert "You have no calendar feed" in page
    assert "Step 1 due" in page
    response = client.post(_page_url(engagement, "engagement_calendar_create"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    start = page.index("http://testserver/calendar/")
    url = page[start : page.index('"', start)]
    token = url.removeprefix("http://testserver/calendar/").removesuffix(".ics")
    assert f'href="webcal://testserver/calendar/{token}.ics"' in page
    assert "Google Calendar" in page
    assert _fetch(token).status_code == 200
    again = client.get(_page_url(engagement)).content.decode()
    assert token not in again
    assert "You have a calendar feed" in again
    assert "A calendar app last fetched it" in again


def test_it_revokes_from_the_page(world: World, engagement: Engagement) -> None:
    token = _token(world.lea_lead, engagement)
    client = signed_in(world.lea_lead)
    response = client.post(_page_url(engagement, "engagement_calendar_revoke"), follow=True)
    assert response.redirect_chain[-1][0] == _page_url(engagement)
    page = response.content.decode()
    assert "The calendar feed URL is revoked" in page
    assert "You have no calendar feed" in page
    assert _fetch(token).status_code == 404
    again = client.post(_page_url(engagement, "engagement_calendar_revoke"), follow=True)
    assert "there was nothing to revoke" in again.content.decode()
    assert AuditEvent.objects.filter(verb="calendar_feed.revoke").count() == 1


def test_it_lets_reviewers_subscribe_to_work_they_may_see(
    world: World, engagement: Engagement
) -> None:
    for user in (world.selpa_reviewer, world.cde_admin):
        response = signed_in(user).post(_page_url(engagement, "engagement_calendar_create"))
        assert response.status_code == 200
    feeds = CalendarFeed.objects.filter(engagement=engagement, revoked_at__isnull=True)
    assert set(feeds.values_list("user", flat=True)) == {
        world.selpa_reviewer.pk,
        world.cde_admin.pk,
    }


def test_it_keeps_one_persons_feed_from_another(world: World, engagement: Engagement) -> None:
    lead_token = _token(world.lea_lead, engagement)
    signed_in(world.lea_member).post(_page_url(engagement, "engagement_calendar_revoke"))
    assert _fetch(lead_token).status_code == 200
