"""Writes to the Plan for Improvement: problems of practice, high-leverage strategies, and
each strategy's activities, measurable outcomes and benchmarks.

Every row merges with what others saved since the writer opened the page, row by row and
field by field (steps/services/parts_merge.py): an add never conflicts; a change writes
the fields only the writer changed and keeps those only others changed; a field both
changed differently refuses the row with both texts; a remove of a row someone changed
since is refused. Each write counts as a new version of the plan activity, with its audit
row, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from lea.audit import diff
from lea.models import AuditVerb, User
from steps.access import may_edit_engagement
from steps.models import (
    ActivityRecord,
    Benchmark,
    Outcome,
    ProblemOfPractice,
    RootCause,
    Strategy,
    StrategyActivity,
)
from steps.services.parts_merge import (
    ROW,
    RowSaved,
    holder_open,
    record_holder,
    row_key,
    row_remove,
    row_save,
    values_for,
    words,
)
from steps.services.records import NOT_YOURS, record_touch

FOREIGN_ROOT_CAUSE = "Choose root causes from this LEA's Root Cause Analysis."
FOREIGN_PROBLEM = "Choose problems of practice from this plan."
BENCHMARK_OUTSIDE = (
    "The benchmark {benchmark} would fall outside the baseline and target dates; "
    "change or remove it first."
)


def amount(value: Decimal | str | None) -> str:
    """A baseline, target or benchmark value in one spelling (two decimal places, as
    stored), so what a form posts and what is saved compare as the same value."""
    return "" if value is None or value == "" else f"{Decimal(value):.2f}"


def _save(row: Model) -> None:
    row.full_clean()
    row.save()


def _same_engagement(
    rows: Iterable[RootCause | ProblemOfPractice], engagement_id: int, field: str, message: str
) -> list[Any]:
    """A crafted POST may name another LEA's rows: refuse them beside the field."""
    rows = list(rows)
    if any(row.engagement_id != engagement_id for row in rows):
        raise ValidationError({field: message})
    return rows


def _refuse_outsider(actor: User, record: ActivityRecord) -> None:
    """An add saves its row before counting it in the plan's version: refuse one who may
    not edit before that row is written."""
    if not may_edit_engagement(actor, record.engagement):
        raise ValidationError(NOT_YOURS)


def _added(
    *, actor: User, record: ActivityRecord, version: str, verb: AuditVerb, row: Model, about: dict
) -> None:
    """Count an added row in the plan's version (the row is saved already, in the same
    transaction): an add never conflicts, but a bad version token is refused."""
    locked = holder_open(record_holder(actor=actor, record=record), version)
    record_touch(
        actor=actor,
        record=locked,  # type: ignore[arg-type]
        verb=verb,
        changes=diff(None, {ROW: row_key(row), **about}),
    )


def _update[RowT: Model](
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    row: RowT,
    what: str,
    bases: Mapping[str, str] | None,
    mine: Mapping[str, Any],
    values_of: Callable[[RowT], dict[str, Any]],
    write: Callable[[RowT, dict[str, Any]], None],
    verb: AuditVerb,
    about: Callable[[RowT], dict[str, Any]],
) -> RowSaved:
    return row_save(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=row,
        what=what,
        bases=bases,
        mine=mine,
        values_of=values_of,
        write=write,
        verb=verb,
        about=about,
    )


def _remove[RowT: Model](
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    row: RowT,
    what: str,
    base: str | None,
    values_of: Callable[[RowT], dict[str, Any]],
    verb: AuditVerb,
    about: Callable[[RowT], dict[str, Any]],
) -> None:
    row_remove(
        holder=record_holder(actor=actor, record=record),
        version=version,
        row=row,
        what=what,
        base=base,
        values_of=values_of,
        verb=verb,
        about=about,
    )


def _assign(row: Model, merged: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        setattr(row, name, merged[name])


# --- Problems of practice ---------------------------------------------------------------


@values_for(ProblemOfPractice)
def problem_values(problem: ProblemOfPractice) -> dict[str, Any]:
    """A problem of practice's values as its form names them."""
    return {"statement": problem.statement, "root_causes": list(problem.root_causes.all())}


def _problem_about(problem: ProblemOfPractice) -> dict[str, Any]:
    return {"problem of practice": words(problem.statement, 200)}


@transaction.atomic
def problem_of_practice_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    statement: str,
    root_causes: Iterable[RootCause],
) -> ProblemOfPractice:
    _refuse_outsider(actor, record)
    causes = _same_engagement(root_causes, record.engagement_id, "root_causes", FOREIGN_ROOT_CAUSE)
    problem = ProblemOfPractice(
        engagement_id=record.engagement_id, record=record, statement=statement
    )
    _save(problem)
    problem.root_causes.set(causes)
    _added(
        actor=actor, record=record, version=version, verb=AuditVerb.PLAN_ADD_PROBLEM_OF_PRACTICE,
        row=problem, about={**_problem_about(problem), "root causes": words(causes)},
    )  # fmt: skip
    return problem


@transaction.atomic
def problem_of_practice_update(
    *,
    actor: User,
    problem: ProblemOfPractice,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    values["root_causes"] = _same_engagement(
        values.get("root_causes", ()), problem.engagement_id, "root_causes", FOREIGN_ROOT_CAUSE
    )

    def write(row: ProblemOfPractice, merged: dict[str, Any]) -> None:
        row.statement = merged["statement"]
        _save(row)
        row.root_causes.set(merged["root_causes"])

    return _update(
        actor=actor, record=problem.record, version=version, row=problem,
        what="problem of practice", bases=bases, mine=values, values_of=problem_values,
        write=write, verb=AuditVerb.PLAN_CHANGE_PROBLEM_OF_PRACTICE, about=_problem_about,
    )  # fmt: skip


@transaction.atomic
def problem_of_practice_remove(
    *, actor: User, problem: ProblemOfPractice, version: str, base: str | None = None
) -> None:
    _remove(
        actor=actor, record=problem.record, version=version, row=problem,
        what="problem of practice", base=base, values_of=problem_values,
        verb=AuditVerb.PLAN_REMOVE_PROBLEM_OF_PRACTICE, about=_problem_about,
    )  # fmt: skip


# --- Strategies ---------------------------------------------------------------------------


@values_for(Strategy)
def strategy_values(strategy: Strategy) -> dict[str, Any]:
    return {
        "title": strategy.title,
        "description": strategy.description,
        "problems_of_practice": list(strategy.problems_of_practice.all()),
    }


def _strategy_about(strategy: Strategy) -> dict[str, Any]:
    return {"strategy": words(strategy.title, 200)}


@transaction.atomic
def strategy_add(
    *,
    actor: User,
    record: ActivityRecord,
    version: str,
    title: str,
    description: str,
    problems_of_practice: Iterable[ProblemOfPractice],
) -> Strategy:
    _refuse_outsider(actor, record)
    problems = _same_engagement(
        problems_of_practice, record.engagement_id, "problems_of_practice", FOREIGN_PROBLEM
    )
    strategy = Strategy(
        engagement_id=record.engagement_id, record=record, title=title, description=description
    )
    _save(strategy)
    strategy.problems_of_practice.set(problems)
    _added(
        actor=actor, record=record, version=version, verb=AuditVerb.PLAN_ADD_STRATEGY, row=strategy,
        about={**_strategy_about(strategy), "problems of practice": words(problems)},
    )  # fmt: skip
    return strategy


@transaction.atomic
def strategy_update(
    *,
    actor: User,
    strategy: Strategy,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    values["problems_of_practice"] = _same_engagement(
        values.get("problems_of_practice", ()),
        strategy.engagement_id,
        "problems_of_practice",
        FOREIGN_PROBLEM,
    )

    def write(row: Strategy, merged: dict[str, Any]) -> None:
        _assign(row, merged, ["title", "description"])
        _save(row)
        row.problems_of_practice.set(merged["problems_of_practice"])

    return _update(
        actor=actor, record=strategy.record, version=version, row=strategy, what="strategy",
        bases=bases, mine=values, values_of=strategy_values, write=write,
        verb=AuditVerb.PLAN_CHANGE_STRATEGY, about=_strategy_about,
    )  # fmt: skip


def _strategy_removal(strategy: Strategy) -> dict[str, Any]:
    # Its activities, outcomes and benchmarks go with it: say so in the history.
    return {
        **_strategy_about(strategy),
        "also removed": f"{strategy.activities.count()} activities, "
        f"{strategy.outcomes.count()} outcomes",
    }


@transaction.atomic
def strategy_remove(
    *, actor: User, strategy: Strategy, version: str, base: str | None = None
) -> None:
    _remove(
        actor=actor, record=strategy.record, version=version, row=strategy, what="strategy",
        base=base, values_of=strategy_values, verb=AuditVerb.PLAN_REMOVE_STRATEGY,
        about=_strategy_removal,
    )  # fmt: skip


# --- Strategy activities ---------------------------------------------------------------------

ACTIVITY_FIELDS = ("description", "start_date", "end_date", "persons_responsible", "resources")


@values_for(StrategyActivity)
def activity_values(activity: StrategyActivity) -> dict[str, Any]:
    return {name: getattr(activity, name) for name in ACTIVITY_FIELDS}


def _activity_about(activity: StrategyActivity) -> dict[str, Any]:
    return {
        "strategy": words(activity.strategy.title, 200),
        "activity": words(activity.description, 120),
    }


@transaction.atomic
def strategy_activity_add(
    *,
    actor: User,
    strategy: Strategy,
    version: str,
    description: str,
    start_date: date,
    end_date: date,
    persons_responsible: str,
    resources: str,
) -> StrategyActivity:
    _refuse_outsider(actor, strategy.record)
    activity = StrategyActivity(
        strategy=strategy,
        description=description,
        start_date=start_date,
        end_date=end_date,
        persons_responsible=persons_responsible,
        resources=resources,
    )
    _save(activity)
    _added(
        actor=actor, record=strategy.record, version=version, verb=AuditVerb.PLAN_ADD_ACTIVITY,
        row=activity,
        about={
            **_activity_about(activity),
            "timeline": f"{start_date:%Y-%m-%d} to {end_date:%Y-%m-%d}",
            "persons responsible": persons_responsible,
        },
    )  # fmt: skip
    return activity


@transaction.atomic
def strategy_activity_update(
    *,
    actor: User,
    activity: StrategyActivity,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    def write(row: StrategyActivity, merged: dict[str, Any]) -> None:
        _assign(row, merged, ACTIVITY_FIELDS)
        _save(row)

    return _update(
        actor=actor, record=activity.strategy.record, version=version, row=activity,
        what="activity", bases=bases, mine=values, values_of=activity_values, write=write,
        verb=AuditVerb.PLAN_CHANGE_ACTIVITY, about=_activity_about,
    )  # fmt: skip


@transaction.atomic
def strategy_activity_remove(
    *, actor: User, activity: StrategyActivity, version: str, base: str | None = None
) -> None:
    _remove(
        actor=actor, record=activity.strategy.record, version=version, row=activity,
        what="activity", base=base, values_of=activity_values, verb=AuditVerb.PLAN_REMOVE_ACTIVITY,
        about=_activity_about,
    )  # fmt: skip


# --- Outcomes and benchmarks -----------------------------------------------------------------

OUTCOME_FIELDS = (
    "measure",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "data_source",
    "monitoring_frequency",
)


@values_for(Outcome)
def outcome_values(outcome: Outcome) -> dict[str, Any]:
    values = {name: getattr(outcome, name) for name in OUTCOME_FIELDS}
    return values | {
        "baseline_value": amount(outcome.baseline_value),
        "target_value": amount(outcome.target_value),
    }


def _outcome_about(outcome: Outcome) -> dict[str, Any]:
    return {"strategy": words(outcome.strategy.title, 200), "outcome": words(outcome.measure, 120)}


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
    version: str,
    measure: str,
    baseline_value: Decimal,
    baseline_date: date,
    target_value: Decimal,
    target_date: date,
    data_source: str,
    monitoring_frequency: str,
) -> Outcome:
    _refuse_outsider(actor, strategy.record)
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
    _save(outcome)
    _added(
        actor=actor, record=strategy.record, version=version, verb=AuditVerb.PLAN_ADD_OUTCOME,
        row=outcome, about={"strategy": strategy.title, "outcome": _outcome_words(outcome)},
    )  # fmt: skip
    return outcome


@transaction.atomic
def outcome_update(
    *,
    actor: User,
    outcome: Outcome,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    def write(row: Outcome, merged: dict[str, Any]) -> None:
        # Moving the dates must not strand a benchmark outside the new baseline-target span.
        for benchmark in row.benchmarks.all():
            if not merged["baseline_date"] < benchmark.date <= merged["target_date"]:
                late = benchmark.date > merged["target_date"]
                field = "target_date" if late else "baseline_date"
                raise ValidationError({field: BENCHMARK_OUTSIDE.format(benchmark=benchmark)})
        _assign(row, merged, OUTCOME_FIELDS)
        _save(row)

    return _update(
        actor=actor, record=outcome.strategy.record, version=version, row=outcome,
        what="measurable outcome", bases=bases, mine=values, values_of=outcome_values,
        write=write, verb=AuditVerb.PLAN_CHANGE_OUTCOME, about=_outcome_about,
    )  # fmt: skip


@transaction.atomic
def outcome_remove(*, actor: User, outcome: Outcome, version: str, base: str | None = None) -> None:
    _remove(
        actor=actor, record=outcome.strategy.record, version=version, row=outcome,
        what="measurable outcome", base=base, values_of=outcome_values,
        verb=AuditVerb.PLAN_REMOVE_OUTCOME, about=_outcome_about,
    )  # fmt: skip


@values_for(Benchmark)
def benchmark_values(benchmark: Benchmark) -> dict[str, Any]:
    return {"value": amount(benchmark.value), "date": benchmark.date}


def _benchmark_about(benchmark: Benchmark) -> dict[str, Any]:
    return {"outcome": words(benchmark.outcome.measure, 200), "benchmark": str(benchmark)}


@transaction.atomic
def benchmark_add(
    *, actor: User, outcome: Outcome, version: str, value: Decimal, date: date
) -> Benchmark:
    _refuse_outsider(actor, outcome.strategy.record)
    benchmark = Benchmark(outcome=outcome, value=value, date=date)
    _save(benchmark)
    _added(
        actor=actor, record=outcome.strategy.record, version=version,
        verb=AuditVerb.PLAN_ADD_BENCHMARK, row=benchmark, about=_benchmark_about(benchmark),
    )  # fmt: skip
    return benchmark


@transaction.atomic
def benchmark_update(
    *,
    actor: User,
    benchmark: Benchmark,
    version: str,
    bases: Mapping[str, str] | None = None,
    **values: Any,
) -> RowSaved:
    def write(row: Benchmark, merged: dict[str, Any]) -> None:
        _assign(row, merged, ["value", "date"])
        _save(row)

    return _update(
        actor=actor, record=benchmark.outcome.strategy.record, version=version, row=benchmark,
        what="benchmark", bases=bases, mine=values, values_of=benchmark_values, write=write,
        verb=AuditVerb.PLAN_CHANGE_BENCHMARK, about=_benchmark_about,
    )  # fmt: skip


@transaction.atomic
def benchmark_remove(
    *, actor: User, benchmark: Benchmark, version: str, base: str | None = None
) -> None:
    _remove(
        actor=actor, record=benchmark.outcome.strategy.record, version=version, row=benchmark,
        what="benchmark", base=base, values_of=benchmark_values,
        verb=AuditVerb.PLAN_REMOVE_BENCHMARK, about=_benchmark_about,
    )  # fmt: skip
