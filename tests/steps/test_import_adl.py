from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from lea.models import AuditEvent, Invitation
from steps.management.commands import import_adl
from steps.models import Engagement
from tests.conftest import World
from tests.steps.adl_files import csv_file, row


def run(world: World, path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_adl", str(path), "--year", "2024", "--actor", world.cde_admin.email, *args,
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "adl.csv"
    path.write_bytes(csv_file(row("0110017", "Bay Shore Unified", level="3")))
    return path


def test_it_applies_and_prints_counts_then_nothing_changed(
    world: World, cohorts: dict, good_file: Path
) -> None:
    first, _ = run(world, good_file)
    second, _ = run(world, good_file)

    assert first.startswith("Loaded 1 LEAs: LEAs created: 1, SELPAs created: 1,")
    assert second == import_adl.NOTHING_CHANGED + "\n"
    assert Engagement.objects.count() == 1


def test_it_prints_the_plan_per_lea_on_a_dry_run(
    world: World, cohorts: dict, good_file: Path
) -> None:
    out, _ = run(world, good_file, "--dry-run")

    lines = out.splitlines()
    assert lines[0].startswith("row 2, 0110017 Bay Shore Unified: create (new SELPA 4401")
    assert "starts Targeted 2024 with 17 activities, 9 required" in lines[0]
    assert lines[1].startswith(import_adl.DRY_RUN_DONE)
    assert not Engagement.objects.exists()


def test_it_prints_every_error_and_exits_with_status_1(
    world: World,
    cohorts: dict,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # run_from_argv closes every connection when it ends, which would end the test's
    # transaction; the command-line path is what sets the exit status, so keep it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_file(row("12", "Short Code"), row("0220022", "No Level", tier="Intensive", level=""))
    )
    events = AuditEvent.objects.count()

    with pytest.raises(SystemExit) as exit_info:
        import_adl.Command().run_from_argv(
            ["manage.py", "import_adl", str(path), "--year", "2024", "--actor",
             world.cde_admin.email]
        )  # fmt: skip

    assert exit_info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        'row 2, cds_code: A CDS code has 7 digits (district) or 14 digits (charter); "12" has 2.',
        "row 3, level: Targeted and Intensive LEAs need a level: 1, 2 or 3.",
        "CommandError: " + import_adl.HAS_ERRORS.format(count=2),
    ]
    assert AuditEvent.objects.count() == events


def test_it_refuses_a_missing_file_and_an_unknown_actor(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no file"):
        run(world, tmp_path / "nope.csv")
    (tmp_path / "x.csv").write_bytes(b"x")
    with pytest.raises(CommandError, match="There is no account"):
        call_command("import_adl", str(tmp_path / "x.csv"), "--year", "2024", "--actor", "a@b.c")


def test_it_loads_for_the_system_without_an_actor(
    world: World, cohorts: dict, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = tmp_path / "adl.csv"
    path.write_bytes(csv_file(row("0110017", "Bay Shore Unified", contact="pat@example.org")))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_adl", str(path), "--year", "2024", stdout=StringIO())

    invitation = Invitation.objects.get(email="pat@example.org")
    assert invitation.invited_by is None
    load = AuditEvent.objects.get(verb="adl.load")
    assert load.actor is None
    assert " system Annual determination letters loaded " in str(load)
    # The invitation email names the department when nobody in particular sent it.
    assert "The California Department of Education invited you" in mail.outbox[-1].body
