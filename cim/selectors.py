"""Reads of the monitoring framework (statewide data, the same for every user)."""

from cim.models import Cohort, Determination, MonitoringYear


def monitoring_years() -> list[int]:
    """Years that have a monitoring year, newest first."""
    return list(MonitoringYear.objects.order_by("-year").values_list("year", flat=True))


def catalog_years() -> list[int]:
    """Years whose cohorts are in the activity catalog, newest first: the years an ADL
    file can be loaded for."""
    years = Cohort.objects.values_list("year__year", flat=True).distinct()
    return sorted(set(years), reverse=True)


def newest_adl_year() -> int | None:
    """The newest year an Annual Determination Letter was loaded for (any LEA's
    determination), or None before the first load."""
    return (
        Determination.objects.order_by("-year__year").values_list("year__year", flat=True).first()
    )
