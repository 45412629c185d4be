"""Password-reset emails: at most so many an hour per client address and per account."""

import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from lea.views import RESET_EMAILS_THROTTLED
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _address() -> str:
    # An address of this test's own: the counters live in the cache, shared by the tests.
    n = uuid.uuid4().int
    return f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}"


def _ask(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_it_stops_emailing_one_account_past_its_limit(world: World, settings) -> None:
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = 2
    world.lea_member.email = f"reset-{uuid.uuid4().hex[:8]}@example.org"
    world.lea_member.save(update_fields=["email"])
    for _ in range(2):
        assert _ask(Client(REMOTE_ADDR=_address()), world.lea_member.email).status_code == 302
    assert len(mail.outbox) == 2

    response = _ask(Client(REMOTE_ADDR=_address()), world.lea_member.email.upper())

    assert response.status_code == 429
    assert RESET_EMAILS_THROTTLED in response.content.decode()
    assert len(mail.outbox) == 2


def test_it_stops_emailing_from_one_address_past_its_limit(world: World, settings) -> None:
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR=_address())
    for n in range(3):
        assert _ask(client, f"nobody-{n}-{uuid.uuid4().hex[:8]}@example.org").status_code == 302

    response = _ask(client, world.lea_member.email)

    assert response.status_code == 429
    assert RESET_EMAILS_THROTTLED in response.content.decode()
    assert mail.outbox == []
    # Another address still gets its email.
    assert _ask(Client(REMOTE_ADDR=_address()), world.lea_member.email).status_code == 302
    assert len(mail.outbox) == 1


def test_it_counts_the_client_behind_a_trusted_proxy(world: World, settings) -> None:
    settings.TRUSTED_PROXIES = ["192.0.2.0/24"]
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 1
    proxy = Client(REMOTE_ADDR="192.0.2.10")
    first, second = _address(), _address()
    forwarded = {"x-forwarded-for": first}
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    url = reverse("password_reset")
    assert proxy.post(url, {"email": "a" + email}, headers=forwarded).status_code == 302
    assert proxy.post(url, {"email": "b" + email}, headers=forwarded).status_code == 429
    other = proxy.post(url, {"email": "c" + email}, headers={"x-forwarded-for": second})
    assert other.status_code == 302
