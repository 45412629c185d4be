"""The shipped catalog speaks in the guidance's words (seed 002), keeps notes for catalog
editors apart from help for LEAs, and the loader refuses a box field without a label."""

from __future__ import annotations

import copy
import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cim import services
from cim.catalog_words import NO_LABEL, CatalogError
from cim.models import ActivityRequirement, StepwellBox

CATALOG = services.catalog_data(year=2024)


def _boxes() -> list[tuple[str, dict[str, Any]]]:
    return [(c["key"], box) for c in CATALOG["cohorts"] for box in c["stepwell_boxes"]]


BOX_IDS = [f"{cohort}-box{box['number']}" for cohort, box in _boxes()]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9#]+", text.lower()))


@pytest.mark.parametrize(("cohort", "box"), _boxes(), ids=BOX_IDS)
def test_it_gives_every_box_a_prompt_or_marks_it_inferred(cohort: str, box: dict) -> None:
    if box["fields"]:
        assert box.get("prompt") or box["inferred"], f"{cohort} box {box['number']}"
    else:
        # A box without fields is only ever marked NA: it says why, or is marked inferred.
        assert box["na_reason"] or box["inferred"], f"{cohort} box {box['number']}"


@pytest.mark.parametrize(("cohort", "box"), _boxes(), ids=BOX_IDS)
def test_it_labels_every_field_in_the_guidances_words(cohort: str, box: dict) -> None:
    for field in box["fields"]:
        label = field.get("label", "")
        assert label.strip(), f"{cohort} box {box['number']} {field['name']}"
        derived = field["name"].replace("_", " ")
        # Either not the field's name made readable, or a name that is the prompt's own
        # words ("Target group", "Trends" in box 7's prompt).
        assert label.lower() != derived or _words(label) <= _words(box["prompt"]), (
            f"{cohort} box {box['number']} {field['name']}: {label!r} is the field's name"
        )


def test_it_takes_box_7_from_the_guidance() -> None:
    targeted = next(c for c in CATALOG["cohorts"] if c["key"] == "targeted_2024")
    box = next(box for box in targeted["stepwell_boxes"] if box["number"] == 7)

    assert box["prompt"].startswith("In this box, enter a Parent Input activity summary")
    labels = {field["name"]: field["label"] for field in box["fields"]}
    assert labels["tools_sources_methodologies"] == "Tools, sources and/or methodologies used"
    assert labels["areas_to_address"] == "Areas that need to be addressed"


def test_it_keeps_targeted_words_out_of_intensive_labels_and_prompts() -> None:
    intensive = next(c for c in CATALOG["cohorts"] if c["key"] == "intensive_2024")
    for box in intensive["stepwell_boxes"]:
        shown = [box.get("prompt", ""), box["na_reason"], *box["rules"]]
        for field in box["fields"]:
            shown += [field["label"], field.get("help", ""), *map(str, field.get("choices", []))]
        for text in shown:
            assert "TargetedMonitoring" not in text, (box["number"], text)
            assert "Targeted Monitoring" not in text, (box["number"], text)
            assert "Targeted Consultant" not in text, (box["number"], text)


def test_it_keeps_editor_notes_out_of_the_lea_help() -> None:
    for _, box in _boxes():
        for field in box["fields"]:
            assert "seed" not in field.get("help", "").lower()
            assert "source" not in field
    for cohort in CATALOG["cohorts"]:
        for activity in cohort["activities"]:
            for rule in activity["levels"].values():
                assert "chart says" not in rule.get("help", "")


@pytest.mark.django_db
def test_it_stores_prompts_labels_help_and_editor_notes(world: object) -> None:
    services.catalog_load(actor=None, data=CATALOG)

    box = StepwellBox.objects.get(cohort__key="targeted_2024", number=7)
    assert box.prompt.startswith("In this box, enter a Parent Input activity summary")
    assert box.fields[1]["label"] == "Tools, sources and/or methodologies used"
    rule = ActivityRequirement.objects.get(
        activity__cohort__key="targeted_2024", activity__key="consolidation", level=1
    )
    assert rule.help == (
        "The Consolidation activity is highly recommended for Targeted Level 1 and 2 LEAs."
    )
    assert rule.note == "chart says Optional; text says highly recommended"


def _without_label(data: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(data)
    box = next(b for b in bad["cohorts"][0]["stepwell_boxes"] if b["number"] == 7)
    del box["fields"][1]["label"]
    return bad


@pytest.mark.django_db
def test_it_refuses_a_field_without_a_label_and_loads_nothing(world: object) -> None:
    boxes = StepwellBox.objects.count()
    with pytest.raises(CatalogError) as refused:
        services.catalog_load(actor=None, data=_without_label(CATALOG), source="2024.json")

    assert str(refused.value) == (
        "2024.json: cohorts[targeted_2024].stepwell_boxes[7]"
        f".fields[tools_sources_methodologies].label: {NO_LABEL}"
    )
    assert StepwellBox.objects.count() == boxes


@pytest.mark.django_db
def test_it_names_the_file_when_the_command_refuses_it(
    world: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "2024.json").write_text(json.dumps(_without_label(CATALOG)), encoding="utf-8")
    monkeypatch.setattr(services, "CATALOG_DIR", tmp_path)

    with pytest.raises(CommandError, match=r"2024\.json: cohorts\[targeted_2024\].*label"):
        call_command("load_catalog")


@pytest.mark.django_db
def test_it_loads_fresh_and_again_with_overwrite(world: object) -> None:
    call_command("load_catalog", stdout=StringIO())
    StepwellBox.objects.filter(cohort__key="targeted_2024", number=7).update(prompt="edited")

    call_command("load_catalog", "--overwrite", stdout=StringIO())

    box = StepwellBox.objects.get(cohort__key="targeted_2024", number=7)
    assert box.prompt.startswith("In this box, enter a Parent Input activity summary")
