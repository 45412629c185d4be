from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cim.models import ActivityDefinition, Determination, Requirement
from cim.resolver import resolve_activities
from lea.models import AuditEvent, Invitation, Organization
from steps import services
from steps.models import ActivityRecord, Engagement
from tests.conftest import World
from tests.steps.adl_files import csv_file, row, xlsx_file

MODELS = (Organization, Determination, Engagement, ActivityRecord, Invitation, AuditEvent)


def snapshot() -> dict[str, Any]:
    counts: dict[str, Any] = {model.__name__: model.objects.count() for model in MODELS}
    counts["records"] = sorted(
        ActivityRecord.objects.values_list("pk", "requirement", "status", "updated_at")
    )
    return counts


def load(world: World, content: bytes, *, dry_run: bool = False) -> services.AdlLoadResult:
    return services.adl_apply(
        actor=world.cde_admin, year=2024, content=content, file_name="adl.csv", dry_run=dry_run
    )


def spring_file(world: World) -> list[list[str]]:
    return [
        row("0110017", "Bay Shore Unified", unmet="4A", contact="pat@example.org"),
        row(world.lea.code, world.lea.name, world.selpa.code, world.selpa.name, level="1",
            unmet="8", county=world.lea.county, region=str(world.lea.region)),
        row("0220022", "Cliffside Elementary", tier="Intensive", level="3"),
        row("0330033", "Quiet Valley", tier="Universal", level="", new="no"),
        row("0440044", "Long Haul Unified", level="3", new="no"),
    ]  # fmt: skip


def records_of(lea_code: str) -> dict[str, ActivityRecord]:
    records = ActivityRecord.objects.filter(engagement__lea__code=lea_code)
    return {record.definition.key: record for record in records.select_related("definition")}


def test_it_loads_organisations_determinations_engagements_and_records(
    world: World, cohorts: dict
) -> None:
    result = load(world, csv_file(*spring_file(world)))

    assert result.errors == []
    assert result.counts == {
        "SELPAs created": 1, "LEAs created": 4, "determinations created": 5,
        "engagements created": 4, "activity records created": 17 + 17 + 15 + 17,
        "invitations created": 1,
    }  # fmt: skip
    new_lea = Organization.objects.get(code="0110017")
    assert new_lea.selpa == Organization.objects.get(kind="selpa", code="4401")
    assert set(Engagement.objects.values_list("lea__code", "cohort__key")) == {
        ("0110017", "targeted_2024"), (world.lea.code, "targeted_2024"),
        ("0220022", "intensive_2024"), ("0440044", "targeted_2024"),
    }  # fmt: skip
    new_records = ActivityRecord.objects.exclude(engagement__lea__code="0440044")
    assert set(new_records.values_list("status", flat=True)) == {"not_started"}


def test_it_resolves_parent_input_for_each_lea(world: World, cohorts: dict) -> None:
    load(world, csv_file(*spring_file(world)))

    assert records_of("0110017")["parent_input"].requirement == Requirement.NOT_APPLICABLE
    assert records_of(world.lea.code)["parent_input"].requirement == Requirement.REQUIRED
    assert records_of("0220022")["parent_input"].approver == "CDE"
    assert records_of("0110017")["plan_for_improvement"].approver == "SELPA"


def test_it_gives_a_universal_lea_a_determination_and_no_engagement(
    world: World, cohorts: dict
) -> None:
    load(world, csv_file(*spring_file(world)))

    assert Determination.objects.filter(lea__code="0330033", year__year=2024).exists()
    assert not Engagement.objects.filter(lea__code="0330033").exists()


def test_it_invites_a_new_contact_once_and_never_a_current_lead(
    world: World, cohorts: dict
) -> None:
    rows = spring_file(world)
    rows[1][-1] = world.lea_lead.email

    load(world, csv_file(*rows))
    load(world, csv_file(*rows))

    assert list(Invitation.objects.values_list("organization__code", "email", "role")) == [
        ("0110017", "pat@example.org", "lea_lead")
    ]


@pytest.mark.parametrize(
    "again",
    [
        lambda rows: csv_file(*rows),
        lambda rows: csv_file(*rows, encoding="cp1252"),
        lambda rows: b"\xef\xbb\xbf" + csv_file(*rows),
        lambda rows: xlsx_file(*rows),
    ],
    ids=["same-csv", "cp1252", "utf8-bom", "xlsx"],
)
def test_it_changes_nothing_when_the_same_content_is_loaded_again(
    world: World, cohorts: dict, again: Any
) -> None:
    rows = spring_file(world)
    rows[0][1] = "Bay Shore Unified Écoles"
    load(world, csv_file(*rows))
    before = snapshot()

    result = load(world, again(rows))

    assert result.errors == []
    assert result.counts == {}
    assert {plan.action for plan in result.plan} == {"unchanged"}
    assert snapshot() == before


def test_it_updates_requirements_on_a_corrected_reload_and_keeps_the_work(
    world: World, cohorts: dict
) -> None:
    rows = spring_file(world)
    load(world, csv_file(*rows))
    team = records_of("0110017")["team_creation"]
    ActivityRecord.objects.filter(pk=team.pk).update(status=ActivityRecord.Status.IN_PROGRESS)
    pks = set(ActivityRecord.objects.values_list("pk", flat=True))
    rows[0][7] = "3"

    result = load(world, csv_file(*rows))

    assert result.counts == {"determinations changed": 1, "engagements changed": 1}
    assert set(ActivityRecord.objects.values_list("pk", flat=True)) == pks
    after = records_of("0110017")
    assert after["team_creation"].status == ActivityRecord.Status.IN_PROGRESS
    assert (after["team_creation"].assistance, after["team_creation"].approver) == (
        "assisted",
        "CDE",
    )
    assert after["parent_input"].requirement == Requirement.REQUIRED
    assert after["consolidation"].requirement == Requirement.REQUIRED
    (plan,) = [plan for plan in result.plan if plan.action == "change"]
    assert "determination level 2 -> 3" in str(plan)
    assert "Parent Input not_applicable -> required" in str(plan)


def test_it_writes_nothing_on_a_dry_run_and_shows_the_plan(world: World, cohorts: dict) -> None:
    before = snapshot()

    result = load(world, csv_file(*spring_file(world)), dry_run=True)

    assert snapshot() == before
    assert [(plan.cds_code, plan.action) for plan in result.plan] == [
        ("0110017", "create"), (world.lea.code, "change"), ("0220022", "create"),
        ("0330033", "create"), ("0440044", "create"),
    ]  # fmt: skip
    assert result.counts["engagements created"] == 4


def test_it_writes_nothing_when_any_row_has_an_error(world: World, cohorts: dict) -> None:
    rows = spring_file(world)
    rows[4][6] = "Focused"
    before = snapshot()

    result = load(world, csv_file(*rows))

    assert [str(error) for error in result.errors] == [
        'row 6, tier: "Focused" is not a tier: use Universal, Targeted or Intensive.'
    ]
    assert snapshot() == before


def test_it_refuses_to_turn_an_engaged_lea_from_new_to_continuing(
    world: World, cohorts: dict
) -> None:
    rows = spring_file(world)
    load(world, csv_file(*rows))
    rows[2][9] = "no"
    before = snapshot()

    result = load(world, csv_file(*rows))

    assert [str(error) for error in result.errors] == [
        "row 4, new_to_cim: "
        + services.ENGAGED_NOT_NEW.format(lea="Cliffside Elementary", cohort="Intensive 2024"),
    ]
    assert snapshot() == before


def test_it_moves_an_lea_to_its_new_selpa_and_says_so(world: World, cohorts: dict) -> None:
    rows = [row(world.lea2.code, world.lea2.name, world.foreign_selpa.code,
                world.foreign_selpa.name, tier="Universal", level="", new="no")]  # fmt: skip

    result = load(world, csv_file(*rows))

    world.lea2.refresh_from_db()
    assert world.lea2.selpa == world.foreign_selpa
    assert [str(warning) for warning in result.warnings] == [
        "row 2, selpa_code: "
        + services.SELPA_CHANGED.format(old=world.selpa, new=world.foreign_selpa)
    ]


def test_it_reloads_with_a_query_count_that_does_not_grow_per_row(
    world: World, cohorts: dict
) -> None:
    small = spring_file(world)[:2]
    large = [*small, *(row(f"05{n:05d}", f"District {n}", unmet="8") for n in range(8))]
    load(world, csv_file(*large))

    counts = []
    for rows in (small, large):
        with CaptureQueriesContext(connection) as queries:
            load(world, csv_file(*rows))
        counts.append(len(queries))

    assert counts[0] == counts[1], "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_it_applies_a_first_load_with_a_query_count_that_does_not_grow_per_row(
    world: World, cohorts: dict
) -> None:
    def spring(first: int, leas: int) -> bytes:
        return csv_file(*(
            row(f"06{n:05d}", f"District {n}", f"{7000 + n}", f"SELPA {n}", unmet="8",
                contact=f"lead{n}@example.org", tier=("Targeted", "Intensive")[n % 2])
            for n in range(first, first + leas)
        ))  # fmt: skip

    load(world, spring(200, 2))  # fills the content-type and permission caches
    counts = []
    for content in (spring(0, 2), spring(100, 12)):
        with CaptureQueriesContext(connection) as queries:
            result = load(world, content)
        assert result.errors == []
        counts.append(len(queries))

    assert result.counts["invitations created"] == 12
    assert counts[0] == counts[1], "\n".join(q["sql"][:150] for q in queries.captured_queries)


def test_it_adds_records_for_a_new_catalog_activity_and_renames_a_selpa(
    world: World, cohorts: dict
) -> None:
    rows = spring_file(world)
    load(world, csv_file(*rows))
    extra = ActivityDefinition.objects.create(
        cohort=cohorts["targeted"], key="site_visit", step=1, name="Site Visit", position=5
    )
    for level in (1, 2, 3):
        extra.requirements.create(level=level, requirement=Requirement.OPTIONAL)
    for cells in rows:
        if cells[2] == "4401":
            cells[3] = "Bay Shore Regional SELPA"

    result = load(world, csv_file(*rows))

    assert result.errors == []
    assert result.counts == {"SELPAs changed": 1, "engagements changed": 3}
    assert "SELPA 4401 renamed to Bay Shore Regional SELPA" in str(result.plan[0])
    assert "Site Visit added (optional)" in str(result.plan[0])
    assert records_of(world.lea.code)["site_visit"].status == "not_started"


def test_it_resolves_nothing_for_an_engagement_already_in_line(world: World, cohorts: dict) -> None:
    load(world, csv_file(*spring_file(world)))
    engagement = Engagement.objects.get(lea=world.lea)
    activities = resolve_activities(
        determination=engagement.determination, cohort=engagement.cohort
    )

    assert not services.engagement_is_stale(engagement=engagement, activities=activities)
    assert (
        services.engagement_resolve(
            actor=world.cde_admin, engagement=engagement, activities=activities
        )
        == []
    )


def test_it_invites_a_contact_added_by_a_corrected_file(world: World, cohorts: dict) -> None:
    rows = spring_file(world)
    load(world, csv_file(*rows))
    before = set(Invitation.objects.values_list("email", flat=True))
    rows[1][-1] = "added.later@example.org"

    load(world, csv_file(*rows))
    load(world, csv_file(*rows))

    added = set(Invitation.objects.values_list("email", flat=True)) - before
    assert added == {"added.later@example.org"}
