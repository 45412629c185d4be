"""AuditEvent.changes in one shape, {field: [before, after]} (lea/audit.py), for the rows
written before the producers all wrote it.

Each old shape is turned into what its producer writes now, so the history pages read an
old row as they read a new one. Where an old row kept only the value after the event (a
count, a reason, a file name), it becomes [None, value]; a value that only named what
changed (a row's label on an edit, the version a comment is on) becomes [value, value].

Irreversible: the old shapes were many and the code that read them is gone, so there is
nothing to turn the rows back into that any version of the app would read.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError

ROW = "row"
VERSION = "version"

# Keys whose old value was a list of things, not a [before, after] pair.
LISTS = {
    "calendar_feed.rotate": {"replaced"},
    "catalog.change": {"fields"},
    "catalog.create": {"fields"},
    "catalog.delete": {"fields"},
    "engagement.move": {"moved", "kept_not_applicable"},
    "organization.change": {"fields"},
    "progress_report.open": {"periods"},
    "reminders.schedule.change": {"fields", "offsets"},
    "submission.submit": {"activities"},
    "user.change": {"fields"},
}
# Keys whose old value only named what changed, per verb: [value, value].
NAMES = {
    "adl_upload.apply": {"file"},
    "adl_upload.applied": {"file"},
    "adl_upload.applying": {"file"},
    "adl_upload.checked": {"file"},
    "adl_upload.checking": {"file"},
    "adl_upload.failed": {"file"},
    "adl_upload.invalid": {"file"},
    "invitation.revoke": {"email"},
    "pdf.request": {VERSION},
    "pdf.retry": {VERSION},
    "prioritization.explore": {"problem_area"},
    "prioritization.move": {"problem_area"},
    "prioritization.rank": {"ranking"},
    "problem_areas.cite": {"problem_area"},
    "problem_areas.uncite": {"problem_area"},
    "submission.approve": {VERSION},
    "submission.comment": {VERSION},
    "submission.mailbox_copy": {VERSION},
    "submission.question": {VERSION},
    "submission.reply": {VERSION},
    "submission.return": {VERSION},
    "submission.undo": {VERSION},
}
# Verbs whose old values were all of a thing that the event took away: [value, None].
REMOVALS = {"consultant.unassign", "membership.remove"}
# Keys renamed on the way: the event's subject is named now, not what happened to it.
RENAMED = {
    ("mfa.reset", "removed"): "devices",
    ("mfa.turn_off", "removed"): "devices",
    ("problem_areas.uncite", "no longer cites"): "cites",
}
# Kept by the producers of a submission's undo, a removed device, an uncited table: what
# the event took away.
GONE = {
    ("mfa.reset", "devices"),
    ("mfa.turn_off", "devices"),
    ("problem_areas.uncite", "cites"),
    ("submission.undo", "decision"),
    ("submission.undo", "summary"),
    ("submission.undo", "decided_at"),
}


def is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def flat(value: Any) -> Any:
    """A side as the new shape keeps it: no dicts inside (none of the old producers put
    one inside a pair but the catalog load and the resolve, handled before this)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else value


def row_changes(verb: str, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """A structured row's event: {row, its label(s), changed fields, version}."""
    action = verb.split(".", 1)[1]
    new: dict[str, list[Any]] = {}
    for name, value in changes.items():
        if name == VERSION or (is_pair(value) and "add" not in action and "remove" not in action):
            new[name] = value
        elif "add" in action:
            new[name] = [None, value]
        elif "remove" in action:
            new[name] = [value, None]
        else:
            new[name] = [value, value]
    return new


def to_pairs(verb: str, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """One event's old `changes` in the {field: [before, after]} shape."""
    if ROW in changes:
        return row_changes(verb, changes)
    if verb == "catalog.load":
        return {
            f"{kind} {what}": [None, count]
            for what in ("created", "updated")
            for kind, count in sorted(changes.get(what, {}).items())
        }
    if verb == "engagement.resolve":
        new: dict[str, list[Any]] = (
            {"added": [None, changes["added"]]} if changes.get("added") else {}
        )
        for key, fields in changes.get("changed", {}).items():
            new.update({f"{key}.{name}": pair for name, pair in fields.items()})
        return new
    if verb == "mfa.recovery_code_used":
        left = changes.get("left")
        return {
            "code": [changes.get("code"), None],
            "left": [left + 1 if left is not None else None, left],
        }
    new = {}
    for name, value in changes.items():
        name = RENAMED.get((verb, name), name)
        if verb in REMOVALS or (verb, name) in GONE:
            new[name] = [flat(value), None]
        elif name in NAMES.get(verb, ()):
            new[name] = [flat(value), flat(value)]
        elif is_pair(value) and name not in LISTS.get(verb, ()):
            new[name] = [flat(value[0]), flat(value[1])]
        else:
            new[name] = [None, flat(value)]
    return new


def pairs_forwards(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("lea", "AuditEvent")
    changed = []
    for event in AuditEvent.objects.exclude(changes={}).only("pk", "verb", "changes").iterator():
        new = to_pairs(event.verb, event.changes)
        if new != event.changes:
            event.changes = new
            changed.append(event)
        if len(changed) >= 1000:
            AuditEvent.objects.bulk_update(changed, ["changes"])
            changed = []
    AuditEvent.objects.bulk_update(changed, ["changes"])


def pairs_backwards(apps: Any, schema_editor: Any) -> None:
    raise IrreversibleError(
        "lea 0006 turned every AuditEvent.changes into {field: [before, after]}; the old "
        "shapes were many and no version of the app reads them back, so it is not undone."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lea", "0005_audit_verb_choices"),
    ]

    operations = [
        migrations.RunPython(pairs_forwards, pairs_backwards),
    ]
