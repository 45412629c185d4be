"""Reads of the monitoring framework (statewide data, the same for every user)."""

from cim.models import MonitoringYear


def monitoring_years() -> list[int]:
    """Years that have a monitoring year, newest first."""
    return list(MonitoringYear.objects.order_by("-year").values_list("year", flat=True))
