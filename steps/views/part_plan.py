"""The Plan for Improvement part of the activity page: add, change and remove problems of
practice, strategies, activities, outcomes and benchmarks, and the trace view.

Every view reaches the engagement and record through access, then its row through a
selector scoped to that record, before asking whether the user may write: an id from
another LEA is a 404 for everyone, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steps import access
from steps.models import ActivityRecord
from steps.parts import plan
from steps.services import part_plan
from steps.services.parts_merge import ROW_VALUES
from steps.views.parts_common import (
    back,
    current_user,
    gone,
    part_record,
    remove_row,
    render_part,
    row_or_gone,
    save_row,
)
from steps.views.work import record_activity_read

NAME = "plan"
# A form's save: the service call with the form's values.
Save = Callable[[plan.PlanForm], object]


def _row(rows: QuerySet[Any], pk: int) -> Any:
    return get_object_or_404(rows, pk=pk)


def _show(
    request: HttpRequest,
    record: ActivityRecord,
    form: plan.PlanForm,
    editing: dict[str, Any] | None,
    status: int,
) -> HttpResponse:
    """The activity page again, with the form as typed (its errors, or both texts beside a
    field both people changed) in its place."""
    bound = {str(form.prefix): form} if editing is None else {}
    context = plan.context(record=record, user=request.user, bound=bound, editing=editing)
    return render_part(request, record, NAME, context, status=status)


def _submit(
    request: HttpRequest,
    record: ActivityRecord,
    form: plan.PlanForm,
    save: Save,
    done: str,
    editing: dict[str, Any] | None = None,
) -> HttpResponse:
    """Every plan form's save goes through the one row save (parts_common.save_row)."""
    return save_row(
        request,
        form,
        save,  # type: ignore[arg-type]
        done=done,
        show=lambda status: _show(request, record, form, editing, status),
        back=lambda: back(record, NAME),
    )


def _edit(
    request: HttpRequest,
    record: ActivityRecord,
    row: Model,
    form_class: type[plan.PlanForm],
    update: Callable[..., object],
    *,
    heading: str,
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    """A row's edit form, shown on the activity page above the plan; its save merges with
    what others saved since (by the bases the form carries)."""
    data = request.POST if request.method == "POST" else None
    values = ROW_VALUES[type(row)](row)
    form = plan.edit_form(form_class, record, values, data, **form_kwargs)
    editing = {"form": form, "heading": heading, "action": request.path}
    if data is None:
        return render_part(
            request,
            record,
            NAME,
            plan.context(record=record, user=request.user, editing=editing),
            status=200,
        )

    def save(form: plan.PlanForm) -> object:
        return update(
            actor=current_user(request),
            version=form.version(),
            bases=form.posted_bases(),
            **form.values(),
        )

    return _submit(request, record, form, save, done, editing=editing)


def _remove(
    request: HttpRequest,
    record: ActivityRecord,
    rows: QuerySet[Any],
    pk: int,
    what: str,
    remove: Callable[..., object],
    done: str,
) -> HttpResponse:
    """A one-button remove through the one row remove: refused when someone changed the
    row since the page was drawn; a second remove says it is already gone."""
    row = row_or_gone(rows, pk, record, rows.model, what)
    access.require_edit_engagement(request.user, record.engagement)
    if isinstance(row, str):
        return gone(request, record, NAME, row)
    return remove_row(
        request,
        record,
        NAME,
        lambda version, base: remove(row, actor=current_user(request), version=version, base=base),
        done,
    )


# --- Problems of practice ------------------------------------------------------------------


@login_required
@require_POST
def problem_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = plan.ProblemOfPracticeForm(
        request.POST, prefix="problem", root_causes=plan.root_causes_to_answer(engagement)
    )

    def save(form: plan.PlanForm) -> object:
        return part_plan.problem_of_practice_add(
            actor=current_user(request), record=record, version=form.version(), **form.values()
        )

    return _submit(request, record, form, save, "Problem of practice added.")


@login_required
@require_http_methods(["GET", "POST"])
def problem_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, problem_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    problem = _row(access.problems_of_practice_for_record(record), problem_id)
    access.require_edit_engagement(request.user, engagement)
    return _edit(
        request,
        record,
        problem,
        plan.ProblemOfPracticeForm,
        partial(part_plan.problem_of_practice_update, problem=problem),
        heading="Change the problem of practice",
        done="Problem of practice saved.",
        root_causes=plan.root_causes_to_answer(engagement),
    )


@login_required
@require_POST
def problem_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, problem_id: int
) -> HttpResponse:
    _engagement, record = part_record(request, engagement_id, activity_key, NAME)
    return _remove(
        request,
        record,
        access.problems_of_practice_for_record(record),
        problem_id,
        "problem of practice",
        lambda row, **kw: part_plan.problem_of_practice_remove(problem=row, **kw),
        "Problem of practice removed.",
    )


# --- Strategies ------------------------------------------------------------------------------


@login_required
@require_POST
def strategy_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = plan.StrategyForm(
        request.POST,
        prefix="strategy",
        problems_of_practice=access.problems_of_practice_for_record(record),
    )

    def save(form: plan.PlanForm) -> object:
        return part_plan.strategy_add(
            actor=current_user(request), record=record, version=form.version(), **form.values()
        )

    return _submit(request, record, form, save, "Strategy added.")


@login_required
@require_http_methods(["GET", "POST"])
def strategy_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(access.strategies_for_record(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)
    return _edit(
        request,
        record,
        strategy,
        plan.StrategyForm,
        partial(part_plan.strategy_update, strategy=strategy),
        heading="Change the strategy",
        done="Strategy saved.",
        problems_of_practice=access.problems_of_practice_for_record(record),
    )


@login_required
@require_POST
def strategy_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    _engagement, record = part_record(request, engagement_id, activity_key, NAME)
    return _remove(
        request,
        record,
        access.strategies_for_record(record),
        strategy_id,
        "strategy",
        lambda row, **kw: part_plan.strategy_remove(strategy=row, **kw),
        "Strategy removed, with its activities and outcomes.",
    )


# --- Strategy activities ---------------------------------------------------------------------


@login_required
@require_POST
def activity_add(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(access.strategies_for_record(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)
    form = plan.StrategyActivityForm(request.POST, prefix=f"activity-{strategy.pk}")

    def save(form: plan.PlanForm) -> object:
        return part_plan.strategy_activity_add(
            actor=current_user(request), strategy=strategy, version=form.version(), **form.values()
        )

    return _submit(request, record, form, save, "Activity added.")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, activity_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    activity = _row(access.strategy_activities_for_record(record), activity_id)
    access.require_edit_engagement(request.user, engagement)
    return _edit(
        request,
        record,
        activity,
        plan.StrategyActivityForm,
        partial(part_plan.strategy_activity_update, activity=activity),
        heading=f"Change an activity of “{activity.strategy}”",
        done="Activity saved.",
    )


@login_required
@require_POST
def activity_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, activity_id: int
) -> HttpResponse:
    _engagement, record = part_record(request, engagement_id, activity_key, NAME)
    return _remove(
        request,
        record,
        access.strategy_activities_for_record(record),
        activity_id,
        "activity",
        lambda row, **kw: part_plan.strategy_activity_remove(activity=row, **kw),
        "Activity removed.",
    )


# --- Outcomes --------------------------------------------------------------------------------


@login_required
@require_POST
def outcome_add(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(access.strategies_for_record(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)
    form = plan.OutcomeForm(request.POST, prefix=f"outcome-{strategy.pk}")

    def save(form: plan.PlanForm) -> object:
        return part_plan.outcome_add(
            actor=current_user(request), strategy=strategy, version=form.version(), **form.values()
        )

    return _submit(request, record, form, save, "Measurable outcome added.")


@login_required
@require_http_methods(["GET", "POST"])
def outcome_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, outcome_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    outcome = _row(access.outcomes_for_record(record), outcome_id)
    access.require_edit_engagement(request.user, engagement)
    return _edit(
        request,
        record,
        outcome,
        plan.OutcomeForm,
        partial(part_plan.outcome_update, outcome=outcome),
        heading=f"Change an outcome of “{outcome.strategy}”",
        done="Measurable outcome saved.",
    )


@login_required
@require_POST
def outcome_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, outcome_id: int
) -> HttpResponse:
    _engagement, record = part_record(request, engagement_id, activity_key, NAME)
    return _remove(
        request,
        record,
        access.outcomes_for_record(record),
        outcome_id,
        "measurable outcome",
        lambda row, **kw: part_plan.outcome_remove(outcome=row, **kw),
        "Measurable outcome removed, with its benchmarks.",
    )


# --- Benchmarks ------------------------------------------------------------------------------


@login_required
@require_POST
def benchmark_add(
    request: HttpRequest, engagement_id: int, activity_key: str, outcome_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    outcome = _row(access.outcomes_for_record(record), outcome_id)
    access.require_edit_engagement(request.user, engagement)
    form = plan.BenchmarkForm(request.POST, prefix=f"benchmark-{outcome.pk}")

    def save(form: plan.PlanForm) -> object:
        return part_plan.benchmark_add(
            actor=current_user(request), outcome=outcome, version=form.version(), **form.values()
        )

    return _submit(request, record, form, save, "Benchmark added.")


@login_required
@require_http_methods(["GET", "POST"])
def benchmark_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, benchmark_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    benchmark = _row(access.benchmarks_for_record(record), benchmark_id)
    access.require_edit_engagement(request.user, engagement)
    return _edit(
        request,
        record,
        benchmark,
        plan.BenchmarkForm,
        partial(part_plan.benchmark_update, benchmark=benchmark),
        heading=f"Change a benchmark of “{benchmark.outcome}”",
        done="Benchmark saved.",
    )


@login_required
@require_POST
def benchmark_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, benchmark_id: int
) -> HttpResponse:
    _engagement, record = part_record(request, engagement_id, activity_key, NAME)
    return _remove(
        request,
        record,
        access.benchmarks_for_record(record),
        benchmark_id,
        "benchmark",
        lambda row, **kw: part_plan.benchmark_remove(benchmark=row, **kw),
        "Benchmark removed.",
    )


# --- The trace -------------------------------------------------------------------------------


@login_required
@require_GET
def plan_trace(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    record_activity_read(request, engagement, record)
    return render(
        request,
        "steps/plan_trace.html",
        {"engagement": engagement, "record": record, "trace": plan.plan_trace(record=record)},
    )


_BASE = "engagements/<int:engagement_id>/activities/<slug:activity_key>/plan/"
urlpatterns = [
    path(f"{_BASE}problems/add/", problem_add, name="plan_problem_add"),
    path(f"{_BASE}problems/<int:problem_id>/", problem_edit, name="plan_problem_edit"),
    path(f"{_BASE}problems/<int:problem_id>/remove/", problem_remove, name="plan_problem_remove"),
    path(f"{_BASE}strategies/add/", strategy_add, name="plan_strategy_add"),
    path(f"{_BASE}strategies/<int:strategy_id>/", strategy_edit, name="plan_strategy_edit"),
    path(
        f"{_BASE}strategies/<int:strategy_id>/remove/", strategy_remove, name="plan_strategy_remove"
    ),
    path(
        f"{_BASE}strategies/<int:strategy_id>/activities/add/",
        activity_add,
        name="plan_activity_add",
    ),
    path(f"{_BASE}activities/<int:activity_id>/", activity_edit, name="plan_activity_edit"),
    path(
        f"{_BASE}activities/<int:activity_id>/remove/", activity_remove, name="plan_activity_remove"
    ),
    path(
        f"{_BASE}strategies/<int:strategy_id>/outcomes/add/", outcome_add, name="plan_outcome_add"
    ),
    path(f"{_BASE}outcomes/<int:outcome_id>/", outcome_edit, name="plan_outcome_edit"),
    path(f"{_BASE}outcomes/<int:outcome_id>/remove/", outcome_remove, name="plan_outcome_remove"),
    path(
        f"{_BASE}outcomes/<int:outcome_id>/benchmarks/add/",
        benchmark_add,
        name="plan_benchmark_add",
    ),
    path(f"{_BASE}benchmarks/<int:benchmark_id>/", benchmark_edit, name="plan_benchmark_edit"),
    path(
        f"{_BASE}benchmarks/<int:benchmark_id>/remove/",
        benchmark_remove,
        name="plan_benchmark_remove",
    ),
    path(f"{_BASE}trace/", plan_trace, name="plan_trace"),
]
