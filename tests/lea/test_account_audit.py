"""Every change a person makes to their own account leaves an AuditEvent."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from lea.models import AuditEvent
from tests.conftest import World, signed_in
from tests.lea.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_audits_changing_ones_own_password(world: World) -> None:
    person = world.lea_member
    response = signed_in(person).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-pass-phrase-8",
         "new_password2": "a-new-pass-phrase-8"},
    )  # fmt: skip
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="user.password_change")
    assert (event.actor, event.target) == (person, person)
    assert event.changes == {"via": [None, "self"], "usable": [None, True]}


def test_it_audits_nothing_for_a_wrong_old_password(world: World) -> None:
    response = signed_in(world.lea_member).post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "a-new-pass-phrase-8",
         "new_password2": "a-new-pass-phrase-8"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()


def test_it_audits_a_password_set_from_a_reset_link(world: World) -> None:
    person = world.lea_member
    client = Client(REMOTE_ADDR="192.0.2.77")
    client.post(reverse("password_reset"), {"email": person.email})
    [message] = mail.outbox
    link = re.search(r"http://testserver(/password/reset/\S+/)", str(message.body))
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-pass-phrase-8", "new_password2": "a-new-pass-phrase-8"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="user.password_change")
    assert (event.actor, event.target) == (person, person)
    assert event.changes == {"via": [None, "reset"], "usable": [None, True]}


def test_it_audits_turning_reminders_off(world: World) -> None:
    person = world.lea_lead
    response = signed_in(person).post(reverse("reminder_settings"), {})
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="user.reminder_digests")
    assert (event.actor, event.target) == (person, person)
    assert event.changes == {"reminder_digests": [True, False]}
