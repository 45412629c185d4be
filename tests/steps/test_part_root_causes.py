"""Root Cause Analysis (boxes 19-22 and beyond): root causes pointing at this LEA's
problem areas, with their supporting data, checked against what Prioritization marked."""

from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from cim.models import Cohort
from lea.models import AuditEvent
from steps.forms import NUL_BYTE
from steps.merge import version_token
from steps.models import ActivityRecord, Engagement, ProblemArea, ProblemOfPractice, RootCause
from steps.parts import root_causes as part
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.root_causes import ROOT_CAUSES
from steps.services.part_prioritization import prioritization_explore, prioritization_rank
from steps.services.part_rows import part_row_add, part_row_remove
from steps.services.parts_merge import row_base
from steps.services.records import record_set_aside
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.isolation_problem_areas import engagement_of, foreign_area
from tests.steps.merging import posted

pytestmark = pytest.mark.django_db

KEY = "root_cause_analysis"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return engagement_of(module_world.lea)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


@pytest.fixture
def areas(world: World, engagement: Engagement) -> list[ProblemArea]:
    consolidation = _record(engagement, "consolidation")
    made = []
    for description in ("Suspensions", "Chronic absence"):
        made.append(
            part_row_add(
                rows=PROBLEM_AREAS,
                actor=world.lea_lead,
                record=consolidation,
                version=version_token(consolidation),
                description=description,
                quantification="10%",
                relates_to_identification=True,
            )
        )
        consolidation.refresh_from_db()
    return made


def _record(engagement: Engagement, key: str = KEY) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def _url(engagement: Engagement, name: str, *args: int) -> str:
    return reverse(name, args=[engagement.pk, KEY, *args])


def _page(engagement: Engagement) -> str:
    return _url(engagement, "activity_detail")


def _add(
    world: World, engagement: Engagement, areas: list[ProblemArea], **fields: str
) -> RootCause:
    record = _record(engagement)
    values = {
        "statement": "No behavior plans in IEPs",
        "qualitative_support": "Teachers said plans are rare",
        "quantitative_support": "40%",
        **fields,
    }
    return part_row_add(
        rows=ROOT_CAUSES,
        actor=world.lea_lead,
        record=record,
        version=version_token(record),
        problem_areas=areas,
        **values,
    )


def _edit(engagement: Engagement, cause: RootCause, **fields: object) -> dict:
    """The cause's edit form as the page draws it, posted with `fields` typed over it."""
    return posted(part.ROOT_CAUSES.edit_form(_record(engagement), cause), **fields)


def _remove(engagement: Engagement, cause: RootCause) -> dict:
    return {"version": version_token(_record(engagement)), "base": row_base(cause)}


def _post(engagement: Engagement, version: int | None = None, **fields: object) -> dict:
    record = _record(engagement)
    return {
        "version": version_token(record) if version is None else f"{record.pk}-{version}",
        "statement": "Staff lack training in positive behavior supports",
        "qualitative_support": "Teacher interviews",
        "quantitative_support": "3 of 40 staff trained",
        **fields,
    }


def test_it_adds_a_root_cause_linked_to_problem_areas(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement, "root_causes_add"),
        _post(engagement, problem_areas=[areas[0].pk, areas[1].pk]),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#root_causes")
    cause = RootCause.objects.get(engagement=engagement)
    assert cause.record == _record(engagement)
    assert set(cause.problem_areas.all()) == set(areas)
    assert _record(engagement).version == 2
    event = AuditEvent.objects.get(verb="root_causes.add")
    assert event.changes["problem_areas"] == [None, "Suspensions; Chronic absence"]
    page = client.get(_url(engagement, "activity_detail")).content.decode()
    assert "Root cause “Staff lack training in positive behavior supports” added." in page


def test_it_allows_more_than_four_root_causes(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    for number in range(1, 6):
        _add(world, engagement, areas, statement=f"Cause {number}")
    page = signed_in(world.lea_lead).get(_url(engagement, "activity_detail")).content.decode()
    assert "Cause 5" in page
    assert 'Remove<span class="visually-hidden"> root cause 5: Cause 5' in page
    assert RootCause.objects.filter(engagement=engagement).count() == 5


def test_it_edits_a_root_cause(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas[:1])
    client = signed_in(world.lea_lead)
    form_page = client.get(_url(engagement, "root_causes_edit", cause.pk)).content.decode()
    assert "No behavior plans in IEPs" in form_page
    assert "Save root cause" in form_page
    response = client.post(
        _url(engagement, "root_causes_edit", cause.pk),
        _edit(engagement, cause, problem_areas=[areas[1].pk]),
    )
    assert response.status_code == 302
    assert list(cause.problem_areas.all()) == [areas[1]]
    event = AuditEvent.objects.get(verb="root_causes.edit")
    assert event.changes["problem_areas"] == ["Suspensions", "Chronic absence"]
    assert "statement" not in event.changes


def test_it_removes_a_root_cause(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_remove", cause.pk), _remove(engagement, cause)
    )
    assert response.status_code == 302
    assert not RootCause.objects.filter(pk=cause.pk).exists()
    assert ProblemArea.objects.filter(pk=areas[0].pk).exists()


def test_it_keeps_a_root_cause_the_plan_is_grounded_in(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas)
    # The plan's rows are another part's; here they are only something pointing back.
    problem = ProblemOfPractice.objects.create(
        engagement=engagement,
        record=_record(engagement, "plan_for_improvement"),
        statement="Inconsistent behavior supports",
    )
    problem.root_causes.add(cause)
    page = (
        signed_in(world.lea_lead)
        .post(
            _url(engagement, "root_causes_remove", cause.pk),
            _remove(engagement, cause),
            follow=True,
        )
        .content.decode()
    )
    assert "problem of practice “Inconsistent behavior supports”" in page
    assert RootCause.objects.filter(pk=cause.pk).exists()


def test_it_rejects_another_leas_problem_area_in_a_crafted_post(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    foreign = foreign_area(world)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_add"),
        _post(
            engagement, problem_areas=[areas[0].pk, foreign.pk], qualitative_support="Kept as typed"
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "Kept as typed" in page
    assert not RootCause.objects.exists()
    assert _record(engagement).version == 1


def test_it_refuses_another_leas_rows_in_the_service(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    with pytest.raises(ValidationError):
        _add(world, engagement, [foreign_area(world)])
    assert _record(engagement).version == 1


def test_it_adds_on_an_older_version(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    # Someone else's save since the page was drawn never blocks an addition.
    _add(world, engagement, areas)
    response = signed_in(world.lea_member).post(
        _url(engagement, "root_causes_add"), _post(engagement, version=1)
    )
    assert response.status_code == 302
    assert RootCause.objects.count() == 2


def test_it_rejects_a_nul_byte_beside_the_field(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_add"), _post(engagement, quantitative_support="4\x000")
    )
    assert response.status_code == 400
    assert NUL_BYTE in response.content.decode()
    assert not RootCause.objects.exists()


def test_it_rejects_a_huge_paste(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_add"), _post(engagement, statement="x" * 1_000_000)
    )
    assert response.status_code == 400
    assert "“Root cause” can hold at most 5,000 characters" in unescape(response.content.decode())
    with pytest.raises(ValidationError):
        _add(world, engagement, areas, statement="x" * 1_000_000)
    assert not RootCause.objects.exists()


def test_it_keeps_script_as_text(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    _add(world, engagement, areas, statement="<script>alert(1)</script>")
    page = signed_in(world.lea_lead).get(_url(engagement, "activity_detail")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_needs_at_least_one_root_cause(world: World, engagement: Engagement) -> None:
    assert part.check(record=_record(engagement)) == [part.NO_ROOT_CAUSES]


def test_it_names_marked_problem_areas_without_a_root_cause(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    prioritization = _record(engagement, "prioritization")
    for area in areas:
        prioritization_explore(
            actor=world.lea_lead,
            record=prioritization,
            version=version_token(prioritization),
            problem_area=area,
            explore=True,
        )
    _add(world, engagement, areas[:1])
    assert part.check(record=_record(engagement)) == [
        part.UNEXPLAINED.format(areas="“Chronic absence”")
    ]


def test_it_falls_back_to_every_ranked_area_when_none_is_marked(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    _add(world, engagement, areas[1:])
    # Nothing ranked or marked yet: nothing to cover.
    assert part.check(record=_record(engagement)) == []
    prioritization_rank(
        actor=world.lea_lead,
        record=_record(engagement, "prioritization"),
        version=version_token(_record(engagement, "prioritization")),
    )
    assert part.check(record=_record(engagement)) == [
        part.UNEXPLAINED.format(areas="“Suspensions”")
    ]


def test_it_needs_support_and_a_link_for_each_root_cause(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    _add(
        world, engagement, [], statement="Unsupported", qualitative_support="",
        quantitative_support=" ",
    )  # fmt: skip
    _add(world, engagement, areas[:1], statement="Only numbers", qualitative_support="")
    assert part.check(record=_record(engagement)) == [
        part.UNLINKED.format(cause="Unsupported"),
        part.NO_SUPPORT.format(cause="Unsupported", missing="qualitative and quantitative"),
        part.NO_SUPPORT.format(cause="Only numbers", missing="qualitative"),
    ]


def test_it_needs_a_problem_area_even_when_none_was_written(
    world: World, engagement: Engagement
) -> None:
    _add(world, engagement, [], statement="Nothing to point at")
    assert part.check(record=_record(engagement)) == [
        part.UNLINKED.format(cause="Nothing to point at")
    ]


def test_it_lets_an_lea_that_skipped_consolidation_write_its_problem_areas_here(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    consolidation = _record(engagement, "consolidation")
    record_set_aside(
        actor=world.lea_lead, record=consolidation, expected_version=consolidation.version
    )
    client = signed_in(world.lea_lead)
    page = unescape(client.get(_page(engagement)).content.decode())
    assert "if the LEA skipped it, add them below" in page
    data = {
        f"{part.AREA_PREFIX}-{name}": value
        for name, value in {
            "version": version_token(_record(engagement)),
            "description": "Students with IEPs are suspended more often",
            "quantification": "9% against 3% of all students",
        }.items()
    }
    response = client.post(_url(engagement, "root_causes_add_problem_area"), data)
    assert response.status_code == 302
    area = ProblemArea.objects.get(engagement=engagement)
    assert area.quantification == "9% against 3% of all students"
    assert AuditEvent.objects.filter(verb="problem_areas.add").exists()
    page = unescape(client.get(_page(engagement)).content.decode())
    assert "Problem area “Students with IEPs are suspended more often” added" in page
    assert 'name="problem_areas"' in page
    _add(world, engagement, [area], statement="Behavior support comes late")
    assert part.check(record=_record(engagement)) == []


def test_it_keeps_a_refused_problem_area_as_typed(world: World, engagement: Engagement) -> None:
    data = {
        f"{part.AREA_PREFIX}-version": version_token(_record(engagement)),
        f"{part.AREA_PREFIX}-description": "Kept description",
    }
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_add_problem_area"), data
    )
    assert response.status_code == 400
    assert "Kept description" in response.content.decode()
    assert not ProblemArea.objects.filter(engagement=engagement).exists()


def test_it_shows_reviewers_the_root_causes_read_only(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas)
    client = signed_in(world.selpa_reviewer)
    page = client.get(_url(engagement, "activity_detail")).content.decode()
    assert "No behavior plans in IEPs" in page
    assert "Add root cause" not in page
    assert client.post(_url(engagement, "root_causes_add"), _post(engagement)).status_code == 403
    assert client.get(_url(engagement, "root_causes_edit", cause.pk)).status_code == 403
    remove = client.post(
        _url(engagement, "root_causes_remove", cause.pk), _remove(engagement, cause)
    )
    assert remove.status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    assert client.post(_url(engagement, "root_causes_add"), _post(engagement)).status_code == 403
    assert client.post(_url(engagement, "root_causes_add_problem_area")).status_code == 403


def test_it_checks_scope(world: World, engagement: Engagement, areas: list[ProblemArea]) -> None:
    cause = _add(world, engagement, areas)
    client = signed_in(world.foreign_lea_lead)
    assert client.post(_url(engagement, "root_causes_add"), _post(engagement)).status_code == 404
    assert client.post(_url(engagement, "root_causes_add_problem_area")).status_code == 404
    assert client.get(_url(engagement, "root_causes_edit", cause.pk)).status_code == 404
    assert client.post(_url(engagement, "root_causes_remove", cause.pk)).status_code == 404


def test_it_reads_the_part_in_a_fixed_number_of_queries(
    world: World,
    engagement: Engagement,
    areas: list[ProblemArea],
    django_assert_num_queries: Any,
) -> None:
    for number in range(3):
        _add(world, engagement, areas, statement=f"Cause {number}")
    record = _record(engagement)
    assert record.engagement == engagement
    # The root causes with their problem areas (prefetched), then the checklist's reads.
    with django_assert_num_queries(2):
        block = part.context(record=record, user=world.lea_lead)
        assert [len(cause.problem_areas.all()) for cause in block["causes"]] == [2, 2, 2]
    with django_assert_num_queries(3):
        part.check(record=record)


def test_it_refuses_an_edit_once_the_activity_is_approved(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas)
    ActivityRecord.objects.filter(pk=cause.record_id).update(status=ActivityRecord.Status.APPROVED)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_edit", cause.pk),
        _edit(engagement, cause, statement="Typed while it was approved"),
        follow=True,
    )
    assert "This activity is approved: it cannot be edited now." in response.content.decode()
    cause.refresh_from_db()
    assert cause.statement == "No behavior plans in IEPs"


def test_it_shows_an_edit_error_beside_the_field(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "root_causes_edit", cause.pk), _edit(engagement, cause, statement="")
    )
    assert response.status_code == 400
    assert 'id="root_cause_statement_error"' in response.content.decode()


def test_it_refuses_a_root_cause_of_another_activity(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    cause = _add(world, engagement, areas)
    with pytest.raises(ValidationError):
        part_row_remove(
            rows=ROOT_CAUSES,
            actor=world.lea_lead,
            record=_record(engagement, "consolidation"),
            version=version_token(_record(engagement, "consolidation")),
            row=cause,
        )
    assert RootCause.objects.filter(pk=cause.pk).exists()
