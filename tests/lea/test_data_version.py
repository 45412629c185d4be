"""Every audited write retires the pages cached on the data (lea/data_version.py)."""

from typing import Any

import pytest

from lea import data_version, services
from lea.models import AuditEvent
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_an_audited_write_changes_the_token_at_once_and_again_on_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = data_version.current()
    assert data_version.current() == before
    with django_capture_on_commit_callbacks(execute=True):
        services.audit(actor=world.cde_admin, verb="test.change")
        during = data_version.current()
        assert during != before
    assert data_version.current() not in (before, during)


def test_many_audited_writes_at_once_change_the_token(world: World) -> None:
    before = data_version.current()
    services.audit_many([services.audit_event(actor=world.cde_admin, verb="test.change")])
    assert data_version.current() != before


def test_a_write_succeeds_with_the_cache_server_down(world: World, settings: Any) -> None:
    # Nothing listens on port 1: a real connection that really fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    services.audit(actor=world.cde_admin, verb="test.change")
    assert AuditEvent.objects.filter(verb="test.change").exists()
