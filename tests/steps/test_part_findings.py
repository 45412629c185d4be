"""Boxes 13 and 14 of the Consolidation: areas of strength and weakness with their data."""

from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from steps.forms import NUL_BYTE
from steps.merge import VERSION_MISSING, version_token
from steps.models import ActivityRecord, Engagement, Finding
from steps.parts import findings
from steps.services.part_rows import part_row_add
from steps.services.parts_merge import row_base
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.merging import posted

pytestmark = pytest.mark.django_db

ACTIVITY = "consolidation"
STRENGTH, WEAKNESS = Finding.Kind.STRENGTH, Finding.Kind.WEAKNESS


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


def _url(engagement: Engagement, name: str, *args: int | str) -> str:
    return reverse(name, args=[engagement.pk, ACTIVITY, *args])


def _page(engagement: Engagement) -> str:
    return reverse("activity_detail", args=[engagement.pk, ACTIVITY])


def _edit(engagement: Engagement, row: Any, **fields: object) -> dict[str, object]:
    """The row's edit form as the page draws it, posted with `fields` typed over it."""
    return posted(findings.FINDINGS.edit_form(_record(engagement), row), **fields)


def _remove(engagement: Engagement, row: Any) -> dict[str, str]:
    """What the row's remove button posts: the version token and the row's fingerprint."""
    return {"version": version_token(_record(engagement)), "base": row_base(row)}


def _data(engagement: Engagement, prefix: str, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "area": "Math",
        "supporting_data": "12% met",
    }
    record = _record(engagement)
    data["version"] = version_token(record)
    if isinstance(fields.get("version"), int):
        fields["version"] = f"{record.pk}-{fields['version']}"
    return {f"{prefix}-{key}": value for key, value in (data | fields).items()}


def _finding(world: World, engagement: Engagement, kind: str = WEAKNESS, **fields: str) -> Finding:
    values = {"area": "Math proficiency", "supporting_data": "12% of SWD met the standard"}
    record = _record(engagement)
    return part_row_add(
        rows=findings.FINDINGS,
        actor=world.lea_lead,
        record=record,
        version=version_token(record),
        kind=kind,
        **(values | fields),
    )


def test_it_adds_a_strength_and_a_weakness(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement, "finding_add", "strength"),
        _data(engagement, "strength", area="Attendance"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#findings")
    client.post(
        _url(engagement, "finding_add", "weakness"), _data(engagement, "weakness", version=2)
    )
    assert [(f.kind, f.area) for f in Finding.objects.filter(engagement=engagement)] == [
        (STRENGTH, "Attendance"),
        (WEAKNESS, "Math"),
    ]
    assert _record(engagement).version == 3
    page = unescape(client.get(_page(engagement)).content.decode())
    assert "“Math” is listed as an area of weakness." in page
    assert "Box 13: areas of strength and the data that supports them" in page
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "area of strength: Attendance" in history.content.decode()


def test_it_edits_a_finding(world: World, engagement: Engagement) -> None:
    finding = _finding(world, engagement)
    client = signed_in(world.lea_lead)
    form = client.get(_url(engagement, "finding_edit", finding.pk))
    assert form.status_code == 200
    assert "Edit the area of weakness “Math proficiency”" in unescape(form.content.decode())
    response = client.post(
        _url(engagement, "finding_edit", finding.pk),
        _edit(engagement, finding, area="Math proficiency, grades 3-5"),
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.kind, finding.area) == (WEAKNESS, "Math proficiency, grades 3-5")
    history = client.get(reverse("activity_history", args=[engagement.pk, ACTIVITY]))
    assert "area: Math proficiency → Math proficiency, grades 3-5" in history.content.decode()


def test_it_keeps_a_refused_edit_as_typed(world: World, engagement: Engagement) -> None:
    finding = _finding(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "finding_edit", finding.pk),
        _edit(engagement, finding, area="Typed area", supporting_data=""),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert 'value="Typed area"' in page
    finding.refresh_from_db()
    assert finding.area == "Math proficiency"


def test_it_removes_a_finding(world: World, engagement: Engagement) -> None:
    finding = _finding(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "finding_remove", finding.pk), _remove(engagement, finding), follow=True
    )
    assert "“Math proficiency” is no longer listed." in unescape(response.content.decode())
    assert not Finding.objects.filter(engagement=engagement).exists()


def test_it_refuses_a_remove_without_a_version(world: World, engagement: Engagement) -> None:
    finding = _finding(world, engagement)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "finding_remove", finding.pk), follow=True
    )
    # A missing version counts as stale, as on every one-button form.
    assert VERSION_MISSING in response.content.decode()
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_it_asks_for_a_strength_and_a_weakness(world: World, engagement: Engagement) -> None:
    assert findings.check(record=_record(engagement)) == [
        findings.NO_STRENGTH,
        findings.NO_WEAKNESS,
    ]
    _finding(world, engagement, WEAKNESS)
    _finding(world, engagement, WEAKNESS, area="Suspensions")
    assert findings.check(record=_record(engagement)) == [findings.NO_STRENGTH]
    _finding(world, engagement, STRENGTH)
    assert findings.check(record=_record(engagement)) == []


def test_it_refuses_an_unknown_kind(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "finding_add", "opportunity"), _data(engagement, "opportunity")
    )
    assert response.status_code == 404
    assert not Finding.objects.filter(engagement=engagement).exists()


def test_it_adds_on_an_older_version(world: World, engagement: Engagement) -> None:
    # Someone else's save since the page was drawn never blocks an addition.
    data = _data(engagement, "strength")
    _finding(world, engagement)
    response = signed_in(world.lea_member).post(
        _url(engagement, "finding_add", "strength"), data, follow=True
    )
    assert response.status_code == 200
    assert Finding.objects.filter(engagement=engagement).count() == 2


def test_it_rejects_bad_input_beside_the_field(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    cases = {
        "area": ("a\x00b", NUL_BYTE),
        "supporting_data": (
            "x" * 1_000_000,
            "“Supporting data” can hold at most 10,000 characters",
        ),
    }
    for field, (value, message) in cases.items():
        response = client.post(
            _url(engagement, "finding_add", "weakness"),
            _data(engagement, "weakness", **{field: value}),
        )
        assert response.status_code == 400, field
        page = response.content.decode()
        assert message in page, field
        assert 'value="Math"' in page or field == "area", field
    assert not Finding.objects.filter(engagement=engagement).exists()
    assert _record(engagement).version == 1


def test_it_limits_supporting_data_for_every_caller(world: World, engagement: Engagement) -> None:
    too_long = "x" * (findings.SUPPORTING_DATA_MAX + 1)
    with pytest.raises(ValidationError) as refused:
        _finding(world, engagement, supporting_data=too_long)
    assert "supporting_data" in refused.value.message_dict
    assert _record(engagement).version == 1


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    _finding(world, engagement, supporting_data="<script>alert(1)</script>")
    page = signed_in(world.lea_lead).get(_page(engagement)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_refuses_writes_once_the_activity_is_submitted(
    world: World, engagement: Engagement
) -> None:
    finding = _finding(world, engagement)
    ActivityRecord.objects.filter(pk=_record(engagement).pk).update(
        status=ActivityRecord.Status.SUBMITTED
    )
    response = signed_in(world.lea_lead).post(
        _url(engagement, "finding_remove", finding.pk), _remove(engagement, finding), follow=True
    )
    assert "This activity is submitted: it cannot be edited now." in response.content.decode()
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_it_shows_reviewers_the_findings_read_only(world: World, engagement: Engagement) -> None:
    finding = _finding(world, engagement)
    client = signed_in(world.selpa_reviewer)
    page = client.get(_page(engagement)).content.decode()
    assert "Math proficiency" in page
    assert "Add area of weakness" not in page
    add = client.post(_url(engagement, "finding_add", "strength"), _data(engagement, "strength"))
    assert add.status_code == 403
    assert client.get(_url(engagement, "finding_edit", finding.pk)).status_code == 403
    remove = client.post(
        _url(engagement, "finding_remove", finding.pk), _remove(engagement, finding)
    )
    assert remove.status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    add = client.post(_url(engagement, "finding_add", "strength"), _data(engagement, "strength"))
    assert add.status_code == 403
    assert not Finding.objects.filter(engagement=engagement).exists()


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    finding = _finding(world, engagement)
    client = signed_in(world.foreign_lea_lead)
    add = client.post(_url(engagement, "finding_add", "strength"), _data(engagement, "strength"))
    assert add.status_code == 404
    assert client.get(_url(engagement, "finding_edit", finding.pk)).status_code == 404
    assert client.post(_url(engagement, "finding_remove", finding.pk)).status_code == 404


def test_it_answers_404_on_an_activity_without_findings(
    world: World, engagement: Engagement
) -> None:
    url = reverse("finding_add", args=[engagement.pk, "team_creation", "strength"])
    assert signed_in(world.lea_lead).post(url, _data(engagement, "strength")).status_code == 404


def test_it_saves_an_edit_made_while_another_row_changed(
    world: World, engagement: Engagement
) -> None:
    finding = _finding(world, engagement)
    data = _edit(engagement, finding, area="Renamed")
    _finding(world, engagement, STRENGTH, area="Attendance")
    response = signed_in(world.lea_member).post(
        _url(engagement, "finding_edit", finding.pk), data, follow=True
    )
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.area == "Renamed"


def test_it_reads_both_lists_in_one_query(
    world: World, engagement: Engagement, django_assert_num_queries: Any
) -> None:
    _finding(world, engagement, STRENGTH)
    _finding(world, engagement, WEAKNESS)
    # The activity page has loaded the record's engagement before any part reads.
    record = ActivityRecord.objects.select_related("engagement").get(pk=_record(engagement).pk)
    with django_assert_num_queries(1):
        findings.context(record=record, user=world.lea_lead)
    with django_assert_num_queries(1):
        findings.check(record=record)
