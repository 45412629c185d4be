"""The named conditions that the catalog's "conditional" requirements refer to.

The catalog (data) says *which* condition applies to an activity at a level; this
registry says what the condition means and how to decide it from a determination.
A condition that the ADL cannot answer (it depends on later events, such as CDE's
SRR findings in October) evaluates to None, "not known yet", until someone records the
fact on the determination.

A box field asked only after some answer (box 10's alternative reports, asked when the IDC
tool was not used) names that answer in the catalog itself; see cim/catalog_check.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cim.models import Determination


@dataclass(frozen=True)
class Condition:
    key: str
    label: str  # completes "Required only if ..."
    evaluate: Callable[[Determination], bool | None]


def _unknown_at_adl_time(determination: Determination) -> bool | None:
    return None


def _indicator_8_unmet(determination: Determination) -> bool | None:
    return "8" in determination.unmet_codes


def _selpa_requires_progress_reports(determination: Determination) -> bool | None:
    """Recorded by the LEA's SELPA reviewer (or a CDE administrator) on the workspace."""
    return determination.selpa_requires_progress_reports


def _srr_final_finding_of_noncompliance(determination: Determination) -> bool | None:
    """Recorded by CDE staff on the workspace once CDE issues its SRR findings."""
    return determination.srr_final_finding_of_noncompliance


CONDITIONS: dict[str, Condition] = {
    condition.key: condition
    for condition in (
        Condition(
            "indicator_8_unmet",
            "the LEA did not meet Indicator 8 (Parent Involvement)",
            _indicator_8_unmet,
        ),
        Condition(
            "selpa_requires_progress_reports",
            "the LEA's SELPA requires Step 4 progress reports",
            _selpa_requires_progress_reports,
        ),
        Condition(
            "srr_final_finding_of_noncompliance",
            "CDE issues a final Student Record Review finding of noncompliance",
            _srr_final_finding_of_noncompliance,
        ),
        Condition(
            "multiple_root_causes",
            "the LEA identified more than one root cause",
            _unknown_at_adl_time,
        ),
    )
}


def condition_choices() -> list[tuple[str, str]]:
    return [(key, condition.label) for key, condition in CONDITIONS.items()]
