"""Benchmark of the signed-in floor, run by `make bench` (never by the test suite).

What every signed-in request pays before its own work (the session, the user, the idle
timeout, permission lookups for the menu, the context processors, the middleware), seen
on the trivial signed-in page (/password/change/done/: the layout and a sentence), and for
comparison the account page (a three-field form) and the home page of an LEA lead with
nothing waiting. Each is fetched in turn with the login page, with
Django's test Client in a throw-away database (test_<name>_floor), so all see the same
load on a shared machine; the ratio to the login page is the figure to read (the
goal is at most 2). Prints median ms, the ratio and the queries of each page (BEGIN and
COMMIT not counted), and with -v the queries themselves.
"""

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

from bench.common import throwaway_database

RUNS = 200
# The trivial signed-in page: the base layout and a sentence, nothing of its own to look up;
# what it costs over the login page is what every signed-in request pays.
TRIVIAL = "/password/change/done/"
GOAL = 2.0
PASSWORD = "bench-password-1"  # noqa: S105 -- a throw-away database


def sql_of(fetch: Callable[[], Any]) -> list[str]:
    """The statements one fetch sends."""
    statements: list[str] = []

    def record(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        statements.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        response = fetch()
    assert response.status_code == 200, response.status_code
    return statements


def medians(fetches: list[Callable[[], Any]]) -> list[float]:
    """Median milliseconds of each fetch over RUNS, fetched in turn."""
    for fetch in fetches:
        fetch()  # warm caches and connections
    times: list[list[float]] = [[] for _ in fetches]
    for _ in range(RUNS):
        for each, fetch in zip(times, fetches, strict=True):
            start = time.perf_counter()
            fetch()
            each.append((time.perf_counter() - start) * 1000)
    return [statistics.median(each) for each in times]


def build_lead() -> Any:
    from lea import services
    from lea.models import Organization, Role

    selpa = services.organization_create(
        actor=None, kind=Organization.Kind.SELPA, name="SELPA", code="0001", region=1
    )
    lea = services.organization_create(
        actor=None, kind=Organization.Kind.LEA, name="LEA", code="1000001", selpa=selpa
    )
    lead = services.user_create(
        actor=None, email="lead@bench.example.org", full_name="Lead", password=PASSWORD
    )
    services.membership_create(actor=None, user=lead, organization=lea, role=Role.LEA_LEAD)
    return lead


def main() -> None:
    verbose = "-v" in sys.argv
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with throwaway_database("floor"):
        lead = build_lead()
        anonymous = Client()
        signed_in = Client()
        # Through the login form, as a person signs in (force_login skips axes and the
        # idle-timeout stamp).
        response = signed_in.post(
            "/login/", {"username": "lead@bench.example.org", "password": PASSWORD}
        )
        assert response.status_code == 302, response.status_code
        assert lead.is_authenticated
        pages: list[tuple[str, Callable[[], Any]]] = [
            ("login page (anonymous, the baseline)", lambda: anonymous.get("/login/")),
            ("trivial page /password/change/done/", lambda: signed_in.get(TRIVIAL)),
            ("account page /password/change/ (a form)", lambda: signed_in.get("/password/change/")),
            ("home / (LEA lead, nothing waiting)", lambda: signed_in.get("/")),
        ]
        times = medians([fetch for _, fetch in pages])
        baseline = times[0]
        print("(medians of fetches in turn; the machine may be shared, read the ratios)")
        print(f"{'page':<44}{'median ms':>10}{'x login':>9}{'queries':>9}")
        floor = 0.0
        for (label, fetch), ms in zip(pages, times, strict=True):
            statements = sql_of(fetch)
            ratio = ms / baseline
            if label.startswith("trivial"):
                floor = ratio
            print(f"{label:<44}{ms:>10.2f}{ratio:>9.2f}{len(statements):>9}")
            if verbose:
                for sql in statements:
                    print(f"    {sql[:150]}")
        verdict = "within" if floor <= GOAL else "OVER"
        print(
            f"the signed-in floor: {floor:.2f}x the login page ({verdict} the goal of {GOAL:.0f}x)"
        )


if __name__ == "__main__":
    main()
