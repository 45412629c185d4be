"""The spring ADL load: organisations, determinations, engagements and invitations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch

from cim import services as cim_services
from cim.adl import AdlIssue, AdlRow, read_adl
from cim.models import ActivityDefinition, Cohort, Determination, Indicator, MonitoringYear, Tier
from cim.resolver import resolve_activities
from lea import access, data_version
from lea import services as lea_services
from lea.models import AuditVerb, Invitation, Membership, Organization, Role, User
from steps.models import Engagement
from steps.services.engagements import (
    EngagementStart,
    engagement_is_stale,
    engagement_move,
    engagement_resolve,
    engagements_start,
    required_summary,
)

ENGAGED_NOT_NEW = (
    "{lea} already started CIM in the {cohort} cohort from an earlier load of this "
    "year's ADL: a CDE administrator withdraws that first if it is not new to CIM."
)
ENGAGED_NOW_NEW = (
    "{lea} already continues in the {cohort} cohort from an earlier one (its Steps 1-3 "
    "completed outside the portal): a CDE administrator withdraws that first if it is new "
    "to CIM."
)
NOT_INVITED = "no CIM work this year: {email} not invited as CIM team lead"
SELPA_CHANGED = "This LEA moves from {old} to {new}: check that this is intended."


@dataclass
class LeaPlan:
    """What a load does (or, in a dry run, would do) for one LEA."""

    row: int
    cds_code: str
    lea_name: str
    action: str = "unchanged"  # "create", "change" or "unchanged"
    changes: list[str] = field(default_factory=list)

    def note(self, change: str, *, action: str = "change") -> None:
        self.changes.append(change)
        if self.action != "create":
            self.action = action

    def __str__(self) -> str:
        details = "; ".join(self.changes)
        return f"row {self.row}, {self.cds_code} {self.lea_name}: {self.action}" + (
            f" ({details})" if details else ""
        )


@dataclass
class AdlLoadResult:
    dry_run: bool = False
    errors: list[AdlIssue] = field(default_factory=list)
    warnings: list[AdlIssue] = field(default_factory=list)
    plan: list[LeaPlan] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class _State:
    """Everything the load compares against, read in a fixed number of queries."""

    year: MonitoringYear
    selpas: dict[str, Organization]
    leas: dict[str, Organization]
    determinations: dict[int, Determination]
    engagements: dict[int, Engagement]
    cohorts: dict[str, Cohort]
    indicators: dict[str, Indicator]
    leads: set[tuple[int, str]]


def adl_apply(
    *, actor: User | None, year: int, content: bytes, file_name: str = "", dry_run: bool = False
) -> AdlLoadResult:
    """Check an ADL file and, when it has no errors, load it (or plan it, for a dry run).
    actor=None is the system (manage.py import_adl without --actor, seed data, benches);
    a person must be a CDE administrator (access.may_load_adl)."""
    access.require_system_or_adl_loader(actor)
    adl = read_adl(content, year=year)
    if not adl.is_valid:
        return AdlLoadResult(dry_run=dry_run, errors=adl.errors, warnings=adl.warnings)
    result = determination_load(
        actor=actor, year=year, rows=adl.rows, file_name=file_name, dry_run=dry_run
    )
    result.warnings[:0] = adl.warnings
    return result


@transaction.atomic
def determination_load(
    *, actor: User | None, year: int, rows: list[AdlRow], file_name: str = "", dry_run: bool
) -> AdlLoadResult:
    """Apply checked ADL rows in one transaction; a dry run does the same and rolls back,
    so its plan is exactly what applying would do. actor=None is the system, as for
    adl_apply; a person must be a CDE administrator."""
    access.require_system_or_adl_loader(actor)
    result = AdlLoadResult(dry_run=dry_run)
    state = _read_state(year=year, rows=rows)
    result.errors = _conflicts(rows, state)
    if result.errors:
        return result
    # Phase by phase rather than row by row, so that new rows are written in bulk and a
    # statewide file costs a fixed number of queries (bench/adl_import.py).
    plans = [LeaPlan(row=row.row, cds_code=row.cds_code, lea_name=row.lea_name) for row in rows]
    result.plan = plans
    _load_selpas(rows, plans, state, actor=actor, result=result)
    _load_leas(rows, plans, state, actor=actor, result=result)
    determinations = _load_determinations(
        rows, plans, state, actor=actor, file_name=file_name, result=result
    )
    _load_contacts(list(zip(rows, plans, strict=True)), state, actor=actor, result=result)
    _load_engagements(rows, determinations, state, actor=actor, result=result)
    if result.counts:
        lea_services.audit(
            actor=actor,
            verb=AuditVerb.ADL_LOAD,
            target=state.year,
            changes={
                "file": [None, file_name],
                "rows": [None, len(rows)],
                **{name: [None, count] for name, count in result.counts.items()},
            },
        )
        data_version.changed()
    if dry_run:
        transaction.set_rollback(True)
    return result


def _read_state(*, year: int, rows: list[AdlRow]) -> _State:
    monitoring_year = cim_services.monitoring_year_get_or_create(year=year)
    leas = Organization.objects.filter(
        kind=Organization.Kind.LEA, code__in=[row.cds_code for row in rows]
    ).select_related("selpa")
    lea_ids = [lea.pk for lea in leas]
    cohorts = Cohort.objects.filter(year=monitoring_year).prefetch_related(
        Prefetch("activities", ActivityDefinition.objects.prefetch_related("requirements"))
    )
    engagements = (
        Engagement.objects.filter(cohort__year=monitoring_year, lea_id__in=lea_ids)
        .select_related("cohort", "lea", "determination")
        .prefetch_related("records")
    )
    leads = Membership.objects.filter(organization_id__in=lea_ids, role=Role.LEA_LEAD)
    invited = Invitation.objects.filter(organization_id__in=lea_ids, role=Role.LEA_LEAD)
    return _State(
        year=monitoring_year,
        selpas={
            selpa.code: selpa
            for selpa in Organization.objects.filter(
                kind=Organization.Kind.SELPA, code__in={row.selpa_code for row in rows}
            )
        },
        leas={lea.code: lea for lea in leas},
        determinations={
            determination.lea_id: determination
            for determination in Determination.objects.filter(
                year=monitoring_year, lea_id__in=lea_ids
            ).prefetch_related("unmet_indicators")
        },
        engagements={engagement.lea_id: engagement for engagement in engagements},
        cohorts={cohort.tier: cohort for cohort in cohorts},
        indicators={indicator.code: indicator for indicator in Indicator.objects.all()},
        leads={
            *leads.values_list("organization_id", "user__email"),
            *invited.values_list("organization_id", "email"),
        },
    )


def _conflicts(rows: list[AdlRow], state: _State) -> list[AdlIssue]:
    """Rows that would strand work an LEA already has: refused, never silently undone. (A
    row that puts an engaged LEA in another tier moves its engagement, work and all:
    _load_engagements.)"""
    errors = []
    for row in rows:
        lea = state.leas.get(row.cds_code)
        engagement = state.engagements.get(lea.pk) if lea else None
        if engagement is None:
            continue
        context = {"lea": engagement.lea.name, "cohort": engagement.cohort.name}
        if row.new_to_cim != engagement.determination.new_to_cim:
            message = ENGAGED_NOT_NEW if engagement.determination.new_to_cim else ENGAGED_NOW_NEW
            errors.append(AdlIssue(row.row, "new_to_cim", message.format(**context)))
    return errors


# --- Organisations, determinations and contacts ------------------------------------------


def _load_selpas(
    rows: list[AdlRow],
    plans: list[LeaPlan],
    state: _State,
    *,
    actor: User | None,
    result: AdlLoadResult,
) -> None:
    new: dict[str, Organization] = {}
    for row, plan in zip(rows, plans, strict=True):
        selpa = state.selpas.get(row.selpa_code)
        if selpa is None and row.selpa_code not in new:
            new[row.selpa_code] = Organization(
                kind=Organization.Kind.SELPA,
                name=row.selpa_name,
                code=row.selpa_code,
                county=row.county,
                region=row.region,
            )
            result.counts["SELPAs created"] += 1
            plan.note(f"new SELPA {row.selpa_code} {row.selpa_name}")
        elif (
            selpa is not None
            and selpa.name != row.selpa_name
            and lea_services.organization_update_details(
                actor=actor, organization=selpa, name=row.selpa_name
            )
        ):
            result.counts["SELPAs changed"] += 1
            plan.note(f"SELPA {selpa.code} renamed to {selpa.name}")
    if new:
        lea_services.organizations_create(actor=actor, organizations=list(new.values()))
        state.selpas.update(new)


def _load_leas(
    rows: list[AdlRow],
    plans: list[LeaPlan],
    state: _State,
    *,
    actor: User | None,
    result: AdlLoadResult,
) -> None:
    new: list[Organization] = []
    for row, plan in zip(rows, plans, strict=True):
        selpa = state.selpas[row.selpa_code]
        lea = state.leas.get(row.cds_code)
        if lea is not None:
            _sync_lea(row, lea, selpa, actor=actor, plan=plan, result=result)
            continue
        lea = Organization(
            kind=Organization.Kind.LEA,
            name=row.lea_name,
            code=row.cds_code,
            selpa=selpa,
            county=row.county,
            region=row.region,
        )
        new.append(lea)
        state.leas[row.cds_code] = lea  # bulk_create below gives it its primary key
        result.counts["LEAs created"] += 1
        plan.note("new LEA", action="create")
    if new:
        lea_services.organizations_create(actor=actor, organizations=new)


def _sync_lea(
    row: AdlRow,
    lea: Organization,
    selpa: Organization,
    *,
    actor: User | None,
    plan: LeaPlan,
    result: AdlLoadResult,
) -> None:
    # An empty county or region in the file means "not given", not "clear it".
    county, region = row.county or None, row.region
    details: dict[str, object] = {"name": row.lea_name, "county": county, "region": region}
    changed: list[str] = []
    if any(value is not None and getattr(lea, key) != value for key, value in details.items()):
        changed = lea_services.organization_update_details(
            actor=actor, organization=lea, name=row.lea_name, county=county, region=region
        )
    if lea.selpa_id != selpa.pk:
        old = lea.selpa
        lea_services.organization_move_to_selpa(actor=actor, organization=lea, selpa=selpa)
        message = SELPA_CHANGED.format(old=old, new=selpa)
        result.warnings.append(AdlIssue(row.row, "selpa_code", message))
        changed.append("SELPA")
    if changed:
        result.counts["LEAs changed"] += 1
        plan.note(f"LEA {', '.join(changed)} changed")


def _load_determinations(
    rows: list[AdlRow],
    plans: list[LeaPlan],
    state: _State,
    *,
    actor: User | None,
    file_name: str,
    result: AdlLoadResult,
) -> dict[str, Determination]:
    """Each row's determination, created or brought in line with the row."""
    determinations: dict[str, Determination] = {}
    new: list[tuple[AdlRow, LeaPlan, cim_services.DeterminationFacts]] = []
    for row, plan in zip(rows, plans, strict=True):
        lea = state.leas[row.cds_code]
        facts = _facts(row, state, file_name=file_name)
        existing = state.determinations.get(lea.pk)
        if existing is None:
            new.append((row, plan, facts))
            continue
        determinations[row.cds_code] = existing
        # Checked before calling the service so an unchanged row costs no savepoint.
        if not cim_services.determination_changes(existing=existing, facts=facts):
            continue
        _, changes = cim_services.determination_save(
            actor=actor, lea=lea, year=state.year, facts=facts, existing=existing
        )
        result.counts["determinations changed"] += 1
        plan.note(_describe_determination(changes, created=False))
    if new:
        made = cim_services.determinations_create(
            actor=actor,
            year=state.year,
            facts_by_lea=[(state.leas[row.cds_code], facts) for row, _, facts in new],
        )
        for (row, plan, _), (determination, changes) in zip(new, made, strict=True):
            determinations[row.cds_code] = determination
            result.counts["determinations created"] += 1
            plan.note(_describe_determination(changes, created=True))
    return determinations


def _facts(row: AdlRow, state: _State, *, file_name: str) -> cim_services.DeterminationFacts:
    return cim_services.DeterminationFacts(
        tier=row.tier,
        level=row.level,
        unmet=tuple(state.indicators[code] for code in row.unmet_indicators),
        new_to_cim=row.new_to_cim,
        source_file=file_name[:255],
        source_row=row.row,
    )


def _describe_determination(changes: dict[str, list[Any]], *, created: bool) -> str:
    if created:
        tier, level = changes["tier"][1], changes["level"][1]
        new = "new to CIM" if changes["new_to_cim"][1] else "not new to CIM"
        label = Tier(tier).label + (f" Level {level}" if level else "")
        return f"determination {label}, {new}"
    return "determination " + ", ".join(
        f"{name} {_shown(old)} -> {_shown(new)}" for name, (old, new) in changes.items()
    )


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(value) or "none"
    return "none" if value is None else str(value)


def _load_contacts(
    rows: list[tuple[AdlRow, LeaPlan]],
    state: _State,
    *,
    actor: User | None,
    result: AdlLoadResult,
) -> None:
    """Invite each LEA's CIM contact once: not when they already lead it or were invited
    before (pending, expired, withdrawn or accepted), so a reload of the same file, or
    one that only adds a contact, invites exactly the new people. An LEA whose tier has
    no cohort this year (Universal) has no CIM work: its contact is not invited."""
    invites = []
    for row, plan in rows:
        lea = state.leas[row.cds_code]
        if not row.contact_email or (lea.pk, row.contact_email) in state.leads:
            continue
        if row.tier not in state.cohorts:
            plan.note(NOT_INVITED.format(email=row.contact_email), action=plan.action)
            continue
        invites.append(
            lea_services.Invite(
                organization=lea,
                email=row.contact_email,
                role=Role.LEA_LEAD,
                full_name=row.contact_name,
            )
        )
        state.leads.add((lea.pk, row.contact_email))
        result.counts["invitations created"] += 1
        plan.note(f"invite {row.contact_email} as CIM team lead")
    if invites:
        lea_services.invitations_create(actor=actor, invites=invites)


def _load_engagements(
    rows: list[AdlRow],
    determinations: dict[str, Determination],
    state: _State,
    *,
    actor: User | None,
    result: AdlLoadResult,
) -> None:
    """One engagement per LEA whose tier has a cohort this year (Universal has none), with
    every catalog activity resolved for that LEA. An LEA not new to CIM continues from an
    earlier cohort: its Steps 1-3 are recorded completed outside the portal and its Step 4
    opens at once (steps/services/engagements.py)."""
    plans = {plan.cds_code: plan for plan in result.plan}
    wanted = [row for row in rows if row.tier in state.cohorts]
    # Read again so every determination carries its (possibly just changed) indicators.
    fresh = Determination.objects.filter(
        pk__in=[determinations[row.cds_code].pk for row in wanted]
    ).prefetch_related("unmet_indicators")
    by_pk = {determination.pk: determination for determination in fresh}
    starts: list[EngagementStart] = []
    for row in wanted:
        determination = by_pk[determinations[row.cds_code].pk]
        cohort = state.cohorts[row.tier]
        activities = resolve_activities(determination=determination, cohort=cohort)
        engagement = state.engagements.get(determination.lea_id)
        plan = plans[row.cds_code]
        if engagement is None:
            starts.append(
                EngagementStart(state.leas[row.cds_code], cohort, determination, activities)
            )
            result.counts["engagements created"] += 1
            result.counts["activity records created"] += len(activities)
            continues = "" if row.new_to_cim else ", Steps 1-3 completed outside the portal"
            plan.note(f"starts {cohort.name} with {required_summary(activities)}{continues}")
            continue
        if engagement.cohort_id != cohort.pk:
            # A corrected ADL puts the LEA in another tier after it started: the
            # engagement moves to that tier's cohort and keeps everything it holds.
            notes = engagement_move(
                actor=actor, engagement=engagement, cohort=cohort, activities=activities
            )
            result.counts["engagements moved to another tier"] += 1
            plan.note("; ".join(notes))
            continue
        if not engagement_is_stale(engagement=engagement, activities=activities):
            continue
        notes = engagement_resolve(actor=actor, engagement=engagement, activities=activities)
        if notes:
            result.counts["engagements changed"] += 1
            plan.note("; ".join(notes))
    if starts:
        engagements_start(actor=actor, starts=starts)
