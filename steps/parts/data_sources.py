"""Box 10, the Data Drill Down's sources: each tagged with an education (special or
general), a kind of data (quantitative or qualitative) and an area, chosen from the lists
of the cohort's catalog, which also says which of them the sources must cover."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cim.catalog_rules import Choice
from lea.models import User
from steps.forms import _no_nul
from steps.merge import fingerprints, version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, DataSource, Engagement
from steps.parts import Entry, entry, labelled, or_empty
from steps.services.part_data_sources import NOTES_MAX, source_tags, source_values, tag_words

TEMPLATE = "steps/parts/data_sources.html"

NO_SOURCES = "Box 10: no data sources are listed yet."
NEEDS_EDUCATION = "Box 10: list at least one {education} data source."
NEEDS_KIND = "Box 10: list at least one {kind} data source."
MISSING_AREAS = "Box 10: no data source covers these areas yet: {areas}."
TAG_LABELS = {"education": "Education", "kind": "Kind", "area": "Area"}
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

    def __init__(self, *args: Any, tags: dict[str, list[Choice]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(_no_nul)
        # The cohort's catalog lists each tag's choices, in the state's words.
        for tag, choices in tags.items():
            self.fields[tag] = forms.ChoiceField(
                label=TAG_LABELS[tag],
                choices=[("", "Choose…"), *((choice.value, choice.label) for choice in choices)],
            )


def tags_of(record: ActivityRecord) -> dict[str, list[Choice]]:
    return source_tags(cohort_id=record.engagement.cohort_id)


def edit_form(record: ActivityRecord, source: DataSource) -> DataSourceForm:
    """The source's edit form as drawn now: its values, their bases, the version token."""
    values = source_values(source)
    return DataSourceForm(
        initial={**values, "version": version_token(record)},
        bases=fingerprints(values),
        prefix=EDIT,
        tags=tags_of(record),
    )


@dataclass(frozen=True)
class SourceRow:
    source: DataSource
    tags: list[str]  # education, kind and area in the catalog's words


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
    tags = tags_of(record)
    return {
        "rows": [
            SourceRow(source, tag_words(source, tags))
            for source in data_sources_of(record.engagement)
        ],
        "add_form": add_form
        or DataSourceForm(initial={"version": version_token(record)}, prefix=ADD, tags=tags),
        "edit_form": edit_form,
        "editing": editing,
    }


def check(*, record: ActivityRecord) -> list[str]:
    sources = list(data_sources_of(record.engagement))
    if not sources:
        return [NO_SOURCES]
    tags = tags_of(record)
    problems = []
    for tag, message in (("education", NEEDS_EDUCATION), ("kind", NEEDS_KIND)):
        covered = {getattr(source, tag) for source in sources}
        problems += [
            message.format(**{tag: choice.label.lower()})
            for choice in tags[tag]
            if choice.required and choice.value not in covered
        ]
    areas = {source.area for source in sources}
    missing = [c.label for c in tags["area"] if c.required and c.value not in areas]
    if missing:
        problems.append(MISSING_AREAS.format(areas=", ".join(missing)))
    return problems


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """One entry per source: its name, its three tags, then its notes."""
    tags = tags_of(record)
    return or_empty(
        [
            entry(
                f"data_sources:{source.pk}",
                f"Box 10 · Data source {number}",
                source.name,
                " · ".join(tag_words(source, tags)),
                labelled("Notes", source.notes),
            )
            for number, source in enumerate(data_sources_of(record.engagement), start=1)
        ],
        "data_sources",
        "Box 10 · Data sources",
    )
