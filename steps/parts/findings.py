"""Boxes 13 and 14 of the Consolidation: areas of strength and of weakness, each with the
data that supports it. (Box 15, the problem areas, is the `problem_areas` part.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from lea.models import AuditVerb, User
from steps import access
from steps.forms import _no_nul
from steps.merge import version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, Engagement, Finding
from steps.parts import Entry, entry, labelled, or_empty
from steps.parts.rows import RowPart, Verbs, of_engagement
from steps.services.parts_merge import values_for

TEMPLATE = "steps/parts/findings.html"

NO_STRENGTH = "Box 13: name at least one area of strength, with the data that supports it."
NO_WEAKNESS = "Box 14: name at least one area of weakness, with the data that supports it."
# Supporting data is a summary with numbers; longer text is a stray paste.
SUPPORTING_DATA_MAX = 10_000
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


@values_for(Finding)
def finding_values(finding: Finding) -> dict[str, Any]:
    """The finding's values as the form names them (its kind stays)."""
    return {"area": finding.area, "supporting_data": finding.supporting_data}


def findings_for_engagement(engagement: Engagement) -> QuerySet[Finding]:
    """The engagement's strengths and weaknesses; an id from anywhere else is not found."""
    return access.rows_for_engagement(Finding, engagement)


def _kind_from_url(_record: ActivityRecord, kind: str) -> dict[str, Any] | None:
    known = next((known for known in KINDS if known.value == kind), None)
    return None if known is None else {"kind": known}


def _kind_word(finding: Finding) -> str:
    return finding.get_kind_display().lower()


FINDINGS = RowPart[Finding](
    part="findings",
    model=Finding,
    noun="finding",
    noun_of=_kind_word,
    url="findings",
    url_name="finding",
    add_url="findings/add/<slug:kind>/",
    fixed_by_url=_kind_from_url,
    rows_of=of_engagement(findings_for_engagement),
    form=lambda _record, *args, **kwargs: FindingForm(*args, **kwargs),
    add_prefix="{kind.value}",
    edit_prefix=EDIT,
    ordered_within=("kind",),
    text_limits={"supporting_data": SUPPORTING_DATA_MAX},
    verbs=Verbs(
        add=AuditVerb.FINDINGS_ADD_FINDING,
        edit=AuditVerb.FINDINGS_EDIT_FINDING,
        remove=AuditVerb.FINDINGS_REMOVE_FINDING,
    ),
    about=lambda finding: {_kind_word(finding): finding.area},
    added=lambda finding: {"supporting data": finding.supporting_data},
    said_added=lambda finding: f"“{finding.area}” is listed as an {_kind_word(finding)}.",
    said_saved=lambda finding: f"“{finding.area}” is saved.",
    said_removed=lambda finding: f"“{finding.area}” is no longer listed.",
)
ROWS = (FINDINGS,)


def context(
    *,
    record: ActivityRecord,
    user: User,
    add_form: FindingForm | None = None,
    edit_form: FindingForm | None = None,
    editing: Finding | None = None,
) -> dict[str, Any]:
    """What findings.html needs: one list and one add form per kind. Views pass a bound
    add form (its prefix is its kind), or an `edit_form` with the finding being edited,
    to show what was typed and the errors beside the fields."""
    found = list(findings_for_engagement(record.engagement))
    add_forms = {add_form.prefix: add_form} if add_form else {}
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
    kinds = set(
        findings_for_engagement(record.engagement)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    problems = []
    if Finding.Kind.STRENGTH not in kinds:
        problems.append(NO_STRENGTH)
    if Finding.Kind.WEAKNESS not in kinds:
        problems.append(NO_WEAKNESS)
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """Box 13 then box 14: one entry per area with its supporting data; a box with none
    yet is one empty entry (anchored by its kind)."""
    found = list(findings_for_engagement(record.engagement))
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
