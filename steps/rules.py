"""The yes/no rules on steps' objects that its state machines name as transition
permissions: who edits an activity, submits, reviews, decides, takes a decision back,
and the work only the system or a CDE administrator's load does.

They read what they need through the objects' relations, so the models can import this
module without importing themselves back; `steps/access.py` offers them to views and
services beside the scopes. Each takes `(user, obj)`; `transition_permission` turns one
into the `permission(instance, user)` django-fsm-2 calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cim.models import Approver
from lea.access import (
    AnyUser,
    acting_user,
    holds_role,
    may_act_as_cde_admin,
    may_load_adl,
)
from lea.models import Organization, Role, User

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from steps.models import ActivityRecord, AdlUpload, ConsultantAssignment, Engagement, Submission


def transition_permission(
    rule: Callable[[AnyUser | None, Any], bool],
) -> Callable[[Any, Any], bool]:
    """The rule as django-fsm-2 calls a transition's permission: (instance, user)."""

    def permission(instance: Any, user: Any) -> bool:
        return rule(user, instance)

    permission.__doc__ = rule.__doc__
    return permission


def live_assignments_for(user: User) -> QuerySet[ConsultantAssignment]:
    """The person's consultant assignments, counted only while they are an active CDE
    consultant: an LEA whose consultant left is unassigned again. Asked of the person's
    memberships as read for this request (`holds_role`), not of every consultant in SQL."""
    if not is_consultant(user):
        return user.consultant_assignments.none()
    return user.consultant_assignments.all()


def is_consultant(user: AnyUser | None) -> bool:
    """An active CDE consultant, whose assignments count."""
    return holds_role(user, (Role.CDE_CONSULTANT,), kind=Organization.Kind.CDE)


def may_edit_engagement(user: AnyUser | None, engagement: Engagement) -> bool:
    """The LEA's own CIM team writes; reviewers who may see it read."""
    return holds_role(user, (Role.LEA_LEAD, Role.LEA_MEMBER), organization_id=engagement.lea_id)


def may_lead(user: AnyUser | None, engagement: Engagement) -> bool:
    """The LEA's CIM team lead: submits, confirms with their typed name, sets what only the
    lead sets."""
    return holds_role(user, (Role.LEA_LEAD,), organization_id=engagement.lea_id)


def may_review_for(user: AnyUser | None, engagement: Engagement, approver: str) -> bool:
    """Whether the user reviews the engagement's work routed to `approver` (SELPA or CDE):
    a reviewer of the LEA's SELPA, or a CDE consultant assigned to the LEA for the year."""
    person = acting_user(user)
    if person is None:
        return False
    if approver == Approver.SELPA:
        selpa_id = engagement.lea.selpa_id
        return selpa_id is not None and holds_role(
            person, (Role.SELPA_REVIEWER,), organization_id=selpa_id
        )
    if approver == Approver.CDE:
        return (
            live_assignments_for(person)
            .filter(lea_id=engagement.lea_id, year_id=engagement.cohort.year_id)
            .exists()
        )
    return False


# --- Transition permissions -------------------------------------------------------------


def may_edit_record(user: AnyUser | None, record: ActivityRecord) -> bool:
    return may_edit_engagement(user, record.engagement)


def may_record_completed_elsewhere(user: AnyUser | None, record: ActivityRecord) -> bool:
    """Steps 1-3 done in an earlier cohort outside the portal are recorded by the ADL
    load only: the system (None) or the CDE administrator who loads the file."""
    return user is None or may_load_adl(user)


def may_submit(user: AnyUser | None, work: Submission | ActivityRecord) -> bool:
    """The LEA's CIM team lead submits (and confirms with their typed name)."""
    return may_lead(user, work.engagement)


def may_review(user: AnyUser | None, work: Submission | ActivityRecord) -> bool:
    approver = str(getattr(work, "routed_to", None) or getattr(work, "approver", ""))
    return may_review_for(user, work.engagement, approver)


def may_decide_record(user: AnyUser | None, record: ActivityRecord) -> bool:
    """A record moves with the submission that carries it: the submission's route decides
    (the record's own approver may have been re-resolved since it was submitted)."""
    definition = record.definition
    submission = (
        record.engagement.submissions.filter(
            step=definition.step, activity=definition if definition.approved_alone else None
        )
        .only("routed_to")
        .first()
    )
    return submission is not None and may_review_for(user, record.engagement, submission.routed_to)


def may_undo_decision(user: AnyUser | None, submission: Submission) -> bool:
    """Only the reviewer who decided the current version takes the decision back, and only
    while they still review the LEA's work."""
    person = acting_user(user)
    if person is None:
        return False
    decided_by_user = submission.versions.filter(
        number=submission.current_version, reviews__reviewer=person
    ).exists()
    return decided_by_user and may_review(person, submission)


def may_confirm_adl_upload(user: AnyUser | None, upload: AdlUpload) -> bool:
    """A CDE administrator confirms a checked file."""
    return may_load_adl(user)


def may_run_system_work(user: AnyUser | None, work: Model) -> bool:
    """The work only the system does (a worker, a sweep): no person may run it, and the
    services that do pass no actor (None)."""
    return user is None


def may_set_prior_plan(user: AnyUser | None, engagement: Engagement) -> bool:
    """The link to the plan an LEA continuing from an earlier cohort wrote outside the
    portal: its CIM team lead sets it, or CDE staff (its consultant, an administrator)."""
    return (
        may_lead(user, engagement)
        or may_review_for(user, engagement, Approver.CDE)
        or may_act_as_cde_admin(user)
    )


def may_record_selpa_requires_reports(user: AnyUser | None, engagement: Engagement) -> bool:
    """Whether the LEA's SELPA requires Step 4 progress reports is the SELPA's choice: a
    reviewer of the LEA's SELPA records it, or a CDE administrator on its behalf."""
    return may_review_for(user, engagement, Approver.SELPA) or may_act_as_cde_admin(user)


def may_record_srr_finding(user: AnyUser | None, engagement: Engagement) -> bool:
    """CDE issues the SRR findings: a CDE administrator, or the LEA's assigned consultant,
    records whether one is a final finding of noncompliance."""
    return may_review_for(user, engagement, Approver.CDE) or may_act_as_cde_admin(user)


def may_review_work(user: AnyUser | None) -> bool:
    """Whether the user could have a review queue at all: a SELPA reviewer, a CDE
    consultant or a CDE administrator (who watches the unassigned work)."""
    if may_assign_consultants(user):
        return True
    return holds_role(user, (Role.SELPA_REVIEWER,), kind=Organization.Kind.SELPA) or holds_role(
        user, (Role.CDE_CONSULTANT,), kind=Organization.Kind.CDE
    )


def may_assign_consultants(user: AnyUser | None) -> bool:
    person = acting_user(user)
    return person is not None and person.has_perm("steps.add_consultantassignment")


def may_see_statewide_status(user: AnyUser | None) -> bool:
    """CDE staff (administrators and consultants) see every LEA's status, and filter it by
    consultant."""
    person = acting_user(user)
    return person is not None and person.has_perm("lea.view_organization")
