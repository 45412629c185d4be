"""Forms for the steps app. They parse and validate input; writes are services."""

from pathlib import Path

from django import forms

from cim.adl import FILE_TOO_BIG, MAX_BYTES

NOT_CSV_OR_XLSX = (
    "Choose a CSV (.csv) or Excel workbook (.xlsx) file. In Excel, use Save As and pick "
    "CSV UTF-8 or Excel Workbook."
)


class AdlUploadForm(forms.Form):
    file = forms.FileField(
        label="ADL cohort file",
        help_text="CSV or Excel (.xlsx), one row per LEA, up to 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    year = forms.TypedChoiceField(
        label="Monitoring year",
        coerce=int,
        help_text="The year of the Annual Determination Letter. Only years whose cohorts are "
        "in the activity catalog can be loaded.",
    )

    def __init__(self, *args: object, years: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)  # noqa: S101 -- narrows the type
        year_field.choices = [(year, str(year)) for year in years]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(NOT_CSV_OR_XLSX)
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(FILE_TOO_BIG)
        return upload


NUL_BYTE = "Remove the invisible NUL character (it can come from pasting from some programs)."
CONDITION_NOTES = {"idc_tool_not_used": "Only if the IDC tool was not used."}
CHOICE_LABELS = {
    "FMTA_consultant_cc_TargetedMonitoring": (
        "CDE FMTA consultant, copy to TargetedMonitoring@cde.ca.gov"
    ),
}


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError(NUL_BYTE)


def _answer_field(spec: dict[str, object]) -> forms.Field:
    """A form field for one box prompt. Nothing is required here: a draft always saves,
    and the submission checklist says what is still missing."""
    kind = spec.get("type", "text")
    help_parts = [str(spec[key]) for key in ("note",) if spec.get(key)]
    if spec.get("condition") in CONDITION_NOTES:
        help_parts.append(CONDITION_NOTES[str(spec["condition"])])
    common: dict[str, object] = {
        "label": spec["label"],
        "required": False,
        "help_text": " ".join(help_parts).capitalize(),
    }
    if kind == "boolean":
        return forms.TypedChoiceField(
            choices=[("", "Not answered yet"), ("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
            **common,  # type: ignore[arg-type]
        )
    if kind == "choice":
        choices = [(c, CHOICE_LABELS.get(str(c), str(c))) for c in spec.get("choices", [])]  # type: ignore[attr-defined]
        return forms.ChoiceField(choices=[("", "Choose…"), *choices], **common)  # type: ignore[arg-type]
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)  # type: ignore[arg-type]
    if kind == "url":
        return forms.URLField(assume_scheme="https", **common)  # type: ignore[arg-type]
    if kind == "email":
        return forms.EmailField(**common)  # type: ignore[arg-type]
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        validators=[_no_nul],
        **common,  # type: ignore[arg-type]
    )


_BOOTSTRAP_CLASS: dict[type, str] = {
    forms.RadioSelect: "form-check-input",
    forms.Select: "form-select",
}


class AnswersForm(forms.Form):
    """The activity's box answers, built from the catalog's prompts, plus the version the
    person started from."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: object, specs: list[dict[str, object]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for spec in specs:
            field = _answer_field(spec)
            field.widget.attrs["class"] = _BOOTSTRAP_CLASS.get(type(field.widget), "form-control")
            self.fields[str(spec["name"])] = field

    def answers(self) -> dict[str, object]:
        """Cleaned answers as JSON values (dates as ISO strings). Only the prompts the
        request carried: a partial post leaves the other answers as they are."""
        values = {}
        for name, value in self.cleaned_data.items():
            if name == "version" or name not in self.data:
                continue
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return values


class SubmitForm(forms.Form):
    """The state's confirmation (box 28): the lead types their name to submit."""

    confirmation_name = forms.CharField(
        label="Type your full name to confirm",
        max_length=150,
        help_text="As in the state's Stepwell box 28: typing your name and pressing Submit "
        "sends this work to its reviewer. You cannot change it while it is under review.",
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "form-control"}),
    )


class DecisionForm(forms.Form):
    """Approve or return one version; the version named is the one the reviewer read."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        label="Decision",
        choices=(("approved", "Approve"), ("returned", "Return for revision")),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    summary = forms.CharField(
        label="Summary for the LEA",
        required=False,
        max_length=5000,
        help_text="Required to return the work: say what the LEA must change.",
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )


class CommentForm(forms.Form):
    """A reviewer's note on one box (or on the version as a whole)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    activity_key = forms.SlugField(required=False, max_length=60, widget=forms.HiddenInput)
    anchor = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)
    question = forms.BooleanField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "Write the comment before sending it."},
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "Write the reply before sending it."},
    )
