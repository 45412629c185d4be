"""`migrate` sets a database up with every catalog shipped with the code: a new database
never lacks them, and running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db.migrations.executor import MigrationExecutor

from cim import services
from cim.models import ActivityDefinition, Cohort, StepwellBox
from lea.models import AuditEvent, AuditVerb

pytestmark = pytest.mark.django_db


def test_it_finds_the_shipped_catalog_files() -> None:
    assert 2024 in services.shipped_catalog_years()
    assert all(
        (services.CATALOG_DIR / f"{year}.json").is_file()
        for year in services.shipped_catalog_years()
    )


def test_migrate_loads_every_shipped_catalog(no_catalog: None) -> None:
    call_command("migrate", verbosity=0)

    years = set(Cohort.objects.values_list("year__year", flat=True))
    assert years == set(services.shipped_catalog_years())
    assert Cohort.objects.filter(year__year=2024).count() == 2
    assert ActivityDefinition.objects.filter(progress_reports=True).count() == 2
    assert StepwellBox.objects.filter(fields__contains=[{"name": "members"}]).count() == 2


def test_migrate_again_changes_nothing(cohorts: dict[str, Cohort]) -> None:
    call_command("migrate", verbosity=0)

    assert not AuditEvent.objects.filter(verb=AuditVerb.CATALOG_LOAD).exists()


def test_a_flush_leaves_the_database_empty(no_catalog: None) -> None:
    # `flush` sends post_migrate without a migration plan: what it emptied stays empty.
    emit_post_migrate_signal(0, False, "default")

    assert not Cohort.objects.exists()


def test_a_database_migrated_to_an_earlier_state_is_left_alone(
    no_catalog: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `migrate cim 0009` later migrations are left to apply, and the loader's
    tables may not be there yet."""
    emit_post_migrate_signal(0, False, "default", plan=[])
    assert Cohort.objects.exists()  # migrated all the way: loaded
    Cohort.objects.all().delete()

    # What the executor plans: (migration, backwards) pairs still to apply.
    left = [("cim.0010_progress_report_activity", False)]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda *args, **kwargs: left)
    emit_post_migrate_signal(0, False, "default", plan=[])

    assert not Cohort.objects.exists()
