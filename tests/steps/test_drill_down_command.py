"""`manage.py drill_down` (steps/management/commands/drill_down.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cim.models import Cohort
from steps.drilldown import KEY_TWICE
from steps.drilldown_privacy import CSV_COLUMNS
from steps.models import DrillDown, Engagement
from tests.conftest import World
from tests.steps.drilldown_files import HAND, many, rows_csv
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagement(world: World, cohorts: dict[str, Cohort]) -> Engagement:
    return start(world.lea, cohorts["targeted"], level=1)


def _run(path: Path, code: str, **options: object) -> str:
    out = io.StringIO()
    call_command("drill_down", str(path), cds_code=code, year=2024, stdout=out, **options)
    return out.getvalue()


def test_it_writes_the_tables_that_leave_the_team(world: World, engagement, tmp_path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_bytes(rows_csv(many(40) + many(3, race_ethnicity="asian", days_suspended=11)))
    rows = list(csv.DictReader(io.StringIO(_run(extract, world.lea.code))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_key = {(r["measure"], r["dimension"], r["group"]): r for r in rows}
    assert by_key[("suspended_over_10", "all", "all")] == {
        "measure": "suspended_over_10", "dimension": "all", "group": "all", "numerator": "3",
        "denominator": "43", "rate": "0.0698", "risk_ratio": "", "suppressed": "no",
    }  # fmt: skip
    # Asian (3) is hidden, and white, the only other group, with it.
    for group in ("asian", "white"):
        row = by_key[("suspended_over_10", "race_ethnicity", group)]
        assert (row["numerator"], row["denominator"], row["rate"], row["suppressed"]) == (
            "", "", "", "yes",
        )  # fmt: skip
    stored = DrillDown.objects.get()
    assert (stored.engagement, stored.uploaded_by, stored.row_count) == (engagement, None, 43)


def test_it_writes_to_a_file(world: World, engagement, tmp_path) -> None:
    extract, out = tmp_path / "extract.csv", tmp_path / "tables.csv"
    extract.write_text(HAND, encoding="utf-8")
    assert "8 students read" in _run(extract, world.lea.code, csv=str(out))
    assert out.read_text(encoding="utf-8").startswith(",".join(CSV_COLUMNS))


def test_it_lists_the_problems_and_keeps_nothing(world: World, engagement, tmp_path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(HAND.replace("s2,Oak,tk", "s1,Oak,tk"), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("drill_down", str(extract), cds_code=world.lea.code, year=2024, stderr=err)
    assert KEY_TWICE.format(row=2) in err.getvalue()
    assert not DrillDown.objects.exists()


def test_it_needs_an_lea_in_cim_that_year(world: World, engagement, tmp_path) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_text(HAND, encoding="utf-8")
    with pytest.raises(CommandError, match="No LEA"):
        _run(extract, world.foreign_lea.code)
    with pytest.raises(CommandError, match="no file"):
        _run(tmp_path / "missing.csv", world.lea.code)
