"""The submission pages as each role meets them: submit, read, comment, reply, decide;
who gets a 404; crafted input; and the emails each transition sends."""

from __future__ import annotations

from html import unescape

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.html import escape, strip_tags
from pytest_django import DjangoDbBlocker

from cim.models import ActivityDefinition
from steps import services
from steps.models import ActivityRecord, Comment, Engagement, Submission, SubmissionVersion
from steps.services.submissions import NAME_MISMATCH, REPLY_SUPERSEDED
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PPR = "policies_procedures_review"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        engagement = start(module_world.lea, load_2024()["targeted"], level=1)
        services.consultant_assign(
            actor=module_world.cde_admin, consultant=module_world.cde_consultant,
            year=engagement.cohort.year, leas=[module_world.lea],
        )  # fmt: skip
        record = ActivityRecord.objects.get(engagement=engagement, definition__key=PPR)
        services.record_save_answers(
            actor=module_world.lea_lead, record=record, expected_version=record.version,
            answers={"summary": "Board policy BP 6164.4 revised after the SRR."},
        )  # fmt: skip
        return engagement


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _submit(world: World, engagement: Engagement) -> Submission:
    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name="Casey Lead",
    )  # fmt: skip
    return version.submission


def _submit_url(engagement: Engagement) -> str:
    return reverse("activity_submit", args=[engagement.pk, PPR])


def test_it_submits_with_the_typed_name_and_shows_the_version(
    world: World, engagement: Engagement, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(world.lea_lead)
    page = client.get(_submit_url(engagement)).content.decode()
    assert "Type your full name to confirm" in page
    assert "the California Department of Education" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_submit_url(engagement), {"confirmation_name": "Casey Lead"})

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submission_detail", args=[submission.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Board policy BP 6164.4" in page
    assert "Waiting on CDE review, since today" in page
    assert "typed “Casey Lead”" in page
    [email] = mail.outbox
    assert email.to == [world.cde_consultant.email]
    assert "for CDE review" in email.subject
    assert reverse("submission_detail", args=[submission.pk]) in email.body
    assert isinstance(email, mail.EmailMultiAlternatives)
    html, mime = email.alternatives[0]
    assert mime == "text/html"
    assert "Open it in CIM Portal" in str(html)


def test_it_says_what_is_missing_instead_of_submitting(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    page = client.get(reverse("step_submit", args=[engagement.pk, 1])).content.decode()

    assert "Still to do before submitting" in page
    assert "CIM Team Creation" in page
    response = client.post(
        reverse("step_submit", args=[engagement.pk, 1]), {"confirmation_name": "Casey Lead"}
    )
    assert response.status_code == 400
    assert not SubmissionVersion.objects.exists()


def test_it_asks_for_the_name(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(_submit_url(engagement), {"confirmation_name": ""})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not SubmissionVersion.objects.exists()


def test_it_keeps_a_name_that_is_not_the_leads_and_says_whose_it_must_be(
    world: World, engagement: Engagement
) -> None:
    response = signed_in(world.lea_lead).post(
        _submit_url(engagement), {"confirmation_name": "Pat Lead"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert escape(NAME_MISMATCH.format(name="Casey Lead")) in page
    assert 'value="Pat Lead"' in page
    assert not SubmissionVersion.objects.exists()


def test_it_ignores_crafted_state_and_route_fields(world: World, engagement: Engagement) -> None:
    signed_in(world.lea_lead).post(
        _submit_url(engagement),
        {"confirmation_name": "Casey Lead", "state": "approved", "routed_to": "SELPA",
         "current_version": "9", "decision": "approved"},
    )  # fmt: skip
    submission = Submission.objects.get()
    assert (submission.state, submission.routed_to, submission.current_version) == (
        "submitted", "CDE", 1,
    )  # fmt: skip

    signed_in(world.cde_consultant).post(
        reverse("submission_decide", args=[submission.pk]),
        {"version": 1, "decision": "returned", "summary": "Add the minutes.", "confirm": "1",
         "state": "approved", "routed_to": "SELPA", "reviewer": world.selpa_reviewer.pk},
    )  # fmt: skip
    submission.refresh_from_db()
    assert (submission.state, submission.routed_to) == ("returned", "CDE")


def test_it_lets_the_reviewer_comment_ask_and_return_and_the_lea_see_and_reply(
    world: World, engagement: Engagement, django_capture_on_commit_callbacks
) -> None:
    submission = _submit(world, engagement)
    reviewer = signed_in(world.cde_consultant)
    url = reverse("submission_detail", args=[submission.pk])
    assert "Your decision on version 1" in reviewer.get(url).content.decode()

    reviewer.post(
        reverse("submission_comment", args=[submission.pk]),
        {"version": 1, "activity_key": PPR, "anchor": "field:summary",
         "body": "Which board meeting adopted it?"},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(
            reverse("submission_comment", args=[submission.pk]),
            {"version": 1, "question": "on", "body": "Is the policy posted online?"},
        )
    assert {tuple(m.to) for m in mail.outbox} == {
        (world.lea_lead.email,),
        (world.lea_member.email,),
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(
            reverse("submission_decide", args=[submission.pk]),
            {"version": 1, "decision": "returned", "summary": "Name the meeting.", "confirm": "1"},
        )
    assert response.status_code == 302
    assert {tuple(m.to) for m in mail.outbox} == {
        (world.lea_lead.email,),
        (world.lea_member.email,),
    }
    assert "returned for revision" in mail.outbox[0].subject

    lea = signed_in(world.lea_member)
    form = lea.get(reverse("activity_detail", args=[engagement.pk, PPR])).content.decode()
    assert "Returned for revision" in form
    assert "Name the meeting." in form
    assert "Which board meeting adopted it?" in form

    comment = Comment.objects.get(anchor="field:summary")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lea.post(
            reverse("submission_reply", args=[submission.pk, comment.pk]),
            {"body": "The September 12 meeting."},
        )
    assert Comment.objects.filter(reply_to=comment, body="The September 12 meeting.").exists()
    assert [m.to for m in mail.outbox] == [[world.cde_consultant.email]]


def test_it_comes_back_to_the_comment_just_added_and_the_reply_just_sent(
    world: World, engagement: Engagement
) -> None:
    submission = _submit(world, engagement)
    page = reverse("submission_detail", args=[submission.pk])

    added = signed_in(world.cde_consultant).post(
        reverse("submission_comment", args=[submission.pk]),
        {"version": 1, "activity_key": PPR, "anchor": "field:summary", "body": "Which one?"},
    )
    comment = Comment.objects.get(body="Which one?")
    replied = signed_in(world.lea_lead).post(
        reverse("submission_reply", args=[submission.pk, comment.pk]), {"body": "September."}
    )

    reply = Comment.objects.get(reply_to=comment)
    assert added["Location"] == f"{page}#comment-{comment.pk}"
    assert replied["Location"] == f"{page}#comment-{reply.pk}"
    shown = signed_in(world.lea_lead).get(page).content.decode()
    assert f'id="comment-{comment.pk}" tabindex="-1"' in shown


def test_with_htmx_it_answers_the_page_with_the_new_note_marked_to_focus(
    world: World, engagement: Engagement
) -> None:
    submission = _submit(world, engagement)
    htmx = {"HX-Request": "true"}

    added = signed_in(world.cde_consultant).post(
        reverse("submission_comment", args=[submission.pk]),
        {"version": 1, "activity_key": PPR, "anchor": "field:summary", "body": "Which one?"},
        headers=htmx,
    )

    assert added.status_code == 200  # the page itself: no redirect, nothing reloads
    comment = Comment.objects.get(body="Which one?")
    page = added.content.decode()
    note = page[page.index(f'id="comment-{comment.pk}"') :]
    assert note.startswith(f'id="comment-{comment.pk}" tabindex="-1" data-focus-on-swap>')
    assert '<p class="small text-success mb-1" role="status">Comment added.</p>' in note
    assert page.count("data-focus-on-swap") == 1
    # The notes around it name themselves as what htmx swaps in.
    box = page[: page.index(f'id="comment-{comment.pk}"')]
    container = box[box.rindex('<div class="notes" id="') :].split('"')[3]
    assert f'hx-select="#{container}" hx-target="this" hx-swap="outerHTML"' in page
    assert (
        "Comment added."
        not in signed_in(world.cde_consultant)
        .get(reverse("submission_detail", args=[submission.pk]))
        .content.decode()
    )  # said once, where it happened; not again on the next page

    replied = signed_in(world.lea_lead).post(
        reverse("submission_reply", args=[submission.pk, comment.pk]),
        {"body": "September."},
        headers=htmx,
    )
    reply = Comment.objects.get(reply_to=comment)
    assert f'id="comment-{reply.pk}" tabindex="-1" data-focus-on-swap>' in replied.content.decode()
    assert "Reply sent to the reviewer." in replied.content.decode()


def test_with_htmx_a_refused_comment_comes_back_beside_its_form(
    world: World, engagement: Engagement
) -> None:
    submission = _submit(world, engagement)
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip

    refused = signed_in(world.cde_consultant).post(
        reverse("submission_comment", args=[submission.pk]),
        {"version": 1, "question": "on", "body": "Which meeting?"},
        headers={"HX-Request": "true"},
    )

    assert refused.status_code == 400
    page = refused.content.decode()
    notes = page[page.index('<div class="notes" id="notes-general"') :]
    refusal = (
        '<div class="alert alert-danger small py-2 mt-2 mb-2" role="alert" data-focus-on-swap>'
    )
    assert notes.index(refusal) < notes.index("</section>")  # inside the notes htmx swaps
    assert "Your comment, not sent (copy it to keep it)" in notes
    assert "Which meeting?</textarea>" in notes
    assert not Comment.objects.filter(body="Which meeting?").exists()


def test_it_refuses_a_reply_on_a_superseded_version_and_keeps_what_was_typed(
    world: World, engagement: Engagement
) -> None:
    submission = _submit(world, engagement)
    comment = services.comment_add(
        actor=world.cde_consultant, submission=submission, version_number=1,
        body="Which board meeting adopted it?", activity_key=PPR, anchor="field:summary",
    )  # fmt: skip
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip
    lea = signed_in(world.lea_lead)
    reply_url = reverse("submission_reply", args=[submission.pk, comment.pk])
    detail_url = reverse("submission_detail", args=[submission.pk])
    assert reply_url in lea.get(detail_url).content.decode()
    _submit(world, engagement)  # version 2, while the reply was being typed
    assert reply_url not in lea.get(detail_url).content.decode()

    response = lea.post(reply_url, {"body": "The September 12 meeting."})

    assert response.status_code == 400
    page = response.content.decode()
    assert escape(REPLY_SUPERSEDED.format(version=1, current=2)) in page
    assert "The September 12 meeting." in page
    assert not Comment.objects.filter(reply_to=comment).exists()


def test_it_shows_the_reviewer_what_changed_since_the_returned_version(
    world: World, engagement: Engagement
) -> None:
    submission = _submit(world, engagement)
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=PPR)
    services.record_save_answers(
        actor=world.lea_lead, record=record, expected_version=record.version,
        answers={"summary": "BP 6164.4, adopted at the September 12 meeting."},
    )  # fmt: skip
    _submit(world, engagement)

    page = (
        signed_in(world.cde_consultant)
        .get(reverse("submission_detail", args=[submission.pk]))
        .content.decode()
    )
    assert "differ from version 1" in page
    assert "Changed" in page
    assert "adopted at the September 12 meeting" in page
    assert "Board policy BP 6164.4 revised after the SRR." in page  # the "Before" text
    old = signed_in(world.cde_consultant).get(
        reverse("submission_version", args=[submission.pk, 1])
    )
    assert old.status_code == 200
    assert "Your decision" not in old.content.decode()


def test_it_refuses_a_stale_decision_and_shows_the_state(
    world: World, engagement: Engagement
) -> None:
    submission = _submit(world, engagement)
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip

    response = signed_in(world.cde_consultant).post(
        reverse("submission_decide", args=[submission.pk]),
        {"version": 1, "decision": "approved"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "can no longer be decided" in page
    assert "Returned for revision" in page


@pytest.mark.parametrize(
    "who", ["foreign_selpa_reviewer", "foreign_lea_lead", "cde_consultant", "outsider"]
)
def test_it_checks_scope(world: World, engagement: Engagement, who: str) -> None:
    submission = _submit(world, engagement)
    services.comment_add(
        actor=world.cde_consultant, submission=submission, version_number=1, body="A note."
    )
    comment = Comment.objects.get()
    submission.engagement.lea.consultant_assignments.all().delete()  # the consultant leaves
    client = signed_in(getattr(world, who))

    for url in (
        reverse("submission_detail", args=[submission.pk]),
        reverse("submission_version", args=[submission.pk, 1]),
    ):
        assert client.get(url).status_code == 404
    for url, data in (
        (
            reverse("submission_decide", args=[submission.pk]),
            {"version": 1, "decision": "approved"},
        ),
        (reverse("submission_comment", args=[submission.pk]), {"version": 1, "body": "Hi"}),
        (reverse("submission_reply", args=[submission.pk, comment.pk]), {"body": "Hi"}),
    ):
        assert client.post(url, data).status_code == 404
    submission.refresh_from_db()
    assert submission.state == "submitted"
    assert Comment.objects.count() == 1


def test_it_requires_the_routed_reviewer_to_decide(world: World, engagement: Engagement) -> None:
    submission = _submit(world, engagement)
    # The LEA's own SELPA reviewer reads CDE-routed work but does not decide it.
    reviewer = signed_in(world.selpa_reviewer)
    assert reviewer.get(reverse("submission_detail", args=[submission.pk])).status_code == 200
    response = reviewer.post(
        reverse("submission_decide", args=[submission.pk]), {"version": 1, "decision": "approved"}
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_it_requires_lea_lead(world: World, engagement: Engagement) -> None:
    assert signed_in(world.lea_member).get(_submit_url(engagement)).status_code == 200
    response = signed_in(world.lea_member).post(
        _submit_url(engagement), {"confirmation_name": "Sam Member"}
    )
    assert response.status_code == 403
    assert signed_in(world.selpa_reviewer).get(_submit_url(engagement)).status_code == 403
    assert not SubmissionVersion.objects.exists()


def test_it_emails_cde_admins_when_no_consultant_is_assigned(
    world: World, engagement: Engagement, django_capture_on_commit_callbacks
) -> None:
    engagement.lea.consultant_assignments.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        _submit(world, engagement)

    [email] = mail.outbox
    assert email.to == [world.cde_admin.email]
    assert "nobody is there to review it" in email.subject
    assert "no CDE consultant is assigned" in email.body
    assert reverse("consultant_assignments") in email.body


def _words(html: bytes) -> str:
    return " ".join(unescape(strip_tags(html.decode())).split())


def test_it_warns_on_the_submit_page_when_no_consultant_is_assigned(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    assigned = _words(client.get(_submit_url(engagement)).content)
    engagement.lea.consultant_assignments.all().delete()

    page = _words(client.get(_submit_url(engagement)).content)

    assert "Nobody is there to review it yet" not in assigned
    assert (
        "Nobody is there to review it yet. No CDE consultant is assigned to Riverbend Unified. "
        "You can still submit: it waits in CDE's unassigned queue, and CDE administrators are "
        "told by email so they can assign a consultant."
    ) in page


def test_it_warns_of_a_selpa_without_reviewers_and_emails_cde_a_link_to_its_members(
    world: World, django_capture_on_commit_callbacks
) -> None:
    from tests.steps.ready import make_ready

    engagement = start(world.lea, load_2024()["targeted"], level=1)
    make_ready(engagement, 1, actor=world.lea_lead)
    world.selpa_reviewer.memberships.all().delete()
    client = signed_in(world.lea_lead)
    url = reverse("step_submit", args=[engagement.pk, 1])

    page = _words(client.get(url).content)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirmation_name": "Casey Lead"})

    selpa = world.lea.selpa
    assert selpa is not None
    assert f"Nobody is there to review it yet. {selpa.name} has no active reviewer" in page
    assert "so they can add a reviewer to the SELPA" in page
    [email] = mail.outbox
    assert email.to == [world.cde_admin.email]
    members = reverse("organization_members", args=[selpa.pk])
    assert members in email.body
    assert isinstance(email, EmailMultiAlternatives)
    assert members in str(email.alternatives[0][0])


def test_it_quotes_each_reply_in_its_own_email_to_the_comment_author(
    world: World, engagement: Engagement, django_capture_on_commit_callbacks
) -> None:
    submission = _submit(world, engagement)
    comment = services.comment_add(
        actor=world.cde_consultant, submission=submission, version_number=1,
        body="Which meeting?", activity_key=PPR, anchor="field:summary",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_reply(actor=world.lea_lead, comment=comment, body="FIRST reply")
        services.comment_reply(actor=world.lea_member, comment=comment, body="SECOND reply")

    assert [m.to for m in mail.outbox] == [[world.cde_consultant.email]] * 2
    assert "FIRST reply" in mail.outbox[0].body
    assert "SECOND reply" in mail.outbox[1].body


def test_it_sends_work_for_a_selpa_without_reviewers_to_cde_admins(
    world: World, django_capture_on_commit_callbacks
) -> None:
    from tests.steps.ready import make_ready

    engagement = start(world.lea, load_2024()["targeted"], level=1)
    make_ready(engagement, 1, actor=world.lea_lead)
    world.selpa_reviewer.memberships.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        version = services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
        )

    assert [m.to for m in mail.outbox] == [[world.cde_admin.email]]
    assert "nobody is there to review it" in mail.outbox[0].subject
    assert "no active reviewer" in mail.outbox[0].body
    queue = signed_in(world.cde_admin).get(reverse("review_queue")).content.decode()
    assert reverse("submission_detail", args=[version.submission_id]) in queue


def test_it_keeps_the_route_of_submitted_work_when_the_lea_is_resolved_again(
    world: World,
) -> None:
    from cim.resolver import resolve_activities
    from tests.steps.ready import make_ready

    engagement = start(world.lea, load_2024()["targeted"], level=2)
    make_ready(engagement, 1, actor=world.lea_lead)
    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    # A corrected ADL moves the LEA to Level 3: its records now name CDE as approver.
    determination = engagement.determination
    determination.level = 3
    determination.save(update_fields=["level"])
    services.engagement_resolve(
        actor=None, engagement=engagement,
        activities=resolve_activities(determination=determination, cohort=engagement.cohort),
    )  # fmt: skip

    services.submission_decide(
        actor=world.selpa_reviewer, submission=version.submission, version_number=1,
        decision="approved",
    )  # fmt: skip
    version.submission.refresh_from_db()
    assert version.submission.state == "approved"


def test_it_lists_the_review_in_the_activity_history(world: World, engagement: Engagement) -> None:
    submission = _submit(world, engagement)
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip

    page = (
        signed_in(world.lea_lead)
        .get(reverse("activity_history", args=[engagement.pk, PPR]))
        .content.decode()
    )
    assert "Submitted for review" in page
    assert "Returned for revision" in page


def test_it_has_no_version_zero(world: World, engagement: Engagement) -> None:
    submission = _submit(world, engagement)

    response = signed_in(world.lea_lead).get(reverse("submission_version", args=[submission.pk, 0]))
    assert response.status_code == 404


def test_it_reads_the_reviewer_notes_of_an_activity_in_constant_queries(
    world: World, engagement: Engagement, django_assert_max_num_queries
) -> None:
    submission = _submit(world, engagement)
    for n in range(6):
        services.comment_add(
            actor=world.cde_consultant, submission=submission, version_number=1,
            body=f"Note {n}", activity_key=PPR, anchor="field:summary",
        )  # fmt: skip
    client = signed_in(world.lea_lead)
    url = reverse("activity_detail", args=[engagement.pk, PPR])
    with django_assert_max_num_queries(25):
        page = client.get(url).content.decode()
    assert "Note 5" in page
