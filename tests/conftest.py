"""The test world: one person per role at home, plus a foreign SELPA and LEA, always."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from cim.models import Cohort
from lea.models import Organization, Role, User
from tests.cim.catalog import load_2024
from tests.lea import factories

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str) -> None:
    """Skip on a developer's machine without `what`; under CI=true a missing service fails."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available.")
    pytest.skip(f"{what} is not available here.")


@dataclass
class World:
    cde: Organization
    selpa: Organization
    lea: Organization
    lea2: Organization
    foreign_selpa: Organization
    foreign_lea: Organization
    cde_admin: User
    cde_consultant: User
    selpa_reviewer: User
    lea_lead: User
    lea_member: User
    foreign_selpa_reviewer: User
    foreign_lea_lead: User
    outsider: User

    def users_by_role(self) -> dict[str, User]:
        return {
            Role.CDE_ADMIN: self.cde_admin,
            Role.CDE_CONSULTANT: self.cde_consultant,
            Role.SELPA_REVIEWER: self.selpa_reviewer,
            Role.LEA_LEAD: self.lea_lead,
            Role.LEA_MEMBER: self.lea_member,
        }


def build_world() -> World:
    cde = factories.cde()
    selpa = factories.selpa(name="North Valley SELPA")
    foreign_selpa = factories.selpa(name="Far Coast SELPA", region=11)
    lea = factories.lea(selpa=selpa, name="Riverbend Unified")
    lea2 = factories.lea(selpa=selpa, name="Oak Hollow Elementary")
    foreign_lea = factories.lea(selpa=foreign_selpa, name="Harbor View Unified")
    return World(
        cde=cde,
        selpa=selpa,
        lea=lea,
        lea2=lea2,
        foreign_selpa=foreign_selpa,
        foreign_lea=foreign_lea,
        cde_admin=factories.member(cde, Role.CDE_ADMIN, full_name="Alex Admin"),
        cde_consultant=factories.member(cde, Role.CDE_CONSULTANT, full_name="Morgan Consultant"),
        selpa_reviewer=factories.member(selpa, Role.SELPA_REVIEWER, full_name="Jordan Reviewer"),
        lea_lead=factories.member(lea, Role.LEA_LEAD, full_name="Casey Lead"),
        lea_member=factories.member(lea, Role.LEA_MEMBER, full_name="Sam Member"),
        foreign_selpa_reviewer=factories.member(
            foreign_selpa, Role.SELPA_REVIEWER, full_name="Riley Foreign Reviewer"
        ),
        foreign_lea_lead=factories.member(
            foreign_lea, Role.LEA_LEAD, full_name="Drew Foreign Lead"
        ),
        outsider=factories.user(full_name="Oli Outsider"),
    )


@pytest.fixture
def cohorts(db: None) -> dict[str, Cohort]:
    """The shipped Targeted 2024 and Intensive 2024 cohorts, keyed by tier."""
    return load_2024()


def signed_in(user: User) -> Client:
    """A test client with the user signed in."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _celery_eager(request: pytest.FixtureRequest) -> None:
    """Unit tests run tasks in-process when their transaction commits; tests marked
    `integration` use a real worker process instead."""
    from cim.celery import app

    app.conf.task_always_eager = "integration" not in request.keywords
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "http://testserver"


def pytest_configure(config: pytest.Config) -> None:
    """Each test run, and under pytest-xdist each worker process, has its own test
    database (pytest-django suffixes its name) but shares the cache server: give each its
    own cache keys, so a page cached by an earlier run (whose ids this run reuses) is never
    served. Set in the environment too, for the Celery workers the integration tests
    start."""
    from django.conf import settings

    prefix = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    os.environ["CACHE_KEY_PREFIX"] = prefix
    settings.CACHES["default"]["KEY_PREFIX"] = prefix
