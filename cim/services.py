"""Writes for the monitoring framework: loading the activity catalog."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from cim.catalog_check import catalog_check
from cim.models import (
    ActivityDefinition,
    ActivityRequirement,
    Cohort,
    Determination,
    Indicator,
    MonitoringYear,
    ReportingPeriod,
    StepwellBox,
)
from lea import data_version
from lea.access import require_system_or_adl_loader
from lea.models import AuditVerb, Organization, User
from lea.services import audit, audit_event, audit_many

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
CATALOG_MISSING = "There is no catalog file for {year}: expected {path}."

COHORT_FIELDS = (
    "tier", "name", "membership", "level_criteria", "stepwell_levels",
    "deadlines_note", "contact_email", "inferred", "source",
)  # fmt: skip


@dataclass
class CatalogLoadResult:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def catalog_data(*, year: int) -> dict[str, Any]:
    """The catalog the project ships for a year (cim/catalog/<year>.json)."""
    path = CATALOG_DIR / f"{year}.json"
    if not path.exists():
        raise FileNotFoundError(CATALOG_MISSING.format(year=year, path=path))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    catalog_check(data=data, source=str(path))
    return data


def shipped_catalog_years() -> list[int]:
    """The years whose catalog ships with the code (cim/catalog/<year>.json)."""
    return sorted(int(path.stem) for path in CATALOG_DIR.glob("*.json") if path.stem.isdigit())


def shipped_catalogs_load() -> list[tuple[int, CatalogLoadResult]]:
    """Load every catalog shipped with the code, as the system; what is there is kept."""
    return [
        (year, catalog_load(actor=None, data=catalog_data(year=year), source=f"{year}.json"))
        for year in shipped_catalog_years()
    ]


@transaction.atomic
def catalog_load(
    *,
    actor: User | None,
    data: dict[str, Any],
    overwrite: bool = False,
    source: str = "the catalog",
) -> CatalogLoadResult:
    """Create the cohorts, activities, per-level rules, Stepwell boxes and Step 4 reporting
    periods of a catalog. A catalog with unknown keys, levels or conditions, or words that
    cannot be shown to LEAs (cim/catalog_check.py), is refused before any write with a
    CatalogError naming `source` and, per problem, the key and the reason.
    actor=None is the system (manage.py load_catalog, tests, benches); a person must be a
    CDE administrator.

    Rows that exist are left alone unless `overwrite`, because after the first load the
    CDE administrator owns them (e.g. confirms an inferred Intensive fact in the admin)
    and a routine re-run must not undo that.
    """
    require_system_or_adl_loader(actor)
    catalog_check(data=data, source=source)
    result = CatalogLoadResult()
    year = monitoring_year_get_or_create(year=data["year"])
    for cohort_data in data["cohorts"]:
        _load_cohort(year, cohort_data, overwrite=overwrite, result=result)
    if result.changed:
        audit(
            actor=actor,
            verb=AuditVerb.CATALOG_LOAD,
            target=year,
            changes={
                **{f"{kind} created": [None, n] for kind, n in sorted(result.created.items())},
                **{f"{kind} updated": [None, n] for kind, n in sorted(result.updated.items())},
            },
        )
        data_version.changed()
    return result


def _load_cohort(
    year: MonitoringYear, data: dict[str, Any], *, overwrite: bool, result: CatalogLoadResult
) -> None:
    values = {key: data[key] for key in COHORT_FIELDS}
    # Older catalog files name no mailbox: nothing is copied to one.
    values["mailbox_copy"] = data.get("mailbox_copy", {})
    for key in ("srr_self_review_due", "step1_due", "step2_due", "step3_due", "step4_end"):
        values[key] = _date(data[key])
    cohort = _upsert(
        Cohort, {"key": data["key"]}, {"year": year, **values}, overwrite=overwrite, result=result
    )
    activities = {
        item["key"]: _load_activity(cohort, item, overwrite=overwrite, result=result)
        for item in data["activities"]
    }
    # Older catalog files have no reporting periods: Step 4 then has none until added.
    for period in data.get("reporting_periods", []):
        _upsert(
            ReportingPeriod,
            {"cohort": cohort, "number": period["number"]},
            {
                **{key: _date(period[key]) for key in ("starts_on", "ends_on", "due_on")},
                "inferred": period.get("inferred", False),
                "source": period.get("source", ""),
            },
            overwrite=overwrite,
            result=result,
        )
    for box in data["stepwell_boxes"]:
        box_values = {
            "prompt": "",
            "note": "",
            "levels": [],
            **{key: value for key, value in box.items() if key not in ("number", "activity")},
        }
        box_values["activity"] = activities[box["activity"]] if box["activity"] else None
        _upsert(
            StepwellBox,
            {"cohort": cohort, "number": box["number"]},
            box_values,
            overwrite=overwrite,
            result=result,
        )


def _load_activity(
    cohort: Cohort, data: dict[str, Any], *, overwrite: bool, result: CatalogLoadResult
) -> ActivityDefinition:
    values = {key: value for key, value in data.items() if key not in ("key", "levels")}
    values["due_date"] = _date(data["due_date"])
    activity = _upsert(
        ActivityDefinition,
        {"cohort": cohort, "key": data["key"]},
        values,
        overwrite=overwrite,
        result=result,
    )
    for level, rule in data["levels"].items():
        _upsert(
            ActivityRequirement,
            {"activity": activity, "level": int(level)},
            {"help": "", **rule},
            overwrite=overwrite,
            result=result,
        )
    return activity


def _upsert[M: models.Model](
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    overwrite: bool,
    result: CatalogLoadResult,
) -> M:
    name = model._meta.model_name or model.__name__
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        result.created[name] += 1
        return obj
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    if not (overwrite and changed):
        result.unchanged[name] += 1
        return obj
    for key in changed:
        setattr(obj, key, values[key])
    obj.full_clean()
    obj.save(update_fields=changed)
    result.updated[name] += 1
    return obj


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --- Years and determinations -------------------------------------------------------------


def monitoring_year_get_or_create(*, year: int) -> MonitoringYear:
    monitoring_year, _ = MonitoringYear.objects.get_or_create(year=year)
    return monitoring_year


DETERMINATION_FACTS = ("tier", "level", "new_to_cim", "source_file", "source_row")


@dataclass(frozen=True)
class DeterminationFacts:
    """What the ADL says about an LEA, as the load passes it in."""

    tier: str
    level: int | None
    unmet: tuple[Indicator, ...]
    new_to_cim: bool
    source_file: str = ""
    source_row: int | None = None


def determination_changes(
    *, existing: Determination | None, facts: DeterminationFacts
) -> dict[str, list[Any]]:
    """What saving `facts` would change, as {field: [old, new]}; empty when nothing would."""
    changes: dict[str, list[Any]] = {
        name: [getattr(existing, name) if existing else None, getattr(facts, name)]
        for name in ("tier", "level", "new_to_cim")
        if existing is None or getattr(existing, name) != getattr(facts, name)
    }
    old_codes = sorted(existing.unmet_codes) if existing else []
    new_codes = sorted(indicator.code for indicator in facts.unmet)
    if old_codes != new_codes:
        changes["unmet_indicators"] = [old_codes if existing else None, new_codes]
    return changes


@transaction.atomic
def determination_save(
    *,
    actor: User | None,
    lea: Organization,
    year: MonitoringYear,
    facts: DeterminationFacts,
    existing: Determination | None,
) -> tuple[Determination, dict[str, list[Any]]]:
    """Create the LEA's determination for the year, or bring it in line with `facts`.

    Returns the determination and what changed as {field: [old, new]}; an empty dict for
    an unchanged determination, which is then not written at all (a reload is a no-op).
    Only the ADL load writes one: actor=None is the system; a person must be a CDE
    administrator.
    """
    require_system_or_adl_loader(actor)
    determination = existing or Determination(lea=lea, year=year)
    changes = determination_changes(existing=existing, facts=facts)
    if not changes:
        return determination, changes
    for name in DETERMINATION_FACTS:
        setattr(determination, name, getattr(facts, name))
    determination.loaded_by, determination.loaded_at = actor, timezone.now()
    # The load reads lea and year once for all rows and keeps one row per LEA, so the
    # per-row foreign-key and uniqueness queries of a full validation would only repeat it.
    determination.full_clean(exclude=["lea", "year"], validate_constraints=False)
    if existing:
        determination.save(update_fields=[*DETERMINATION_FACTS, "loaded_by", "loaded_at"])
    else:
        determination.save()
    if "unmet_indicators" in changes:
        determination.unmet_indicators.set(facts.unmet)
    verb = AuditVerb.DETERMINATION_CHANGE if existing else AuditVerb.DETERMINATION_CREATE
    audit(actor=actor, verb=verb, target=determination, organization=lea, changes=changes)
    data_version.changed()
    return determination, changes


@transaction.atomic
def determinations_create(
    *,
    actor: User | None,
    year: MonitoringYear,
    facts_by_lea: list[tuple[Organization, DeterminationFacts]],
) -> list[tuple[Determination, dict[str, list[Any]]]]:
    """determination_save for many LEAs without a determination this year, in a fixed number
    of queries (the statewide ADL load). Returns each determination with its changes.
    actor as for determination_save."""
    require_system_or_adl_loader(actor)
    now = timezone.now()
    made = []
    for lea, facts in facts_by_lea:
        determination = Determination(lea=lea, year=year, loaded_by=actor, loaded_at=now)
        for name in DETERMINATION_FACTS:
            setattr(determination, name, getattr(facts, name))
        # As in determination_save: lea and year were read once for all rows; the actor
        # too, so checking that it exists per row would only repeat that.
        determination.full_clean(exclude=["lea", "year", "loaded_by"], validate_constraints=False)
        made.append((determination, determination_changes(existing=None, facts=facts)))
    Determination.objects.bulk_create([determination for determination, _ in made])
    Through = Determination.unmet_indicators.through
    Through.objects.bulk_create(
        [
            Through(determination_id=determination.pk, indicator_id=indicator.pk)
            for (determination, _), (_, facts) in zip(made, facts_by_lea, strict=True)
            for indicator in facts.unmet
        ]
    )
    audit_many(
        [
            audit_event(
                actor=actor, verb=AuditVerb.DETERMINATION_CREATE, target=determination,
                organization=determination.lea, changes=changes,
            )
            for determination, changes in made
        ]
    )  # fmt: skip
    data_version.changed()
    return made
