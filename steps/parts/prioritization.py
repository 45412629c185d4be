"""Prioritization, boxes 16-17: Consolidation's problem areas ranked highest to lowest and
marked for root-cause exploration. The areas are shown, never retyped; writes change only
their `priority` and `explore_root_causes` and count against the prioritization record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import F, QuerySet

from steps import access
from steps.models import ActivityRecord, Engagement, ProblemArea
from steps.parts import Entry, clean, entry, item, labelled

TEMPLATE = "steps/parts/prioritization.html"

NO_PROBLEM_AREAS = (
    "Consolidation has no problem areas yet: add them in Box 15 of Consolidation, then "
    "rank them here."
)
NOT_RANKED = "Box 16: confirm the rank of these problem areas (not ranked yet): {areas}."
NONE_TO_EXPLORE = "Box 17: mark at least one problem area to explore for root causes."


def ranking_for_engagement(engagement: Engagement) -> QuerySet[ProblemArea]:
    """The engagement's problem areas, highest priority first; those never ranked follow
    in the order Consolidation entered them, so a new area joins at the bottom."""
    return access.rows_for_engagement(ProblemArea, engagement).order_by(
        F("priority").asc(nulls_last=True), "position", "pk"
    )


@dataclass(frozen=True)
class RankedArea:
    area: ProblemArea
    rank: int
    first: bool
    last: bool

    @property
    def ranked(self) -> bool:
        return self.area.priority is not None


def ranked_areas(engagement: Engagement) -> list[RankedArea]:
    areas = list(ranking_for_engagement(engagement))
    return [
        RankedArea(area, rank, first=rank == 1, last=rank == len(areas))
        for rank, area in enumerate(areas, start=1)
    ]


class MoveForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    direction = forms.ChoiceField(choices=[("up", "Move up"), ("down", "Move down")])


class ExploreForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    explore = forms.BooleanField(required=False)


class RankForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, required=False)


def context(*, record: ActivityRecord, user: object) -> dict[str, Any]:
    rows = ranked_areas(record.engagement)
    return {"rows": rows, "unranked": [row for row in rows if not row.ranked]}


def check(*, record: ActivityRecord) -> list[str]:
    areas = list(ranking_for_engagement(record.engagement))
    if not areas:
        return [NO_PROBLEM_AREAS]
    problems = []
    unranked = [area for area in areas if area.priority is None]
    if unranked:
        problems.append(NOT_RANKED.format(areas=", ".join(f"“{area}”" for area in unranked)))
    if not any(area.explore_root_causes for area in areas):
        problems.append(NONE_TO_EXPLORE)
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """Box 16, the ranking (each area with its numbers, since those are written in Step 1),
    and box 17, the areas marked for root-cause exploration: one entry per box, so moving
    an area shows as a change of the ranking."""
    rows = ranked_areas(record.engagement)
    explore = [
        item(f"{row.rank}.", row.area.description) for row in rows if row.area.explore_root_causes
    ]
    return [
        entry("prioritization:ranking", "Box 16 · Prioritized problem areas", *map(_ranked, rows)),
        entry(
            "prioritization:explore", "Box 17 · Problem areas to explore for root causes", *explore
        ),
    ]


def _ranked(row: RankedArea) -> str:
    heading = clean(row.area.description) + ("" if row.ranked else " (not ranked yet)")
    numbers = labelled("Quantification", row.area.quantification)
    return item(f"{row.rank}.", f"{heading}\n{numbers}" if numbers else heading)
