"""Benchmark of the statewide status grid, run by `make bench` (never by the test suite).

In a throw-away database (test_<name>_grid): the 2024 catalog, a statewide ADL of 2,500
LEAs in 130 SELPAs loaded through the real load service (bench/adl_import.py's file, with
every LEA in CIM: 75% Targeted, 25% Intensive, the worst case for the grid), consultants
assigned by region, and a few hundred submissions made, approved and returned through the
services (Step 1 filled by tests/steps/ready.py, as the submission tests fill it). Then
times, with Django's test Client, the grid (first page, filtered pages, a late page, a
SELPA reviewer's), the queues and the CSV download, each fetched in turn with the login
page so that both see the same load on a shared machine. Prints median ms, the login
page's, the ratio and the queries (BEGIN/COMMIT not counted). The goal for a grid page is
within 4 times the login page, with a query count that does not grow with the number of
LEAs. A grid page is cached until audited data changes, so each is timed twice: the first
view after a change (built from the database) and a view of the page already built. The
cheapest signed-in page is printed too, since every signed-in page pays for the session,
the user, the permissions and the session's save before any of its own work.
"""

import logging
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.db import connection
from django.test import Client

from bench import adl_import
from bench.common import throwaway_database
from lea.models import User

YEAR = 2024
RUNS = 30
GOAL = 4.0
PPR_SUBMISSIONS = 300  # Targeted LEAs' Policies and Procedures Reviews, routed to CDE
STEP1_SUBMISSIONS = 30  # Targeted Level 1-2 LEAs' Step 1, routed to their SELPA
ASSIGNED_REGIONS = range(1, 8)  # regions 8-11 have no consultant: the unassigned queue
PASSWORD = "bench-password-1"  # noqa: S105 -- a throw-away database


def queries_of(fetch: Callable[[], Any]) -> int:
    """The queries one fetch sends (BEGIN and COMMIT are not among them)."""
    queries = 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    with connection.execute_wrapper(count):
        response = fetch()
    assert response.status_code == 200, response.status_code
    return queries


def measure(
    fetch: Callable[[], Any],
    baseline: Callable[[], Any],
    before: Callable[[], Any] = lambda: None,
) -> tuple[float, float]:
    """Median milliseconds of the page and of the baseline page over RUNS, fetched in
    turn, so both see the same load on a shared machine. `before` runs, untimed, before
    each fetch of the page."""
    fetch()
    baseline()  # warm caches and connections
    times: dict[Callable[[], Any], list[float]] = {fetch: [], baseline: []}
    for _ in range(RUNS):
        before()
        for each in (fetch, baseline):
            start = time.perf_counter()
            each()
            times[each].append((time.perf_counter() - start) * 1000)
    return statistics.median(times[fetch]), statistics.median(times[baseline])


def _person(email: str, organization: Any, role: str) -> User:
    from lea import services

    person = services.user_create(actor=None, email=email, full_name=email, password=PASSWORD)
    services.membership_create(actor=None, user=person, organization=organization, role=role)
    return person


def build_state() -> dict[str, User]:
    """The catalog, the ADL with every LEA in CIM, CDE people and consultants by region."""
    from cim import services as cim_services
    from cim.models import MonitoringYear
    from lea import services
    from lea.models import Organization, Role
    from steps import services as steps_services

    cim_services.catalog_load(actor=None, data=cim_services.catalog_data(year=YEAR))
    # Every LEA in CIM and new to it, so every one has an engagement: the grid's worst case.
    adl_import.TIERS = (("Targeted", 0.75), ("Intensive", 0.25), ("Universal", 0.0))
    adl_import.NEW_TO_CIM = 1.0
    content = adl_import.adl_file(random.Random(adl_import.SEED))
    result = steps_services.adl_apply(actor=None, year=YEAR, content=content)
    assert result.is_valid, result.errors[:5]
    cde = services.organization_create(actor=None, kind=Organization.Kind.CDE, name="CDE")
    admin = _person("admin@bench.example.org", cde, Role.CDE_ADMIN)
    year = MonitoringYear.objects.get(year=YEAR)
    consultants = {}
    for region in ASSIGNED_REGIONS:
        consultant = _person(f"consultant{region}@bench.example.org", cde, Role.CDE_CONSULTANT)
        leas = steps_services.leas_in_region(year=year, region=region)
        steps_services.consultant_assign(actor=admin, consultant=consultant, year=year, leas=leas)
        consultants[region] = consultant
    people = {"admin": admin, "consultant": consultants[ASSIGNED_REGIONS[0]]}
    people |= _submit(consultants)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does for a real database after a load
    return people


def _submit(consultants: dict[int, User]) -> dict[str, User]:
    """PPR submissions to CDE (a third approved, a sixth returned where a consultant is
    assigned) and Step 1 submissions to the SELPAs, through the services."""
    from lea.models import Role
    from steps import services
    from steps.models import Engagement, Review
    from tests.steps.ready import make_ready

    targeted = list(
        Engagement.objects.filter(cohort__tier="targeted")
        .select_related("lea__selpa", "determination", "cohort")
        .order_by("lea__code")
    )
    reviewer = None
    for n, engagement in enumerate(targeted[:PPR_SUBMISSIONS]):
        lead = _person(f"lead{n}@bench.example.org", engagement.lea, Role.LEA_LEAD)
        record = engagement.records.select_related("definition", "engagement__lea").get(
            definition__key="policies_procedures_review"
        )
        record = services.record_save_answers(
            actor=lead, record=record, expected_version=record.version, answers={"summary": "Done."}
        ).record
        version = services.submission_submit(
            actor=lead,
            engagement=engagement,
            step=1,
            confirmation_name=lead.display_name,
            activity=record.definition,
        )
        consultant = consultants.get(engagement.lea.region or 0)
        if consultant is not None and n % 3 == 0:
            decision = Review.Decision.RETURNED if n % 2 else Review.Decision.APPROVED
            services.submission_decide(
                actor=consultant,
                submission=version.submission,
                version_number=version.number,
                decision=decision,
                summary="Add the board's adoption date." if n % 2 else "",
            )
        if n < STEP1_SUBMISSIONS and engagement.determination.level in (1, 2):
            make_ready(engagement, 1, actor=lead)
            services.submission_submit(
                actor=lead, engagement=engagement, step=1, confirmation_name=lead.display_name
            )
            if reviewer is None:
                selpa = engagement.lea.selpa
                reviewer = _person("reviewer@bench.example.org", selpa, Role.SELPA_REVIEWER)
    assert reviewer is not None
    return {"selpa_reviewer": reviewer}


def main() -> None:
    from cim.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Emails are queued on commit: keep them in memory, not in a local worker's queue.
    app.conf.update(broker_url="memory://")
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    with throwaway_database("grid"):
        started = time.perf_counter()
        people = build_state()
        from steps.models import Engagement, Submission

        print(
            f"built {Engagement.objects.count()} engagements of {adl_import.LEAS} LEAs and "
            f"{Submission.objects.count()} submissions in {time.perf_counter() - started:.1f} s"
        )
        time_pages(people)


PAGES = (  # (who, path, whether the 4x goal applies)
    ("admin", "/status/grid/", True),
    ("admin", "/status/grid/?tier=targeted&level=3&region=3", True),
    ("admin", "/status/grid/?consultant=none&page=4", True),
    ("admin", "/status/grid/?page=50", True),
    ("selpa_reviewer", "/status/grid/", True),
    ("admin", "/reviews/?state=any", False),
    ("consultant", "/reviews/?state=any&sort=due", False),
    ("admin", "/status/grid.csv", False),
)


def time_pages(people: dict[str, User]) -> None:
    from lea import data_version

    anonymous = Client()

    def login_page() -> Any:
        return anonymous.get("/login/")

    print(f"{'page':<66}{'median ms':>10}{'login ms':>10}{'x login':>9}{'queries':>9}")

    def line(
        label: str, fetch: Callable[[], Any], before: Callable[[], Any] = lambda: None
    ) -> float:
        ms, baseline = measure(fetch, login_page, before)
        ratio = ms / baseline
        before()
        print(f"{label:<66}{ms:>10.1f}{baseline:>10.1f}{ratio:>9.1f}{queries_of(fetch):>9}")
        return ratio

    # A second reference: the cheapest page a signed-in person gets (session, user,
    # permissions and the session's save on every request), to show what is the grid's.
    signed_in = Client()
    signed_in.force_login(people["admin"])
    floor = line(
        "admin /password/change/ (signed-in floor)", lambda: signed_in.get("/password/change/")
    )
    worst = worst_first = 0.0
    for role, path, is_grid in PAGES:
        client = Client()
        client.force_login(people[role])

        def fetch(client: Client = client, path: str = path) -> Any:
            return client.get(path)

        if is_grid:
            # A grid page is cached until audited data changes: time the first view after
            # a change anywhere in the state ([first view]) and a view of a page already
            # built ([built]).
            first = line(f"{role} {path} [first view]", fetch, before=data_version.changed)
            worst_first = max(worst_first, first)
            worst = max(worst, line(f"{role} {path} [built]", fetch))
        else:
            line(f"{role} {path}", fetch)
    verdict = "within" if worst <= GOAL else "OVER"
    print(f"slowest grid page: {worst:.1f}x the login page ({verdict} the goal of {GOAL:.0f}x)")
    print(f"slowest first view of a grid page after a change: {worst_first:.1f}x the login page")
    print(f"the signed-in floor alone: {floor:.1f}x the login page")


if __name__ == "__main__":
    main()
