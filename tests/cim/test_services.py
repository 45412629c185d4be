from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cim import services
from cim.models import ActivityDefinition, Cohort, StepwellBox, Tier
from lea.models import AuditEvent


def load_catalog(*args: str) -> str:
    out = StringIO()
    call_command("load_catalog", *args, stdout=out)
    return out.getvalue()


def test_it_loads_targeted_and_intensive_2024_with_inferred_facts_flagged(
    no_catalog: None,
) -> None:
    output = load_catalog("--year", "2024")

    assert output.splitlines()[0] == (
        "created: 32 activitydefinition, 96 activityrequirement, 2 cohort, 12 reportingperiod, "
        "56 stepwellbox"
    )
    targeted, intensive = (
        Cohort.objects.get(tier=tier) for tier in (Tier.TARGETED, Tier.INTENSIVE)
    )
    assert (targeted.inferred, intensive.inferred) == (False, True)
    assert not targeted.activities.filter(inferred=True).exists()
    assert intensive.activities.filter(inferred=True).count() == 14
    na_boxes = StepwellBox.objects.filter(cohort=targeted, na_levels=[3])
    assert sorted(na_boxes.values_list("number", flat=True)) == [
        2, 3, 4, 5, 6, 8, 9, 12, 18, 23, 24, 25, 26,
    ]  # fmt: skip
    assert AuditEvent.objects.filter(verb="catalog.load").count() == 1


def test_it_writes_nothing_when_loaded_again(db: None) -> None:
    load_catalog()
    events = AuditEvent.objects.count()

    output = load_catalog()

    assert output.splitlines()[:2] == ["created: nothing", "updated: nothing"]
    assert AuditEvent.objects.count() == events


def test_it_keeps_an_admin_confirmation_unless_told_to_overwrite(db: None) -> None:
    load_catalog()
    ActivityDefinition.objects.filter(cohort__key="intensive_2024", key="parent_input").update(
        inferred=False
    )

    load_catalog()
    kept = ActivityDefinition.objects.get(cohort__key="intensive_2024", key="parent_input")
    load_catalog("--overwrite")
    reset = ActivityDefinition.objects.get(cohort__key="intensive_2024", key="parent_input")

    assert (kept.inferred, reset.inferred) == (False, True)


def test_it_refuses_a_year_without_a_catalog_file(db: None) -> None:
    with pytest.raises(CommandError, match="There is no catalog file for 1999"):
        load_catalog("--year", "1999")


def test_it_ships_only_conditions_the_registry_knows() -> None:
    from cim.conditions import CONDITIONS

    data = services.catalog_data(year=2024)
    used = {
        rule["condition"]
        for cohort in data["cohorts"]
        for activity in cohort["activities"]
        for rule in activity["levels"].values()
        if rule["condition"]
    } | {box["condition"] for cohort in data["cohorts"] for box in cohort["stepwell_boxes"]}

    assert used - {""} <= set(CONDITIONS)
