"""The Data Drill Down's rules for a year, read from cim/catalog/drilldown/<year>.json:
the small-cell rules of a risk ratio, the risk ratio that flags a group, and each
measure's statewide target. They change from year to year, so they are data, read here
and nowhere else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from cim.services import CATALOG_DIR

RULES_DIR = CATALOG_DIR / "drilldown"
NO_RULES = (
    "There are no Data Drill Down rules for {year} in the catalog yet "
    "(cim/catalog/drilldown/{year}.json)."
)


@dataclass(frozen=True)
class MeasureTarget:
    label: str
    target: float
    direction: str  # "at_least" or "at_most"
    inferred: bool


@dataclass(frozen=True)
class DrilldownRules:
    year: int
    # Outside the LEA's team, a group of 1 to this many students shows no numbers.
    suppress_up_to: int
    min_cell_size: int
    min_n_size: int
    risk_ratio_threshold: float
    measures: dict[str, MeasureTarget]


@cache
def drilldown_rules(year: int) -> DrilldownRules:
    """The year's rules; LookupError when the catalog has none for that year."""
    path = RULES_DIR / f"{year}.json"
    if not path.is_file():
        raise LookupError(NO_RULES.format(year=year))
    data = json.loads(path.read_text(encoding="utf-8"))
    return DrilldownRules(
        year=data["year"],
        suppress_up_to=data["suppress_up_to"],
        min_cell_size=data["min_cell_size"],
        min_n_size=data["min_n_size"],
        risk_ratio_threshold=data["risk_ratio_threshold"],
        measures={
            key: MeasureTarget(
                label=item["label"],
                target=item["target"],
                direction=item["direction"],
                inferred=item.get("inferred", False),
            )
            for key, item in data["measures"].items()
        },
    )
