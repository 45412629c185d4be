"""`{{ row.status|status_words }}`, `{{ row.requirement|requirement_words }}`: a coded value
as the pages say it ("In progress", "Not applicable"), for rows that keep the codes for the
CSV export (steps/selectors.py StatusRow)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import dateformat

from steps.models import ActivityRecord, ResolvedRequirement

register = template.Library()

STATUS_WORDS = dict(ActivityRecord.Status.choices)
REQUIREMENT_WORDS = dict(ResolvedRequirement.choices)


def _readable(code: str) -> str:
    return code.replace("_", " ").capitalize()


@register.filter
def status_words(code: str) -> str:
    return str(STATUS_WORDS.get(code) or _readable(str(code)))


@register.filter
def requirement_words(code: str) -> str:
    return str(REQUIREMENT_WORDS.get(code) or _readable(str(code)))


@register.filter
def date_words(iso: str) -> str:
    """A row's ISO date ("2025-06-30", as the CSV keeps it) as the pages say it."""
    return dateformat.format(date.fromisoformat(iso), "F j, Y") if iso else ""


@register.filter
def looked_up(words: dict[object, str], key: object) -> str:
    """`{{ trace.source_tags|looked_up:source.pk }}`: the words a page's data keeps by key."""
    return words.get(key, "")
