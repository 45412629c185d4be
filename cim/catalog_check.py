"""A catalog file checked whole before anything of it is loaded.

Every problem is reported at once, each with its key path and reason: a key the loader
does not know (a misspelt or invented rule would otherwise be dropped or fail half-way),
a value outside its choices, a level that does not exist, a condition that
cim/conditions.py does not know, a box on an activity the cohort lacks, and the words
cim/catalog_words.py refuses. The keys a catalog may use are the catalog models' own
fields, so a field added to a model is a key the catalog may carry.

Inside a box, each field's rules are checked too (the code that shows and checks the
field reads them; an unknown one would be silently ignored): its choices, the answer of
the same box its condition names, the choices of a structured part's items (the team's
roles, the Data Drill Down's areas and kinds of data) and which of them are required.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from cim.catalog_rules import CHOICE_VALUE_MAX
from cim.catalog_words import CatalogError, CatalogProblem, catalog_word_problems
from cim.conditions import CONDITIONS
from cim.models import ActivityDefinition, ActivityRequirement, Cohort, Level, StepwellBox
from cim.models.catalog import ACTIVITY_PARTS_SHAPE, REPORT_NARRATIVES, validate_activity_parts
from cim.models.framework import ReportingPeriod

UNKNOWN_KEY = "unknown key: the loader knows {known}"
MISSING_KEY = "missing: the loader needs it"
NOT_A_CHOICE = "{value!r} is not one of {choices}"
NO_SUCH_LEVEL = "there is no level {value!r}: levels are 1, 2 and 3"
UNKNOWN_CONDITION = "no condition is named {value!r}: cim/conditions.py knows {known}"
UNKNOWN_ACTIVITY = "the cohort has no activity {value!r}"
NOT_A_LIST = "must be a list"
UNKNOWN_ANSWER = "no field of this box is named {value!r}: the condition must name one of {known}"
NOT_AN_ANSWER = "{value!r} is not an answer {field!r} can have: it has {known}"
NOT_A_CHOICE_LIST = 'must be a list of {"value": ..., "label": ...} (and "required": true or false)'
# A part's row keeps the value of its item's choice in a column of this size.
NOT_AN_ITEM_CHOICE_LIST = f"{NOT_A_CHOICE_LIST}, each value at most {CHOICE_VALUE_MAX} characters"
NOT_AN_ITEM_FIELD = "the items of this field have no {value!r}: they have {known}"
NOT_A_NARRATIVE = "a progress report has no written part {value!r}: it has {known}"
NOT_A_PROGRESS_ACTIVITY = "only the activity with progress_reports asks report fields"
SECOND_PROGRESS_ACTIVITY = "the cohort has a progress-report activity already: {value!r}"
NOT_A_COUNT = "must be a whole number, 0 or more"
NO_SUCH_STEP = "there is no step {value!r}: steps are 1 to 4"
NOT_A_CONDITION = 'must be {"answer": <a field of this box>, "is": <its answer>, "help": ...}'
SECOND_PART = "{value!r} holds this part already: a cohort gives it to one activity"

FIELD_KEYS = frozenset({
    "name", "type", "label", "help", "note", "required", "inferred", "choices", "condition",
    "item_fields", "item_choices", "min_relating_to_identification",
})  # fmt: skip
FIELD_TYPES = ("text", "list", "ordered_list", "date", "boolean", "choice", "url", "email")
# The answers a yes/no field can have (steps/forms.py).
BOOLEAN_ANSWERS = ("yes", "no")
CONDITION_KEYS = frozenset({"answer", "is", "help"})
CHOICE_KEYS = frozenset({"value", "label", "required"})

TOP_KEYS = frozenset({"schema_version", "year", "about", "cohorts"})
COHORT_PARTS = frozenset({"activities", "stepwell_boxes", "reporting_periods"})
LEVEL_LISTS = ("stepwell_levels", "levels", "na_levels")


def catalog_check(*, data: dict[str, Any], source: str) -> None:
    """Refuse (CatalogError, one line per problem) a catalog that cannot be loaded whole."""
    problems = _unknown(data, TOP_KEYS, "", required=("year", "cohorts"))
    for index, cohort in enumerate(_items(data, "cohorts", "", problems)):
        problems += _cohort_problems(cohort, f"cohorts[{cohort.get('key', index)}]")
    problems += catalog_word_problems(data=data)
    if problems:
        raise CatalogError(source=source, problems=problems)


def _cohort_problems(cohort: dict[str, Any], where: str) -> list[CatalogProblem]:
    known = _field_names(Cohort) | COHORT_PARTS
    required = ("key", "tier", "name", "activities", "stepwell_boxes")
    problems = _unknown(cohort, known, where, required=required)
    problems += _values(Cohort, cohort, where)
    problems += _cohort_value_problems(cohort, where)
    activities: set[str] = set()
    progress_activity = ""
    part_holders: dict[str, str] = {}
    for index, activity in enumerate(_items(cohort, "activities", where, problems)):
        key = f"{where}.activities[{activity.get('key', index)}]"
        activities.add(str(activity.get("key")))
        problems += _unknown(
            activity, _field_names(ActivityDefinition) | {"levels"}, key, required=("key",)
        )
        problems += _values(ActivityDefinition, activity, key)
        problems += _report_field_problems(activity, key)
        parts = activity.get("parts")
        try:
            validate_activity_parts(parts if parts is not None else [])
        except ValidationError:
            problems.append(CatalogProblem(f"{key}.parts", ACTIVITY_PARTS_SHAPE))
            parts = []
        for part in parts or []:
            if part in part_holders:
                problems.append(
                    CatalogProblem(f"{key}.parts", SECOND_PART.format(value=part_holders[part]))
                )
            part_holders[str(part)] = str(activity.get("key"))
        if activity.get("progress_reports"):
            if progress_activity:
                problems.append(
                    CatalogProblem(
                        f"{key}.progress_reports",
                        SECOND_PROGRESS_ACTIVITY.format(value=progress_activity),
                    )
                )
            progress_activity = str(activity.get("key"))
        for level, rule in (activity.get("levels") or {}).items():
            if not str(level).isdigit() or int(level) not in Level.values:
                problems.append(CatalogProblem(f"{key}.levels", NO_SUCH_LEVEL.format(value=level)))
            rule_key = f"{key}.levels[{level}]"
            rule_fields = _field_names(ActivityRequirement) - {"level"}
            problems += _unknown(rule, rule_fields, rule_key, required=("requirement",))
            problems += _values(ActivityRequirement, rule, rule_key)
    for index, box in enumerate(_items(cohort, "stepwell_boxes", where, problems)):
        key = f"{where}.stepwell_boxes[{box.get('number', index)}]"
        problems += _unknown(box, _field_names(StepwellBox), key, required=("number",))
        problems += _values(StepwellBox, box, key)
        if box.get("activity") and box["activity"] not in activities:
            problems.append(
                CatalogProblem(f"{key}.activity", UNKNOWN_ACTIVITY.format(value=box["activity"]))
            )
        problems += box_field_problems(box, key)
    for index, period in enumerate(_items(cohort, "reporting_periods", where, problems)):
        key = f"{where}.reporting_periods[{period.get('number', index)}]"
        problems += _unknown(period, _field_names(ReportingPeriod), key, required=("number",))
    return problems


def _cohort_value_problems(cohort: dict[str, Any], where: str) -> list[CatalogProblem]:
    """The levels and steps that the cohort's own rules name (why an LEA lands in each
    level; which submissions are copied to the state mailbox)."""
    problems = [
        CatalogProblem(f"{where}.level_criteria", NO_SUCH_LEVEL.format(value=level))
        for level in cohort.get("level_criteria") or {}
        if not str(level).isdigit() or int(level) not in Level.values
    ]
    copy = cohort.get("mailbox_copy") or {}
    if isinstance(copy, dict):
        problems += _unknown(
            copy, frozenset({"steps", "levels"}), f"{where}.mailbox_copy", required=()
        )
        for name, known, reason in (
            ("levels", Level.values, NO_SUCH_LEVEL),
            ("steps", [1, 2, 3, 4], NO_SUCH_STEP),
        ):
            problems += [
                CatalogProblem(f"{where}.mailbox_copy.{name}", reason.format(value=value))
                for value in _list(copy.get(name))
                if value not in known
            ]
    return problems


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _report_field_problems(activity: dict[str, Any], where: str) -> list[CatalogProblem]:
    fields = activity.get("report_fields")
    if fields is None:
        return []
    key = f"{where}.report_fields"
    if not activity.get("progress_reports"):
        return [CatalogProblem(key, NOT_A_PROGRESS_ACTIVITY)]
    if not isinstance(fields, list) or not all(isinstance(item, dict) for item in fields):
        return [CatalogProblem(key, NOT_A_LIST)]
    problems: list[CatalogProblem] = []
    for index, item in enumerate(fields):
        item_key = f"{key}[{item.get('name', index)}]"
        problems += _unknown(
            item, frozenset({"name", "label", "help"}), item_key, required=("name", "label")
        )
        if "name" in item and item["name"] not in REPORT_NARRATIVES:
            known = ", ".join(REPORT_NARRATIVES)
            problems.append(
                CatalogProblem(
                    f"{item_key}.name", NOT_A_NARRATIVE.format(value=item["name"], known=known)
                )
            )
    return problems


def box_field_problems(box: dict[str, Any], where: str) -> list[CatalogProblem]:
    """Each field of a box: its keys and type, its choices, its condition (an answer of
    the same box), and the rules of a structured part's items."""
    fields = box.get("fields")
    if not isinstance(fields, list) or not all(isinstance(spec, dict) for spec in fields):
        return [] if fields is None else [CatalogProblem(f"{where}.fields", NOT_A_LIST)]
    by_name = {str(spec.get("name")): spec for spec in fields}
    problems: list[CatalogProblem] = []
    for index, spec in enumerate(fields):
        key = f"{where}.fields[{spec.get('name', index)}]"
        problems += _unknown(spec, FIELD_KEYS, key, required=("name",))
        if spec.get("type", "text") not in FIELD_TYPES:
            choices = ", ".join(FIELD_TYPES)
            problems.append(
                CatalogProblem(
                    f"{key}.type", NOT_A_CHOICE.format(value=spec["type"], choices=choices)
                )
            )
        if "choices" in spec and not _is_choice_list(spec["choices"]):
            problems.append(CatalogProblem(f"{key}.choices", NOT_A_CHOICE_LIST))
        if "condition" in spec:
            problems += _field_condition_problems(spec["condition"], by_name, f"{key}.condition")
        problems += _item_choice_problems(spec, key)
        count = spec.get("min_relating_to_identification", 0)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            problems.append(CatalogProblem(f"{key}.min_relating_to_identification", NOT_A_COUNT))
    return problems


def _field_condition_problems(
    condition: object, fields: dict[str, dict[str, Any]], key: str
) -> list[CatalogProblem]:
    """A field asked only after an answer names that answer: a field of the same box, and
    one of the answers it can have."""
    if not isinstance(condition, dict) or not {"answer", "is"} <= set(condition):
        return [CatalogProblem(key, NOT_A_CONDITION)]
    problems = _unknown(condition, CONDITION_KEYS, key, required=())
    answer = condition["answer"]
    if answer not in fields:
        known = ", ".join(sorted(fields))
        reason = UNKNOWN_ANSWER.format(value=answer, known=known)
        return [*problems, CatalogProblem(f"{key}.answer", reason)]
    possible = _answers_of(fields[answer])
    if possible is not None and condition["is"] not in possible:
        known = ", ".join(map(str, possible))
        problems.append(
            CatalogProblem(
                f"{key}.is", NOT_AN_ANSWER.format(value=condition["is"], field=answer, known=known)
            )
        )
    return problems


def _answers_of(spec: dict[str, Any]) -> list[Any] | None:
    """The answers a field can have; None where any text can be an answer."""
    if spec.get("type") == "boolean":
        return list(BOOLEAN_ANSWERS)
    if spec.get("type") == "choice" and _is_choice_list(spec.get("choices")):
        return [choice["value"] for choice in spec["choices"]]
    return None


def _item_choice_problems(spec: dict[str, Any], key: str) -> list[CatalogProblem]:
    item_choices = spec.get("item_choices")
    if item_choices is None:
        return []
    if not isinstance(item_choices, dict):
        return [CatalogProblem(f"{key}.item_choices", NOT_AN_ITEM_CHOICE_LIST)]
    items = _list(spec.get("item_fields"))
    problems: list[CatalogProblem] = []
    for name, choices in item_choices.items():
        where = f"{key}.item_choices.{name}"
        if name not in items:
            known = ", ".join(map(str, items))
            problems.append(
                CatalogProblem(where, NOT_AN_ITEM_FIELD.format(value=name, known=known))
            )
        if not _is_choice_list(choices, longest=CHOICE_VALUE_MAX):
            problems.append(CatalogProblem(where, NOT_AN_ITEM_CHOICE_LIST))
    return problems


def _is_choice_list(value: object, *, longest: int | None = None) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(choice, dict)
            and set(choice) <= CHOICE_KEYS
            and isinstance(choice.get("value"), str)
            and (longest is None or len(choice["value"]) <= longest)
            and isinstance(choice.get("label"), str)
            and bool(choice["label"].strip())
            and isinstance(choice.get("required", False), bool)
            for choice in value
        )
    )


def _field_names(model: type[models.Model]) -> set[str]:
    """The keys a catalog entry may carry for `model`: its own fields, less the links the
    loader fills from where the entry sits."""
    placed = {"cohort"} | ({"activity"} if model is ActivityRequirement else set())
    return {field.name for field in model._meta.concrete_fields if not field.primary_key} - placed


def _unknown(
    item: dict[str, Any], known: set[str] | frozenset[str], where: str, *, required: tuple[str, ...]
) -> list[CatalogProblem]:
    prefix = f"{where}." if where else ""
    listed = ", ".join(sorted(known))
    return [
        CatalogProblem(f"{prefix}{key}", UNKNOWN_KEY.format(known=listed))
        for key in item
        if key not in known
    ] + [CatalogProblem(f"{prefix}{key}", MISSING_KEY) for key in required if key not in item]


def _values(model: type[models.Model], item: dict[str, Any], where: str) -> list[CatalogProblem]:
    """Choices, levels and conditions, each against what the app knows."""
    problems: list[CatalogProblem] = []
    for name, value in item.items():
        key = f"{where}.{name}"
        if name == "condition" and value and value not in CONDITIONS:
            known = ", ".join(CONDITIONS)
            problems.append(CatalogProblem(key, UNKNOWN_CONDITION.format(value=value, known=known)))
        elif name in LEVEL_LISTS and model is not ActivityDefinition:
            if not isinstance(value, list):
                problems.append(CatalogProblem(key, NOT_A_LIST))
                continue
            problems += [
                CatalogProblem(key, NO_SUCH_LEVEL.format(value=level))
                for level in value
                if level not in Level.values
            ]
        elif name != "condition" and _choices(model, name) and value not in _choices(model, name):
            choices = ", ".join(map(str, _choices(model, name)))
            problems.append(CatalogProblem(key, NOT_A_CHOICE.format(value=value, choices=choices)))
    return problems


def _choices(model: type[models.Model], name: str) -> list[Any]:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return []
    choices = getattr(field, "choices", None)
    if not choices or callable(choices):
        return []
    return [value for value, _ in choices] + ([""] if getattr(field, "blank", False) else [])


def _items(
    item: dict[str, Any], name: str, where: str, problems: list[CatalogProblem]
) -> list[dict[str, Any]]:
    value = item.get(name, [])
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        problems.append(CatalogProblem(f"{where}.{name}" if where else name, NOT_A_LIST))
        return []
    return value
