"""Saving one structured row (a team member, a problem area, a plan's outcome, a progress
report's measured value, ...) over what others saved since the writer opened the page,
without losing either: the one way every structured part does it (steps/merge.py).

The rows live in a *holder*, the activity record or the progress report, whose version
counts every change and whose audit trail says who changed what. A save:
- locks the holder (refused when it cannot be edited now) and checks the version token the
  form carried (missing, foreign or future: refused, nothing written);
- locks the row (gone since: refused, nothing written);
- merges field by field between the bases the form carried, what the writer sends and what
  is saved now; a field both changed differently refuses the whole row (`RowConflict`);
- writes the merged values and counts the change in the holder, with its audit row.

Adding a row never conflicts; removing one is refused when someone changed it since the
writer's page was drawn; a second remove of the same row says it is already gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model

from lea.audit import Changes, diff, same
from lea.models import AuditEvent, AuditVerb, User
from lea.text import AUDIT_TEXT_LIMIT, shorten_value
from steps.access import may_edit_engagement
from steps.merge import (
    AUDIT_ROW_KEY,
    Conflict,
    Edit,
    fingerprint,
    fingerprints,
    merge_row,
    normal,
    require_unchanged,
    started_version,
    three_way,
    version_token,
)
from steps.models import ActivityRecord
from steps.services.records import NOT_YOURS, record_lock, record_touch

ROW_GONE = (
    "Someone removed this {what} while you were editing it, so nothing was saved. Your text "
    "is still in the form: copy what you need, then add it again."
)
ALREADY_REMOVED = "This {what} was already removed{by}. Nothing else changed."
# How far back the history is read to say who last changed a row's field.
EDIT_LOOKBACK = 200
# The audit key that names the row a change concerns, so a later save can say who
# changed which field of that row (and a late remove can say it is already gone).
ROW = AUDIT_ROW_KEY

RowT = TypeVar("RowT", bound=Model)


def row_key(row: Model) -> str:
    """How the audit trail names a row: `<model>:<id>`."""
    return f"{row._meta.model_name}:{row.pk}"


def _events(holder: Model) -> Any:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(type(holder)), object_id=str(holder.pk)
    ).select_related("actor")


def _row_events(holder: Model, key: str) -> Any:
    """The holder's events about one row: its `row` pair names it on either side (added,
    changed or removed)."""
    return _events(holder).filter(changes__contains={ROW: [key]})


def _who(event: AuditEvent) -> str:
    return event.actor.display_name if event.actor else "The system"


def row_edits(holder: Model, key: str, names: Iterable[str]) -> dict[str, Edit]:
    """Who last changed each named field of one row, from the holder's history."""
    wanted = set(names)
    if not wanted:
        return {}
    found: dict[str, Edit] = {}
    for event in _row_events(holder, key).order_by("-at", "-pk")[:EDIT_LOOKBACK]:
        for name in wanted.intersection(event.changes) - found.keys():
            found[name] = Edit(who=_who(event), at=event.at)
        if found.keys() == wanted:
            break
    updated_by = getattr(holder, "updated_by", None)
    fallback = Edit(
        who=updated_by.display_name if updated_by else "Someone",
        at=getattr(holder, "updated_at", None),
    )
    return {name: found.get(name, fallback) for name in wanted}


def row_editor(holder: Model, key: str) -> str:
    """Who last changed the row (per the holder's history)."""
    event = _row_events(holder, key).order_by("-at", "-pk").first()
    return _who(event) if event is not None else "Someone"


def removed_by(holder: Model, key: str, *, organization: Model | None = None) -> str | None:
    """Who removed the row from the holder (per its history: a `row` pair [key, None]),
    or None if it never did.
    With `organization`, only a removal within that organisation counts: a holder that is
    gone itself (a removed meeting) is named by type and id alone."""
    events = _events(holder).filter(changes__row=[key, None])
    if organization is not None:
        events = events.filter(organization=organization)
    event = events.order_by("-at").first()
    return _who(event) if event is not None else None


class RowConflict(Conflict):
    """Someone changed a field of this row that the writer changed too: nothing of the row
    was saved. Carries, besides theirs per field, the row's values as saved now and the
    fields only others changed, so the form can be shown again around them."""

    def __init__(
        self,
        conflict: Conflict,
        *,
        current: Mapping[str, Any],
        incoming: Mapping[str, Edit],
        version: str,
    ) -> None:
        super().__init__(conflict.theirs, conflict.edits)
        self.current = dict(current)
        self.incoming = dict(incoming)
        self.version = version


@dataclass
class RowSaved:
    """What a save of one row did: the row as saved now, the fields it wrote, and the
    fields others changed meanwhile that the writer had left alone (kept as they are)."""

    row: Any
    written: list[str] = field(default_factory=list)
    incoming: dict[str, Edit] = field(default_factory=dict)


@dataclass(frozen=True)
class Holder:
    """Where rows live and how a change of one counts there.

    `lock()` returns the holder locked for this transaction (refused when it cannot be
    edited now); `touch(locked, verb, changes)` counts a change as a new version of it,
    with its audit row; `token(locked)` is the version token a form of it carries."""

    lock: Callable[[], Model]
    touch: Callable[[Model, AuditVerb, Changes], Any]
    token: Callable[[Model], str]


def holder_open(holder: Holder, version: str) -> Model:
    """The holder, locked, once the version token the form carried is one of its own."""
    locked = holder.lock()
    started_version(locked, version)
    return locked


def lock_row[RowT: Model](row: RowT, what: str) -> RowT:
    """The row, locked for this transaction; refused when someone removed it meanwhile."""
    locked = type(row)._default_manager.select_for_update(of=("self",)).filter(pk=row.pk).first()
    if locked is None:
        raise ValidationError(ROW_GONE.format(what=what), code="gone")
    return locked


def words(value: Any, limit: int = AUDIT_TEXT_LIMIT) -> Any:
    """A value as the history shows it."""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)) or (
        hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict))
    ):
        return "; ".join(str(item) for item in value) or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    value = shorten_value(normal(value), limit)
    return value if isinstance(value, (str, int, float)) else str(value)


def row_save[RowT: Model](
    *,
    holder: Holder,
    version: str,
    row: RowT,
    what: str,
    bases: Mapping[str, str] | None,
    mine: Mapping[str, Any],
    values_of: Callable[[RowT], dict[str, Any]],
    write: Callable[[RowT, dict[str, Any]], None],
    verb: AuditVerb,
    about: Callable[[RowT], dict[str, Any]],
    described: Callable[[str, Any], Any] | None = None,
) -> RowSaved:
    """Merge the writer's values of one row into what is saved now, write them and count
    the change; call inside the service's transaction. `bases` are the fingerprints the
    form carried; without them (a caller that is not a form), a caller that started from
    the current version is taken to have seen it all, and any other can only conflict."""
    locked = holder.lock()
    started = started_version(locked, version)
    current_row = lock_row(row, what)
    current = values_of(current_row)
    if bases is None:
        seen = started == locked.version  # type: ignore[attr-defined]
        bases = fingerprints(current) if seen else {}
    key = row_key(current_row)

    def edits(names: Iterable[str]) -> dict[str, Edit]:
        return row_edits(locked, key, names)

    merge = three_way(bases=bases, mine=mine, current=current)
    try:
        merged = merge_row(bases=bases, mine=mine, current=current, edits=edits)
    except Conflict as conflict:
        raise RowConflict(
            conflict,
            current=current,
            incoming=edits(merge.incoming),
            version=holder.token(locked),
        ) from None
    if merge.write:
        write(current_row, merged)
        say = described or (lambda _name, value: words(value))
        changes = {
            name: [say(name, current[name]), say(name, merged[name])] for name in merge.write
        }
        holder.touch(locked, verb, {ROW: [key, key], **same(about(current_row)), **changes})
    return RowSaved(row=current_row, written=list(merge.write), incoming=edits(merge.incoming))


def row_remove[RowT: Model](
    *,
    holder: Holder,
    version: str,
    row: RowT,
    what: str,
    base: str | None,
    values_of: Callable[[RowT], dict[str, Any]],
    verb: AuditVerb,
    about: Callable[[RowT], dict[str, Any]],
    check: Callable[[RowT], None] | None = None,
) -> None:
    """Remove one row, refused when someone changed it since the writer's page was drawn
    (`base`: the row's fingerprint as shown; None for a caller that is not a form)."""
    locked = holder.lock()
    started_version(locked, version)
    key = row_key(row)
    current_row = type(row)._default_manager.select_for_update(of=("self",)).filter(pk=row.pk)
    found = current_row.first()
    if found is None:
        raise ValidationError(already_removed(locked, key, what), code="gone")
    if base is not None:
        current = _normal_values(values_of(found))
        who = row_editor(locked, key) if fingerprint(current) != base else ""
        require_unchanged(base=base, current=current, who=who)
    if check is not None:
        check(found)
    holder.touch(locked, verb, diff({ROW: key, **about(found)}, None))
    found.delete()


def already_removed(
    holder: Model, key: str, what: str, *, organization: Model | None = None
) -> str:
    who = removed_by(holder, key, organization=organization)
    return ALREADY_REMOVED.format(what=what, by=f" by {who}" if who else "")


def _normal_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: normal(value) for name, value in values.items()}


# Per row model, the function giving a row's values as its form names them: what a
# remove button's fingerprint is made of (see `row_base`).
ROW_VALUES: dict[type[Model], Callable[[Any], dict[str, Any]]] = {}


def values_for(model: type[Model]) -> Callable[[Callable[[RowT], dict[str, Any]]], Any]:
    """Register a part's `values_of(row)` for its row model."""

    def register(function: Callable[[RowT], dict[str, Any]]) -> Callable[[RowT], dict[str, Any]]:
        ROW_VALUES[model] = function
        return function

    return register


def row_base(row: Model) -> str:
    """What a remove button carries: the row's fingerprint as the page showed it."""
    return fingerprint(_normal_values(ROW_VALUES[type(row)](row)))


# --- Activity records as holders ----------------------------------------------------------


def record_holder(*, actor: User, record: ActivityRecord) -> Holder:
    """The activity record as the holder of a part's rows."""

    def lock() -> Model:
        if not may_edit_engagement(actor, record.engagement):
            raise ValidationError(NOT_YOURS)
        return record_lock(record)

    def touch(locked: Model, verb: AuditVerb, changes: Changes) -> Any:
        return record_touch(
            actor=actor,
            record=locked,  # type: ignore[arg-type]
            verb=verb,
            changes=changes,
            locked_by_caller=True,
        )

    return Holder(lock=lock, touch=touch, token=version_token)
