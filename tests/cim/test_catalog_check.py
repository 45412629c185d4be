"""A broken catalog file is refused whole: every problem named with the file, the key and
the reason, and nothing of it loaded."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError

from cim import services
from cim.admin import StepwellBoxForm
from cim.catalog_check import (
    NO_SUCH_LEVEL,
    NO_SUCH_STEP,
    NOT_A_NARRATIVE,
    NOT_A_PROGRESS_ACTIVITY,
    NOT_AN_ANSWER,
    NOT_AN_ITEM_CHOICE_LIST,
    NOT_AN_ITEM_FIELD,
    SECOND_PART,
    SECOND_PROGRESS_ACTIVITY,
    UNKNOWN_ACTIVITY,
    UNKNOWN_ANSWER,
    UNKNOWN_CONDITION,
    UNKNOWN_KEY,
)
from cim.catalog_words import CatalogError
from cim.conditions import CONDITIONS
from cim.models import ActivityDefinition, Cohort, StepwellBox
from cim.models.catalog import ACTIVITY_PARTS_SHAPE, REPORT_NARRATIVES

CATALOG = services.catalog_data(year=2024)


def _broken() -> dict[str, Any]:
    """The 2024 catalog as a 2030 file with an unknown rule, a box on Level 4, a condition
    naming an unknown fact and a box on an activity the cohort lacks."""
    data = copy.deepcopy(CATALOG)
    data["year"] = 2030
    targeted = data["cohorts"][0]
    targeted["key"] = "targeted_2030"
    parent_input = next(a for a in targeted["activities"] if a["key"] == "parent_input")
    parent_input["levels"]["2"]["requires_if"] = "indicator 8"
    parent_input["levels"]["1"]["condition"] = "indicator_9_unmet"
    box = next(b for b in targeted["stepwell_boxes"] if b["number"] == 27)
    box["levels"] = [3, 4]
    box["activity"] = "plan_for_improvment"
    data["cohorts"] = [targeted]
    return data


def _reasons(error: CatalogError) -> dict[str, str]:
    return {problem.key: problem.reason for problem in error.problems}


@pytest.mark.django_db
def test_it_names_every_problem_with_its_key_and_reason(world: object) -> None:
    with pytest.raises(CatalogError) as refused:
        services.catalog_load(actor=None, data=_broken(), source="2030.json")

    where = "cohorts[targeted_2030]"
    rule = f"{where}.activities[parent_input].levels"
    reasons = _reasons(refused.value)
    assert reasons[f"{rule}[2].requires_if"].startswith(UNKNOWN_KEY.split(":")[0])
    assert reasons[f"{rule}[1].condition"] == UNKNOWN_CONDITION.format(
        value="indicator_9_unmet", known=", ".join(CONDITIONS)
    )
    assert reasons[f"{where}.stepwell_boxes[27].levels"] == NO_SUCH_LEVEL.format(value=4)
    assert reasons[f"{where}.stepwell_boxes[27].activity"] == UNKNOWN_ACTIVITY.format(
        value="plan_for_improvment"
    )
    lines = str(refused.value).splitlines()
    assert len(lines) == 4
    assert all(line.startswith("2030.json: cohorts[targeted_2030].") for line in lines)


@pytest.mark.django_db
def test_it_loads_nothing_of_a_refused_file(world: object) -> None:
    before = (ActivityDefinition.objects.count(), StepwellBox.objects.count())
    with pytest.raises(CatalogError):
        services.catalog_load(actor=None, data=_broken(), source="2030.json")

    assert not Cohort.objects.filter(key="targeted_2030").exists()
    assert (ActivityDefinition.objects.count(), StepwellBox.objects.count()) == before


@pytest.mark.django_db
def test_it_refuses_an_unknown_top_level_key_and_a_level_that_does_not_exist(
    world: object,
) -> None:
    data = _broken()
    data["cohorts"][0]["activities"][0]["levels"]["4"] = {"requirement": "required"}
    data["deadline_rules"] = []

    with pytest.raises(CatalogError) as refused:
        services.catalog_load(actor=None, data=data, source="2030.json")

    reasons = _reasons(refused.value)
    assert "deadline_rules" in reasons
    assert reasons["cohorts[targeted_2030].activities[team_creation].levels"] == (
        NO_SUCH_LEVEL.format(value="4")
    )


@pytest.mark.django_db
def test_the_command_prints_each_problem_with_the_file(
    world: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "2030.json").write_text(json.dumps(_broken()), encoding="utf-8")
    monkeypatch.setattr(services, "CATALOG_DIR", tmp_path)

    with pytest.raises(CommandError) as refused:
        call_command("load_catalog", "--year", "2030")

    lines = str(refused.value).splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"{tmp_path / '2030.json'}: cohorts[") for line in lines)
    assert not Cohort.objects.filter(key="targeted_2030").exists()


def _box(cohort: dict[str, Any], number: int) -> dict[str, Any]:
    return next(box for box in cohort["stepwell_boxes"] if box["number"] == number)


def _field(box: dict[str, Any], name: str) -> dict[str, Any]:
    return next(field for field in box["fields"] if field["name"] == name)


def _activity(cohort: dict[str, Any], key: str) -> dict[str, Any]:
    return next(activity for activity in cohort["activities"] if activity["key"] == key)


@pytest.mark.django_db
def test_it_refuses_the_rules_of_box_fields_it_cannot_apply(world: object) -> None:
    """A field condition naming an answer the box does not ask (an unknown fact), or an
    answer that field cannot have; an unknown field rule; a part's choices for an item
    field that does not exist, or without words."""
    data = copy.deepcopy(CATALOG)
    data["year"] = 2030
    targeted = data["cohorts"][0]
    targeted["key"] = "targeted_2030"
    data["cohorts"] = [targeted]
    drill_down = _box(targeted, 10)
    _field(drill_down, "alt_reports_generated")["condition"]["answer"] = "idc_used"
    _field(drill_down, "alt_reports_submitted_to")["condition"]["is"] = "maybe"
    members = _field(_box(targeted, 1), "members")
    members["required_roles"] = ["superintendent"]
    members["item_choices"]["department"] = [{"value": "sped", "label": "Special education"}]
    members["item_choices"]["role"][0] = {"value": "superintendent"}

    with pytest.raises(CatalogError) as refused:
        services.catalog_load(actor=None, data=data, source="2030.json")

    box10 = "cohorts[targeted_2030].stepwell_boxes[10].fields"
    box1 = "cohorts[targeted_2030].stepwell_boxes[1].fields[members]"
    fields_of_box10 = ", ".join(sorted(field["name"] for field in drill_down["fields"]))
    reasons = _reasons(refused.value)
    assert reasons == {
        f"{box10}[alt_reports_generated].condition.answer": UNKNOWN_ANSWER.format(
            value="idc_used", known=fields_of_box10
        ),
        f"{box10}[alt_reports_submitted_to].condition.is": NOT_AN_ANSWER.format(
            value="maybe", field="idc_tool_used", known="yes, no"
        ),
        f"{box1}.required_roles": reasons[f"{box1}.required_roles"],
        f"{box1}.item_choices.department": NOT_AN_ITEM_FIELD.format(
            value="department", known="name, title, role, email"
        ),
        f"{box1}.item_choices.role": NOT_AN_ITEM_CHOICE_LIST,
    }
    assert reasons[f"{box1}.required_roles"].startswith(UNKNOWN_KEY.split(":")[0])
    assert not Cohort.objects.filter(key="targeted_2030").exists()


@pytest.mark.django_db
def test_it_refuses_progress_report_rules_and_levels_that_do_not_exist(world: object) -> None:
    data = copy.deepcopy(CATALOG)
    data["year"] = 2030
    targeted = data["cohorts"][0]
    targeted["key"] = "targeted_2030"
    data["cohorts"] = [targeted]
    monitoring = _activity(targeted, "monitoring_implementation")
    monitoring["report_fields"].append({"name": "coaching_notes", "label": "Coaching"})
    plan = _activity(targeted, "plan_for_improvement")
    plan["progress_reports"] = True
    _activity(targeted, "consolidation")["report_fields"] = []
    targeted["mailbox_copy"] = {"steps": [3, 5], "levels": [3, 4]}
    targeted["level_criteria"]["4"] = "bottom 5%"

    with pytest.raises(CatalogError) as refused:
        services.catalog_load(actor=None, data=data, source="2030.json")

    where = "cohorts[targeted_2030]"
    assert _reasons(refused.value) == {
        f"{where}.activities[monitoring_implementation].report_fields[coaching_notes].name": (
            NOT_A_NARRATIVE.format(value="coaching_notes", known=", ".join(REPORT_NARRATIVES))
        ),
        f"{where}.activities[consolidation].report_fields": NOT_A_PROGRESS_ACTIVITY,
        f"{where}.activities[monitoring_implementation].progress_reports": (
            SECOND_PROGRESS_ACTIVITY.format(value="plan_for_improvement")
        ),
        f"{where}.mailbox_copy.steps": NO_SUCH_STEP.format(value=5),
        f"{where}.mailbox_copy.levels": NO_SUCH_LEVEL.format(value=4),
        f"{where}.level_criteria": NO_SUCH_LEVEL.format(value="4"),
    }
    assert not Cohort.objects.filter(key="targeted_2030").exists()


def test_it_refuses_a_part_no_activity_can_hold_and_a_part_given_twice(world: object) -> None:
    data = copy.deepcopy(CATALOG)
    data["year"] = 2030
    targeted = data["cohorts"][0]
    targeted["key"] = "targeted_2030"
    data["cohorts"] = [targeted]
    _activity(targeted, "parent_input")["parts"] = ["student_extract"]
    _activity(targeted, "consolidation")["parts"] = ["plan"]
    _activity(targeted, "root_cause_analysis")["parts"] = ["slides"]

    with pytest.raises(CatalogError) as refused:
        services.catalog_load(actor=None, data=data, source="2030.json")

    where = "cohorts[targeted_2030].activities"
    assert _reasons(refused.value) == {
        f"{where}[data_drill_down].parts": SECOND_PART.format(value="parent_input"),
        f"{where}[root_cause_analysis].parts": ACTIVITY_PARTS_SHAPE,
        f"{where}[plan_for_improvement].parts": SECOND_PART.format(value="consolidation"),
    }
    assert not Cohort.objects.filter(key="targeted_2030").exists()


@pytest.mark.django_db
def test_an_edit_in_the_admin_is_checked_as_a_file_is(cohorts: dict[str, Cohort]) -> None:
    box = StepwellBox.objects.get(cohort=cohorts["targeted"], number=10)
    fields = copy.deepcopy(box.fields)
    _field({"fields": fields}, "alt_reports_generated")["condition"]["answer"] = "idc_used"

    form = StepwellBoxForm(data={"fields": json.dumps(fields)}, instance=box)

    assert not form.is_valid()
    assert form.errors["fields"] == [
        "box.fields[alt_reports_generated].condition.answer: "
        + UNKNOWN_ANSWER.format(
            value="idc_used", known=", ".join(sorted(field["name"] for field in fields))
        )
    ]
    assert admin.site._registry[StepwellBox].form is StepwellBoxForm
