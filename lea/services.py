"""Writes for organisations, people and roles. Each one is atomic and leaves an AuditEvent."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from guardian.shortcuts import remove_perm

from lea import access, data_version
from lea.audit import Changes, check_changes, diff
from lea.models import (
    ROLES_BY_KIND,
    AuditEvent,
    AuditVerb,
    Invitation,
    Membership,
    Organization,
    OrganizationGroupObjectPermission,
    Role,
    User,
    role_group_name,
)

ACTOR_REFUSED = "Your role does not allow this change."


def _refuse_unless(allowed: bool) -> None:
    """The actor check of a write service, made before anything is written."""
    if not allowed:
        raise PermissionDenied(ACTOR_REFUSED)


def _may_change_organizations(actor: User | None) -> bool:
    """None is the system (the ADL load, seed_demo, create_cde_admin); a person must be
    a CDE administrator (statewide organisation rights)."""
    return actor is None or access.may_change_organizations(actor)


# Statewide (global) permissions that CDE roles hold through their CDE groups. The
# add/change/delete ones open the Django admin; scoping uses view_ and manage_ only.
CDE_GLOBAL_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CDE_ADMIN: (
        "lea.view_organization",
        "lea.add_organization",
        "lea.change_organization",
        "lea.manage_members",
        "lea.view_user",
        "lea.add_user",
        "lea.change_user",
        "lea.view_membership",
        "lea.add_membership",
        "lea.delete_membership",
        "lea.view_invitation",
        "lea.view_auditevent",
        # Who has seen each LEA's records (lea.AccessRecord), for every LEA.
        "lea.view_accessrecord",
        "steps.view_adlupload",
        "steps.add_adlupload",
        # The catalog: an administrator confirms inferred facts and corrects prompts.
        "cim.view_monitoringyear",
        "cim.view_cohort",
        "cim.change_cohort",
        "cim.view_activitydefinition",
        "cim.change_activitydefinition",
        "cim.view_activityrequirement",
        "cim.change_activityrequirement",
        "cim.view_stepwellbox",
        "cim.change_stepwellbox",
        "cim.view_indicator",
        "cim.change_indicator",
        "cim.view_determination",
        # Step 4 report periods: the administrator adjusts their dates.
        "cim.view_reportingperiod",
        "cim.change_reportingperiod",
        "steps.view_engagement",
        "steps.view_activityrecord",
        "steps.view_consultantassignment",
        "steps.add_consultantassignment",
        "steps.delete_consultantassignment",
        # Reminders: when they go out, and every digest with why one failed.
        "reports.view_reminderschedule",
        "reports.change_reminderschedule",
        "reports.view_digest",
        "reports.view_reminder",
    ),
    Role.CDE_CONSULTANT: ("lea.view_organization",),
}

ALREADY_MEMBER = "{email} already has the role {role} in {organization}."
LAST_LEAD = (
    "{organization} needs at least one CIM team lead: invite another lead before removing this one."
)
UNKNOWN_VERB = "{verb!r} is not an audit verb: add it to lea.models.AuditVerb first."
INVITATION_NOT_PENDING = "This invitation was already used or withdrawn."


def audit(
    *,
    actor: User | None,
    verb: AuditVerb,
    target: Model | None = None,
    organization: Organization | None = None,
    changes: Changes | None = None,
) -> AuditEvent:
    """Record an event; call it inside the transaction of the change it describes.

    Recording does not retire the pages cached on the data: a service whose change shows
    on them (a status, a submission, an engagement, an organisation or a person) also
    calls `data_version.changed()`. A draft edit (answers, structured rows, a progress
    report's content) that changes none of those does not, so cached pages stay useful
    while the forms save as the LEA types."""
    event = audit_event(
        actor=actor, verb=verb, target=target, organization=organization, changes=changes
    )
    event.save()
    return event


def audit_many(events: list[AuditEvent]) -> None:
    """Record many events from `audit_event` in one insert, inside the change's transaction
    (the cached pages are the caller's to retire, as with `audit`)."""
    AuditEvent.objects.bulk_create(events)


def audit_event(
    *,
    actor: User | None,
    verb: AuditVerb,
    target: Model | None = None,
    organization: Organization | None = None,
    changes: Changes | None = None,
) -> AuditEvent:
    """An unsaved event, for services that write many at once with `audit_many`.
    Refuses a verb outside the vocabulary (`AuditVerb`) and `changes` in any shape but
    {field: [before, after]} (lea/audit.py)."""
    if verb not in AuditVerb.values:
        raise ValueError(UNKNOWN_VERB.format(verb=verb))
    if changes is not None:
        check_changes(changes)
    event = AuditEvent(
        actor=actor,
        verb=verb,
        organization=organization,
        object_repr=str(target)[:300] if target is not None else "",
        changes=changes or {},
    )
    if target is not None:
        event.target = target
    return event


# --- Organisations and their grants -------------------------------------------------------


def _role_group(organization: Organization, role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=role_group_name(organization.pk, role))
    return group


def _object_grants(organization: Organization) -> list[tuple[str, str]]:
    """(group name, permission codename) pairs on the organisation: its own role groups see
    it, an LEA's leads manage its members, and its SELPA's reviewers see an LEA."""
    grants = [
        (role_group_name(organization.pk, role), "view_organization")
        for role in ROLES_BY_KIND[organization.kind]
    ]
    if organization.kind == Organization.Kind.LEA:
        grants.append((role_group_name(organization.pk, Role.LEA_LEAD), "manage_members"))
        if organization.selpa_id is not None:
            reviewers = role_group_name(organization.selpa_id, Role.SELPA_REVIEWER)
            grants.append((reviewers, "view_organization"))
    return grants


def organization_grant_access(*, organization: Organization) -> None:
    """Create the organisation's role groups and the grants that scope what they see.

    Idempotent: called whenever an organisation is created or moves to another SELPA.
    """
    organizations_grant_access(organizations=[organization])


def organizations_grant_access(*, organizations: list[Organization]) -> None:
    """organization_grant_access for many organisations in a fixed number of queries (the
    statewide ADL load creates thousands). Existing groups and grants are kept."""
    grants = [grant for organization in organizations for grant in _object_grants(organization)]
    global_grants = [
        (role_group_name(organization.pk, role), codename)
        for organization in organizations
        for role in ROLES_BY_KIND[organization.kind]
        for codename in CDE_GLOBAL_PERMISSIONS.get(role, ())
    ]
    names = {name for name, _ in grants} | {name for name, _ in global_grants}
    Group.objects.bulk_create([Group(name=name) for name in names], ignore_conflicts=True)
    groups = dict(Group.objects.filter(name__in=names).values_list("name", "pk"))
    permissions = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            content_type__app_label__in={"lea", *(c.split(".")[0] for _, c in global_grants)}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    owners = [organization for organization in organizations for _ in _object_grants(organization)]
    OrganizationGroupObjectPermission.objects.bulk_create(
        [
            OrganizationGroupObjectPermission(
                group_id=groups[name], permission_id=permissions[f"lea.{codename}"],
                content_object=organization,
            )
            for (name, codename), organization in zip(grants, owners, strict=True)
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    Group.permissions.through.objects.bulk_create(
        [
            Group.permissions.through(group_id=groups[name], permission_id=permissions[codename])
            for name, codename in global_grants
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def organization_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    code: str = "",
    selpa: Organization | None = None,
    county: str = "",
    region: int | None = None,
) -> Organization:
    """Create an organisation. actor=None is the system (the ADL load, create_cde_admin,
    seed_demo); a person must be a CDE administrator."""
    _refuse_unless(_may_change_organizations(actor))
    organization = Organization(
        kind=kind, name=name, code=code, selpa=selpa, county=county, region=region
    )
    organization.full_clean()
    organization.save()
    organization_grant_access(organization=organization)
    audit(
        actor=actor,
        verb=AuditVerb.ORGANIZATION_CREATE,
        target=organization,
        organization=organization,
    )
    data_version.changed()
    return organization


@transaction.atomic
def organizations_create(*, actor: User | None, organizations: list[Organization]) -> None:
    """Create many unsaved organisations at once, with their grants and audit rows.

    For loads that read every existing code first (the ADL load): uniqueness and the
    SELPA foreign key are not queried per row here, and the database constraints still
    refuse a duplicate. actor=None is the system (a management-command ADL load); a
    person must be a CDE administrator.
    """
    _refuse_unless(_may_change_organizations(actor))
    for organization in organizations:
        organization.full_clean(
            exclude=["selpa"], validate_unique=False, validate_constraints=False
        )
    Organization.objects.bulk_create(organizations)
    organizations_grant_access(organizations=organizations)
    audit_many(
        [
            audit_event(
                actor=actor, verb=AuditVerb.ORGANIZATION_CREATE, target=organization,
                organization=organization,
            )
            for organization in organizations
        ]
    )  # fmt: skip
    data_version.changed()


@transaction.atomic
def organization_move_to_selpa(
    *, actor: User | None, organization: Organization, selpa: Organization
) -> Organization:
    """Move an LEA to another SELPA: the old SELPA's reviewers lose sight of it.
    actor=None is the system (a management-command ADL load); a person must be a CDE
    administrator."""
    _refuse_unless(_may_change_organizations(actor))
    old_selpa = organization.selpa
    if old_selpa == selpa:
        return organization
    organization.selpa = selpa
    organization.full_clean()
    organization.save(update_fields=["selpa"])
    if old_selpa is not None:
        remove_perm(
            "lea.view_organization", _role_group(old_selpa, Role.SELPA_REVIEWER), organization
        )
    organization_grant_access(organization=organization)
    audit(
        actor=actor,
        verb=AuditVerb.ORGANIZATION_MOVE,
        target=organization,
        organization=organization,
        changes=diff({"selpa": old_selpa}, {"selpa": selpa}),
    )
    data_version.changed()
    return organization


# --- Memberships --------------------------------------------------------------------------


def _sync_staff_flag(user: User) -> None:
    """CDE administrators also work in the Django admin; nobody else does."""
    is_admin = user.memberships.filter(role=Role.CDE_ADMIN).exists()
    if user.is_staff != is_admin and not user.is_superuser:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_create(
    *, actor: User | None, user: User, organization: Organization, role: str
) -> Membership:
    """Give a person a role. actor=None is the system (seed_demo); a person must manage
    the organisation's members (its lead, or a CDE administrator)."""
    _refuse_unless(actor is None or access.may_manage_members(actor, organization))
    return _membership_add(actor=actor, user=user, organization=organization, role=role)


def _membership_add(
    *, actor: User | None, user: User, organization: Organization, role: str
) -> Membership:
    """membership_create without its actor check: invitation_accept, whose actor is the
    invitee, authorised by the invitation itself."""
    membership = Membership(user=user, organization=organization, role=role)
    membership.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise ValidationError(
            ALREADY_MEMBER.format(
                email=user.email, role=membership.get_role_display(), organization=organization
            )
        ) from None
    user.groups.add(_role_group(organization, role))
    access.forget_roles(user)
    _sync_staff_flag(user)
    audit(
        actor=actor,
        verb=AuditVerb.MEMBERSHIP_CREATE,
        target=membership,
        organization=organization,
        changes=diff(None, {"user": user.email, "role": role}),
    )
    data_version.changed()
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    organization = membership.organization
    _refuse_unless(access.may_manage_members(actor, organization))
    if membership.role == Role.LEA_LEAD:
        # Lock the organisation before counting its leads: two removals at once would
        # otherwise each see the other lead still there, and both go through.
        Organization.objects.select_for_update().get(pk=organization.pk)
        other_leads = organization.memberships.filter(role=Role.LEA_LEAD).exclude(pk=membership.pk)
        if not other_leads.exists():
            raise ValidationError(LAST_LEAD.format(organization=organization))
    user = membership.user
    user.groups.remove(_role_group(organization, membership.role))
    audit(
        actor=actor,
        verb=AuditVerb.MEMBERSHIP_REMOVE,
        target=membership,
        organization=organization,
        changes=diff({"user": user.email, "role": membership.role}, None),
    )
    data_version.changed()
    membership.delete()
    access.forget_roles(user)
    _sync_staff_flag(user)


# --- Invitations --------------------------------------------------------------------------


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, Invitation.hash_token(token)


@transaction.atomic
def invitation_issue_link(*, invitation: Invitation) -> str:
    """Give the invitation a fresh one-time token and return it; earlier links stop working.

    Called by the email task right before sending, so the token never travels through
    the broker and a retried send still carries the one link that works.
    """
    token, token_hash = _new_token()
    invitation.token_hash = token_hash
    invitation.save(update_fields=["token_hash"])
    return token


@transaction.atomic
def invitation_renew(*, invitation: Invitation, reminder: str) -> str | None:
    """Keep a pending invitation usable from a reminder, never breaking a link that works.

    - The link the person has still works: it stays the link (None is returned, the
      reminder points to the email that carried it); if it has less than half its life
      left, it works for INVITATION_VALID_FOR from now.
    - It expired: the reminder carries a new link (its token is returned) that works for
      INVITATION_VALID_FOR. The token is derived from `reminder` (a key naming the one
      email, e.g. "digest:12") and the server's secret, so a retry of an email the mail
      server took nothing of carries the same link, not one more that would replace it.
    Locked: two reminders at once make one link at most.
    """
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at or locked.revoked_at:
        return None
    token = salted_hmac(
        "lea.invitation_renew", f"{locked.pk}:{reminder}", algorithm="sha256"
    ).hexdigest()
    token_hash = Invitation.hash_token(token)
    carries_link = locked.is_expired or locked.token_hash == token_hash
    renewed = timezone.now() + settings.INVITATION_VALID_FOR
    if locked.expires_at < renewed - settings.INVITATION_VALID_FOR / 2:
        audit(
            actor=None,
            verb=AuditVerb.INVITATION_RENEW,
            target=locked,
            organization=locked.organization,
            changes={
                "expires_at": [locked.expires_at.isoformat(), renewed.isoformat()],
                "why": [None, "reminder"],
                "new_link": [None, carries_link],
            },
        )
        data_version.changed()
        locked.expires_at = renewed
        if carries_link:  # only an expired link is replaced: nobody can use it any more
            locked.token_hash = token_hash
        locked.save(update_fields=["expires_at", "token_hash"])
    invitation.expires_at, invitation.token_hash = locked.expires_at, locked.token_hash
    return token if carries_link else None


@dataclass(frozen=True)
class Invite:
    """One person to invite to one organisation in one role."""

    organization: Organization
    email: str
    role: str
    full_name: str = ""


@transaction.atomic
def invitation_create(
    *,
    actor: User | None,
    organization: Organization,
    email: str,
    role: str,
    full_name: str = "",
) -> Invitation:
    """Invite someone by email; the link is emailed once the invitation is committed."""
    invite = Invite(organization=organization, email=email, role=role, full_name=full_name)
    [invitation] = invitations_create(actor=actor, invites=[invite])
    return invitation


@transaction.atomic
def invitations_create(
    *, actor: User | None, invites: list[Invite], send: bool = True
) -> list[Invitation]:
    """invitation_create for many people in a fixed number of queries (the ADL load invites
    every new LEA's CIM lead). A ValidationError for any of them writes none. `send=False`
    emails nothing: the caller issues the link and hands it over itself. actor=None is the
    system (a management-command ADL load, create_cde_admin); a person must manage the
    members of every organisation invited to."""
    if actor is not None:
        organizations = {invite.organization.pk: invite.organization for invite in invites}
        _refuse_unless(all(access.may_manage_members(actor, org) for org in organizations.values()))
    invites = [
        replace(invite, email=User.objects.normalize_email(invite.email).strip().lower())
        for invite in invites
    ]
    _refuse_current_members(invites)
    # A new invitation replaces any still-pending one for the same person and role.
    wanted = {(invite.organization.pk, invite.email, invite.role) for invite in invites}
    pending = Invitation.objects.filter(
        organization__in=[invite.organization for invite in invites],
        email__in=[invite.email for invite in invites],
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).values_list("pk", "organization_id", "email", "role")
    replaced = [pk for pk, *key in pending if tuple(key) in wanted]
    Invitation.objects.filter(pk__in=replaced).update(revoked_at=timezone.now())
    invitations = [_new_invitation(invite, actor=actor) for invite in invites]
    Invitation.objects.bulk_create(invitations)
    audit_many(
        [
            audit_event(
                actor=actor, verb=AuditVerb.INVITATION_CREATE, target=invitation,
                organization=invitation.organization,
                changes=diff(None, {"email": invitation.email, "role": invitation.role}),
            )
            for invitation in invitations
        ]
    )  # fmt: skip
    data_version.changed()
    if send:
        for invitation in invitations:
            _send_invitation_on_commit(invitation)
    return invitations


def _refuse_current_members(invites: list[Invite]) -> None:
    members = set(
        Membership.objects.annotate(email=Lower("user__email"))
        .filter(
            email__in=[invite.email for invite in invites],
            organization__in=[invite.organization for invite in invites],
        )
        .values_list("organization_id", "email", "role")
    )
    for invite in invites:
        if (invite.organization.pk, invite.email, invite.role) in members:
            raise ValidationError(
                ALREADY_MEMBER.format(
                    email=invite.email,
                    role=Role(invite.role).label,
                    organization=invite.organization,
                )
            )


def _new_invitation(invite: Invite, *, actor: User | None) -> Invitation:
    if invite.role not in ROLES_BY_KIND[invite.organization.kind]:
        raise ValidationError({"role": "That role does not exist in this organisation."})
    _, unusable_hash = _new_token()
    invitation = Invitation(
        organization=invite.organization,
        email=invite.email,
        full_name=invite.full_name,
        role=invite.role,
        token_hash=unusable_hash,
        invited_by=actor,
        expires_at=timezone.now() + settings.INVITATION_VALID_FOR,
    )
    # The organisation and the inviter are in hand, and a fresh random hash is unique:
    # querying each per invitation would only slow the statewide load.
    invitation.full_clean(exclude=["organization", "invited_by"], validate_unique=False)
    return invitation


def _send_invitation_on_commit(invitation: Invitation) -> None:
    from lea.tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Send a fresh link (the old one stops working) with a new expiry date."""
    _refuse_unless(access.may_manage_members(actor, invitation.organization))
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(INVITATION_NOT_PENDING)
    return invitation_create(
        actor=actor,
        organization=invitation.organization,
        email=invitation.email,
        role=invitation.role,
        full_name=invitation.full_name,
    )


CDE_NAME = "California Department of Education"
NOT_AN_EMAIL = "“{email}” is not an email address."
ALREADY_CDE_ADMIN = (
    "{email} is already a CDE administrator. To get in, they use “Forgot your password?” "
    "on the sign-in page."
)
ADMIN_INVITATION_PENDING = (
    "{email} is already invited to be a CDE administrator (the link works until {expires}). "
    "Run the command again with --resend for a fresh link; the earlier one then stops working."
)


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation with the one link that works for it (its token)."""

    invitation: Invitation
    token: str


@transaction.atomic
def cde_admin_invite(*, email: str, full_name: str = "", resend: bool = False) -> IssuedInvitation:
    """The way into an empty database (manage.py create_cde_admin): invite a CDE
    administrator, who sets their own password through the link returned. A system
    action (no actor), audited; CDE is created if it does not exist yet. An address that
    already administers is refused; one with a pending invitation gets a fresh link only
    with `resend` (the earlier link stops working)."""
    address = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(NOT_AN_EMAIL.format(email=email)) from None
    cde = Organization.objects.filter(kind=Organization.Kind.CDE).first()
    if cde is None:
        cde = organization_create(actor=None, kind=Organization.Kind.CDE, name=CDE_NAME)
    admins = Membership.objects.filter(organization=cde, role=Role.CDE_ADMIN)
    if admins.filter(user__email__iexact=address).exists():
        raise ValidationError(ALREADY_CDE_ADMIN.format(email=address))
    pending = Invitation.objects.filter(
        organization=cde,
        role=Role.CDE_ADMIN,
        email=address,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if pending is not None and not resend:
        expires = timezone.localtime(pending.expires_at)
        raise ValidationError(
            ADMIN_INVITATION_PENDING.format(email=address, expires=f"{expires:%B %d, %Y %H:%M}")
        )
    invite = Invite(organization=cde, email=address, role=Role.CDE_ADMIN, full_name=full_name)
    [invitation] = invitations_create(actor=None, invites=[invite], send=False)
    return IssuedInvitation(
        invitation=invitation, token=invitation_issue_link(invitation=invitation)
    )


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    _refuse_unless(access.may_manage_members(actor, invitation.organization))
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(INVITATION_NOT_PENDING)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit(
        actor=actor,
        verb=AuditVerb.INVITATION_REVOKE,
        target=invitation,
        organization=invitation.organization,
        changes={
            "email": [invitation.email, invitation.email],
            "revoked_at": [None, invitation.revoked_at.isoformat()],
        },
    )
    data_version.changed()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str | None) -> User:
    """Turn a pending invitation into a membership.

    A new person sets their password here; someone who already has an account only
    gains the new role (they are logged in and password is None).
    """
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise ValidationError(INVITATION_NOT_PENDING)
    user = User.objects.filter(email__iexact=locked.email).first()
    if user is None:
        user = User(email=locked.email, full_name=full_name.strip())
        if not password:
            raise ValidationError("Choose a password to create your account.")
        validate_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
    elif password is not None:
        raise ValidationError("An account with this email exists: log in to accept the invitation.")
    if not user.memberships.filter(organization=locked.organization, role=locked.role).exists():
        _membership_add(actor=user, user=user, organization=locked.organization, role=locked.role)
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    audit(
        actor=user,
        verb=AuditVerb.INVITATION_ACCEPT,
        target=locked,
        organization=locked.organization,
    )
    data_version.changed()
    return user


# --- People (CDE administrators) ----------------------------------------------------------


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    _refuse_unless(access.may_manage_person(actor, user))
    if user == actor and not active:
        raise ValidationError("You cannot deactivate your own account.")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit(
        actor=actor,
        verb=AuditVerb.USER_ACTIVATE if active else AuditVerb.USER_DEACTIVATE,
        target=user,
        changes={"is_active": [not active, active]},
    )
    data_version.changed()
    return user


# Who may work in the admin and who holds which grant follow from roles (memberships and
# their groups, `_sync_staff_flag`): a form that set these by hand would open records
# outside the role model with no audit row. A password changes only through its own form.
PRIVILEGED_USER_FIELDS = frozenset({"is_superuser", "is_staff", "groups", "user_permissions"})
PRIVILEGED_FIELDS_REFUSED = (
    "Staff and superuser status, groups and permissions follow a person's roles: "
    "add or remove a role instead."
)


@transaction.atomic
def user_update(*, actor: User, user: User, changed: list[str]) -> User:
    """Save edits made in the admin's person form. Privileged fields and the password are
    refused; "Active" goes through `user_set_active`, like the People page."""
    _refuse_unless(access.may_manage_person(actor, user))
    refused = sorted((PRIVILEGED_USER_FIELDS | {"password"}) & set(changed))
    if refused:
        raise PermissionDenied(f"{PRIVILEGED_FIELDS_REFUSED} ({', '.join(refused)})")
    active = user.is_active
    fields = [name for name in changed if name != "is_active"]
    if fields:
        stored = User.objects.get(pk=user.pk)
        user.full_clean()
        user.save(update_fields=fields)
        audit(
            actor=actor,
            verb=AuditVerb.USER_CHANGE,
            target=user,
            changes=diff(_values(stored, fields), _values(user, fields)),
        )
        data_version.changed()
    if "is_active" in changed:
        user.is_active = not active  # as stored: the form set it already
        user_set_active(actor=actor, user=user, active=active)
    return user


def _values(instance: Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def user_password_changed(*, actor: User | None, user: User, via: str) -> AuditEvent:
    """Record a password change made by one of Django's password forms (their own change,
    a reset link, the admin's password form). Call it inside the change's transaction.
    The actor is the person themselves or one who administers them; None is the system
    (a management command such as changepassword)."""
    _refuse_unless(actor is None or actor == user or access.may_manage_person(actor, user))
    event = audit(
        actor=actor,
        verb=AuditVerb.USER_PASSWORD_CHANGE,
        target=user,
        changes={"via": [None, via], "usable": [None, user.has_usable_password()]},
    )
    data_version.changed()
    return event


@transaction.atomic
def user_create(*, actor: User | None, email: str, full_name: str, password: str) -> User:
    """Create an account directly (CDE operators and demo data); people normally join by
    invitation. actor=None is the system (seed_demo); a person must be a CDE
    administrator."""
    _refuse_unless(actor is None or access.may_create_users(actor))
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit(actor=actor, verb=AuditVerb.USER_CREATE, target=user)
    data_version.changed()
    return user


@transaction.atomic
def organization_update(
    *, actor: User, organization: Organization, changed: list[str]
) -> Organization:
    """Save edits made in the admin form; a new SELPA also moves the reviewers' grants."""
    _refuse_unless(access.may_change_organizations(actor))
    new_selpa = organization.selpa
    fields = [name for name in changed if name != "selpa"]
    if fields:
        stored = Organization.objects.get(pk=organization.pk)
        organization.full_clean()
        organization.save(update_fields=fields)
        audit(
            actor=actor,
            verb=AuditVerb.ORGANIZATION_CHANGE,
            target=organization,
            organization=organization,
            changes=diff(_values(stored, fields), _values(organization, fields)),
        )
        data_version.changed()
    if "selpa" in changed and new_selpa is not None:
        organization.selpa = Organization.objects.get(pk=organization.pk).selpa
        organization_move_to_selpa(actor=actor, organization=organization, selpa=new_selpa)
    return organization


@transaction.atomic
def organization_update_details(
    *,
    actor: User | None,
    organization: Organization,
    name: str | None = None,
    county: str | None = None,
    region: int | None = None,
) -> list[str]:
    """Bring name, county and region in line with a source such as the ADL (None: keep).

    Returns the changed field names; writes nothing when nothing differs, so loading the
    same data twice leaves no trace. actor=None is the system (a management-command ADL
    load); a person must be a CDE administrator.
    """
    _refuse_unless(_may_change_organizations(actor))
    wanted = {"name": name, "county": county, "region": region}
    changes = {
        field: [getattr(organization, field), value]
        for field, value in wanted.items()
        if value is not None and getattr(organization, field) != value
    }
    if not changes:
        return []
    for field, (_, value) in changes.items():
        setattr(organization, field, value)
    organization.full_clean()
    organization.save(update_fields=list(changes))
    audit(
        actor=actor,
        verb=AuditVerb.ORGANIZATION_CHANGE,
        target=organization,
        organization=organization,
        changes=changes,
    )
    data_version.changed()
    return list(changes)
