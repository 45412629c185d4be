"""manage.py create_cde_admin: the way into an empty database is an invitation link the
first CDE administrator opens to set their own password."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from lea.models import AuditEvent, Invitation, Organization, Role
from lea.services import ALREADY_CDE_ADMIN, CDE_NAME, NOT_AN_EMAIL
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_cde_admin", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _link(output: str) -> str:
    return next(line for line in output.splitlines() if "/invitations/" in line).strip()


def test_it_invites_the_first_administrator_into_an_empty_database() -> None:
    output = _run("First.Admin@CDE.ca.gov", "--name", "Fran Admin")

    cde = Organization.objects.get(kind=Organization.Kind.CDE)
    assert cde.name == CDE_NAME
    invitation = Invitation.objects.get()
    assert (invitation.organization, invitation.role, invitation.email) == (
        cde,
        Role.CDE_ADMIN,
        "first.admin@cde.ca.gov",
    )
    link = _link(output)
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[1]
    assert Invitation.hash_token(token) == invitation.token_hash
    assert [m.to for m in mail.outbox] == [["first.admin@cde.ca.gov"]]
    assert link in mail.outbox[0].body
    assert Client().get(urlsplit(link).path).status_code == 200
    events = AuditEvent.objects.filter(actor=None)
    assert set(events.values_list("verb", flat=True)) == {
        "organization.create",
        "invitation.create",
    }


def test_it_refuses_a_malformed_email_and_writes_nothing() -> None:
    with pytest.raises(CommandError) as refused:
        _run("admin-at-cde.ca.gov")

    assert str(refused.value) == NOT_AN_EMAIL.format(email="admin-at-cde.ca.gov")
    assert not Organization.objects.exists()
    assert not Invitation.objects.exists()


def test_it_says_so_for_an_existing_administrator(world: World) -> None:
    with pytest.raises(CommandError) as refused:
        _run(world.cde_admin.email.upper())

    assert str(refused.value) == ALREADY_CDE_ADMIN.format(email=world.cde_admin.email)
    assert not Invitation.objects.exists()
    assert Organization.objects.filter(kind=Organization.Kind.CDE).count() == 1


def test_it_sends_a_fresh_link_for_a_pending_invitation_only_with_resend() -> None:
    first = _link(_run("admin@cde.ca.gov"))

    with pytest.raises(CommandError, match="--resend"):
        _run("admin@cde.ca.gov")
    assert Invitation.objects.count() == 1

    second = _link(_run("admin@cde.ca.gov", "--resend"))

    assert second != first
    pending = Invitation.objects.get(revoked_at__isnull=True)
    token = urlsplit(second).path.rstrip("/").rsplit("/", 1)[1]
    assert Invitation.hash_token(token) == pending.token_hash
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 1
