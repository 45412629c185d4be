"""The client's address: X-Forwarded-For only from a trusted proxy, read from the right."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from lea.client_ip import client_ip
from tests.conftest import World
from tests.lea.factories import PASSWORD

PROXY = "10.0.0.5"


def _ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/")
    request.META.update(meta)
    return client_ip(request)


def test_it_ignores_the_header_when_no_proxy_is_trusted(settings) -> None:
    settings.TRUSTED_PROXIES = []
    assert _ip("203.0.113.9", "6.6.6.6") == "203.0.113.9"
    assert _ip(PROXY, "203.0.113.9") == PROXY


def test_it_ignores_a_forged_header_from_an_untrusted_address(settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip("198.51.100.7", "6.6.6.6") == "198.51.100.7"
    assert _ip("198.51.100.7", f"6.6.6.6, {PROXY}") == "198.51.100.7"


def test_it_takes_the_address_the_trusted_proxy_saw(settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip(PROXY, "203.0.113.9") == "203.0.113.9"
    # What the client wrote itself stands to the left of what the proxy appended.
    assert _ip(PROXY, "6.6.6.6, 203.0.113.9") == "203.0.113.9"
    assert _ip(PROXY, "6.6.6.6,203.0.113.9") == "203.0.113.9"


def test_it_walks_past_every_trusted_proxy(settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]
    assert _ip(PROXY, "6.6.6.6, 203.0.113.9, 192.0.2.1") == "203.0.113.9"
    assert _ip("2001:db8::1", "6.6.6.6, 2001:db8:ffff::2") == "6.6.6.6"
    assert _ip(PROXY, "2001:db8::7, 10.1.1.1") == "2001:db8::7"  # all trusted: leftmost


def test_it_stops_at_an_entry_no_proxy_wrote(settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _ip(PROXY, "") == PROXY
    assert _ip(PROXY) == PROXY
    assert _ip(PROXY, "203.0.113.9, not-an-address") == PROXY
    assert _ip(PROXY, "203.0.113.9:4431") == PROXY


@pytest.mark.django_db
def test_it_locks_the_forger_not_the_address_they_name(world: World, settings) -> None:
    """Five failures from one untrusted address lock that address and account, whatever
    X-Forwarded-For each claims; the same account from the addresses named is not locked."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    email = world.lea_lead.email
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(
            reverse("login"),
            {"username": email, "password": "wrong"},
            headers={"x-forwarded-for": f"203.0.113.{n}"},
        )
    locked = attacker.post(
        reverse("login"),
        {"username": email, "password": PASSWORD},
        headers={"x-forwarded-for": "203.0.113.200"},
    )
    assert locked.status_code == 429
    # The real user, behind the trusted proxy with one of the addresses the attacker named.
    real = Client(REMOTE_ADDR=PROXY)
    response = real.post(
        reverse("login"),
        {"username": email, "password": PASSWORD},
        headers={"x-forwarded-for": "203.0.113.0"},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_locks_one_client_behind_the_proxy_not_everyone(world: World, settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    email = world.lea_lead.email
    behind_proxy = Client(REMOTE_ADDR=PROXY)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        behind_proxy.post(
            reverse("login"),
            {"username": email, "password": "wrong"},
            headers={"x-forwarded-for": "6.6.6.6, 198.51.100.7"},
        )
    locked = behind_proxy.post(
        reverse("login"),
        {"username": email, "password": PASSWORD},
        headers={"x-forwarded-for": "198.51.100.7"},
    )
    assert locked.status_code == 429
    other = behind_proxy.post(
        reverse("login"),
        {"username": email, "password": PASSWORD},
        headers={"x-forwarded-for": "203.0.113.50"},
    )
    assert other.status_code == 302
