from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cim.models import Cohort
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
        *harbor, "Intensive,2,1,team_creation,required,not_started,2024-07-10,CDE"
    )
    assert lines[16:19] == [
        line(*riverbend, "Targeted,2,1,team_creation,required,not_started,2024-07-10,SELPA"),
        line(*riverbend, "Targeted,2,1,educational_partner_group,not_applicable,not_started,,"),
        line(*riverbend, "Targeted,2,1,policies_procedures_review,optional,not_started,,CDE"),
    ]
    assert lines[-1] == line(
        *riverbend, "Targeted,2,4,monitoring_implementation,required,not_started,,SELPA"
    )


def test_it_writes_only_the_header_for_a_year_without_engagements(world: World) -> None:
    assert export("--year", "2030") == HEADER + "\n"


def test_it_requires_the_year() -> None:
    with pytest.raises(CommandError, match="--year"):
        call_command("export_status")
