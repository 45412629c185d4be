"""Reminders in the Django admin: a CDE administrator changes the schedule (audited) and
sees every digest, failed ones with their reason; nobody else gets in."""

from __future__ import annotations

from datetime import date

import pytest

from lea.models import AuditEvent
from reports.models import Digest, ReminderSchedule
from reports.models.reminders import OFFSETS_INVALID
from tests.conftest import World, signed_in

pytestmark = pytest.mark.django_db


def test_it_lets_a_cde_admin_change_the_schedule(world: World) -> None:
    client = signed_in(world.cde_admin)

    response = client.post(
        "/admin/reports/reminderschedule/1/change/",
        {"offsets": "7, 30, 1", "overdue_repeat_days": "14"},
    )

    assert response.status_code == 302
    schedule = ReminderSchedule.objects.get()
    assert schedule.offsets == "30, 7, 1"
    assert schedule.offset_days == [30, 7, 1]
    assert schedule.overdue_repeat_days == 14
    event = AuditEvent.objects.get(verb="reminders.schedule.change")
    assert event.actor == world.cde_admin
    assert event.changes["offsets"] == ["30, 14, 7, 1", "30, 7, 1"]


def test_it_refuses_offsets_that_are_not_days(world: World) -> None:
    response = signed_in(world.cde_admin).post(
        "/admin/reports/reminderschedule/1/change/",
        {"offsets": "30, soon, -1", "overdue_repeat_days": "7"},
    )

    assert response.status_code == 200
    assert OFFSETS_INVALID in response.content.decode()
    assert ReminderSchedule.objects.get().offsets == "30, 14, 7, 1"


def test_it_lists_failed_digests_with_their_reason(world: World) -> None:
    Digest.objects.create(
        email="gone@example.org",
        day=date(2024, 7, 3),
        status=Digest.Status.FAILED,
        error="The mail server refused it: 550 No such mailbox",
    )
    Digest.objects.create(email="fine@example.org", day=date(2024, 7, 3), status="sent")

    page = signed_in(world.cde_admin).get("/admin/reports/digest/", {"status__exact": "failed"})

    content = page.content.decode()
    assert page.status_code == 200
    assert "gone@example.org" in content
    assert "550 No such mailbox" in content
    assert "fine@example.org" not in content


@pytest.mark.parametrize("role", ["cde_consultant", "selpa_reviewer", "lea_lead"])
def test_it_keeps_everyone_else_out(world: World, role: str) -> None:
    user = getattr(world, role)
    user.is_staff = True  # even with the admin opened to them by mistake
    user.save(update_fields=["is_staff"])

    for path in ("/admin/reports/digest/", "/admin/reports/reminderschedule/1/change/"):
        assert signed_in(user).get(path).status_code in (302, 403)
