from __future__ import annotations

import pytest

from cim.models import ActivityRequirement, Cohort, Requirement, Tier
from cim.resolver import NO_RULE, ResolvedActivity, resolve_activities
from tests.cim.catalog import determination
from tests.conftest import World

TARGETED_REQUIRED = {
    # Level 1 sends progress reports only if its SELPA asks, which the ADL cannot say.
    1: {"team_creation", "data_drill_down", "student_record_review", "root_cause_analysis",
        "plan_for_improvement"},
    2: {"team_creation", "data_drill_down", "student_record_review", "root_cause_analysis",
        "plan_for_improvement", "monitoring_implementation"},
    3: {"team_creation", "parent_input", "data_drill_down", "student_record_review",
        "consolidation", "prioritization", "root_cause_analysis", "plan_for_improvement",
        "monitoring_implementation"},
}  # fmt: skip
INTENSIVE_REQUIRED = {
    "team_creation", "educational_partner_group", "parent_input", "data_drill_down",
    "student_record_review", "consolidation", "prioritization", "root_cause_analysis",
    "plan_for_improvement", "monitoring_implementation",
}  # fmt: skip


def resolve(
    world: World, cohort: Cohort, level: int, unmet: tuple[str, ...] = ()
) -> dict[str, ResolvedActivity]:
    made = determination(world.lea, tier=cohort.tier, level=level, unmet=unmet)
    return {item.key: item for item in resolve_activities(determination=made, cohort=cohort)}


def required(resolved: dict[str, ResolvedActivity]) -> set[str]:
    return {key for key, item in resolved.items() if item.requirement == Requirement.REQUIRED}


@pytest.mark.parametrize("level", [1, 2, 3])
def test_it_resolves_every_targeted_level(world: World, cohorts: dict, level: int) -> None:
    resolved = resolve(world, cohorts[Tier.TARGETED], level)

    assert required(resolved) == TARGETED_REQUIRED[level]
    assert all(item.requirement != Requirement.CONDITIONAL for item in resolved.values())
    assert len(resolved) == cohorts[Tier.TARGETED].activities.count()


@pytest.mark.parametrize("level", [1, 2, 3])
def test_it_resolves_every_intensive_level(world: World, cohorts: dict, level: int) -> None:
    resolved = resolve(world, cohorts[Tier.INTENSIVE], level)

    assert required(resolved) == INTENSIVE_REQUIRED
    assert {item.approver for item in resolved.values()} == {"CDE"}


@pytest.mark.parametrize("level", [1, 2])
def test_it_requires_parent_input_below_level_3_only_when_indicator_8_is_unmet(
    world: World, cohorts: dict, level: int
) -> None:
    met = resolve(world, cohorts[Tier.TARGETED], level, unmet=("4A",))["parent_input"]
    world.lea.determinations.all().delete()
    unmet = resolve(world, cohorts[Tier.TARGETED], level, unmet=("4A", "8"))["parent_input"]

    assert met.requirement == Requirement.NOT_APPLICABLE
    assert "Indicator 8" in met.reason
    assert unmet.requirement == Requirement.REQUIRED
    assert unmet.reason == (
        "Required because the LEA did not meet Indicator 8 (Parent Involvement)."
    )


def test_it_requires_parent_input_at_targeted_level_3_whatever_indicator_8(
    world: World, cohorts: dict
) -> None:
    parent_input = resolve(world, cohorts[Tier.TARGETED], 3)["parent_input"]

    assert parent_input.requirement == Requirement.REQUIRED
    assert parent_input.reason == "Required for Targeted Level 3."


@pytest.mark.parametrize(
    ("level", "approver", "assistance"),
    [(1, "SELPA", "independent"), (2, "SELPA", "independent"), (3, "CDE", "assisted")],
)
def test_it_routes_targeted_approval_and_assistance_by_level(
    world: World, cohorts: dict, level: int, approver: str, assistance: str
) -> None:
    plan = resolve(world, cohorts[Tier.TARGETED], level)["plan_for_improvement"]

    assert plan.approver == approver
    assert plan.assistance == assistance
    assert plan.due_date is not None
    assert plan.due_date.isoformat() == "2024-12-06"


def test_it_makes_conditions_the_adl_cannot_answer_optional_for_now(
    world: World, cohorts: dict
) -> None:
    review = resolve(world, cohorts[Tier.TARGETED], 1)["policies_procedures_review"]

    assert review.requirement == Requirement.OPTIONAL
    assert review.reason.startswith("Required only if CDE issues a final Student Record Review")


def test_it_adds_the_rules_help_not_its_editor_note_to_the_reason(
    world: World, cohorts: dict
) -> None:
    consolidation = resolve(world, cohorts[Tier.TARGETED], 1)["consolidation"]

    assert consolidation.requirement == Requirement.OPTIONAL
    assert consolidation.reason == (
        "Optional for Targeted Level 1. The Consolidation activity is highly recommended "
        "for Targeted Level 1 and 2 LEAs."
    )
    assert "chart says" not in consolidation.reason


def test_it_follows_an_admin_edit_of_the_catalog(world: World, cohorts: dict) -> None:
    ActivityRequirement.objects.filter(
        activity__cohort=cohorts[Tier.TARGETED], activity__key="prioritization", level=1
    ).update(requirement=Requirement.REQUIRED)

    assert resolve(world, cohorts[Tier.TARGETED], 1)["prioritization"].requirement == "required"


def test_it_treats_a_level_without_a_rule_as_not_applicable(world: World, cohorts: dict) -> None:
    ActivityRequirement.objects.filter(
        activity__cohort=cohorts[Tier.TARGETED], activity__key="consolidation", level=2
    ).delete()

    consolidation = resolve(world, cohorts[Tier.TARGETED], 2)["consolidation"]

    assert (consolidation.requirement, consolidation.reason) == ("not_applicable", NO_RULE)


def test_it_runs_no_queries_when_the_caller_prefetches(
    world: World, cohorts: dict, django_assert_num_queries
) -> None:
    made = determination(world.lea, level=2, unmet=("8",))
    cohort = Cohort.objects.prefetch_related("activities__requirements").get(tier="targeted")
    made = type(made).objects.prefetch_related("unmet_indicators").get(pk=made.pk)

    with django_assert_num_queries(0):
        resolved = resolve_activities(determination=made, cohort=cohort)

    assert len(resolved) == 17
