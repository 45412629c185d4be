"""Step 4 reporting periods: loaded from the 2024 catalog (Targeted semi-annual, Intensive
quarterly, due 15 days after each period), idempotent, and adjusted by a CDE
administrator in the admin, where an overlapping period is refused in plain words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from cim import services
from cim.models import Cohort, ReportingPeriod
from cim.models.framework import PERIOD_OVERLAP
from lea.models import AuditEvent, AuditVerb
from tests.cim.catalog import load_2024
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _periods(tier: str) -> list[tuple[date, date, date]]:
    return list(
        ReportingPeriod.objects.filter(cohort__tier=tier)
        .order_by("number")
        .values_list("starts_on", "ends_on", "due_on")
    )


def test_it_loads_the_periods_of_both_2024_cohorts(db: None) -> None:
    load_2024()

    targeted = _periods("targeted")
    intensive = _periods("intensive")
    assert [(s.isoformat(), e.isoformat()) for s, e, _ in targeted] == [
        ("2025-01-01", "2025-06-30"), ("2025-07-01", "2025-12-31"),
        ("2026-01-01", "2026-06-30"), ("2026-07-01", "2026-12-31"),
    ]  # fmt: skip
    assert len(intensive) == 8
    assert [s.month for s, _, _ in intensive] == [1, 4, 7, 10] * 2
    assert intensive[-1][1] == Cohort.objects.get(tier="intensive").step4_end
    assert all(due == end + timedelta(days=15) for _, end, due in targeted + intensive)
    assert not ReportingPeriod.objects.filter(inferred=False).exists()
    labels = [p.label for p in ReportingPeriod.objects.filter(cohort__tier="intensive")]
    assert labels[:2] == ["Jan\u2013Mar 2025", "Apr\u2013Jun 2025"]


def test_loading_again_keeps_an_administrator_s_dates(db: None) -> None:
    load_2024()
    ReportingPeriod.objects.filter(cohort__tier="targeted", number=1).update(
        due_on=date(2025, 7, 31), inferred=False
    )

    result = services.catalog_load(actor=None, data=services.catalog_data(year=2024))

    assert result.created == {}
    assert result.unchanged["reportingperiod"] == 12
    assert _periods("targeted")[0][2] == date(2025, 7, 31)


def test_it_refuses_a_period_that_overlaps_another(db: None) -> None:
    load_2024()
    second = ReportingPeriod.objects.get(cohort__tier="targeted", number=2)
    second.starts_on = date(2025, 6, 15)

    with pytest.raises(ValidationError) as refused:
        second.full_clean()

    assert refused.value.messages == [
        PERIOD_OVERLAP.format(
            number=1, cohort="Targeted 2024", starts="2025-01-01", ends="2025-06-30"
        )
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ends_on", "2025-06-01", "The period must end on or after the day it starts."),
        ("due_on", "2025-12-01", "The report cannot be due before its period ends."),
    ],
)
def test_it_refuses_dates_out_of_order(db: None, field: str, value: str, message: str) -> None:
    load_2024()
    period = ReportingPeriod.objects.get(cohort__tier="targeted", number=2)
    setattr(period, field, date.fromisoformat(value))

    with pytest.raises(ValidationError, match=message):
        period.full_clean()


def test_a_cde_administrator_adjusts_a_period_in_the_admin(world: World) -> None:
    load_2024()
    period = ReportingPeriod.objects.get(cohort__tier="targeted", number=2)
    url = f"/admin/cim/reportingperiod/{period.pk}/change/"
    client = Client()
    client.force_login(world.cde_admin)
    form = {
        "cohort": period.cohort_id, "number": 2, "starts_on": "2025-07-01",
        "ends_on": "2025-12-31", "due_on": "2026-01-30", "inferred": "", "source": "CDE letter",
    }  # fmt: skip

    overlapping = client.post(url, {**form, "starts_on": "2025-06-01"})
    assert overlapping.status_code == 200
    assert "These dates overlap reporting period 1 of Targeted 2024" in overlapping.content.decode()
    assert ReportingPeriod.objects.get(pk=period.pk).starts_on == date(2025, 7, 1)

    assert client.post(url, form).status_code == 302
    period.refresh_from_db()
    assert (period.due_on, period.inferred) == (date(2026, 1, 30), False)
    assert AuditEvent.objects.filter(
        verb=AuditVerb.CATALOG_CHANGE,
        content_type__model="reportingperiod",
        object_id=str(period.pk),
    ).exists()
    member = Client()
    member.force_login(world.lea_lead)
    assert member.get(url).status_code in (302, 403)
