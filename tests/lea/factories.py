"""Factories for organisations and people. They go through the services, so groups,
grants and audit rows are exactly what production makes."""

from __future__ import annotations

import itertools

from lea import services
from lea.models import Membership, Organization, Role, User

PASSWORD = "correct-horse-battery-9"

_sequence = itertools.count(1)


def selpa(*, name: str | None = None, region: int = 3) -> Organization:
    n = next(_sequence)
    return services.organization_create(
        actor=None,
        kind=Organization.Kind.SELPA,
        name=name or f"SELPA {n}",
        code=f"{n % 10000:04d}",
        county="Sacramento",
        region=region,
    )


def lea(*, selpa: Organization, name: str | None = None, code: str | None = None) -> Organization:
    n = next(_sequence)
    return services.organization_create(
        actor=None,
        kind=Organization.Kind.LEA,
        name=name or f"LEA {n}",
        code=code or f"{3400000 + n:07d}",
        selpa=selpa,
        county=selpa.county,
        region=selpa.region,
    )


def cde() -> Organization:
    existing = Organization.objects.filter(kind=Organization.Kind.CDE).first()
    return existing or services.organization_create(
        actor=None, kind=Organization.Kind.CDE, name="California Department of Education"
    )


def user(*, email: str | None = None, full_name: str = "") -> User:
    n = next(_sequence)
    return services.user_create(
        actor=None,
        email=email or f"person{n}@example.org",
        full_name=full_name or f"Person {n}",
        password=PASSWORD,
    )


def superuser(*, email: str = "root@example.org") -> User:
    """An active superuser, whom ModelBackend and guardian give every permission."""
    person = user(email=email)
    person.is_superuser = True
    person.save()
    return person


def member(
    organization: Organization, role: str, *, email: str | None = None, full_name: str = ""
) -> User:
    person = user(email=email, full_name=full_name)
    services.membership_create(actor=None, user=person, organization=organization, role=role)
    return person


def membership(person: User, organization: Organization, role: str) -> Membership:
    return services.membership_create(actor=None, user=person, organization=organization, role=role)


__all__ = [
    "PASSWORD",
    "Role",
    "cde",
    "lea",
    "member",
    "membership",
    "selpa",
    "superuser",
    "user",
]
