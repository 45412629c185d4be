"""What a user may see or do with the models of `lea` (organisations, memberships,
invitations, accounts, the access record), and the primitives the apps above build their
own rules on: whether a person is active, which roles they hold where. `steps/access.py`
and `reports/access.py` decide for their own models on top of these; lea knows nothing
of them.

Name shapes, in every app's access module:
- `<things>_for(user)`: a scoped queryset, everything the user may see;
- `get_<thing>_for(user, [parent,] id)`: one object in scope, or a 404;
- `may_<verb>(user, obj)`: a yes/no; `require_<verb>(user, obj)` is its 403 for an object
  already in scope;
- `<things>_for_system(...)`: for tasks and sweeps, which act for nobody in particular;
- `<things>_for_<parent>(parent)`: the rows under a parent the caller has already read in
  scope (`records_for_engagement`, `strategies_for_record`), so an id from anywhere else
  is not found among them.
"Who may act" lists for routing and notifications (`member_managers_for(organization)`,
`consultants()`) name the people they return.

Views, forms and tasks never query tenant models directly; they come here. Object
permissions are django-guardian grants to per-organisation role groups (see
`lea.services.organization_grant_access`), so a membership change needs no re-granting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from lea.compiled import ANYONE, bound, compiled
from lea.models import (
    ROLES_BY_KIND,
    AccessRecord,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)

VIEW_ORGANIZATION = "lea.view_organization"
MANAGE_MEMBERS = "lea.manage_members"

AnyUser = User | AnonymousUser


def acting_user(user: AnyUser | None) -> User | None:
    """The person, if they are signed in and active; None for anyone else (the rules
    answer "no" and the scopes "nothing" for them)."""
    if isinstance(user, User) and user.is_active:
        return user
    return None


# The person's memberships, read once per User object, as Django keeps their permissions
# (`_perm_cache`): a page of an engagement asks up to six questions of them, a home page
# lists them three times. AuthenticationMiddleware loads the user afresh for each request;
# lea.services forgets them when it adds or removes one of the person's memberships.
_MEMBERSHIPS_KEY = "_cim_memberships"


def own_membership_list_for(user: User) -> list[Membership]:
    """`own_memberships_for` of an active person, read once per User object."""
    memberships = user.__dict__.get(_MEMBERSHIPS_KEY)
    if memberships is None:
        memberships = list(own_memberships_for(user))
        user.__dict__[_MEMBERSHIPS_KEY] = memberships
    return memberships


def membership_list_if_read(user: User) -> list[Membership] | None:
    """`own_membership_list_for` if this User object has read it already, else None."""
    memberships: list[Membership] | None = user.__dict__.get(_MEMBERSHIPS_KEY)
    return memberships


def forget_roles(user: User) -> None:
    """After a change to the person's memberships: the next question reads them again, and
    their permissions (a role group's) with them. Only this User object forgets: another
    object of the same person (a request's user, when a service was handed the
    membership's) keeps what it read until its request ends."""
    user.__dict__.pop(_MEMBERSHIPS_KEY, None)
    user.__dict__.pop(_ORGANIZATIONS_KEY, None)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


# The querysets of organizations_for and local_organizations_for, built once per User
# object: guardian's get_objects_for_user costs a page more Python than the SQL it builds
# costs PostgreSQL, and the scopes ask for them several times a page. Only the unevaluated
# queries are kept (each caller gets a fresh copy), so they read the data as it is when
# they run; what they are built from, the person's permissions, Django itself keeps per
# User object (`_perm_cache`).
_ORGANIZATIONS_KEY = "_cim_organization_scopes"


def _built_once(
    user: User, name: str, build: Callable[[], QuerySet[Organization]]
) -> QuerySet[Organization]:
    scopes = user.__dict__.setdefault(_ORGANIZATIONS_KEY, {})
    if name not in scopes:
        scopes[name] = build()
    return scopes[name].all()


def holds_role(
    user: AnyUser | None,
    roles: Collection[str],
    *,
    organization_id: int | None = None,
    kind: str = "",
) -> bool:
    """Whether the person (active) holds one of `roles`, in that organisation or in one of
    that kind."""
    person = acting_user(user)
    if person is None:
        return False
    return any(
        membership.role in roles
        and (organization_id is None or membership.organization_id == organization_id)
        and (not kind or membership.organization.kind == kind)
        for membership in own_membership_list_for(person)
    )


def may_act_as_cde_admin(user: AnyUser | None) -> bool:
    return holds_role(user, (Role.CDE_ADMIN,), kind=Organization.Kind.CDE)


def holds_permission_directly(user: User, perm: str) -> Q:
    """Whether the person holds the global permission `perm` ("app_label.codename")
    themselves or through a group, as a condition: ModelBackend's answer for an active
    person who is not a superuser, for SQL that asks it with other questions at once."""
    app_label, codename = perm.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    own = User.user_permissions.through.objects.filter(user=user, permission__in=permission)
    through_groups = Group.permissions.through.objects.filter(
        group__user=user, permission__in=permission
    )
    return Q(Exists(own)) | Q(Exists(through_groups))


def one_or_404[ModelT: Model](rows: QuerySet[ModelT], missing: str) -> ModelT:
    """The one row of `rows` (narrowed to one by its key within the user's scope), or a 404
    saying what is missing: a row out of scope reads the same as one that is not there."""
    row = rows.first()
    if row is None:
        raise Http404(missing)
    return row


# --- Scoped querysets ---------------------------------------------------------------------


def organizations_for(user: AnyUser) -> QuerySet[Organization]:
    """Organisations the user may see: their own, their SELPA's LEAs, or all for CDE staff."""
    person = acting_user(user)
    if person is None:
        return Organization.objects.none()
    return _built_once(person, "all", lambda: _organizations_for(person))


def _organizations_for(person: User) -> QuerySet[Organization]:
    if person.has_perm(VIEW_ORGANIZATION):
        # What guardian answers for a global permission, without its per-call lookups.
        return Organization.objects.all()
    return _granted(person, VIEW_ORGANIZATION)


def local_organizations_for(user: User) -> QuerySet[Organization]:
    """Organisations the person sees through their own memberships only (object grants):
    a consultant's statewide view of organisations opens no LEA's work."""
    return _built_once(user, "local", lambda: _granted(user, VIEW_ORGANIZATION))


def manageable_organizations_for(user: AnyUser) -> QuerySet[Organization]:
    """Organisations whose members the user may invite and remove."""
    person = acting_user(user)
    if person is None:
        return Organization.objects.none()
    if person.has_perm(MANAGE_MEMBERS):
        return Organization.objects.all()
    return _granted(person, MANAGE_MEMBERS)


@functools.cache
def _granted_sql(perm: str, organization_type: int) -> tuple[str, tuple[Any, ...]]:
    """Guardian's query of the organisations on which ANYONE holds `perm` by an object
    grant (their own or a group's), compiled once per process: guardian and the ORM built
    it for each page at a cost of about a millisecond, several times a page. Guardian
    puts the organisations' content type in the SQL by its id, so the id is part of the
    cache's key: a database whose content types were made again gets SQL of its own."""
    anyone = User(pk=ANYONE, is_active=True)
    granted = get_objects_for_user(anyone, perm, klass=Organization, accept_global_perms=False)
    return compiled(granted.order_by().values("pk"), {ANYONE})


def _granted(person: User, perm: str) -> QuerySet[Organization]:
    """Organisations on which the person holds `perm` by an object grant: guardian's
    `get_objects_for_user(..., accept_global_perms=False)`, every one for an active
    superuser."""
    if person.is_superuser:
        return Organization.objects.all()
    sql, params = _granted_sql(perm, ContentType.objects.get_for_model(Organization).pk)
    # SQL guardian and the ORM compiled; every value is a bound parameter.
    return Organization.objects.filter(
        pk__in=RawSQL(sql, bound(params, {ANYONE: person.pk}))  # noqa: S611
    )


def memberships_for(user: AnyUser) -> QuerySet[Membership]:
    """The people (as memberships) of every organisation the user may see."""
    return Membership.objects.filter(
        organization__in=organizations_for(user), user__is_active=True
    ).select_related("user", "organization")


def own_memberships_for(user: AnyUser) -> QuerySet[Membership]:
    """The memberships the person holds."""
    person = acting_user(user)
    if person is None:
        return Membership.objects.none()
    return Membership.objects.filter(user=person).select_related(
        "organization", "organization__selpa"
    )


def active_memberships_for_organizations(
    organizations: QuerySet[Organization] | Collection[int],
) -> QuerySet[Membership]:
    """The active people's memberships of organisations read in scope (or their ids)."""
    return Membership.objects.filter(organization__in=organizations, user__is_active=True)


def memberships_for_people(people: QuerySet[User]) -> QuerySet[Membership]:
    """The memberships of people read in scope."""
    return Membership.objects.filter(user__in=people)


def invitations_for(user: AnyUser) -> QuerySet[Invitation]:
    """Invitations of the organisations whose members the user manages."""
    return Invitation.objects.filter(organization__in=manageable_organizations_for(user))


def users_for(user: AnyUser) -> QuerySet[User]:
    """Accounts the user administers: every account for a CDE administrator, none otherwise."""
    if acting_user(user) is not None and user.has_perm("lea.change_user"):
        return User.objects.all()
    return User.objects.none()


def organizations_named_for_system(kind: str, code: str, name: str) -> QuerySet[Organization]:
    """The organisations of a kind under a code and name, whoever sees them: loading the
    demo data again finds the ones it made."""
    return Organization.objects.filter(kind=kind, code=code, name=name)


def accounts_with_email_for_system(email: str) -> QuerySet[User]:
    """Accounts under an email address, whoever holds them: an invitation link offers to
    sign in instead of creating a second account."""
    return User.objects.filter(email__iexact=email)


# --- Yes/no -------------------------------------------------------------------------------


def may_manage_members(user: AnyUser, organization: Organization) -> bool:
    """Invite and remove an organisation's members: its lead (an LEA's), or a CDE
    administrator for any organisation."""
    if acting_user(user) is None:
        return False
    return user.has_perm(MANAGE_MEMBERS) or user.has_perm(MANAGE_MEMBERS, organization)


def may_manage_person(user: AnyUser, person: User) -> bool:
    """Administer another person's account (reset their two-step verification, ...)."""
    return users_for(user).filter(pk=person.pk).exists()


def may_change_organizations(user: AnyUser) -> bool:
    """Create and edit organisations statewide: a CDE administrator."""
    return acting_user(user) is not None and user.has_perm("lea.change_organization")


def may_create_users(user: AnyUser) -> bool:
    """Create accounts directly, not by invitation: a CDE administrator."""
    return acting_user(user) is not None and user.has_perm("lea.add_user")


def assignable_roles_for(user: AnyUser, organization: Organization) -> list[Role]:
    """Roles the user may give in the organisation: an LEA lead runs their LEA's team; a
    CDE administrator may give any role the organisation has."""
    if not may_manage_members(user, organization):
        return []
    return list(ROLES_BY_KIND[organization.kind])


MANAGE_MEMBERS_DENIED = "Only the organisation's lead or a CDE administrator manages its members."


def require_manage_members(user: AnyUser, organization: Organization) -> None:
    """403 for an organisation already known to be in scope whose members the user's role
    does not manage."""
    if not may_manage_members(user, organization):
        raise PermissionDenied(MANAGE_MEMBERS_DENIED)


def may_load_adl(user: AnyUser | None) -> bool:
    """A CDE administrator loads the ADL and confirms what it brings (statewide)."""
    person = acting_user(user)
    return person is not None and person.has_perm("steps.add_adlupload")


ADL_LOAD_DENIED = "Only a CDE administrator loads the ADL and what it brings."


def require_system_or_adl_loader(user: AnyUser | None) -> None:
    """The actor check of the statewide load's writes (the ADL, determinations, the
    catalog, engagements started or resolved from them): None is the system (a management
    command, a worker, seed data); a person must be a CDE administrator."""
    if user is not None and not may_load_adl(user):
        raise PermissionDenied(ADL_LOAD_DENIED)


# --- Getters: out of scope is 404 -----------------------------------------------------------


def get_organization_for(user: AnyUser, organization_id: int) -> Organization:
    return one_or_404(
        organizations_for(user).filter(pk=organization_id),
        "No such organisation.",
    )


def get_manageable_organization_for(user: AnyUser, organization_id: int) -> Organization:
    organization = get_organization_for(user, organization_id)
    require_manage_members(user, organization)
    return organization


def get_membership_for(user: AnyUser, organization: Organization, membership_id: int) -> Membership:
    """A membership of an organisation the user sees, or 404 (whether they may manage it
    is `require_manage_members`: a 403 for an organisation in scope)."""
    return one_or_404(
        Membership.objects.select_related("user").filter(
            pk=membership_id,
            organization=organization,
            organization__in=organizations_for(user),
        ),
        "No such member.",
    )


def get_invitation_for(user: AnyUser, organization: Organization, invitation_id: int) -> Invitation:
    """An invitation of an organisation the user sees, or 404 (as `get_membership_for`)."""
    return one_or_404(
        Invitation.objects.filter(
            pk=invitation_id, organization=organization, organization__in=organizations_for(user)
        ),
        "No such invitation.",
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to (whatever its state), or None if tampered.
    The link has no session: the token is the credential."""
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def invitation_for_system(invitation_id: int) -> Invitation | None:
    """For the email task, which acts for the system rather than for a user."""
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )


def get_user_for(user: AnyUser, user_id: int) -> User:
    return one_or_404(
        users_for(user).filter(pk=user_id),
        "No such person.",
    )


def user_for_system(user_id: int) -> User | None:
    """For the email tasks: the active person an email goes to or names."""
    return User.objects.filter(pk=user_id, is_active=True).first()


# --- Who may act --------------------------------------------------------------------------


def member_managers_for(organization: Organization) -> QuerySet[User]:
    """The people who manage an organisation's members (its leads), for notifications."""
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role__in=(Role.LEA_LEAD,),
    ).distinct()


def active_members_in_role(
    organization: Organization | OuterRef, role: Role
) -> QuerySet[Membership]:
    """The active people holding a role in an organisation read in scope (or, as an
    `OuterRef`, in each organisation of a scoped queryset)."""
    return Membership.objects.filter(organization=organization, role=role, user__is_active=True)


def cde_admins() -> QuerySet[User]:
    """Who hears of work routed to CDE for an LEA that has no consultant yet."""
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.CDE_ADMIN,
        memberships__organization__kind=Organization.Kind.CDE,
    ).distinct()


def consultants() -> QuerySet[User]:
    """Active CDE consultants, who may be assigned to LEAs."""
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.CDE_CONSULTANT,
        memberships__organization__kind=Organization.Kind.CDE,
    ).distinct()


# --- The access record: who has seen an LEA's records ---------------------------------------

VIEW_ACCESS_RECORD = "lea.view_accessrecord"


def access_record_leas_for(user: AnyUser) -> QuerySet[Organization]:
    """LEAs whose access record (who read their CIM records) the user may read: every LEA
    for a CDE administrator, the LEAs the user leads otherwise. Narrower than seeing the
    LEA: its members, its SELPA's reviewers and CDE consultants see the LEA but not this,
    and get the same 404 as for an LEA they cannot see at all."""
    person = acting_user(user)
    if person is None:
        return Organization.objects.none()
    leas = Organization.objects.filter(kind=Organization.Kind.LEA)
    if person.has_perm(VIEW_ACCESS_RECORD):
        return leas
    leads = Membership.objects.filter(user=person, organization=OuterRef("pk"), role=Role.LEA_LEAD)
    return leas.filter(Exists(leads))


def get_access_record_lea_for(user: AnyUser, organization_id: int) -> Organization:
    return one_or_404(
        access_record_leas_for(user).filter(pk=organization_id),
        "No such organisation.",
    )


def may_see_access_record(user: AnyUser, organization_id: int) -> bool:
    """For a link to the LEA's access record on its pages (as access_record_leas_for)."""
    if acting_user(user) is None:
        return False
    if user.has_perm(VIEW_ACCESS_RECORD):
        return access_record_leas_for(user).filter(pk=organization_id).exists()
    return holds_role(
        user, (Role.LEA_LEAD,), organization_id=organization_id, kind=Organization.Kind.LEA
    )


def access_records_for(user: AnyUser, lea: Organization) -> QuerySet[AccessRecord]:
    """The access record of an LEA, if the user may read it (else nothing)."""
    return AccessRecord.objects.filter(
        organization=lea, organization__in=access_record_leas_for(user)
    )


# --- Reminders (reports): who hears of work coming due ----------------------------------------
# System reads for the daily sweep, which acts for nobody in particular. They take many
# LEAs at once: one query per kind of person keeps a statewide sweep flat.


def access_record_readers_for(user: AnyUser, lea: Organization) -> QuerySet[User]:
    """Everyone who appears in the LEA's access record, for one who may read it."""
    return User.objects.filter(pk__in=access_records_for(user, lea).values("user_id"))


def lea_teams_for_system(lea_ids: Collection[int]) -> QuerySet[Membership]:
    """The active CIM teams (leads and members) of the LEAs, with their accounts."""
    return Membership.objects.filter(
        organization_id__in=lea_ids,
        role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
        user__is_active=True,
    ).select_related("user")


def pending_lead_invitations_for_system(lea_ids: Collection[int]) -> QuerySet[Invitation]:
    """Invitations to lead the LEAs (the ADL's CIM contacts) neither accepted nor withdrawn,
    expired ones too: a reminder carries a renewed link."""
    return Invitation.objects.filter(
        organization_id__in=lea_ids,
        role=Role.LEA_LEAD,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).order_by("organization_id", "email", "-created_at")


def selpa_reviewers_for_system(selpa_ids: Collection[int]) -> QuerySet[Membership]:
    """The active reviewers of the SELPAs, with their accounts."""
    return Membership.objects.filter(
        organization_id__in=selpa_ids, role=Role.SELPA_REVIEWER, user__is_active=True
    ).select_related("user")
