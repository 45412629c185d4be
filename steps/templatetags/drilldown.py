"""`{{ area|cited }}`: the Data Drill Down breakdowns a problem area cites, suppressed as
they leave the team (steps/drilldown_page.py). Reads the area's citations, prefetched
where a page shows many areas."""

from __future__ import annotations

from django import template

from steps.drilldown_page import CitedBreakdown, cited_breakdowns
from steps.models import ProblemArea

register = template.Library()


@register.filter(name="cited")
def cited_filter(area: ProblemArea) -> list[CitedBreakdown]:
    return cited_breakdowns(area.citations.all())
