"""The frozen snapshot of an activity's content and the box-by-box diff of two snapshots."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pytest_django import DjangoDbBlocker

from lea.models import User
from steps import parts
from steps.merge import version_token
from steps.models import ActivityRecord, Engagement, Finding, ResolvedRequirement
from steps.models import TeamMember as Member
from steps.parts import plan as plan_part
from steps.parts.data_sources import DATA_SOURCES
from steps.parts.findings import FINDINGS
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.root_causes import ROOT_CAUSES
from steps.parts.team import TEAM_MEMBERS
from steps.services import (
    part_prioritization,
)
from steps.services.part_rows import part_row_add, part_row_remove
from steps.services.records import record_save_answers, record_set_aside
from steps.snapshot import activity_snapshot, snapshot_diff
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PARTS_OF = {
    "team_creation": ["team"],
    "data_drill_down": ["data_sources"],
    "consolidation": ["findings", "problem_areas"],
    "prioritization": ["prioritization"],
    "root_cause_analysis": ["root_causes"],
    "plan_for_improvement": ["plan"],
}
# Definition, engagement, cohort, determination and boxes (the form), then at most seven
# for the plan's rows, however many there are.
MAX_QUERIES = 12


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    """Fresh from the database: every write bumps the record's version."""
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def _write(engagement: Engagement, key: str) -> dict[str, Any]:
    record = _record(engagement, key)
    return {"record": record, "expected_version": record.version}


def _rows(engagement: Engagement, key: str) -> dict[str, Any]:
    """What a structured part's add service takes: the record and its version token."""
    record = _record(engagement, key)
    return {"record": record, "version": version_token(record)}


def _snapshot(engagement: Engagement, key: str) -> dict[str, Any]:
    return activity_snapshot(record=_record(engagement, key))


def _texts(snapshot: dict[str, Any]) -> dict[str, str]:
    return {entry["anchor"]: entry["text"] for entry in snapshot["entries"]}


def _labels(snapshot: dict[str, Any]) -> dict[str, str]:
    return {entry["anchor"]: entry["label"] for entry in snapshot["entries"]}


def _answer(actor: User, engagement: Engagement, key: str, **answers: object) -> None:
    record_save_answers(actor=actor, answers=answers, **_write(engagement, key))


def _member(actor: User, engagement: Engagement, name: str, **fields: Any) -> Member:
    values: dict[str, Any] = {"title": "", "role": "other", "email": ""}
    values |= {"is_lead": False, **fields}
    return part_row_add(
        rows=TEAM_MEMBERS, actor=actor, name=name, **values, **_rows(engagement, "team_creation")
    )


def _steps_1_and_2(actor: User, engagement: Engagement) -> dict[str, Any]:
    """A source, a strength, a weakness, a ranked problem area and its root cause, all
    written through the services."""
    source = part_row_add(
        rows=DATA_SOURCES, actor=actor, name="CALPADS Fall 1 census", education="special",
        kind="quantitative", area="placement",
        notes="Students with IEPs by setting, 2021-2024", **_rows(engagement, "data_drill_down"),
    )  # fmt: skip
    for kind, found, data in (
        (Finding.Kind.STRENGTH, "Strong attendance", "96% daily attendance"),
        (Finding.Kind.WEAKNESS, "Low inclusion", "41% in regular class 80% of the day"),
    ):
        part_row_add(
            rows=FINDINGS, actor=actor, kind=kind, area=found, supporting_data=data,
            **_rows(engagement, "consolidation"),
        )  # fmt: skip
    area = part_row_add(
        rows=PROBLEM_AREAS, actor=actor, description="Few students with IEPs in regular class",
        quantification="41% against a state target of 57%", relates_to_identification=True,
        sources=[source], **_rows(engagement, "consolidation"),
    )  # fmt: skip
    part_prioritization.prioritization_explore(
        actor=actor, problem_area=area, explore=True, **_rows(engagement, "prioritization")
    )
    cause = part_row_add(
        rows=ROOT_CAUSES, actor=actor, statement="Few co-teaching models", problem_areas=[area],
        qualitative_support="Teachers said they never plan together",
        quantitative_support="2 of 14 classrooms co-teach",
        **_rows(engagement, "root_cause_analysis"),
    )  # fmt: skip
    return {"source": source, "area": area, "cause": cause}


def _strategy(actor: User, engagement: Engagement, title: str, cause: Any) -> Any:
    """A strategy with its problem of practice, one activity, one outcome, one benchmark."""
    key = "plan_for_improvement"
    problem = part_row_add(
        rows=plan_part.PROBLEMS,
        actor=actor, statement=f"{title}: general educators plan alone", root_causes=[cause],
        **_rows(engagement, key),
    )  # fmt: skip
    strategy = part_row_add(
        rows=plan_part.STRATEGIES,
        actor=actor, title=title, description="Pairs of teachers in grades 3-5",
        problems_of_practice=[problem], **_rows(engagement, key),
    )  # fmt: skip
    part_row_add(
        rows=plan_part.ACTIVITIES,
        actor=actor, record=_record(engagement, key),
        strategy=strategy, description="Co-planning training",
        start_date=date(2025, 1, 6), end_date=date(2025, 3, 28),
        persons_responsible="Director of special education", resources="Title I funds",
        version=version_token(_record(engagement, key)),
    )  # fmt: skip
    outcome = part_row_add(
        rows=plan_part.OUTCOMES,
        actor=actor, record=_record(engagement, key),
        strategy=strategy, measure="Students with IEPs in regular class 80%",
        baseline_value=Decimal("41.00"), baseline_date=date(2024, 10, 1),
        target_value=Decimal("50.50"), target_date=date(2026, 6, 1),
        data_source="CALPADS", monitoring_frequency="Quarterly",
        version=version_token(_record(engagement, key)),
    )  # fmt: skip
    part_row_add(
        rows=plan_part.BENCHMARKS,
        actor=actor, record=_record(engagement, key),
        outcome=outcome, value=Decimal(45), date=date(2025, 6, 1),
        version=version_token(_record(engagement, key)),
    )  # fmt: skip
    return strategy


def test_it_gives_every_part_a_snapshot() -> None:
    for name in parts.PART_NAMES:
        assert callable(parts.part(name).snapshot), name


def test_it_snapshots_the_box_answers_as_a_person_reads_them(
    world: World, engagement: Engagement
) -> None:
    _answer(world.lea_lead, engagement, "parent_input", target_group="Parents of\r\nEL students")
    _answer(
        world.lea_lead, engagement, "data_drill_down", idc_tool_used="no",
        alt_reports_submitted_to="FMTA_consultant_cc_TargetedMonitoring",
        alt_reports_submission_date="2024-11-05", findings_summary="  ",
    )  # fmt: skip

    parent_input = _snapshot(engagement, "parent_input")
    assert {key: parent_input[key] for key in ("key", "name", "step", "requirement", "status")} == {
        "key": "parent_input", "name": parent_input["name"], "step": 1,
        "requirement": ResolvedRequirement.REQUIRED, "status": ActivityRecord.Status.IN_PROGRESS,
    }  # fmt: skip
    assert _labels(parent_input)["field:target_group"] == "Box 7 · Target group"
    assert _texts(parent_input)["field:target_group"] == "Parents of\nEL students"
    assert _texts(parent_input)["field:trends"] == ""
    drill_down = _texts(_snapshot(engagement, "data_drill_down"))
    assert drill_down["field:idc_tool_used"] == "No"
    assert drill_down["field:alt_reports_submitted_to"] == (
        "CDE FMTA consultant, copy to TargetedMonitoring@cde.ca.gov"
    )
    assert drill_down["field:alt_reports_submission_date"] == "November 5, 2024"
    assert drill_down["field:findings_summary"] == ""


def test_it_snapshots_the_boxes_in_the_order_of_the_form(
    world: World, engagement: Engagement
) -> None:
    member = _member(world.lea_lead, engagement, "Ana Ruiz")
    rows = _steps_1_and_2(world.lea_lead, engagement)
    strategy = _strategy(world.lea_lead, engagement, "Co-teaching", rows["cause"])

    team = [entry["anchor"] for entry in _snapshot(engagement, "team_creation")["entries"]]
    assert team == [f"team:{member.pk}", "field:exception_explanation"]
    drill_down = [entry["anchor"] for entry in _snapshot(engagement, "data_drill_down")["entries"]]
    assert drill_down[0] == f"data_sources:{rows['source'].pk}"
    assert drill_down[1:3] == ["field:idc_tool_used", "field:alt_reports_generated"]
    plan = [entry["anchor"] for entry in _snapshot(engagement, "plan_for_improvement")["entries"]]
    assert plan[:6] == [
        "field:plan_link", "field:date_emailed_to_consultant", "field:consultant_name",
        "field:consultant_email", "field:date_copy_emailed_to_targetedmonitoring",
        "field:submitter_typed_name",
    ]  # fmt: skip
    assert plan[7] == f"plan:strategy-{strategy.pk}"
    assert plan[6].startswith("plan:problem-")
    assert plan[8].startswith("plan:activity-")
    assert plan[9].startswith("plan:outcome-")


def test_it_leaves_boxes_27_and_28_out_of_a_level_1_plan(world: World) -> None:
    """Level 1 and 2 LEAs document the plan to their SELPA; the Stepwell boxes 27-28 (and so
    the plan's PDF, drawn from this snapshot) are Level 3's."""
    engagement = start(world.lea, load_2024()["targeted"], level=1)
    anchors = [
        entry["anchor"] for entry in _snapshot(engagement, "plan_for_improvement")["entries"]
    ]
    assert anchors
    assert not [anchor for anchor in anchors if anchor.startswith("field:")]


def test_it_snapshots_the_team(world: World, engagement: Engagement) -> None:
    lead = _member(
        world.lea_lead, engagement, "Ana Ruiz", title="Director",
        role="special_ed_admin", email="ana@example.org", is_lead=True,
    )  # fmt: skip
    other = _member(world.lea_lead, engagement, "Bo Chen")

    snapshot = _snapshot(engagement, "team_creation")
    assert _texts(snapshot)[f"team:{lead.pk}"] == (
        "Ana Ruiz, Director — LEA-level special education administration <ana@example.org> "
        "(team lead)"
    )
    assert _texts(snapshot)[f"team:{other.pk}"] == "Bo Chen — Other member"
    assert _labels(snapshot)[f"team:{other.pk}"] == "Box 1 · Team member 2"


def test_it_snapshots_steps_1_and_2(world: World, engagement: Engagement) -> None:
    rows = _steps_1_and_2(world.lea_lead, engagement)
    source, area, cause = rows["source"], rows["area"], rows["cause"]

    drill_down = _texts(_snapshot(engagement, "data_drill_down"))
    assert drill_down[f"data_sources:{source.pk}"] == (
        "CALPADS Fall 1 census\nSpecial education · Quantitative · Placement (LRE)\n"
        "Notes: Students with IEPs by setting, 2021-2024"
    )
    consolidation = _snapshot(engagement, "consolidation")
    labels = list(_labels(consolidation).values())
    assert labels == ["Box 13 · Area of strength 1", "Box 14 · Area of weakness 1",
                      "Box 15 · Problem area 1"]  # fmt: skip
    texts = list(_texts(consolidation).values())
    assert texts[0] == "Strong attendance\nSupporting data: 96% daily attendance"
    assert texts[2] == (
        "Few students with IEPs in regular class\n"
        "Quantification: 41% against a state target of 57%\n"
        "Relates to the LEA's identification: Yes\n"
        "Data sources:\n- CALPADS Fall 1 census"
    )
    assert _texts(_snapshot(engagement, "prioritization")) == {
        "prioritization:ranking": "1. Few students with IEPs in regular class\n"
        "   Quantification: 41% against a state target of 57%",
        "prioritization:explore": "1. Few students with IEPs in regular class",
    }
    assert _texts(_snapshot(engagement, "root_cause_analysis")) == {
        f"root_causes:{cause.pk}": "Few co-teaching models\n"
        "Problem areas it explains:\n- Few students with IEPs in regular class\n"
        "Qualitative supporting data: Teachers said they never plan together\n"
        "Quantitative supporting data: 2 of 14 classrooms co-teach",
    }
    assert area.pk  # the ranked area is the one Box 15 lists


def test_it_snapshots_the_plan(world: World, engagement: Engagement) -> None:
    rows = _steps_1_and_2(world.lea_lead, engagement)
    strategy = _strategy(world.lea_lead, engagement, "Co-teaching", rows["cause"])

    snapshot = _snapshot(engagement, "plan_for_improvement")
    plan = {e["label"]: e["text"] for e in snapshot["entries"] if e["anchor"].startswith("plan")}
    assert plan == {
        "Plan · Problem of practice 1": "Co-teaching: general educators plan alone\n"
        "Root causes it comes from:\n- Few co-teaching models",
        "Plan · Strategy 1": "Co-teaching\nPairs of teachers in grades 3-5\n"
        "Problems of practice it addresses:\n- Co-teaching: general educators plan alone",
        "Plan · Strategy 1 · Activity 1": "Co-planning training\n"
        "Timeline: January 6, 2025 to March 28, 2025\n"
        "Persons responsible: Director of special education\nResources: Title I funds",
        "Plan · Strategy 1 · Outcome 1": "Students with IEPs in regular class 80%\n"
        "Baseline: 41 on October 1, 2024\nBenchmarks:\n- 45 by June 1, 2025\n"
        "Target: 50.5 by June 1, 2026\nData source: CALPADS\nMonitoring frequency: Quarterly",
    }
    assert f"plan:strategy-{strategy.pk}" in _texts(snapshot)


def test_it_keeps_an_empty_part_as_one_entry_to_comment_on(engagement: Engagement) -> None:
    empty = {key: _texts(_snapshot(engagement, key)) for key in PARTS_OF}
    assert empty["team_creation"]["team"] == ""
    assert empty["consolidation"]["findings:strength"] == ""
    assert empty["consolidation"]["findings:weakness"] == ""
    assert empty["consolidation"]["problem_areas"] == ""
    assert empty["prioritization"] == {"prioritization:ranking": "", "prioritization:explore": ""}
    assert empty["root_cause_analysis"] == {"root_causes": ""}
    assert empty["plan_for_improvement"]["plan:problems"] == ""
    assert empty["plan_for_improvement"]["plan:strategies"] == ""


def test_it_leaves_out_the_content_of_an_activity_set_aside(
    world: World, engagement: Engagement
) -> None:
    optional = ActivityRecord.objects.filter(
        engagement=engagement, requirement=ResolvedRequirement.OPTIONAL
    ).first()
    assert optional is not None
    record_set_aside(actor=world.lea_lead, record=optional, expected_version=optional.version)

    snapshot = _snapshot(engagement, optional.definition.key)
    assert snapshot["status"] == ActivityRecord.Status.MARKED_NA
    assert snapshot["entries"] == []


def test_it_is_plain_json(world: World, engagement: Engagement) -> None:
    rows = _steps_1_and_2(world.lea_lead, engagement)
    _strategy(world.lea_lead, engagement, "Co-teaching", rows["cause"])
    _answer(world.lea_lead, engagement, "data_drill_down", idc_tool_used="yes")
    records = ActivityRecord.objects.filter(engagement=engagement).select_related("definition")
    snapshots = [activity_snapshot(record=record) for record in records]

    assert json.loads(json.dumps(snapshots)) == snapshots
    for snapshot in snapshots:
        anchors = [entry["anchor"] for entry in snapshot["entries"]]
        assert len(anchors) == len(set(anchors)), snapshot["key"]


def test_it_marks_what_changed_box_by_box(world: World, engagement: Engagement) -> None:
    keys = ("team_creation", "parent_input")
    kept = _member(world.lea_lead, engagement, "Ana Ruiz")
    gone = _member(world.lea_lead, engagement, "Bo Chen")
    _answer(world.lea_lead, engagement, "parent_input", target_group="Parents", trends="Up")
    first = [_snapshot(engagement, key) for key in keys]

    gone_anchor = f"team:{gone.pk}"
    part_row_remove(
        rows=TEAM_MEMBERS, actor=world.lea_lead, record=gone.record, row=gone,
        version=version_token(_record(engagement, "team_creation")),
    )  # fmt: skip
    added = _member(world.lea_lead, engagement, "Cy Diaz")
    _answer(world.lea_lead, engagement, "parent_input", target_group="Parents of EL students")
    diff = snapshot_diff(first, [_snapshot(engagement, key) for key in keys])

    assert [activity["key"] for activity in diff] == list(keys)
    team = {row["anchor"]: row for row in diff[0]["entries"]}
    assert list(team) == [f"team:{kept.pk}", gone_anchor, f"team:{added.pk}",
                          "field:exception_explanation"]  # fmt: skip
    assert team[f"team:{kept.pk}"]["changed"] is False
    assert team[gone_anchor] == {
        "anchor": gone_anchor, "label": "Box 1 · Team member 2",
        "old": "Bo Chen — Other member", "new": None, "changed": True,
    }  # fmt: skip
    assert team[f"team:{added.pk}"]["old"] is None
    assert team[f"team:{added.pk}"]["changed"] is True
    answers = {row["anchor"]: row for row in diff[1]["entries"]}
    assert answers["field:target_group"] == {
        "anchor": "field:target_group", "label": "Box 7 · Target group",
        "old": "Parents", "new": "Parents of EL students", "changed": True,
    }  # fmt: skip
    assert answers["field:trends"]["changed"] is False
    assert answers["field:trends"]["old"] == answers["field:trends"]["new"] == "Up"


def test_it_marks_nothing_changed_without_an_earlier_snapshot(
    world: World, engagement: Engagement
) -> None:
    _member(world.lea_lead, engagement, "Ana Ruiz")
    diff = snapshot_diff(None, [_snapshot(engagement, "team_creation")])
    assert diff[0]["entries"]
    assert all(row["old"] is None and not row["changed"] for row in diff[0]["entries"])


def test_it_marks_every_entry_of_an_activity_new_to_the_submission_as_added(
    engagement: Engagement,
) -> None:
    diff = snapshot_diff([], [_snapshot(engagement, "parent_input")])
    assert all(row["old"] is None and row["changed"] for row in diff[0]["entries"])


def test_it_puts_a_removed_entry_where_it_was() -> None:
    def snap(*anchors: str) -> list[dict[str, Any]]:
        entries = [{"anchor": a, "label": a.upper(), "text": a} for a in anchors]
        return [{"key": "k", "name": "K", "entries": entries}]

    diff = snapshot_diff(snap("a", "b", "c", "d"), snap("b", "x", "d"))
    rows = [(row["anchor"], row["old"], row["new"], row["changed"]) for row in diff[0]["entries"]]
    assert rows == [
        ("a", "a", None, True),
        ("b", "b", "b", False),
        ("c", "c", None, True),
        ("x", None, "x", True),
        ("d", "d", "d", False),
    ]


def _grow(actor: User, engagement: Engagement, rows: dict[str, Any], number: int) -> None:
    """One more row in every part."""
    _member(actor, engagement, f"Member {number}", email=f"m{number}@example.org")
    part_row_add(
        rows=FINDINGS, actor=actor, kind=Finding.Kind.WEAKNESS, area=f"Weakness {number}",
        supporting_data="Numbers", **_rows(engagement, "consolidation"),
    )  # fmt: skip
    area = part_row_add(
        rows=PROBLEM_AREAS, actor=actor, description=f"Area {number}", quantification="12%",
        relates_to_identification=False, sources=[rows["source"]],
        **_rows(engagement, "consolidation"),
    )  # fmt: skip
    cause = part_row_add(
        rows=ROOT_CAUSES,
        actor=actor, statement=f"Cause {number}", problem_areas=[area, rows["area"]],
        **_rows(engagement, "root_cause_analysis"),
    )  # fmt: skip
    _strategy(actor, engagement, f"Strategy {number}", cause)


def test_it_reads_an_activity_in_a_bounded_number_of_queries(
    world: World, engagement: Engagement, django_assert_max_num_queries: Any
) -> None:
    rows = _steps_1_and_2(world.lea_lead, engagement)
    for numbers in (range(1), range(1, 4)):
        for number in numbers:
            _grow(world.lea_lead, engagement, rows, number)
        for key in PARTS_OF:
            record = _record(engagement, key)
            with django_assert_max_num_queries(MAX_QUERIES):
                snapshot = activity_snapshot(record=record)
            assert snapshot["entries"], key
