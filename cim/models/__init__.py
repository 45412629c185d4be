"""The monitoring framework (years, cohorts, tiers, levels, indicators, determinations)
and the activity catalog that says, per cohort, what an LEA owes."""

from cim.models.catalog import (
    ActivityDefinition,
    ActivityRequirement,
    Approver,
    Assistance,
    Requirement,
    StepwellBox,
)
from cim.models.framework import (
    INFERRED_DATE,
    Cohort,
    Determination,
    Indicator,
    Level,
    MonitoringYear,
    ReportingPeriod,
    Tier,
)

__all__ = [
    "INFERRED_DATE",
    "ActivityDefinition",
    "ActivityRequirement",
    "Approver",
    "Assistance",
    "Cohort",
    "Determination",
    "Indicator",
    "Level",
    "MonitoringYear",
    "ReportingPeriod",
    "Requirement",
    "StepwellBox",
    "Tier",
]
