"""A part's rows, declared once: what they are, how they are found, checked and shown in
the history, and what the page says when one is added, saved or removed. One set of
views (steps/views/part_rows.py) and one set of services (steps/services/part_rows.py)
add, edit and remove the rows of every part declared here; a part adds code of its own
only where the state's guidance makes it differ (the team's roles, the sources' tags, the
plan's rows nested in its strategies and outcomes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

from lea.models import AuditVerb, User
from steps.merge import fingerprints, version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, Engagement
from steps.services.parts_merge import ROW_VALUES

# Builds a part's row form for an activity: `form(record, data, prefix=..., ...)`.
RowForm = Callable[..., RowFormMixin]


@dataclass(frozen=True)
class Verbs:
    """How the history names an addition, a change and a removal of one of the rows."""

    add: AuditVerb
    edit: AuditVerb
    remove: AuditVerb


def of_engagement[RowT: Model](
    rows: Callable[[Engagement], QuerySet[RowT]],
) -> Callable[[ActivityRecord], QuerySet[RowT]]:
    """`rows_of` for rows found among the engagement's (the record's own engagement)."""
    return lambda record: rows(record.engagement)


@dataclass(frozen=True, kw_only=True)
class RowPart[RowT: Model]:
    """One part's rows. The rows belong to the activity record that carries the part
    (their holder: its version counts every change, its history says who changed what):
    each directly, with its engagement, or through the row it is nested in (its parent)."""

    part: str  # the part's name in PART_NAMES: its template, its anchor on the page
    model: type[RowT]
    noun: str  # "data source": what a message calls one row
    url: str  # the path under the activity: `<url>/add/`, `<url>/<row_id>/edit/`, ...
    url_name: str  # `<url_name>_add`, `<url_name>_edit`, `<url_name>_remove`
    # The rows of the activity record: a row id found nowhere else (a 404 for everyone).
    rows_of: Callable[[ActivityRecord], QuerySet[RowT]]
    form: RowForm
    add_prefix: str | None = None  # formatted with what the add URL fixes (a finding's kind)
    edit_prefix: str | None = None
    verbs: Verbs
    # What names the row in its history (every change), and what else an addition says.
    about: Callable[[RowT], dict[str, Any]]
    added: Callable[[RowT], dict[str, Any]] = lambda _row: {}
    removed: Callable[[RowT], dict[str, Any]] = lambda _row: {}  # what else a removal says
    said_added: Callable[[RowT], str]
    said_saved: Callable[[RowT], str]
    said_removed: Callable[[RowT], str]
    # A new row goes after the record's others (its parent's, and sharing these fields too),
    # unless the model orders its rows itself (a benchmark by its date: no position).
    ordered_within: tuple[str, ...] = ()
    # Texts with no length of their own in the database: the form's limit, for every caller.
    text_limits: Mapping[str, int] = field(default_factory=dict)
    # Relations to rows of other parts: chosen among the engagement's only (else this message).
    chosen_in_engagement: Mapping[str, str] = field(default_factory=dict)
    # Only where the guidance makes the part differ:
    # The add URL's path under the activity when not `<url>/add/` (its words name what the
    # URL fixes, e.g. `findings/add/<slug:kind>/`), and what they fix of a new row, found
    # for the activity record (None: there is no such row to add to, a 404).
    add_url: str | None = None
    fixed_by_url: Callable[..., dict[str, Any] | None] | None = None
    edit_words: str = "edit/"  # the edit URL is `<url>/<row_id>/<edit_words>`
    # A row nested in another (a strategy's activity): the field naming that parent, which
    # the add URL fixes; a new row is made with it instead of the engagement and record,
    # and how a row reaches its activity record's id (through its parent).
    parent: str | None = None
    record_of: Callable[[RowT], int] = lambda row: row.record_id  # type: ignore[attr-defined]
    noun_of: Callable[[RowT], str] | None = None  # a row's own noun ("strength")
    check: Callable[[RowT], None] | None = None  # beyond the model's own validation
    after_write: Callable[[RowT], None] | None = None
    described: Callable[[RowT], Callable[[str, Any], Any]] | None = None  # history's words
    removable: Callable[[RowT], None] | None = None  # refuses a removal with the reason
    may_write: Callable[[User, Engagement], None] | None = None  # beyond editing the LEA's work

    @property
    def add_path(self) -> str:
        return self.add_url or f"{self.url}/add/"

    def values(self, row: RowT) -> dict[str, Any]:
        """The row's values as its form names them (its part's `values_for`): what a save
        merges and a remove compares."""
        return ROW_VALUES[self.model](row)

    def what(self, row: RowT) -> str:
        return self.noun_of(row) if self.noun_of else self.noun

    def add_form(self, record: ActivityRecord, data: Any = None, **fixed: Any) -> RowFormMixin:
        prefix = self.add_prefix.format(**fixed) if self.add_prefix else None
        return self.form(record, data, initial={"version": version_token(record)}, prefix=prefix)

    def posted_edit_form(self, record: ActivityRecord, data: Any) -> RowFormMixin:
        return self.form(record, data, prefix=self.edit_prefix)

    def edit_form(self, record: ActivityRecord, row: RowT) -> RowFormMixin:
        """The row's edit form as drawn now: its values, their bases, the version token."""
        values = self.values(row)
        return self.form(
            record,
            initial={**values, "version": version_token(record)},
            bases=fingerprints(values),
            prefix=self.edit_prefix,
        )
