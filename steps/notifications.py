"""Emails about submissions and reviews, in HTML and plain text, one per person."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from lea import access as lea_access
from lea.models import User
from lea.notifications import absolute_url
from steps import access
from steps.models import Comment, SubmissionVersion

SUBJECTS = {
    "submitted": "{lea} submitted {what} (version {number}) for {route} review",
    "unassigned": "{lea} submitted {what} for {route} review, but nobody is there to review it",
    "approved": "{what} of {lea} is approved",
    "returned": "{what} of {lea} is returned for revision",
    "approval_withdrawn": "The approval of {what} of {lea} is withdrawn: it is under review again",
    "return_withdrawn": "The return of {what} of {lea} is withdrawn: it is under review again",
    "question": "A question from your reviewer on {what} of {lea}",
    "reply": "{lea} replied to your comment on {what}",
}


@dataclass(frozen=True)
class Delivery:
    """One email to one person about one event of a submission version."""

    event: str
    recipient: User


def recipients(
    event: str, version: SubmissionVersion, comment: Comment | None = None
) -> list[Delivery]:
    """Who hears of the event: the reviewers of a new version (CDE administrators when
    nobody is there to review it: no consultant assigned, or a SELPA without reviewers);
    the author of the comment replied to (else the reviewers); the LEA's CIM team of a
    decision or a question."""
    engagement = version.submission.engagement
    people: QuerySet[User]
    if event == "reply":
        author = comment.reply_to.author if comment and comment.reply_to else None
        if author is not None and author.is_active:
            return [Delivery(event, author)]
        people = access.reviewers_for(engagement, version.routed_to)
    elif event == "submitted":
        people = access.reviewers_for(engagement, version.routed_to)
        if not people.exists():
            return [Delivery("unassigned", user) for user in lea_access.cde_admins()]
    else:
        people = access.lea_team_for(engagement)
    return [Delivery(event, user) for user in people]


def send(
    delivery: Delivery,
    version: SubmissionVersion,
    actor: User | None,
    comment: Comment | None = None,
) -> None:
    submission = version.submission
    lea = submission.engagement.lea
    latest_note = (
        version.reviews.order_by("-decided_at").first()
        if delivery.event in ("approved", "returned")
        else None
    )
    context = {
        "event": delivery.event,
        "recipient": delivery.recipient,
        "actor": actor,
        "lea": lea,
        "submission": submission,
        "version": version,
        "review": latest_note,
        "comment": comment,
        "url": absolute_url(reverse("submission_detail", args=[submission.pk])),
        "assign_url": absolute_url(reverse("consultant_assignments")),
        # Where a CDE administrator gives the SELPA a reviewer (its members page).
        "members_url": absolute_url(reverse("organization_members", args=[lea.selpa_id])),
    }
    subject = SUBJECTS[delivery.event].format(
        lea=lea.name, what=submission.title, number=version.number, route=version.routed_to
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("steps/email/submission.txt", context),
        to=[delivery.recipient.email],
    )
    message.attach_alternative(
        render_to_string("steps/email/submission.html", context), "text/html"
    )
    message.send()
