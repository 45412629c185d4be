"""Plan for Improvement: problems of practice grounded in root causes, high-leverage
strategies answering them, and each strategy's activities and measurable outcomes with
benchmarks. Also the trace from every outcome back to the data that motivated it.

Selectors here take the activity record (or its engagement) as their scope, so a row id
from another LEA is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Model, QuerySet
from django.urls import reverse

from lea.models import AuditVerb, User
from steps import access
from steps.forms import _no_nul
from steps.merge_forms import RowFormMixin
from steps.models import (
    ActivityRecord,
    Benchmark,
    Engagement,
    Outcome,
    ProblemArea,
    ProblemOfPractice,
    RootCause,
    Strategy,
    StrategyActivity,
)
from steps.parts import Entry, entry, labelled, listing, long_date, or_empty
from steps.parts.data_sources import source_tags, tag_words
from steps.parts.rows import RowPart, Verbs
from steps.services.parts_merge import values_for, words

TEMPLATE = "steps/parts/plan.html"
# Long enough for any honest answer, short enough that a stray 1 MB paste is refused.
MAX_TEXT = 5_000
NOT_A_NUMBER = "Enter the {what} as a number, such as 42 or 42.5, without a % sign or words."
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


# --- Selectors ------------------------------------------------------------------------------


def root_causes_to_answer(engagement: Engagement | int) -> QuerySet[RootCause]:
    """The root causes a problem of practice may come from: this engagement's."""
    return access.rows_for_engagement(RootCause, engagement)


def unaddressed_root_causes(engagement: Engagement | int) -> QuerySet[RootCause]:
    """Root causes that no strategy reaches through a problem of practice."""
    return root_causes_to_answer(engagement).exclude(problems_of_practice__strategies__isnull=False)


def unexplained_problem_areas(engagement: Engagement | int) -> QuerySet[ProblemArea]:
    """Problem areas marked for root-cause exploration that no root cause explains."""
    return (
        access.rows_for_engagement(ProblemArea, engagement)
        .filter(explore_root_causes=True)
        .exclude(root_causes__isnull=False)
    )


@dataclass
class PlanTrace:
    """Each strategy prefetched down to the data sources behind its problem areas."""

    strategies: list[Strategy]
    unexplained_problem_areas: list[ProblemArea]
    unaddressed_root_causes: list[RootCause]
    # Per data source id: its education, kind and area in the catalog's words.
    source_tags: dict[int, str] = field(default_factory=dict)

    @property
    def strategies_without_outcomes(self) -> list[Strategy]:
        return [strategy for strategy in self.strategies if not strategy.outcomes.all()]

    @property
    def has_outcomes(self) -> bool:
        return any(strategy.outcomes.all() for strategy in self.strategies)

    @property
    def has_gaps(self) -> bool:
        return bool(
            self.unexplained_problem_areas
            or self.unaddressed_root_causes
            or self.strategies_without_outcomes
        )


def plan_trace(*, record: ActivityRecord) -> PlanTrace:
    """The thread from every outcome back to data, in a fixed number of queries."""
    strategies = access.strategies_for_record(record).prefetch_related(
        "outcomes__benchmarks",
        "problems_of_practice__root_causes__problem_areas__sources",
        "problems_of_practice__root_causes__problem_areas__citations__drill_down",
    )
    engagement = record.engagement_id
    strategies_read = list(strategies)
    tags = source_tags(cohort_id=record.engagement.cohort_id)
    return PlanTrace(
        strategies=strategies_read,
        source_tags={
            source.pk: ", ".join(tag_words(source, tags)).lower()
            for strategy in strategies_read
            for problem in strategy.problems_of_practice.all()
            for cause in problem.root_causes.all()
            for area in cause.problem_areas.all()
            for source in area.sources.all()
        },
        unexplained_problem_areas=list(unexplained_problem_areas(engagement)),
        unaddressed_root_causes=list(unaddressed_root_causes(engagement)),
    )


# --- Forms ----------------------------------------------------------------------------------


def _text(
    label: str,
    *,
    required: bool = True,
    max_length: int = MAX_TEXT,
    rows: int = 2,
    help_text: str = "",
) -> forms.CharField:
    widget: forms.Widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    text = forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text, widget=widget
    )
    # One clear message for a NUL byte instead of Django's terse one beside ours.
    text.validators = [
        v for v in text.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    text.validators.append(_no_nul)
    return text


class AmountField(forms.DecimalField):
    """A number, cleaned to the one spelling the plan's rows compare by (`amount`)."""

    def clean(self, value: Any) -> Any:
        return amount(super().clean(value))


def _number(label: str, what: str) -> forms.DecimalField:
    # A text input (not type=number) so the browser lets a wrong entry reach the server,
    # which then explains it beside the field.
    return AmountField(
        label=label,
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"invalid": NOT_A_NUMBER.format(what=what)},
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class PlanForm(RowFormMixin, forms.Form):
    """Every plan form carries the activity's version token the person started from and,
    editing a row, each field's base (steps/merge_forms.py), so saves merge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The conflict panel finds the field through the <form> element's id.
        self.form_id = f"plan-{self.prefix or 'form'}"
        for bound in self.visible_fields():
            widget = bound.field.widget
            css = (
                "form-check-input"
                if isinstance(widget, forms.CheckboxSelectMultiple)
                else ("form-control")
            )
            widget.attrs["class"] = css

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # Mark every field with an error so assistive technology announces it with the field.
        for name in self.errors:
            if name in self.fields and not isinstance(self.fields[name].widget, forms.HiddenInput):
                bound = self[name]
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = attrs.get("class", "") + " is-invalid"
                described = [f"{bound.auto_id}_error"]
                if bound.help_text:
                    described.insert(0, f"{bound.auto_id}_helptext")
                attrs["aria-describedby"] = " ".join(described)


class ProblemOfPracticeForm(PlanForm):
    statement = _text(
        "Problem of practice",
        rows=3,
        help_text="What adults do, or do not do, that leads to the problem, in a sentence or two.",
    )
    root_causes = forms.ModelMultipleChoiceField(
        label="Root causes it comes from",
        queryset=RootCause.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": FOREIGN_ROOT_CAUSE,
            "invalid_pk_value": FOREIGN_ROOT_CAUSE,
        },
    )

    def __init__(self, *args: Any, root_causes: QuerySet[RootCause], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["root_causes"].queryset = root_causes  # type: ignore[attr-defined]


class StrategyForm(PlanForm):
    title = _text("Strategy", rows=0, max_length=300)
    description = _text("Description", required=False, rows=3)
    problems_of_practice = forms.ModelMultipleChoiceField(
        label="Problems of practice it addresses",
        queryset=ProblemOfPractice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": FOREIGN_PROBLEM, "invalid_pk_value": FOREIGN_PROBLEM},
    )

    def __init__(
        self, *args: Any, problems_of_practice: QuerySet[ProblemOfPractice], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problems_of_practice"].queryset = problems_of_practice  # type: ignore[attr-defined]


class StrategyActivityForm(PlanForm):
    description = _text("Activity")
    start_date = _date("Start date")
    end_date = _date("End date")
    persons_responsible = _text("Persons responsible", rows=0, max_length=300)
    resources = _text("Resources", required=False)


class OutcomeForm(PlanForm):
    measure = _text(
        "Measurable outcome",
        help_text="What is measured, for which students, e.g. the percentage of students with "
        "disabilities in regular class 80% or more of the day.",
    )
    baseline_value = _number("Baseline", "baseline")
    baseline_date = _date("Baseline date")
    target_value = _number("Target", "target")
    target_date = _date("Target date")
    data_source = _text("Data source", rows=0, max_length=300)
    monitoring_frequency = _text(
        "Monitoring frequency", rows=0, max_length=100, help_text="For example, monthly."
    )


class BenchmarkForm(PlanForm):
    value = _number("Benchmark value", "benchmark value")
    date = _date("Benchmark date")


# --- The plan's rows ----------------------------------------------------------------------------
# Problems of practice and strategies belong to the plan's activity record; a strategy's
# activities and outcomes to the strategy, an outcome's benchmarks to the outcome (their
# add URLs name the row they are added to). Every kind is a `RowPart`: the generic views
# and services add, change and remove them (steps/parts/rows.py).


@values_for(ProblemOfPractice)
def problem_values(problem: ProblemOfPractice) -> dict[str, Any]:
    """A problem of practice's values as its form names them."""
    return {"statement": problem.statement, "root_causes": list(problem.root_causes.all())}


@values_for(Strategy)
def strategy_values(strategy: Strategy) -> dict[str, Any]:
    return {
        "title": strategy.title,
        "description": strategy.description,
        "problems_of_practice": list(strategy.problems_of_practice.all()),
    }


ACTIVITY_FIELDS = ("description", "start_date", "end_date", "persons_responsible", "resources")


@values_for(StrategyActivity)
def activity_values(activity: StrategyActivity) -> dict[str, Any]:
    return {name: getattr(activity, name) for name in ACTIVITY_FIELDS}


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


@values_for(Benchmark)
def benchmark_values(benchmark: Benchmark) -> dict[str, Any]:
    return {"value": amount(benchmark.value), "date": benchmark.date}


def _in_plan[ParentT: Model](
    name: str, rows_of: Callable[[ActivityRecord], QuerySet[ParentT]]
) -> Callable[..., dict[str, Any] | None]:
    """What a nested row's add URL fixes: its parent, found among the plan's rows."""

    def fixed(record: ActivityRecord, **words: int) -> dict[str, Any] | None:
        parent = rows_of(record).filter(pk=words[f"{name}_id"]).first()
        return None if parent is None else {name: parent}

    return fixed


def _outcome_words(outcome: Outcome) -> str:
    return (
        f"{outcome.measure[:120]}: {outcome.baseline_value} on {outcome.baseline_date:%Y-%m-%d} "
        f"→ {outcome.target_value} by {outcome.target_date:%Y-%m-%d} "
        f"({outcome.data_source}, {outcome.monitoring_frequency})"
    )


def _benchmarks_inside(outcome: Outcome) -> None:
    """Moving the dates must not strand a benchmark outside the new baseline-target span."""
    if outcome.pk is None:
        return
    for benchmark in outcome.benchmarks.all():
        if not outcome.baseline_date < benchmark.date <= outcome.target_date:
            late = benchmark.date > outcome.target_date
            name = "target_date" if late else "baseline_date"
            raise ValidationError({name: BENCHMARK_OUTSIDE.format(benchmark=benchmark)})


def _strategy_about(strategy: Strategy) -> dict[str, Any]:
    return {"strategy": words(strategy.title, 200)}


PROBLEMS = RowPart[ProblemOfPractice](
    part="plan",
    model=ProblemOfPractice,
    noun="problem of practice",
    url="plan/problems",
    url_name="plan_problem",
    edit_words="",
    rows_of=access.problems_of_practice_for_record,
    form=lambda record, *args, **kwargs: ProblemOfPracticeForm(
        *args, root_causes=root_causes_to_answer(record.engagement_id), **kwargs
    ),
    add_prefix="problem",
    edit_prefix="edit",
    chosen_in_engagement={"root_causes": FOREIGN_ROOT_CAUSE},
    verbs=Verbs(
        add=AuditVerb.PLAN_ADD_PROBLEM_OF_PRACTICE,
        edit=AuditVerb.PLAN_CHANGE_PROBLEM_OF_PRACTICE,
        remove=AuditVerb.PLAN_REMOVE_PROBLEM_OF_PRACTICE,
    ),
    about=lambda problem: {"problem of practice": words(problem.statement, 200)},
    added=lambda problem: {"root causes": words(problem.root_causes.all())},
    said_added=lambda _problem: "Problem of practice added.",
    said_saved=lambda _problem: "Problem of practice saved.",
    said_removed=lambda _problem: "Problem of practice removed.",
)

STRATEGIES = RowPart[Strategy](
    part="plan",
    model=Strategy,
    noun="strategy",
    url="plan/strategies",
    url_name="plan_strategy",
    edit_words="",
    rows_of=access.strategies_for_record,
    form=lambda record, *args, **kwargs: StrategyForm(
        *args, problems_of_practice=access.problems_of_practice_for_record(record), **kwargs
    ),
    add_prefix="strategy",
    edit_prefix="edit",
    chosen_in_engagement={"problems_of_practice": FOREIGN_PROBLEM},
    verbs=Verbs(
        add=AuditVerb.PLAN_ADD_STRATEGY,
        edit=AuditVerb.PLAN_CHANGE_STRATEGY,
        remove=AuditVerb.PLAN_REMOVE_STRATEGY,
    ),
    about=_strategy_about,
    added=lambda strategy: {"problems of practice": words(strategy.problems_of_practice.all())},
    # Its activities, outcomes and benchmarks go with it: say so in the history.
    removed=lambda strategy: {
        "also removed": f"{strategy.activities.count()} activities, "
        f"{strategy.outcomes.count()} outcomes"
    },
    said_added=lambda _strategy: "Strategy added.",
    said_saved=lambda _strategy: "Strategy saved.",
    said_removed=lambda _strategy: "Strategy removed, with its activities and outcomes.",
)

ACTIVITIES = RowPart[StrategyActivity](
    part="plan",
    model=StrategyActivity,
    noun="activity",
    url="plan/activities",
    url_name="plan_activity",
    add_url="plan/strategies/<int:strategy_id>/activities/add/",
    edit_words="",
    parent="strategy",
    fixed_by_url=_in_plan("strategy", access.strategies_for_record),
    record_of=lambda activity: activity.strategy.record_id,
    rows_of=access.strategy_activities_for_record,
    form=lambda _record, *args, **kwargs: StrategyActivityForm(*args, **kwargs),
    add_prefix="activity-{strategy.pk}",
    edit_prefix="edit",
    verbs=Verbs(
        add=AuditVerb.PLAN_ADD_ACTIVITY,
        edit=AuditVerb.PLAN_CHANGE_ACTIVITY,
        remove=AuditVerb.PLAN_REMOVE_ACTIVITY,
    ),
    about=lambda activity: {
        "strategy": words(activity.strategy.title, 200),
        "activity": words(activity.description, 120),
    },
    added=lambda activity: {
        "timeline": f"{activity.start_date:%Y-%m-%d} to {activity.end_date:%Y-%m-%d}",
        "persons responsible": activity.persons_responsible,
    },
    said_added=lambda _activity: "Activity added.",
    said_saved=lambda _activity: "Activity saved.",
    said_removed=lambda _activity: "Activity removed.",
)

OUTCOMES = RowPart[Outcome](
    part="plan",
    model=Outcome,
    noun="measurable outcome",
    url="plan/outcomes",
    url_name="plan_outcome",
    add_url="plan/strategies/<int:strategy_id>/outcomes/add/",
    edit_words="",
    parent="strategy",
    fixed_by_url=_in_plan("strategy", access.strategies_for_record),
    record_of=lambda outcome: outcome.strategy.record_id,
    rows_of=access.outcomes_for_record,
    form=lambda _record, *args, **kwargs: OutcomeForm(*args, **kwargs),
    add_prefix="outcome-{strategy.pk}",
    edit_prefix="edit",
    check=_benchmarks_inside,
    verbs=Verbs(
        add=AuditVerb.PLAN_ADD_OUTCOME,
        edit=AuditVerb.PLAN_CHANGE_OUTCOME,
        remove=AuditVerb.PLAN_REMOVE_OUTCOME,
    ),
    about=lambda outcome: {
        "strategy": words(outcome.strategy.title, 200),
        "outcome": words(outcome.measure, 120),
    },
    # An addition names the whole outcome, its strategy's title in full.
    added=lambda outcome: {"strategy": outcome.strategy.title, "outcome": _outcome_words(outcome)},
    said_added=lambda _outcome: "Measurable outcome added.",
    said_saved=lambda _outcome: "Measurable outcome saved.",
    said_removed=lambda _outcome: "Measurable outcome removed, with its benchmarks.",
)

BENCHMARKS = RowPart[Benchmark](
    part="plan",
    model=Benchmark,
    noun="benchmark",
    url="plan/benchmarks",
    url_name="plan_benchmark",
    add_url="plan/outcomes/<int:outcome_id>/benchmarks/add/",
    edit_words="",
    parent="outcome",
    fixed_by_url=_in_plan("outcome", access.outcomes_for_record),
    record_of=lambda benchmark: benchmark.outcome.strategy.record_id,
    rows_of=access.benchmarks_for_record,
    form=lambda _record, *args, **kwargs: BenchmarkForm(*args, **kwargs),
    add_prefix="benchmark-{outcome.pk}",
    edit_prefix="edit",
    verbs=Verbs(
        add=AuditVerb.PLAN_ADD_BENCHMARK,
        edit=AuditVerb.PLAN_CHANGE_BENCHMARK,
        remove=AuditVerb.PLAN_REMOVE_BENCHMARK,
    ),
    about=lambda benchmark: {
        "outcome": words(benchmark.outcome.measure, 200),
        "benchmark": str(benchmark),
    },
    said_added=lambda _benchmark: "Benchmark added.",
    said_saved=lambda _benchmark: "Benchmark saved.",
    said_removed=lambda _benchmark: "Benchmark removed.",
)
ROWS = (PROBLEMS, STRATEGIES, ACTIVITIES, OUTCOMES, BENCHMARKS)
_BY_MODEL: dict[type[Model], RowPart[Any]] = {rows.model: rows for rows in ROWS}

# What the edit card above the plan says it changes.
HEADINGS: dict[type[Model], Callable[[Any], str]] = {
    ProblemOfPractice: lambda _problem: "Change the problem of practice",
    Strategy: lambda _strategy: "Change the strategy",
    StrategyActivity: lambda activity: f"Change an activity of “{activity.strategy}”",
    Outcome: lambda outcome: f"Change an outcome of “{outcome.strategy}”",
    Benchmark: lambda benchmark: f"Change a benchmark of “{benchmark.outcome}”",
}


# --- The part on the activity page ------------------------------------------------------------


@dataclass
class OutcomeBlock:
    outcome: Outcome
    benchmark_form: BenchmarkForm


@dataclass
class StrategyBlock:
    strategy: Strategy
    activity_form: StrategyActivityForm
    outcome_form: OutcomeForm
    outcomes: list[OutcomeBlock] = field(default_factory=list)


def _editing(record: ActivityRecord, form: RowFormMixin, row: Model) -> dict[str, Any]:
    """The edit card: the row's form, what it changes, and where it posts."""
    rows = _BY_MODEL[type(row)]
    key = record.definition.key
    return {
        "form": form,
        "heading": HEADINGS[type(row)](row),
        "action": reverse(f"{rows.url_name}_edit", args=[record.engagement_id, key, row.pk]),
    }


def context(
    *,
    record: ActivityRecord,
    user: User | Any,
    add_form: PlanForm | None = None,
    edit_form: PlanForm | None = None,
    editing: Model | None = None,
) -> dict[str, Any]:
    """What plan.html needs. Views pass a bound `add_form` (kept in its place by its
    prefix) or an `edit_form` with the row `editing`, to show what was typed and the errors."""
    bound = {str(add_form.prefix): add_form} if add_form is not None else {}

    def form(rows: RowPart[Any], **fixed: Any) -> Any:
        """The form typed into (kept with its errors) or an empty one at the current version."""
        prefix = rows.add_prefix.format(**fixed) if rows.add_prefix else ""
        return bound[prefix] if prefix in bound else rows.add_form(record, **fixed)

    problems = access.problems_of_practice_for_record(record).prefetch_related("root_causes")
    strategies = access.strategies_for_record(record).prefetch_related(
        "problems_of_practice", "activities", "outcomes__benchmarks"
    )
    blocks = [
        StrategyBlock(
            strategy=strategy,
            activity_form=form(ACTIVITIES, strategy=strategy),
            outcome_form=form(OUTCOMES, strategy=strategy),
            outcomes=[
                OutcomeBlock(outcome, form(BENCHMARKS, outcome=outcome))
                for outcome in strategy.outcomes.all()
            ],
        )
        for strategy in strategies
    ]
    return {
        "problems": list(problems),
        "strategies": blocks,
        "problem_form": form(PROBLEMS),
        "strategy_form": form(STRATEGIES),
        "editing": None
        if edit_form is None or editing is None
        else _editing(record, edit_form, editing),
    }


def check(*, record: ActivityRecord) -> list[str]:
    """The plan's part of the checklist, including the thread back to Steps 1-2."""
    problems_found: list[str] = []
    problems = list(access.problems_of_practice_for_record(record).prefetch_related("root_causes"))
    if not problems:
        problems_found.append("Add at least one problem of practice.")
    for problem in problems:
        if not problem.root_causes.all():
            problems_found.append(
                f"Problem of practice “{problem}”: link it to at least one root cause."
            )
    strategies = list(
        access.strategies_for_record(record).prefetch_related(
            "problems_of_practice", "activities", "outcomes__benchmarks"
        )
    )
    if not strategies:
        problems_found.append("Add at least one high-leverage strategy.")
    for strategy in strategies:
        problems_found += _strategy_problems(strategy)
    engagement = record.engagement_id
    for cause in unaddressed_root_causes(engagement):
        problems_found.append(
            f"Root cause “{cause}”: no strategy addresses it through a problem of practice."
        )
    for area in unexplained_problem_areas(engagement):
        problems_found.append(
            f"Problem area “{area}” is marked for root-cause exploration, but no root cause "
            "explains it."
        )
    return problems_found


def _strategy_problems(strategy: Strategy) -> list[str]:
    found = []
    name = f"Strategy “{strategy}”"
    if not strategy.problems_of_practice.all():
        found.append(f"{name}: choose the problems of practice it addresses.")
    if not strategy.activities.all():
        found.append(f"{name}: add at least one activity.")
    outcomes = strategy.outcomes.all()
    if not outcomes:
        found.append(f"{name}: add at least one measurable outcome.")
    for outcome in outcomes:
        if not outcome.benchmarks.all():
            found.append(f"{name}, outcome “{outcome}”: add at least one benchmark.")
    return found


# --- The part in a submission's snapshot ------------------------------------------------------


def snapshot(*, record: ActivityRecord) -> list[Entry]:
    """In the page's order: each problem of practice with its root causes, then each
    strategy with what it addresses, followed by its activities and its outcomes (baseline,
    benchmarks by date, target). Seven queries, however large the plan."""
    problems = access.problems_of_practice_for_record(record).prefetch_related("root_causes")
    strategies = access.strategies_for_record(record).prefetch_related(
        "problems_of_practice", "activities", "outcomes__benchmarks"
    )
    entries = or_empty(
        [
            entry(
                f"plan:problem-{problem.pk}",
                f"Plan · Problem of practice {number}",
                problem.statement,
                listing(
                    "Root causes it comes from",
                    (cause.statement for cause in problem.root_causes.all()),
                ),
            )
            for number, problem in enumerate(problems, start=1)
        ],
        "plan:problems",
        "Plan · Problems of practice",
    )
    strategy_entries: list[Entry] = []
    for number, strategy in enumerate(strategies, start=1):
        strategy_entries += _strategy_entries(strategy, f"Plan · Strategy {number}")
    return entries + or_empty(strategy_entries, "plan:strategies", "Plan · Strategies")


def _strategy_entries(strategy: Strategy, label: str) -> list[Entry]:
    """The strategy, then its activities, then its outcomes."""
    head = entry(
        f"plan:strategy-{strategy.pk}",
        label,
        strategy.title,
        strategy.description,
        listing(
            "Problems of practice it addresses",
            (problem.statement for problem in strategy.problems_of_practice.all()),
        ),
    )
    activities = [
        _activity_entry(activity, f"{label} · Activity {number}")
        for number, activity in enumerate(strategy.activities.all(), start=1)
    ]
    outcomes = [
        _outcome_entry(outcome, f"{label} · Outcome {number}")
        for number, outcome in enumerate(strategy.outcomes.all(), start=1)
    ]
    return [head, *activities, *outcomes]


def _activity_entry(activity: StrategyActivity, label: str) -> Entry:
    return entry(
        f"plan:activity-{activity.pk}",
        label,
        activity.description,
        f"Timeline: {long_date(activity.start_date)} to {long_date(activity.end_date)}",
        labelled("Persons responsible", activity.persons_responsible),
        labelled("Resources", activity.resources),
    )


def _outcome_entry(outcome: Outcome, label: str) -> Entry:
    benchmarks = (
        f"{_amount(benchmark.value)} by {long_date(benchmark.date)}"
        for benchmark in outcome.benchmarks.all()
    )
    return entry(
        f"plan:outcome-{outcome.pk}",
        label,
        outcome.measure,
        f"Baseline: {_amount(outcome.baseline_value)} on {long_date(outcome.baseline_date)}",
        listing("Benchmarks", benchmarks),
        f"Target: {_amount(outcome.target_value)} by {long_date(outcome.target_date)}",
        labelled("Data source", outcome.data_source),
        labelled("Monitoring frequency", outcome.monitoring_frequency),
    )


def _amount(value: Decimal) -> str:
    """42.50 reads as 42.5 and 100.00 as 100 (not 1E+2)."""
    return format(value.normalize(), "f")
