"""Every kind of email the portal sends, made the way the portal makes it: a subject that
names the LEA (where one is concerned) and what happened, a plain-text part and an HTML
part, and in neither a double period or a wrong "a"/"an"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lea import services as lea_services
from lea.models import Role
from steps import notifications
from steps import services as step_services
from steps.models import SubmissionVersion
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start
from tests.steps.ready import make_ready

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]

# "a" before a vowel sound or "an" before a consonant sound. Capitalised abbreviations are
# read letter by letter ("an LEA", "an FMTA", "a CDE"), except those said as a word.
VOWEL_LETTERS = "AEFHILMNORSX"
SAID_AS_WORDS = {"SELPA", "CIM"}
YOU_SOUND = ("one", "uni", "use", "usu", "eu")
ARTICLE = re.compile(r"\b([Aa]n?) ([A-Za-z][\w-]*)")


def article_mistakes(text: str) -> list[str]:
    mistakes = []
    for article, word in ARTICLE.findall(text):
        spoken_as_letters = len(word) > 1 and word.isupper() and word not in SAID_AS_WORDS
        if spoken_as_letters:
            vowel = word[0] in VOWEL_LETTERS
        else:
            vowel = word[0].lower() in "aeiou" and not word.lower().startswith(YOU_SOUND)
        if vowel != (article.lower() == "an"):
            mistakes.append(f"{article} {word}")
    return mistakes


def check(message: mail.EmailMessage, *words: str) -> None:
    """The subject says each of `words`; both parts exist and read correctly."""
    assert isinstance(message, mail.EmailMultiAlternatives), message.subject
    html = [content for content, kind in message.alternatives if kind == "text/html"]
    assert len(html) == 1, message.subject
    text = str(message.body)
    assert text.strip(), message.subject
    assert "<html" in str(html[0]), message.subject
    for word in words:
        assert word in message.subject, (word, message.subject)
    for part in (str(message.subject), text, str(html[0])):
        assert ".." not in part, (message.subject, part)
        assert not article_mistakes(re.sub(r"<[^>]+>", " ", part)), article_mistakes(part)


def test_the_article_check_knows_abbreviations() -> None:
    assert article_mistakes("an LEA, a SELPA, a CDE consultant, an answer, a user") == []
    assert article_mistakes("a LEA, an SELPA, a answer") == ["a LEA", "an SELPA", "a answer"]


def test_it_sends_an_invitation_naming_the_organisation(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lea_services.invitation_create(
            actor=world.lea_lead, organization=world.lea, email="new@example.org",
            role=Role.LEA_MEMBER,
        )  # fmt: skip

    [message] = mail.outbox
    check(message, "invited", world.lea.name)
    assert "in the role of LEA CIM team member." in message.body


def test_it_sends_each_submission_and_review_notice(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    lea = world.lea.name
    engagement = start(world.lea, load_2024()["targeted"], level=2)
    make_ready(engagement, 1, actor=world.lea_lead)
    with django_capture_on_commit_callbacks(execute=True):
        version = step_services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
        )
    submission = version.submission

    def decide(decision: str) -> Callable[[], object]:
        return lambda: step_services.submission_decide(
            actor=world.selpa_reviewer, submission=submission, version_number=1,
            decision=decision, summary="Name the data source in box 7.",
        )  # fmt: skip

    def undo() -> object:
        return step_services.decision_undo(
            actor=world.selpa_reviewer, submission=submission, version_number=1
        )

    [submitted] = mail.outbox
    check(submitted, lea, "submitted", "SELPA review")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        asked = step_services.comment_add(
            actor=world.selpa_reviewer, submission=submission, version_number=1,
            body="Which data source is the attendance from?", question=True,
        )  # fmt: skip
    for message in mail.outbox:
        check(message, "A question", lea)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step_services.comment_reply(actor=world.lea_lead, comment=asked, body="From CALPADS.")
    [reply] = mail.outbox
    check(reply, lea, "replied")

    steps = [
        (decide("returned"), (lea, "returned for revision")),
        (undo, ("return", lea, "withdrawn")),
        (decide("approved"), (lea, "approved")),
        (undo, ("approval", lea, "withdrawn")),
    ]
    for act, words in steps:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            act()
        assert mail.outbox, words
        for message in mail.outbox:
            check(message, *words)


def test_it_tells_cde_administrators_of_work_nobody_reviews(world: World) -> None:
    # Made directly: reaching it through the services takes a Level 3 LEA's whole Step 1.
    engagement = start(world.lea, load_2024()["targeted"], level=2)
    make_ready(engagement, 1, actor=world.lea_lead)
    version = step_services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    version = SubmissionVersion.objects.get(pk=version.pk)

    notifications.send(
        notifications.Delivery("unassigned", world.cde_admin), version, world.lea_lead
    )

    [message] = mail.outbox
    check(message, world.lea.name, "submitted", "nobody is there to review it")


def test_it_sends_the_reminders_digest_naming_the_lea(world: World) -> None:
    start(world.lea, load_2024()["targeted"], level=1)
    step1_due = date(2024, 7, 10)

    call_command("send_reminders", today=(step1_due + timedelta(days=1)).isoformat(),
                 stdout=StringIO())  # fmt: skip

    lead = [m for m in mail.outbox if m.to == [world.lea_lead.email]]
    assert lead, [m.to for m in mail.outbox]
    for message in mail.outbox:
        check(message, "CIM work for", "overdue")
    check(lead[0], world.lea.name)


def test_it_sends_the_password_reset_in_both_parts(world: World) -> None:
    Client().post(reverse("password_reset"), {"email": world.lea_lead.email})

    [message] = mail.outbox
    check(message, "Reset your CIM Portal password")
    assert "/password/reset/" in message.body
