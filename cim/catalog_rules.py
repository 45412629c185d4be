"""The rules a cohort's Stepwell box fields carry, read for the code that shows and checks
them: the choices of a field (Data Drill Down box 10's alternative-report recipients),
the choices of a structured part's items and which of them are required (box 1's team
roles, box 10's kinds and areas of data), the answer that makes a field asked, and the
problem areas box 15 wants tied to the identification. The catalog file says them in the
state's words and cim/catalog_check.py checks their shape before they are loaded; nothing
here knows a year's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cim.models import StepwellBox

# A part's row stores the value of its choice (a team member's role, a data source's
# area): the catalog check refuses a longer one, the rows' columns hold this many.
CHOICE_VALUE_MAX = 40


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    required: bool = False


def box_field(*, cohort_id: int, name: str) -> dict[str, Any]:
    """The catalog's spec of the box field `name` in the cohort; {} when no box of the
    cohort has it (the part then has no rules to apply)."""
    boxes = (
        StepwellBox.objects.filter(cohort_id=cohort_id, fields__contains=[{"name": name}])
        .order_by("number")
        .values_list("fields", flat=True)
    )
    for fields in boxes[:1]:
        return next(spec for spec in fields if spec.get("name") == name)
    return {}


def choices_of(spec: dict[str, Any]) -> list[Choice]:
    """A choice field's choices, in the catalog's order and words."""
    return [_choice(choice) for choice in spec.get("choices", [])]


def item_choices(spec: dict[str, Any], item: str) -> list[Choice]:
    """The choices of one field of a part's items, e.g. the roles of box 1's members."""
    return [_choice(choice) for choice in spec.get("item_choices", {}).get(item, [])]


def label_of(choices: list[Choice], value: str) -> str:
    """The words for a stored value; the value itself for one the catalog no longer lists
    (a row saved under an earlier year's rules keeps what it said)."""
    return next((choice.label for choice in choices if choice.value == value), value)


def condition_holds(spec: dict[str, Any], answers: dict[str, object]) -> bool:
    """Whether a field is asked given the box's answers: always, unless the catalog names
    the answer that makes it asked (`{"answer": ..., "is": ...}`)."""
    condition = spec.get("condition")
    if not condition:
        return True
    return answers.get(condition["answer"]) == condition["is"]


def condition_help(spec: dict[str, Any]) -> str:
    """What the LEA reads about when the field is asked ("Only if ...")."""
    condition = spec.get("condition") or {}
    return str(condition.get("help", ""))


def _choice(choice: dict[str, Any]) -> Choice:
    return Choice(choice["value"], choice["label"], bool(choice.get("required", False)))
