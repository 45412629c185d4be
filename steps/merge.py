"""Saving over someone else's save without losing either: the one optimistic-lock helper.

Every form that edits shared words carries two things from the moment it was drawn:
- a version token, `<record id>-<version>`, which names the activity and the version the
  writer started from (a missing, foreign or future token is refused, nothing saved);
- a fingerprint of each field's value as the writer first saw it (its *base*).

A save is then a three-way merge per field, between the base, what the writer sends and
what is saved now. A field only the writer changed is written; a field only someone else
changed is kept as they left it (and the writer is told); a field both changed differently
is a conflict: nothing of it is written until the writer has seen the other text and
chosen. A writer who has seen the other text sends its fingerprint as the new base.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

BASE_PREFIX = "base-"
# What the audit rows of a merged save carry besides the changed fields: the holder's
# version before and after, and which structured row changed (`<model>:<id>`, as a pair
# like any change: [None, key] added, [key, key] changed, [key, None] removed).
AUDIT_VERSION_KEY = "version"
AUDIT_ROW_KEY = "row"
MERGE_AUDIT_KEYS = frozenset({AUDIT_VERSION_KEY, AUDIT_ROW_KEY})

# A text answer longer than this is almost certainly a stray paste, not an answer.
MAX_ANSWER_LENGTH = 20_000
TOO_LONG = (
    "“{label}” can hold at most {limit:,} characters; this text has {length:,}. Nothing was "
    "saved; your text is still in the box. Shorten it, or move part of it to another box."
)

VERSION_MISSING = (
    "This form did not say which version you started from, so it cannot tell what others "
    "changed since. Nothing was saved; your text is still in the form. Reload the page in "
    "a new tab and copy your text across."
)
VERSION_FOREIGN = (
    "This form belongs to another activity, so nothing was saved here; your text is still "
    "in the form. Reload the page in a new tab and copy your text across."
)
VERSION_FUTURE = (
    "This form names version {posted}, but the latest saved version is {current}. Nothing "
    "was saved; your text is still in the form. Reload the page in a new tab and copy your "
    "text across."
)


class Stale(ValidationError):
    """The one stale error: a change asked of a version that is no longer the latest (a
    one-button change on an older activity, a decision or an undo on a replaced version),
    refused whole, nothing written, with a message saying what moved on."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="stale")


def require_version(current: int | None, expected: int, message: str) -> None:
    """Refuse, as stale, a change started from `expected` when `current` is the version it
    must apply to now (None: none may be changed any more)."""
    if current != expected:
        raise Stale(message)


def version_token(record: Model) -> str:
    """What a form carries to say which activity, at which version, it was drawn from."""
    return f"{record.pk}-{record.version}"  # type: ignore[attr-defined]


def started_version(record: Model, token: object) -> int:
    """The version a posted token names, refused unless it is one of this record's."""
    raw = str(token or "").strip()
    record_id, _, number = raw.rpartition("-")
    if not raw or not number.isdigit():
        raise ValidationError(VERSION_MISSING, code="version")
    if record_id != str(record.pk):
        raise ValidationError(VERSION_FOREIGN, code="version")
    version = int(number)
    current = record.version  # type: ignore[attr-defined]
    if version > current or version < 1:
        raise ValidationError(
            VERSION_FUTURE.format(posted=version, current=current), code="version"
        )
    return version


def normal(value: Any) -> Any:
    """One spelling per value: never answered and blank are the same, dates are ISO text,
    collections of row ids compare as sorted lists."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (set, frozenset, tuple, list)) or (
        hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict))
    ):
        return sorted(normal(item) for item in value)
    return value


def fingerprint(value: Any) -> str:
    """A short, stable digest of a value as shown in a form."""
    text = json.dumps(normal(value), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def fingerprints(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: fingerprint(value) for name, value in values.items()}


def posted_bases(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The base fingerprints a form posted, for the fields it edits."""
    return {name: str(data.get(BASE_PREFIX + name, "")) for name in names}


@dataclass
class Merge:
    """What a save may write, what it keeps of others, and what waits for the writer."""

    write: dict[str, Any] = field(default_factory=dict)
    incoming: list[str] = field(default_factory=list)
    conflicts: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def three_way(
    *, bases: Mapping[str, str], mine: Mapping[str, Any], current: Mapping[str, Any]
) -> Merge:
    """Merge the writer's values into what is saved, field by field.

    A field without a base (a form that never said what it started from) is treated as
    changed by the writer, so it can only conflict, never silently win."""
    merge = Merge()
    for name, value in mine.items():
        saved = current.get(name)
        if normal(value) == normal(saved):
            continue
        base = bases.get(name, "")
        if fingerprint(saved) == base:
            merge.write[name] = value
        elif fingerprint(value) == base:
            merge.incoming.append(name)
        else:
            merge.conflicts[name] = saved
    return merge


@dataclass(frozen=True)
class Edit:
    """Who last changed a field, and when (from the activity's audit trail)."""

    who: str
    at: datetime | None


class Conflict(ValidationError):
    """A save of a row that someone else changed in the same fields since the writer
    opened it: nothing of the row was saved. Carries, per field, what is saved now."""

    MESSAGE = (
        "{who} changed this while you were editing it. Nothing of yours was lost: your text "
        "is still in the form, and theirs is shown beside it. Choose which to keep (or "
        "combine them), then save again."
    )

    def __init__(self, theirs: Mapping[str, Any], edits: Mapping[str, Edit]) -> None:
        names = sorted({edit.who for edit in edits.values()}) or ["Someone"]
        super().__init__(self.MESSAGE.format(who=" and ".join(names)), code="conflict")
        self.theirs = dict(theirs)
        self.edits = dict(edits)


def merge_row(
    *,
    bases: Mapping[str, str],
    mine: Mapping[str, Any],
    current: Mapping[str, Any],
    edits: Callable[[Iterable[str]], Mapping[str, Edit]],
) -> dict[str, Any]:
    """The values a save of one structured row writes: the writer's where only they
    changed a field, the saved ones where only someone else did. Refused with `Conflict`
    (nothing written) when both changed a field differently."""
    merge = three_way(bases=bases, mine=mine, current=current)
    if merge.conflicts:
        raise Conflict(merge.conflicts, edits(merge.conflicts))
    return {**current, **merge.write}


ROW_CHANGED = (
    "{who} changed this row since you opened the page, so it was not removed. Look at it "
    "again as it reads now, and remove it if you still want to."
)


def require_unchanged(*, base: str, current: Mapping[str, Any], who: str) -> None:
    """Refuse a removal of a row the writer has not seen as it is now."""
    if base != fingerprint(current):
        raise ValidationError(ROW_CHANGED.format(who=who), code="conflict")


@dataclass(frozen=True)
class ConflictView:
    """What the page shows beside a field both people changed: both texts, who saved
    theirs and when, and what the writer's choice sends as the field's new base."""

    form_id: str
    name: str
    label: str
    mine: str
    theirs: str
    theirs_value: str
    theirs_base: str
    edit: Edit
    combinable: bool


def conflict_view(
    *, form_id: str, name: str, label: str, mine: Any, theirs: Any, edit: Edit, shown: Any = None
) -> ConflictView:
    """A conflict for the page; `shown` is theirs in words where the value is a code."""
    return ConflictView(
        form_id=form_id,
        name=name,
        label=label,
        mine=str(normal(mine)),
        theirs=str(shown if shown is not None else normal(theirs)),
        theirs_value=json.dumps(normal(theirs)),
        theirs_base=fingerprint(theirs),
        edit=edit,
        combinable=isinstance(normal(theirs), str) and isinstance(normal(mine), str),
    )
