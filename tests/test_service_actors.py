"""The actor test of every write service (issue 11): each public function of a services
module is in exactly one table below. A write (WRITES) is called by the outsider, a user
with no role, and must refuse before anything is written; a system-only service
(SYSTEM_ONLY) takes no user; the rest (NOT_WRITES) are helpers and readers. A new public
function in none of the tables fails `test_it_decides_every_public_service_function`, so
nobody adds a write service without deciding who may call it."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from cim import services as cim_services
from cim.models import MonitoringYear, Tier
from lea import services as lea_services
from lea.models import AuditEvent, Invitation, Membership, Organization, Role
from reports.models import (
    CalendarFeed,
    OutcomeMeasurement,
    ProgressReport,
    ReminderSchedule,
    TeamMeeting,
)
from steps.merge import version_token
from steps.models import (
    ActivityRecord,
    AdlUpload,
    Comment,
    ConsultantAssignment,
    DrillDown,
    DrillDownCitation,
    Engagement,
    Outcome,
    ProblemArea,
    Strategy,
    Submission,
    SubmissionVersion,
    TeamMember,
)
from steps.parts import declared_rows
from steps.parts.rows import RowPart
from steps.services.engagements import EngagementStart
from steps.services.records import NOT_YOURS
from tests.cim.catalog import determination, load_2024
from tests.conftest import World
from tests.steps.drilldown_files import HAND
from tests.steps.engagements import start

ROOT = Path(__file__).resolve().parent.parent
SERVICE_MODULES = sorted(
    {
        ROOT / "cim/services.py",
        ROOT / "lea/services.py",
        *ROOT.glob("lea/services_*.py"),
        *ROOT.glob("steps/services/*.py"),
        *ROOT.glob("reports/services_*.py"),
        *ROOT.glob("reports/services/*.py"),
    }
)


class Args:
    """What the write services are called with: the test world's objects, made on first
    use. The outsider is refused at the first check, so rows a service only reads through
    (a row's record or engagement) may be unsaved."""

    def __init__(self, world: World) -> None:
        self.world = world

    @cached_property
    def engagement(self) -> Engagement:
        return start(self.world.lea, load_2024()["targeted"], level=3)

    @cached_property
    def record(self) -> ActivityRecord:
        return self.engagement.records.select_related("engagement").first()  # type: ignore[return-value]

    @property
    def version(self) -> str:
        return version_token(self.record)

    def row(self, model: type[Any], **values: Any) -> Any:
        """An unsaved row of the engagement's record, as far as the model has those."""
        names = {field.name for field in model._meta.get_fields()}
        if "record" in names:
            values.setdefault("record", self.record)
        if "engagement" in names:
            values.setdefault("engagement", self.engagement)
        return model(**values)

    @cached_property
    def strategy(self) -> Strategy:
        return self.row(Strategy)  # type: ignore[no-any-return]

    @cached_property
    def outcome(self) -> Outcome:
        return Outcome(strategy=self.strategy)

    @cached_property
    def year(self) -> MonitoringYear:
        return MonitoringYear.objects.get(year=2024)

    def submission(self, state: str = "submitted") -> Submission:
        made = Submission.objects.create(engagement=self.engagement, step=1, routed_to="SELPA")
        Submission.objects.filter(pk=made.pk).update(state=state, current_version=1)
        made.refresh_from_db()
        return made

    def drill_down(self) -> DrillDown:
        return DrillDown(engagement=self.engagement, year=2024, row_count=0, tables=[])

    def report(self) -> ProgressReport:
        return ProgressReport(engagement=self.engagement)

    def checked_upload(self) -> AdlUpload:
        """An upload checked and ready to apply, as the worker leaves it."""
        made = AdlUpload.objects.create(
            content=b"cds_code\n", file_name="adl.csv", size=9, year=2024,
            uploaded_by=self.world.cde_admin,
        )  # fmt: skip
        AdlUpload.objects.filter(pk=made.pk).update(status=AdlUpload.Status.CHECKED)
        made.refresh_from_db()
        return made

    def invitation(self) -> Invitation:
        return lea_services.invitation_create(
            actor=self.world.cde_admin,
            organization=self.world.lea,
            email="invited@example.org",
            role=Role.LEA_MEMBER,
        )


Build = Callable[[Args], dict[str, Any]]

# Each write service, with the smallest valid arguments besides the actor (the outsider).
WRITES: dict[str, Build] = {
    # cim/services.py: the catalog and determinations (the system, or a CDE administrator)
    "cim.services.catalog_load": lambda a: {"data": cim_services.catalog_data(year=2024)},
    "cim.services.determination_save": lambda a: {
        "lea": a.world.lea2, "year": a.year, "existing": None,
        "facts": cim_services.DeterminationFacts(
            tier=Tier.TARGETED, level=1, unmet=(), new_to_cim=True
        ),
    },
    "cim.services.determinations_create": lambda a: {"year": a.year, "facts_by_lea": []},
    # lea/services.py: organisations, memberships, invitations, people
    "lea.services.organization_create": lambda a: {
        "kind": Organization.Kind.LEA, "name": "New Unified", "selpa": a.world.selpa,
    },
    "lea.services.organizations_create": lambda a: {
        "organizations": [Organization(kind=Organization.Kind.LEA, name="New", code="9999")],
    },
    "lea.services.organization_move_to_selpa": lambda a: {
        "organization": a.world.lea, "selpa": a.world.foreign_selpa,
    },
    "lea.services.organization_update": lambda a: {
        "organization": a.world.lea, "changed": ["name"],
    },
    "lea.services.organization_update_details": lambda a: {
        "organization": a.world.lea, "name": "Renamed Unified",
    },
    "lea.services.membership_create": lambda a: {
        "user": a.world.outsider, "organization": a.world.lea, "role": Role.LEA_MEMBER,
    },
    "lea.services.membership_remove": lambda a: {
        "membership": Membership.objects.get(user=a.world.lea_member),
    },
    "lea.services.invitation_create": lambda a: {
        "organization": a.world.lea, "email": "new@example.org", "role": Role.LEA_MEMBER,
    },
    "lea.services.invitations_create": lambda a: {
        "invites": [lea_services.Invite(a.world.lea, "new@example.org", Role.LEA_MEMBER)],
    },
    "lea.services.invitation_resend": lambda a: {"invitation": a.invitation()},
    "lea.services.invitation_revoke": lambda a: {"invitation": a.invitation()},
    "lea.services.user_set_active": lambda a: {"user": a.world.lea_member, "active": False},
    "lea.services.user_update": lambda a: {"user": a.world.lea_member, "changed": ["full_name"]},
    "lea.services.user_password_changed": lambda a: {"user": a.world.lea_member, "via": "admin"},
    "lea.services.user_create": lambda a: {
        "email": "new@example.org", "full_name": "New Person", "password": "a long pass phrase 7",
    },
    # lea/services_mfa.py: a person sets up their own; a CDE administrator resets
    "lea.services_mfa.second_factor_enrol": lambda a: {
        "user": a.world.selpa_reviewer, "key": "00" * 20, "code": "000000",
    },
    "lea.services_mfa.second_factor_reset": lambda a: {"user": a.world.selpa_reviewer},
    "lea.services_mfa.second_factor_new_recovery_codes": lambda a: {
        "user": a.world.selpa_reviewer, "code": "000000",
    },
    "lea.services_mfa.second_factor_turn_off": lambda a: {
        "user": a.world.lea_member, "code": "000000",
    },
    # steps/services: the ADL load and what it starts, assignments
    "steps.services.adl_load.adl_apply": lambda a: {"year": 2024, "content": b"cds_code\n"},
    "steps.services.adl_load.determination_load": lambda a: {
        "year": 2024, "rows": [], "dry_run": False,
    },
    "steps.services.adl_upload.adl_upload_create": lambda a: {
        "file_name": "adl.csv", "content": b"cds_code\n", "year": 2024,
    },
    "steps.services.adl_upload.adl_upload_request_apply": lambda a: {"upload": a.checked_upload()},
    "steps.services.assignments.consultant_assign": lambda a: {
        "consultant": a.world.cde_consultant, "year": a.year, "leas": [a.world.lea],
    },
    "steps.services.assignments.consultant_unassign": lambda a: {
        "assignment": ConsultantAssignment.objects.create(
            consultant=a.world.cde_consultant, lea=a.world.lea, year=a.year,
            assigned_by=a.world.cde_admin,
        ),
    },
    "steps.services.engagements.engagement_start": lambda a: _start_args(a),
    "steps.services.engagements.engagements_start": lambda a: {
        "starts": [EngagementStart(**_start_args(a))],
    },
    "steps.services.engagements.engagement_resolve": lambda a: {
        "engagement": a.engagement, "activities": [],
    },
    "steps.services.engagements.engagement_move": lambda a: {
        "engagement": a.engagement, "cohort": a.engagement.cohort, "activities": [],
    },
    "steps.services.engagements.engagement_set_prior_plan": lambda a: {
        "engagement": a.engagement, "url": "https://example.org/plan",
    },
    # steps/services/drilldown.py: the LEA's team uploads its Data Drill Down
    "steps.services.drilldown.drilldown_upload": lambda a: {
        "engagement": a.engagement, "file": ContentFile(HAND.encode(), name="extract.csv"),
    },
    "steps.services.drilldown.drilldown_cite": lambda a: {
        "problem_area": a.row(ProblemArea), "drill_down": a.drill_down(),
        "measure": "suspended_over_10", "dimension": "race_ethnicity",
    },
    "steps.services.drilldown.drilldown_citation_remove": lambda a: {
        "citation": DrillDownCitation(
            problem_area=a.row(ProblemArea), drill_down=a.drill_down(),
            measure="suspended_over_10", dimension="race_ethnicity",
        ),
    },
    # steps/services/determination_facts.py: facts recorded after the ADL
    "steps.services.determination_facts.determination_record_selpa_requires_reports": lambda a: {
        "engagement": a.engagement, "requires": True,
    },
    "steps.services.determination_facts.determination_record_srr_finding": lambda a: {
        "engagement": a.engagement, "noncompliant": True,
    },
    # steps/services/records.py and submissions.py
    "steps.services.records.record_save_answers": lambda a: {
        "record": a.record, "expected_version": 1, "answers": {"notes": "mine"},
    },
    "steps.services.records.record_touch": lambda a: {
        "record": a.record, "verb": "activity.touch", "changes": {},
    },
    "steps.services.records.record_set_aside": lambda a: {
        "record": a.record, "expected_version": 1,
    },
    "steps.services.records.record_take_up": lambda a: {"record": a.record},
    "steps.services.submissions.submission_submit": lambda a: {
        "engagement": a.engagement, "step": 1, "confirmation_name": "Oli Outsider",
    },
    "steps.services.submissions.submission_freeze": lambda a: {
        "submission": a.submission("draft"), "routed_to": "SELPA", "snapshot": {},
        "confirmation_name": "Oli Outsider", "records": [],
    },
    "steps.services.submissions.decision_check": lambda a: {
        "submission": a.submission(), "version_number": 1, "decision": "approved", "summary": "",
    },
    "steps.services.submissions.submission_decide": lambda a: {
        "submission": a.submission(), "version_number": 1, "decision": "approved",
    },
    "steps.services.submissions.decision_undo": lambda a: {
        "submission": a.submission("approved"), "version_number": 1,
    },
    "steps.services.submissions.comment_add": lambda a: {
        "submission": a.submission(), "version_number": 1, "body": "A comment.",
    },
    "steps.services.submissions.comment_reply": lambda a: {
        "comment": Comment(version=SubmissionVersion(submission=a.submission())),
        "body": "A reply.",
    },
    # steps/services/part_*.py: the structured parts' rows
    "steps.services.part_team.team_member_invite": lambda a: {
        "member": a.row(TeamMember, name="N", email="n@example.org"),
    },
    "steps.services.part_prioritization.prioritization_move": lambda a: {
        "record": a.record, "version": a.version, "problem_area": a.row(ProblemArea),
        "direction": "up",
    },
    "steps.services.part_prioritization.prioritization_explore": lambda a: {
        "record": a.record, "version": a.version, "problem_area": a.row(ProblemArea),
        "explore": True,
    },
    "steps.services.part_prioritization.prioritization_rank": lambda a: {
        "record": a.record, "version": a.version,
    },
    # reports/services_*.py: Step 4, PDFs, calendar feeds, reminder settings
    "reports.services.calendar.calendar_feed_create": lambda a: {"engagement": a.engagement},
    "reports.services.calendar.calendar_feed_revoke": lambda a: {
        "feed": CalendarFeed(user=a.world.lea_lead, engagement=a.engagement),
    },
    "reports.services.pdf.rendered_pdf_request": lambda a: {
        "version": SubmissionVersion(submission=a.submission()),
    },
    "reports.services.progress.progress_report_save": lambda a: {
        "report": a.report(), "version": "0-1", "activities": {}, "barriers": "",
        "plan_changes": "",
    },
    "reports.services.progress.outcome_measurement_add": lambda a: {
        "report": a.report(), "version": "0-1", "outcome": a.outcome, "value": "1",
        "measured_on": date(2025, 6, 1), "on_track": None,
    },
    "reports.services.progress.outcome_measurement_remove": lambda a: {
        "measurement": OutcomeMeasurement(report=a.report()), "version": "0-1",
    },
    "reports.services.progress.progress_report_submit": lambda a: {
        "report": a.report(), "confirmation_name": "Oli Outsider",
    },
    "reports.services.progress.team_meeting_add": lambda a: {
        "engagement": a.engagement, "met_on": date(2025, 6, 1), "attendees": "A",
    },
    "reports.services.progress.team_meeting_change": lambda a: {
        "meeting": TeamMeeting(engagement=a.engagement), "version": "0-1",
        "met_on": date(2025, 6, 1), "attendees": "A",
    },
    "reports.services.progress.team_meeting_remove": lambda a: {
        "meeting": TeamMeeting(engagement=a.engagement), "version": "0-1",
    },
    "reports.services.reminders.user_set_reminder_digests": lambda a: {
        "user": a.world.lea_lead, "enabled": False,
    },
    "reports.services.reminders.reminder_schedule_update": lambda a: {
        "schedule": ReminderSchedule(), "changed": ["offsets"],
    },
}  # fmt: skip


# The writes of every declared part's rows (steps/parts/rows.py), each called for every
# part: the actor is refused before any value is looked at, so none are given.
ROW_WRITES: dict[str, Callable[[Args, RowPart[Any]], dict[str, Any]]] = {
    "steps.services.part_rows.part_row_add": lambda a, rows: {"record": a.record},
    "steps.services.part_rows.part_row_edit": lambda a, rows: {
        "record": a.record, "row": a.row(rows.model),
    },
    "steps.services.part_rows.part_row_remove": lambda a, rows: {
        "record": a.record, "row": a.row(rows.model),
    },
}  # fmt: skip


def _choice(model: type[Any], name: str) -> Any:
    """A valid value of a field with choices (the first)."""
    return model._meta.get_field(name).choices[0][0]


def _start_args(a: Args) -> dict[str, Any]:
    cohort = load_2024()["targeted"]
    return {
        "lea": a.world.lea2,
        "cohort": cohort,
        "determination": determination(a.world.lea2, tier=Tier.TARGETED, level=1),
        "activities": [],
    }


# Writes that take no user: workers, sweeps and system commands (each with why).
SYSTEM_ONLY: dict[str, str] = {
    "lea.services.invitation_issue_link": "the invitation email task and create_cde_admin",
    "lea.services.invitation_renew": "the invitation reminder task",
    "lea.services.cde_admin_invite": "manage.py create_cde_admin, the way into an empty database",
    "lea.services.invitation_accept": "the invitee, authorised by the invitation's token",
    "lea.services_access_records.access_records_purge": "the retention sweep",
    "lea.services_mfa.second_factor_verify": "the signed-in person's own code, for themselves",
    "steps.services.adl_upload.adl_upload_check": "the ADL worker (acts for the uploader)",
    "steps.services.adl_upload.adl_upload_apply": "the ADL worker (acts for who confirmed)",
    "steps.services.adl_upload.adl_uploads_fail_stalled": "the stalled-upload sweep",
    "reports.services.pdf.render_claim": "the PDF worker",
    "reports.services.pdf.rendered_pdf_start": "the PDF worker",
    "reports.services.pdf.rendered_pdf_draw": "the PDF worker",
    "reports.services.pdf.rendered_pdf_store": "the PDF worker",
    "reports.services.pdf.rendered_pdf_fail": "the PDF worker",
    "reports.services.mailbox.mailbox_copy_pdf": "the mailbox-copy worker",
    "reports.services.mailbox.mailbox_copy_send": "the mailbox-copy worker",
    "reports.services.progress.progress_reports_open": "the daily task opening Step 4 periods",
    "cim.services.shipped_catalogs_load": "migrate (post_migrate), loading the shipped files",
    "reports.services.progress.progress_reports_open_for": "receiver of steps' step4_may_open",
    "reports.services.progress.progress_reports_open_for_cohort": "receiver of a period's save",
    "reports.services.reminders.reminders_sweep": "the daily reminders task",
    "reports.services.calendar.calendar_feed_mark_fetched": "a calendar app's fetch (token)",
    "steps.services.transitions.system_transition": "moves only the system makes (by_system)",
    # Building blocks: called only inside a service that has checked its actor already.
    "lea.services.audit": "building block: the audit row of a checked service",
    "lea.services.audit_many": "building block: audit rows of a checked service",
    "lea.services.organization_grant_access": "building block of organization_create",
    "lea.services.organizations_grant_access": "building block of organizations_create",
    "steps.services.parts_merge.row_save": "building block: its holder's lock() checks",
    "steps.services.parts_merge.row_remove": "building block: its holder's lock() checks",
    "steps.services.transitions.run_transition": "building block: the transition's permission",
}

# Helpers and readers that happen to live in a services module.
NOT_WRITES: set[str] = {
    "cim.services.catalog_data",
    "cim.services.shipped_catalog_years",
    # The cohort's catalog rules for a part's rows, read by the part and its services.
    "reports.services.mailbox.mailbox_copy_email",  # the message; the task sends it
    "cim.services.monitoring_year_get_or_create",  # the year row a load writes under
    "cim.services.determination_changes",
    "lea.services.audit_event",  # an unsaved row for audit_many
    # The access record notes the actor's own read, already authorised by the view: a
    # row that records who read, never a change to refuse.
    "lea.services_access_records.record_read",
    "lea.services_access_records.record_export",
    "lea.services_access_records.access_record_append",
    "lea.services_mfa.must_use_second_factor",
    "lea.services_mfa.has_second_factor",
    "lea.services_mfa.second_factor_next",
    "lea.services_mfa.recovery_codes_left",
    "steps.services.adl_upload.progress_key",
    "steps.services.adl_upload.upload_progress",
    "steps.services.assignments.leas_in_region",
    "steps.services.assignments.monitoring_year_get",
    "steps.services.engagements.engagement_is_stale",
    "steps.services.engagements.required_summary",
    "steps.services.engagements.is_continuing",
    "steps.services.parts_merge.row_key",
    "steps.services.parts_merge.row_edits",
    "steps.services.parts_merge.row_editor",
    "steps.services.parts_merge.removed_by",
    "steps.services.parts_merge.holder_open",  # locks; the holder's lock() checks
    "steps.services.parts_merge.lock_row",
    "steps.services.parts_merge.words",
    "steps.services.parts_merge.already_removed",
    "steps.services.parts_merge.values_for",
    "steps.services.parts_merge.row_base",
    "steps.services.parts_merge.record_holder",  # a holder whose lock() checks the actor
    "steps.services.records.record_lock",
    "steps.services.records.require_open",
    "steps.services.records.last_edits",
    "steps.services.submissions.same_name",
    "steps.services.submissions.submission_lock",
    "reports.services.progress.report_holder",  # a holder whose lock() checks the actor
    "reports.services.progress.report_values",
    "reports.services.progress.parse_value",
    "reports.services.progress.measurement_values",
    "reports.services.progress.meeting_holder",  # a holder whose lock() checks the actor
    "reports.services.progress.meeting_values",
    "reports.services.reminders.schedule_get",
    "reports.services.reminders.wanted_days",
}


def _public_functions() -> set[str]:
    """Every function defined (not imported) at the top of a services module, without a
    leading underscore, as `module.function`."""
    found = set()
    for path in SERVICE_MODULES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not (
                node.name.startswith("_")
            ):
                found.add(f"{module}.{node.name}")
    return found


def test_it_decides_every_public_service_function() -> None:
    tables = [set(WRITES), set(ROW_WRITES), set(SYSTEM_ONLY), NOT_WRITES]
    decided = set().union(*tables)
    public = _public_functions()
    assert sorted(public - decided) == [], "add each to WRITES, SYSTEM_ONLY or NOT_WRITES"
    assert sorted(decided - public) == [], "no such public service function any more"
    twice = [name for name in decided if sum(name in table for table in tables) > 1]
    assert twice == []


def _function(name: str) -> Callable[..., Any]:
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def _refused(error: Exception) -> bool:
    """PermissionDenied, or the steps app's refusal beside a form (NOT_YOURS)."""
    if isinstance(error, PermissionDenied):
        return True
    return isinstance(error, ValidationError) and NOT_YOURS in error.messages


def _state() -> dict[str, Any]:
    """Row counts of every model of the four apps, and each record's version."""
    counts: dict[str, Any] = {
        model._meta.label: model._default_manager.count()
        for label in ("lea", "cim", "steps", "reports")
        for model in apps.get_app_config(label).get_models()
    }
    counts["versions"] = sorted(ActivityRecord.objects.values_list("pk", "version"))
    counts["names"] = sorted(Organization.objects.values_list("pk", "name", "selpa_id"))
    counts["active"] = sorted(Membership.objects.values_list("user__pk", "user__is_active"))
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WRITES))
def test_it_refuses_the_outsider(world: World, name: str) -> None:
    _refuses_the_outsider(world, name, WRITES[name](Args(world)))


@pytest.mark.django_db
@pytest.mark.parametrize("rows", declared_rows(), ids=lambda rows: rows.url_name)
@pytest.mark.parametrize("name", sorted(ROW_WRITES))
def test_it_refuses_the_outsider_the_rows_of_every_part(
    world: World, name: str, rows: RowPart[Any]
) -> None:
    args = Args(world)
    arguments = {"rows": rows, "version": args.version, **ROW_WRITES[name](args, rows)}
    _refuses_the_outsider(world, name, arguments)


def _refuses_the_outsider(world: World, name: str, arguments: dict[str, Any]) -> None:
    before = _state()
    audit_rows = AuditEvent.objects.count()
    with pytest.raises((PermissionDenied, ValidationError)) as raised:
        _function(name)(actor=world.outsider, **arguments)
    assert _refused(raised.value), raised.value
    assert AuditEvent.objects.count() == audit_rows
    assert _state() == before
