"""Prioritization (boxes 16-17): Consolidation's problem areas ranked and marked, never
retyped; one-button forms that work the same by keyboard and by mouse."""

from html import unescape

import pytest
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from lea.models import AuditEvent
from steps.merge import VERSION_FOREIGN, VERSION_FUTURE, VERSION_MISSING, version_token
from steps.models import ActivityRecord, Engagement, ProblemArea
from steps.parts import prioritization as part
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.services import part_prioritization as services
from steps.services.part_rows import part_row_add
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.isolation_problem_areas import engagement_of, foreign_area

pytestmark = pytest.mark.django_db

KEY = "prioritization"


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
    for description in ("Suspensions", "Chronic absence", "Reading scores"):
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


def _v(engagement: Engagement, number: int) -> str:
    """The version token a page drawn at that version of Prioritization carries."""
    return f"{_record(engagement).pk}-{number}"


def _url(engagement: Engagement, name: str, *args: int) -> str:
    return reverse(name, args=[engagement.pk, KEY, *args])


def _order(engagement: Engagement) -> list[tuple[str, int | None]]:
    return [(a.description, a.priority) for a in part.ranking_for_engagement(engagement)]


def test_it_shows_the_consolidation_areas_unranked_at_first(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    page = signed_in(world.lea_lead).get(_url(engagement, "activity_detail")).content.decode()
    assert page.index("Suspensions") < page.index("Chronic absence") < page.index("Reading")
    assert "not ranked yet" in page
    assert "Keep this ranking" in page
    assert 'Move up<span class="visually-hidden">: Chronic absence (priority 2)' in page
    # The top one cannot go higher, the bottom one lower.
    assert 'Move up<span class="visually-hidden">: Suspensions' not in page
    assert 'Move down<span class="visually-hidden">: Reading scores' not in page


def test_it_moves_an_area_up_and_ranks_them_all(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement, "prioritization_move", areas[2].pk),
        {"version": _v(engagement, 1), "direction": "up"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#prioritization-{areas[2].pk}")
    assert _order(engagement) == [("Suspensions", 1), ("Reading scores", 2), ("Chronic absence", 3)]
    assert _record(engagement).version == 2
    # The rows stay Consolidation's: only their rank changed.
    assert {a.record_id for a in part.ranking_for_engagement(engagement)} == {
        _record(engagement, "consolidation").pk
    }
    event = AuditEvent.objects.get(verb="prioritization.move")
    assert event.changes == {
        "problem_area": ["Reading scores", "Reading scores"],
        "rank": [3, 2],
        "version": [1, 2],
    }
    page = client.get(_url(engagement, "activity_detail")).content.decode()
    assert "“Reading scores” is now priority 2." in page
    assert "not ranked yet" not in page


def test_it_moves_an_area_down(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "prioritization_move", areas[0].pk),
        {"version": _v(engagement, 1), "direction": "down"},
    )
    assert _order(engagement)[:2] == [("Chronic absence", 1), ("Suspensions", 2)]


def test_it_refuses_to_move_past_the_top(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    page = (
        signed_in(world.lea_lead)
        .post(
            _url(engagement, "prioritization_move", areas[0].pk),
            {"version": _v(engagement, 1), "direction": "up"},
            follow=True,
        )
        .content.decode()
    )
    assert "“Suspensions” is already the highest priority." in page
    assert _record(engagement).version == 1


def test_it_refuses_a_crafted_direction(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    page = (
        signed_in(world.lea_lead)
        .post(
            _url(engagement, "prioritization_move", areas[0].pk),
            {"version": _v(engagement, 1), "direction": "sideways"},
            follow=True,
        )
        .content.decode()
    )
    assert "That request was incomplete" in page
    assert _record(engagement).version == 1


def test_it_marks_an_area_for_root_cause_exploration(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "prioritization_explore", areas[1].pk),
        {"version": _v(engagement, 1), "explore": "on"},
    )
    areas[1].refresh_from_db()
    assert areas[1].explore_root_causes
    # The first write also gives every area its rank.
    assert [p for _, p in _order(engagement)] == [1, 2, 3]
    client.post(
        _url(engagement, "prioritization_explore", areas[1].pk), {"version": _v(engagement, 2)}
    )
    areas[1].refresh_from_db()
    assert not areas[1].explore_root_causes
    events = AuditEvent.objects.filter(verb="prioritization.explore").order_by("pk")
    assert [e.changes["explore_for_root_causes"] for e in events] == [["no", "yes"], ["yes", "no"]]


def test_it_keeps_the_ranking_as_shown(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "prioritization_rank"), {"version": _v(engagement, 1)}
    )
    assert response.status_code == 302
    assert _order(engagement) == [("Suspensions", 1), ("Chronic absence", 2), ("Reading scores", 3)]
    event = AuditEvent.objects.get(verb="prioritization.rank")
    ranking = "1. Suspensions; 2. Chronic absence; 3. Reading scores"
    assert event.changes["ranking"] == [ranking, ranking]


def test_it_puts_a_new_area_at_the_bottom(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "prioritization_move", areas[2].pk),
        {"version": _v(engagement, 1), "direction": "up"},
    )
    consolidation = _record(engagement, "consolidation")
    part_row_add(
        rows=PROBLEM_AREAS,
        actor=world.lea_lead,
        record=consolidation,
        version=version_token(consolidation),
        description="Graduation",
        quantification="71%",
        relates_to_identification=False,
    )
    assert _order(engagement)[-1] == ("Graduation", None)
    client.post(_url(engagement, "prioritization_rank"), {"version": _v(engagement, 2)})
    assert _order(engagement)[-1] == ("Graduation", 4)


def test_it_moves_on_the_current_order_after_someone_else_saved(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    """Two people reorder from the same page: each move applies to the ranking as saved
    when it runs, never refused because the other saved first."""
    signed_in(world.lea_lead).post(
        _url(engagement, "prioritization_move", areas[1].pk),
        {"version": _v(engagement, 1), "direction": "up"},
    )
    page = (
        signed_in(world.lea_member)
        .post(
            _url(engagement, "prioritization_move", areas[2].pk),
            {"version": _v(engagement, 1), "direction": "up"},
            follow=True,
        )
        .content.decode()
    )
    assert "“Reading scores” is now priority 2." in unescape(page)
    assert _order(engagement) == [("Chronic absence", 1), ("Reading scores", 2), ("Suspensions", 3)]
    assert _record(engagement).version == 3


@pytest.mark.parametrize("token", ["", "foreign", "future"])
def test_it_refuses_a_bad_version_token(
    world: World, engagement: Engagement, areas: list[ProblemArea], token: str
) -> None:
    record = _record(engagement)
    version = {
        "": "",
        "foreign": version_token(_record(engagement, "consolidation")),
        "future": _v(engagement, 9),
    }[token]
    page = unescape(
        signed_in(world.lea_lead)
        .post(
            _url(engagement, "prioritization_move", areas[2].pk),
            {"version": version, "direction": "up"},
            follow=True,
        )
        .content.decode()
    )
    expected = {
        "": VERSION_MISSING,
        "foreign": VERSION_FOREIGN,
        "future": VERSION_FUTURE.format(posted=9, current=1),
    }[token]
    assert expected in page
    assert _record(engagement).version == record.version
    assert _order(engagement)[2] == ("Reading scores", None)


def test_it_refuses_another_leas_area_in_the_service(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    with pytest.raises(services.ValidationError):
        services.prioritization_explore(
            actor=world.lea_lead,
            record=_record(engagement),
            version=_v(engagement, 1),
            problem_area=foreign_area(world),
            explore=True,
        )
    assert _record(engagement).version == 1


def test_it_lists_what_the_checklist_needs(world: World, engagement: Engagement) -> None:
    record = _record(engagement)
    assert part.check(record=record) == [part.NO_PROBLEM_AREAS]
    page = signed_in(world.lea_lead).get(_url(engagement, "activity_detail")).content.decode()
    assert "Consolidation has no problem areas yet" in page


def test_it_checks_ranks_and_exploration(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    record = _record(engagement)
    assert part.check(record=record) == [
        part.NOT_RANKED.format(areas="“Suspensions”, “Chronic absence”, “Reading scores”"),
        part.NONE_TO_EXPLORE,
    ]
    services.prioritization_explore(
        actor=world.lea_lead,
        record=record,
        version=_v(engagement, 1),
        problem_area=areas[0],
        explore=True,
    )
    assert part.check(record=record) == []


def test_it_shows_reviewers_the_ranking_read_only(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.selpa_reviewer)
    page = client.get(_url(engagement, "activity_detail")).content.decode()
    assert "Suspensions" in page
    assert "Move down" not in page
    assert "Keep this ranking" not in page
    move = {"version": _v(engagement, 1), "direction": "down"}
    assert (
        client.post(_url(engagement, "prioritization_move", areas[0].pk), move).status_code == 403
    )
    assert (
        client.post(
            _url(engagement, "prioritization_rank"), {"version": _v(engagement, 1)}
        ).status_code
        == 403
    )


def test_it_requires_lea_member(
    world: World, engagement: Engagement, areas: list[ProblemArea]
) -> None:
    client = signed_in(world.selpa_reviewer)
    url = _url(engagement, "prioritization_explore", areas[0].pk)
    assert client.post(url, {"version": _v(engagement, 1), "explore": "on"}).status_code == 403


def test_it_checks_scope(world: World, engagement: Engagement, areas: list[ProblemArea]) -> None:
    client = signed_in(world.foreign_lea_lead)
    move = {"version": _v(engagement, 1), "direction": "down"}
    assert (
        client.post(_url(engagement, "prioritization_move", areas[0].pk), move).status_code == 404
    )
    assert (
        client.post(
            _url(engagement, "prioritization_rank"), {"version": _v(engagement, 1)}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["prioritization_explore", "prioritization_rank"])
def test_it_refuses_an_incomplete_or_stale_request(
    world: World, engagement: Engagement, areas: list[ProblemArea], name: str
) -> None:
    client = signed_in(world.lea_lead)
    url = (
        _url(engagement, name, areas[0].pk)
        if name == "prioritization_explore"
        else _url(engagement, name)
    )
    missing = client.post(url, {"explore": "on"}, follow=True).content.decode()
    assert VERSION_MISSING in unescape(missing)
    stale = client.post(url, {"version": _v(engagement, 7), "explore": "on"}, follow=True)
    assert "but the latest saved version is 1" in unescape(stale.content.decode())
    assert _record(engagement).version == 1
    assert not ProblemArea.objects.filter(explore_root_causes=True).exists()
