"""The words a catalog file puts before LEAs, checked before anything of it is loaded.

Every Stepwell box field carries a `label` (and may carry `help`) in the guidance's own
words; a box may carry the guidance's `prompt`. `note`, on a field, a box or a level's
rule, is for catalog editors only and is never shown to LEAs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NO_LABEL = "the field has no label: give it a short phrase in the guidance's words"
NOT_TEXT = "must be text"


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong in a catalog file: where (the key path) and why."""

    key: str
    reason: str


class CatalogError(ValueError):
    """A catalog file that cannot be loaded: one line per problem, each naming the file,
    the key and the reason."""

    def __init__(self, *, source: str, problems: list[CatalogProblem]) -> None:
        self.source, self.problems = source, problems
        super().__init__("\n".join(f"{source}: {p.key}: {p.reason}" for p in problems))


def catalog_word_problems(*, data: dict[str, Any]) -> list[CatalogProblem]:
    """The box fields without labels and the LEA-facing words that are not text."""
    problems: list[CatalogProblem] = []
    for cohort in data.get("cohorts", []):
        where = f"cohorts[{cohort.get('key', '?')}]"
        for activity in cohort.get("activities", []):
            for level, rule in activity.get("levels", {}).items():
                key = f"{where}.activities[{activity.get('key', '?')}].levels[{level}]"
                _text(rule, "help", key, problems)
        for box in cohort.get("stepwell_boxes", []):
            box_key = f"{where}.stepwell_boxes[{box.get('number', '?')}]"
            _text(box, "prompt", box_key, problems)
            for index, spec in enumerate(box.get("fields", [])):
                field_key = f"{box_key}.fields[{spec.get('name', index)}]"
                label = spec.get("label")
                if not isinstance(label, str) or not label.strip():
                    problems.append(CatalogProblem(f"{field_key}.label", NO_LABEL))
                _text(spec, "help", field_key, problems)
    return problems


def _text(item: dict[str, Any], name: str, key: str, problems: list[CatalogProblem]) -> None:
    if name in item and not isinstance(item[name], str):
        problems.append(CatalogProblem(f"{key}.{name}", NOT_TEXT))
