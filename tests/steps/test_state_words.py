"""Activity pages in the state's words (issue 12): each box's prompt and field labels come
from the guidance, notes for catalog editors never reach an LEA, and history and status
show words, not codes or field names."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from cim import services as cim_services
from cim.models import Cohort
from lea.models import AuditVerb
from lea.services import audit
from steps.checklist import record_checklist
from steps.models import ActivityRecord, Engagement
from steps.workspace import INFERRED_WORDING
from tests.conftest import World, signed_in
from tests.steps.answers import drawn
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PARENT_INPUT = "parent_input"
BOX_7_PROMPT = (
    "In this box, enter a Parent Input activity summary that identifies the target group and "
    "tools, sources, and/or methodologies used"
)


def _editor_notes() -> set[str]:
    """Every note the shipped catalog keeps for its editors."""
    notes: set[str] = set()
    for cohort in cim_services.catalog_data(year=2024)["cohorts"]:
        for activity in cohort["activities"]:
            notes.add(activity.get("note", ""))
            notes |= {rule.get("note", "") for rule in activity["levels"].values()}
        for box in cohort["stepwell_boxes"]:
            notes.add(box.get("note", ""))
            notes |= {field.get("note", "") for field in box["fields"]}
    return {note for note in notes if note}


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def _activity_pages(world: World, engagement: Engagement) -> dict[str, str]:
    client = signed_in(world.lea_lead)
    pages = {
        "workspace": _page(client, reverse("engagement_workspace", args=[engagement.pk])),
    }
    for record in engagement.records.select_related("definition"):
        key = record.definition.key
        pages[key] = _page(client, reverse("activity_detail", args=[engagement.pk, key]))
        pages[f"{key} checklist"] = _page(
            client, reverse("activity_checklist", args=[engagement.pk, key])
        )
    return pages


def _record(engagement: Engagement, key: str = PARENT_INPUT) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def test_it_shows_the_parent_input_prompt_and_labels(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)
    page = _page(
        signed_in(world.lea_lead), reverse("activity_detail", args=[engagement.pk, PARENT_INPUT])
    )

    assert BOX_7_PROMPT in page
    assert 'aria-describedby="box-7-prompt"' in page
    assert ">Tools, sources and/or methodologies used</label>" in page
    assert ">Areas that need to be addressed</label>" in page
    assert "Tools sources methodologies" not in page
    assert INFERRED_WORDING not in page


@pytest.mark.parametrize(("tier", "level"), [("targeted", 1), ("targeted", 2), ("targeted", 3),
                                             ("intensive", 2)])  # fmt: skip
def test_it_shows_no_catalog_editor_note_on_any_page(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int
) -> None:
    engagement = start(world.lea, cohorts[tier], level=level, unmet=("8",))
    notes = _editor_notes()
    assert "chart says Optional; text says highly recommended" in notes

    for name, page in _activity_pages(world, engagement).items():
        shown = [note for note in notes if note in page]
        assert not shown, f"{tier} level {level}, {name}: {shown}"


def test_it_marks_intensive_boxes_inferred_without_targeted_words(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["intensive"], level=2)
    pages = _activity_pages(world, engagement)

    assert INFERRED_WORDING in pages[PARENT_INPUT]
    assert 'aria-describedby="box-7-prompt box-7-inferred"' in pages[PARENT_INPUT]
    assert "IntensiveMonitoring@cde.ca.gov" in pages["plan_for_improvement"]
    for name, page in pages.items():
        assert "TargetedMonitoring" not in page, name


def test_it_shows_the_fields_label_in_the_history(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)
    client = signed_in(world.lea_lead)
    record = _record(engagement)
    client.post(
        reverse("activity_detail", args=[engagement.pk, PARENT_INPUT]),
        drawn(record, tools_sources_methodologies="Survey and focus groups"),
    )

    page = _page(client, reverse("activity_history", args=[engagement.pk, PARENT_INPUT]))

    assert "Tools, sources and/or methodologies used: (empty) → Survey and focus groups" in page
    assert "tools sources methodologies" not in page
    assert "tools_sources_methodologies" not in page


def test_it_shows_status_and_requirement_in_words_in_the_history(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)
    record = _record(engagement)
    audit(
        actor=None,
        verb=AuditVerb.ACTIVITY_SUBMIT,
        target=record,
        changes={
            "status": ["in_progress", "submitted"],
            "requirement": ["optional", "not_applicable"],
        },
    )

    page = _page(
        signed_in(world.lea_lead), reverse("activity_history", args=[engagement.pk, PARENT_INPUT])
    )

    assert "Status: In progress → Submitted" in page
    assert "Requirement: Optional → Not applicable" in page
    assert "in_progress" not in page
    assert "not_applicable" not in page


def test_it_shows_the_status_pages_requirement_and_status_in_words(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    start(world.lea, cohorts["targeted"], level=2)

    page = _page(signed_in(world.lea_lead), reverse("cim_status"))

    # The requirement in words, then the status in words: an activity not asked of this
    # LEA, and an optional one left out, read apart from a required one not started.
    assert '<td>Not applicable</td><td class="text-secondary">Not required of this LEA</td>' in page
    assert '<td>Optional</td><td class="text-secondary">Optional, not started</td>' in page
    # Codes stay in the filters' option values, never in what is read.
    text = strip_tags(page)
    assert "not_applicable" not in text
    assert "not_started" not in text


def test_it_lists_unanswered_prompts_by_their_labels_in_the_checklist(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3)

    problems = record_checklist(record=_record(engagement, "data_drill_down"))

    assert (
        "Box 10, Did the LEA export and load data into the IDC data tool and generate the "
        "required disaggregated reports? Not answered yet."
    ) in problems
    assert "Box 10, Positive trends and patterns of concern: not answered yet." in problems
