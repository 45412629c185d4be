"""Box 10, the Data Drill Down's sources: each tagged with an education (special or
general), a kind of data (quantitative or qualitative) and an area, chosen from the lists
of the cohort's catalog, which also says which of them the sources must cover."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from cim.catalog_rules import Choice, box_field, item_choices, label_of
from lea.models import AuditVerb, User
from steps import access
from steps.forms import _no_nul
from steps.merge import version_token
from steps.merge_forms import RowFormMixin
from steps.models import ActivityRecord, DataSource, Engagement
from steps.parts import Entry, entry, labelled, or_empty
from steps.parts.rows import RowPart, Verbs, of_engagement
from steps.services.parts_merge import values_for, words

TEMPLATE = "steps/parts/data_sources.html"

NO_SOURCES = "Box 10: no data sources are listed yet."
NEEDS_EDUCATION = "Box 10: list at least one {education} data source."
NEEDS_KIND = "Box 10: list at least one {kind} data source."
MISSING_AREAS = "Box 10: no data source covers these areas yet: {areas}."
TAG_LABELS = {"education": "Education", "kind": "Kind", "area": "Area"}
# Form prefixes keep field ids unique on a page that also carries the box answers form.
ADD = "source"
EDIT = "edit-source"
# Notes say what a source shows; longer text is a stray paste.
NOTES_MAX = 5_000
NOT_A_TAG = "Choose one of the listed values."
STILL_CITED = (
    "“{source}” is the data behind problem area(s): {areas}. Unlink it there first, so the "
    "plan's trace keeps the data that motivated it."
)
# The box 10 field whose items are the sources; the catalog gives their tags' choices.
SOURCES_FIELD = "data_sources"


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


def source_tags(*, cohort_id: int) -> dict[str, list[Choice]]:
    """Per tag of a source (education, kind, area), the cohort's choices, the ones every
    Data Drill Down must cover marked required, in the catalog's words."""
    spec = box_field(cohort_id=cohort_id, name=SOURCES_FIELD)
    return {tag: item_choices(spec, tag) for tag in DataSource.TAGS}


def tag_words(source: DataSource, tags: dict[str, list[Choice]]) -> list[str]:
    """The source's education, kind and area in the catalog's words."""
    return [label_of(tags[tag], getattr(source, tag)) for tag in DataSource.TAGS]


def tags_of(record: ActivityRecord) -> dict[str, list[Choice]]:
    return source_tags(cohort_id=record.engagement.cohort_id)


def _source_tags(source: DataSource) -> dict[str, list[Choice]]:
    return source_tags(cohort_id=source.engagement.cohort_id)


@values_for(DataSource)
def source_values(source: DataSource) -> dict[str, Any]:
    """The source's values as the form names them."""
    return {
        "name": source.name,
        "education": source.education,
        "kind": source.kind,
        "area": source.area,
        "notes": source.notes,
    }


def _tags_listed(source: DataSource) -> None:
    for tag, choices in _source_tags(source).items():
        if getattr(source, tag) not in {choice.value for choice in choices}:
            raise ValidationError({tag: NOT_A_TAG})


def _tags_in_words(source: DataSource) -> Callable[[str, Any], Any]:
    tags = _source_tags(source)

    def said(name: str, value: Any) -> Any:
        return label_of(tags[name], value) if name in tags else words(value)

    return said


def _not_cited(source: DataSource) -> None:
    cited_by = [str(area) for area in source.problem_areas.all()]
    if cited_by:
        raise ValidationError(STILL_CITED.format(source=source.name, areas="; ".join(cited_by)))


@dataclass(frozen=True)
class SourceRow:
    source: DataSource
    tags: list[str]  # education, kind and area in the catalog's words


def data_sources_for_engagement(engagement: Engagement) -> QuerySet[DataSource]:
    """The engagement's data sources; a source id from anywhere else is not found."""
    return access.rows_for_engagement(DataSource, engagement)


DATA_SOURCES = RowPart[DataSource](
    part="data_sources",
    model=DataSource,
    noun="data source",
    url="data-sources",
    url_name="data_source",
    rows_of=of_engagement(data_sources_for_engagement),
    form=lambda record, *args, **kwargs: DataSourceForm(*args, tags=tags_of(record), **kwargs),
    add_prefix=ADD,
    edit_prefix=EDIT,
    text_limits={"notes": NOTES_MAX},
    check=_tags_listed,
    described=_tags_in_words,
    removable=_not_cited,
    verbs=Verbs(
        add=AuditVerb.DATA_SOURCES_ADD_SOURCE,
        edit=AuditVerb.DATA_SOURCES_EDIT_SOURCE,
        remove=AuditVerb.DATA_SOURCES_REMOVE_SOURCE,
    ),
    about=lambda source: {"source": source.name},
    added=lambda source: {"tags": ", ".join(tag_words(source, _source_tags(source)))},
    said_added=lambda source: f"“{source.name}” is on the list of data sources.",
    said_saved=lambda source: f"“{source.name}” is saved.",
    said_removed=lambda source: f"“{source.name}” is no longer on the list.",
)
ROWS = (DATA_SOURCES,)


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
            for source in data_sources_for_engagement(record.engagement)
        ],
        "add_form": add_form
        or DataSourceForm(initial={"version": version_token(record)}, prefix=ADD, tags=tags),
        "edit_form": edit_form,
        "editing": editing,
    }


def check(*, record: ActivityRecord) -> list[str]:
    sources = list(data_sources_for_engagement(record.engagement))
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
            for number, source in enumerate(data_sources_for_engagement(record.engagement), start=1)
        ],
        "data_sources",
        "Box 10 · Data sources",
    )
