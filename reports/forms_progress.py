"""Forms of Step 4: a progress report's draft (activities' progress and narratives), a
measured value of an outcome, and a CIM team meeting. Nothing is required for a draft
beyond what makes a row a row: the submit page says what is still missing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from reports.models import ActivityProgress
from reports.progress import Narrative
from reports.services.progress import MAX_NARRATIVE, MAX_NOTE, NOT_A_NUMBER
from steps.forms import _no_nul
from steps.merge_forms import RowFormMixin


def _text(label: str, *, rows: int, required: bool = False, limit: int = MAX_NOTE,
          help_text: str = "") -> forms.CharField:  # fmt: skip
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        validators=[_no_nul],
    )


class StepFourForm(forms.Form):
    """Bootstrap classes on every widget, and each field with an error marked invalid and
    described by its message, so assistive technology reads them together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for bound in self.visible_fields():
            widget = bound.field.widget
            css = {forms.RadioSelect: "form-check-input", forms.Select: "form-select"}
            widget.attrs.setdefault("class", css.get(type(widget), "form-control"))
            if bound.help_text:
                widget.attrs["aria-describedby"] = f"{bound.auto_id}_helptext"

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name not in self.fields or isinstance(self.fields[name].widget, forms.HiddenInput):
                continue
            bound = self[name]
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = attrs.get("class", "") + " is-invalid"
            described = [f"{bound.auto_id}_error"]
            if bound.help_text:
                described.insert(0, f"{bound.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)

    def add_error(self, field: str | None, error: Any) -> None:
        # A service's error on a field this form lacks goes on top of the form.
        if field is None and hasattr(error, "error_dict"):
            error.error_dict = {
                (name if name in self.fields else "__all__"): errors
                for name, errors in error.error_dict.items()
            }
        super().add_error(field, error)
        self.mark_invalid()


class ReportForm(RowFormMixin, StepFourForm):
    """The report's draft: a status and a note per activity of the plan, the narratives,
    and (steps/merge_forms.py) the report's version token and each field's base."""

    form_id = "report-form"

    def __init__(
        self,
        *args: Any,
        rows: Iterable[ActivityProgress],
        narratives: Iterable[Narrative],
        **kwargs: Any,
    ) -> None:
        self.rows = list(rows)
        # Every field exists before the merge mixin reads the posted bases and limits.
        fields = dict(type(self).base_fields)
        # The written parts the cohort's catalog asks, in its words.
        for narrative in narratives:
            fields[narrative.name] = _text(
                narrative.label, rows=4, limit=MAX_NARRATIVE, help_text=narrative.help
            )
        for row in self.rows:
            fields[f"status-{row.pk}"] = forms.ChoiceField(
                label="Status", choices=ActivityProgress.Status.choices
            )
            fields[f"note-{row.pk}"] = _text(
                "Note", rows=2, help_text="Evidence of implementation, or what changed."
            )
        self.base_fields = fields  # type: ignore[misc]
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        super().style()
        # The activities' fields sit beside each strategy's outcomes, whose own forms
        # come between them: they belong to the report's form by its id.
        for bound in self:
            bound.field.widget.attrs["form"] = "report-form"

    def status_field(self, row: ActivityProgress) -> forms.BoundField:
        return self[f"status-{row.pk}"]

    def note_field(self, row: ActivityProgress) -> forms.BoundField:
        return self[f"note-{row.pk}"]

    def activities(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {row.pk: (data[f"status-{row.pk}"], data[f"note-{row.pk}"]) for row in self.rows}


JUDGEMENTS = (("yes", "On track"), ("no", "Not on track"), ("", "Not judged yet"))


class MeasurementForm(RowFormMixin, StepFourForm):
    """A value of one outcome, measured on a day, with the team's judgement (an add: it
    carries the report's version token, no bases)."""

    # A text input (not type=number), so a wrong entry reaches the server, which then
    # explains it beside the field.
    value = forms.DecimalField(
        label="Measured value",
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"invalid": NOT_A_NUMBER},
    )
    measured_on = forms.DateField(
        label="Measured on", widget=forms.DateInput(attrs={"type": "date"})
    )
    on_track = forms.ChoiceField(
        label="Is the outcome on track?",
        choices=JUDGEMENTS,
        required=False,
        widget=forms.RadioSelect,
    )
    note = _text("Note", rows=2, help_text="Where the number comes from, or what it means.")

    def judgement(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["on_track"])


class MeetingForm(RowFormMixin, StepFourForm):
    """A team meeting; editing one, it carries the meeting's version token and bases."""

    form_id = "meeting-form"
    met_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    attendees = _text("Attendees", rows=3, required=True, help_text="One name (and role) per line.")
    notes = _text(
        "Notes", rows=3, limit=MAX_NARRATIVE, help_text="What the team reviewed and decided."
    )
