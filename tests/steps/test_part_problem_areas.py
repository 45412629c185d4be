"""Consolidation's problem areas (box 15): written through services, checked on demand."""

from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from lea.models import AuditEvent
from steps.forms import NUL_BYTE
from steps.merge import VERSION_MISSING, version_token
from steps.models import ActivityRecord, DataSource, Engagement, ProblemArea
from steps.parts import problem_areas as part
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.root_causes import ROOT_CAUSES
from steps.services.part_rows import TOO_LONG, part_row_add, part_row_remove
from steps.services.parts_merge import row_base
from steps.views.parts_common import refused
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.isolation_problem_areas import engagement_of, foreign_area
from tests.steps.merging import posted

pytestmark = pytest.mark.django_db

KEY = "consolidation"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return engagement_of(module_world.lea)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement, key: str = KEY) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def _url(engagement: Engagement, name: str, *args: int, key: str = KEY) -> str:
    return reverse(name, args=[engagement.pk, key, *args])


def _source(engagement: Engagement, name: str = "CALPADS suspension report") -> DataSource:
    # Data sources are another part's rows; here they are only something to point at.
    return DataSource.objects.create(
        engagement=engagement,
        record=_record(engagement, "data_drill_down"),
        name=name,
        education="special",
        kind="quantitative",
        area="discipline",
    )


def _add(world: World, engagement: Engagement, **fields: object) -> ProblemArea:
    record = _record(engagement)
    values: dict = {
        "description": "Suspensions of students with disabilities",
        "quantification": "8.1% suspended vs 3.2% statewide",
        "relates_to_identification": True,
        **fields,
    }
    return part_row_add(
        rows=PROBLEM_AREAS,
        actor=world.lea_lead,
        record=record,
        version=version_token(record),
        **values,
    )


def _edit(engagement: Engagement, area: ProblemArea, **fields: object) -> dict:
    """The area's edit form as the page draws it, posted with `fields` typed over it."""
    return posted(part.PROBLEM_AREAS.edit_form(_record(engagement), area), **fields)


def _remove(engagement: Engagement, area: ProblemArea) -> dict:
    return {"version": version_token(_record(engagement)), "base": row_base(area)}


def _post(engagement: Engagement, version: int | None = None, **fields: object) -> dict:
    record = _record(engagement)
    return {
        "version": version_token(record) if version is None else f"{record.pk}-{version}",
        "description": "Chronic absence of students with disabilities",
        "quantification": "22% chronically absent",
        **fields,
    }


def test_it_adds_a_problem_area_with_its_sources(world: World, engagement: Engagement) -> None:
    source = _source(engagement)
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement, "problem_areas_add"),
        _post(engagement, relates_to_identification="on", sources=[source.pk]),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#problem_areas")
    area = ProblemArea.objects.get(engagement=engagement)
    assert area.record == _record(engagement)
    assert area.relates_to_identification
    assert list(area.sources.all()) == [source]
    assert _record(engagement).version == 2
    event = AuditEvent.objects.get(verb="problem_areas.add")
    assert event.changes["problem_area"] == [None, "Chronic absence of students with disabilities"]
    page = client.get(_url(engagement, "activity_detail")).content.decode()
    assert "Problem area “Chronic absence of students with disabilities” added." in page
    assert "CALPADS suspension report" in page


def test_it_edits_a_problem_area_and_records_old_and_new(
    world: World, engagement: Engagement
) -> None:
    area = _add(world, engagement)
    client = signed_in(world.lea_lead)
    form_page = client.get(_url(engagement, "problem_areas_edit", area.pk))
    assert form_page.status_code == 200
    assert "8.1% suspended vs 3.2% statewide" in form_page.content.decode()
    response = client.post(
        _url(engagement, "problem_areas_edit", area.pk),
        _edit(engagement, area, quantification="9%", relates_to_identification=False),
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.quantification == "9%"
    assert not area.relates_to_identification
    event = AuditEvent.objects.get(verb="problem_areas.edit")
    assert event.changes["quantification"] == ["8.1% suspended vs 3.2% statewide", "9%"]
    assert event.changes["relates_to_identification"] == ["yes", "no"]
    history = client.get(_url(engagement, "activity_history")).content.decode()
    assert "8.1% suspended vs 3.2% statewide → 9%" in history


def test_it_removes_a_problem_area(world: World, engagement: Engagement) -> None:
    area = _add(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_remove", area.pk), _remove(engagement, area)
    )
    assert response.status_code == 302
    assert not ProblemArea.objects.filter(pk=area.pk).exists()
    assert AuditEvent.objects.filter(verb="problem_areas.remove").exists()


def test_it_keeps_a_problem_area_a_root_cause_explains(
    world: World, engagement: Engagement
) -> None:
    area = _add(world, engagement)
    rca = _record(engagement, "root_cause_analysis")
    part_row_add(
        rows=ROOT_CAUSES,
        actor=world.lea_lead,
        record=rca,
        version=version_token(rca),
        statement="Behavior supports are not in IEPs",
        problem_areas=[area],
    )
    page = (
        signed_in(world.lea_lead)
        .post(
            _url(engagement, "problem_areas_remove", area.pk),
            _remove(engagement, area),
            follow=True,
        )
        .content.decode()
    )
    assert "Root cause analysis links “Behavior supports are not in IEPs”" in page
    assert ProblemArea.objects.filter(pk=area.pk).exists()


def test_it_adds_on_an_older_version(world: World, engagement: Engagement) -> None:
    # Someone else's save since the page was drawn never blocks an addition.
    _add(world, engagement)
    response = signed_in(world.lea_member).post(
        _url(engagement, "problem_areas_add"), _post(engagement, version=1)
    )
    assert response.status_code == 302
    assert ProblemArea.objects.filter(engagement=engagement).count() == 2


def test_it_rejects_a_nul_byte_and_keeps_the_rest(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_add"),
        _post(engagement, description="Absence\x00", quantification="Kept as typed 22%"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert NUL_BYTE in page
    assert "Null characters are not allowed" not in page
    assert "Kept as typed 22%" in page
    assert not ProblemArea.objects.exists()


def test_it_rejects_a_huge_paste(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_add"), _post(engagement, description="x" * 1_000_000)
    )
    assert response.status_code == 400
    assert "“Problem area” can hold at most 5,000 characters" in unescape(response.content.decode())
    assert not ProblemArea.objects.exists()


def test_it_requires_the_quantification_beside_the_field(
    world: World, engagement: Engagement
) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_add"), _post(engagement, quantification="")
    )
    assert response.status_code == 400
    assert 'id="problem_area_quantification"' in response.content.decode()
    assert "This field is required." in response.content.decode()


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    _add(world, engagement, description="<script>alert(1)</script>")
    page = signed_in(world.lea_lead).get(_url(engagement, "activity_detail")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_refuses_another_leas_data_source(world: World, engagement: Engagement) -> None:
    foreign = _source(engagement_of(world.foreign_lea), "Harbor View survey")
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_add"), _post(engagement, sources=[foreign.pk])
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ProblemArea.objects.filter(engagement=engagement).exists()


def test_it_refuses_another_leas_rows_in_the_service(world: World, engagement: Engagement) -> None:
    record = _record(engagement)
    with pytest.raises(ValidationError):
        part_row_add(
            rows=PROBLEM_AREAS,
            actor=world.lea_lead,
            record=record,
            version=version_token(record),
            description="x",
            quantification="1",
            relates_to_identification=False,
            sources=[_source(engagement_of(world.foreign_lea))],
        )
    with pytest.raises(ValidationError):
        part_row_remove(
            rows=PROBLEM_AREAS,
            actor=world.lea_lead,
            record=record,
            version=version_token(record),
            row=foreign_area(world),
        )
    assert _record(engagement).version == 1


def test_it_lists_what_the_checklist_needs(world: World, engagement: Engagement) -> None:
    record = _record(engagement)
    assert part.check(record=record) == [part.NO_PROBLEM_AREAS]
    _add(world, engagement, relates_to_identification=False, quantification=" ")
    assert part.check(record=record) == [
        part.NOT_QUANTIFIED.format(area="Suspensions of students with disabilities"),
        part.NONE_RELATES,
    ]
    _add(world, engagement, description="Placement in regular class", quantification="41%")
    area = ProblemArea.objects.get(quantification=" ")
    area.quantification = "8%"
    area.save()
    assert part.check(record=record) == []


def test_it_shows_reviewers_the_list_read_only(world: World, engagement: Engagement) -> None:
    area = _add(world, engagement)
    client = signed_in(world.selpa_reviewer)
    page = client.get(_url(engagement, "activity_detail")).content.decode()
    assert "Suspensions of students with disabilities" in page
    assert "Add problem area" not in page
    assert client.post(_url(engagement, "problem_areas_add"), _post(engagement)).status_code == 403
    assert client.get(_url(engagement, "problem_areas_edit", area.pk)).status_code == 403
    remove = client.post(
        _url(engagement, "problem_areas_remove", area.pk), _remove(engagement, area)
    )
    assert remove.status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    assert client.post(_url(engagement, "problem_areas_add"), _post(engagement)).status_code == 403


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    area = _add(world, engagement)
    client = signed_in(world.foreign_lea_lead)
    assert client.post(_url(engagement, "problem_areas_add"), _post(engagement)).status_code == 404
    assert client.get(_url(engagement, "problem_areas_edit", area.pk)).status_code == 404
    assert client.post(_url(engagement, "problem_areas_remove", area.pk)).status_code == 404


def test_it_answers_404_for_an_activity_without_problem_areas(
    world: World, engagement: Engagement
) -> None:
    url = _url(engagement, "problem_areas_add", key="parent_input")
    assert signed_in(world.lea_lead).post(url, _post(engagement)).status_code == 404


def test_it_reads_the_part_in_a_fixed_number_of_queries(
    world: World, engagement: Engagement, django_assert_num_queries: Any
) -> None:
    source = _source(engagement)
    for number in range(3):
        _add(world, engagement, description=f"Area {number}").sources.add(source)
    record = _record(engagement)
    assert record.engagement == engagement
    # The areas, their sources and their Data Drill Down citations (prefetched; with no
    # citation, their uploads are not read), and whether any source exists to choose.
    with django_assert_num_queries(4):
        block = part.context(record=record, user=world.lea_lead)
        assert [len(area.sources.all()) for area in block["areas"]] == [1, 1, 1]


def test_it_refuses_an_edit_once_the_activity_is_submitted(
    world: World, engagement: Engagement
) -> None:
    area = _add(world, engagement)
    ActivityRecord.objects.filter(pk=area.record_id).update(status=ActivityRecord.Status.SUBMITTED)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_edit", area.pk),
        _edit(engagement, area, quantification="Typed while it was submitted"),
        follow=True,
    )
    assert "This activity is submitted: it cannot be edited now." in response.content.decode()
    area.refresh_from_db()
    assert area.quantification == "8.1% suspended vs 3.2% statewide"


def test_it_shows_an_edit_error_beside_the_field(world: World, engagement: Engagement) -> None:
    area = _add(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "problem_areas_edit", area.pk), _edit(engagement, area, description="")
    )
    assert response.status_code == 400
    assert 'id="problem_area_description_error"' in response.content.decode()
    assert "Save problem area" in response.content.decode()


def test_it_refuses_a_garbled_version(world: World, engagement: Engagement) -> None:
    area = _add(world, engagement)
    page = (
        signed_in(world.lea_lead)
        .post(_url(engagement, "problem_areas_remove", area.pk), {"version": "abc"}, follow=True)
        .content.decode()
    )
    assert VERSION_MISSING in page
    assert ProblemArea.objects.filter(pk=area.pk).exists()


def test_it_limits_length_in_the_service_too(world: World, engagement: Engagement) -> None:
    with pytest.raises(ValidationError) as raised:
        _add(world, engagement, quantification="9" * 1_000_000)
    assert raised.value.message_dict == {"quantification": [TOO_LONG.format(limit=part.TEXT_LIMIT)]}
    assert not ProblemArea.objects.exists()


def test_it_puts_a_services_field_error_beside_the_field(engagement: Engagement) -> None:
    # The form's own limits catch these first; a service's field error still has a place.
    form = part.ProblemAreaForm(
        {"version": 1}, sources=part.data_sources_for_engagement(engagement)
    )
    form.is_valid()
    error = ValidationError({"quantification": TOO_LONG.format(limit=part.TEXT_LIMIT)})
    refused(RequestFactory().post("/"), form, error)
    assert TOO_LONG.format(limit=part.TEXT_LIMIT) in form.errors["quantification"]
