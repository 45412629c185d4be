"""Shared test helpers for the monitoring framework: the shipped 2024 catalog and
determinations built the way the ADL load builds them."""

from __future__ import annotations

import json
import re

from cim import services
from cim.models import Cohort, Determination, Indicator, MonitoringYear, Tier
from lea.models import Organization


def load_2024() -> dict[str, Cohort]:
    """The 2024 cohorts, loading the shipped catalog unless this test's database already
    has it (a module may load it once for all its tests: see tests/test_isolation.py)."""
    cohorts = {cohort.tier: cohort for cohort in Cohort.objects.filter(year__year=2024)}
    if len(cohorts) == 2 and all(cohort.activities.exists() for cohort in cohorts.values()):
        return cohorts
    services.catalog_load(actor=None, data=services.catalog_data(year=2024))
    return {cohort.tier: cohort for cohort in Cohort.objects.filter(year__year=2024)}


def determination(
    lea: Organization,
    *,
    tier: str = Tier.TARGETED,
    level: int | None = 1,
    unmet: tuple[str, ...] = (),
    new_to_cim: bool = True,
    year: int = 2024,
) -> Determination:
    monitoring_year, _ = MonitoringYear.objects.get_or_create(year=year)
    made = Determination.objects.create(
        lea=lea, year=monitoring_year, tier=tier, level=level, new_to_cim=new_to_cim
    )
    made.unmet_indicators.set(Indicator.objects.filter(code__in=unmet))
    return made


def load_next_year() -> dict[str, Cohort]:
    """A 2025 catalog: the shipped 2024 one with every year in it one later (keys, names,
    dates), for tests of an LEA's second year. Keyed by tier."""
    text = json.dumps(services.catalog_data(year=2024))
    shifted = re.sub(r"(?<!\d)(20[2-3]\d)(?!\d)", lambda match: str(int(match.group(1)) + 1), text)
    services.catalog_load(actor=None, data=json.loads(shifted))
    return {cohort.tier: cohort for cohort in Cohort.objects.filter(year__year=2025)}
