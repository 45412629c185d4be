"""Box 10, the Data Drill Down's sources: each tagged special or general education,
quantitative or qualitative, and one of the six areas the state asks the LEA to cover."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from lea.models import User
from steps.forms import _no_nul
from steps.merge import fingerprints, version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, DataSource, Engagement
from steps.parts import Entry, entry, labelled, or_empty
from steps.services.part_data_sources import NOTES_MAX, source_values

TEMPLATE = "steps/parts/data_sources.html"

NO_SOURCES = "Box 10: no data sources are listed yet."
NEEDS_EDUCATION = "Box 10: list at least one {education} data source."
NEEDS_KIND = "Box 10: list at least one {kind} data source."
MISSING_AREAS = "Box 10: no data source covers these areas yet: {areas}."
# Form prefixes keep field ids unique on a page that also carries the box answers form.
ADD = "source"
EDIT = "edit-source"


class DataSourceForm(RowFormMixin, forms.ModelForm):
    """One source as typed, with the activity's version token and each field's base."""

    form_id = "data-source-edit"
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[_no_nul],
        help_text="What the source shows, for which students and years.",
    )

    class Meta:
        model = DataSource
        fields = ("name", "education", "kind", "area", "notes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(_no_nul)


def edit_form(record: ActivityRecord, source: DataSource) -> DataSourceForm:
    """The source's edit form as drawn now: its values, their bases, the version token."""
    values = source_values(source)
    return DataSourceForm(
        initial={**values, "version": version_token(record)},
        bases=fingerprints(values),
        prefix=EDIT,
    )


def data_sources_of(engagement: Engagement) -> QuerySet[DataSource]:
    """The engagement's data sources; a source id from anywhere else is not found."""
    return DataSource.objects.filter(engagement=engagement)


def get_source_in_engagement(engagement: Engagement, source_id: int) -> DataSource:
    return get_object_or_404(data_sources_of(engagement).select_related("record"), pk=source_id)


def context(
    *,
    record: ActivityRecord,
    user: User,
    add_form: DataSourceForm | None = None,
    edit_form: DataSourceForm | None = None,
    editing: DataSource | None = None,
) -> dict[str, Any]:
    """What data_sources.html needs. Views pass a bound `add_form`, or an `edit_form` with
    the source being edited, to show what was typed and the errors beside the fields."""
    return {
        "sources": list(data_sources_of(record.engagement)),
        "add_form": add_form
        or DataSourceForm(initial={"version": version_token(record)}, prefix=ADD),
        "edit_form": edit_form,
        "editing": editing,
    }


def check(*, record: ActivityRecord) -> list[str]:
    sources = list(data_sources_of(record.engagement))
    if not sources:
        return [NO_SOURCES]
    problems = []
    educations = {source.education for source in sources}
    for education in DataSource.Education:
        if education not in educations:
            problems.append(NEEDS_EDUCATION.format(education=education.label.lower()))
    kinds = {source.kind for source in sources}
    for kind in DataSource.Kind:
        if kind not in kinds:
            problems.append(NEEDS_KIND.format(kind=kind.label.lower()))
    areas = {source.area for source in sources}
    missing = [area.label for area in DataSource.Area if area not in areas]
    if missing:
        problems.append(MISSING_AREAS.format(areas=", ".join(missing)))
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """One entry per source: its name, its three tags, then its notes."""
    return or_empty(
        [
            entry(
                f"data_sources:{source.pk}",
                f"Box 10 · Data source {number}",
                source.name,
                " · ".join(
                    (
                        source.get_education_display(),
                        source.get_kind_display(),
                        source.get_area_display(),
                    )
                ),
                labelled("Notes", source.notes),
            )
            for number, source in enumerate(data_sources_of(record.engagement), start=1)
        ],
        "data_sources",
        "Box 10 · Data sources",
    )
