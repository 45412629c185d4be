"""Forms for the steps app. They parse and validate input; writes are services."""

from pathlib import Path

from django import forms

from cim.adl import MAX_BYTES
from steps.services.adl_upload import TOO_BIG

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
            raise forms.ValidationError(TOO_BIG)
        return upload
