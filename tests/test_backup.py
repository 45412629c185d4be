"""Backup and restore (cim/backup.py, `make backup` / `make restore`): a dump of committed
data restored into a fresh database holds every LEA, submission version and audit row."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from cim import backup
from cim.models import ActivityDefinition
from lea.models import AuditEvent, Organization
from steps import services
from steps.models import ActivityRecord, SubmissionVersion
from tests.cim.catalog import load_2024
from tests.conftest import build_world
from tests.steps.engagements import start

PPR = "policies_procedures_review"


def _admin(db: dict[str, Any]) -> psycopg.Connection[Any]:
    """A connection to the server's `postgres` database, for CREATE / DROP DATABASE."""
    return backup._connect({**db, "NAME": "postgres"})


@pytest.fixture
def fresh_database() -> Iterator[dict[str, Any]]:
    """An empty database on the test server, dropped afterwards."""
    db = dict(connection.settings_dict)
    name = f"cim_restore_{secrets.token_hex(4)}"
    with _admin(db) as admin:
        admin.autocommit = True
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**db, "NAME": name}
    finally:
        with _admin(db) as admin:
            admin.autocommit = True
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _submit() -> None:
    """The world, an engagement and one submitted version (which writes audit rows)."""
    world = build_world()
    engagement = start(world.lea, load_2024()["targeted"], level=3)
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=PPR)
    services.record_save_answers(
        actor=world.lea_lead, record=record, expected_version=record.version,
        answers={"summary": "Board policy BP 6164.4 revised after the SRR."},
    )  # fmt: skip
    services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name="Casey Lead",
    )  # fmt: skip


def _ids(db: dict[str, Any], table: str, where: str = "") -> set[int]:
    with backup._connect(db) as conn:
        query = sql.SQL("SELECT id FROM {} ").format(sql.Identifier(table)) + sql.SQL(where)
        return {row[0] for row in conn.execute(query)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_into_a_fresh_database(
    tmp_path: Path, fresh_database: dict[str, Any]
) -> None:
    _submit()
    leas = set(Organization.objects.filter(kind=Organization.Kind.LEA).values_list("id", flat=True))
    versions = set(SubmissionVersion.objects.values_list("id", flat=True))
    audits = set(AuditEvent.objects.values_list("id", flat=True))
    assert len(leas) == 3
    assert versions
    assert audits

    path = backup.dump(connection.settings_dict, tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith("cim-")
    assert path.suffix == ".dump"
    assert path.read_bytes()[:5] == b"PGDMP"  # custom format
    assert path.stat().st_mode & 0o077 == 0
    assert not list(tmp_path.glob("*.partial"))

    backup.restore(fresh_database, path)

    org_table = Organization._meta.db_table
    assert _ids(fresh_database, org_table, "WHERE kind = 'lea'") == leas
    assert _ids(fresh_database, SubmissionVersion._meta.db_table) == versions
    assert _ids(fresh_database, AuditEvent._meta.db_table) == audits

    # A second restore into the now full database is refused, unless forced.
    with pytest.raises(backup.BackupError, match=r"not empty.*FORCE=1"):
        backup.restore(fresh_database, path)
    with backup._connect(fresh_database) as conn:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(AuditEvent._meta.db_table)))
    assert _ids(fresh_database, AuditEvent._meta.db_table) == set()
    backup.restore(fresh_database, path, force=True)
    assert _ids(fresh_database, AuditEvent._meta.db_table) == audits
    assert _ids(fresh_database, SubmissionVersion._meta.db_table) == versions


def test_restore_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupError, match="No such backup file"):
        backup.restore({"NAME": "unused"}, tmp_path / "missing.dump")


def test_no_fitting_client_is_said_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup, "clients", lambda tool: [backup.Client(15, Path("/pg15/bin"))])
    with pytest.raises(backup.BackupError, match=r"PostgreSQL 18.*pg_dump must be version 18"):
        backup.fitting_clients("pg_dump", 18)
    assert backup.fitting_clients("pg_dump", 15)[0].major == 15


def test_clients_are_chosen_nearest_at_or_above_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = [backup.Client(m, Path(f"/pg{m}/bin")) for m in (14, 15, 18)]
    monkeypatch.setattr(backup, "clients", lambda tool: found)
    assert [c.major for c in backup.fitting_clients("pg_restore", 15)] == [15, 18]
    assert [c.major for c in backup.fitting_clients("pg_restore", 16)] == [18]
