"""`make run`'s demo data: every role, eight LEAs with 2024 CIM work, loaded once."""

import io

import pytest
from django.core.management import call_command

from lea.models import AuditEvent, Organization, Role, User
from steps.models import ConsultantAssignment, Engagement
from tests.cim.catalog import load_2024

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_loads_the_demo_once() -> None:
    load_2024()
    printed = _seed()
    assert "lead@lea.example.org" in printed
    assert "cim-demo-2024" in printed
    assert Organization.objects.filter(kind="selpa").count() == 3
    assert Organization.objects.filter(kind="lea").count() == 8
    assert {role for role in Role} == set(
        User.objects.values_list("memberships__role", flat=True).distinct()
    )
    lead_lea = User.objects.get(email="lead@lea.example.org").memberships.get().organization
    assert Engagement.objects.filter(lea=lead_lea).exists()
    # The demo lead's LEA (Targeted Level 3) submits to the demo consultant; one
    # Intensive LEA is left for the CDE administrator to assign.
    assigned = set(
        ConsultantAssignment.objects.filter(
            consultant__email="consultant@cde.example.org"
        ).values_list("lea__name", flat=True)
    )
    assert assigned == {"Riverbend Unified School District", "Harbor View Unified School District"}

    events = AuditEvent.objects.count()
    engagements = Engagement.objects.count()
    _seed()
    assert AuditEvent.objects.count() == events
    assert Engagement.objects.count() == engagements
