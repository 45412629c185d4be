"""Benchmark of the daily reminder sweep, run by `make bench` (never by the test suite).

In a throw-away database (test_<name>_reminders_bench): the 2024 catalog and a statewide ADL of
3,000 LEAs, every one in CIM and new to it (75% Targeted, 25% Intensive), loaded through
the real load service: about 50,000 activity records, and a pending invitation for each
LEA's CIM contact. A third of the LEAs get a lead account, a member who worked on some
activities (audit rows) and one SELPA reviewer per SELPA; consultants are assigned by
region. Then times `reminders_sweep` (recording only, nothing sent) on three days: a week
before Step 1 is due, the day after (overdue, escalated), and that day again (everything
already recorded). Prints seconds, queries and what it recorded; the goal is under 10 s.
"""

import logging
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from lea.models import AuditVerb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.db import connection
from django.urls import reverse

from bench import adl_import
from bench.common import throwaway_database

YEAR = 2024
LEAS = 3000
STEP1_DUE = date(2024, 7, 10)
GOAL_SECONDS = 10.0
PASSWORD = "bench-password-1"  # noqa: S105 -- a throw-away database


def build_state() -> None:
    from cim import services as cim_services
    from cim.models import MonitoringYear
    from lea import services
    from lea.models import Organization, Role
    from steps import services as steps_services

    cim_services.catalog_load(actor=None, data=cim_services.catalog_data(year=YEAR))
    adl_import.LEAS = LEAS
    adl_import.TIERS = (("Targeted", 0.75), ("Intensive", 0.25), ("Universal", 0.0))
    adl_import.NEW_TO_CIM = 1.0
    content = adl_import.adl_file(random.Random(adl_import.SEED))
    result = steps_services.adl_apply(actor=None, year=YEAR, content=content)
    assert result.is_valid, result.errors[:5]
    cde = services.organization_create(actor=None, kind=Organization.Kind.CDE, name="CDE")
    admin = _person("admin@bench.example.org", cde, Role.CDE_ADMIN)
    for selpa in Organization.objects.filter(kind=Organization.Kind.SELPA):
        _person(f"reviewer{selpa.code}@bench.example.org", selpa, Role.SELPA_REVIEWER)
    year = MonitoringYear.objects.get(year=YEAR)
    for region in range(1, 8):  # regions 8-11 have no consultant: CDE administrators hear
        consultant = _person(f"consultant{region}@bench.example.org", cde, Role.CDE_CONSULTANT)
        leas = steps_services.leas_in_region(year=year, region=region)
        steps_services.consultant_assign(actor=admin, consultant=consultant, year=year, leas=leas)
    _teams()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does for a real database after a load


def _teams() -> None:
    """A lead and a member for every third LEA; the member worked on two activities."""
    from lea import services
    from lea.models import AuditEvent, Organization, Role
    from steps.models import ActivityRecord

    events = []
    for n, lea in enumerate(Organization.objects.filter(kind="lea").order_by("code")):
        if n % 3:
            continue
        _person(f"lead{n}@bench.example.org", lea, Role.LEA_LEAD)
        member = _person(f"member{n}@bench.example.org", lea, Role.LEA_MEMBER)
        records = ActivityRecord.objects.filter(engagement__lea=lea).order_by("pk")[:2]
        events += [
            services.audit_event(
                actor=member, verb=AuditVerb.ACTIVITY_SAVE, target=r, organization=lea
            )
            for r in records
        ]
    AuditEvent.objects.bulk_create(events)


def _person(email: str, organization: Any, role: str) -> Any:
    from lea import services

    person = services.user_create(actor=None, email=email, full_name=email, password=PASSWORD)
    services.membership_create(actor=None, user=person, organization=organization, role=role)
    return person


def timed(label: str, run: Callable[[], Any]) -> float:
    queries = 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    print(
        f"{label:<34}{seconds:>8.2f}{queries:>9}{result.items:>8}{result.reminders:>11}"
        f"{len(result.digest_ids):>9}"
    )
    return seconds


def main() -> None:
    from cim.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Invitation emails are queued on commit: keep them in memory, not in a worker's queue.
    app.conf.update(broker_url="memory://")
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    with throwaway_database("reminders_bench"):
        from reports.services.reminders import reminders_sweep
        from steps.models import ActivityRecord, Engagement

        started = time.perf_counter()
        build_state()
        print(
            f"built {Engagement.objects.count()} engagements with "
            f"{ActivityRecord.objects.count()} activity records in "
            f"{time.perf_counter() - started:.1f} s"
        )
        # Load the URLconf (and the PDF renderer the reports views import) before timing:
        # a worker does it once at its first task, not at every sweep.
        reverse("home")
        print(f"{'sweep (nothing sent)':<34}{'seconds':>8}{'queries':>9}{'items':>8}"
              f"{'reminders':>11}{'digests':>9}")  # fmt: skip
        worst = max(
            timed("a week before Step 1 is due", lambda: reminders_sweep(today=date(2024, 7, 3))),
            timed("the day after: overdue", lambda: reminders_sweep(today=date(2024, 7, 11))),
            timed("the same day again", lambda: reminders_sweep(today=date(2024, 7, 11))),
        )
        verdict = "meets" if worst < GOAL_SECONDS else "MISSES"
        print(f"slowest sweep {worst:.2f} s: {verdict} the goal of {GOAL_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
