"""Consolidation, box 15: the data-supported, quantified problem areas that Step 2 ranks
and explains. The rows belong to the consolidation record; prioritization and root cause
analysis point at them and never retype them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet

from cim.catalog_rules import box_field
from lea.models import AuditVerb
from steps import access
from steps.drilldown_page import cited_breakdowns
from steps.forms import _no_nul
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, DataSource, Engagement, ProblemArea
from steps.parts import Entry, entry, labelled, listing, or_empty
from steps.parts.data_sources import data_sources_for_engagement
from steps.parts.rows import RowPart, Verbs, of_engagement
from steps.services.parts_merge import values_for, words

TEMPLATE = "steps/parts/problem_areas.html"
# Long enough for a paragraph with its statistics; a 1 MB paste is a mistake, not an answer.
TEXT_LIMIT = 5_000

NO_PROBLEM_AREAS = "Box 15: add at least one data-supported problem area."
NOT_QUANTIFIED = "Box 15: problem area “{area}” needs its quantification (the numbers)."
TOO_FEW_RELATE = (
    "Box 15: at least {count} of the problem areas should relate to the LEA's "
    "identification (CDE expects it); tick “relates to the LEA's identification” on those "
    "that do."
)
NONE_RELATES = (
    "Box 15: at least one problem area should relate to the LEA's identification (CDE "
    "expects it); tick “relates to the LEA's identification” on the one that does."
)
FOREIGN_SOURCE = "Choose data sources from this LEA's Data Drill Down."
EXPLAINED = (
    "Root cause analysis links “{cause}” to this problem area: unlink it there first, "
    "so no root cause is left explaining nothing."
)
# The box 15 field whose catalog entry says how many problem areas must relate to the
# LEA's identification (`min_relating_to_identification`; 0 or absent: none need to).
PROBLEM_AREAS_FIELD = "problem_areas"


def text_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    """A textarea limited in length whose only NUL message is our plain-words one."""
    field = forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        validators=[_no_nul],
    )
    # Django's own check would say "Null characters are not allowed." beside ours.
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    return field


# --- Selectors -----------------------------------------------------------------------------


def problem_areas_for_engagement(engagement: Engagement) -> QuerySet[ProblemArea]:
    """The engagement's problem areas in the order Consolidation entered them."""
    return (
        access.rows_for_engagement(ProblemArea, engagement)
        .order_by("position", "pk")
        .prefetch_related("sources", "citations__drill_down")
    )


def _cited(area: ProblemArea) -> str:
    """The breakdowns the area cites, each with its numbers as they leave the team."""
    cited = cited_breakdowns(area.citations.all())
    if not cited:
        return ""
    return listing("Cited from the Data Drill Down", ("\n".join(c.lines) for c in cited))


# --- Forms ---------------------------------------------------------------------------------


class ProblemAreaForm(RowFormMixin, forms.Form):
    form_id = "problem_areas-edit"
    description = text_field(
        "Problem area", help_text="What the problem is, for which students, where."
    )
    quantification = text_field(
        "Quantification", help_text="The numbers that show the problem (rates, counts, gaps)."
    )
    relates_to_identification = forms.BooleanField(
        label="Relates to the LEA's identification",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    sources = forms.ModelMultipleChoiceField(
        label="Data sources that show it",
        queryset=DataSource.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="From the Data Drill Down.",
    )

    def __init__(self, *args: Any, sources: QuerySet[DataSource], **kwargs: Any) -> None:
        # Other parts share the activity page: prefixed ids keep every label's target unique.
        kwargs.setdefault("auto_id", "problem_area_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["sources"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 -- narrows the type
        field.queryset = sources


# --- The rows ------------------------------------------------------------------------------


@values_for(ProblemArea)
def area_values(area: ProblemArea) -> dict[str, Any]:
    """The problem area's values as the form names them."""
    return {
        "description": area.description,
        "quantification": area.quantification,
        "relates_to_identification": area.relates_to_identification,
        "sources": list(area.sources.all()),
    }


def _not_explained(area: ProblemArea) -> None:
    cause = area.root_causes.first()
    if cause is not None:
        raise ValidationError(EXPLAINED.format(cause=cause))


# Its rank and links stay as they are: prioritization and root cause analysis write them.
PROBLEM_AREAS = RowPart[ProblemArea](
    part="problem_areas",
    model=ProblemArea,
    noun="problem area",
    url="problem_areas",
    url_name="problem_areas",
    rows_of=of_engagement(problem_areas_for_engagement),
    form=lambda record, *args, **kwargs: ProblemAreaForm(
        *args, sources=data_sources_for_engagement(record.engagement), **kwargs
    ),
    text_limits=dict.fromkeys(("description", "quantification"), TEXT_LIMIT),
    chosen_in_engagement={"sources": FOREIGN_SOURCE},
    removable=_not_explained,
    verbs=Verbs(
        add=AuditVerb.PROBLEM_AREAS_ADD,
        edit=AuditVerb.PROBLEM_AREAS_EDIT,
        remove=AuditVerb.PROBLEM_AREAS_REMOVE,
    ),
    about=lambda area: {"problem_area": words(area.description)},
    added=lambda area: {"quantification": area.quantification},
    said_added=lambda area: f"Problem area “{area}” added.",
    said_saved=lambda area: f"Problem area “{area}” saved.",
    said_removed=lambda area: f"Problem area “{area}” removed.",
)
ROWS = (PROBLEM_AREAS,)


# --- The part ------------------------------------------------------------------------------


def context(
    *,
    record: ActivityRecord,
    user: object,
    add_form: ProblemAreaForm | None = None,
    edit_form: ProblemAreaForm | None = None,
    editing: ProblemArea | None = None,
) -> dict[str, Any]:
    """What problem_areas.html needs. Views pass a bound `add_form`, or an `edit_form`
    with the area being edited, to show what was typed and the errors beside the fields."""
    engagement = record.engagement
    return {
        "areas": list(problem_areas_for_engagement(engagement)),
        "form": add_form or PROBLEM_AREAS.add_form(record),
        "has_sources": data_sources_for_engagement(engagement).exists(),
        "edit_form": edit_form,
        "editing": editing,
    }


def check(*, record: ActivityRecord) -> list[str]:
    areas = list(problem_areas_for_engagement(record.engagement))
    if not areas:
        return [NO_PROBLEM_AREAS]
    problems = [
        NOT_QUANTIFIED.format(area=area) for area in areas if not area.quantification.strip()
    ]
    spec = box_field(cohort_id=record.engagement.cohort_id, name=PROBLEM_AREAS_FIELD)
    wanted = spec.get("min_relating_to_identification", 0)
    if sum(area.relates_to_identification for area in areas) < wanted:
        problems.append(NONE_RELATES if wanted == 1 else TOO_FEW_RELATE.format(count=wanted))
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """One entry per problem area: what it is, its numbers, whether it relates to the
    identification, and the data sources that show it."""
    return or_empty(
        [
            entry(
                f"problem_areas:{area.pk}",
                f"Box 15 · Problem area {number}",
                area.description,
                labelled("Quantification", area.quantification),
                "Relates to the LEA's identification: "
                + ("Yes" if area.relates_to_identification else "No"),
                listing("Data sources", (source.name for source in area.sources.all())),
                _cited(area),
            )
            for number, area in enumerate(problem_areas_for_engagement(record.engagement), start=1)
        ],
        "problem_areas",
        "Box 15 · Problem areas",
    )
