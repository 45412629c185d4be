"""Plan for Improvement: problems of practice grounded in root causes, high-leverage
strategies answering them, and each strategy's activities and measurable outcomes with
benchmarks. Also the trace from every outcome back to the data that motivated it.

Selectors here take the activity record (or its engagement) as their scope, so a row id
from another LEA is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet

from lea.models import User
from steps import access
from steps.forms import _no_nul
from steps.merge import fingerprints, version_token
from steps.merge_forms import RowFormMixin
from steps.models import (
    ActivityRecord,
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
from steps.services.part_plan import FOREIGN_PROBLEM, FOREIGN_ROOT_CAUSE, amount

TEMPLATE = "steps/parts/plan.html"
# Long enough for any honest answer, short enough that a stray 1 MB paste is refused.
MAX_TEXT = 5_000
NOT_A_NUMBER = "Enter the {what} as a number, such as 42 or 42.5, without a % sign or words."


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
    """A number, cleaned to the one spelling the plan's rows compare by (part_plan.amount)."""

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


def _form(
    cls: type[PlanForm],
    prefix: str,
    record: ActivityRecord,
    bound: dict[str, PlanForm],
    **kwargs: Any,
) -> Any:
    """The form typed into (kept with its errors) or an empty one at the current version."""
    if prefix in bound:
        return bound[prefix]
    return cls(prefix=prefix, initial={"version": version_token(record)}, **kwargs)


def edit_form(
    cls: type[PlanForm],
    record: ActivityRecord,
    values: dict[str, Any],
    data: Any = None,
    **kwargs: Any,
) -> Any:
    """A row's edit form: drawn with the row's values as its bases, or bound to a post
    (whose bases come from the post)."""
    if data is not None:
        return cls(data, prefix="edit", **kwargs)
    initial = {**values, "version": version_token(record)}
    return cls(prefix="edit", initial=initial, bases=fingerprints(values), **kwargs)


def context(
    *,
    record: ActivityRecord,
    user: User | Any,
    bound: dict[str, PlanForm] | None = None,
    editing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`bound` maps a form prefix to the form as typed; `editing` is one row's edit form."""
    bound = bound or {}
    problems = access.problems_of_practice_for_record(record).prefetch_related("root_causes")
    strategies = access.strategies_for_record(record).prefetch_related(
        "problems_of_practice", "activities", "outcomes__benchmarks"
    )
    blocks = [
        StrategyBlock(
            strategy=strategy,
            activity_form=_form(StrategyActivityForm, f"activity-{strategy.pk}", record, bound),
            outcome_form=_form(OutcomeForm, f"outcome-{strategy.pk}", record, bound),
            outcomes=[
                OutcomeBlock(
                    outcome, _form(BenchmarkForm, f"benchmark-{outcome.pk}", record, bound)
                )
                for outcome in strategy.outcomes.all()
            ],
        )
        for strategy in strategies
    ]
    return {
        "problems": list(problems),
        "strategies": blocks,
        "problem_form": _form(
            ProblemOfPracticeForm,
            "problem",
            record,
            bound,
            root_causes=root_causes_to_answer(record.engagement_id),
        ),
        "strategy_form": _form(
            StrategyForm,
            "strategy",
            record,
            bound,
            problems_of_practice=access.problems_of_practice_for_record(record),
        ),
        "editing": editing,
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
