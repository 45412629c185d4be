"""Two-step verification: CDE staff and SELPA reviewers must set it up before any page,
LEA people may; a code (or a recovery code) after the password; replays and used
recovery codes refused and audited; a CDE administrator's reset."""

from __future__ import annotations

import time
from binascii import unhexlify
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.util import random_hex

from lea import services_mfa
from lea.models import AuditEvent, User
from lea.services_mfa import (
    REPLAYED_CODE,
    USED_RECOVERY_CODE,
    WRONG_CODE,
    WRONG_SETUP_CODE,
    has_second_factor,
)
from lea.views_mfa import ENROL_KEY_SESSION
from tests.conftest import World, signed_in
from tests.lea.factories import PASSWORD

pytestmark = pytest.mark.django_db

VERIFY = reverse("second_factor_verify")
ENROL = reverse("second_factor_enrol")


@pytest.fixture(autouse=True)
def _mfa_on(settings: Any) -> None:
    settings.MFA_REQUIRED_FOR_STAFF = True
    # No wait between tries, so a refusal is never the throttle's (tested on its own).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def app_code(key: str) -> str:
    """What the person's authenticator app shows now (computed, not mocked)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    return str(totp.token()).zfill(6)


def next_code(key: str) -> str:
    """The app's next code (the current one may be spent by the setup; one step ahead is
    within the tolerance)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30
    return str(totp.token()).zfill(6)


def enrol(user: User) -> tuple[str, list[str]]:
    key = random_hex(20)
    enrolment = services_mfa.second_factor_enrol(actor=user, user=user, key=key, code=app_code(key))
    return key, enrolment.recovery_codes


def logged_in(user: User) -> Client:
    """A client past the password step only, as the login page leaves it."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def verbs(user: User) -> list[tuple[str, dict[str, Any]]]:
    events = AuditEvent.objects.filter(actor=user, verb__startswith="mfa.").order_by("at", "pk")
    return [(event.verb, event.changes) for event in events]


def test_it_sends_a_selpa_reviewer_without_a_second_factor_to_set_one_up(world: World) -> None:
    client = logged_in(world.selpa_reviewer)
    response = client.get("/organizations/")
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Forganizations%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Set up two-step verification" in page.content
    assert b"<svg" in page.content  # the QR code, drawn here
    assert client.post(reverse("logout")).status_code == 302


def test_it_lets_lea_people_work_without_a_second_factor(world: World) -> None:
    client = logged_in(world.lea_lead)
    assert client.get("/").status_code == 200
    assert client.get(ENROL).status_code == 200  # they may set it up from their account


def test_it_sets_up_an_app_and_shows_the_recovery_codes_once(world: World) -> None:
    person = world.cde_consultant
    client = logged_in(person)
    client.get(f"{ENROL}?next=/status/")
    key = client.session[ENROL_KEY_SESSION]
    response = client.post(ENROL, {"code": app_code(key)})
    assert response["Location"] == reverse("second_factor_recovery_codes")
    page = client.get(response["Location"])
    codes = page.context["codes"]
    assert len(codes) == 10
    assert all(code.encode() in page.content for code in codes)
    assert page.context["next"] == "/status/"
    assert client.get(response["Location"]).status_code == 302  # shown once
    assert client.get("/").status_code == 200
    assert verbs(person) == [
        ("mfa.enrol", {"method": [None, "totp"], "recovery_codes": [None, 10]})
    ]


def test_it_refuses_a_wrong_setup_code(world: World) -> None:
    client = logged_in(world.selpa_reviewer)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 400
    assert WRONG_SETUP_CODE in response.content.decode()
    assert not has_second_factor(world.selpa_reviewer)
    assert client.get("/").status_code == 302


def test_it_asks_for_a_code_after_the_password_and_audits_its_use(world: World) -> None:
    person = world.lea_lead
    key, _ = enrol(person)
    client = logged_in(person)
    response = client.get("/organizations/")
    assert response["Location"] == f"{VERIFY}?next=%2Forganizations%2F"
    response = client.post(VERIFY, {"code": next_code(key), "next": "/organizations/"})
    assert response["Location"] == "/organizations/"
    assert client.get("/organizations/").status_code == 200
    assert verbs(person)[-1] == ("mfa.verify", {"method": [None, "totp"]})


def test_it_refuses_a_replayed_code_and_audits_it(world: World) -> None:
    person = world.selpa_reviewer
    key, _ = enrol(person)
    code = app_code(key)  # the code the setup just used (or its neighbour, also spent)
    client = logged_in(person)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code in (400, 302)
    if response.status_code == 302:  # a new time step began: that one is now spent
        client = logged_in(person)
        response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert REPLAYED_CODE in response.content.decode()
    assert verbs(person)[-1] == ("mfa.verify_failed", {"reason": [None, "replayed"]})
    assert client.get("/").status_code == 302


def test_it_refuses_a_wrong_code_and_audits_it(world: World) -> None:
    person = world.cde_admin
    enrol(person)
    client = logged_in(person)
    response = client.post(VERIFY, {"code": "12345"})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert verbs(person)[-1] == ("mfa.verify_failed", {"reason": [None, "wrong"]})


def test_it_takes_a_recovery_code_once(world: World) -> None:
    person = world.selpa_reviewer
    _, codes = enrol(person)
    client = logged_in(person)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200
    assert "9 left" in response.content.decode()
    verb, changes = verbs(person)[-1]
    assert (verb, changes["left"]) == ("mfa.recovery_code_used", [10, 9])
    assert codes[0] not in str(changes)  # the audit keeps a digest, never the code

    again = logged_in(person)
    response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 400
    assert USED_RECOVERY_CODE in response.content.decode()
    assert verbs(person)[-1] == ("mfa.verify_failed", {"reason": [None, "recovery_code_reused"]})
    assert services_mfa.recovery_codes_left(person) == 9  # nothing else lost
    assert again.post(VERIFY, {"code": codes[1]})["Location"] == "/"


def test_it_waits_after_a_wrong_code(world: World, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    person = world.lea_lead
    key, _ = enrol(person)
    client = logged_in(person)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": next_code(key)})
    assert response.status_code == 400
    assert "Wait 60 seconds" in response.content.decode()
    assert verbs(person)[-1] == ("mfa.verify_failed", {"reason": [None, "throttled"]})


def test_a_cde_admin_resets_a_second_factor_and_the_person_sets_up_again(world: World) -> None:
    person = world.selpa_reviewer
    enrol(person)
    admin_key, _ = enrol(world.cde_admin)
    admin = logged_in(world.cde_admin)
    admin.post(VERIFY, {"code": next_code(admin_key)})
    detail = admin.get(reverse("person_detail", args=[person.pk]))
    assert b"Reset two-step verification" in detail.content
    response = admin.post(reverse("person_second_factor_reset", args=[person.pk]))
    assert response.status_code == 302
    assert not has_second_factor(person)
    event = AuditEvent.objects.get(verb="mfa.reset")
    assert (event.actor, event.target) == (world.cde_admin, person)
    removed, after = event.changes["devices"]
    assert (len(removed), after) == (2, None)
    client = logged_in(person)
    assert client.get("/")["Location"].startswith(ENROL)


def test_it_checks_scope(world: World) -> None:
    enrol(world.selpa_reviewer)
    client = signed_in(world.outsider)
    url = reverse("person_second_factor_reset", args=[world.selpa_reviewer.pk])
    assert client.post(url).status_code == 404
    assert has_second_factor(world.selpa_reviewer)


def test_it_requires_a_cde_admin(world: World) -> None:
    enrol(world.lea_member)
    lead = signed_in(world.lea_lead)
    url = reverse("person_second_factor_reset", args=[world.lea_member.pk])
    # People are a CDE administrator's to manage: to anyone else a person is not found.
    assert lead.post(url).status_code == 404
    assert has_second_factor(world.lea_member)


def test_it_refuses_resetting_ones_own(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services_mfa.second_factor_reset(actor=world.cde_admin, user=world.cde_admin)


RENEW = reverse("second_factor_renew_recovery_codes")
TURN_OFF = reverse("second_factor_turn_off")


def verified(user: User, key: str) -> Client:
    client = logged_in(user)
    assert client.post(VERIFY, {"code": next_code(key)})["Location"] == "/"
    return client


def test_a_person_gets_new_recovery_codes_and_the_old_ones_stop_working(world: World) -> None:
    person = world.selpa_reviewer
    _, old_codes = enrol(person)
    client = logged_in(person)  # signed in with a recovery code, as someone without the phone
    assert client.post(VERIFY, {"code": old_codes[2]})["Location"] == "/"
    page = client.get(ENROL)
    assert b"You have 9 unused recovery codes" in page.content
    assert b"Turn off two-step verification" not in page.content  # a reviewer keeps it on

    response = client.post(RENEW, {"code": old_codes[0]})
    assert response["Location"] == reverse("second_factor_recovery_codes")
    shown = client.get(response["Location"])
    new_codes = shown.context["codes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert shown.context["next"] == ENROL
    assert verbs(person)[-1] == ("mfa.recovery_codes_renewed", {"recovery_codes": [None, 10]})
    # The session that used an old code stays verified with the renewed ones.
    assert client.get(ENROL).status_code == 200

    assert logged_in(person).post(VERIFY, {"code": old_codes[1]}).status_code == 400
    assert logged_in(person).post(VERIFY, {"code": new_codes[0]})["Location"] == "/"


def test_it_asks_for_a_right_code_before_new_recovery_codes(world: World) -> None:
    person = world.lea_lead
    key, codes = enrol(person)
    client = verified(person, key)
    response = client.post(RENEW, {"code": "000000"})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert services_mfa.recovery_codes_left(person) == 10
    assert verbs(person)[-1] == ("mfa.verify_failed", {"reason": [None, "wrong"]})
    assert logged_in(person).post(VERIFY, {"code": codes[0]})["Location"] == "/"


def test_an_lea_person_turns_two_step_verification_off_with_a_code(world: World) -> None:
    person = world.lea_lead
    key, codes = enrol(person)
    client = verified(person, key)
    assert b"Turn off two-step verification" in client.get(ENROL).content
    response = client.post(TURN_OFF, {"code": codes[0]}, follow=True)
    assert "Two-step verification is off" in response.content.decode()
    assert b"Set up two-step verification" in response.content
    assert not has_second_factor(person)
    verb, changes = verbs(person)[-1]
    assert verb == "mfa.turn_off"
    removed, after = changes["devices"]
    assert (len(removed), after) == (2, None)
    assert logged_in(person).get("/organizations/").status_code == 200  # password only


def test_a_wrong_code_leaves_two_step_verification_on(world: World) -> None:
    person = world.lea_member
    key, _ = enrol(person)
    client = verified(person, key)
    response = client.post(TURN_OFF, {"code": "123456"})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    assert has_second_factor(person)


def test_staff_cannot_turn_their_second_factor_off(world: World) -> None:
    person = world.cde_consultant
    key, _ = enrol(person)
    with pytest.raises(ValidationError, match="stays on"):
        services_mfa.second_factor_turn_off(actor=person, user=person, code=next_code(key))
    assert has_second_factor(person)


def test_only_the_person_changes_their_own_second_factor(world: World) -> None:
    key, _ = enrol(world.lea_member)
    for change in (
        services_mfa.second_factor_turn_off,
        services_mfa.second_factor_new_recovery_codes,
    ):
        with pytest.raises(PermissionDenied):
            change(actor=world.cde_admin, user=world.lea_member, code=next_code(key))
    assert services_mfa.recovery_codes_left(world.lea_member) == 10
