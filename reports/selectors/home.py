"""What waits on a person, for their home page: one function per role, each returning
counted sections whose items link to where the work is, most overdue or newest first.

Here in `reports`, the rightmost app, because a lead's home counts progress reports too.
Every read starts from a queryset lea/access.py scoped; a section costs one query (its
first `SHOWN` items, each with the count of them all), whatever the number of LEAs or
submissions."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cim import selectors as cim_selectors
from cim.models import INFERRED_DATE, Determination, Tier
from lea import access as lea_access
from lea.access import AnyUser
from lea.models import Organization, Role, User
from reports import access as reports_access
from reports.progress import OPEN_STATES
from reports.reminder_items import owed_records
from steps import access
from steps.models import ActivityRecord, AdlUpload, Comment, Engagement, Submission
from steps.models import SubmissionState as State

SHOWN: Final = 10  # items listed per section; the heading counts them all
RECENT_DAYS: Final = 14  # how far back "recently changed" looks


@dataclass(frozen=True)
class HomeItem:
    title: str
    url: str  # where the work is
    lea_name: str = ""
    lea_url: str = ""  # the LEA's workspace, when the person may read it
    detail: str = ""  # e.g. "due March 3, 2025: 12 days overdue"
    overdue: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    heading: str  # the count in words, or the empty state
    count: int
    items: list[HomeItem]
    more_url: str = ""
    more_text: str = ""


@dataclass
class RoleHome:
    role: str  # the role's name as people say it
    organizations: list[str]
    sections: list[Section] = field(default_factory=list)


def _heading(count: int, one: str, many: str, none: str) -> str:
    if count == 0:
        return none
    return f"{count} {one if count == 1 else many}"


def _when(due: date | None, today: date, *, inferred: bool = False) -> tuple[str, bool]:
    if due is None:
        return "no due date", False
    shown = date_format(due, "F j, Y") + (f" ({INFERRED_DATE})" if inferred else "")
    days = (due - today).days
    if days < 0:
        late = -days
        return f"due {shown}: {late} day{'s' if late != 1 else ''} overdue", True
    if days == 0:
        return f"due today, {shown}", False
    return f"due {shown}, in {days} day{'s' if days != 1 else ''}", False


def _day(moment: datetime, today: date) -> str:
    day = timezone.localdate(moment)
    days = (today - day).days
    ago = "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} ago"
    return f"{date_format(day, 'F j, Y')} ({ago})"


def _since(moment: datetime | None, today: date) -> str:
    return f"since {_day(moment, today)}" if moment else ""


def _workspace(engagement_id: int) -> str:
    return reverse("engagement_workspace", args=[engagement_id])


_TOTAL: Final = "home_section_total"


def _total(row: Any) -> int:
    return int(row[_TOTAL] if isinstance(row, dict) else getattr(row, _TOTAL))


def _section(
    key: str,
    rows: QuerySet[Any],
    item: Callable[[Any], HomeItem],
    words: tuple[str, str, str],
    more: tuple[str, str] = ("", ""),
) -> Section:
    # The count rides on the shown rows (a window over every row, before the LIMIT):
    # one query, not the rows and then a COUNT of the same joins. No section's rows
    # are DISTINCT, which a window would count before (the DISTINCT of
    # steps.access.team_engagements_for stays inside the subquery it scopes with).
    shown = list(rows.annotate(**{_TOTAL: Window(Count("*"))})[:SHOWN])
    count = _total(shown[0]) if shown else 0
    return _section_of(key, count, shown, item, words, more)


def _section_of(
    key: str,
    count: int,
    rows: list[Any],
    item: Callable[[Any], HomeItem],
    words: tuple[str, str, str],
    more: tuple[str, str] = ("", ""),
) -> Section:
    """A section of `count` rows, the first of `rows` shown."""
    items = [item(row) for row in rows[:SHOWN]]
    return Section(key, _heading(count, *words), count, items, *more)


# --- The LEA's CIM team -------------------------------------------------------------------

_TEAM_ROLES: Final = (Role.LEA_LEAD, Role.LEA_MEMBER)


def team_engagements(*, user: AnyUser) -> list[Engagement]:
    """The engagements of the LEAs where the person is on the CIM team, by LEA name, each
    with `readable`: whether they may read its CIM work (which only a lead's sections
    need). One query, none for someone on no team; the home's lists and its sections start
    from it, so each section filters on ids rather than planning the scopes' subqueries
    again (planning them cost a section more than running it)."""
    if not isinstance(user, User):
        return []
    roles = {membership.role for membership in lea_access.own_membership_list_for(user)}
    if not roles & set(_TEAM_ROLES):
        return []
    engagements = access.team_engagements_for(user)
    return list(engagements.select_related("lea", "cohort__year").order_by("lea__name"))


@dataclass(frozen=True)
class _Team:
    """The ids of the team's engagements in the role's LEAs, and of those the person may
    read."""

    ids: list[int]
    readable: list[int]


def _team(engagements: list[Engagement], lea_ids: Collection[int]) -> _Team:
    mine = [engagement for engagement in engagements if engagement.lea_id in lea_ids]
    return _Team(
        ids=[engagement.pk for engagement in mine],
        readable=[engagement.pk for engagement in mine if getattr(engagement, "readable", False)],
    )


def _owed(team: _Team, today: date) -> Section:
    records = owed_records(
        access.records_for_engagement_ids(team.ids).filter(due_date__isnull=False)
    ).select_related("definition", "engagement__lea", "engagement__cohort")

    def item(record: ActivityRecord) -> HomeItem:
        detail, overdue = _when(record.due_date, today, inferred=record.engagement.cohort.inferred)
        return HomeItem(
            title=f"{record.definition.name} (Step {record.definition.step})",
            url=reverse("activity_detail", args=[record.engagement_id, record.definition.key]),
            lea_name=record.engagement.lea.name,
            lea_url=_workspace(record.engagement_id),
            detail=detail,
            overdue=overdue,
        )

    return _section(
        "owed",
        records.order_by("due_date", "definition__step", "definition__position", "pk"),
        item,
        (
            "activity is still owed, the next deadline first",
            "activities are still owed, the most overdue first",
            "No activity is owed: nothing has a deadline waiting.",
        ),
    )


def _submission_item(today: date) -> Callable[[Submission], HomeItem]:
    def item(submission: Submission) -> HomeItem:
        return HomeItem(
            title=submission.title,
            url=reverse("submission_detail", args=[submission.pk]),
            lea_name=submission.engagement.lea.name,
            lea_url=_workspace(submission.engagement_id),
            detail=_since(submission.state_changed_at, today),
        )

    return item


def lead_home(*, team: _Team, today: date) -> list[Section]:
    """For an LEA's CIM team lead: work returned for revision, reviewers' comments not yet
    answered, activities owed (the next deadline first) and progress reports due."""
    returned = (
        access.submissions_for_engagement_ids(team.readable)
        .filter(state=State.RETURNED)
        .select_related("engagement__lea", "activity")
        .order_by("-state_changed_at", "-pk")
    )
    return [
        _section(
            "returned",
            returned,
            _submission_item(today),
            (
                "submission was returned for revision",
                "submissions were returned for revision",
                "Nothing was returned for revision.",
            ),
        ),
        _comments(team, today),
        _owed(team, today),
        _reports_due(team, today),
    ]


def _comments(team: _Team, today: date) -> Section:
    """Reviewers' comments and questions on the latest version of returned work that
    nobody from the LEA has replied to, newest first."""
    returned = access.submissions_for_engagement_ids(team.readable).filter(state=State.RETURNED)
    answered = access.replies_to(OuterRef("pk"))
    comments = (
        access.comments_for_submissions(returned)
        .filter(
            ~Exists(answered),
            version__number=F("version__submission__current_version"),
            kind__in=(Comment.Kind.COMMENT, Comment.Kind.QUESTION),
        )
        .select_related("version__submission__engagement__lea", "version__submission__activity")
        .order_by("-created_at", "-pk")
    )

    def item(comment: Comment) -> HomeItem:
        submission = comment.version.submission
        body = comment.body if len(comment.body) <= 80 else f"{comment.body[:79]}…"
        return HomeItem(
            title=f"{comment.get_kind_display()} on {submission.title}: “{body}”",
            url=reverse("submission_detail", args=[submission.pk]),
            lea_name=submission.engagement.lea.name,
            lea_url=_workspace(submission.engagement_id),
            detail=f"written {_day(comment.created_at, today)}",
        )

    return _section(
        "comments",
        comments,
        item,
        (
            "reviewer comment waits for your answer",
            "reviewer comments wait for your answer",
            "No reviewer comment waits for an answer.",
        ),
    )


def _reports_due(team: _Team, today: date) -> Section:
    reports = (
        reports_access.progress_reports_for_engagement_ids(team.readable)
        .filter(Q(submission__isnull=True) | Q(submission__state__in=OPEN_STATES))
        .select_related("period", "engagement__lea", "engagement__cohort")
        .order_by("due_on", "pk")
    )

    def item(report: Any) -> HomeItem:
        inferred = report.period.inferred or report.engagement.cohort.inferred
        detail, overdue = _when(report.due_on, today, inferred=inferred)
        return HomeItem(
            title=report.title,
            url=reverse("progress_report", args=[report.engagement_id, report.pk]),
            lea_name=report.engagement.lea.name,
            lea_url=_workspace(report.engagement_id),
            detail=detail,
            overdue=overdue,
        )

    return _section(
        "reports",
        reports,
        item,
        (
            "progress report is due",
            "progress reports are due",
            "No progress report is due.",
        ),
    )


def member_home(*, user: AnyUser, team: _Team, today: date) -> list[Section]:
    """For an LEA's CIM team member: the activities the team owes, and those someone
    else changed in the last two weeks, newest first."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    changed = (
        access.records_for_engagement_ids(team.ids)
        .filter(updated_at__gte=since)
        .exclude(updated_by=user.pk)
        .exclude(updated_by__isnull=True)
        .select_related("definition", "engagement__lea", "updated_by")
        .order_by("-updated_at", "-pk")
    )

    def item(record: ActivityRecord) -> HomeItem:
        who = record.updated_by.display_name if record.updated_by else ""
        return HomeItem(
            title=f"{record.definition.name} (Step {record.definition.step})",
            url=reverse("activity_detail", args=[record.engagement_id, record.definition.key]),
            lea_name=record.engagement.lea.name,
            lea_url=_workspace(record.engagement_id),
            detail=f"changed by {who} on {_day(record.updated_at, today)}",
        )

    return [
        _owed(team, today),
        _section(
            "changed",
            changed,
            item,
            (
                "activity was changed by someone else in the last two weeks",
                "activities were changed by others in the last two weeks",
                "Nobody else changed an activity in the last two weeks.",
            ),
        ),
    ]


# --- Reviewers --------------------------------------------------------------------------------


def _waiting(user: AnyUser, routed_to: str, today: date) -> Section:
    waiting = (
        access.review_queue_for(user)
        .filter(state=State.SUBMITTED, routed_to=routed_to)
        .select_related("engagement__lea", "activity")
        .order_by("state_changed_at", "pk")
    )
    return _section(
        "waiting",
        waiting,
        _submission_item(today),
        (
            "submission waits for your review, the longest waiting first",
            "submissions wait for your review, the longest waiting first",
            "No submission waits for your review.",
        ),
        (reverse("review_queue"), "Open your review queue"),
    )


def _year_engagements(user: AnyUser, year: int | None) -> QuerySet[Engagement]:
    if year is None:
        return access.engagements_for(user).none()
    return access.engagements_for(user).filter(cohort__year__year=year)


def selpa_reviewer_home(
    *, user: AnyUser, selpa_ids: Collection[int], year: int | None, today: date
) -> list[Section]:
    """For a SELPA reviewer: submissions waiting for review (the longest waiting first),
    the SELPA's LEAs with overdue work (the most overdue first) and those with no CIM
    team lead, in the newest monitoring year."""
    engagements = _year_engagements(user, year).filter(lea__selpa_id__in=selpa_ids)
    # The SELPAs' engagements read first as ids: as a subquery PostgreSQL took the few
    # LEAs a reviewer sees for two thousand, and read every activity of the state.
    engagement_ids = list(engagements.values_list("pk", flat=True))
    overdue = (
        owed_records(access.records_for_engagement_ids(engagement_ids).filter(due_date__lt=today))
        .values("engagement_id", "engagement__lea__name")
        .annotate(late=Count("pk"), oldest=Min("due_date"))
        .order_by("oldest", "engagement__lea__name")
    )

    def overdue_item(row: dict[str, Any]) -> HomeItem:
        days = (today - row["oldest"]).days
        return HomeItem(
            title=f"{row['late']} overdue {'activity' if row['late'] == 1 else 'activities'}",
            url=_workspace(row["engagement_id"]),
            lea_name=row["engagement__lea__name"],
            lea_url=_workspace(row["engagement_id"]),
            detail=f"the oldest due {date_format(row['oldest'], 'F j, Y')}, {days} days ago",
            overdue=True,
        )

    leads = lea_access.active_members_in_role(OuterRef("lea"), Role.LEA_LEAD)
    leadless = engagements.filter(~Exists(leads)).select_related("lea").order_by("lea__name")

    def leadless_item(engagement: Engagement) -> HomeItem:
        return HomeItem(
            title="Invite a CIM team lead",
            url=reverse("organization_members", args=[engagement.lea_id]),
            lea_name=engagement.lea.name,
            lea_url=_workspace(engagement.pk),
        )

    return [
        _waiting(user, "SELPA", today),
        _section(
            "overdue",
            overdue,
            overdue_item,
            (
                "LEA has overdue work",
                "LEAs have overdue work, the most overdue first",
                "No LEA of your SELPA has overdue work.",
            ),
        ),
        _section(
            "leadless",
            leadless,
            leadless_item,
            ("LEA has no CIM team lead", "LEAs have no CIM team lead", "Every LEA has a lead."),
        ),
    ]


def consultant_home(*, user: AnyUser, year: int | None, today: date) -> list[Section]:
    """For a CDE consultant: their review queue (the longest waiting first), and the LEAs
    in their regions whose work goes to CDE with no consultant to review it."""
    unassigned = (
        access.leas_needing_consultant_near(user, year=year)
        if year is not None
        else lea_access.organizations_for(user).none()
    ).order_by("region", "name")

    def item(lea: Organization) -> HomeItem:
        return HomeItem(
            title="No consultant assigned: a CDE administrator assigns one",
            url="",
            lea_name=lea.name,
            detail=f"Region {lea.region}" if lea.region else "",
        )

    return [
        _waiting(user, "CDE", today),
        _section(
            "unassigned",
            unassigned,
            item,
            (
                "LEA in your regions has no consultant",
                "LEAs in your regions have no consultant",
                "Every LEA in your regions has a consultant.",
            ),
        ),
    ]


_UPLOADS_WAITING: Final = (
    AdlUpload.Status.CHECKED,
    AdlUpload.Status.QUEUED,
    AdlUpload.Status.CHECKING,
    AdlUpload.Status.APPLYING,
)


def cde_admin_home(*, user: AnyUser, year: int | None, today: date) -> list[Section]:
    """For a CDE administrator: LEAs whose work goes to CDE with no consultant, SELPAs
    with LEAs in CIM and no active reviewer, and ADL uploads not yet applied, newest
    first."""
    # The keys of every LEA needing a consultant, in name order, read once: their number
    # is the count, and only the first ones are read whole, with their engagements. With
    # a window PostgreSQL walked the LEAs in name order into a nested anti-join (180 ms
    # statewide); the first rows and a separate count evaluated the conditions twice
    # (~11 ms each); every row with its engagement costs a subquery per LEA (~21 ms).
    keys: list[int] = []
    if year is not None:
        needing = access.leas_needing_consultant_for(user, year=year).order_by("name", "pk")
        keys = list(needing.values_list("pk", flat=True))
    engagement = _year_engagements(user, year).filter(lea=OuterRef("pk")).values("pk")[:1]
    unassigned = list(
        lea_access.organizations_for(user)
        .filter(pk__in=keys[:SHOWN])
        .annotate(engagement_id=Subquery(engagement))
        .order_by("name", "pk")
    )
    assign = reverse("consultant_assignments")

    def lea_item(lea: Any) -> HomeItem:
        return HomeItem(
            title="Assign a consultant",
            url=assign,
            lea_name=lea.name,
            lea_url=_workspace(lea.engagement_id) if lea.engagement_id else "",
            detail=f"Region {lea.region}" if lea.region else "",
        )

    reviewers = lea_access.active_members_in_role(OuterRef("pk"), Role.SELPA_REVIEWER)
    in_cim = _year_engagements(user, year).values("lea__selpa")
    selpas = (
        lea_access.organizations_for(user)
        .filter(~Exists(reviewers), kind=Organization.Kind.SELPA, pk__in=in_cim)
        .order_by("name")
    )

    def selpa_item(selpa: Organization) -> HomeItem:
        return HomeItem(
            title=f"{selpa.name}: invite a reviewer",
            url=reverse("organization_members", args=[selpa.pk]),
        )

    uploads = (
        access.adl_uploads_for(user)
        .filter(status__in=_UPLOADS_WAITING)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )

    def upload_item(upload: AdlUpload) -> HomeItem:
        return HomeItem(
            title=f"{upload.file_name} ({upload.year}): {upload.get_status_display()}",
            url=reverse("adl_upload_detail", args=[upload.pk]),
            detail=f"by {upload.uploaded_by.display_name} on {_day(upload.uploaded_at, today)}",
        )

    return [
        _section_of(
            "unassigned",
            len(keys),
            unassigned,
            lea_item,
            (
                "LEA needs a consultant",
                "LEAs need a consultant",
                "Every LEA whose work goes to CDE has a consultant.",
            ),
            (assign, "Open consultant assignments"),
        ),
        _section(
            "reviewerless",
            selpas,
            selpa_item,
            (
                "SELPA with LEAs in CIM has no reviewer",
                "SELPAs with LEAs in CIM have no reviewer",
                "Every SELPA with LEAs in CIM has a reviewer.",
            ),
        ),
        _section(
            "uploads",
            uploads,
            upload_item,
            (
                "ADL upload is not applied yet",
                "ADL uploads are not applied yet",
                "No ADL upload waits: every one is applied or was refused.",
            ),
            (reverse("adl_upload"), "Open ADL uploads"),
        ),
    ]


# --- LEAs with no CIM work this year ---------------------------------------------------------


@dataclass(frozen=True)
class QuietLea:
    """One of the person's LEAs with no CIM work in the newest year an ADL was loaded for:
    `universal` when that year's ADL places it in Universal monitoring, False when the
    LEA is not in that ADL at all."""

    name: str
    year: int
    universal: bool


def quiet_leas_for(*, user: AnyUser, team: list[Engagement] | None = None) -> list[QuietLea]:
    """The LEAs where the person is on the CIM team that have no engagement in the newest
    ADL year, so their home can say why nothing waits. Three queries at most, two given
    the person's `team_engagements`."""
    if not isinstance(user, User):
        return []
    names = {
        membership.organization_id: membership.organization.name
        for membership in lea_access.own_membership_list_for(user)
        if membership.role in _TEAM_ROLES
    }
    year = cim_selectors.newest_adl_year() if names else None
    if year is None:
        return []
    if team is None:
        team = team_engagements(user=user)
    engaged = {
        engagement.lea_id
        for engagement in team
        if engagement.cohort.year.year == year and engagement.lea_id in names
    }
    quiet = {lea_id: name for lea_id, name in names.items() if lea_id not in engaged}
    tiers = dict(
        Determination.objects.filter(year__year=year, lea_id__in=quiet).values_list(
            "lea_id", "tier"
        )
    )
    return [
        QuietLea(name=name, year=year, universal=tiers.get(lea_id) == Tier.UNIVERSAL)
        for lea_id, name in sorted(quiet.items(), key=lambda item: item[1])
        # An LEA of another tier without an engagement cannot come from a load (its
        # cohort is needed, cim/adl.py): nothing to explain there.
        if tiers.get(lea_id, Tier.UNIVERSAL) == Tier.UNIVERSAL
    ]


# --- Every role the person holds ------------------------------------------------------------


def homes_for(
    *, user: AnyUser, today: date | None = None, team: list[Engagement] | None = None
) -> list[RoleHome]:
    """The sections of every role the user holds, in the order lead, member, SELPA
    reviewer, consultant, CDE administrator; `team` is the person's `team_engagements`,
    read here when not given."""
    if not isinstance(user, User):
        return []
    today = today or timezone.localdate()
    if team is None:
        team = team_engagements(user=user)
    engagements = team
    orgs: dict[str, dict[int, str]] = {}
    for membership in lea_access.own_membership_list_for(user):
        orgs.setdefault(membership.role, {})[membership.organization_id] = (
            membership.organization.name
        )
    needs_year = orgs.keys() & {Role.SELPA_REVIEWER, Role.CDE_CONSULTANT, Role.CDE_ADMIN}
    year = next(iter(cim_selectors.monitoring_years()), None) if needs_year else None
    builders: dict[str, Callable[[Collection[int]], list[Section]]] = {
        Role.LEA_LEAD: lambda ids: lead_home(team=_team(engagements, ids), today=today),
        Role.LEA_MEMBER: lambda ids: member_home(
            user=user, team=_team(engagements, ids), today=today
        ),
        Role.SELPA_REVIEWER: lambda ids: selpa_reviewer_home(
            user=user, selpa_ids=ids, year=year, today=today
        ),
        Role.CDE_CONSULTANT: lambda ids: consultant_home(user=user, year=year, today=today),
        Role.CDE_ADMIN: lambda ids: cde_admin_home(user=user, year=year, today=today),
    }
    return [
        RoleHome(Role(role).label, sorted(orgs[role].values()), build(list(orgs[role])))
        for role, build in builders.items()
        if role in orgs
    ]
