"""Retiring the pages cached on the data (lea/data_version.py) is its own call, made by
the services whose changes those pages show; recording an audit event alone does not."""

from typing import Any

import pytest

from lea import data_version, services
from lea.models import AuditEvent, AuditVerb
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_change_retires_the_token_at_once_and_again_on_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = data_version.current()
    assert data_version.current() == before
    with django_capture_on_commit_callbacks(execute=True):
        data_version.changed()
        during = data_version.current()
        assert during != before
    assert data_version.current() not in (before, during)


def test_recording_an_event_alone_keeps_the_cached_pages(world: World) -> None:
    before = data_version.current()
    services.audit(actor=world.cde_admin, verb=AuditVerb.ACTIVITY_SAVE)
    services.audit_many([services.audit_event(actor=world.cde_admin, verb=AuditVerb.ACTIVITY_SAVE)])
    assert data_version.current() == before


def test_a_service_that_changes_what_the_pages_show_retires_them(world: World) -> None:
    before = data_version.current()
    services.user_set_active(actor=world.cde_admin, user=world.lea_member, active=False)
    assert data_version.current() != before


def test_a_write_succeeds_with_the_cache_server_down(world: World, settings: Any) -> None:
    # Nothing listens on port 1: a real connection that really fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    services.user_set_active(actor=world.cde_admin, user=world.lea_member, active=False)
    assert AuditEvent.objects.filter(verb=AuditVerb.USER_DEACTIVATE).exists()
