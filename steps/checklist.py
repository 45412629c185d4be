"""What still stands between an activity and "ready to submit". Run on demand; it never
blocks saving a draft."""

from __future__ import annotations

from cim.catalog_rules import condition_holds
from steps import parts
from steps.models import ActivityRecord
from steps.workspace import PART_OF_FIELD, activity_form


def record_checklist(*, record: ActivityRecord) -> list[str]:
    """Problems in plain words; an empty list means ready to submit."""
    if record.status == ActivityRecord.Status.MARKED_NA:
        return []
    spec = activity_form(record=record)
    answers = record.responses
    problems = []
    for box in spec.boxes:
        where = f"Box {box.number}, " if box.number else ""
        answerable = [field for field in box.fields if field in spec.answer_fields]
        for field in answerable:
            if _missing(field, answers):
                problems.append(_not_answered(where, str(field["label"])))
        # A box of optional prompts (e.g. box 27: the plan link, or the details of an
        # emailed plan) still needs one of them, unless a structured part carries the box's
        # content (box 1: the team, where the explanation is only for a missing role).
        all_optional = answerable and not any(f.get("required", True) for f in answerable)
        carries_part = any(field["name"] in PART_OF_FIELD for field in box.fields)
        unanswered = all(_missing({**f, "required": True}, answers) for f in answerable)
        if all_optional and not carries_part and unanswered:
            problems.append(f"{where}{box.title}: answer at least one of its questions.")
    for name in spec.parts:
        problems += parts.part(name).check(record=record)
    return problems


def record_warnings(*, record: ActivityRecord) -> list[str]:
    """What the state recommends and the activity lacks, in plain words: never a block."""
    if record.status == ActivityRecord.Status.MARKED_NA:
        return []
    found = []
    for name in activity_form(record=record).parts:
        module = parts.part(name)
        if hasattr(module, "warnings"):
            found += module.warnings(record=record)
    return found


def _not_answered(where: str, label: str) -> str:
    # Some labels are the guidance's own questions ("Did the LEA export ...?").
    if label.endswith("?"):
        return f"{where}{label} Not answered yet."
    return f"{where}{label}: not answered yet."


def _missing(field: dict[str, object], answers: dict[str, object]) -> bool:
    if not field.get("required", True):
        return False
    if not condition_holds(field, answers):
        return False
    value = answers.get(str(field["name"]))
    return value is None or (isinstance(value, str) and not value.strip())
