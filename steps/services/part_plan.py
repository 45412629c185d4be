"""Writes to the Plan for Improvement: problems of practice, high-leverage strategies, and
each strategy's activities, measurable outcomes and benchmarks.

Every write bumps the plan activity's version through `record_touch` first, so a stale
form is refused before anything changes, and the audit row lands in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from lea.models import User
from steps.models import (
    ActivityRecord,
    Benchmark,
    Outcome,
    ProblemOfPractice,
    RootCause,
    Strategy,
    StrategyActivity,
)
from steps.services.records import record_touch

FOREIGN_ROOT_CAUSE = "Choose root causes from this LEA's Root Cause Analysis."
FOREIGN_PROBLEM = "Choose problems of practice from this plan."
BENCHMARK_OUTSIDE = (
    "The benchmark {benchmark} would fall outside the baseline and target dates; "
    "change or remove it first."
)


def _clip(text: str) -> str:
    # The history shows a change at a glance; the row itself keeps the full text.
    return text if len(text) <= 200 else text[:200] + "…"


def _save(row: Model) -> None:
    row.full_clean()
    row.save()


def _changed(about: dict[str, str], pairs: dict[str, list[str]]) -> dict[str, Any]:
    """The history of a change: which row it concerns, then only the fields that differ."""
    return {**about, **{name: pair for name, pair in pairs.items() if pair[0] != pair[1]}}


def _names(rows: Iterable[Model]) -> str:
    return "; ".join(str(row) for row in rows) or "(none)"


def _same_engagement(
    rows: Iterable[RootCause | ProblemOfPractice], engagement_id: int, field: str, message: str
) -> list[Any]:
    """A crafted POST may name another LEA's rows: refuse them beside the field."""
    rows = list(rows)
    if any(row.engagement_id != engagement_id for row in rows):
        raise ValidationError({field: message})
    return rows


# --- Problems of practice ---------------------------------------------------------------


@transaction.atomic
def problem_of_practice_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    statement: str,
    root_causes: Iterable[RootCause],
) -> ProblemOfPractice:
    causes = _same_engagement(root_causes, record.engagement_id, "root_causes", FOREIGN_ROOT_CAUSE)
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="plan.add_problem_of_practice",
        changes={"problem of practice": statement, "root causes": _names(causes)},
    )
    problem = ProblemOfPractice(
        engagement_id=record.engagement_id, record=record, statement=statement
    )
    _save(problem)
    problem.root_causes.set(causes)
    return problem


@transaction.atomic
def problem_of_practice_update(
    *,
    actor: User,
    problem: ProblemOfPractice,
    expected_version: int,
    statement: str,
    root_causes: Iterable[RootCause],
) -> ProblemOfPractice:
    causes = _same_engagement(root_causes, problem.engagement_id, "root_causes", FOREIGN_ROOT_CAUSE)
    record_touch(
        actor=actor,
        record=problem.record,
        expected_version=expected_version,
        verb="plan.change_problem_of_practice",
        changes=_changed(
            {"problem of practice": _clip(problem.statement)},
            {
                "statement": [_clip(problem.statement), _clip(statement)],
                "root causes": [_names(problem.root_causes.all()), _names(causes)],
            },
        ),
    )
    problem.statement = statement
    _save(problem)
    problem.root_causes.set(causes)
    return problem


@transaction.atomic
def problem_of_practice_remove(
    *, actor: User, problem: ProblemOfPractice, expected_version: int
) -> None:
    record_touch(
        actor=actor,
        record=problem.record,
        expected_version=expected_version,
        verb="plan.remove_problem_of_practice",
        changes={"problem of practice": problem.statement},
    )
    problem.delete()


# --- Strategies ---------------------------------------------------------------------------


@transaction.atomic
def strategy_add(
    *,
    actor: User,
    record: ActivityRecord,
    expected_version: int,
    title: str,
    description: str,
    problems_of_practice: Iterable[ProblemOfPractice],
) -> Strategy:
    problems = _same_engagement(
        problems_of_practice, record.engagement_id, "problems_of_practice", FOREIGN_PROBLEM
    )
    record_touch(
        actor=actor,
        record=record,
        expected_version=expected_version,
        verb="plan.add_strategy",
        changes={"strategy": title, "problems of practice": _names(problems)},
    )
    strategy = Strategy(
        engagement_id=record.engagement_id, record=record, title=title, description=description
    )
    _save(strategy)
    strategy.problems_of_practice.set(problems)
    return strategy


@transaction.atomic
def strategy_update(
    *,
    actor: User,
    strategy: Strategy,
    expected_version: int,
    title: str,
    description: str,
    problems_of_practice: Iterable[ProblemOfPractice],
) -> Strategy:
    problems = _same_engagement(
        problems_of_practice, strategy.engagement_id, "problems_of_practice", FOREIGN_PROBLEM
    )
    record_touch(
        actor=actor,
        record=strategy.record,
        expected_version=expected_version,
        verb="plan.change_strategy",
        changes=_changed(
            {"strategy": strategy.title},
            {
                "title": [strategy.title, title],
                "description": [_clip(strategy.description), _clip(description)],
                "problems of practice": [
                    _names(strategy.problems_of_practice.all()),
                    _names(problems),
                ],
            },
        ),
    )
    strategy.title, strategy.description = title, description
    _save(strategy)
    strategy.problems_of_practice.set(problems)
    return strategy


@transaction.atomic
def strategy_remove(*, actor: User, strategy: Strategy, expected_version: int) -> None:
    # Its activities, outcomes and benchmarks go with it: say so in the history.
    record_touch(
        actor=actor,
        record=strategy.record,
        expected_version=expected_version,
        verb="plan.remove_strategy",
        changes={
            "strategy": strategy.title,
            "also removed": f"{strategy.activities.count()} activities, "
            f"{strategy.outcomes.count()} outcomes",
        },
    )
    strategy.delete()


# --- Strategy activities ---------------------------------------------------------------------


def _activity_words(
    description: str, start_date: date, end_date: date, persons_responsible: str
) -> str:
    return (
        f"{description[:120]} ({start_date:%Y-%m-%d} to {end_date:%Y-%m-%d}, {persons_responsible})"
    )


@transaction.atomic
def strategy_activity_add(
    *,
    actor: User,
    strategy: Strategy,
    expected_version: int,
    description: str,
    start_date: date,
    end_date: date,
    persons_responsible: str,
    resources: str,
) -> StrategyActivity:
    record_touch(
        actor=actor,
        record=strategy.record,
        expected_version=expected_version,
        verb="plan.add_activity",
        changes={
            "strategy": strategy.title,
            "activity": _activity_words(description, start_date, end_date, persons_responsible),
        },
    )
    activity = StrategyActivity(
        strategy=strategy,
        description=description,
        start_date=start_date,
        end_date=end_date,
        persons_responsible=persons_responsible,
        resources=resources,
    )
    _save(activity)
    return activity


@transaction.atomic
def strategy_activity_update(
    *,
    actor: User,
    activity: StrategyActivity,
    expected_version: int,
    description: str,
    start_date: date,
    end_date: date,
    persons_responsible: str,
    resources: str,
) -> StrategyActivity:
    before = _activity_words(
        activity.description, activity.start_date, activity.end_date, activity.persons_responsible
    )
    after = _activity_words(description, start_date, end_date, persons_responsible)
    record_touch(
        actor=actor,
        record=activity.strategy.record,
        expected_version=expected_version,
        verb="plan.change_activity",
        changes=_changed(
            {"strategy": activity.strategy.title},
            {
                "activity": [before, after],
                "resources": [_clip(activity.resources), _clip(resources)],
            },
        ),
    )
    activity.description, activity.persons_responsible = description, persons_responsible
    activity.start_date, activity.end_date, activity.resources = start_date, end_date, resources
    _save(activity)
    return activity


@transaction.atomic
def strategy_activity_remove(
    *, actor: User, activity: StrategyActivity, expected_version: int
) -> None:
    record_touch(
        actor=actor,
        record=activity.strategy.record,
        expected_version=expected_version,
        verb="plan.remove_activity",
        changes={"strategy": activity.strategy.title, "activity": activity.description},
    )
    activity.delete()


# --- Outcomes and benchmarks -----------------------------------------------------------------


def _outcome_words(outcome: Outcome) -> str:
    return (
        f"{outcome.measure[:120]}: {outcome.baseline_value} on {outcome.baseline_date:%Y-%m-%d} "
        f"→ {outcome.target_value} by {outcome.target_date:%Y-%m-%d} "
        f"({outcome.data_source}, {outcome.monitoring_frequency})"
    )


@transaction.atomic
def outcome_add(
    *,
    actor: User,
    strategy: Strategy,
    expected_version: int,
    measure: str,
    baseline_value: Decimal,
    baseline_date: date,
    target_value: Decimal,
    target_date: date,
    data_source: str,
    monitoring_frequency: str,
) -> Outcome:
    outcome = Outcome(
        strategy=strategy,
        measure=measure,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        target_date=target_date,
        data_source=data_source,
        monitoring_frequency=monitoring_frequency,
    )
    record_touch(
        actor=actor,
        record=strategy.record,
        expected_version=expected_version,
        verb="plan.add_outcome",
        changes={"strategy": strategy.title, "outcome": _outcome_words(outcome)},
    )
    _save(outcome)
    return outcome


@transaction.atomic
def outcome_update(
    *,
    actor: User,
    outcome: Outcome,
    expected_version: int,
    measure: str,
    baseline_value: Decimal,
    baseline_date: date,
    target_value: Decimal,
    target_date: date,
    data_source: str,
    monitoring_frequency: str,
) -> Outcome:
    before = _outcome_words(outcome)
    outcome.measure, outcome.data_source = measure, data_source
    outcome.baseline_value, outcome.baseline_date = baseline_value, baseline_date
    outcome.target_value, outcome.target_date = target_value, target_date
    outcome.monitoring_frequency = monitoring_frequency
    record_touch(
        actor=actor,
        record=outcome.strategy.record,
        expected_version=expected_version,
        verb="plan.change_outcome",
        changes={"strategy": outcome.strategy.title, "outcome": [before, _outcome_words(outcome)]},
    )
    # Moving the dates must not strand a benchmark outside the new baseline-target span.
    for benchmark in outcome.benchmarks.all():
        if not baseline_date < benchmark.date <= target_date:
            field = "target_date" if benchmark.date > target_date else "baseline_date"
            raise ValidationError({field: BENCHMARK_OUTSIDE.format(benchmark=benchmark)})
    _save(outcome)
    return outcome


@transaction.atomic
def outcome_remove(*, actor: User, outcome: Outcome, expected_version: int) -> None:
    record_touch(
        actor=actor,
        record=outcome.strategy.record,
        expected_version=expected_version,
        verb="plan.remove_outcome",
        changes={"strategy": outcome.strategy.title, "outcome": _outcome_words(outcome)},
    )
    outcome.delete()


@transaction.atomic
def benchmark_add(
    *, actor: User, outcome: Outcome, expected_version: int, value: Decimal, date: date
) -> Benchmark:
    benchmark = Benchmark(outcome=outcome, value=value, date=date)
    record_touch(
        actor=actor,
        record=outcome.strategy.record,
        expected_version=expected_version,
        verb="plan.add_benchmark",
        changes={"outcome": _clip(outcome.measure), "benchmark": str(benchmark)},
    )
    _save(benchmark)
    return benchmark


@transaction.atomic
def benchmark_update(
    *, actor: User, benchmark: Benchmark, expected_version: int, value: Decimal, date: date
) -> Benchmark:
    outcome = benchmark.outcome
    before = str(benchmark)
    benchmark.value, benchmark.date = value, date
    record_touch(
        actor=actor,
        record=outcome.strategy.record,
        expected_version=expected_version,
        verb="plan.change_benchmark",
        changes={"outcome": _clip(outcome.measure), "benchmark": [before, str(benchmark)]},
    )
    _save(benchmark)
    return benchmark


@transaction.atomic
def benchmark_remove(*, actor: User, benchmark: Benchmark, expected_version: int) -> None:
    outcome = benchmark.outcome
    record_touch(
        actor=actor,
        record=outcome.strategy.record,
        expected_version=expected_version,
        verb="plan.remove_benchmark",
        changes={"outcome": _clip(outcome.measure), "benchmark": str(benchmark)},
    )
    benchmark.delete()
