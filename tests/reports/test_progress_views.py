"""Step 4 pages as each role meets them: the LEA's team fills and submits a report, its
reviewer returns it through the submission page, the team revises and resubmits, the
reviewer approves; reviewers read only; another LEA's people get 404 everywhere."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from cim.models import Cohort
from lea.models import Role
from reports.models import OutcomeMeasurement, ProgressReport, TeamMeeting
from reports.services import progress as services
from steps.merge import VERSION_FOREIGN, VERSION_MISSING, fingerprints, version_token
from steps.models import Engagement, Outcome, Submission
from steps.services.parts_merge import row_base
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.reports.progress_world import approve_plan, fill_report, in_step_four
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohorts(world: World) -> dict[str, Cohort]:
    return load_2024()


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return in_step_four(module_world, load_2024()["targeted"], level=3)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _report(engagement: Engagement, number: int = 1) -> ProgressReport:
    return ProgressReport.objects.get(engagement=engagement, period__number=number)


def _report_url(report: ProgressReport) -> str:
    return reverse("progress_report", args=[report.engagement_id, report.pk])


def _drawn(report: ProgressReport) -> dict[str, str]:
    """The report's form exactly as the page draws it now (nothing typed yet)."""
    report.refresh_from_db()
    values = services.report_values(report)
    return {
        **{f"base-{name}": base for name, base in fingerprints(values).items()},
        **{name: str(value) for name, value in values.items()},
        "version": version_token(report),
    }


def _form_data(report: ProgressReport, **changes: str) -> dict[str, str]:
    """The report's form as drawn at the report's current version, with `changes` typed."""
    report.refresh_from_db()
    bases = fingerprints(services.report_values(report))
    data = {
        **{f"base-{name}": base for name, base in bases.items()},
        "version": version_token(report),
        "barriers": "Substitute shortages.",
        "plan_changes": "None.",
    }
    for row in report.activities.all():
        data[f"status-{row.pk}"] = "in_progress"
        data[f"note-{row.pk}"] = "Two of five teams trained."
    return {**data, **changes}


def _measurement_url(report: ProgressReport, outcome: Outcome) -> str:
    return reverse("progress_measurement_add", args=[report.engagement_id, report.pk, outcome.pk])


def _foreign_urls(world: World, cohorts: dict[str, Cohort]) -> list[tuple[str, str]]:
    """Every Step 4 URL of another LEA's engagement, with a report, outcome, measurement and
    meeting of its own."""
    foreign = start(world.foreign_lea, cohorts["targeted"], level=3)
    foreign_consultant = factories.member(world.cde, Role.CDE_CONSULTANT, full_name="Kim Other")

    approve_plan(
        replace(
            world, lea=world.foreign_lea, lea_lead=world.foreign_lea_lead,
            cde_consultant=foreign_consultant,
        ),
        foreign,
        on=date(2024, 12, 20),
    )  # fmt: skip
    report = _report(foreign)
    outcome = Outcome.objects.get(strategy__engagement=foreign)
    measurement = services.outcome_measurement_add(
        actor=world.foreign_lea_lead, report=report, version=version_token(report),
        outcome=outcome, value="40", measured_on=date(2025, 2, 1), on_track=True,
    )  # fmt: skip
    meeting = services.team_meeting_add(
        actor=world.foreign_lea_lead, engagement=foreign, met_on=date(2025, 1, 9),
        attendees="Drew Foreign Lead",
    )  # fmt: skip
    e, r = foreign.pk, report.pk
    return [
        ("get", reverse("progress_reports", args=[e])),
        ("get", reverse("progress_report", args=[e, r])),
        ("post", reverse("progress_report", args=[e, r])),
        ("post", reverse("progress_measurement_add", args=[e, r, outcome.pk])),
        ("post", reverse("progress_measurement_remove", args=[e, r, measurement.pk])),
        ("get", reverse("progress_report_submit", args=[e, r])),
        ("post", reverse("progress_report_submit", args=[e, r])),
        ("post", reverse("team_meeting_add", args=[e])),
        ("get", reverse("team_meeting_edit", args=[e, meeting.pk])),
        ("post", reverse("team_meeting_edit", args=[e, meeting.pk])),
        ("post", reverse("team_meeting_remove", args=[e, meeting.pk])),
    ]


def test_it_checks_scope(world: World, cohorts: dict[str, Cohort], engagement: Engagement) -> None:
    urls = _foreign_urls(world, cohorts)
    # The home LEA's people and reviewers, and anyone else, find nothing of another LEA;
    # a CDE administrator reads every LEA's work but writes none of it.
    home = [world.lea_lead, world.lea_member, world.selpa_reviewer, world.cde_consultant]
    for user in (*home, world.outsider):
        client = signed_in(user)
        for method, url in urls:
            response = getattr(client, method)(url, {"version": "1"})
            assert response.status_code == 404, (user, method, url)
    admin = signed_in(world.cde_admin)
    for method, url in urls:
        assert getattr(admin, method)(url, {"version": "1"}).status_code == (
            200 if method == "get" and "submit" not in url and "meetings" not in url else 403
        ), url
    # Another LEA's report, outcome, value or meeting named under the home engagement
    # is not found either.
    report = _report(engagement)
    foreign_report = ProgressReport.objects.exclude(engagement=engagement).first()
    foreign_meeting = TeamMeeting.objects.get()
    foreign_measurement = OutcomeMeasurement.objects.get()
    foreign_outcome = Outcome.objects.get(strategy__engagement__lea=world.foreign_lea)
    assert foreign_report is not None
    crossed = [
        reverse("progress_report", args=[engagement.pk, foreign_report.pk]),
        reverse("progress_measurement_add", args=[engagement.pk, report.pk, foreign_outcome.pk]),
        reverse(
            "progress_measurement_remove", args=[engagement.pk, report.pk, foreign_measurement.pk]
        ),
        reverse("team_meeting_edit", args=[engagement.pk, foreign_meeting.pk]),
        reverse("team_meeting_remove", args=[engagement.pk, foreign_meeting.pk]),
    ]
    client = signed_in(world.lea_lead)
    for url in crossed:
        assert client.post(url, {"version": "1"}).status_code == 404, url
    assert OutcomeMeasurement.objects.count() == TeamMeeting.objects.count() == 1


def test_it_requires_the_lea_team_to_write(world: World, engagement: Engagement) -> None:
    report = _report(engagement)
    outcome = Outcome.objects.get(strategy__engagement=engagement)
    reviewer = signed_in(world.cde_consultant)
    e, r = engagement.pk, report.pk

    assert reviewer.get(_report_url(report)).status_code == 200
    assert reviewer.get(reverse("progress_reports", args=[e])).status_code == 200
    for url in (
        _report_url(report),
        _measurement_url(report, outcome),
        reverse("team_meeting_add", args=[e]),
        reverse("progress_report_submit", args=[e, r]),
    ):
        assert reviewer.post(url, _form_data(report)).status_code == 403, url
    assert reviewer.get(reverse("progress_report_submit", args=[e, r])).status_code == 403
    member = signed_in(world.lea_member)
    assert member.get(reverse("progress_report_submit", args=[e, r])).status_code == 200
    assert (
        member.post(
            reverse("progress_report_submit", args=[e, r]), {"confirmation_name": "Sam"}
        ).status_code
        == 403
    )
    assert not OutcomeMeasurement.objects.exists()


def test_the_step_4_page_lists_the_reports_and_the_workspace_links_it(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)

    page = client.get(reverse("progress_reports", args=[engagement.pk])).content.decode()
    workspace = client.get(reverse("engagement_workspace", args=[engagement.pk])).content.decode()

    for label in (
        "Jan\u2013Jun 2025",
        "Jul\u2013Dec 2025",
        "Jan\u2013Jun 2026",
        "Jul\u2013Dec 2026",
    ):
        assert label in page
    assert "Tuesday, July 15, 2025" in page
    assert "the California Department of Education for review" in page
    assert reverse("progress_reports", args=[engagement.pk]) in workspace
    assert "Opens once the Plan for Improvement is approved" not in workspace


def test_the_step_4_page_writes_nothing_when_it_is_read(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    client.get(reverse("progress_reports", args=[engagement.pk]))  # the first read's lookups
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("progress_reports", args=[engagement.pk]))

    assert response.status_code == 200
    writes = [
        q["sql"] for q in queries.captured_queries if not q["sql"].lstrip("( ").startswith("SELECT")
    ]
    # Only the access record of the read (issue 13): the reports opened at the approval.
    assert [sql.split(" (")[0] for sql in writes] == ['INSERT INTO "lea_accessrecord"']
    assert "Jan\u2013Jun 2025" in response.content.decode()


def test_a_due_date_a_cde_administrator_moves_shows_at_once(
    world: World, engagement: Engagement
) -> None:
    period = _report(engagement).period
    period.due_on = date(2025, 7, 31)
    period.save()  # as the admin's change form does

    page = signed_in(world.lea_lead).get(reverse("progress_reports", args=[engagement.pk]))

    assert _report(engagement).due_on == date(2025, 7, 31)
    assert "Thursday, July 31, 2025" in page.content.decode()


def test_the_workspace_says_step_4_opens_later_before_the_plan_is_approved(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)
    client = signed_in(world.lea_lead)

    workspace = client.get(reverse("engagement_workspace", args=[engagement.pk])).content.decode()
    page = client.get(reverse("progress_reports", args=[engagement.pk])).content.decode()

    assert "Opens once the Plan for Improvement is approved" in workspace
    assert "open once the Plan for Improvement (Step 3) is approved" in page
    assert not ProgressReport.objects.exists()


def test_optional_reports_show_as_optional_not_due(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=1)

    page = signed_in(world.lea_lead).get(reverse("progress_reports", args=[engagement.pk]))

    text = page.content.decode()
    assert "Optional for Riverbend Unified:" in text
    assert text.count("Optional, not due") == 4
    assert not ProgressReport.objects.exists()


def test_it_explains_a_measured_value_that_is_not_a_number_beside_the_field(
    world: World, engagement: Engagement
) -> None:
    report = _report(engagement)
    outcome = Outcome.objects.get(strategy__engagement=engagement)
    prefix = f"m-{outcome.pk}"

    response = signed_in(world.lea_member).post(
        _measurement_url(report, outcome),
        {f"{prefix}-version": "1", f"{prefix}-value": "about 42%",
         f"{prefix}-measured_on": "2025-05-30", f"{prefix}-on_track": "yes"},
    )  # fmt: skip

    assert response.status_code == 400
    page = response.content.decode()
    field_id = f"id_{prefix}-value"
    assert f'id="{field_id}_error"' in page
    assert services.NOT_A_NUMBER in page
    assert 'value="about 42%"' in page  # what was typed stays
    assert f'aria-describedby="{field_id}_error"' in page
    assert not OutcomeMeasurement.objects.exists()


def test_different_fields_merge_and_say_who_changed_what(
    world: World, engagement: Engagement
) -> None:
    report = _report(engagement)
    lead, member = signed_in(world.lea_lead), signed_in(world.lea_member)
    drawn = _drawn(report)  # the lead's page, drawn before the member saves
    assert (
        member.post(_report_url(report), {**_drawn(report), "barriers": "Theirs."}).status_code
        == 302
    )

    response = lead.post(_report_url(report), {**drawn, "plan_changes": "Mine."}, follow=True)

    assert response.status_code == 200
    assert "Meanwhile Sam Member changed: Barriers." in unescape(response.content.decode())
    saved = ProgressReport.objects.get(pk=report.pk)
    assert (saved.barriers, saved.plan_changes) == ("Theirs.", "Mine.")


def test_the_same_field_shows_both_texts_and_writes_nothing(
    world: World, engagement: Engagement
) -> None:
    report = _report(engagement)
    lead, member = signed_in(world.lea_lead), signed_in(world.lea_member)
    drawn = _form_data(report)
    assert (
        member.post(_report_url(report), _form_data(report, barriers="Theirs.")).status_code == 302
    )

    response = lead.post(_report_url(report), {**drawn, "barriers": "Mine.", "plan_changes": "P."})

    assert response.status_code == 409
    page = unescape(response.content.decode())
    assert "Sam Member changed this while you were editing it" in page
    assert "Mine." in page
    assert "Theirs." in page
    assert "data-conflict" in page
    saved = ProgressReport.objects.get(pk=report.pk)
    assert (saved.barriers, saved.plan_changes) == ("Theirs.", "None.")  # the member's save
    assert saved.version == 2


@pytest.mark.parametrize("token", ["", "foreign", "future"])
def test_a_bad_version_token_is_refused_and_the_text_kept(
    world: World, engagement: Engagement, token: str
) -> None:
    report = _report(engagement)
    version = {"": "", "foreign": f"{_report(engagement, 2).pk}-1", "future": f"{report.pk}-9"}
    data = _form_data(report, barriers="Words kept.", version=version[token])

    response = signed_in(world.lea_lead).post(_report_url(report), data)

    assert response.status_code == 409
    page = unescape(response.content.decode())
    expected = {
        "": VERSION_MISSING,
        "foreign": VERSION_FOREIGN,
        "future": "but the latest saved version is 1",
    }[token]
    assert expected in page
    assert "Words kept." in page
    assert ProgressReport.objects.get(pk=report.pk).version == 1


def test_a_meeting_edited_by_two_merges_or_shows_both(world: World, engagement: Engagement) -> None:
    meeting = services.team_meeting_add(
        actor=world.lea_lead, engagement=engagement, met_on=date(2025, 1, 14),
        attendees="Casey Lead", notes="Schedules.",
    )  # fmt: skip
    edit_url = reverse("team_meeting_edit", args=[engagement.pk, meeting.pk])
    lead, member = signed_in(world.lea_lead), signed_in(world.lea_member)
    drawn = {
        **{f"base-{n}": b for n, b in fingerprints(services.meeting_values(meeting)).items()},
        "version": version_token(meeting), "met_on": "2025-01-14", "attendees": "Casey Lead",
        "notes": "Schedules.",
    }  # fmt: skip
    assert member.post(edit_url, {**drawn, "notes": "Their notes."}).status_code == 302
    merged = lead.post(edit_url, {**drawn, "attendees": "Casey Lead\nSam Member"}, follow=True)
    assert "Meanwhile Sam Member changed: Notes." in unescape(merged.content.decode())
    meeting.refresh_from_db()
    assert (meeting.attendees, meeting.notes) == ("Casey Lead\nSam Member", "Their notes.")

    clash = lead.post(edit_url, {**drawn, "notes": "My notes."})

    assert clash.status_code == 409
    page = unescape(clash.content.decode())
    assert "My notes." in page
    assert "Their notes." in page
    assert "data-conflict" in page
    meeting.refresh_from_db()
    assert meeting.notes == "Their notes."


def test_the_report_page_reads_in_a_fixed_number_of_queries(
    world: World, engagement: Engagement, django_assert_num_queries
) -> None:
    report = fill_report(world, _report(engagement))
    services.team_meeting_add(
        actor=world.lea_lead, engagement=engagement, met_on=date(2025, 2, 4),
        attendees="Casey Lead",
    )  # fmt: skip
    client = signed_in(world.lea_lead)
    client.get(_report_url(report))  # Django's content types, read once per process
    # 15 reads (the session comes from the cache; one reads the written parts the cohort's
    # catalog asks; the person's memberships are read once for every role check, and the
    # menu answered from them and the permissions), and the page's row in the LEA's access
    # record (lea.AccessRecord).
    with django_assert_num_queries(15):
        client.get(_report_url(report))
    # More values and meetings read in the same queries.
    outcome = Outcome.objects.get(strategy__engagement=engagement)
    for day in (date(2025, 3, 3), date(2025, 4, 1)):
        report.refresh_from_db()
        services.outcome_measurement_add(
            actor=world.lea_lead, report=report, version=version_token(report),
            outcome=outcome, value="42", measured_on=day, on_track=False,
        )  # fmt: skip
        services.team_meeting_add(
            actor=world.lea_lead, engagement=engagement, met_on=day, attendees="Casey Lead"
        )

    with django_assert_num_queries(15):
        response = client.get(_report_url(report))

    page = response.content.decode()
    assert 'role="img"' in page
    assert "42 on April 1, 2025 (not on track); 43.5 on June 30, 2025 (on track)." in page
    assert "February 2025:</strong>\n      met on Feb 4" in page
    assert "no meeting recorded" in page  # January, May, June


def test_a_report_goes_round_review_through_the_pages(
    world: World, cohorts: dict[str, Cohort], django_capture_on_commit_callbacks
) -> None:
    engagement = in_step_four(world, cohorts["targeted"], level=2)
    lead, reviewer = signed_in(world.lea_lead), signed_in(world.selpa_reviewer)
    assert lead.get(reverse("progress_reports", args=[engagement.pk])).status_code == 200
    report = _report(engagement)
    outcome = Outcome.objects.get(strategy__engagement=engagement)
    prefix = f"m-{outcome.pk}"

    assert lead.post(_report_url(report), _form_data(report)).status_code == 302
    report.refresh_from_db()
    response = lead.post(
        _measurement_url(report, outcome),
        {f"{prefix}-version": version_token(report), f"{prefix}-value": "44",
         f"{prefix}-measured_on": "2025-06-15", f"{prefix}-on_track": "yes"},
    )  # fmt: skip
    assert response.status_code == 302
    submit_url = reverse("progress_report_submit", args=[engagement.pk, report.pk])
    assert "Type your full name to confirm" in lead.get(submit_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(submit_url, {"confirmation_name": "Casey Lead"})
    submission = Submission.objects.get(step=4)
    assert response["Location"] == reverse("submission_detail", args=[submission.pk])

    page = reviewer.get(response["Location"]).content.decode()
    assert "Progress report, Jan\u2013Jun 2025" in page
    assert "44 on June 15, 2025, on track" in page
    assert reviewer.post(
        reverse("submission_comment", args=[submission.pk]),
        {"version": "1", "activity_key": "progress_report", "anchor": f"outcome-{outcome.pk}",
         "body": "Which students does the 44 count?"},
    ).status_code == 302  # fmt: skip
    reviewer.post(
        reverse("submission_decide", args=[submission.pk]),
        {"version": "1", "decision": "returned", "summary": "Say which students.", "confirm": "1"},
    )

    page = lead.get(_report_url(report)).content.decode()
    assert "Returned for revision" in page
    assert "Which students does the 44 count?" in page
    report.refresh_from_db()
    lead.post(_report_url(report), _form_data(report, barriers="Grades 3-5, all schools."))
    response = lead.post(submit_url, {"confirmation_name": "Casey Lead"})
    assert response.status_code == 302
    page = reviewer.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "Changed" in page
    reviewer.post(
        reverse("submission_decide", args=[submission.pk]),
        {"version": "2", "decision": "approved", "summary": "", "confirm": "1"},
    )

    submission.refresh_from_db()
    assert (submission.state, submission.current_version) == ("approved", 2)
    page = lead.get(_report_url(report)).content.decode()
    assert "is approved: it cannot be changed now" in page
    assert 'id="report-form"' in page
    assert "Save draft" not in page
    # Refused on top of the page (the report is approved): nothing written.
    refused = lead.post(_report_url(report), _form_data(report, barriers="Too late."))
    assert refused.status_code == 409
    assert ProgressReport.objects.get(pk=report.pk).barriers != "Too late."


def test_meetings_are_recorded_changed_and_removed_on_the_step_4_page(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_member)
    add_url = reverse("team_meeting_add", args=[engagement.pk])

    bad = client.post(add_url, {"met_on": "2025-01-14", "attendees": ""})
    future = client.post(
        add_url, {"met_on": str(timezone.localdate().replace(year=2099)), "attendees": "Casey"}
    )
    assert (bad.status_code, future.status_code) == (400, 400)
    assert "this date is still to come" in future.content.decode()
    assert (
        client.post(add_url, {"met_on": "2025-01-14", "attendees": "Casey Lead"}).status_code == 302
    )
    meeting = TeamMeeting.objects.get()
    edit_url = reverse("team_meeting_edit", args=[engagement.pk, meeting.pk])
    assert client.get(edit_url).status_code == 200
    bases = {f"base-{n}": b for n, b in fingerprints(services.meeting_values(meeting)).items()}
    drawn = {**bases, "version": version_token(meeting), "met_on": "2025-01-14", "notes": ""}
    response = client.post(
        edit_url, {**drawn, "met_on": "2025-01-15", "attendees": "Casey Lead\nSam Member"}
    )
    assert response.status_code == 302
    stale = client.post(edit_url, {**drawn, "met_on": "2025-01-16", "attendees": "x"})
    assert stale.status_code == 409
    meeting.refresh_from_db()
    remove_url = reverse("team_meeting_remove", args=[engagement.pk, meeting.pk])
    drawn_remove = {"version": version_token(meeting), "base": row_base(meeting)}
    client.post(remove_url, drawn_remove)
    # The lead pressed Remove on the same meeting in a page drawn before: told, no error.
    again = signed_in(world.lea_lead).post(remove_url, drawn_remove, follow=True)
    foreign = signed_in(world.foreign_lea_lead).post(remove_url, drawn_remove)

    assert not TeamMeeting.objects.exists()
    assert again.status_code == 200
    assert "This meeting was already removed by Sam Member." in unescape(again.content.decode())
    assert foreign.status_code == 404


def test_a_measured_value_is_removed_and_a_stale_page_is_told(
    world: World, engagement: Engagement
) -> None:
    report = fill_report(world, _report(engagement))
    measurement = OutcomeMeasurement.objects.get()
    outcome = measurement.outcome
    client = signed_in(world.lea_member)
    remove_url = reverse(
        "progress_measurement_remove", args=[engagement.pk, report.pk, measurement.pk]
    )
    prefix = f"m-{outcome.pk}"

    future = client.post(
        _measurement_url(report, outcome),
        {f"{prefix}-version": f"{report.pk}-99", f"{prefix}-value": "44",
         f"{prefix}-measured_on": "2025-05-01"},
    )  # fmt: skip
    # An add from a page drawn before others saved never conflicts.
    older_add = client.post(
        _measurement_url(report, outcome),
        {f"{prefix}-version": f"{report.pk}-1", f"{prefix}-value": "44",
         f"{prefix}-measured_on": "2025-05-01"},
    )  # fmt: skip
    report.refresh_from_db()
    base = row_base(measurement)
    garbage = client.post(remove_url, {"version": "not a number", "base": base}, follow=True)
    removed = client.post(remove_url, {"version": version_token(report), "base": base}, follow=True)

    assert future.status_code == 409
    assert "but the latest saved version is" in unescape(future.content.decode())
    assert 'value="44"' in future.content.decode()
    assert older_add.status_code == 302
    assert VERSION_MISSING in unescape(garbage.content.decode())
    assert "Measured value removed." in removed.content.decode()
    assert list(OutcomeMeasurement.objects.values_list("value", flat=True)) == [Decimal(44)]
    # Someone else pressed Remove on it too, from a page drawn before: told who, no error.
    again = signed_in(world.lea_lead).post(
        remove_url, {"version": version_token(report), "base": base}, follow=True
    )
    assert again.status_code == 200
    assert "This measured value was already removed by Sam Member." in unescape(
        again.content.decode()
    )


def test_a_submit_refused_by_the_service_says_why(world: World, engagement: Engagement) -> None:
    report = fill_report(world, _report(engagement))
    submit_url = reverse("progress_report_submit", args=[engagement.pk, report.pk])
    client = signed_in(world.lea_lead)

    blank = client.post(submit_url, {"confirmation_name": "  "})
    # Someone empties a narrative in another tab after the page showed "ready".
    ProgressReport.objects.filter(pk=report.pk).update(barriers="")
    refused = client.post(submit_url, {"confirmation_name": "Casey Lead"})

    assert blank.status_code == 400
    assert refused.status_code == 400
    assert "Barriers: write it (or say there is nothing to report)." in refused.content.decode()
    assert not Submission.objects.filter(step=4).exists()


def test_a_meeting_of_a_submitted_report_cannot_be_removed(
    world: World, engagement: Engagement
) -> None:
    meeting = services.team_meeting_add(
        actor=world.lea_lead, engagement=engagement, met_on=date(2025, 3, 3), attendees="Casey"
    )
    services.progress_report_submit(
        actor=world.lea_lead, report=fill_report(world, _report(engagement)),
        confirmation_name="Casey Lead",
    )  # fmt: skip

    response = signed_in(world.lea_lead).post(
        reverse("team_meeting_remove", args=[engagement.pk, meeting.pk]),
        {"version": version_token(meeting), "base": row_base(meeting)},
        follow=True,
    )

    assert "which is submitted: ask your reviewer to return it" in response.content.decode()
    assert TeamMeeting.objects.filter(pk=meeting.pk).exists()
    page = signed_in(world.cde_consultant).get(_report_url(_report(engagement))).content.decode()
    assert "Save draft" not in page
    assert "Add a measured value" not in page
