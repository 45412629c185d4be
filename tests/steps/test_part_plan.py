"""Plan for Improvement: problems of practice, strategies, activities, outcomes and
benchmarks, the checklist's thread rules, and the trace from each outcome back to data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from lea.models import AuditEvent, User
from steps.forms import NUL_BYTE
from steps.merge import ROW_CHANGED, VERSION_MISSING, fingerprints
from steps.models import (
    ActivityRecord,
    Benchmark,
    DataSource,
    Engagement,
    Outcome,
    ProblemArea,
    ProblemOfPractice,
    RootCause,
    Strategy,
    StrategyActivity,
)
from steps.parts import plan
from steps.services.part_rows import part_row_add, part_row_edit, part_row_remove
from steps.services.parts_merge import ROW_VALUES, row_base
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PLAN = "plan_for_improvement"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement, key: str = PLAN) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def _v(engagement: Engagement, number: int) -> str:
    """The version token a page drawn at that version of the plan carries."""
    return f"{_record(engagement).pk}-{number}"


def _base(row: Any) -> str:
    """The fingerprint a remove button of the row, as saved now, carries."""
    row.refresh_from_db()
    return row_base(row)


def _bases(row: Any) -> dict[str, str]:
    """The bases an edit form drawn from the row as saved now carries."""
    row.refresh_from_db()
    return {
        f"base-edit-{name}": base for name, base in fingerprints(ROW_VALUES[type(row)](row)).items()
    }


def _url(engagement: Engagement, name: str, *ids: int, key: str = PLAN) -> str:
    return reverse(name, args=[engagement.pk, key, *ids])


def _root_cause(engagement: Engagement, statement: str = "Few co-teaching models") -> RootCause:
    """Data source → problem area (marked for exploration) → root cause, as Steps 1-2 leave them."""
    source = DataSource.objects.create(
        engagement=engagement,
        record=_record(engagement, "data_drill_down"),
        name="CALPADS Fall 1 census",
        education="special",
        kind="quantitative",
        area="placement",
    )
    area = ProblemArea.objects.create(
        engagement=engagement,
        record=_record(engagement, "consolidation"),
        description="Few students with IEPs in regular class 80% of the day",
        quantification="41% against a state target of 57%",
        explore_root_causes=True,
    )
    area.sources.add(source)
    cause = RootCause.objects.create(
        engagement=engagement,
        record=_record(engagement, "root_cause_analysis"),
        statement=statement,
    )
    cause.problem_areas.add(area)
    return cause


def _full_plan(engagement: Engagement, actor: User) -> dict[str, Any]:
    """A complete plan built through the services, for the checklist and the trace."""
    record = _record(engagement)
    cause = _root_cause(engagement)
    problem = part_row_add(
        rows=plan.PROBLEMS,
        actor=actor, record=record, version=_v(engagement, 1),
        statement="General educators plan without special educators", root_causes=[cause],
    )  # fmt: skip
    strategy = part_row_add(
        rows=plan.STRATEGIES,
        actor=actor, record=record, version=_v(engagement, 2), title="Co-teaching in grades 3-5",
        description="", problems_of_practice=[problem],
    )  # fmt: skip
    part_row_add(
        rows=plan.ACTIVITIES,
        actor=actor, record=record, strategy=strategy, version=_v(engagement, 3),
        description="Co-planning training",
        start_date=date(2025, 1, 6), end_date=date(2025, 3, 28),
        persons_responsible="Director of special education", resources="Title I funds",
    )  # fmt: skip
    outcome = part_row_add(
        rows=plan.OUTCOMES,
        actor=actor, record=record, strategy=strategy, version=_v(engagement, 4),
        measure="Students with IEPs in regular class 80% or more of the day",
        baseline_value=Decimal(41), baseline_date=date(2024, 10, 1),
        target_value=Decimal(50), target_date=date(2026, 6, 1),
        data_source="CALPADS", monitoring_frequency="Quarterly",
    )  # fmt: skip
    part_row_add(
        rows=plan.BENCHMARKS,
        actor=actor,
        record=record,
        outcome=outcome,
        version=_v(engagement, 5),
        value=Decimal(45),
        date=date(2025, 6, 1),
    )
    return {"cause": cause, "problem": problem, "strategy": strategy, "outcome": outcome}


def _activity_post(**overrides: object) -> dict[str, object]:
    return {
        "version": 1, "description": "Co-planning training", "start_date": "2025-01-06",
        "end_date": "2025-03-28", "persons_responsible": "Director", "resources": "",
        **overrides,
    }  # fmt: skip


def _outcome_post(**overrides: object) -> dict[str, object]:
    return {
        "version": 1, "measure": "Students with IEPs in regular class 80%+",
        "baseline_value": "41", "baseline_date": "2024-10-01", "target_value": "50",
        "target_date": "2026-06-01", "data_source": "CALPADS", "monitoring_frequency": "Quarterly",
        **overrides,
    }  # fmt: skip


def _prefixed(prefix: str, data: dict[str, object]) -> dict[str, object]:
    return {f"{prefix}-{name}": value for name, value in data.items()}


def _strategy(engagement: Engagement, actor: User) -> Strategy:
    return part_row_add(
        rows=plan.STRATEGIES,
        actor=actor, record=_record(engagement), version=_v(engagement, 1), title="Co-teaching",
        description="", problems_of_practice=[],
    )  # fmt: skip


# --- Writes ----------------------------------------------------------------------------------


def test_it_adds_a_problem_of_practice_linked_to_root_causes(
    world: World, engagement: Engagement
) -> None:
    cause = _root_cause(engagement)
    response = signed_in(world.lea_member).post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 1), "problem-statement": "Siloed planning",
         "problem-root_causes": [cause.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].endswith("#plan")
    problem = ProblemOfPractice.objects.get(engagement=engagement)
    assert list(problem.root_causes.all()) == [cause]
    assert _record(engagement).version == 2
    event = AuditEvent.objects.filter(verb="plan.add_problem_of_practice").get()
    assert event.changes["root causes"] == [None, str(cause)]


def test_it_refuses_another_leas_root_cause_in_a_crafted_post(
    world: World, engagement: Engagement
) -> None:
    foreign = start(world.foreign_lea, engagement.cohort, level=3)
    foreign_cause = _root_cause(foreign)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 1), "problem-statement": "Siloed planning",
         "problem-root_causes": [foreign_cause.pk]},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert plan.FOREIGN_ROOT_CAUSE.replace("'", "&#x27;") in page
    assert "Siloed planning" in page
    assert not ProblemOfPractice.objects.exists()


def test_it_refuses_a_foreign_root_cause_in_the_service_too(
    world: World, engagement: Engagement
) -> None:
    foreign_cause = _root_cause(start(world.foreign_lea, engagement.cohort, level=3))
    with pytest.raises(ValidationError, match="Root Cause Analysis"):
        part_row_add(
            rows=plan.PROBLEMS,
            actor=world.lea_lead, record=_record(engagement), version=_v(engagement, 1),
            statement="x", root_causes=[foreign_cause],
        )  # fmt: skip


def test_it_changes_and_removes_a_problem_of_practice(world: World, engagement: Engagement) -> None:
    cause = _root_cause(engagement)
    problem = part_row_add(
        rows=plan.PROBLEMS,
        actor=world.lea_lead, record=_record(engagement), version=_v(engagement, 1),
        statement="Old", root_causes=[],
    )  # fmt: skip
    client = signed_in(world.lea_lead)
    page = client.get(_url(engagement, "plan_problem_edit", problem.pk)).content.decode()
    assert "Change the problem of practice" in page
    client.post(
        _url(engagement, "plan_problem_edit", problem.pk),
        {
            **_bases(problem),
            "edit-version": _v(engagement, 2),
            "edit-statement": "New",
            "edit-root_causes": [cause.pk],
        },
    )
    problem.refresh_from_db()
    assert problem.statement == "New"
    assert list(problem.root_causes.all()) == [cause]
    client.post(
        _url(engagement, "plan_problem_remove", problem.pk),
        {"version": _v(engagement, 3), "base": _base(problem)},
    )
    assert not ProblemOfPractice.objects.exists()
    assert _record(engagement).version == 4


def test_it_adds_changes_and_removes_a_strategy(world: World, engagement: Engagement) -> None:
    problem = part_row_add(
        rows=plan.PROBLEMS,
        actor=world.lea_lead, record=_record(engagement), version=_v(engagement, 1),
        statement="Siloed planning", root_causes=[],
    )  # fmt: skip
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "plan_strategy_add"),
        {"strategy-version": _v(engagement, 2), "strategy-title": "Co-teaching",
         "strategy-problems_of_practice": [problem.pk]},
    )  # fmt: skip
    strategy = Strategy.objects.get()
    assert list(strategy.problems_of_practice.all()) == [problem]
    client.post(
        _url(engagement, "plan_strategy_edit", strategy.pk),
        {
            **_bases(strategy),
            "edit-version": _v(engagement, 3),
            "edit-title": "Co-teaching K-5",
            "edit-description": "All sites",
        },
    )
    strategy.refresh_from_db()
    assert (strategy.title, strategy.description) == ("Co-teaching K-5", "All sites")
    assert not strategy.problems_of_practice.exists()
    history = client.get(reverse("activity_history", args=[engagement.pk, PLAN])).content.decode()
    assert "title: Co-teaching → Co-teaching K-5" in history
    assert "problems of practice: Siloed planning → (none)" in history
    client.post(
        _url(engagement, "plan_strategy_remove", strategy.pk),
        {"version": _v(engagement, 4), "base": _base(strategy)},
    )
    assert not Strategy.objects.exists()


def test_it_adds_changes_and_removes_an_activity(world: World, engagement: Engagement) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement, "plan_activity_add", strategy.pk),
        _prefixed(f"activity-{strategy.pk}", _activity_post(version=_v(engagement, 2))),
    )
    assert response.status_code == 302
    activity = StrategyActivity.objects.get()
    assert activity.end_date == date(2025, 3, 28)
    client.post(
        _url(engagement, "plan_activity_edit", activity.pk),
        {
            **_bases(activity),
            **_prefixed(
                "edit", _activity_post(version=_v(engagement, 3), persons_responsible="Principal")
            ),
        },
    )
    activity.refresh_from_db()
    assert activity.persons_responsible == "Principal"
    client.post(
        _url(engagement, "plan_activity_remove", activity.pk),
        {"version": _v(engagement, 4), "base": _base(activity)},
    )
    assert not StrategyActivity.objects.exists()


def test_it_refuses_an_activity_that_ends_before_it_starts(
    world: World, engagement: Engagement
) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    prefix = f"activity-{strategy.pk}"
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_activity_add", strategy.pk),
        _prefixed(prefix, _activity_post(version=_v(engagement, 2), end_date="2024-12-01")),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{prefix}-end_date_error">The end date is before the start date.' in page
    assert "Co-planning training" in page
    assert not StrategyActivity.objects.exists()
    assert _record(engagement).version == 2


def test_it_adds_changes_and_removes_an_outcome(world: World, engagement: Engagement) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "plan_outcome_add", strategy.pk),
        _prefixed(f"outcome-{strategy.pk}", _outcome_post(version=_v(engagement, 2))),
    )
    outcome = Outcome.objects.get()
    assert outcome.baseline_value == Decimal(41)
    client.post(
        _url(engagement, "plan_outcome_edit", outcome.pk),
        {
            **_bases(outcome),
            **_prefixed("edit", _outcome_post(version=_v(engagement, 3), target_value="55.5")),
        },
    )
    outcome.refresh_from_db()
    assert outcome.target_value == Decimal("55.5")
    client.post(
        _url(engagement, "plan_outcome_remove", outcome.pk),
        {"version": _v(engagement, 4), "base": _base(outcome)},
    )
    assert not Outcome.objects.exists()


def test_it_explains_a_non_numeric_baseline_beside_the_field(
    world: World, engagement: Engagement
) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    prefix = f"outcome-{strategy.pk}"
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_outcome_add", strategy.pk),
        _prefixed(prefix, _outcome_post(version=_v(engagement, 2), baseline_value="about 40%")),
    )
    assert response.status_code == 400
    page = response.content.decode()
    message = plan.NOT_A_NUMBER.format(what="baseline")
    assert f'id="id_{prefix}-baseline_value_error">{message}' in page
    assert 'value="about 40%"' in page
    assert not Outcome.objects.exists()


def test_it_refuses_a_target_date_not_after_the_baseline(
    world: World, engagement: Engagement
) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_outcome_add", strategy.pk),
        _prefixed(
            f"outcome-{strategy.pk}",
            _outcome_post(version=_v(engagement, 2), target_date="2024-10-01"),
        ),
    )
    assert response.status_code == 400
    assert "The target date must come after the baseline date." in response.content.decode()
    assert not Outcome.objects.exists()


def test_it_adds_changes_and_removes_a_benchmark(world: World, engagement: Engagement) -> None:
    outcome = _full_plan(engagement, world.lea_lead)["outcome"]
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "plan_benchmark_add", outcome.pk),
        {f"benchmark-{outcome.pk}-version": _v(engagement, 6),
         f"benchmark-{outcome.pk}-value": "48",
         f"benchmark-{outcome.pk}-date": "2026-01-15"},
    )  # fmt: skip
    added = Benchmark.objects.get(value=48)
    client.post(
        _url(engagement, "plan_benchmark_edit", added.pk),
        {
            **_bases(added),
            "edit-version": _v(engagement, 7),
            "edit-value": "47",
            "edit-date": "2026-01-15",
        },
    )
    added.refresh_from_db()
    assert added.value == Decimal(47)
    client.post(
        _url(engagement, "plan_benchmark_remove", added.pk),
        {"version": _v(engagement, 8), "base": _base(added)},
    )
    assert list(Benchmark.objects.values_list("value", flat=True)) == [Decimal(45)]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("2026-07-01", "A benchmark cannot come after the target date."),
        ("2024-10-01", "A benchmark must come after the baseline date."),
    ],
)
def test_it_refuses_a_benchmark_outside_baseline_and_target(
    world: World, engagement: Engagement, when: str, message: str
) -> None:
    outcome = _full_plan(engagement, world.lea_lead)["outcome"]
    prefix = f"benchmark-{outcome.pk}"
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_benchmark_add", outcome.pk),
        {f"{prefix}-version": _v(engagement, 6), f"{prefix}-value": "48", f"{prefix}-date": when},
    )
    assert response.status_code == 400
    assert f'id="id_{prefix}-date_error">{message}' in response.content.decode()
    assert outcome.benchmarks.count() == 1


def test_it_keeps_benchmarks_inside_a_changed_target_date(
    world: World, engagement: Engagement
) -> None:
    outcome = _full_plan(engagement, world.lea_lead)["outcome"]
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_outcome_edit", outcome.pk),
        {
            **_bases(outcome),
            **_prefixed("edit", _outcome_post(version=_v(engagement, 6), target_date="2025-03-01")),
        },
    )
    assert response.status_code == 400
    assert "would fall outside the baseline and target dates" in response.content.decode()
    outcome.refresh_from_db()
    assert outcome.target_date == date(2026, 6, 1)


# --- Bad input -------------------------------------------------------------------------------


def test_it_rejects_a_nul_byte_and_a_huge_paste_beside_the_field(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    nul = client.post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 1), "problem-statement": "a\x00b"},
    )
    assert nul.status_code == 400
    assert NUL_BYTE in nul.content.decode()
    assert "Null characters are not allowed" not in nul.content.decode()
    huge = client.post(
        _url(engagement, "plan_strategy_add"),
        {
            "strategy-version": _v(engagement, 1),
            "strategy-title": "T",
            "strategy-description": "x" * 1_048_576,
        },
    )
    assert huge.status_code == 400
    assert "“Description” can hold at most 5,000 characters" in unescape(huge.content.decode())
    assert not ProblemOfPractice.objects.exists()
    assert not Strategy.objects.exists()


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    client.post(
        _url(engagement, "plan_strategy_add"),
        {"strategy-version": _v(engagement, 1), "strategy-title": "<script>alert(1)</script>"},
    )
    page = client.get(reverse("activity_detail", args=[engagement.pk, PLAN])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_refuses_a_stale_version_and_keeps_the_text(
    world: World, engagement: Engagement
) -> None:
    """Nothing lost: an add from a page drawn before someone else's save merges (it never
    conflicts); a version the plan never had is refused with the text kept, nothing saved."""
    _strategy(engagement, world.lea_lead)
    member = signed_in(world.lea_member)
    future = member.post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 9), "problem-statement": "Member's text"},
    )
    assert future.status_code == 409
    page = unescape(future.content.decode())
    assert "but the latest saved version is 2" in page
    assert "Member's text" in page
    assert not ProblemOfPractice.objects.exists()
    stale = member.post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 1), "problem-statement": "Member's text"},
    )
    assert stale.status_code == 302
    assert ProblemOfPractice.objects.get().statement == "Member's text"
    assert Strategy.objects.get().title == "Co-teaching"


def test_it_refuses_to_remove_a_strategy_changed_since(
    world: World, engagement: Engagement
) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    seen = _base(strategy)
    part_row_edit(
        rows=plan.STRATEGIES,
        actor=world.lea_lead, record=_record(engagement), row=strategy,
        version=_v(engagement, 2), title="Co-teaching K-5", description="",
        problems_of_practice=[],
    )  # fmt: skip
    page = unescape(
        signed_in(world.lea_member)
        .post(
            _url(engagement, "plan_strategy_remove", strategy.pk),
            {"version": _v(engagement, 2), "base": seen},
            follow=True,
        )
        .content.decode()
    )
    assert ROW_CHANGED.format(who="Casey Lead") in page
    assert Strategy.objects.exists()
    with pytest.raises(ValidationError):
        part_row_remove(
            rows=plan.STRATEGIES,
            actor=world.lea_member,
            record=_record(engagement),
            row=strategy,
            version=_v(engagement, 2),
            base=seen,
        )


def test_it_refuses_a_garbled_version(world: World, engagement: Engagement) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    page = signed_in(world.lea_lead).post(
        _url(engagement, "plan_strategy_remove", strategy.pk),
        {"version": "two", "base": _base(strategy)},
        follow=True,
    )
    assert VERSION_MISSING in unescape(page.content.decode())
    assert Strategy.objects.exists()


def test_it_refuses_writes_once_the_activity_is_locked(
    world: World, engagement: Engagement
) -> None:
    ActivityRecord.objects.filter(pk=_record(engagement).pk).update(
        status=ActivityRecord.Status.SUBMITTED
    )
    response = signed_in(world.lea_lead).post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 1), "problem-statement": "Siloed planning"},
        follow=True,
    )
    assert "it cannot be edited now" in response.content.decode()
    assert not ProblemOfPractice.objects.exists()


# --- Access ----------------------------------------------------------------------------------


def test_it_shows_the_plan_read_only_to_a_selpa_reviewer(
    world: World, engagement: Engagement
) -> None:
    made = _full_plan(engagement, world.lea_lead)
    client = signed_in(world.selpa_reviewer)
    page = client.get(reverse("activity_detail", args=[engagement.pk, PLAN])).content.decode()
    assert "Co-teaching in grades 3-5" in page
    assert "Add a problem of practice" not in page
    assert reverse("plan_strategy_remove", args=[engagement.pk, PLAN, made["strategy"].pk]) not in (
        page
    )
    response = client.post(
        _url(engagement, "plan_strategy_remove", made["strategy"].pk),
        {"version": _v(engagement, 6), "base": _base(made["strategy"])},
    )
    assert response.status_code == 403
    assert client.get(_url(engagement, "plan_trace")).status_code == 200


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    strategy = _strategy(engagement, world.lea_lead)
    client = signed_in(world.foreign_lea_lead)
    assert client.get(_url(engagement, "plan_trace")).status_code == 404
    assert client.get(_url(engagement, "plan_strategy_edit", strategy.pk)).status_code == 404
    response = client.post(
        _url(engagement, "plan_strategy_remove", strategy.pk),
        {"version": _v(engagement, 2), "base": _base(strategy)},
    )
    assert response.status_code == 404
    assert Strategy.objects.exists()


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    response = client.post(
        _url(engagement, "plan_problem_add"),
        {"problem-version": _v(engagement, 1), "problem-statement": "x"},
    )
    assert response.status_code == 403
    assert client.get(_url(engagement, "plan_trace")).status_code == 200
    assert not ProblemOfPractice.objects.exists()


def test_it_answers_404_for_an_activity_without_a_plan(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    assert client.get(_url(engagement, "plan_trace", key="parent_input")).status_code == 404
    response = client.post(
        _url(engagement, "plan_problem_add", key="parent_input"),
        {"problem-version": _v(engagement, 1), "problem-statement": "x"},
    )
    assert response.status_code == 404


# --- Checklist -------------------------------------------------------------------------------


def test_it_lists_what_the_plan_still_needs(world: World, engagement: Engagement) -> None:
    assert plan.check(record=_record(engagement)) == [
        "Add at least one problem of practice.",
        "Add at least one high-leverage strategy.",
    ]
    cause = _root_cause(engagement)
    part_row_add(
        rows=plan.PROBLEMS,
        actor=world.lea_lead, record=_record(engagement), version=_v(engagement, 1),
        statement="Siloed planning", root_causes=[],
    )  # fmt: skip
    part_row_add(
        rows=plan.STRATEGIES,
        actor=world.lea_lead, record=_record(engagement), version=_v(engagement, 2),
        title="Co-teaching", description="", problems_of_practice=[],
    )  # fmt: skip
    problems = plan.check(record=_record(engagement))
    assert problems == [
        "Problem of practice “Siloed planning”: link it to at least one root cause.",
        "Strategy “Co-teaching”: choose the problems of practice it addresses.",
        "Strategy “Co-teaching”: add at least one activity.",
        "Strategy “Co-teaching”: add at least one measurable outcome.",
        f"Root cause “{cause}”: no strategy addresses it through a problem of practice.",
    ]


def test_it_names_an_outcome_without_benchmarks_and_an_unexplained_problem_area(
    world: World, engagement: Engagement
) -> None:
    made = _full_plan(engagement, world.lea_lead)
    assert plan.check(record=_record(engagement)) == []
    made["outcome"].benchmarks.all().delete()
    lonely = ProblemArea.objects.create(
        engagement=engagement, record=_record(engagement, "consolidation"),
        description="Chronic absence", quantification="22%", explore_root_causes=True,
    )  # fmt: skip
    assert plan.check(record=_record(engagement)) == [
        "Strategy “Co-teaching in grades 3-5”, outcome “Students with IEPs in regular class "
        "80% or more of the day”: add at least one benchmark.",
        f"Problem area “{lonely}” is marked for root-cause exploration, but no root cause "
        "explains it.",
    ]


def test_it_shows_the_plan_checklist_on_the_activity(world: World, engagement: Engagement) -> None:
    url = reverse("activity_checklist", args=[engagement.pk, PLAN])
    page = signed_in(world.lea_lead).get(url).content.decode()
    assert "Add at least one problem of practice." in page


# --- Trace -----------------------------------------------------------------------------------


def test_it_traces_each_outcome_back_to_its_data(world: World, engagement: Engagement) -> None:
    _full_plan(engagement, world.lea_lead)
    lonely = RootCause.objects.create(
        engagement=engagement, record=_record(engagement, "root_cause_analysis"),
        statement="No shared planning time",
    )  # fmt: skip
    page = signed_in(world.lea_member).get(_url(engagement, "plan_trace")).content.decode()
    for text in (
        "Students with IEPs in regular class 80% or more of the day",
        "Co-teaching in grades 3-5",
        "General educators plan without special educators",
        "Few co-teaching models",
        "Few students with IEPs in regular class 80% of the day",
        "41% against a state target of 57%",
        "CALPADS Fall 1 census (special education, quantitative, placement (lre))",
        "45.00 by Jun 1, 2025",
    ):
        assert text in page, text
    assert "Root causes that no strategy addresses" in page
    assert lonely.statement in page


def test_it_links_the_trace_from_the_plan(world: World, engagement: Engagement) -> None:
    page = (
        signed_in(world.lea_lead)
        .get(reverse("activity_detail", args=[engagement.pk, PLAN]))
        .content.decode()
    )
    assert _url(engagement, "plan_trace") in page


def _grow(engagement: Engagement, number: int) -> None:
    """One more of everything the trace walks, down to a data source."""
    cause = _root_cause(engagement, f"Cause {number}")
    problem = ProblemOfPractice.objects.create(
        engagement=engagement, record=_record(engagement), statement=f"Problem {number}"
    )
    problem.root_causes.add(cause)
    strategy = Strategy.objects.create(
        engagement=engagement, record=_record(engagement), title=f"Strategy {number}"
    )
    strategy.problems_of_practice.add(problem)
    outcome = Outcome.objects.create(
        strategy=strategy, measure=f"Measure {number}", baseline_value=1,
        baseline_date=date(2024, 10, 1), target_value=2, target_date=date(2026, 6, 1),
        data_source="CALPADS", monitoring_frequency="Monthly",
    )  # fmt: skip
    Benchmark.objects.create(outcome=outcome, value=1, date=date(2025, 6, 1))


def _trace_queries(client: Client, engagement: Engagement) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(engagement, "plan_trace"))
    assert response.status_code == 200
    return len(queries)


def test_it_traces_in_a_fixed_number_of_queries(world: World, engagement: Engagement) -> None:
    client = signed_in(world.lea_lead)
    # The page has loaded the record's engagement before the trace reads.
    record = ActivityRecord.objects.select_related("engagement").get(pk=_record(engagement).pk)
    _grow(engagement, 0)
    with CaptureQueriesContext(connection) as selector:
        plan.plan_trace(record=record)
    _trace_queries(client, engagement)  # the first page of a session also writes it
    small = _trace_queries(client, engagement)
    for number in range(1, 6):
        _grow(engagement, number)
    assert _trace_queries(client, engagement) == small
    # Strategies, then one query per level of the thread down to the data (outcomes,
    # benchmarks, problems of practice, root causes, problem areas, sources, Data Drill
    # Down citations; with none, their uploads are not read), the catalog's words for the
    # sources' tags, then the two gap lists.
    assert len(selector) == 1 + 7 + 1 + 2


# --- Rows the shared checks (tests/steps/test_row_merge.py) do not cover ----------------------


def test_it_merges_a_problem_of_practice_and_refuses_the_same_field(
    world: World, engagement: Engagement
) -> None:
    cause = _root_cause(engagement)
    problem = part_row_add(
        rows=plan.PROBLEMS,
        actor=world.lea_lead, record=_record(engagement), version=_v(engagement, 1),
        statement="Old", root_causes=[],
    )  # fmt: skip
    seen = _bases(problem)
    part_row_edit(
        rows=plan.PROBLEMS,
        actor=world.lea_member, record=_record(engagement), row=problem,
        version=_v(engagement, 2),
        statement="Old", root_causes=[cause],
    )  # fmt: skip
    client = signed_in(world.lea_lead)
    url = _url(engagement, "plan_problem_edit", problem.pk)
    merged = client.post(url, {**seen, "edit-version": _v(engagement, 2), "edit-statement": "New"})
    assert merged.status_code == 302
    problem.refresh_from_db()
    assert (problem.statement, list(problem.root_causes.all())) == ("New", [cause])
    clash = client.post(url, {**seen, "edit-version": _v(engagement, 3), "edit-statement": "Mine"})
    assert clash.status_code == 409
    page = unescape(clash.content.decode())
    assert "Mine" in page
    assert "New" in page
    assert "data-conflict" in page
    problem.refresh_from_db()
    assert problem.statement == "New"


def test_it_merges_a_benchmark_and_refuses_the_same_field(
    world: World, engagement: Engagement
) -> None:
    outcome = _full_plan(engagement, world.lea_lead)["outcome"]
    benchmark = outcome.benchmarks.get()
    seen = _bases(benchmark)
    part_row_edit(
        rows=plan.BENCHMARKS,
        actor=world.lea_member, record=_record(engagement), row=benchmark,
        version=_v(engagement, 6), value=plan.amount(Decimal(46)), date=benchmark.date,
    )  # fmt: skip
    client = signed_in(world.lea_lead)
    url = _url(engagement, "plan_benchmark_edit", benchmark.pk)
    posted = {**seen, "edit-version": _v(engagement, 6), "edit-value": "45.00"}
    merged = client.post(url, {**posted, "edit-date": "2025-07-01"})
    assert merged.status_code == 302
    benchmark.refresh_from_db()
    assert (benchmark.value, benchmark.date) == (Decimal(46), date(2025, 7, 1))
    clash = client.post(url, {**posted, "edit-value": "44", "edit-date": "2025-06-01"})
    assert clash.status_code == 409
    assert "Sam Member changed this while you were editing it" in unescape(clash.content.decode())
    benchmark.refresh_from_db()
    assert benchmark.value == Decimal(46)
