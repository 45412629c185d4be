"""The one function that decides what an LEA owes: catalog rules + its determination.

Nothing else branches on tier or level to decide requirements, helpers or approvers;
the per-level rules are catalog data and conditions are named in `cim.conditions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cim.conditions import CONDITIONS
from cim.models import ActivityDefinition, ActivityRequirement, Cohort, Determination, Requirement

NO_RULE = "The catalog has no rule for this level, so it does not apply."


@dataclass(frozen=True)
class ResolvedActivity:
    definition: ActivityDefinition
    requirement: str  # Requirement.REQUIRED, OPTIONAL or NOT_APPLICABLE: never CONDITIONAL
    reason: str
    assistance: str
    approver: str
    due_date: date | None

    @property
    def key(self) -> str:
        return self.definition.key


def resolve_activities(*, determination: Determination, cohort: Cohort) -> list[ResolvedActivity]:
    """Every activity of the cohort, resolved for the LEA of this determination.

    Prefetch `cohort.activities__requirements` and `determination.unmet_indicators`
    when resolving many LEAs: this function then runs no queries. Otherwise it reads the
    activities and their rules in two.
    """
    where = f"{cohort.get_tier_display()} Level {determination.level}"
    definitions = cohort.activities.all()
    if "activities" not in getattr(cohort, "_prefetched_objects_cache", {}):
        # Their rules in one query more, not one per activity.
        definitions = definitions.prefetch_related("requirements")
    return [
        _resolve(definition, _rule_for(definition, determination.level), determination, where)
        for definition in definitions
    ]


def _rule_for(definition: ActivityDefinition, level: int | None) -> ActivityRequirement | None:
    return next((rule for rule in definition.requirements.all() if rule.level == level), None)


def _resolve(
    definition: ActivityDefinition,
    rule: ActivityRequirement | None,
    determination: Determination,
    where: str,
) -> ResolvedActivity:
    if rule is None:
        requirement, reason = Requirement.NOT_APPLICABLE, NO_RULE
    elif rule.requirement == Requirement.CONDITIONAL:
        requirement, reason = _resolve_condition(rule.condition, determination)
    else:
        requirement = Requirement(rule.requirement)
        reason = f"{requirement.label} for {where}."
    # The rule's help is for the LEA; its note is for catalog editors and stays in the admin.
    if rule is not None and rule.help:
        reason = f"{reason} {rule.help}"
    return ResolvedActivity(
        definition=definition,
        requirement=requirement,
        reason=reason[:300],
        assistance=rule.assistance if rule else "",
        approver=rule.approver if rule else "",
        due_date=definition.due_date,
    )


def _resolve_condition(key: str, determination: Determination) -> tuple[Requirement, str]:
    condition = CONDITIONS[key]
    holds = condition.evaluate(determination)
    if holds is None:
        return (
            Requirement.OPTIONAL,
            f"Required only if {condition.label}; that is not known yet, so it is optional "
            "for now.",
        )
    if holds:
        return Requirement.REQUIRED, f"Required because {condition.label}."
    return (
        Requirement.NOT_APPLICABLE,
        f"Not required: it applies only if {condition.label}, and that is not the case.",
    )
