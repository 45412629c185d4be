"""The Plan for Improvement's URLs, pointed at another LEA's objects (for tests/test_isolation.py):
another LEA's engagement, and the user's own engagement with another LEA's row id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from lea.models import Organization
from steps.models import (
    ActivityRecord,
    Benchmark,
    Engagement,
    Outcome,
    ProblemOfPractice,
    Strategy,
    StrategyActivity,
)
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

PLAN = "plan_for_improvement"
Kwargs = dict[str, object]


def _engagement(lea: Organization) -> Engagement:
    # Several builders run in one test: reuse the engagement rather than start it twice.
    return Engagement.objects.filter(lea=lea).first() or start(
        lea, load_2024()["targeted"], level=3
    )


def _foreign_rows(world: World) -> dict[str, int]:
    """One row of each kind in another LEA's plan."""
    engagement = _engagement(world.foreign_lea)
    record = ActivityRecord.objects.get(engagement=engagement, definition__key=PLAN)
    problem = ProblemOfPractice.objects.create(
        engagement=engagement, record=record, statement="Foreign problem"
    )
    strategy = Strategy.objects.create(engagement=engagement, record=record, title="Foreign")
    activity = StrategyActivity.objects.create(
        strategy=strategy,
        description="Foreign activity",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 2, 1),
        persons_responsible="Someone",
    )
    outcome = Outcome.objects.create(
        strategy=strategy,
        measure="Foreign measure",
        baseline_value=1,
        baseline_date=date(2024, 10, 1),
        target_value=2,
        target_date=date(2026, 6, 1),
        data_source="CALPADS",
        monitoring_frequency="Monthly",
    )
    benchmark = Benchmark.objects.create(outcome=outcome, value=1, date=date(2025, 6, 1))
    return {
        "problem_id": problem.pk,
        "strategy_id": strategy.pk,
        "activity_id": activity.pk,
        "outcome_id": outcome.pk,
        "benchmark_id": benchmark.pk,
    }


def _in(world: World, lea: Organization, key: str | None, word: str | None) -> Kwargs:
    """The plan of `lea`'s engagement, with a foreign row's id (of the kind `key` names)
    as the URL's `word` if given."""
    rows = _foreign_rows(world)
    kwargs: Kwargs = {"engagement_id": _engagement(lea).pk, "activity_key": PLAN}
    if key:
        kwargs[word or key] = rows[key]
    return kwargs


def _builders(key: str | None, word: str | None = None) -> list[Callable[[World], Kwargs]]:
    """An add URL names the row it adds to by its kind (`strategy_id`); an edit or remove
    URL names its own row `row_id` (the generic views, steps/views/part_rows.py)."""
    builders: list[Callable[[World], Kwargs]] = [lambda w: _in(w, w.foreign_lea, key, word)]
    if key:
        builders.append(lambda w: _in(w, w.lea, key, word))
    return builders


FOREIGN_OBJECTS: dict[str, list[Callable[[World], Kwargs]]] = {
    "plan_problem_add": _builders(None),
    "plan_problem_edit": _builders("problem_id", "row_id"),
    "plan_problem_remove": _builders("problem_id", "row_id"),
    "plan_strategy_add": _builders(None),
    "plan_strategy_edit": _builders("strategy_id", "row_id"),
    "plan_strategy_remove": _builders("strategy_id", "row_id"),
    "plan_activity_add": _builders("strategy_id"),
    "plan_activity_edit": _builders("activity_id", "row_id"),
    "plan_activity_remove": _builders("activity_id", "row_id"),
    "plan_outcome_add": _builders("strategy_id"),
    "plan_outcome_edit": _builders("outcome_id", "row_id"),
    "plan_outcome_remove": _builders("outcome_id", "row_id"),
    "plan_benchmark_add": _builders("outcome_id"),
    "plan_benchmark_edit": _builders("benchmark_id", "row_id"),
    "plan_benchmark_remove": _builders("benchmark_id", "row_id"),
    "plan_trace": _builders(None),
}
