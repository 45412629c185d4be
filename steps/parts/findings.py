"""Boxes 13 and 14 of the Consolidation: areas of strength and of weakness, each with the
data that supports it. (Box 15, the problem areas, is the `problem_areas` part.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from lea.models import User
from steps.forms import _no_nul
from steps.merge import fingerprints, version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, Engagement, Finding
from steps.parts import Entry, entry, labelled, or_empty
from steps.services.part_findings import SUPPORTING_DATA_MAX, finding_values

TEMPLATE = "steps/parts/findings.html"

NO_STRENGTH = "Box 13: name at least one area of strength, with the data that supports it."
NO_WEAKNESS = "Box 14: name at least one area of weakness, with the data that supports it."
# Form prefixes keep field ids unique: one add form per kind, plus the box answers form.
EDIT = "edit-finding"
KINDS = tuple(Finding.Kind)
BOXES = {
    Finding.Kind.STRENGTH: (13, "Areas of strength"),
    Finding.Kind.WEAKNESS: (14, "Areas of weakness"),
}


class FindingForm(RowFormMixin, forms.ModelForm):
    """One area as typed, with the activity's version token and each field's base."""

    form_id = "finding-edit"
    supporting_data = forms.CharField(
        label="Supporting data",
        max_length=SUPPORTING_DATA_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[_no_nul],
        help_text="The numbers or evidence that show it, with their source.",
    )

    class Meta:
        model = Finding
        fields = ("area", "supporting_data")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].validators.append(_no_nul)


def edit_form(record: ActivityRecord, finding: Finding) -> FindingForm:
    """The finding's edit form as drawn now: its values, their bases, the version token."""
    values = finding_values(finding)
    return FindingForm(
        initial={**values, "version": version_token(record)},
        bases=fingerprints(values),
        prefix=EDIT,
    )


def findings_of(engagement: Engagement) -> QuerySet[Finding]:
    """The engagement's strengths and weaknesses; an id from anywhere else is not found."""
    return Finding.objects.filter(engagement=engagement)


def get_finding_in_engagement(engagement: Engagement, finding_id: int) -> Finding:
    return get_object_or_404(findings_of(engagement).select_related("record"), pk=finding_id)


def kind_from_url(kind: str) -> Finding.Kind | None:
    return next((known for known in KINDS if known.value == kind), None)


def context(
    *,
    record: ActivityRecord,
    user: User,
    add_forms: dict[str, FindingForm] | None = None,
    edit_form: FindingForm | None = None,
    editing: Finding | None = None,
) -> dict[str, Any]:
    """What findings.html needs: one list and one add form per kind. Views pass a bound
    add form (by kind), or an `edit_form` with the finding being edited, to show what was
    typed and the errors beside the fields."""
    found = list(findings_of(record.engagement))
    add_forms = add_forms or {}
    return {
        "lists": [
            {
                "kind": kind,
                "box": BOXES[kind][0],
                "title": BOXES[kind][1],
                "findings": [finding for finding in found if finding.kind == kind],
                "add_form": add_forms.get(kind)
                or FindingForm(initial={"version": version_token(record)}, prefix=kind.value),
            }
            for kind in KINDS
        ],
        "edit_form": edit_form,
        "editing": editing,
    }


def check(*, record: ActivityRecord) -> list[str]:
    kinds = set(findings_of(record.engagement).order_by().values_list("kind", flat=True).distinct())
    problems = []
    if Finding.Kind.STRENGTH not in kinds:
        problems.append(NO_STRENGTH)
    if Finding.Kind.WEAKNESS not in kinds:
        problems.append(NO_WEAKNESS)
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """Box 13 then box 14: one entry per area with its supporting data; a box with none
    yet is one empty entry (anchored by its kind)."""
    found = list(findings_of(record.engagement))
    entries: list[Entry] = []
    for kind in KINDS:
        box, title = BOXES[kind]
        rows = [finding for finding in found if finding.kind == kind]
        entries += or_empty(
            [
                entry(
                    f"findings:{finding.pk}",
                    f"Box {box} · {kind.label} {number}",
                    finding.area,
                    labelled("Supporting data", finding.supporting_data),
                )
                for number, finding in enumerate(rows, start=1)
            ],
            f"findings:{kind.value}",
            f"Box {box} · {title}",
        )
    return entries
