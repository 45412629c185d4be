"""The Plan for Improvement part of the activity page: add, change and remove problems of
practice, strategies, activities, outcomes and benchmarks, and the trace view.

Every view reaches the engagement and record through access, then its row through a
selector scoped to that record, before asking whether the user may write: an id from
another LEA is a 404 for everyone, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lea import access
from steps.forms import AnswersForm
from steps.models import ActivityRecord
from steps.parts import plan
from steps.services import part_plan
from steps.services.records import StaleEdit
from steps.views.parts_common import back, current_user, part_record, remove_row
from steps.views.work import activity_page_context

Write = Callable[[int, dict[str, Any]], object]
NAME = "plan"


def _row(rows: QuerySet[Any], pk: int) -> Any:
    return get_object_or_404(rows, pk=pk)


def _render(
    request: HttpRequest,
    record: ActivityRecord,
    *,
    status: int,
    form: plan.PlanForm | None = None,
    editing: dict[str, Any] | None = None,
    stale: StaleEdit | None = None,
) -> HttpResponse:
    """The activity page again, with the form as typed (and its errors) in its place."""
    context = activity_page_context(request, record)
    bound = {str(form.prefix): form} if form is not None and editing is None else {}
    for block in context["part_blocks"]:  # type: ignore[attr-defined]
        if block["template"] == plan.TEMPLATE:
            block["context"] = plan.context(
                record=record, user=request.user, bound=bound, editing=editing
            )
    answers = AnswersForm(
        initial={**record.responses, "version": record.version},
        specs=context["spec"].answer_fields,  # type: ignore[attr-defined]
    )
    return render(
        request, "steps/activity.html", {**context, "form": answers, "stale": stale}, status=status
    )


def _submit(
    request: HttpRequest,
    record: ActivityRecord,
    form: plan.PlanForm,
    write: Write,
    done: str,
    editing: dict[str, Any] | None = None,
) -> HttpResponse:
    if form.is_valid():
        try:
            write(form.cleaned_data["version"], form.values())
        except StaleEdit as stale:
            # Re-render rather than redirect, so what the person typed is still there.
            return _render(request, record, status=409, form=form, editing=editing, stale=stale)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # Not about a field (the activity was submitted meanwhile): no form is shown
                # on a locked activity, so say it at the top of the page.
                messages.error(request, " ".join(error.messages))
                return back(record, NAME)
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, done)
            return back(record, NAME)
    return _render(request, record, status=400, form=form, editing=editing)


def _edit(
    request: HttpRequest,
    record: ActivityRecord,
    row: Model,
    form_class: type[plan.PlanForm],
    write: Write,
    *,
    heading: str,
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    """A row's edit form, shown on the activity page above the plan."""
    names = [name for name in form_class.base_fields if name != "version"]
    initial = {**model_to_dict(row, fields=names), "version": record.version}
    data = request.POST if request.method == "POST" else None
    form = form_class(data, prefix="edit", initial=initial, **form_kwargs)
    editing = {"form": form, "heading": heading, "action": request.path}
    if data is None:
        return _render(request, record, status=200, editing=editing)
    return _submit(request, record, form, write, done, editing=editing)


# --- Problems of practice ------------------------------------------------------------------


@login_required
@require_POST
def problem_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = plan.ProblemOfPracticeForm(
        request.POST, prefix="problem", root_causes=plan.root_causes_of(engagement)
    )

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.problem_of_practice_add(
            actor=current_user(request), record=record, expected_version=version, **values
        )

    return _submit(request, record, form, write, "Problem of practice added.")


@login_required
@require_http_methods(["GET", "POST"])
def problem_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, problem_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    problem = _row(plan.problems_of_practice_of(record), problem_id)
    access.require_edit_engagement(request.user, engagement)

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.problem_of_practice_update(
            actor=current_user(request), problem=problem, expected_version=version, **values
        )

    return _edit(
        request,
        record,
        problem,
        plan.ProblemOfPracticeForm,
        write,
        heading="Change the problem of practice",
        done="Problem of practice saved.",
        root_causes=plan.root_causes_of(engagement),
    )


@login_required
@require_POST
def problem_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, problem_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    problem = _row(plan.problems_of_practice_of(record), problem_id)
    access.require_edit_engagement(request.user, engagement)
    return remove_row(
        request,
        record,
        NAME,
        lambda version: part_plan.problem_of_practice_remove(
            actor=current_user(request),
            problem=problem,
            expected_version=version,
        ),
        "Problem of practice removed.",
    )


# --- Strategies ------------------------------------------------------------------------------


@login_required
@require_POST
def strategy_add(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    access.require_edit_engagement(request.user, engagement)
    form = plan.StrategyForm(
        request.POST, prefix="strategy", problems_of_practice=plan.problems_of_practice_of(record)
    )

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.strategy_add(
            actor=current_user(request), record=record, expected_version=version, **values
        )

    return _submit(request, record, form, write, "Strategy added.")


@login_required
@require_http_methods(["GET", "POST"])
def strategy_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(plan.strategies_of(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.strategy_update(
            actor=current_user(request), strategy=strategy, expected_version=version, **values
        )

    return _edit(
        request,
        record,
        strategy,
        plan.StrategyForm,
        write,
        heading="Change the strategy",
        done="Strategy saved.",
        problems_of_practice=plan.problems_of_practice_of(record),
    )


@login_required
@require_POST
def strategy_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(plan.strategies_of(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)
    return remove_row(
        request,
        record,
        NAME,
        lambda version: part_plan.strategy_remove(
            actor=current_user(request),
            strategy=strategy,
            expected_version=version,
        ),
        "Strategy removed, with its activities and outcomes.",
    )


# --- Strategy activities ---------------------------------------------------------------------


@login_required
@require_POST
def activity_add(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(plan.strategies_of(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)
    form = plan.StrategyActivityForm(request.POST, prefix=f"activity-{strategy.pk}")

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.strategy_activity_add(
            actor=current_user(request), strategy=strategy, expected_version=version, **values
        )

    return _submit(request, record, form, write, "Activity added.")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, activity_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    activity = _row(plan.strategy_activities_of(record), activity_id)
    access.require_edit_engagement(request.user, engagement)

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.strategy_activity_update(
            actor=current_user(request), activity=activity, expected_version=version, **values
        )

    return _edit(
        request,
        record,
        activity,
        plan.StrategyActivityForm,
        write,
        heading=f"Change an activity of “{activity.strategy}”",
        done="Activity saved.",
    )


@login_required
@require_POST
def activity_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, activity_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    activity = _row(plan.strategy_activities_of(record), activity_id)
    access.require_edit_engagement(request.user, engagement)
    return remove_row(
        request,
        record,
        NAME,
        lambda version: part_plan.strategy_activity_remove(
            actor=current_user(request),
            activity=activity,
            expected_version=version,
        ),
        "Activity removed.",
    )


# --- Outcomes --------------------------------------------------------------------------------


@login_required
@require_POST
def outcome_add(
    request: HttpRequest, engagement_id: int, activity_key: str, strategy_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    strategy = _row(plan.strategies_of(record), strategy_id)
    access.require_edit_engagement(request.user, engagement)
    form = plan.OutcomeForm(request.POST, prefix=f"outcome-{strategy.pk}")

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.outcome_add(
            actor=current_user(request), strategy=strategy, expected_version=version, **values
        )

    return _submit(request, record, form, write, "Measurable outcome added.")


@login_required
@require_http_methods(["GET", "POST"])
def outcome_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, outcome_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    outcome = _row(plan.outcomes_of(record), outcome_id)
    access.require_edit_engagement(request.user, engagement)

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.outcome_update(
            actor=current_user(request), outcome=outcome, expected_version=version, **values
        )

    return _edit(
        request,
        record,
        outcome,
        plan.OutcomeForm,
        write,
        heading=f"Change an outcome of “{outcome.strategy}”",
        done="Measurable outcome saved.",
    )


@login_required
@require_POST
def outcome_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, outcome_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    outcome = _row(plan.outcomes_of(record), outcome_id)
    access.require_edit_engagement(request.user, engagement)
    return remove_row(
        request,
        record,
        NAME,
        lambda version: part_plan.outcome_remove(
            actor=current_user(request),
            outcome=outcome,
            expected_version=version,
        ),
        "Measurable outcome removed, with its benchmarks.",
    )


# --- Benchmarks ------------------------------------------------------------------------------


@login_required
@require_POST
def benchmark_add(
    request: HttpRequest, engagement_id: int, activity_key: str, outcome_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    outcome = _row(plan.outcomes_of(record), outcome_id)
    access.require_edit_engagement(request.user, engagement)
    form = plan.BenchmarkForm(request.POST, prefix=f"benchmark-{outcome.pk}")

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.benchmark_add(
            actor=current_user(request), outcome=outcome, expected_version=version, **values
        )

    return _submit(request, record, form, write, "Benchmark added.")


@login_required
@require_http_methods(["GET", "POST"])
def benchmark_edit(
    request: HttpRequest, engagement_id: int, activity_key: str, benchmark_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    benchmark = _row(plan.benchmarks_of(record), benchmark_id)
    access.require_edit_engagement(request.user, engagement)

    def write(version: int, values: dict[str, Any]) -> object:
        return part_plan.benchmark_update(
            actor=current_user(request), benchmark=benchmark, expected_version=version, **values
        )

    return _edit(
        request,
        record,
        benchmark,
        plan.BenchmarkForm,
        write,
        heading=f"Change a benchmark of “{benchmark.outcome}”",
        done="Benchmark saved.",
    )


@login_required
@require_POST
def benchmark_remove(
    request: HttpRequest, engagement_id: int, activity_key: str, benchmark_id: int
) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
    benchmark = _row(plan.benchmarks_of(record), benchmark_id)
    access.require_edit_engagement(request.user, engagement)
    return remove_row(
        request,
        record,
        NAME,
        lambda version: part_plan.benchmark_remove(
            actor=current_user(request),
            benchmark=benchmark,
            expected_version=version,
        ),
        "Benchmark removed.",
    )


# --- The trace -------------------------------------------------------------------------------


@login_required
@require_GET
def plan_trace(request: HttpRequest, engagement_id: int, activity_key: str) -> HttpResponse:
    engagement, record = part_record(request, engagement_id, activity_key, NAME)
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
