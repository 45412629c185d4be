"""Reads of the monitoring framework (statewide data, the same for every user)."""

from cim.models import Cohort, MonitoringYear


def monitoring_years() -> list[int]:
    """Years that have a monitoring year, newest first."""
    return list(MonitoringYear.objects.order_by("-year").values_list("year", flat=True))


def catalog_years() -> list[int]:
    """Years whose cohorts are in the activity catalog, newest first: the years an ADL
    file can be loaded for."""
    years = Cohort.objects.values_list("year__year", flat=True).distinct()
    return sorted(set(years), reverse=True)
