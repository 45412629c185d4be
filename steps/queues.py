"""Reads for the review queues and the status grid. Every read starts from a queryset that
lea/access.py scoped and names its joins; none runs a query per row, so a queue page or a
grid page costs the same number of queries for 10 LEAs as for 2,500."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape as html_escape
from typing import Any, Final

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from cim.models import ActivityDefinition, Tier
from lea.access import AnyUser
from steps import access, selectors
from steps.models import ActivityRecord, Engagement, ResolvedRequirement, Submission
from steps.models import SubmissionState as State
from steps.selectors import FORMULA_PREFIXES, STATUS_COLUMNS, StatusRow
from steps.submissions import holder

# --- The review queue ------------------------------------------------------------------------

SORT_WAITING: Final = "waiting"
SORT_DUE: Final = "due"
SORT_LEA: Final = "lea"
SORTS = {
    SORT_WAITING: "Waiting longest first",
    SORT_DUE: "Due soonest first",
    SORT_LEA: "LEA name",
}
ANY_STATE: Final = "any"
NO_CONSULTANT: Final = "none"  # the consultant filter's "no consultant" (queue and grid)
NO_CONSULTANT_NOTE = "no consultant assigned"


@dataclass(frozen=True)
class QueueFilters:
    state: str = State.SUBMITTED  # or ANY_STATE
    step: int | None = None
    tier: str = ""
    level: int | None = None
    region: int | None = None
    selpa: int | None = None
    consultant: str = ""  # a consultant's id, or NO_CONSULTANT: the LEA's, for the year
    lea_name: str = ""
    unassigned_only: bool = False
    sort: str = SORT_WAITING

    @property
    def narrowed(self) -> bool:
        """Whether the queue shows less than the user's work in its state."""
        return any(
            (self.step, self.tier, self.level, self.region, self.selpa, self.consultant)
        ) or bool(self.lea_name)


@dataclass(frozen=True)
class QueueItem:
    submission: Submission
    lea_name: str
    cds_code: str
    selpa_name: str
    tier: str
    level: int | None
    what: str
    state: str
    since: datetime | None
    due: date | None
    holder: str
    overdue: bool = False  # due before today (the badge shows only while it waits for review)
    workspace_url: str = ""
    detail_url: str = ""
    since_text: str = ""  # `since` and `due` as the page writes them, formatted once
    due_text: str = ""

    @property
    def html(self) -> SafeString:
        """The row as the queue shows it. Built here, escaping every value, rather than by
        the template: a page is 50 rows of seven cells, and the template language's
        lookups, filters and {% url %} tags cost more than the page's queries."""
        state = self.submission.state
        level = f" Level {self.level}" if self.level else ""
        since = ""
        if self.since is not None:
            since = f'<time datetime="{self.since.isoformat()}">{_text(self.since_text)}</time>'
        if self.due is None:
            due = '<span class="text-secondary">not set</span>'
        else:
            due = f'<time datetime="{self.due.isoformat()}">{_text(self.due_text)}</time>'
            if self.overdue and state == State.SUBMITTED:
                due += f" {OVERDUE_BADGE}"
        return mark_safe(  # noqa: S308 -- every value above is escaped
            f'<tr><th scope="row"><a href="{_text(self.workspace_url)}">'
            f"{_text(self.lea_name)}</a><br>"
            f'<span class="small text-secondary">{_text(self.cds_code)} · '
            f"{_text(self.selpa_name)}</span></th>"
            f'<td><a href="{_text(self.detail_url)}">{_text(self.what)}</a></td>'
            f"<td>{_text(self.tier)}{level}</td>"
            f'<td><span class="badge state-{_text(state)}">{_text(self.state)}</span></td>'
            f"<td>{since}</td><td>{due}</td><td>{_text(self.holder)}</td></tr>"
        )


def _text(value: object) -> str:
    """`value` escaped for HTML, as django.utils.html.escape does but without its wrapper
    for lazy strings (values here are plain): a row escapes a dozen values."""
    return html_escape(str(value))


OVERDUE_BADGE: Final = (
    '<span class="badge bg-danger-subtle text-danger-emphasis border border-danger-subtle">'
    "overdue</span>"
)


def url_pattern(name: str) -> str:
    """The path of the URL `name` taking one id, with `{}` for the id: reversed once for a
    page of rows rather than once a row."""
    marker = "918273645"  # no other part of a path of ours holds this number
    before, _, after = reverse(name, args=[int(marker)]).partition(marker)
    return f"{before}{{}}{after}"


def _due() -> Coalesce:
    """When the work is due: the activity's own date for one approved alone, else its
    step's date in the cohort; a Step 4 progress report's own date (its period's)."""
    step_due = Case(
        When(step=1, then=F("engagement__cohort__step1_due")),
        When(step=2, then=F("engagement__cohort__step2_due")),
        When(step=3, then=F("engagement__cohort__step3_due")),
        When(step=4, then=F("progress_report__due_on")),
        output_field=DateField(),
    )
    return Coalesce(F("activity__due_date"), step_due, output_field=DateField())


def _of_engagements[RowT: Model](
    rows: QuerySet[RowT, Any],
    user: AnyUser,
    filters: QueueFilters | GridFilters,
    engagement: str,
) -> QuerySet[RowT, Any]:
    """The rows (engagements, or what `engagement` leads to one) of the engagements the
    queue's and the grid's shared filters keep: tier, level, region, SELPA, LEA name and
    consultant (one of the user's scope, or none for the year)."""
    if filters.tier:
        rows = rows.filter(**{f"{engagement}cohort__tier": filters.tier})
    if filters.level:
        rows = rows.filter(**{f"{engagement}determination__level": filters.level})
    if filters.region:
        rows = rows.filter(**{f"{engagement}lea__region": filters.region})
    if filters.selpa:
        rows = rows.filter(**{f"{engagement}lea__selpa_id": filters.selpa})
    if filters.lea_name:
        rows = rows.filter(**{f"{engagement}lea__name__icontains": filters.lea_name})
    if filters.consultant:
        covered = access.status_assignments_for(user).filter(
            lea=OuterRef(f"{engagement}lea"), year=OuterRef(f"{engagement}cohort__year")
        )
        if filters.consultant == NO_CONSULTANT:
            rows = rows.exclude(Exists(covered))
        else:
            rows = rows.filter(Exists(covered.filter(consultant_id=int(filters.consultant))))
    return rows


def review_queue(*, user: AnyUser, filters: QueueFilters) -> QuerySet[Submission, int]:
    """The ids in the user's queue (`access.review_queue_for`), filtered and sorted: for
    the paginator's count and one page. A page's rows come from `queue_items`.

    Ids first, rows after: joined to the LEA, SELPA, cohort, determination and activity,
    the queue's scoping conditions cost PostgreSQL more to plan than to run."""
    if filters.unassigned_only:
        queue = access.unassigned_submissions_for(user)
    else:
        queue = access.review_queue_for(user)
    if filters.state != ANY_STATE:
        queue = queue.filter(state=filters.state)
    if filters.step:
        queue = queue.filter(step=filters.step)
    queue = _of_engagements(queue, user, filters, "engagement__")
    if filters.sort == SORT_DUE:
        queue = queue.annotate(due=_due())
    return queue.order_by(*_queue_order(filters.sort)).values_list("pk", flat=True)


def _queue_order(sort: str) -> tuple[str | OrderBy, ...]:
    if sort == SORT_DUE:
        return (F("due").asc(nulls_last=True), F("state_changed_at").asc(nulls_last=True), "pk")
    if sort == SORT_LEA:
        return ("engagement__lea__name", "step", "activity__position", "pk")
    return (F("state_changed_at").asc(nulls_last=True), "pk")


def queue_items(*, ids: Sequence[int], now: datetime | None = None) -> list[QueueItem]:
    """The rows of a page of `review_queue`, in its order: two queries, the submissions
    with what a row shows, and which of their LEAs have a consultant for the year. The ids
    are the scope (review_queue read them in it): not scoped again."""
    if not ids:
        return []
    submissions = {
        submission.pk: submission
        for submission in access.submissions_for_ids(ids)
        .select_related(
            "engagement__lea__selpa", "engagement__cohort", "engagement__determination", "activity"
        )
        .annotate(due=_due())
        .order_by()
    }
    leas = {submission.engagement.lea_id for submission in submissions.values()}
    covered = set(access.live_assignments_for_lea_ids(leas).values_list("lea_id", "year_id"))
    page = _QueuePage(now=now or timezone.now(), covered=covered)
    return [page.item(submission) for pk in ids if (submission := submissions.get(pk)) is not None]


@dataclass
class _QueuePage:
    """What every row of a page shares, worked out once: the time, today, the two links'
    patterns and the dates already written out."""

    now: datetime
    covered: set[tuple[int, int]]
    today: date = field(default_factory=timezone.localdate)
    workspace: str = field(default_factory=lambda: url_pattern("engagement_workspace"))
    detail: str = field(default_factory=lambda: url_pattern("submission_detail"))
    written: dict[date, str] = field(default_factory=dict)

    def words(self, day: date) -> str:
        """A day as the page writes it ("March 4, 2025"), in the active language."""
        if day not in self.written:
            self.written[day] = date_format(day, "F j, Y")
        return self.written[day]

    def item(self, submission: Submission) -> QueueItem:
        engagement = submission.engagement
        held = holder(submission, now=self.now)
        if (
            submission.routed_to == "CDE"
            and (engagement.lea_id, engagement.cohort.year_id) not in self.covered
        ):
            held = f"{held}, {NO_CONSULTANT_NOTE}"
        since = submission.state_changed_at
        if since is not None:
            since = timezone.localtime(since)
        due: date | None = getattr(submission, "due", None)
        return QueueItem(
            submission=submission,
            lea_name=engagement.lea.name,
            cds_code=engagement.lea.code,
            selpa_name=engagement.lea.selpa.name if engagement.lea.selpa else "",
            tier=Tier(engagement.cohort.tier).label,
            level=engagement.determination.level,
            what=submission.title,
            state=submission.get_state_display(),
            since=since,
            due=due,
            holder=held,
            overdue=due is not None and due < self.today,
            workspace_url=self.workspace.format(submission.engagement_id),
            detail_url=self.detail.format(submission.pk),
            since_text=self.words(since.date()) if since is not None else "",
            due_text=self.words(due) if due is not None else "",
        )


# --- The status grid -------------------------------------------------------------------------


GRID_SORT_LEA: Final = "lea"
GRID_SORT_SELPA: Final = "selpa"
GRID_SORT_REGION: Final = "region"
GRID_SORT_LEVEL: Final = "level"
GRID_SORTS: Final = {
    GRID_SORT_LEA: "LEA name",
    GRID_SORT_SELPA: "SELPA, then LEA name",
    GRID_SORT_REGION: "Region, then LEA name",
    GRID_SORT_LEVEL: "Level, highest first, then LEA name",
}
_GRID_ORDER: Final[dict[str, tuple[str | OrderBy, ...]]] = {
    GRID_SORT_LEA: (),
    GRID_SORT_SELPA: (F("lea__selpa__name").asc(nulls_last=True),),
    GRID_SORT_REGION: (F("lea__region").asc(nulls_last=True),),
    GRID_SORT_LEVEL: (F("determination__level").desc(nulls_last=True),),
}


@dataclass(frozen=True)
class GridFilters:
    year: int
    tier: str = ""
    level: int | None = None
    region: int | None = None
    selpa: int | None = None
    consultant: str = ""  # a consultant's id, or NO_CONSULTANT
    lea_name: str = ""
    step: int | None = None  # only this step's activities, across and for `state`
    state: str = ""  # a key of STATUS_CELLS: LEAs with an activity (of `step`) in it
    sort: str = GRID_SORT_LEA


@dataclass(frozen=True)
class Column:
    """An activity across the grid: one key, in step and catalog order."""

    key: str
    name: str
    step: int


@dataclass(frozen=True)
class Cell:
    text: str
    css: str  # a Bootstrap table colour; the text always says the same
    meaning: str = ""  # what a screen reader says instead of `text`, if it differs
    html: SafeString = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A grid page has about 850 cells of seven kinds: each kind's <td> is built once
        # here rather than by the template per cell.
        if self.meaning:
            shown = format_html(
                '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
                self.text,
                self.meaning,
            )
        else:
            shown = format_html("{}", self.text)
        css = format_html(' class="{}"', self.css) if self.css else ""
        object.__setattr__(self, "html", format_html("<td{}>{}</td>", css, shown))


@dataclass(frozen=True)
class GridRow:
    engagement_id: int
    lea_name: str
    cds_code: str
    selpa_name: str
    region: int | None
    tier: str
    level: int | None
    consultants: str
    holder: str
    cells: tuple[Cell, ...]
    workspace_url: str = ""  # the LEA's workspace, when the user may read its work

    @property
    def html(self) -> SafeString:
        """The row as the grid shows it. Built here, escaping every value, rather than by
        the template: a page is 50 rows of about 20 cells, and the template language's
        lookups and filters would cost more than all the page's queries."""
        where: list[str] = [_text(self.cds_code), _text(self.selpa_name)]
        if self.region:
            where.append(f"Region {self.region}")
        consultant = f"<br>Consultant: {_text(self.consultants)}" if self.consultants else ""
        level = f" Level {self.level}" if self.level else ""
        name: str = _text(self.lea_name)
        if self.workspace_url:
            name = f'<a href="{_text(self.workspace_url)}">{name}</a>'
        return mark_safe(  # noqa: S308 -- every value above is escaped, the cells by format_html
            f'<tr><th scope="row">{name}<br><span class="text-secondary">'
            f"{' · '.join(where)}{consultant}</span></th>"
            f"<td>{_text(self.tier)}{level}</td><td>{_text(self.holder)}</td>"
            f"{''.join(cell.html for cell in self.cells)}</tr>"
        )


# Status text and colour. Bootstrap's table-* colours are light backgrounds under black
# text (contrast above 12:1), so any of them passes WCAG AA; the text carries the meaning.
CELLS: Final[dict[str, Cell]] = {
    ActivityRecord.Status.APPROVED: Cell("Approved", "table-success"),
    ActivityRecord.Status.SUBMITTED: Cell("Submitted", "table-info"),
    ActivityRecord.Status.RETURNED: Cell("Returned", "table-danger"),
    ActivityRecord.Status.IN_PROGRESS: Cell("In progress", "table-warning"),
    ActivityRecord.Status.NOT_STARTED: Cell("Not started", ""),
    ActivityRecord.Status.MARKED_NA: Cell("Set aside", "table-secondary"),
    ActivityRecord.Status.COMPLETED_ELSEWHERE: Cell("Completed outside the portal", "table-light"),
}
# An optional activity nobody started is a choice, not work owed: it reads apart from a
# required one not started, in words (the colour is the same: none).
OPTIONAL_NOT_STARTED: Final = Cell("Optional, not started", "text-secondary")
NOT_REQUIRED_MEANING = "not required"
NOT_REQUIRED: Final = Cell("—", "", NOT_REQUIRED_MEANING)
LEGEND_HTML: Final = mark_safe(  # noqa: S308 -- built by format_html
    "".join(cell.html for cell in (*CELLS.values(), OPTIONAL_NOT_STARTED, NOT_REQUIRED))
)


GRID_FIELDS: Final = (
    "pk",
    "lea_id",
    "lea__name",
    "lea__code",
    "lea__region",
    "lea__selpa__name",
    "cohort__tier",
    "determination__level",
)


def grid_engagements(*, user: AnyUser, filters: GridFilters) -> QuerySet[Engagement, int]:
    """The ids of the year's engagements whose status the user may see, filtered, by LEA
    name: for the paginator's count and one page. An LEA has one engagement a year (one
    determination, one tier), so one row per LEA.

    Ids first, rows after (`grid_rows`): sorting 2,500 bare ids by LEA name costs half of
    sorting them with their SELPA, cohort and determination joined."""
    engagements = _grid_filtered(user=user, filters=filters)
    order = _GRID_ORDER.get(filters.sort, ())
    return engagements.order_by(*order, "lea__name", "lea__code", "pk").values_list("pk", flat=True)


def _grid_filtered(*, user: AnyUser, filters: GridFilters) -> QuerySet[Engagement]:
    """The year's engagements whose status the user may see, as the filters keep them."""
    engagements = access.status_engagements_for(user).filter(cohort__year__year=filters.year)
    engagements = _of_engagements(engagements, user, filters, "")
    if filters.state:
        # The engagements are scoped above; their records need no scope of their own.
        records = access.records_for_engagement(OuterRef("pk")).filter(_in_state(filters.state))
        if filters.step:
            records = records.filter(definition__step=filters.step)
        engagements = engagements.filter(Exists(records))
    return engagements


def _in_state(key: str) -> Q:
    """The activity records whose grid cell says the status of STATUS_CELLS `key`, as
    `_cell` decides it: one that does not apply is "not required" whatever its status; an
    optional one nobody started is "optional, not started"."""
    if key == NOT_REQUIRED_KEY:
        return Q(requirement=ResolvedRequirement.NOT_APPLICABLE)
    applies = ~Q(requirement=ResolvedRequirement.NOT_APPLICABLE)
    if key == OPTIONAL_KEY:
        return applies & Q(
            requirement=ResolvedRequirement.OPTIONAL, status=ActivityRecord.Status.NOT_STARTED
        )
    if key == NOT_STARTED:
        return applies & ~Q(requirement=ResolvedRequirement.OPTIONAL) & Q(status=key)
    return applies & Q(status=key)


def grid_columns(*, year: int, tier: str = "", step: int | None = None) -> list[Column]:
    """The activities of the year's cohorts (of one tier and one step, if given), merged
    by key.

    Targeted and Intensive list different activities (Targeted adds the Policies and
    Procedures Review and the significant disproportionality indicators) in a different
    order of positions. The cohort with the most activities sets the order; an activity
    only another cohort has comes right after the one it follows there, never outside
    its step. One query.
    """
    definitions = ActivityDefinition.objects.filter(cohort__year__year=year)
    if tier:
        definitions = definitions.filter(cohort__tier=tier)
    if step:
        definitions = definitions.filter(step=step)
    by_cohort: dict[int, list[ActivityDefinition]] = defaultdict(list)
    for definition in definitions.only("cohort_id", "key", "name", "step", "position").order_by(
        "step", "position", "key"
    ):
        by_cohort[definition.cohort_id].append(definition)
    columns: list[Column] = []
    for _, cohort_definitions in sorted(
        by_cohort.items(), key=lambda item: (-len(item[1]), item[0])
    ):
        _merge(columns, cohort_definitions)
    return columns


def _merge(columns: list[Column], definitions: list[ActivityDefinition]) -> None:
    index = {column.key: n for n, column in enumerate(columns)}
    previous: str | None = None
    for definition in definitions:
        if definition.key not in index:
            after = index[previous] + 1 if previous is not None else 0
            later_step = next(
                (n for n, column in enumerate(columns) if column.step > definition.step),
                len(columns),
            )
            earlier_step = max(
                (n + 1 for n, column in enumerate(columns) if column.step < definition.step),
                default=0,
            )
            where = min(max(after, earlier_step), later_step)
            columns.insert(where, Column(definition.key, definition.name, definition.step))
            index = {column.key: n for n, column in enumerate(columns)}
        previous = definition.key


def grid_rows(
    *,
    user: AnyUser,
    ids: Sequence[int],
    columns: Sequence[Column],
    year: int,
    now: datetime | None = None,
) -> list[GridRow]:
    """The rows of a page of `grid_engagements` (or of all of them, for a download), in
    its order. Five queries, however many rows: the engagements with their LEA, SELPA,
    tier and level, then their activity records, submissions and consultants, and which
    of them the user may read."""
    if not ids:
        return []
    # Plain dicts rather than engagements with their LEA, SELPA, cohort and determination:
    # five model instances a row cost more than everything else on the page's rows.
    found = access.status_engagements_for(user).filter(pk__in=ids).order_by().values(*GRID_FIELDS)
    by_id = {engagement["pk"]: engagement for engagement in found}
    engagements = [by_id[pk] for pk in ids if pk in by_id]
    statuses = _statuses(list(by_id))
    # The ids are the scope from here on: they came from status_engagements_for.
    holders = _holders(list(by_id), now or timezone.now())
    consultants = _consultants([engagement["lea_id"] for engagement in engagements], year)
    tiers = {tier.value: tier.label for tier in Tier}
    nobody = holder(None)
    # Status is wider than content (a consultant sees every LEA's status): link the LEAs
    # whose workspace the user may read. One reverse() for the page.
    readable = set(access.engagements_for(user).filter(pk__in=ids).values_list("pk", flat=True))
    workspace = url_pattern("engagement_workspace")
    return [
        GridRow(
            engagement_id=engagement["pk"],
            lea_name=engagement["lea__name"],
            cds_code=engagement["lea__code"],
            selpa_name=engagement["lea__selpa__name"] or "",
            region=engagement["lea__region"],
            tier=tiers[engagement["cohort__tier"]],
            level=engagement["determination__level"],
            consultants=", ".join(consultants.get(engagement["lea_id"], [])),
            holder=holders.get(engagement["pk"], nobody),
            cells=tuple(_cell(statuses.get((engagement["pk"], column.key))) for column in columns),
            workspace_url=workspace.format(engagement["pk"])
            if engagement["pk"] in readable
            else "",
        )
        for engagement in engagements
    ]


def _statuses(ids: list[int]) -> dict[tuple[int, str], tuple[str, str]]:
    # The records of engagements already scoped by access: read as plain tuples, since a
    # page of 50 LEAs is about 850 of them and model instances would dominate the time.
    records = (
        access.records_for_engagement_ids(ids)
        .order_by()  # the model's ordering would join engagement, cohort, LEA: not needed
        .values_list("engagement_id", "definition__key", "status", "requirement")
    )
    return {
        (engagement, key): (status, requirement) for engagement, key, status, requirement in records
    }


def _cell(record: tuple[str, str] | None) -> Cell:
    """An activity the LEA's cohort does not have, or that does not apply to it, is "—".
    One the catalog gained after the load has no record yet: not started."""
    if record is None:
        return NOT_REQUIRED
    status, requirement = record
    if requirement == ResolvedRequirement.NOT_APPLICABLE:
        return NOT_REQUIRED
    if requirement == ResolvedRequirement.OPTIONAL and status == ActivityRecord.Status.NOT_STARTED:
        return OPTIONAL_NOT_STARTED
    return CELLS.get(status, CELLS[ActivityRecord.Status.NOT_STARTED])


def _holders(ids: list[int], now: datetime) -> dict[int, str]:
    """Who holds each engagement's current work: the submission waiting longest on a
    reviewer, else the one waiting longest on the LEA to revise, else the latest approved.
    With none submitted the LEA holds it."""
    submissions = (
        access.submissions_for_engagement_ids(ids)
        .exclude(state=State.DRAFT)
        .select_related("activity")
        .order_by()
    )
    rank: dict[str, int] = {State.SUBMITTED: 0, State.RETURNED: 1, State.APPROVED: 2}
    current: dict[int, Submission] = {}
    for submission in submissions:
        best = current.get(submission.engagement_id)
        if best is None or _precedes(submission, best, rank):
            current[submission.engagement_id] = submission
    return {
        engagement_id: f"{submission.title}: {holder(submission, now=now)}"
        for engagement_id, submission in current.items()
    }


def _precedes(one: Submission, other: Submission, rank: dict[str, int]) -> bool:
    if rank[one.state] != rank[other.state]:
        return rank[one.state] < rank[other.state]
    moment, other_moment = one.state_changed_at, other.state_changed_at
    if moment is None or other_moment is None:
        return other_moment is None and moment is not None
    # Waiting: the oldest holds up the most. Approved: the newest says where the LEA is.
    return moment > other_moment if one.state == State.APPROVED else moment < other_moment


def _consultants(lea_ids: list[int], year: int) -> dict[int, list[str]]:
    assignments = (
        access.live_assignments_for_lea_ids(lea_ids)
        .filter(year__year=year)
        .order_by("consultant__full_name", "consultant__email")
        .values_list("lea_id", "consultant__full_name", "consultant__email")
    )
    names: dict[int, list[str]] = defaultdict(list)
    for lea_id, full_name, email in assignments:
        names[lea_id].append(full_name or email)
    return names


# --- Downloads -------------------------------------------------------------------------------

GRID_FIXED_COLUMNS: Final = (
    ("cds_code", "CDS code"),
    ("lea_name", "LEA"),
    ("selpa", "SELPA"),
    ("region", "Region"),
    ("tier", "Tier"),
    ("level", "Level"),
    ("consultant", "Consultant"),
    ("holder", "Who holds the work"),
)


def _values(row: GridRow) -> list[object]:
    fixed = (row.cds_code, row.lea_name, row.selpa_name, row.region, row.tier, row.level)
    statuses = [NOT_REQUIRED_MEANING if cell is NOT_REQUIRED else cell.text for cell in row.cells]
    return [
        "" if value is None else value for value in (*fixed, row.consultants, row.holder, *statuses)
    ]


def _safe(value: object) -> object:
    """A CSV cell Excel would run as a formula (an LEA name comes from an uploaded file)
    is kept as text, as in the status CSV."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def grid_csv(rows: Sequence[GridRow], columns: Sequence[Column]) -> str:
    """One line per LEA: the fixed columns by key, then one per activity key."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([key for key, _ in GRID_FIXED_COLUMNS] + [column.key for column in columns])
    writer.writerows([_safe(value) for value in _values(row)] for row in rows)
    return buffer.getvalue()


def grid_xlsx(rows: Sequence[GridRow], columns: Sequence[Column], *, title: str) -> bytes:
    """The same table as an Excel workbook, with readable headers. Every text cell is
    written as a string, so nothing in it is ever evaluated (and, unlike the CSV, needs
    no leading apostrophe, which Excel would show)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    header = [label for _, label in GRID_FIXED_COLUMNS] + [column.name for column in columns]
    values = [_values(row) for row in rows]
    # The header stays in view while scrolling; each column is as wide as what it holds.
    # (A write-only sheet takes both before its first row.)
    sheet.freeze_panes = "A2"
    for number, width in enumerate(_widths([header, *values]), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.append(header)
    for row_values in values:
        sheet.append([_xlsx_cell(sheet, value) for value in row_values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_WIDTH: Final = (10, 45)  # characters: the narrowest and the widest column


def _widths(table: Sequence[Sequence[object]]) -> list[int]:
    """Each column's width in characters: its longest text, within XLSX_WIDTH (longer text
    is still all there, one click away)."""
    narrowest, widest = XLSX_WIDTH
    return [
        min(widest, max(narrowest, *(len(str(value)) + 2 for value in column)))
        for column in zip(*table, strict=True)
    ]


def _xlsx_cell(sheet: object, value: object) -> object:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    cell.data_type = "s"  # openpyxl reads a leading "=" as a formula otherwise
    return cell


# --- The CIM status page ---------------------------------------------------------------------

STATUS_SORT_LEA: Final = "lea"
STATUS_SORT_STEP: Final = "step"
STATUS_SORT_STATE: Final = "state"
STATUS_SORTS: Final = {
    STATUS_SORT_LEA: "LEA name",
    SORT_DUE: "Due soonest first",
    STATUS_SORT_STEP: "Step, then LEA name",
    STATUS_SORT_STATE: "Status, then LEA name",
}
NOT_STARTED: Final = str(ActivityRecord.Status.NOT_STARTED)
# What a row's status cell says, by key: the grid's cells, an optional activity nobody
# started, and one that does not apply to the LEA. The state filter offers these keys.
OPTIONAL_KEY: Final = "optional_not_started"
NOT_REQUIRED_KEY: Final = "not_required"
STATUS_CELLS: Final[dict[str, Cell]] = {
    **CELLS,
    OPTIONAL_KEY: OPTIONAL_NOT_STARTED,
    NOT_REQUIRED_KEY: Cell("Not required of this LEA", "text-secondary"),
}
_STATE_ORDER: Final = {key: n for n, key in enumerate(STATUS_CELLS)}


@dataclass(frozen=True)
class StatusFilters:
    grid: GridFilters  # the year and the LEA filters the grid has
    step: int | None = None
    state: str = ""  # a key of STATUS_CELLS
    sort: str = STATUS_SORT_LEA


def status_key(row: StatusRow) -> str:
    """The key of STATUS_CELLS that says the row's status."""
    if row.requirement == ResolvedRequirement.NOT_APPLICABLE:
        return NOT_REQUIRED_KEY
    if row.requirement == ResolvedRequirement.OPTIONAL and row.status == NOT_STARTED:
        return OPTIONAL_KEY
    return row.status if row.status in CELLS else NOT_STARTED


REQUIREMENT_WORDS: Final = dict(ResolvedRequirement.choices)


def status_csv(rows: Sequence[StatusRow]) -> str:
    """The rows as CSV with the header `cds_code,lea_name,...,review_by` (docs/exports.md):
    the activity by name, its requirement and status in the page's words, not codes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STATUS_COLUMNS)
    writer.writerows([_safe(value) for value in _status_values(row)] for row in rows)
    return buffer.getvalue()


def _status_values(row: StatusRow) -> list[object]:
    in_words = {
        "activity": row.activity_name or row.activity,
        "requirement": str(REQUIREMENT_WORDS.get(row.requirement, row.requirement)),
        "status": STATUS_CELLS[status_key(row)].text,
    }
    values = [in_words.get(name, getattr(row, name)) for name in STATUS_COLUMNS]
    return ["" if value is None else value for value in values]


def status_page_rows(
    *, user: AnyUser, filters: StatusFilters
) -> list[StatusRow] | selectors.StatusRowsQuery:
    """The rows of the CIM status page: the activities of the year's engagements the grid's
    filters keep (one query for them, as a subquery), of the step and state asked for, in
    the order asked for. Filtered, ordered and paged in SQL (a count and the page's rows),
    so a page costs the same for 2,500 LEAs as for 3.

    While an engagement lacks a record of an activity the catalog gained after the load,
    its row's status can only be resolved in Python: then every row is built (five
    queries, steps/selectors.status_rows) and step, state and order are applied there."""
    # The grid's engagements themselves (scoped by status_engagements_for), not the same
    # scope again around them as a subquery: PostgreSQL misjudged the nested IN as one row
    # and counted the records through nested loops.
    engagements = _grid_filtered(user=user, filters=filters.grid).order_by()
    records = selectors.status_records(engagements=engagements, year=filters.grid.year)
    if records is None:
        return _status_rows_in_python(engagements=engagements, filters=filters)
    records = records.annotate(state_key=_STATE_KEY)
    if filters.step:
        records = records.filter(definition__step=filters.step)
    if filters.state:
        records = records.filter(state_key=filters.state)
    if filters.sort == SORT_DUE:
        first: list[object] = [F("due_date").asc(nulls_last=True)]
    elif filters.sort == STATUS_SORT_STEP:
        first = ["definition__step"]
    elif filters.sort == STATUS_SORT_STATE:
        first = [Case(*(When(state_key=key, then=n) for key, n in _STATE_ORDER.items()))]
    else:
        first = []
    return records.order_by(*first, *selectors.STATUS_ORDER)


# status_key in SQL.
_STATE_KEY: Final = Case(
    When(requirement=ResolvedRequirement.NOT_APPLICABLE, then=Value(NOT_REQUIRED_KEY)),
    When(requirement=ResolvedRequirement.OPTIONAL, status=NOT_STARTED, then=Value(OPTIONAL_KEY)),
    When(status__in=list(CELLS), then=F("status")),
    default=Value(NOT_STARTED),
    output_field=CharField(),
)


def _status_rows_in_python(
    *, engagements: QuerySet[Engagement], filters: StatusFilters
) -> list[StatusRow]:
    rows = selectors.status_rows(engagements=engagements, year=filters.grid.year)
    if filters.step:
        rows = [row for row in rows if row.step == filters.step]
    if filters.state:
        rows = [row for row in rows if status_key(row) == filters.state]
    # Stable sorts on rows already by LEA name, step and catalog order.
    if filters.sort == SORT_DUE:
        rows.sort(key=lambda row: (not row.due_date, row.due_date))
    elif filters.sort == STATUS_SORT_STEP:
        rows.sort(key=lambda row: row.step)
    elif filters.sort == STATUS_SORT_STATE:
        rows.sort(key=lambda row: _STATE_ORDER[status_key(row)])
    return rows
