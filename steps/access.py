"""What a user may see or do with steps' models (engagements and their activity records,
submissions and reviews, consultant assignments, ADL uploads, the plan's outcomes), built
on the `lea` primitives: the organisations a user sees and the roles they hold.

Name shapes as in `lea/access.py`: `<things>_for(user)` a scoped queryset,
`get_<thing>_for(user, [parent,] id)` one object or a 404, `may_<verb>(user, obj)` a yes/no
(with `require_<verb>` its 403), `<things>_for_system(...)` for tasks. The yes/no rules the
state machines name as transition permissions live in `steps/rules.py` (the models import
them); they are offered here too, so a view or service asks one module.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any, Final

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.http import Http404

from cim.models import Approver, Requirement
from lea.access import (
    AnyUser,
    acting_user,
    consultants,
    holds_permission_directly,
    local_organizations_for,
    may_load_adl,
    one_or_404,
    organizations_for,
)
from lea.compiled import ANYONE, THIS, bound, compiled
from lea.models import AuditEvent, Membership, Organization, Role, User
from steps.models import (
    ActivityRecord,
    AdlUpload,
    Benchmark,
    Comment,
    ConsultantAssignment,
    DrillDown,
    DrillDownCitation,
    Engagement,
    Outcome,
    ProblemArea,
    ProblemOfPractice,
    Review,
    Strategy,
    StrategyActivity,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.rules import is_consultant, live_assignments_for
from steps.rules import may_assign_consultants as may_assign_consultants
from steps.rules import may_decide_record as may_decide_record
from steps.rules import may_edit_engagement as may_edit_engagement
from steps.rules import may_edit_record as may_edit_record
from steps.rules import may_lead as may_lead
from steps.rules import may_record_selpa_requires_reports as may_record_selpa_requires_reports
from steps.rules import may_record_srr_finding as may_record_srr_finding
from steps.rules import may_review as may_review
from steps.rules import may_review_for as may_review_for
from steps.rules import may_review_work as may_review_work
from steps.rules import may_see_statewide_status as may_see_statewide_status
from steps.rules import may_set_prior_plan as may_set_prior_plan
from steps.rules import may_submit as may_submit
from steps.rules import may_undo_decision as may_undo_decision


def _live_assignments() -> QuerySet[ConsultantAssignment]:
    """Assignments that still count: the consultant is an active CDE consultant. An LEA
    whose consultant left is unassigned again, so its work never drops out of sight."""
    return ConsultantAssignment.objects.filter(consultant__in=consultants())


# --- Engagements and their activities -------------------------------------------------------


def engagements_for(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements whose CIM work the user may read: an LEA's people their LEA's, a SELPA
    reviewer those of its LEAs, a CDE consultant those of the LEAs assigned to them for
    the year, a CDE administrator every one. (Statewide *status* is wider: see
    `status_engagements_for`.)"""
    person = acting_user(user)
    if person is None:
        return Engagement.objects.none()
    if person.has_perm(VIEW_ENGAGEMENT):
        return Engagement.objects.all()
    readable = _readable_without_the_global_permission(person, consultant=is_consultant(person))
    return Engagement.objects.filter(readable)


VIEW_ENGAGEMENT: Final = "steps.view_engagement"


def _readable_without_the_global_permission(person: User, *, consultant: bool) -> Q:
    """Engagements of the organisations the person sees through their own memberships, and
    for an active CDE consultant (`consultant`) those of the LEAs assigned to them for the
    year."""
    local = Q(lea__in=local_organizations_for(person))
    if not consultant:
        return local
    assigned = ConsultantAssignment.objects.filter(
        consultant=person, lea=OuterRef("lea"), year=OuterRef("cohort__year")
    )
    return local | Q(Exists(assigned))


def status_engagements_for(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements whose status (not content) the user may see: CDE staff statewide,
    a SELPA reviewer its LEAs, an LEA's people their own."""
    if may_see_statewide_status(user):
        # Every organisation: no subquery of all 2,500 LEAs for the statewide grid to join.
        return Engagement.objects.all()
    return Engagement.objects.filter(lea__in=organizations_for(user))


def engagements_for_system() -> QuerySet[Engagement]:
    """Every engagement, for operator commands and tasks that act for the system (e.g.
    `manage.py export_status`), never for a request: views use `engagements_for(user)`."""
    return Engagement.objects.all()


def team_engagements_for(user: AnyUser) -> QuerySet[Engagement]:
    """Engagements of the LEAs where the user is on the CIM team (for their home page),
    each with `readable`: whether they may read its CIM work (`engagements_for`)."""
    person = acting_user(user)
    if person is None:
        return Engagement.objects.none()
    mine = _in_scope(person, Engagement, "lea__memberships__user", person.pk)
    readable = mine if mine else Value(True)  # a superuser reads every one
    return (
        Engagement.objects.filter(
            lea__memberships__user=person,
            lea__memberships__role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
        )
        .annotate(readable=ExpressionWrapper(readable, output_field=BooleanField()))
        .distinct()
    )


# Set on an engagement read through get_engagement_for: the person it was read in scope
# for, so get_record_for need not plan engagements_for's subqueries again for it (planning
# them took a page longer than running them).
_READ_FOR = "_cim_read_in_scope_for"


NO_SUCH_ENGAGEMENT: Final = "No such engagement."


@functools.cache
def _in_scope_sql(
    model: type[Engagement | Submission], key: str, organization_type: int, consultant: bool
) -> tuple[str, tuple[Any, ...]]:
    """The ids of `model`'s rows whose `key` is THIS and whose engagement ANYONE may read
    (`engagements_for`'s rule), compiled once per process (lea/compiled.py): building the
    rule through guardian and the ORM for each page cost the page more than all of its own
    queries took to run (issue 16). The global permission is a branch of the same SQL, not
    a `has_perm` question first, so a page that asks nothing else of the person's
    permissions does not read them. Guardian puts the organisations' content type in the
    SQL by its id, so the id is part of the cache's key: a database whose content types
    were made again gets SQL of its own. Whether the person is a CDE consultant is asked of
    their memberships first, so the assignments are in the SQL only for consultants."""
    anyone = User(pk=ANYONE, is_active=True)
    readable = _readable_without_the_global_permission(
        anyone, consultant=consultant
    ) | holds_permission_directly(anyone, VIEW_ENGAGEMENT)
    rows: QuerySet[Any]
    if model is Engagement:
        rows = Engagement.objects.filter(readable)
    else:
        rows = Submission.objects.filter(engagement__in=Engagement.objects.filter(readable))
    return compiled(rows.filter(**{key: THIS}).order_by().values("pk"), {ANYONE, THIS})


def _in_scope(person: User, model: type[Engagement | Submission], key: str, value: int) -> Q:
    """`model`'s rows whose `key` is `value` and whose engagement the person may read
    (`engagements_for`), as a condition; none is needed for an active superuser, to whom
    ModelBackend gives every permission."""
    if person.is_superuser:
        return Q()
    organization_type = ContentType.objects.get_for_model(Organization).pk
    sql, params = _in_scope_sql(model, key, organization_type, is_consultant(person))
    # SQL the ORM compiled from engagements_for's rule; every value is a bound parameter.
    ids = RawSQL(sql, bound(params, {ANYONE: person.pk, THIS: value}))  # noqa: S611
    return Q(pk__in=ids)


def get_engagement_for(user: AnyUser, engagement_id: int) -> Engagement:
    person = acting_user(user)
    if person is None:
        raise Http404(NO_SUCH_ENGAGEMENT)
    engagements = Engagement.objects.select_related(
        "lea", "lea__selpa", "cohort", "cohort__year", "determination"
    ).filter(_in_scope(person, Engagement, "pk", engagement_id), pk=engagement_id)
    engagement = one_or_404(engagements, NO_SUCH_ENGAGEMENT)
    engagement.__dict__[_READ_FOR] = person.pk
    return engagement


EDIT_DENIED = "Only the LEA's CIM team edits its CIM work; you can read it."


def require_edit_engagement(user: AnyUser, engagement: Engagement) -> None:
    if not may_edit_engagement(user, engagement):
        raise PermissionDenied(EDIT_DENIED)


def drilldown_view_for(user: AnyUser, engagement: Engagement) -> str | None:
    """How a user who reads the engagement sees its Data Drill Down: "exact" for the
    LEA's CIM team; "suppressed" for the others, once its Step 1 is submitted (the tables
    leave the team with it); None (a 404) before then."""
    if may_edit_engagement(user, engagement):
        return "exact"
    submitted = (
        submissions_for(user)
        .filter(engagement=engagement, step=1)
        .exclude(state=SubmissionState.DRAFT)
    )
    return "suppressed" if submitted.exists() else None


def get_record_for(user: AnyUser, engagement: Engagement, activity_key: str) -> ActivityRecord:
    """An activity of an engagement the user may read, or 404."""
    records = ActivityRecord.objects.select_related("definition", "updated_by").filter(
        engagement=engagement, definition__key=activity_key
    )
    person = acting_user(user)
    if person is None or engagement.__dict__.get(_READ_FOR) != person.pk:
        records = records.filter(engagement__in=engagements_for(user))
    # One row at most (one record per activity of an engagement): no ordering, so none of
    # the joins the records' default order by engagement would add.
    record = one_or_404(records.order_by("pk"), "No such activity.")
    # The engagement as the caller read it (with its LEA, cohort and determination), so
    # the page does not read it, its cohort and its determination again (issue 16).
    record.engagement = engagement
    return record


def get_outcome_for(user: AnyUser, engagement: Engagement, outcome_id: int) -> Outcome:
    """A measurable outcome of the plan of an engagement the user may read, or 404."""
    return one_or_404(
        Outcome.objects.select_related("strategy").filter(
            pk=outcome_id,
            strategy__engagement=engagement,
            strategy__engagement__in=engagements_for(user),
        ),
        "No such outcome.",
    )


# --- The Data Drill Down and its citations ---------------------------------------------------


def latest_drill_down_for_engagement(engagement: Engagement) -> DrillDown | None:
    """The drill-down of an engagement the caller has read in scope: its newest upload."""
    return DrillDown.objects.filter(engagement=engagement).select_related("uploaded_by").first()


def get_drill_down_for(user: AnyUser, engagement: Engagement, drill_down_id: int) -> DrillDown:
    """An upload of the engagement's drill-down, which the user may read, or 404."""
    return one_or_404(
        DrillDown.objects.filter(
            pk=drill_down_id, engagement=engagement, engagement__in=engagements_for(user)
        ),
        "No such drill-down.",
    )


def get_citation_for(user: AnyUser, engagement: Engagement, citation_id: int) -> DrillDownCitation:
    """A drill-down table cited by one of the engagement's problem areas, or 404."""
    return one_or_404(
        DrillDownCitation.objects.select_related(
            "problem_area__record__definition", "drill_down"
        ).filter(
            pk=citation_id,
            problem_area__engagement=engagement,
            problem_area__engagement__in=engagements_for(user),
        ),
        "No such citation.",
    )


def get_problem_area_for(user: AnyUser, engagement: Engagement, area_id: int) -> ProblemArea:
    """A problem area of the engagement, which the user may read, or 404."""
    return one_or_404(
        ProblemArea.objects.select_related("record").filter(
            pk=area_id, engagement=engagement, engagement__in=engagements_for(user)
        ),
        "No such problem area.",
    )


# --- Submissions and reviews ----------------------------------------------------------------


def submissions_for(user: AnyUser) -> QuerySet[Submission]:
    """Submissions of the engagements whose work the user may read."""
    return Submission.objects.filter(engagement__in=engagements_for(user))


def get_submission_for(user: AnyUser, submission_id: int) -> Submission:
    person = acting_user(user)
    if person is None:
        raise Http404(NO_SUCH_SUBMISSION)
    submissions = Submission.objects.select_related(
        "engagement__lea__selpa",
        "engagement__cohort__year",
        "engagement__determination",
        "activity",
    ).filter(_in_scope(person, Submission, "pk", submission_id), pk=submission_id)
    return one_or_404(submissions, NO_SUCH_SUBMISSION)


NO_SUCH_SUBMISSION: Final = "No such submission."


def other_engagements_of_the_lea_for(user: AnyUser, engagement: Engagement) -> QuerySet[Engagement]:
    """The engagement's LEA's other engagements the user may read (its other years)."""
    person = acting_user(user)
    if person is None:
        return Engagement.objects.none()
    return Engagement.objects.filter(
        _in_scope(person, Engagement, "lea_id", engagement.lea_id), lea_id=engagement.lea_id
    ).exclude(pk=engagement.pk)


def get_version_for(user: AnyUser, submission: Submission, number: int) -> SubmissionVersion:
    """A version of a submission the user may read, or 404."""
    return one_or_404(
        SubmissionVersion.objects.select_related(
            "submitted_by", "submission__engagement__lea"
        ).filter(submission=submission, submission__in=submissions_for(user), number=number),
        "No such version.",
    )


def get_comment_for(user: AnyUser, submission: Submission, comment_id: int) -> Comment:
    """A comment on a submission the user may read, or 404."""
    return one_or_404(
        Comment.objects.select_related("version__submission").filter(
            pk=comment_id,
            version__submission=submission,
            version__submission__in=submissions_for(user),
        ),
        "No such comment.",
    )


def may_see_submission(user: AnyUser, submission_id: int) -> bool:
    """Whether the user may read the submission (and so ask for its versions' PDFs)."""
    return submissions_for(user).filter(pk=submission_id).exists()


def submission_version_for_system(version_id: int) -> SubmissionVersion | None:
    """For the email and PDF tasks, which act for the system rather than for a user."""
    return (
        SubmissionVersion.objects.select_related(
            "submission__engagement__lea__selpa",
            "submission__engagement__cohort",
            "submission__engagement__determination",
            "submission__activity",
            "submitted_by",
        )
        .filter(pk=version_id)
        .first()
    )


def comment_for_system(comment_id: int) -> Comment | None:
    """For the email tasks: the comment an email quotes, with the one it replies to."""
    return (
        Comment.objects.select_related("author", "reply_to__author").filter(pk=comment_id).first()
    )


# --- Rows of an engagement the caller has read in scope ------------------------------------


def rows_for_engagement[RowT: Model](
    model: type[RowT], engagement: Engagement | int
) -> QuerySet[RowT]:
    """The rows of a structured part (any model with an `engagement`) of an engagement the
    caller has read in scope: an id from anywhere else is not found among them."""
    return model._default_manager.filter(engagement=engagement)


# The Plan for Improvement's rows of one activity record: a record read in scope holds its
# problems of practice and strategies, and through them the strategies' activities, outcomes
# and benchmarks; an id from anywhere else is not found among them.


def problems_of_practice_for_record(record: ActivityRecord) -> QuerySet[ProblemOfPractice]:
    return ProblemOfPractice.objects.filter(engagement_id=record.engagement_id, record=record)


def strategies_for_record(record: ActivityRecord) -> QuerySet[Strategy]:
    return Strategy.objects.filter(engagement_id=record.engagement_id, record=record)


def strategy_activities_for_record(record: ActivityRecord) -> QuerySet[StrategyActivity]:
    return StrategyActivity.objects.filter(
        strategy__engagement_id=record.engagement_id, strategy__record=record
    ).select_related("strategy")


def outcomes_for_record(record: ActivityRecord) -> QuerySet[Outcome]:
    return Outcome.objects.filter(
        strategy__engagement_id=record.engagement_id, strategy__record=record
    ).select_related("strategy")


def benchmarks_for_record(record: ActivityRecord) -> QuerySet[Benchmark]:
    return Benchmark.objects.filter(
        outcome__strategy__engagement_id=record.engagement_id, outcome__strategy__record=record
    ).select_related("outcome__strategy")


def records_for_engagement(engagement: Engagement | int | OuterRef) -> QuerySet[ActivityRecord]:
    """The activity records of an engagement the caller has read in scope (or, as
    `OuterRef("pk")`, of each engagement of a scoped queryset)."""
    return ActivityRecord.objects.filter(engagement=engagement)


def records_for_engagement_ids(
    engagements: Collection[int] | QuerySet[Engagement],
) -> QuerySet[ActivityRecord]:
    """The activity records of engagements from a scoped queryset (or their ids)."""
    return ActivityRecord.objects.filter(engagement__in=engagements)


def records_for_system() -> QuerySet[ActivityRecord]:
    """Every activity record, for the reminder sweep, which acts for nobody in particular."""
    return ActivityRecord.objects.all()


def submissions_for_engagement(engagement: Engagement | int | OuterRef) -> QuerySet[Submission]:
    """The submissions of an engagement the caller has read in scope (or, as an
    `OuterRef`, of each engagement or record of a scoped queryset)."""
    return Submission.objects.filter(engagement=engagement)


def monitoring_record_for_engagement(engagement: Engagement | int) -> ActivityRecord | None:
    """The engagement's record of its cohort's progress-report activity (the catalog marks
    which activity that is): its resolved requirement says whether reports are due, its
    approver where they go."""
    return (
        ActivityRecord.objects.filter(engagement=engagement, definition__progress_reports=True)
        .select_related("definition")
        .first()
    )


def monitoring_records_for_system() -> QuerySet[ActivityRecord]:
    """Every engagement's record of its progress-report activity, for the reminder sweep."""
    return ActivityRecord.objects.filter(definition__progress_reports=True)


def plan_approval_for_engagement(engagement: Engagement | int) -> Submission | None:
    """The approved submission of Step 3 (the Plan for Improvement), if it is approved."""
    return Submission.objects.filter(
        engagement=engagement, step=3, activity__isnull=True, state=SubmissionState.APPROVED
    ).first()


def plan_strategies_for_engagement(engagement: Engagement) -> QuerySet[Strategy]:
    """The plan's strategies in order, with their activities, outcomes (in order) and the
    outcomes' benchmarks."""
    return (
        Strategy.objects.filter(engagement_id=engagement.pk)
        .order_by("position", "pk")
        .prefetch_related(
            "activities",
            Prefetch("outcomes", queryset=Outcome.objects.order_by("position", "pk")),
            "outcomes__benchmarks",
        )
    )


def history_for_record(record: ActivityRecord) -> QuerySet[AuditEvent]:
    """The audit trail of an activity record the caller has read in scope."""
    return AuditEvent.objects.filter(
        content_type__app_label="steps",
        content_type__model="activityrecord",
        object_id=str(record.pk),
    )


def versions_for_engagement(engagement: Engagement | int) -> QuerySet[SubmissionVersion]:
    """Every submitted version of an engagement the caller has read in scope."""
    return SubmissionVersion.objects.filter(submission__engagement=engagement)


def comments_for_submission(submission: Submission) -> QuerySet[Comment]:
    """The comments on every version of a submission the caller has read in scope."""
    return Comment.objects.filter(version__submission=submission)


def reviews_for_submission(submission: Submission) -> QuerySet[Review]:
    """The decisions on the versions of a submission the caller has read in scope."""
    return Review.objects.filter(version__submission=submission)


def comments_for_submissions(submissions: QuerySet[Submission]) -> QuerySet[Comment]:
    """The comments on the versions of submissions from a scoped queryset."""
    return Comment.objects.filter(version__submission__in=submissions)


def replies_to(comment: Comment | OuterRef) -> QuerySet[Comment]:
    """The replies to a comment read in scope (or, as an `OuterRef`, to each comment of a
    scoped queryset)."""
    return Comment.objects.filter(reply_to=comment)


def comments_for_version(version: SubmissionVersion) -> QuerySet[Comment]:
    """The comments on a version of a submission the caller has read in scope."""
    return Comment.objects.filter(version=version)


# --- Who may act on an engagement's work -------------------------------------------------


def reviewers_for(engagement: Engagement, approver: str | None) -> QuerySet[User]:
    """The people who review the engagement's work routed to `approver` (none when it
    has no route yet)."""
    active = User.objects.filter(is_active=True)
    if approver == Approver.SELPA and engagement.lea.selpa_id is not None:
        return active.filter(
            memberships__organization_id=engagement.lea.selpa_id,
            memberships__role=Role.SELPA_REVIEWER,
        ).distinct()
    if approver == Approver.CDE:
        return active.filter(
            pk__in=_live_assignments()
            .filter(lea_id=engagement.lea_id, year_id=engagement.cohort.year_id)
            .values("consultant")
        )
    return active.none()


def lea_team_for(engagement: Engagement) -> QuerySet[User]:
    """The LEA's CIM team accounts (lead and members), for emails about their work."""
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=engagement.lea_id,
        memberships__role__in=(Role.LEA_LEAD, Role.LEA_MEMBER),
    ).distinct()


def record_editors_for_system(
    lea_ids: Collection[int], record_ids: Collection[int]
) -> QuerySet[AuditEvent, tuple[str, int]]:
    """(record id as text, user id) of everyone who changed the activity records, from the
    audit trail (answers, structured rows, NA and take-up all leave a row on the record).
    Filtered by LEA first: the audit trail is indexed by organisation."""
    return (
        AuditEvent.objects.filter(
            organization_id__in=lea_ids,
            content_type=ContentType.objects.get_for_model(ActivityRecord),
            object_id__in=[str(pk) for pk in record_ids],
            actor__isnull=False,
        )
        .order_by()  # the model's ordering would make "at" part of the DISTINCT
        .values_list("object_id", "actor_id")
        .distinct()
    )


# --- ADL uploads (statewide: CDE administrators only) ---------------------------------------


def adl_uploads_for(user: AnyUser) -> QuerySet[AdlUpload]:
    """ADL uploads the user may see: all of them for a CDE administrator, none otherwise."""
    if not may_load_adl(user):
        return AdlUpload.objects.none()
    return AdlUpload.objects.all()


def get_adl_upload_for(user: AnyUser, upload_id: int) -> AdlUpload:
    return one_or_404(
        adl_uploads_for(user).select_related("uploaded_by", "applied_by").filter(pk=upload_id),
        "No such upload.",
    )


def adl_upload_for_system(upload_id: int) -> AdlUpload | None:
    """For the upload tasks, which act for the administrator who uploaded the file."""
    return (
        AdlUpload.objects.select_related("uploaded_by", "applied_by").filter(pk=upload_id).first()
    )


# --- Consultant assignments: the CDE administrators' page -----------------------------------


def consultant_assignments_for(user: AnyUser) -> QuerySet[ConsultantAssignment]:
    """Every assignment for a CDE administrator; a consultant's own; none otherwise."""
    if may_assign_consultants(user):
        return ConsultantAssignment.objects.all()
    person = acting_user(user)
    if person is not None:
        return live_assignments_for(person)
    return ConsultantAssignment.objects.none()


def get_consultant_assignment_for(user: AnyUser, assignment_id: int) -> ConsultantAssignment:
    return one_or_404(
        (
            consultant_assignments_for(user)
            .select_related("consultant", "lea", "year")
            .filter(pk=assignment_id)
        ),
        "No such assignment.",
    )


def leas_in_cim_for(user: AnyUser, *, year: int) -> QuerySet[Organization]:
    """LEAs with an engagement in a cohort of the year: every one for a CDE administrator
    (who assigns consultants to them), none for anyone else."""
    if not may_assign_consultants(user):
        return Organization.objects.none()
    engaged = Engagement.objects.filter(cohort__year__year=year).values("lea")
    return Organization.objects.filter(kind=Organization.Kind.LEA, pk__in=engaged)


def work_goes_to_cde(*, year: int, regions: Collection[int | None] | None = None) -> Q:
    """A filter on LEAs: some of the year's CIM work goes to a CDE consultant. That is
    step work the catalog routes to CDE (Targeted Level 3, every Intensive level), or a
    submission already routed to CDE: an activity approved on its own, such as a Level 1
    LEA's optional Policies and Procedures Review, waits on a consultant too. With
    `regions`, for LEAs of those regions only: the sets are then read for them alone."""
    # Two sets of LEA ids, each read once (PostgreSQL hashes an IN subquery), the records'
    # from their partial index alone (steps' activity_record_to_cde), rather than EXISTS
    # over the records per LEA: 2,500 probes cost a statewide page 50 ms.
    records = (
        ActivityRecord.objects.filter(approver=Approver.CDE, definition__approved_alone=False)
        .exclude(requirement=Requirement.NOT_APPLICABLE)
        .values("engagement")
    )
    engagements = Engagement.objects.filter(cohort__year__year=year)
    submissions = Submission.objects.filter(
        engagement__cohort__year__year=year, routed_to=Approver.CDE
    )
    if regions is not None:
        engagements = engagements.filter(lea__region__in=regions)
        submissions = submissions.filter(engagement__lea__region__in=regions)
    steps = engagements.filter(pk__in=records).values("lea")
    routed = submissions.values("engagement__lea")
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
    person = acting_user(user)
    if person is None:
        return Organization.objects.none()
    # The regions as values, not a subquery: the planner then keeps the LEAs of those
    # regions first, instead of asking of every LEA of the state whether it needs one.
    regions = set(
        live_assignments_for(person).filter(year__year=year).values_list("lea__region", flat=True)
    )
    engaged = Engagement.objects.filter(cohort__year__year=year).values("lea")
    covered = _live_assignments().filter(lea=OuterRef("pk"), year__year=year)
    return Organization.objects.filter(
        work_goes_to_cde(year=year, regions=regions),
        ~Exists(covered),
        kind=Organization.Kind.LEA,
        pk__in=engaged,
        region__in=regions,
    )


def lea_in_cim_by_code_for(user: AnyUser, *, year: int, code: str) -> Organization | None:
    """The LEA with the CDS code, if it is in CIM in the year and in the user's reach."""
    return leas_in_cim_for(user, year=year).select_related("selpa").filter(code=code).first()


# --- Review queues and the status grid ------------------------------------------------------

_QUEUE_STATES = (SubmissionState.SUBMITTED, SubmissionState.RETURNED, SubmissionState.APPROVED)
_WAITING_STATES = (SubmissionState.SUBMITTED, SubmissionState.RETURNED)


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
        (Q(routed_to=Approver.CDE) & ~Q(Exists(covered)))
        | (Q(routed_to=Approver.SELPA) & ~Q(Exists(selpa_reviewers)))
    )


def review_queue_for(user: AnyUser) -> QuerySet[Submission]:
    """Submissions in the user's review queue, in every state after the first submit: a
    SELPA reviewer's are its SELPA's LEAs' routed to SELPA; a CDE consultant's those routed
    to CDE for the LEAs assigned to them for the engagement's cohort year; a CDE
    administrator's also every unassigned one (`unassigned_submissions_for`)."""
    person = acting_user(user)
    if person is None:
        return Submission.objects.none()
    reviews_selpa = Membership.objects.filter(
        user=person, role=Role.SELPA_REVIEWER, organization=OuterRef("engagement__lea__selpa")
    )
    assigned = live_assignments_for(person).filter(
        lea=OuterRef("engagement__lea"), year=OuterRef("engagement__cohort__year")
    )
    mine = Q(routed_to=Approver.SELPA, state__in=_QUEUE_STATES) & Q(Exists(reviews_selpa))
    mine |= Q(routed_to=Approver.CDE, state__in=_QUEUE_STATES) & Q(Exists(assigned))
    if may_assign_consultants(user):
        mine |= _unassigned()
    return submissions_for(user).filter(mine)


def unassigned_submissions_for(user: AnyUser) -> QuerySet[Submission]:
    """For a CDE administrator: work routed to CDE, submitted or returned, whose LEA has no
    consultant for the year. Nobody else has this queue."""
    if not may_assign_consultants(user):
        return Submission.objects.none()
    return submissions_for(user).filter(_unassigned())


def status_assignments_for(user: AnyUser) -> QuerySet[ConsultantAssignment]:
    """Live consultant assignments of the LEAs whose status the user may see."""
    return _live_assignments().filter(lea__in=organizations_for(user))


# Rows that hang off engagements or LEAs the caller has already read through one of the
# scoped querysets above: the ids are the scope, so a page does not scope them twice.


def submissions_for_engagement_ids(engagement_ids: Collection[int]) -> QuerySet[Submission]:
    """Submissions of engagements whose ids came from a scoped queryset."""
    return Submission.objects.filter(engagement_id__in=engagement_ids)


def submissions_for_ids(submission_ids: Collection[int]) -> QuerySet[Submission]:
    """Submissions whose ids came from a scoped queryset (a page of a review queue)."""
    return Submission.objects.filter(pk__in=submission_ids)


def live_assignments_for_lea_ids(lea_ids: Collection[int]) -> QuerySet[ConsultantAssignment]:
    """Live consultant assignments of LEAs whose ids came from a scoped queryset."""
    return _live_assignments().filter(lea_id__in=lea_ids)
