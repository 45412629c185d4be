"""Box 10, the Data Drill Down's data sources: the list, its tags, and its checklist."""

from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from steps.forms import NUL_BYTE
from steps.merge import ROW_CHANGED, VERSION_MISSING, version_token
from steps.models import ActivityRecord, DataSource, Engagement
from steps.parts import data_sources
from steps.parts import data_sources as data_sources_part
from steps.parts.data_sources import DATA_SOURCES
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.services.part_rows import TOO_LONG, part_row_add, part_row_edit, part_row_remove
from steps.services.parts_merge import row_base
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.merging import posted

pytestmark = pytest.mark.django_db

ACTIVITY = "data_drill_down"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=ACTIVITY)


def _url(engagement: Engagement, name: str, *args: int) -> str:
    return reverse(name, args=[engagement.pk, ACTIVITY, *args])


def _page(engagement: Engagement) -> str:
    return reverse("activity_detail", args=[engagement.pk, ACTIVITY])


def _fresh(record: ActivityRecord) -> ActivityRecord:
    return ActivityRecord.objects.get(pk=record.pk)


def _edit(engagement: Engagement, row: Any, **fields: object) -> dict[str, object]:
    """The row's edit form as the page draws it, posted with `fields` typed over it."""
    return posted(data_sources.DATA_SOURCES.edit_form(_record(engagement), row), **fields)


def _remove(engagement: Engagement, row: Any) -> dict[str, str]:
    """What the row's remove button posts: the version token and the row's fingerprint."""
    return {"version": version_token(_record(engagement)), "base": row_base(row)}


def _data(
    engagement: Engagement, prefix: str = data_sources.ADD, **fields: object
) -> dict[str, object]:
    data: dict[str, object] = {"name": "CAASPP math results", "notes": ""}
    record = _record(engagement)
    data["version"] = version_token(record)
    if isinstance(fields.get("version"), int):
        fields["version"] = f"{record.pk}-{fields['version']}"
    data |= {"education": "special", "kind": "quantitative", "area": "academic"}
    return {f"{prefix}-{key}": value for key, value in (data | fields).items()}


def _source(world: World, engagement: Engagement, **fields: str) -> DataSource:
    values = {"name": "CAASPP math results", "education": "special", "notes": ""}
    values |= {"kind": "quantitative", "area": "academic"}
    record = _record(engagement)
    return part_row_add(
        rows=DATA_SOURCES,
        actor=world.lea_lead,
        record=record,
        version=version_token(record),
        **(values | fields),
    )


def test_it_adds_a_source_and_records_it(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement, "data_source_add"), _data(engagement, notes="Grades 3-8")
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#data_sources")
    source = DataSource.objects.get(engagement=engagement)
    assert (source.name, source.area, source.notes) == (
        "CAASPP math results",
        "academic",
        "Grades 3-8",
    )
    assert _record(engagement).version == 2
    page = unescape(client.get(_page(engagement)).content.decode())
    assert "“CAASPP math results” is on the list of data sources." in page
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "Special education, Quantitative, Academic" in history.content.decode()


def test_it_edits_a_source(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    client = signed_in(world.lea_lead)
    form = client.get(_url(engagement, "data_source_edit", source.pk))
    assert form.status_code == 200
    assert "Edit “CAASPP math results”" in form.content.decode()
    response = client.post(
        _url(engagement, "data_source_edit", source.pk),
        _edit(engagement, source, area="attendance"),
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.area == "attendance"
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "area: Academic → Attendance" in history.content.decode()


def test_it_keeps_a_refused_edit_as_typed(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "data_source_edit", source.pk),
        _edit(engagement, source, name="Typed name", kind="guess"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice." in page
    assert 'value="Typed name"' in page
    source.refresh_from_db()
    assert source.kind == "quantitative"


def test_it_removes_a_source(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "data_source_remove", source.pk), _remove(engagement, source), follow=True
    )
    assert "“CAASPP math results” is no longer on the list." in unescape(response.content.decode())
    assert not DataSource.objects.filter(engagement=engagement).exists()


def test_it_refuses_a_remove_without_a_version(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "data_source_remove", source.pk), follow=True
    )
    # A missing version counts as stale, as on every one-button form.
    assert VERSION_MISSING in response.content.decode()
    assert DataSource.objects.filter(pk=source.pk).exists()


def test_it_asks_for_at_least_one_source(world: World, engagement: Engagement) -> None:
    assert data_sources.check(record=_record(engagement)) == [data_sources.NO_SOURCES]


def test_it_names_the_missing_tags_and_areas(world: World, engagement: Engagement) -> None:
    _source(world, engagement, area="discipline")
    assert data_sources.check(record=_record(engagement)) == [
        data_sources.NEEDS_EDUCATION.format(education="general education"),
        data_sources.NEEDS_KIND.format(kind="qualitative"),
        data_sources.MISSING_AREAS.format(
            areas="Academic, Placement (LRE), Engagement, Climate, Attendance"
        ),
    ]


def test_it_is_ready_when_every_tag_and_area_is_covered(
    world: World, engagement: Engagement
) -> None:
    areas = ("academic", "placement", "discipline", "engagement", "climate", "attendance")
    for number, area in enumerate(areas):
        _source(
            world,
            engagement,
            name=f"Source {number}",
            area=area,
            education="general" if number % 2 else "special",
            kind="qualitative" if number % 2 else "quantitative",
        )
    assert data_sources.check(record=_record(engagement)) == []


def test_it_shows_the_missing_areas_in_the_page_checklist(
    world: World, engagement: Engagement
) -> None:
    _source(world, engagement)
    url = reverse("activity_checklist", args=[engagement.pk, ACTIVITY])
    page = signed_in(world.lea_lead).get(url).content.decode()
    assert "no data source covers these areas yet: Placement (LRE), Discipline" in page


def test_it_adds_on_an_older_version(world: World, engagement: Engagement) -> None:
    # Someone else's save since the page was drawn never blocks an addition.
    _source(world, engagement)
    response = signed_in(world.lea_member).post(
        _url(engagement, "data_source_add"), _data(engagement, version=1), follow=True
    )
    assert response.status_code == 200
    assert DataSource.objects.filter(engagement=engagement).count() == 2


def test_it_rejects_bad_input_beside_the_field(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    cases = {
        "name": ("a\x00b", NUL_BYTE),
        "notes": ("x" * 1_000_000, "“Notes” can hold at most 5,000 characters"),
        "area": ("weather", "Select a valid choice."),
    }
    for field, (value, message) in cases.items():
        response = client.post(
            _url(engagement, "data_source_add"), _data(engagement, **{field: value})
        )
        assert response.status_code == 400, field
        page = response.content.decode()
        assert message in page, field
        assert "selected>Quantitative" in page, field
    assert not DataSource.objects.filter(engagement=engagement).exists()
    assert _record(engagement).version == 1


def test_it_limits_notes_for_every_caller(world: World, engagement: Engagement) -> None:
    with pytest.raises(ValidationError) as refused:
        _source(world, engagement, notes="x" * (data_sources_part.NOTES_MAX + 1))
    assert refused.value.message_dict == {
        "notes": [TOO_LONG.format(limit=data_sources_part.NOTES_MAX)]
    }
    assert _record(engagement).version == 1


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    _source(world, engagement, notes="<script>alert(1)</script>")
    page = signed_in(world.lea_lead).get(_page(engagement)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_refuses_writes_once_the_activity_is_submitted(
    world: World, engagement: Engagement
) -> None:
    source = _source(world, engagement)
    ActivityRecord.objects.filter(pk=_record(engagement).pk).update(
        status=ActivityRecord.Status.SUBMITTED
    )
    client = signed_in(world.lea_lead)
    response = client.post(
        _url(engagement, "data_source_edit", source.pk),
        _edit(engagement, source, name="Renamed"),
        follow=True,
    )
    assert "This activity is submitted: it cannot be edited now." in response.content.decode()
    response = client.post(
        _url(engagement, "data_source_add"), _data(engagement, version=2), follow=True
    )
    assert "This activity is submitted" in response.content.decode()
    assert [s.name for s in DataSource.objects.filter(engagement=engagement)] == [source.name]


def test_it_shows_reviewers_the_sources_read_only(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    client = signed_in(world.selpa_reviewer)
    page = client.get(_page(engagement)).content.decode()
    assert "CAASPP math results" in page
    assert "Add data source" not in page
    assert client.post(_url(engagement, "data_source_add"), _data(engagement)).status_code == 403
    assert client.get(_url(engagement, "data_source_edit", source.pk)).status_code == 403
    remove = client.post(
        _url(engagement, "data_source_remove", source.pk), _remove(engagement, source)
    )
    assert remove.status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    assert client.post(_url(engagement, "data_source_add"), _data(engagement)).status_code == 403
    assert not DataSource.objects.filter(engagement=engagement).exists()


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    client = signed_in(world.foreign_lea_lead)
    assert client.post(_url(engagement, "data_source_add"), _data(engagement)).status_code == 404
    assert client.get(_url(engagement, "data_source_edit", source.pk)).status_code == 404
    assert client.post(_url(engagement, "data_source_remove", source.pk)).status_code == 404


def test_it_answers_404_on_an_activity_without_data_sources(
    world: World, engagement: Engagement
) -> None:
    url = reverse("data_source_add", args=[engagement.pk, "team_creation"])
    assert signed_in(world.lea_lead).post(url, _data(engagement)).status_code == 404


def test_it_saves_an_edit_made_while_another_row_changed(
    world: World, engagement: Engagement
) -> None:
    source = _source(world, engagement)
    data = _edit(engagement, source, name="Renamed")
    _source(world, engagement, name="Suspension data")
    response = signed_in(world.lea_member).post(
        _url(engagement, "data_source_edit", source.pk), data, follow=True
    )
    assert response.status_code == 200
    source.refresh_from_db()
    assert source.name == "Renamed"


def test_it_refuses_to_remove_a_source_changed_since(world: World, engagement: Engagement) -> None:
    source = _source(world, engagement)
    data = _remove(engagement, source)
    part_row_edit(
        rows=DATA_SOURCES, actor=world.lea_lead, record=_record(engagement), row=source,
        version=version_token(_record(engagement)),
        **(data_sources_part.source_values(source) | {"notes": "Grades 3-8"}),
    )  # fmt: skip
    response = signed_in(world.lea_member).post(
        _url(engagement, "data_source_remove", source.pk), data, follow=True
    )
    assert ROW_CHANGED.format(who="Casey Lead") in unescape(response.content.decode())
    assert DataSource.objects.filter(pk=source.pk).exists()


def test_it_reads_the_list_and_the_catalogs_tags_in_two_queries(
    world: World, engagement: Engagement, django_assert_num_queries: Any
) -> None:
    for number in range(3):
        _source(world, engagement, name=f"Source {number}")
    # The activity page has loaded the record's engagement before any part reads.
    record = ActivityRecord.objects.select_related("engagement").get(pk=_record(engagement).pk)
    with django_assert_num_queries(2):
        data_sources.context(record=record, user=world.lea_lead)
    with django_assert_num_queries(2):
        data_sources.check(record=record)


def test_it_keeps_a_source_that_a_problem_area_cites(world: World) -> None:

    from steps.models import ActivityRecord, DataSource
    from tests.cim.catalog import load_2024
    from tests.steps.engagements import start

    engagement = start(world.lea, load_2024()["targeted"], level=3)
    drill_down = ActivityRecord.objects.get(
        engagement=engagement, definition__key="data_drill_down"
    )
    source = part_row_add(
        rows=DATA_SOURCES,
        actor=world.lea_lead, record=drill_down, version=version_token(drill_down),
        name="CALPADS census",
        education="special", kind="quantitative", area="placement", notes="",
    )  # fmt: skip
    consolidation = ActivityRecord.objects.get(
        engagement=engagement, definition__key="consolidation"
    )
    part_row_add(
        rows=PROBLEM_AREAS,
        actor=world.lea_lead, record=consolidation, version=version_token(consolidation),
        description="Low LRE",
        quantification="41% vs 58%", relates_to_identification=True, sources=[source],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Unlink it there first"):
        part_row_remove(
            rows=DATA_SOURCES,
            actor=world.lea_lead,
            record=drill_down,
            row=source,
            version=version_token(_fresh(drill_down)),
        )
    assert DataSource.objects.filter(pk=source.pk).exists()
