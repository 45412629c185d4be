"""The pages about organisations and people, as each role sees them."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from lea.models import AuditEvent, Invitation, Membership
from tests.conftest import World, signed_in
from tests.lea.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _members_url(world: World) -> str:
    return reverse("organization_members", args=[world.lea.pk])


def test_it_sends_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_logs_in_with_email_and_password(world: World, client: Client) -> None:
    response = client.post(
        reverse("login"),
        {"username": world.lea_lead.email.upper(), "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Riverbend Unified" in response.content.decode()


def test_it_explains_a_wrong_password_in_plain_words(world: World, client: Client) -> None:
    response = client.post(reverse("login"), {"username": world.lea_lead.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_it_locks_an_account_after_repeated_failures(
    world: World, client: Client, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": world.lea_lead.email, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": world.lea_lead.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_it_emails_a_password_reset_link(world: World, client: Client) -> None:
    response = client.post(reverse("password_reset"), {"email": world.lea_member.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert "/password/reset/" in message.body


def test_it_shows_the_lea_lead_their_lea_and_people(world: World) -> None:
    page = signed_in(world.lea_lead).get(reverse("home")).content.decode()
    assert "Riverbend Unified" in page
    assert "Sam Member" in page
    assert "Manage members" in page
    assert "Harbor View Unified" not in page


def test_it_shows_a_selpa_reviewer_the_leas_of_their_selpa(world: World) -> None:
    page = signed_in(world.selpa_reviewer).get(reverse("home")).content.decode()
    assert "LEAs in your SELPA" in page
    assert "Oak Hollow Elementary" in page
    assert "Harbor View Unified" not in page


def test_it_shows_cde_staff_the_statewide_counts(world: World) -> None:
    page = signed_in(world.cde_consultant).get(reverse("home")).content.decode()
    assert "3 LEAs" in page


def test_it_tells_a_person_without_membership_how_to_get_in(world: World) -> None:
    page = signed_in(world.outsider).get(reverse("home")).content.decode()
    assert "not part of any organisation yet" in page


def test_it_lists_only_organisations_in_scope(world: World) -> None:
    page = signed_in(world.selpa_reviewer).get(reverse("organization_list")).content.decode()
    assert "Oak Hollow Elementary" in page
    assert "Harbor View Unified" not in page


def test_it_filters_organisations_by_kind(world: World) -> None:
    page = (
        signed_in(world.cde_admin)
        .get(reverse("organization_list"), {"kind": "selpa"})
        .content.decode()
    )
    assert "Far Coast SELPA" in page
    assert "Riverbend Unified" not in page


def test_it_lets_the_lead_invite_a_member(world: World, django_capture_on_commit_callbacks) -> None:
    client = signed_in(world.lea_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invitation_create", args=[world.lea.pk]),
            {"email": "newbie@example.org", "role": "lea_member"},
            follow=True,
        )
    assert "Invitation sent to newbie@example.org" in response.content.decode()
    assert mail.outbox[0].to == ["newbie@example.org"]


def test_it_shows_invitation_errors_beside_the_form(world: World) -> None:
    response = signed_in(world.lea_lead).post(
        reverse("invitation_create", args=[world.lea.pk]),
        {"email": "not-an-email", "role": "lea_member"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_ignores_a_role_the_lead_may_not_give(world: World) -> None:
    response = signed_in(world.lea_lead).post(
        reverse("invitation_create", args=[world.lea.pk]),
        {"email": "x@example.org", "role": "cde_admin"},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_it_requires_lea_lead_to_invite(world: World) -> None:
    response = signed_in(world.lea_member).post(
        reverse("invitation_create", args=[world.lea.pk]),
        {"email": "x@example.org", "role": "lea_member"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_it_checks_scope(world: World) -> None:
    response = signed_in(world.lea_lead).get(
        reverse("organization_members", args=[world.foreign_lea.pk])
    )
    assert response.status_code == 404


def test_it_shows_members_read_only_to_the_selpa(world: World) -> None:
    page = signed_in(world.selpa_reviewer).get(_members_url(world)).content.decode()
    assert "Sam Member" in page
    assert "Invite someone" not in page


def test_it_removes_a_member_and_records_it(world: World) -> None:
    membership = world.lea_member.memberships.get()
    response = signed_in(world.lea_lead).post(
        reverse("membership_remove", args=[world.lea.pk, membership.pk]), follow=True
    )
    assert "no longer has the role" in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(verb="membership.remove", actor=world.lea_lead).exists()


def test_it_explains_why_the_last_lead_stays(world: World) -> None:
    membership = world.lea_lead.memberships.get()
    response = signed_in(world.lea_lead).post(
        reverse("membership_remove", args=[world.lea.pk, membership.pk]), follow=True
    )
    assert "needs at least one CIM team lead" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_withdraws_an_invitation(world: World) -> None:
    client = signed_in(world.lea_lead)
    client.post(
        reverse("invitation_create", args=[world.lea.pk]),
        {"email": "w@example.org", "role": "lea_member"},
    )
    invitation = Invitation.objects.get()
    client.post(reverse("invitation_revoke", args=[world.lea.pk, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_it_shows_a_clear_page_for_a_tampered_invitation_link(client: Client, db: None) -> None:
    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not complete or was changed" in response.content.decode()


def test_it_asks_an_existing_account_to_log_in_to_accept(
    world: World, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(world.lea_lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("invitation_create", args=[world.lea.pk]),
            {"email": world.selpa_reviewer.email, "role": "lea_member"},
        )
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    path = link.strip().removeprefix("http://testserver")
    assert "Log in to accept" in Client().get(path).content.decode()
    reviewer = signed_in(world.selpa_reviewer)
    reviewer.post(path)
    assert world.selpa_reviewer.memberships.filter(
        organization=world.lea, role="lea_member"
    ).exists()


def test_it_requires_cde_admin_for_people(world: World) -> None:
    assert signed_in(world.lea_lead).get(reverse("people_list")).status_code == 403
    assert signed_in(world.cde_admin).get(reverse("people_list")).status_code == 200


def test_it_lets_a_cde_admin_deactivate_and_reactivate(world: World) -> None:
    client = signed_in(world.cde_admin)
    url = reverse("person_set_active", args=[world.lea_member.pk])
    client.post(url, {"active": "0"})
    world.lea_member.refresh_from_db()
    assert not world.lea_member.is_active
    client.post(url, {"active": "1"})
    world.lea_member.refresh_from_db()
    assert world.lea_member.is_active


def test_it_refuses_a_post_without_csrf_token_in_plain_words(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lea_lead)
    response = client.post(
        reverse("invitation_create", args=[world.lea.pk]),
        {"email": "c@example.org", "role": "lea_member"},
    )
    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
    assert not Invitation.objects.exists()


def test_it_signs_out_after_the_idle_timeout(world: World, settings) -> None:
    settings.SESSION_IDLE_SECONDS = -1
    client = signed_in(world.lea_lead)
    client.get(reverse("home"))
    response = client.get(reverse("home"), follow=True)
    assert "signed out after" in response.content.decode()


def test_it_keeps_the_session_alive_on_request(world: World) -> None:
    response = signed_in(world.lea_lead).post(reverse("session_keepalive"))
    assert response.status_code == 204


def test_it_does_not_save_the_session_on_every_page(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.lea_lead)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []


def test_it_serves_a_trivial_signed_in_page_in_two_queries(
    world: World, django_assert_num_queries
) -> None:
    # What every signed-in page pays: the user, and the menu (lea.selectors.menu_for).
    # The session comes from the cache, and the last activity is written at most once
    # a minute (the first page after sign-in writes it).
    client = signed_in(world.cde_admin)
    client.get(reverse("password_change_done"))
    with django_assert_num_queries(2):
        response = client.get(reverse("password_change_done"))
    assert response.status_code == 200
    assert reverse("people_list") in response.content.decode()
