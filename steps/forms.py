"""Forms for the steps app. They parse and validate input; writes are services."""

from pathlib import Path

from django import forms
from django.utils import timezone

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
    year = forms.IntegerField(
        label="Monitoring year",
        min_value=2020,
        max_value=2100,
        help_text="The year of the Annual Determination Letter, e.g. 2024.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year"].initial = timezone.localdate().year

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(NOT_CSV_OR_XLSX)
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(TOO_BIG)
        return upload
