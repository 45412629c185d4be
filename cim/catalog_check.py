"""A catalog file checked whole before anything of it is loaded.

Every problem is reported at once, each with its key path and reason: a key the loader
does not know (a misspelt or invented rule would otherwise be dropped or fail half-way),
a value outside its choices, a level that does not exist, a condition that
cim/conditions.py does not know, a box on an activity the cohort lacks, and the words
cim/catalog_words.py refuses. The keys a catalog may use are the catalog models' own
fields, so a field added to a model is a key the catalog may carry.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from cim.catalog_words import CatalogError, CatalogProblem, catalog_word_problems
from cim.conditions import CONDITIONS
from cim.models import ActivityDefinition, ActivityRequirement, Cohort, Level, StepwellBox
from cim.models.framework import ReportingPeriod

UNKNOWN_KEY = "unknown key: the loader knows {known}"
MISSING_KEY = "missing: the loader needs it"
NOT_A_CHOICE = "{value!r} is not one of {choices}"
NO_SUCH_LEVEL = "there is no level {value!r}: levels are 1, 2 and 3"
UNKNOWN_CONDITION = "no condition is named {value!r}: cim/conditions.py knows {known}"
UNKNOWN_ACTIVITY = "the cohort has no activity {value!r}"
NOT_A_LIST = "must be a list"

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
    activities: set[str] = set()
    for index, activity in enumerate(_items(cohort, "activities", where, problems)):
        key = f"{where}.activities[{activity.get('key', index)}]"
        activities.add(str(activity.get("key")))
        problems += _unknown(
            activity, _field_names(ActivityDefinition) | {"levels"}, key, required=("key",)
        )
        problems += _values(ActivityDefinition, activity, key)
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
    for index, period in enumerate(_items(cohort, "reporting_periods", where, problems)):
        key = f"{where}.reporting_periods[{period.get('number', index)}]"
        problems += _unknown(period, _field_names(ReportingPeriod), key, required=("number",))
    return problems


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
