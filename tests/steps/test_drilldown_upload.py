"""The Data Drill Down upload service (steps/services/drilldown.py)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection

from cim import drilldown_rules as drilldown_rules_module
from lea.models import AuditEvent
from steps.drilldown import FILE_EMPTY, drilldown_limits
from steps.models import DrillDown, Engagement
from steps.services.drilldown import DrilldownRefused, drilldown_upload
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.drilldown_files import HAND
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagement(world: World) -> Engagement:
    return start(world.lea, load_2024()["targeted"], level=1)


def upload(user, engagement: Engagement, content: bytes = HAND.encode()) -> DrillDown:
    return drilldown_upload(
        actor=user, engagement=engagement, file=ContentFile(content, name="extract.csv")
    )


def test_it_keeps_the_tables_the_hash_and_who_uploaded(world: World, engagement) -> None:
    made = upload(world.lea_member, engagement)
    made.refresh_from_db()
    assert (made.engagement, made.year, made.row_count, made.uploaded_by) == (
        engagement, 2024, 8, world.lea_member,
    )  # fmt: skip
    assert len(made.file_sha256) == 64
    overall = {(row["measure"], row["dimension"]): row for row in made.tables}
    assert overall[("suspended_over_10", "all")]["numerator"] == 2
    event = AuditEvent.objects.get(verb="drilldown.upload")
    assert (event.actor, event.organization, event.changes["rows"]) == (
        world.lea_member, world.lea, [None, 8],
    )  # fmt: skip


def test_it_is_for_the_lea_team_only(world: World, engagement) -> None:
    assert upload(world.lea_lead, engagement).pk
    for user in (world.selpa_reviewer, world.cde_admin, world.foreign_lea_lead, world.outsider):
        with pytest.raises(PermissionDenied):
            upload(user, engagement)
    assert DrillDown.objects.count() == 1


def test_it_refuses_a_bad_file_and_keeps_nothing(world: World, engagement) -> None:
    with pytest.raises(DrilldownRefused) as refused:
        upload(world.lea_lead, engagement, b"")
    assert refused.value.messages == [f"row 1, file: {FILE_EMPTY}"]
    bad = HAND.replace("s2,Oak,tk", "s1,Oak,tk").encode()
    with pytest.raises(DrilldownRefused) as refused:
        upload(world.lea_lead, engagement, bad)
    assert [(i.row, i.column) for i in refused.value.issues] == [(3, "student_key")]
    assert not DrillDown.objects.exists()
    assert not AuditEvent.objects.filter(verb="drilldown.upload").exists()


def test_it_refuses_a_file_over_the_size_bound_before_reading_it(
    world: World, engagement, settings
) -> None:
    settings.DRILLDOWN_MAX_BYTES = 100
    assert drilldown_limits().max_bytes == 100
    with pytest.raises(DrilldownRefused) as refused:
        upload(world.lea_lead, engagement)
    assert refused.value.messages == ["row 1, file: " + refused.value.issues[0].message]
    assert "100 bytes" in refused.value.messages[0]


def test_it_needs_the_year_rules_in_the_catalog(
    world: World, engagement, monkeypatch, tmp_path
) -> None:
    monkeypatch.setattr(drilldown_rules_module, "RULES_DIR", tmp_path)
    drilldown_rules_module.drilldown_rules.cache_clear()
    try:
        with pytest.raises(ValidationError) as refused:
            upload(world.lea_lead, engagement)
    finally:
        drilldown_rules_module.drilldown_rules.cache_clear()
    assert refused.value.messages == [drilldown_rules_module.NO_RULES.format(year=2024)]
    assert not DrillDown.objects.exists()


def test_it_writes_no_student_value_anywhere_in_the_database(world: World, engagement) -> None:
    keys = [f"stu-{n:04d}-private" for n in range(1, 9)]
    content = HAND
    for number, key in enumerate(keys, start=1):
        content = content.replace(f"\ns{number},", f"\n{key},")
    made = upload(world.lea_lead, engagement, content.encode())
    # The stored JSON holds only counts per group.
    for row in made.tables:
        assert set(row) == {
            "measure", "dimension", "group", "numerator", "denominator", "risk_ratio",
            "flagged",
        }  # fmt: skip
    assert not any(key in json.dumps(made.tables) for key in keys)
    # And no table of the database holds a student's key.
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            for key in keys:
                cursor.execute(
                    f"SELECT 1 FROM {table} AS t WHERE t::text LIKE %s LIMIT 1",  # noqa: S608
                    [f"%{key}%"],
                )
                assert cursor.fetchone() is None, (model._meta.db_table, key)
