"""A frozen, human-readable copy of an activity's content, and a box-by-box comparison of
two such copies.

A submission stores `activity_snapshot` of each activity it carries, so reviewers read
exactly what was submitted, whatever the LEA edits afterwards. The snapshot holds only
strings and numbers (JSON as is), and each entry carries an anchor that stays the same
from one version to the next, so `snapshot_diff` can pair the entries of two versions and
a reviewer's comment can point at one of them.

Anchors: `field:<name>` for a box answer; `<part>` or `<part>:<stable key>` for a
structured part (see `steps/parts/__init__.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cim.catalog_rules import choices_of, label_of
from steps import parts
from steps.drilldown_page import STUDENT_EXTRACT, drilldown_snapshot
from steps.models import ActivityRecord
from steps.parts import Entry, entry, long_date
from steps.workspace import PART_OF_FIELD, activity_form


def activity_snapshot(*, record: ActivityRecord) -> dict[str, Any]:
    """The activity as it stands now: {"key", "name", "step", "requirement", "status",
    "entries": [{"anchor", "label", "text"}, ...]}, and for the Data Drill Down with an
    upload, "drilldown": the data of its charts (steps/drilldown_page.py). Entries follow
    the form's boxes: each answer, and each structured part where its box comes (parts
    beyond the boxes, such as the plan, last), then the Data Drill Down's tables. An
    activity set aside has no entries: it is not part of the submission. A fixed number
    of queries, however many rows the parts hold."""
    definition = record.definition
    set_aside = record.status == ActivityRecord.Status.MARKED_NA
    frozen: dict[str, Any] = {
        "key": definition.key,
        "name": definition.name,
        "step": definition.step,
        "parts": list(definition.parts),
        # str(): a choice set in memory is an enum member; the snapshot holds plain strings.
        "requirement": str(record.requirement),
        "status": str(record.status),
        "entries": [] if set_aside else _entries(record),
    }
    if STUDENT_EXTRACT in definition.parts and not set_aside:
        # The uploaded tables, suppressed, after the boxes; their charts' data for the PDF.
        entries, charts = drilldown_snapshot(record.engagement)
        frozen["entries"] += entries
        if charts:
            frozen["drilldown"] = charts
    return frozen


def _entries(record: ActivityRecord) -> list[Entry]:
    form = activity_form(record=record)
    answerable = {field["name"] for field in form.answer_fields}
    # What the form shows, in order, each once: an answer's anchor with its box label and
    # prompt, or a part's name (boxes 19-22 share their fields: one part, where box 19 is).
    slots: dict[str, tuple[str, dict[str, Any]] | None] = {}
    for box in form.boxes:
        where = f"Box {box.number} · " if box.number else ""
        for field in box.fields:
            if field["name"] in answerable:
                slots.setdefault(f"field:{field['name']}", (where + field["label"], field))
            elif field["name"] in PART_OF_FIELD:
                slots.setdefault(PART_OF_FIELD[field["name"]], None)
    for name in form.parts:
        slots.setdefault(name, None)
    entries: list[Entry] = []
    for slot, answer in slots.items():
        if answer is None:
            entries += parts.part(slot).snapshot(record=record)
        else:
            label, field = answer
            value = record.responses.get(field["name"])
            entries.append(entry(slot, label, _answer_text(field, value)))
    return entries


def _answer_text(field: dict[str, Any], value: Any) -> str:
    """The answer as the form shows it: "Yes"/"No", a choice's label, a date (stored as an
    ISO string) as the pages print one."""
    if value is None:
        return ""
    kind = field.get("type", "text")
    if kind == "boolean" and value in ("yes", "no", True, False):
        return "Yes" if value in ("yes", True) else "No"
    if kind == "choice":
        return label_of(choices_of(field), str(value))
    if kind == "date" and value:
        try:
            return long_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def snapshot_diff(
    old: list[dict[str, Any]] | None, new: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per activity of `new`, in order: {"key", "name", "entries": [{"anchor", "label",
    "old", "new", "changed"}]}. Every entry of `new` is there, changed or not, and each
    entry only `old` had comes back (new=None) after the entry it followed. Without an
    `old` (a first submission) nothing is marked changed; an activity `old` lacks has
    every entry added (old=None, changed)."""
    before = None if old is None else {activity["key"]: activity["entries"] for activity in old}
    return [
        {
            "key": activity["key"],
            "name": activity["name"],
            "entries": _entries_diff(
                None if before is None else before.get(activity["key"], []), activity["entries"]
            ),
        }
        for activity in new
    ]


def _entries_diff(old: list[Entry] | None, new: list[Entry]) -> list[dict[str, Any]]:
    if old is None:
        return [_row(item, old=None, changed=False) for item in new]
    old_text = {item["anchor"]: item["text"] for item in old}
    new_anchors = {item["anchor"] for item in new}
    # Each removed entry goes after the last entry before it that is still there (None:
    # at the top), so it shows where the reviewer last saw it.
    removed: dict[str | None, list[Entry]] = {}
    kept: str | None = None
    for item in old:
        if item["anchor"] in new_anchors:
            kept = item["anchor"]
        else:
            removed.setdefault(kept, []).append(item)
    rows = [_removed(item) for item in removed.get(None, [])]
    for item in new:
        was = old_text.get(item["anchor"])
        rows.append(_row(item, old=was, changed=was != item["text"]))
        rows += [_removed(gone) for gone in removed.get(item["anchor"], [])]
    return rows


def _row(item: Entry, *, old: str | None, changed: bool) -> dict[str, Any]:
    return {
        "anchor": item["anchor"],
        "label": item["label"],
        "old": old,
        "new": item["text"],
        "changed": changed,
    }


def _removed(item: Entry) -> dict[str, Any]:
    return {
        "anchor": item["anchor"],
        "label": item["label"],
        "old": item["text"],
        "new": None,
        "changed": True,
    }
