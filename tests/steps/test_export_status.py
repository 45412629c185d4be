"""The status CSV (manage.py export_status and the CIM status page's download): the
state's words in every column, as the page shows them, never the database's codes."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cim.models import Cohort
from steps import queues
from steps.models import ActivityRecord, ResolvedRequirement
from steps.selectors import StatusRow
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

HEADER = "cds_code,lea_name,tier,level,step,activity,requirement,status,due_date,review_by"


def line(*cells: str) -> str:
    return ",".join(cells)


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_status", *args, stdout=out)
    return out.getvalue()


def test_it_writes_every_engagement_of_the_year_as_csv(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    start(world.foreign_lea, cohorts["intensive"], level=2)
    start(world.lea, cohorts["targeted"], level=2)

    lines = export("--year", "2024").splitlines()

    assert lines[0] == HEADER
    assert len(lines) == 1 + 15 + 17
    # Harbor View (foreign, Intensive) sorts before Riverbend (Targeted).
    harbor, riverbend = (
        (world.foreign_lea.code, "Harbor View Unified"),
        (world.lea.code, "Riverbend Unified"),
    )
    assert lines[1] == line(
        *harbor, "Intensive,2,1,CIM Team Creation,Required,Not started,2024-07-10,CDE"
    )
    assert lines[16:19] == [
        line(*riverbend, "Targeted,2,1,CIM Team Creation,Required,Not started,2024-07-10,SELPA"),
        line(
            *riverbend,
            "Targeted,2,1,Educational Partner Group,Not applicable,Not required of this LEA,,",
        ),
        line(
            *riverbend,
            "Targeted,2,1,Policies and Procedures Review (PPR),Optional,"
            '"Optional, not started",,CDE',
        ),
    ]
    assert lines[-1] == line(
        *riverbend,
        "Targeted,2,4,Implementation and Monitoring (progress reports),Required,Not started,,SELPA",
    )


def test_it_writes_only_the_header_for_a_year_without_engagements(world: World) -> None:
    assert export("--year", "2030") == HEADER + "\n"


def test_it_requires_the_year() -> None:
    with pytest.raises(CommandError, match="--year"):
        call_command("export_status")


def test_no_column_holds_a_code(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=2)
    engagement.records.filter(definition__key="policies_procedures_review").update(
        status=ActivityRecord.Status.MARKED_NA
    )
    engagement.records.filter(definition__key="team_creation").update(
        status=ActivityRecord.Status.RETURNED
    )
    codes = {
        *ActivityRecord.Status.values,
        *ResolvedRequirement.values,
        *engagement.cohort.activities.values_list("key", flat=True),
    }

    rows = list(csv.DictReader(StringIO(export("--year", "2024"))))

    assert {cell for row in rows for cell in row.values()}.isdisjoint(codes)
    by_activity = {row["activity"]: row for row in rows}
    assert by_activity["Policies and Procedures Review (PPR)"]["status"] == "Set aside"
    assert by_activity["CIM Team Creation"]["status"] == "Returned"


def test_it_keeps_spreadsheet_formulas_out_of_the_csv() -> None:
    row = StatusRow(
        cds_code="0110017", lea_name="=HYPERLINK(1)", tier="Targeted", level=None, step=1,
        activity="team_creation", requirement="required", status="not_started", due_date="",
        review_by="", activity_name="CIM Team Creation",
    )  # fmt: skip

    line = queues.status_csv([row]).splitlines()[1]

    assert line == "0110017,'=HYPERLINK(1),Targeted,,1,CIM Team Creation,Required,Not started,,"
