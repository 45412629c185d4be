"""The one place that decides what a user may see or do.

Three kinds of answer, per model:
- a scoped queryset (`organizations_for(user)`): everything the user may see;
- an object check (`can(user, action, obj)`), and getters that turn an id into an object
  or a 404 (out of scope) / 403 (in scope, but the role does not allow the action);
- "who may act" (`member_managers_for(organization)`), for routing and notifications.

Views, forms and tasks never query tenant models directly; they come here. Object
permissions are django-guardian grants to per-organisation role groups (see
`lea.services.organization_grant_access`), so a membership change needs no re-granting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from lea.models import ROLES_BY_KIND, Invitation, Membership, Organization, Role, User

if TYPE_CHECKING:
    # steps depends on lea, not the other way round: the model is looked up when called.
    from steps.models import Engagement

VIEW_ORGANIZATION = "lea.view_organization"
MANAGE_MEMBERS = "lea.manage_members"

Action = Literal["view", "manage_members", "manage_people"]
AnyUser = User | AnonymousUser


def _is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


# --- Scoped querysets ---------------------------------------------------------------------


def organizations_for(user: AnyUser) -> QuerySet[Organization]:
    """Organisations the user may see: their own, their SELPA's LEAs, or all for CDE staff."""
    if not _is_active(user):
        return Organization.objects.none()
    return get_objects_for_user(user, VIEW_ORGANIZATION, klass=Organization)


def manageable_organizations_for(user: AnyUser) -> QuerySet[Organization]:
    """Organisations whose members the user may invite and remove."""
    if not _is_active(user):
        return Organization.objects.none()
    return get_objects_for_user(user, MANAGE_MEMBERS, klass=Organization)


def memberships_for(user: AnyUser) -> QuerySet[Membership]:
    """The people (as memberships) of every organisation the user may see."""
    return Membership.objects.filter(
        organization__in=organizations_for(user), user__is_active=True
    ).select_related("user", "organization")


def own_memberships(user: AnyUser) -> QuerySet[Membership]:
    if not isinstance(user, User) or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related(
        "organization", "organization__selpa"
    )


def invitations_for(user: AnyUser) -> QuerySet[Invitation]:
    """Invitations of the organisations whose members the user manages."""
    return Invitation.objects.filter(organization__in=manageable_organizations_for(user))


def users_for(user: AnyUser) -> QuerySet[User]:
    """Accounts the user administers: every account for a CDE administrator, none otherwise."""
    if _is_active(user) and user.has_perm("lea.change_user"):
        return User.objects.all()
    return User.objects.none()


def _engagement_model() -> type[Engagement]:
    return cast("type[Engagement]", apps.get_model("steps", "Engagement"))


def engagements_for(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements of the LEAs the user may see: an LEA's people get their LEA's, a SELPA
    reviewer those of its LEAs, CDE staff every one."""
    return _engagement_model().objects.filter(lea__in=organizations_for(user))


def engagements_for_system() -> QuerySet[Engagement]:
    """Every engagement, for operator commands and tasks that act for the system (e.g.
    `manage.py export_status`), never for a request: views use `engagements_for(user)`."""
    return _engagement_model().objects.all()


# --- Object checks ------------------------------------------------------------------------


def can(user: AnyUser, action: Action, obj: Organization | User) -> bool:
    if not _is_active(user):
        return False
    if isinstance(obj, Organization):
        if action == "view":
            return organizations_for(user).filter(pk=obj.pk).exists()
        if action == "manage_members":
            return user.has_perm(MANAGE_MEMBERS) or user.has_perm(MANAGE_MEMBERS, obj)
    if isinstance(obj, User) and action == "manage_people":
        return users_for(user).filter(pk=obj.pk).exists()
    return False


def assignable_roles(user: AnyUser, organization: Organization) -> list[Role]:
    """Roles the user may give in the organisation: an LEA lead runs their LEA's team; a
    CDE administrator may give any role the organisation has."""
    if not can(user, "manage_members", organization):
        return []
    return list(ROLES_BY_KIND[organization.kind])


# --- Getters: out of scope is 404, in scope without the role is 403 -----------------------


def get_organization_for(user: AnyUser, organization_id: int) -> Organization:
    try:
        return organizations_for(user).get(pk=organization_id)
    except Organization.DoesNotExist:
        raise Http404("No such organisation.") from None


MANAGE_MEMBERS_DENIED = "Only the organisation's lead or a CDE administrator manages its members."


def require(user: AnyUser, action: Action, obj: Organization | User) -> None:
    """403 for an object already known to be in scope but not open to the user's role."""
    if not can(user, action, obj):
        raise PermissionDenied(MANAGE_MEMBERS_DENIED if action == "manage_members" else "")


def get_manageable_organization_for(user: AnyUser, organization_id: int) -> Organization:
    organization = get_organization_for(user, organization_id)
    require(user, "manage_members", organization)
    return organization


def get_membership_in_organization(membership_id: int, organization: Organization) -> Membership:
    try:
        return organization.memberships.select_related("user").get(pk=membership_id)
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


def get_invitation_in_organization(invitation_id: int, organization: Organization) -> Invitation:
    try:
        return organization.invitations.get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None


def get_invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to (whatever its state), or None if tampered."""
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def invitation_for_delivery(invitation_id: int) -> Invitation | None:
    """For the email task, which acts for the system rather than for a user."""
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )


def get_user_for(user: AnyUser, user_id: int) -> User:
    try:
        return users_for(user).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404("No such person.") from None


# --- Who may act --------------------------------------------------------------------------


def member_managers_for(organization: Organization) -> QuerySet[User]:
    """The people who manage an organisation's members (its leads), for notifications."""
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role__in=(Role.LEA_LEAD,),
    ).distinct()


# --- ADL uploads (statewide: CDE administrators only) ---------------------------------------


def can_load_adl(user: AnyUser) -> bool:
    return _is_active(user) and user.has_perm("steps.add_adlupload")


def adl_uploads_for(user: AnyUser) -> QuerySet:
    """ADL uploads the user may see: all of them for a CDE administrator, none otherwise."""
    upload_model = apps.get_model("steps", "AdlUpload")
    if not can_load_adl(user):
        return upload_model.objects.none()
    return upload_model.objects.all()


def get_adl_upload_for(user: AnyUser, upload_id: int) -> Any:
    try:
        return adl_uploads_for(user).select_related("uploaded_by", "applied_by").get(pk=upload_id)
    except ObjectDoesNotExist:
        raise Http404("No such upload.") from None


def adl_upload_for_worker(upload_id: int) -> Any:
    """For the upload tasks, which act for the administrator who uploaded the file."""
    upload_model = apps.get_model("steps", "AdlUpload")
    return (
        upload_model.objects.select_related("uploaded_by", "applied_by")
        .filter(pk=upload_id)
        .first()
    )


# --- Engagements and their activities -------------------------------------------------------


def get_engagement_for(user: AnyUser, engagement_id: int) -> Engagement:
    try:
        return (
            engagements_for(user)
            .select_related("lea", "lea__selpa", "cohort", "cohort__year", "determination")
            .get(pk=engagement_id)
        )
    except ObjectDoesNotExist:
        raise Http404("No such engagement.") from None


def can_edit_engagement(user: AnyUser, engagement: Engagement) -> bool:
    """The LEA's own CIM team writes; reviewers who may see it read."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user,
        organization_id=engagement.lea_id,
        role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
    ).exists()


def require_edit_engagement(user: AnyUser, engagement: Engagement) -> None:
    if not can_edit_engagement(user, engagement):
        raise PermissionDenied("Only the LEA's CIM team edits its CIM work; you can read it.")


def get_record_in_engagement(engagement: Engagement, activity_key: str) -> Any:
    record_model = apps.get_model("steps", "ActivityRecord")
    try:
        return record_model.objects.select_related("definition", "updated_by").get(
            engagement=engagement, definition__key=activity_key
        )
    except ObjectDoesNotExist:
        raise Http404("No such activity.") from None


def engagements_of_own_leas(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements of the LEAs where the user is on the CIM team (for their home page)."""
    if not isinstance(user, User) or not user.is_active:
        return _engagement_model().objects.none()
    return (
        _engagement_model()
        .objects.filter(
            lea__memberships__user=user,
            lea__memberships__role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
        )
        .distinct()
    )
