"""lea migration 0006: audit rows written in the old free shapes become
{field: [before, after]}, and the history pages and the merge read them as they read new
rows."""

import html
import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db.migrations.exceptions import IrreversibleError
from django.urls import reverse
from django.utils import timezone

from cim.models import Cohort
from lea.audit import check_changes
from lea.models import AuditEvent
from steps.models import ActivityRecord
from steps.services.parts_merge import removed_by, row_edits
from tests.conftest import World, signed_in
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

migration = importlib.import_module("lea.migrations.0006_audit_changes_pairs")

ROW = "teammember:7"


@pytest.mark.parametrize(
    ("verb", "old", "new"),
    [
        ("membership.create", {"user": "a@example.org", "role": "lea_lead"},
         {"user": [None, "a@example.org"], "role": [None, "lea_lead"]}),
        ("membership.remove", {"user": "a@example.org", "role": "lea_lead"},
         {"user": ["a@example.org", None], "role": ["lea_lead", None]}),
        ("invitation.revoke", {"email": "a@example.org"},
         {"email": ["a@example.org", "a@example.org"]}),
        # A list of two field names is not a [before, after] pair.
        ("user.change", {"fields": ["email", "full_name"]},
         {"fields": [None, ["email", "full_name"]]}),
        ("organization.change", {"name": ["Old", "New"]}, {"name": ["Old", "New"]}),
        ("mfa.recovery_code_used", {"code": "d1", "left": 9},
         {"code": ["d1", None], "left": [10, 9]}),
        ("mfa.reset", {"removed": ["otp_totp.totpdevice/1", "otp_static.staticdevice/2"]},
         {"devices": [["otp_totp.totpdevice/1", "otp_static.staticdevice/2"], None]}),
        ("catalog.load", {"created": {"cohort": 2}, "updated": {"activity": 3}},
         {"cohort created": [None, 2], "activity updated": [None, 3]}),
        ("engagement.resolve",
         {"added": ["parent_input"],
          "changed": {"dinc": {"requirement": ["optional", "required"]}}},
         {"added": [None, ["parent_input"]], "dinc.requirement": ["optional", "required"]}),
        ("engagement.resolve",
         {"added": [], "changed": {"dinc": {"due_date": ["2024-07-10", None]}}},
         {"dinc.due_date": ["2024-07-10", None]}),
        ("submission.submit",
         {"state": ["draft", "submitted"], "version": 1, "routed_to": "SELPA",
          "activities": ["team_creation", "parent_input"]},
         {"state": ["draft", "submitted"], "version": [None, 1], "routed_to": [None, "SELPA"],
          "activities": [None, ["team_creation", "parent_input"]]}),
        ("submission.undo",
         {"state": ["approved", "submitted"], "version": 2, "decision": "approved",
          "summary": "", "decided_at": "2024-05-01T10:00:00+00:00"},
         {"state": ["approved", "submitted"], "version": [2, 2], "decision": ["approved", None],
          "summary": ["", None], "decided_at": ["2024-05-01T10:00:00+00:00", None]}),
        ("submission.comment", {"version": 1, "box": "parent_input 7", "text": "Why?"},
         {"version": [1, 1], "box": [None, "parent_input 7"], "text": [None, "Why?"]}),
        ("progress_report.open", {"periods": ["2024-25 H1", "2024-25 H2"]},
         {"periods": [None, ["2024-25 H1", "2024-25 H2"]]}),
        ("reminders.schedule.change",
         {"fields": ["offsets"], "offsets": "30, 7", "overdue_repeat_days": 7},
         {"fields": [None, ["offsets"]], "offsets": [None, "30, 7"],
          "overdue_repeat_days": [None, 7]}),
        ("adl_upload.checked", {"status": ["checking", "checked"], "file": "adl.csv"},
         {"status": ["checking", "checked"], "file": ["adl.csv", "adl.csv"]}),
        ("activity.save", {"target_group": [None, "Parents"], "version": [1, 2]},
         {"target_group": [None, "Parents"], "version": [1, 2]}),
        ("team.add_member", {"row": ROW, "member": "Pat Lee (Director)", "version": [1, 2]},
         {"row": [None, ROW], "member": [None, "Pat Lee (Director)"], "version": [1, 2]}),
        ("team.edit_member",
         {"row": ROW, "member": "Pat Lee (Principal)", "title": ["Director", "Principal"],
          "version": [2, 3]},
         {"row": [ROW, ROW], "member": ["Pat Lee (Principal)", "Pat Lee (Principal)"],
          "title": ["Director", "Principal"], "version": [2, 3]}),
        ("team.remove_member", {"row": ROW, "member": "Pat Lee (Principal)", "version": [3, 4]},
         {"row": [ROW, None], "member": ["Pat Lee (Principal)", None], "version": [3, 4]}),
        ("progress_report.save",
         {"row": "progressreport:3", "barriers": ["", "Substitutes."], "version": [1, 2]},
         {"row": ["progressreport:3", "progressreport:3"], "barriers": ["", "Substitutes."],
          "version": [1, 2]}),
        ("problem_areas.uncite",
         {"problem_area": "Reading", "no longer cites": "Suspensions, by race/ethnicity"},
         {"problem_area": ["Reading", "Reading"],
          "cites": ["Suspensions, by race/ethnicity", None]}),
    ],
)  # fmt: skip
def test_it_turns_each_old_shape_into_pairs(verb: str, old: dict, new: dict) -> None:
    assert migration.to_pairs(verb, old) == new
    check_changes(new)


def _old_event(record: ActivityRecord, actor: Any, verb: str, changes: dict, minutes: int) -> Any:
    event = AuditEvent(
        actor=actor,
        verb=verb,
        organization=record.engagement.lea,
        changes=changes,
        at=timezone.now() - timedelta(minutes=100 - minutes),
    )
    event.target = record
    return event


def test_it_converts_stored_rows_which_then_read_as_before(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)
    record = ActivityRecord.objects.get(engagement=engagement, definition__key="parent_input")
    lead, member = world.lea_lead, world.lea_member
    # As the producers wrote them before 0006: audit_event() would refuse them now.
    AuditEvent.objects.bulk_create(
        [
            _old_event(record, lead, "team.add_member",
                       {"row": ROW, "member": "Pat Lee (Director)", "team lead": "yes",
                        "version": [1, 2]}, 1),
            _old_event(record, member, "team.edit_member",
                       {"row": ROW, "member": "Pat Lee (Principal)",
                        "title": ["Director", "Principal"], "version": [2, 3]}, 2),
            _old_event(record, lead, "team.remove_member",
                       {"row": ROW, "member": "Pat Lee (Principal)", "version": [3, 4]}, 3),
            _old_event(record, member, "prioritization.move",
                       {"problem_area": "Reading scores", "rank": [3, 2], "version": [4, 5]}, 4),
            _old_event(record, member, "activity.save",
                       {"target_group": [None, "Parents of K-2 students"], "version": [5, 6]}, 5),
        ]
    )  # fmt: skip

    migration.pairs_forwards(apps, None)

    for changes in AuditEvent.objects.values_list("changes", flat=True):
        check_changes(changes)
    page = html.unescape(
        signed_in(lead)
        .get(reverse("activity_history", args=[engagement.pk, "parent_input"]))
        .content.decode()
    )
    # What the history showed of these rows before, word for word.
    assert page.count("member: Pat Lee (Director)") == 1
    assert "team lead: yes" in page
    assert "title: Director → Principal" in page
    assert page.count("member: Pat Lee (Principal)") == 2  # the edit, then the removal
    assert "problem area: Reading scores" in page
    assert "rank: 3 → 2" in page
    assert "(empty) → Parents of K-2 students" in page
    assert "(empty) → Pat Lee" not in page
    assert ROW not in page
    # The merge finds the row's last edit and its removal in the converted rows.
    assert row_edits(record, ROW, ["title"])["title"].who == member.display_name
    assert removed_by(record, ROW) == lead.display_name


def test_it_cannot_be_undone() -> None:
    with pytest.raises(IrreversibleError, match="no version of the app reads them back"):
        migration.pairs_backwards(apps, None)
