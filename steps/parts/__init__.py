"""The structured parts of the activity forms (team, data sources, problem areas, ...).

Each part is a module `steps/parts/<name>.py` that defines:
- `TEMPLATE`: the template included in the activity page;
- `context(*, record, user) -> dict`: what that template needs (reads through selectors);
- `check(*, record) -> list[str]`: the part's submission checklist, in plain words.
Its views live in `steps/views/part_<name>.py` (with an `urlpatterns` list) and its writes
in `steps/services/part_<name>.py`. The activity page, the checklist and the URLconf find
parts through this registry.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

PART_NAMES = (
    "team",
    "data_sources",
    "findings",
    "problem_areas",
    "prioritization",
    "root_causes",
    "plan",
)


def part(name: str) -> ModuleType:
    return importlib.import_module(f"steps.parts.{name}")


def part_url_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"steps.views.part_{name}")
        for name in PART_NAMES
        if importlib.util.find_spec(f"steps.views.part_{name}") is not None
    ]
