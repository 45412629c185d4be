"""Root Cause Analysis, boxes 19-22 and as many more as the LEA finds: each root cause
with its qualitative and quantitative supporting data, pointing at the problem areas it
explains (chosen from this engagement's, never retyped). An LEA that skipped the optional
Consolidation adds its problem areas here, where it needs them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lea.models import AuditVerb
from steps import access
from steps.merge import version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, Engagement, ProblemArea, RootCause
from steps.parts import Entry, entry, labelled, listing, or_empty
from steps.parts.prioritization import ranking_for_engagement
from steps.parts.problem_areas import PROBLEM_AREAS, TEXT_LIMIT, ProblemAreaForm, text_field
from steps.parts.rows import RowPart, Verbs, of_engagement
from steps.services.parts_merge import values_for, words

TEMPLATE = "steps/parts/root_causes.html"

NO_ROOT_CAUSES = "Box 19: add at least one root cause with its supporting data."
UNEXPLAINED = "These problem areas have no root cause yet: {areas}."
# File 002, boxes 19-22: each root cause with "a summary of the qualitative and
# quantitative data supporting" it, and the problem area(s) it is designed to address.
NO_SUPPORT = "Root cause “{cause}” needs its {missing} supporting data."
UNLINKED = "Root cause “{cause}” does not say which problem area it explains."
# The form that adds a problem area on this page shares it with the root cause forms.
AREA_PREFIX = "new-area"
FOREIGN_AREA = "Choose problem areas from this LEA's Consolidation."
ADDRESSED = (
    "The plan's problem of practice “{problem}” is grounded in this root cause: unlink it "
    "in the Plan for Improvement first."
)


def root_causes_for_engagement(engagement: Engagement) -> QuerySet[RootCause]:
    return (
        access.rows_for_engagement(RootCause, engagement)
        .order_by("position", "pk")
        .prefetch_related("problem_areas")
    )


def problem_areas_to_explain(engagement: Engagement) -> QuerySet[ProblemArea]:
    """The problem areas a root cause may point at: this engagement's, by priority."""
    return ranking_for_engagement(engagement)


class RootCauseForm(RowFormMixin, forms.Form):
    form_id = "root_causes-edit"
    statement = text_field("Root cause", help_text="Why the problem areas exist.")
    problem_areas = forms.ModelMultipleChoiceField(
        label="Problem areas it explains",
        queryset=ProblemArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=(
            "Written in Consolidation, or below under “Add a problem area”; "
            "the highest priority first."
        ),
    )
    qualitative_support = text_field(
        "Qualitative supporting data",
        required=False,
        help_text="What people said or observed: interviews, surveys, record reviews.",
    )
    quantitative_support = text_field(
        "Quantitative supporting data",
        required=False,
        help_text="The numbers: rates, counts, gaps.",
    )

    def __init__(self, *args: Any, problem_areas: QuerySet[ProblemArea], **kwargs: Any) -> None:
        # Other parts share the activity page: prefixed ids keep every label's target unique.
        kwargs.setdefault("auto_id", "root_cause_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["problem_areas"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 -- narrows the type
        field.queryset = problem_areas


@values_for(RootCause)
def cause_values(cause: RootCause) -> dict[str, Any]:
    """The root cause's values as the form names them."""
    return {
        "statement": cause.statement,
        "problem_areas": list(cause.problem_areas.all()),
        "qualitative_support": cause.qualitative_support,
        "quantitative_support": cause.quantitative_support,
    }


def _not_addressed(cause: RootCause) -> None:
    problem = cause.problems_of_practice.first()
    if problem is not None:
        raise ValidationError(ADDRESSED.format(problem=problem))


# There may be more than Stepwell's four boxes: a new root cause goes after the others.
ROOT_CAUSES = RowPart[RootCause](
    part="root_causes",
    model=RootCause,
    noun="root cause",
    url="root_causes",
    url_name="root_causes",
    rows_of=of_engagement(root_causes_for_engagement),
    form=lambda record, *args, **kwargs: RootCauseForm(
        *args, problem_areas=problem_areas_to_explain(record.engagement), **kwargs
    ),
    text_limits=dict.fromkeys(
        ("statement", "qualitative_support", "quantitative_support"), TEXT_LIMIT
    ),
    chosen_in_engagement={"problem_areas": FOREIGN_AREA},
    removable=_not_addressed,
    verbs=Verbs(
        add=AuditVerb.ROOT_CAUSES_ADD,
        edit=AuditVerb.ROOT_CAUSES_EDIT,
        remove=AuditVerb.ROOT_CAUSES_REMOVE,
    ),
    about=lambda cause: {"root_cause": words(cause.statement)},
    added=lambda cause: {"problem_areas": words(cause.problem_areas.all())},
    said_added=lambda cause: f"Root cause “{cause}” added.",
    said_saved=lambda cause: f"Root cause “{cause}” saved.",
    said_removed=lambda cause: f"Root cause “{cause}” removed.",
)
ROWS = (ROOT_CAUSES,)


def new_area_form(record: ActivityRecord, data: Any = None) -> ProblemAreaForm:
    """A problem area written right here, for an LEA that has none to point at."""
    initial = {"version": version_token(record)}
    return PROBLEM_AREAS.form(record, data, initial=initial, prefix=AREA_PREFIX)  # type: ignore[return-value]


def context(
    *,
    record: ActivityRecord,
    user: object,
    add_form: RootCauseForm | None = None,
    edit_form: RootCauseForm | None = None,
    editing: RootCause | None = None,
    area_form: ProblemAreaForm | None = None,
) -> dict[str, Any]:
    """What root_causes.html needs. Views pass a bound `add_form` or `area_form`, or an
    `edit_form` with the cause being edited, to show what was typed and the errors."""
    return {
        "causes": list(root_causes_for_engagement(record.engagement)),
        "form": add_form or ROOT_CAUSES.add_form(record),
        "area_form": area_form or new_area_form(record),
        "edit_form": edit_form,
        "editing": editing,
    }


def _to_explain(areas: list[ProblemArea]) -> list[ProblemArea]:
    """The areas marked for exploration; if none is marked yet, every ranked one."""
    marked = [area for area in areas if area.explore_root_causes]
    return marked or [area for area in areas if area.priority is not None]


def check(*, record: ActivityRecord) -> list[str]:
    engagement = record.engagement
    causes = list(root_causes_for_engagement(engagement))
    if not causes:
        return [NO_ROOT_CAUSES]
    areas = list(problem_areas_to_explain(engagement))
    explained = {area.pk for cause in causes for area in cause.problem_areas.all()}
    problems = []
    unexplained = [area for area in _to_explain(areas) if area.pk not in explained]
    if unexplained:
        problems.append(UNEXPLAINED.format(areas=", ".join(f"“{a}”" for a in unexplained)))
    for cause in causes:
        if not cause.problem_areas.all():
            problems.append(UNLINKED.format(cause=cause))
        given = (
            ("qualitative", cause.qualitative_support),
            ("quantitative", cause.quantitative_support),
        )
        if missing := [kind for kind, text in given if not text.strip()]:
            problems.append(NO_SUPPORT.format(cause=cause, missing=" and ".join(missing)))
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """One entry per root cause: the cause, the problem areas it explains, and its
    qualitative and quantitative support."""
    return or_empty(
        [
            entry(
                f"root_causes:{cause.pk}",
                f"Boxes 19-22 · Root cause {number}",
                cause.statement,
                listing(
                    "Problem areas it explains",
                    (area.description for area in cause.problem_areas.all()),
                ),
                labelled("Qualitative supporting data", cause.qualitative_support),
                labelled("Quantitative supporting data", cause.quantitative_support),
            )
            for number, cause in enumerate(root_causes_for_engagement(record.engagement), start=1)
        ],
        "root_causes",
        "Boxes 19-22 · Root causes",
    )
