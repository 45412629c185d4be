"""Forms for the steps app. They parse and validate input; writes are services."""

from pathlib import Path

from django import forms

from cim.catalog_rules import choices_of, condition_help
from cim.uploads import FILE_TOO_BIG, UploadLimits, size_words
from steps.merge import MAX_ANSWER_LENGTH, TOO_LONG, posted_bases

NOT_CSV_OR_XLSX = (
    "Choose a CSV (.csv) or Excel workbook (.xlsx) file. In Excel, use Save As and pick "
    "CSV UTF-8 or Excel Workbook."
)


class AdlUploadForm(forms.Form):
    file = forms.FileField(
        label="ADL cohort file",
        help_text="CSV or Excel (.xlsx), one row per LEA.",
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
        self.max_bytes = UploadLimits.from_settings().max_bytes
        self.fields[
            "file"
        ].help_text = f"CSV or Excel (.xlsx), one row per LEA, up to {size_words(self.max_bytes)}."

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(NOT_CSV_OR_XLSX)
        if upload.size > self.max_bytes:
            raise forms.ValidationError(FILE_TOO_BIG.format(limit=size_words(self.max_bytes)))
        return upload


NUL_BYTE = "Remove the invisible NUL character (it can come from pasting from some programs)."


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError(NUL_BYTE)


def _answer_field(spec: dict[str, object]) -> forms.Field:
    """A form field for one box prompt. Nothing is required here: a draft always saves,
    and the submission checklist says what is still missing."""
    kind = spec.get("type", "text")
    help_parts = [str(spec[key]) for key in ("note",) if spec.get(key)]
    if when := condition_help(spec):
        help_parts.append(when)
    common: dict[str, object] = {
        "label": spec["label"],
        "required": False,
        "help_text": _sentence(" ".join(help_parts)),
    }
    if kind == "boolean":
        return forms.TypedChoiceField(
            choices=[("", "Not answered yet"), ("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
            **common,  # type: ignore[arg-type]
        )
    if kind == "choice":
        choices = [(choice.value, choice.label) for choice in choices_of(spec)]
        return forms.ChoiceField(choices=[("", "Choose…"), *choices], **common)  # type: ignore[arg-type]
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)  # type: ignore[arg-type]
    if kind == "url":
        return forms.URLField(assume_scheme="https", **common)  # type: ignore[arg-type]
    if kind == "email":
        return forms.EmailField(**common)  # type: ignore[arg-type]
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_ANSWER_LENGTH,
        validators=[_no_nul],
        error_messages={"max_length": _too_long_message(str(spec["label"]))},
        **common,  # type: ignore[arg-type]
    )
    # A browser cuts a paste at maxlength without a word: the server says it instead.
    text.widget.attrs.pop("maxlength", None)
    return text


def _sentence(text: str) -> str:
    # capitalize() would lowercase the rest ("lea", "idc"): only the first letter changes.
    return text[:1].upper() + text[1:]


def _too_long_message(label: str) -> str:
    # Django fills in limit_value and show_value; the label is escaped for % formatting.
    return TOO_LONG.format(
        label=label.replace("%", "%%"), limit=MAX_ANSWER_LENGTH, length=99
    ).replace("99", "%(show_value)s", 1)


_BOOTSTRAP_CLASS: dict[type, str] = {
    forms.RadioSelect: "form-check-input",
    forms.Select: "form-select",
}


ANSWERS_FORM_ID = "answers-form"


class AnswersForm(forms.Form):
    """The activity's box answers, built from the catalog's prompts, plus the version the
    person started from (a token naming the activity) and, per box, a fingerprint of
    the answer as they first saw it (`base-<name>`, read by `bases`)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, specs: list[dict[str, object]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.answer_names: list[str] = []
        for spec in specs:
            field = _answer_field(spec)
            field.widget.attrs["class"] = _BOOTSTRAP_CLASS.get(type(field.widget), "form-control")
            self.fields[str(spec["name"])] = field
            self.answer_names.append(str(spec["name"]))

    def answers(self) -> dict[str, object]:
        """Cleaned answers as JSON values (dates as ISO strings). Only the prompts the
        request carried: a partial post leaves the other answers as they are."""
        values = {}
        for name in self.answer_names:
            if name not in self.data or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return values

    def bases(self) -> dict[str, str]:
        return posted_bases(self.data, self.answer_names)

    def labels(self) -> dict[str, str]:
        return {name: str(self.fields[name].label) for name in self.answer_names}


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


class UndoForm(forms.Form):
    """Take back the decision on one version (the one the reviewer saw decided)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


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


RECORDED_FACT_CHOICES = {"yes": True, "no": False}


class RecordedFactForm(forms.Form):
    """A yes/no fact about the LEA's year (steps/facts.py), or not decided yet."""

    value = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No"), ("", "Not decided yet")],
        coerce=RECORDED_FACT_CHOICES.__getitem__,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: object, question: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["value"].label = question


class PriorPlanForm(forms.Form):
    """The link to the plan an LEA continuing from an earlier cohort wrote outside the
    portal (empty clears it)."""

    url = forms.URLField(
        label="Link to the LEA's existing Plan for Improvement",
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a full web address, such as https://…"},
        help_text="A web address where reviewers can read the plan, such as a shared document.",
    )


class DrilldownUploadForm(forms.Form):
    """The Data Drill Down's student-level extract (steps/drilldown.py)."""

    file = forms.FileField(
        label="Student-level extract (CSV or Excel .xlsx)",
        help_text="One row per student with an IEP on census day, with the template's columns.",
    )


class DrilldownCiteForm(forms.Form):
    """One breakdown of the Data Drill Down (or one group's row of it) to cite in a
    problem area. The page offers the choices; anything else is refused by the service."""

    drill_down = forms.IntegerField(widget=forms.HiddenInput)
    measure = forms.CharField(max_length=40, widget=forms.HiddenInput)
    dimension = forms.CharField(max_length=40, widget=forms.HiddenInput)
    group = forms.CharField(label="What to cite", max_length=200, required=False)
    problem_area = forms.IntegerField(
        label="Problem area", error_messages={"required": "Choose the problem area to cite it in."}
    )
