"""What a user may see or do, for the models of `lea` and `steps` (the reports app decides
for its own models in reports/access.py, on top of these scopes).

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

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, Literal, cast

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from lea.models import (
    ROLES_BY_KIND,
    AccessRecord,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)

if TYPE_CHECKING:
    # steps depends on lea, not the other way round: the models are looked up when called.
    from steps.models import ActivityRecord, Engagement, Submission

VIEW_ORGANIZATION = "lea.view_organization"
MANAGE_MEMBERS = "lea.manage_members"

Action = Literal["view", "manage_members", "manage_people"]
AnyUser = User | AnonymousUser


def _is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


# The person's memberships, read once per User object, as Django keeps their permissions
# (`_perm_cache`): a page of an engagement asks up to six questions of them, a home page
# lists them three times. AuthenticationMiddleware loads the user afresh for each request;
# lea.services forgets them when it adds or removes one of the person's memberships.
_MEMBERSHIPS_KEY = "_cim_memberships"


def own_membership_list(user: User) -> list[Membership]:
    """`own_memberships` of an active person, read once per User object."""
    memberships = user.__dict__.get(_MEMBERSHIPS_KEY)
    if memberships is None:
        memberships = list(own_memberships(user))
        user.__dict__[_MEMBERSHIPS_KEY] = memberships
    return memberships


def _roles_of(user: User) -> list[tuple[int, str, str]]:
    """(organisation, its kind, role) of each of the person's memberships."""
    return [
        (membership.organization_id, membership.organization.kind, membership.role)
        for membership in own_membership_list(user)
    ]


def forget_roles(user: User) -> None:
    """After a change to the person's memberships: the next question reads them again."""
    user.__dict__.pop(_MEMBERSHIPS_KEY, None)


def _holds(
    user: User, roles: Collection[str], *, organization_id: int | None = None, kind: str = ""
) -> bool:
    """Whether the person holds one of `roles`, in that organisation or of that kind."""
    return any(
        role in roles
        and (organization_id is None or organization == organization_id)
        and (not kind or of_kind == kind)
        for organization, of_kind, role in _roles_of(user)
    )


# --- Scoped querysets ---------------------------------------------------------------------


def organizations_for(user: AnyUser) -> QuerySet[Organization]:
    """Organisations the user may see: their own, their SELPA's LEAs, or all for CDE staff."""
    if not _is_active(user):
        return Organization.objects.none()
    if user.has_perm(VIEW_ORGANIZATION):
        # What guardian answers for a global permission, without its per-call lookups.
        return Organization.objects.all()
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


def _live_assignments() -> QuerySet:
    """Assignments that still count: the consultant is an active CDE consultant. An LEA
    whose consultant left is unassigned again, so its work never drops out of sight."""
    return apps.get_model("steps", "ConsultantAssignment").objects.filter(
        consultant__in=consultants()
    )


def _assignments_of(user: User) -> QuerySet:
    """The user's consultant assignments, counted only while they are a CDE consultant."""
    return _live_assignments().filter(consultant=user)


def engagements_for(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements whose CIM work the user may read: an LEA's people their LEA's, a SELPA
    reviewer those of its LEAs, a CDE consultant those of the LEAs assigned to them for
    the year, a CDE administrator every one. (Statewide *status* is wider: see
    `status_engagements_for`.)"""
    model = _engagement_model()
    if not isinstance(user, User) or not user.is_active:
        return model.objects.none()
    if user.has_perm("steps.view_engagement"):
        return model.objects.all()
    # Only object grants: a consultant's statewide view of organisations opens no work.
    local = get_objects_for_user(
        user, VIEW_ORGANIZATION, klass=Organization, accept_global_perms=False
    )
    assigned = _assignments_of(user).filter(lea=OuterRef("lea"), year=OuterRef("cohort__year"))
    return model.objects.filter(Q(lea__in=local) | Exists(assigned))


def status_engagements_for(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements whose status (not content) the user may see: CDE staff statewide,
    a SELPA reviewer its LEAs, an LEA's people their own."""
    if sees_statewide_status(user):
        # Every organisation: no subquery of all 2,500 LEAs for the statewide grid to join.
        return _engagement_model().objects.all()
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


def can_change_organizations(user: AnyUser) -> bool:
    """Create and edit organisations statewide: a CDE administrator."""
    return _is_active(user) and user.has_perm("lea.change_organization")


def can_create_users(user: AnyUser) -> bool:
    """Create accounts directly, not by invitation: a CDE administrator."""
    return _is_active(user) and user.has_perm("lea.add_user")


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


ADL_LOAD_DENIED = "Only a CDE administrator loads the ADL and what it brings."


def require_system_or_adl_loader(user: AnyUser | None) -> None:
    """The actor check of the statewide load's writes (the ADL, determinations, the
    catalog, engagements started or resolved from them): None is the system (a management
    command, a worker, seed data); a person must be a CDE administrator."""
    if user is not None and not can_load_adl(user):
        raise PermissionDenied(ADL_LOAD_DENIED)


def may_load_adl(upload: Any, user: Any) -> bool:
    """Transition permission: a CDE administrator confirms a checked file."""
    return can_load_adl(user)


def by_system(obj: Any, user: Any) -> bool:
    """Transition permission of the work only the system does (a worker, a sweep): no user
    may run it, and the services that do pass no actor (None)."""
    return user is None


def adl_upload_for_worker(upload_id: int) -> Any:
    """For the upload tasks, which act for the administrator who uploaded the file."""
    upload_model = apps.get_model("steps", "AdlUpload")
    return (
        upload_model.objects.select_related("uploaded_by", "applied_by")
        .filter(pk=upload_id)
        .first()
    )


# --- The access record: who has seen an LEA's records ---------------------------------------

VIEW_ACCESS_RECORD = "lea.view_accessrecord"


def access_record_leas_for(user: AnyUser) -> QuerySet[Organization]:
    """LEAs whose access record (who read their CIM records) the user may read: every LEA
    for a CDE administrator, the LEAs the user leads otherwise. Narrower than seeing the
    LEA: its members, its SELPA's reviewers and CDE consultants see the LEA but not this,
    and get the same 404 as for an LEA they cannot see at all."""
    if not isinstance(user, User) or not user.is_active:
        return Organization.objects.none()
    leas = Organization.objects.filter(kind=Organization.Kind.LEA)
    if user.has_perm(VIEW_ACCESS_RECORD):
        return leas
    leads = Membership.objects.filter(user=user, organization=OuterRef("pk"), role=Role.LEA_LEAD)
    return leas.filter(Exists(leads))


def get_access_record_lea_for(user: AnyUser, organization_id: int) -> Organization:
    try:
        return access_record_leas_for(user).get(pk=organization_id)
    except Organization.DoesNotExist:
        raise Http404("No such organisation.") from None


def may_see_access_record(user: AnyUser, organization_id: int) -> bool:
    """For a link to the LEA's access record on its pages (as access_record_leas_for)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.has_perm(VIEW_ACCESS_RECORD):
        return access_record_leas_for(user).filter(pk=organization_id).exists()
    return _holds(
        user, (Role.LEA_LEAD,), organization_id=organization_id, kind=Organization.Kind.LEA
    )


def access_records_of_lea(lea: Organization) -> QuerySet[AccessRecord]:
    """The access record of an LEA already read through `get_access_record_lea_for`."""
    return AccessRecord.objects.filter(organization=lea)


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
    return _holds(user, (Role.LEA_LEAD, Role.LEA_MEMBER), organization_id=engagement.lea_id)


def require_edit_engagement(user: AnyUser, engagement: Engagement) -> None:
    if not can_edit_engagement(user, engagement):
        raise PermissionDenied("Only the LEA's CIM team edits its CIM work; you can read it.")


def drilldown_view_for(user: AnyUser, engagement: Engagement) -> str | None:
    """How a user who reads the engagement sees its Data Drill Down: "exact" for the
    LEA's CIM team; "suppressed" for the others, once its Step 1 is submitted (the tables
    leave the team with it); None (a 404) before then."""
    if can_edit_engagement(user, engagement):
        return "exact"
    submitted = submissions_for(user).filter(engagement=engagement, step=1).exclude(state="draft")
    return "suppressed" if submitted.exists() else None


def get_record_in_engagement(engagement: Engagement, activity_key: str) -> Any:
    record_model = apps.get_model("steps", "ActivityRecord")
    try:
        record = record_model.objects.select_related("definition", "updated_by").get(
            engagement=engagement, definition__key=activity_key
        )
    except ObjectDoesNotExist:
        raise Http404("No such activity.") from None
    # The engagement as the caller read it (with its LEA, cohort and determination), so
    # the page does not read it, its cohort and its determination again (issue 16).
    record.engagement = engagement
    return record


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


# --- Submissions and reviews ----------------------------------------------------------------


def submissions_for(user: AnyUser) -> QuerySet[Submission]:
    """Submissions of the engagements whose work the user may read."""
    return apps.get_model("steps", "Submission").objects.filter(
        engagement__in=engagements_for(user)
    )


def get_submission_for(user: AnyUser, submission_id: int) -> Submission:
    try:
        return (
            submissions_for(user)
            .select_related(
                "engagement__lea__selpa",
                "engagement__cohort__year",
                "engagement__determination",
                "activity",
            )
            .get(pk=submission_id)
        )
    except ObjectDoesNotExist:
        raise Http404("No such submission.") from None


def is_lea_lead(user: AnyUser, engagement: Engagement) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return _holds(user, (Role.LEA_LEAD,), organization_id=engagement.lea_id)


def is_reviewer_for(user: AnyUser, engagement: Engagement, approver: str) -> bool:
    """Whether the user reviews the engagement's work routed to `approver` (SELPA or CDE):
    a reviewer of the LEA's SELPA, or a CDE consultant assigned to the LEA for the year."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if approver == "SELPA":
        selpa_id = engagement.lea.selpa_id
        return selpa_id is not None and _holds(
            user, (Role.SELPA_REVIEWER,), organization_id=selpa_id
        )
    if approver == "CDE":
        return (
            _assignments_of(user)
            .filter(lea_id=engagement.lea_id, year_id=engagement.cohort.year_id)
            .exists()
        )
    return False


def _is_cde_admin(user: User) -> bool:
    return _holds(user, (Role.CDE_ADMIN,), kind=Organization.Kind.CDE)


def may_record_selpa_requires_reports(user: AnyUser, engagement: Engagement) -> bool:
    """Whether the LEA's SELPA requires Step 4 progress reports is the SELPA's choice: a
    reviewer of the LEA's SELPA records it, or a CDE administrator on its behalf."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return is_reviewer_for(user, engagement, "SELPA") or _is_cde_admin(user)


def may_record_srr_finding(user: AnyUser, engagement: Engagement) -> bool:
    """CDE issues the SRR findings: a CDE administrator, or the LEA's assigned consultant,
    records whether one is a final finding of noncompliance."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return is_reviewer_for(user, engagement, "CDE") or _is_cde_admin(user)


def may_set_prior_plan(user: AnyUser, engagement: Engagement) -> bool:
    """The link to the plan an LEA continuing from an earlier cohort wrote outside the
    portal: its CIM team lead sets it, or CDE staff (its consultant, an administrator)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return (
        is_lea_lead(user, engagement)
        or is_reviewer_for(user, engagement, "CDE")
        or _is_cde_admin(user)
    )


# Permission callables of the state machines' transitions (django-fsm-2 calls them as
# permission(instance, user)); the instance is a Submission or an ActivityRecord.


# django-fsm-2 types them as (Model, any kind of user): hence the Any.


def may_record_completed_elsewhere(record: Any, user: Any) -> bool:
    """Steps 1-3 done in an earlier cohort outside the portal are recorded by the ADL
    load only: the system (None) or the CDE administrator who loads the file."""
    return user is None or can_load_adl(user)


def may_edit_record(record: Any, user: Any) -> bool:
    return can_edit_engagement(user, cast("ActivityRecord", record).engagement)


def may_submit(obj: Any, user: Any) -> bool:
    """The LEA's CIM team lead submits (and confirms with their typed name)."""
    return is_lea_lead(user, cast("Submission | ActivityRecord", obj).engagement)


def may_review(obj: Any, user: Any) -> bool:
    approver = str(getattr(obj, "routed_to", None) or getattr(obj, "approver", ""))
    return is_reviewer_for(user, cast("Submission | ActivityRecord", obj).engagement, approver)


def may_decide_record(record: Any, user: Any) -> bool:
    """A record moves with the submission that carries it: the submission's route decides
    (the record's own approver may have been re-resolved since it was submitted)."""
    record = cast("ActivityRecord", record)
    definition = record.definition
    submission = (
        apps.get_model("steps", "Submission")
        .objects.filter(
            engagement_id=record.engagement_id,
            step=definition.step,
            activity=definition if definition.approved_alone else None,
        )
        .only("routed_to")
        .first()
    )
    return submission is not None and is_reviewer_for(user, record.engagement, submission.routed_to)


def may_undo_decision(obj: Any, user: Any) -> bool:
    """Only the reviewer who decided the current version takes the decision back, and only
    while they still review the LEA's work."""
    if not _is_active(user):
        return False
    submission = cast("Submission", obj)
    decided_by_user = (
        apps.get_model("steps", "Review")
        .objects.filter(
            version__submission=submission,
            version__number=submission.current_version,
            reviewer=user,
        )
        .exists()
    )
    return decided_by_user and may_review(submission, user)


def reviewers_for(engagement: Engagement, approver: str | None) -> QuerySet[User]:
    """The people who review the engagement's work routed to `approver` (none when it
    has no route yet)."""
    active = User.objects.filter(is_active=True)
    if approver == "SELPA" and engagement.lea.selpa_id is not None:
        return active.filter(
            memberships__organization_id=engagement.lea.selpa_id,
            memberships__role=Role.SELPA_REVIEWER,
        ).distinct()
    if approver == "CDE":
        return active.filter(
            pk__in=_live_assignments()
            .filter(lea_id=engagement.lea_id, year_id=engagement.cohort.year_id)
            .values("consultant")
        )
    return active.none()


def cde_admins() -> QuerySet[User]:
    """Who hears of work routed to CDE for an LEA that has no consultant yet."""
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.CDE_ADMIN,
        memberships__organization__kind=Organization.Kind.CDE,
    ).distinct()


def lea_team_for(engagement: Engagement) -> QuerySet[User]:
    """The LEA's CIM team accounts (lead and members), for emails about their work."""
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=engagement.lea_id,
        memberships__role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
    ).distinct()


def can_assign_consultants(user: AnyUser) -> bool:
    return _is_active(user) and user.has_perm("steps.add_consultantassignment")


def consultant_assignments_for(user: AnyUser) -> QuerySet:
    """Every assignment for a CDE administrator; a consultant's own; none otherwise."""
    model = apps.get_model("steps", "ConsultantAssignment")
    if can_assign_consultants(user):
        return model.objects.all()
    if isinstance(user, User) and user.is_active:
        return _assignments_of(user)
    return model.objects.none()


def consultants() -> QuerySet[User]:
    """Active CDE consultants, who may be assigned to LEAs."""
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.CDE_CONSULTANT,
        memberships__organization__kind=Organization.Kind.CDE,
    ).distinct()


def submission_version_for_worker(version_id: int) -> Any:
    """For the email tasks, which act for the system rather than for a user."""
    return (
        apps.get_model("steps", "SubmissionVersion")
        .objects.select_related(
            "submission__engagement__lea__selpa",
            "submission__engagement__cohort",
            "submission__activity",
            "submitted_by",
        )
        .filter(pk=version_id)
        .first()
    )


def user_for_worker(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def get_comment_in_submission(submission: Submission, comment_id: int) -> Any:
    try:
        return (
            apps.get_model("steps", "Comment")
            .objects.select_related("version__submission")
            .get(pk=comment_id, version__submission=submission)
        )
    except ObjectDoesNotExist:
        raise Http404("No such comment.") from None


# --- Consultant assignments: the CDE administrators' page -----------------------------------

# Literal values of steps and cim choices: lea sits left of both and does not import them.
_CDE = "CDE"
_NOT_APPLICABLE = "not_applicable"


def leas_in_cim_for(user: AnyUser, *, year: int) -> QuerySet[Organization]:
    """LEAs with an engagement in a cohort of the year: every one for a CDE administrator
    (who assigns consultants to them), none for anyone else."""
    if not can_assign_consultants(user):
        return Organization.objects.none()
    engaged = _engagement_model().objects.filter(cohort__year__year=year).values("lea")
    return Organization.objects.filter(kind=Organization.Kind.LEA, pk__in=engaged)


def work_goes_to_cde(*, year: int) -> Q:
    """A filter on LEAs: some of the year's CIM work goes to a CDE consultant. That is
    step work the catalog routes to CDE (Targeted Level 3, every Intensive level), or a
    submission already routed to CDE: an activity approved on its own, such as a Level 1
    LEA's optional Policies and Procedures Review, waits on a consultant too."""
    # Two sets of LEA ids, each read once (PostgreSQL hashes an IN subquery), the records'
    # from their partial index alone (steps' activity_record_to_cde), rather than EXISTS
    # over the records per LEA: 2,500 probes cost a statewide page 50 ms.
    records = (
        apps.get_model("steps", "ActivityRecord")
        .objects.filter(approver=_CDE, definition__approved_alone=False)
        .exclude(requirement=_NOT_APPLICABLE)
        .values("engagement")
    )
    steps = (
        _engagement_model().objects.filter(cohort__year__year=year, pk__in=records).values("lea")
    )
    routed = (
        apps.get_model("steps", "Submission")
        .objects.filter(engagement__cohort__year__year=year, routed_to=_CDE)
        .values("engagement__lea")
    )
    return Q(pk__in=steps) | Q(pk__in=routed)


def leas_needing_consultant_for(user: AnyUser, *, year: int) -> QuerySet[Organization]:
    """LEAs in CIM in the year whose work goes to CDE and that no CDE consultant reviews.
    An assignment counts only while its consultant is an active CDE consultant, so an LEA
    whose consultant left comes back here rather than disappearing."""
    covered = _live_assignments().filter(lea=OuterRef("pk"), year__year=year)
    return leas_in_cim_for(user, year=year).filter(work_goes_to_cde(year=year), ~Exists(covered))


def leas_needing_consultant_near(user: AnyUser, *, year: int) -> QuerySet[Organization]:
    """For a CDE consultant: LEAs needing a consultant (as `leas_needing_consultant_for`)
    in the regions of the LEAs assigned to them for the year, FMTA consultants being
    assigned by region; for them to raise with a CDE administrator."""
    if not isinstance(user, User) or not user.is_active:
        return Organization.objects.none()
    # The regions as values, not a subquery: the planner then keeps the LEAs of those
    # regions first, instead of asking of every LEA of the state whether it needs one.
    regions = set(
        _assignments_of(user).filter(year__year=year).values_list("lea__region", flat=True)
    )
    engaged = _engagement_model().objects.filter(cohort__year__year=year).values("lea")
    covered = _live_assignments().filter(lea=OuterRef("pk"), year__year=year)
    return Organization.objects.filter(
        work_goes_to_cde(year=year),
        ~Exists(covered),
        kind=Organization.Kind.LEA,
        pk__in=engaged,
        region__in=regions,
    )


def lea_in_cim_by_code_for(user: AnyUser, *, year: int, code: str) -> Organization | None:
    """The LEA with the CDS code, if it is in CIM in the year and in the user's reach."""
    return leas_in_cim_for(user, year=year).select_related("selpa").filter(code=code).first()


def get_consultant_assignment_for(user: AnyUser, assignment_id: int) -> Any:
    try:
        return (
            consultant_assignments_for(user)
            .select_related("consultant", "lea", "year")
            .get(pk=assignment_id)
        )
    except ObjectDoesNotExist:
        raise Http404("No such assignment.") from None


# --- Review queues and the status grid ------------------------------------------------------

# Literal values of steps' submission states and routes: lea does not import steps or cim.
_QUEUE_STATES = ("submitted", "returned", "approved")
_WAITING_STATES = ("submitted", "returned")


def _unassigned() -> Q:
    """Submissions waiting on someone with nobody to review them: routed to CDE for an LEA
    with no live consultant for the engagement's cohort year, or routed to a SELPA that
    has no active reviewer."""
    covered = _live_assignments().filter(
        lea=OuterRef("engagement__lea"), year=OuterRef("engagement__cohort__year")
    )
    selpa_reviewers = Membership.objects.filter(
        organization=OuterRef("engagement__lea__selpa"),
        role=Role.SELPA_REVIEWER,
        user__is_active=True,
    )
    return Q(state__in=_WAITING_STATES) & (
        (Q(routed_to="CDE") & ~Q(Exists(covered)))
        | (Q(routed_to="SELPA") & ~Q(Exists(selpa_reviewers)))
    )


def review_queue_for(user: AnyUser) -> QuerySet[Submission]:
    """Submissions in the user's review queue, in every state after the first submit: a
    SELPA reviewer's are its SELPA's LEAs' routed to SELPA; a CDE consultant's those routed
    to CDE for the LEAs assigned to them for the engagement's cohort year; a CDE
    administrator's also every unassigned one (`unassigned_submissions_for`)."""
    model = apps.get_model("steps", "Submission")
    if not isinstance(user, User) or not user.is_active:
        return model.objects.none()
    reviews_selpa = Membership.objects.filter(
        user=user, role=Role.SELPA_REVIEWER, organization=OuterRef("engagement__lea__selpa")
    )
    assigned = _assignments_of(user).filter(
        lea=OuterRef("engagement__lea"), year=OuterRef("engagement__cohort__year")
    )
    mine = Q(routed_to="SELPA", state__in=_QUEUE_STATES) & Q(Exists(reviews_selpa))
    mine |= Q(routed_to="CDE", state__in=_QUEUE_STATES) & Q(Exists(assigned))
    if can_assign_consultants(user):
        mine |= _unassigned()
    return submissions_for(user).filter(mine)


def unassigned_submissions_for(user: AnyUser) -> QuerySet[Submission]:
    """For a CDE administrator: work routed to CDE, submitted or returned, whose LEA has no
    consultant for the year. Nobody else has this queue."""
    model = apps.get_model("steps", "Submission")
    if not can_assign_consultants(user):
        return model.objects.none()
    return submissions_for(user).filter(_unassigned())


def has_review_role(user: AnyUser) -> bool:
    """Whether the user could have a review queue at all: a SELPA reviewer, a CDE
    consultant or a CDE administrator (who watches the unassigned work)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if can_assign_consultants(user):
        return True
    return _holds(user, (Role.SELPA_REVIEWER,), kind=Organization.Kind.SELPA) or _holds(
        user, (Role.CDE_CONSULTANT,), kind=Organization.Kind.CDE
    )


def status_assignments_for(user: AnyUser) -> QuerySet:
    """Live consultant assignments of the LEAs whose status the user may see."""
    return _live_assignments().filter(lea__in=organizations_for(user))


def sees_statewide_status(user: AnyUser) -> bool:
    """CDE staff (administrators and consultants) see every LEA's status, and filter it by
    consultant."""
    return _is_active(user) and user.has_perm(VIEW_ORGANIZATION)


# Rows that hang off engagements or LEAs the caller has already read through one of the
# scoped querysets above: the ids are the scope, so a page does not scope them twice.


def submissions_of_engagements(engagement_ids: Collection[int]) -> QuerySet[Submission]:
    """Submissions of engagements whose ids came from a scoped queryset."""
    return apps.get_model("steps", "Submission").objects.filter(engagement_id__in=engagement_ids)


def submissions_of_ids(submission_ids: Collection[int]) -> QuerySet[Submission]:
    """Submissions whose ids came from a scoped queryset (a page of a review queue)."""
    return apps.get_model("steps", "Submission").objects.filter(pk__in=submission_ids)


def assignments_of_leas(lea_ids: Collection[int]) -> QuerySet:
    """Live consultant assignments of LEAs whose ids came from a scoped queryset."""
    return _live_assignments().filter(lea_id__in=lea_ids)


# --- Versions of submissions, and who may ask for their PDFs ------------------------------


def get_version_in_submission(submission: Submission, number: int) -> Any:
    """A version of a submission already read through `get_submission_for`, or 404."""
    try:
        return (
            apps.get_model("steps", "SubmissionVersion")
            .objects.select_related("submitted_by", "submission__engagement__lea")
            .get(submission=submission, number=number)
        )
    except ObjectDoesNotExist:
        raise Http404("No such version.") from None


def may_request_pdf(rendered: Any, user: Any) -> bool:
    """Anyone who may see the submission may ask for (or retry) the PDF of its version."""
    return submissions_for(user).filter(pk=rendered.version.submission_id).exists()


def comment_for_worker(comment_id: int) -> Any:
    """For the email tasks: the comment an email quotes, with the one it replies to."""
    return (
        apps.get_model("steps", "Comment")
        .objects.select_related("author", "reply_to__author")
        .filter(pk=comment_id)
        .first()
    )


# --- Reminders (reports): who hears of work coming due ----------------------------------------
# System reads for the daily sweep, which acts for nobody in particular. They take many
# LEAs at once: one query per kind of person keeps a statewide sweep flat.


def lea_teams_of(lea_ids: Collection[int]) -> QuerySet[Membership]:
    """The active CIM teams (leads and members) of the LEAs, with their accounts."""
    return Membership.objects.filter(
        organization_id__in=lea_ids,
        role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
        user__is_active=True,
    ).select_related("user")


def pending_lead_invitations_of(lea_ids: Collection[int]) -> QuerySet[Invitation]:
    """Invitations to lead the LEAs (the ADL's CIM contacts) neither accepted nor withdrawn,
    expired ones too: a reminder carries a renewed link."""
    return Invitation.objects.filter(
        organization_id__in=lea_ids,
        role=Role.LEA_LEAD,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).order_by("organization_id", "email", "-created_at")


def selpa_reviewers_of(selpa_ids: Collection[int]) -> QuerySet[Membership]:
    """The active reviewers of the SELPAs, with their accounts."""
    return Membership.objects.filter(
        organization_id__in=selpa_ids, role=Role.SELPA_REVIEWER, user__is_active=True
    ).select_related("user")


def record_editors_of(lea_ids: Collection[int], record_ids: Collection[int]) -> QuerySet:
    """(record id as text, user id) of everyone who changed the activity records, from the
    audit trail (answers, structured rows, NA and take-up all leave a row on the record).
    Filtered by LEA first: the audit trail is indexed by organisation."""
    record_type = apps.get_model("contenttypes", "ContentType").objects.get_for_model(
        apps.get_model("steps", "ActivityRecord")
    )
    return (
        apps.get_model("lea", "AuditEvent")
        .objects.filter(
            organization_id__in=lea_ids,
            content_type=record_type,
            object_id__in=[str(pk) for pk in record_ids],
            actor__isnull=False,
        )
        .order_by()  # the model's ordering would make "at" part of the DISTINCT
        .values_list("object_id", "actor_id")
        .distinct()
    )


# --- Step 4: the plan's outcomes a progress report measures ------------------------------


def get_outcome_in_engagement(engagement: Engagement, outcome_id: int) -> Any:
    """A measurable outcome of the engagement's plan, or 404."""
    try:
        return (
            apps.get_model("steps", "Outcome")
            .objects.select_related("strategy")
            .get(pk=outcome_id, strategy__engagement=engagement)
        )
    except ObjectDoesNotExist:
        raise Http404("No such outcome.") from None
