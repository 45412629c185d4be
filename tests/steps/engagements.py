"""Engagements for tests, started the way the ADL load starts them."""

from __future__ import annotations

from cim.models import Cohort, Tier
from cim.resolver import resolve_activities
from lea.models import Organization
from steps import services
from steps.models import Engagement
from tests.cim.catalog import determination


def start(
    lea: Organization, cohort: Cohort, *, level: int = 1, unmet: tuple[str, ...] = ()
) -> Engagement:
    """The LEA new to CIM in the cohort (of any year), with its activity records resolved."""
    made = determination(
        lea, tier=Tier(cohort.tier), level=level, unmet=unmet, year=cohort.year.year
    )
    return services.engagement_start(
        actor=None,
        lea=lea,
        cohort=cohort,
        determination=made,
        activities=resolve_activities(determination=made, cohort=cohort),
    )
