"""Writes about organisations and people: each leaves an audit row and keeps grants right."""

import contextlib
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from lea import services
from lea.models import AuditEvent, Invitation, Membership, Organization, Role, User
from tests.conftest import World
from tests.lea import factories

pytestmark = pytest.mark.django_db


def _link_from(message: mail.EmailMessage) -> str:
    line = next(line for line in message.body.splitlines() if "/invitations/" in line)
    return line.strip().removeprefix("http://testserver")


def test_it_rejects_an_lea_without_a_selpa(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.organization_create(
            actor=None, kind=Organization.Kind.LEA, name="X", code="1234567"
        )
    assert "selpa" in error.value.message_dict


@pytest.mark.parametrize("code", ["12345", "123456789"])
def test_it_rejects_a_cds_code_of_the_wrong_length(world: World, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        factories.lea(selpa=world.selpa, code=code)
    assert "7 digits" in error.value.message_dict["code"][0]


def test_it_accepts_a_14_digit_charter_code(world: World) -> None:
    charter = factories.lea(selpa=world.selpa, code="34674390123456")
    assert charter.is_charter


def test_it_refuses_a_role_the_organisation_does_not_have(world: World) -> None:
    with pytest.raises(ValidationError):
        services.membership_create(
            actor=None, user=world.outsider, organization=world.lea, role=Role.SELPA_REVIEWER
        )


def test_it_lets_one_person_hold_several_roles(world: World) -> None:
    factories.membership(world.selpa_reviewer, world.lea2, Role.LEA_MEMBER)
    assert set(world.selpa_reviewer.memberships.values_list("role", flat=True)) == {
        Role.SELPA_REVIEWER,
        Role.LEA_MEMBER,
    }


def test_it_refuses_the_same_role_twice(world: World) -> None:
    with pytest.raises(ValidationError, match="already has the role"):
        factories.membership(world.lea_member, world.lea, Role.LEA_MEMBER)


def test_it_makes_cde_admins_staff_and_takes_it_back(world: World) -> None:
    assert world.cde_admin.is_staff
    membership = world.cde_admin.memberships.get()
    other_admin = factories.member(world.cde, Role.CDE_ADMIN)
    services.membership_remove(actor=other_admin, membership=membership)
    world.cde_admin.refresh_from_db()
    assert not world.cde_admin.is_staff


def test_it_keeps_the_last_lead_of_an_lea(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.membership_remove(
            actor=world.lea_lead, membership=world.lea_lead.memberships.get()
        )
    assert error.value.messages == [services.LAST_LEAD.format(organization=world.lea)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_keeps_one_lead_when_both_leads_are_removed_at_once(world: World) -> None:
    second_lead = factories.member(world.lea, Role.LEA_LEAD, full_name="Robin Lead")
    memberships = [
        world.lea_lead.memberships.get(organization=world.lea),
        second_lead.memberships.get(organization=world.lea),
    ]
    start = threading.Barrier(2)
    # Each removal keeps its transaction open until the other has also run its check (or
    # for a second, when the other is kept waiting): without a lock both checks would see
    # the other lead still there, and both removals would commit.
    checked = threading.Barrier(2, timeout=1)
    outcomes: list[str] = []

    def remove(membership: Membership) -> None:
        try:
            start.wait()
            with transaction.atomic():
                services.membership_remove(actor=world.cde_admin, membership=membership)
                with contextlib.suppress(threading.BrokenBarrierError):
                    checked.wait()
            outcomes.append("removed")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=remove, args=(m,)) for m in memberships]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == sorted(
        ["removed", services.LAST_LEAD.format(organization=world.lea)]
    )
    assert world.lea.memberships.filter(role=Role.LEA_LEAD).count() == 1


def test_it_emails_an_invitation_whose_link_creates_the_account(
    world: World, client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=world.lea_lead,
            organization=world.lea,
            email="New.Person@Example.org",
            role=Role.LEA_MEMBER,
        )
    assert invitation.email == "new.person@example.org"
    [message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    assert isinstance(message, mail.EmailMultiAlternatives)
    assert message.alternatives[0][1] == "text/html"
    response = client.post(
        _link_from(message),
        {
            "full_name": "New Person",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.org")
    assert person.memberships.get().organization == world.lea
    assert AuditEvent.objects.filter(verb="invitation.accept", actor=person).exists()


def test_it_makes_a_resent_link_replace_the_old_one(
    world: World, client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=world.lea_lead,
            organization=world.lea,
            email="a@example.org",
            role=Role.LEA_MEMBER,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=world.lea_lead, invitation=invitation)
    first, second = mail.outbox
    assert client.get(_link_from(first)).status_code == 410
    assert client.get(_link_from(second)).status_code == 200


def test_it_renews_an_invitation_for_a_reminder_without_breaking_a_working_link(
    world: World, client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=None, organization=world.lea2, email="c@example.org", role=Role.LEA_LEAD
        )
    emailed = _link_from(mail.outbox[0])

    assert services.invitation_renew(invitation=invitation, reminder="digest:1") is None
    assert client.get(emailed).status_code == 200

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    token = services.invitation_renew(invitation=invitation, reminder="digest:2")
    assert token is not None
    assert services.invitation_renew(invitation=invitation, reminder="digest:2") == token
    assert services.invitation_renew(invitation=invitation, reminder="digest:3") is None
    assert client.get(f"/invitations/{token}/").status_code == 200
    assert client.get(emailed).status_code == 404

    services.invitation_revoke(actor=world.cde_admin, invitation=invitation)
    assert services.invitation_renew(invitation=invitation, reminder="digest:4") is None


def test_it_refuses_to_invite_someone_who_already_has_the_role(world: World) -> None:
    with pytest.raises(ValidationError, match="already has the role"):
        services.invitation_create(
            actor=world.lea_lead,
            organization=world.lea,
            email=world.lea_member.email,
            role=Role.LEA_MEMBER,
        )


def test_it_refuses_an_expired_invitation_and_changes_nothing(world: World) -> None:
    invitation = services.invitation_create(
        actor=world.lea_lead, organization=world.lea, email="late@example.org", role=Role.LEA_MEMBER
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    invitation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation, full_name="Late", password="a-long-pass-phrase"
        )
    assert not User.objects.filter(email="late@example.org").exists()


def test_it_refuses_a_weak_password_and_creates_nothing(world: World) -> None:
    invitation = services.invitation_create(
        actor=world.lea_lead, organization=world.lea, email="weak@example.org", role=Role.LEA_MEMBER
    )
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, full_name="Weak", password="password")
    assert not User.objects.filter(email="weak@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_it_records_who_deactivated_whom(world: World) -> None:
    services.user_set_active(actor=world.cde_admin, user=world.lea_member, active=False)
    event = AuditEvent.objects.get(verb="user.deactivate")
    assert event.actor == world.cde_admin
    assert event.target == world.lea_member


def test_it_refuses_to_deactivate_yourself(world: World) -> None:
    with pytest.raises(ValidationError):
        services.user_set_active(actor=world.cde_admin, user=world.cde_admin, active=False)
