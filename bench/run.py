"""Benchmarks, run by `make bench` (never by the test suite). Prints figures.

Builds a state-sized world in a throw-away database (test_<name>): about 130 SELPAs and
2,500 LEAs with a lead each, then times the pages against a trivial Django page in the
same run, so the ratio means something on any machine.
"""

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.test import Client

from bench.common import throwaway_database
from lea.models import User

SELPAS = 130
LEAS = 2500
RUNS = 30


def median_ms(fetch: Callable[[], object]) -> float:
    fetch()  # warm caches and connections
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build_state() -> dict[str, User]:
    from lea import services
    from lea.models import Organization, Role

    cde = services.organization_create(actor=None, kind=Organization.Kind.CDE, name="CDE")
    selpas = [
        services.organization_create(
            actor=None, kind="selpa", name=f"SELPA {n}", code=f"{n:04d}", region=n % 11 + 1
        )
        for n in range(1, SELPAS + 1)
    ]
    leas = [
        services.organization_create(
            actor=None, kind="lea", name=f"LEA {n}", code=f"{1000000 + n}", selpa=selpas[n % SELPAS]
        )
        for n in range(LEAS)
    ]
    people: dict[str, User] = {}
    for role, organization in (
        (Role.CDE_ADMIN, cde),
        (Role.SELPA_REVIEWER, selpas[0]),
        (Role.LEA_LEAD, leas[0]),
    ):
        person = services.user_create(
            actor=None,
            email=f"{role}@bench.example.org",
            full_name=role,
            password="bench-password-1",  # noqa: S106 -- a throw-away database,
        )
        services.membership_create(actor=None, user=person, organization=organization, role=role)
        people[role] = person
    return people


def main() -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with throwaway_database("bench"):
        started = time.perf_counter()
        people = build_state()
        print(f"built {SELPAS} SELPAs and {LEAS} LEAs in {time.perf_counter() - started:.1f} s")
        anonymous = Client()
        baseline = median_ms(lambda: anonymous.get("/login/"))
        print(f"{'page':<42}{'median ms':>10}{'x login page':>14}")
        print(f"{'login page (trivial baseline)':<42}{baseline:>10.1f}{1:>14.1f}")
        for role, path in (
            ("lea_lead", "/"),
            ("selpa_reviewer", "/"),
            ("cde_admin", "/"),
            ("cde_admin", "/organizations/?kind=lea"),
            ("cde_admin", "/people/"),
        ):
            client = Client()
            client.force_login(people[role])
            ms = median_ms(lambda client=client, path=path: client.get(path))  # type: ignore[misc]
            print(f"{role + ' ' + path:<42}{ms:>10.1f}{ms / baseline:>14.1f}")


if __name__ == "__main__":
    main()
