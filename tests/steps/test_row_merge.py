"""No words lost, part by part: two people saving rows of the same activity merge row by
row and field by field; the same field changed by both is refused with both texts shown;
removing a row someone changed is refused; bad version tokens and over-long text are
refused with the text kept. One `RowCase` per part (tests/steps/merging.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from steps.merge import (
    ROW_CHANGED,
    VERSION_FOREIGN,
    VERSION_MISSING,
    fingerprint,
    version_token,
)
from steps.models import (
    ActivityRecord,
    DataSource,
    Engagement,
    Finding,
    Outcome,
    ProblemArea,
    RootCause,
    Strategy,
    StrategyActivity,
    TeamMember,
)
from steps.parts import data_sources, findings, plan, team
from steps.parts import data_sources as data_sources_part
from steps.parts import team as team_part
from steps.parts.data_sources import DATA_SOURCES
from steps.parts.problem_areas import PROBLEM_AREAS
from steps.parts.root_causes import ROOT_CAUSES
from steps.parts.rows import RowPart
from steps.parts.team import TEAM_MEMBERS
from steps.services.part_rows import part_row_add, part_row_edit
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.merging import RowCase, posted, remove_data

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3)


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def _page(engagement: Engagement, key: str) -> str:
    return reverse("activity_detail", args=[engagement.pk, key])


# --- The cases ----------------------------------------------------------------------------


def team_case(world: World, engagement: Engagement) -> RowCase:
    key = "team_creation"
    numbers = iter(range(1, 100))

    def record() -> ActivityRecord:
        return _record(engagement, key)

    def make() -> TeamMember:
        return part_row_add(
            rows=TEAM_MEMBERS,
            actor=world.lea_lead, record=record(), version=version_token(record()),
            name=f"Person {next(numbers)}", title="Director", role="other",
            email="", is_lead=False,
        )  # fmt: skip

    def save_as_other(row: TeamMember, values: dict[str, object]) -> object:
        row.refresh_from_db()
        return part_row_edit(
            rows=TEAM_MEMBERS, actor=world.lea_member, record=record(), row=row,
            version=version_token(record()),
            **(team_part.member_values(row) | values),
        )  # fmt: skip

    def add() -> tuple[str, dict[str, object]]:
        data = {
            "name": "New Person",
            "role": "other",
            "version": version_token(record()),
        }
        return reverse("team_member_add", args=[engagement.pk, key]), {
            f"{team.ADD}-{name}": value for name, value in data.items()
        }

    return RowCase(
        name="team",
        make=make,
        edit_url=lambda row: reverse("team_member_edit", args=[engagement.pk, key, row.pk]),
        remove_url=lambda row: reverse("team_member_remove", args=[engagement.pk, key, row.pk]),
        form=lambda row: team.TEAM_MEMBERS.edit_form(record(), row),  # type: ignore[arg-type]
        save_as_other=save_as_other,  # type: ignore[arg-type]
        text_a="name",
        text_b="title",
        label_b="Title",
        read=lambda row: team_part.member_values(TeamMember.objects.get(pk=row.pk)),
        add=add,
        count=lambda: TeamMember.objects.filter(engagement=engagement).count(),
        long_field="title",
        long_limit=150,
        long_label="Title",
        extra={"key": key},
    )


def data_sources_case(world: World, engagement: Engagement) -> RowCase:
    key = "data_drill_down"
    numbers = iter(range(1, 100))

    def record() -> ActivityRecord:
        return _record(engagement, key)

    def make() -> DataSource:
        return part_row_add(
            rows=DATA_SOURCES,
            actor=world.lea_lead, record=record(), version=version_token(record()),
            name=f"Source {next(numbers)}", education="special",
            kind="quantitative", area="academic", notes="Grades 3-8",
        )  # fmt: skip

    def save_as_other(row: DataSource, values: dict[str, object]) -> object:
        row.refresh_from_db()
        return part_row_edit(
            rows=DATA_SOURCES, actor=world.lea_member, record=record(), row=row,
            version=version_token(record()),
            **(data_sources_part.source_values(row) | values),
        )  # fmt: skip

    def add() -> tuple[str, dict[str, object]]:
        data = {
            "name": "New source", "education": "general",
            "kind": "qualitative", "area": "climate",
            "version": version_token(record()),
        }  # fmt: skip
        return reverse("data_source_add", args=[engagement.pk, key]), {
            f"{data_sources.ADD}-{name}": value for name, value in data.items()
        }

    return RowCase(
        name="data_sources",
        make=make,
        edit_url=lambda row: reverse("data_source_edit", args=[engagement.pk, key, row.pk]),
        remove_url=lambda row: reverse("data_source_remove", args=[engagement.pk, key, row.pk]),
        form=lambda row: data_sources.DATA_SOURCES.edit_form(record(), row),  # type: ignore[arg-type]
        save_as_other=save_as_other,  # type: ignore[arg-type]
        text_a="name",
        text_b="notes",
        label_b="Notes",
        read=lambda row: data_sources_part.source_values(DataSource.objects.get(pk=row.pk)),
        add=add,
        count=lambda: DataSource.objects.filter(engagement=engagement).count(),
        long_field="notes",
        long_limit=5_000,
        long_label="Notes",
        extra={"key": key},
    )


def findings_case(world: World, engagement: Engagement) -> RowCase:
    key = "consolidation"
    numbers = iter(range(1, 100))

    def record() -> ActivityRecord:
        return _record(engagement, key)

    def make() -> Finding:
        return part_row_add(
            rows=findings.FINDINGS, actor=world.lea_lead, record=record(),
            version=version_token(record()),
            kind=Finding.Kind.WEAKNESS, area=f"Area {next(numbers)}", supporting_data="12% met",
        )  # fmt: skip

    def save_as_other(row: Finding, values: dict[str, object]) -> object:
        row.refresh_from_db()
        return part_row_edit(
            rows=findings.FINDINGS, actor=world.lea_member, record=record(), row=row,
            version=version_token(record()), **(findings.finding_values(row) | values),
        )  # fmt: skip

    def add() -> tuple[str, dict[str, object]]:
        data = {
            "area": "New area",
            "supporting_data": "Numbers",
            "version": version_token(record()),
        }
        return reverse("finding_add", args=[engagement.pk, key, "strength"]), {
            f"strength-{name}": value for name, value in data.items()
        }

    return RowCase(
        name="findings",
        make=make,
        edit_url=lambda row: reverse("finding_edit", args=[engagement.pk, key, row.pk]),
        remove_url=lambda row: reverse("finding_remove", args=[engagement.pk, key, row.pk]),
        form=lambda row: findings.FINDINGS.edit_form(record(), row),  # type: ignore[arg-type]
        save_as_other=save_as_other,  # type: ignore[arg-type]
        text_a="area",
        text_b="supporting_data",
        label_b="Supporting data",
        read=lambda row: findings.finding_values(Finding.objects.get(pk=row.pk)),
        add=add,
        count=lambda: Finding.objects.filter(engagement=engagement).count(),
        long_field="area",
        long_limit=300,
        long_label="Area",
        extra={"key": key},
    )


def _text_rows_case(
    world: World,
    engagement: Engagement,
    *,
    name: str,
    key: str,
    rows: RowPart[Any],
    make_one: Callable[[ActivityRecord, int], Any],
    texts: tuple[str, str, str],
    long: tuple[str, str],
    add_data: dict[str, object],
) -> RowCase:
    """A part whose views are named `<url>_add/_edit/_remove` and whose forms are unprefixed."""
    numbers = iter(range(1, 100))

    def record() -> ActivityRecord:
        return _record(engagement, key)

    def save_as_other(row: Any, values: dict[str, object]) -> object:
        row.refresh_from_db()
        return part_row_edit(
            rows=rows, actor=world.lea_member, record=record(), row=row,
            version=version_token(record()), **(rows.values(row) | values),
        )  # fmt: skip

    def add() -> tuple[str, dict[str, object]]:
        return reverse(f"{rows.url_name}_add", args=[engagement.pk, key]), {
            **add_data,
            "version": version_token(record()),
        }

    return RowCase(
        name=name,
        make=lambda: make_one(record(), next(numbers)),
        edit_url=lambda row: reverse(f"{rows.url_name}_edit", args=[engagement.pk, key, row.pk]),
        remove_url=lambda row: reverse(
            f"{rows.url_name}_remove", args=[engagement.pk, key, row.pk]
        ),
        form=lambda row: rows.edit_form(record(), row),
        save_as_other=save_as_other,
        text_a=texts[0],
        text_b=texts[1],
        label_b=texts[2],
        read=lambda row: rows.values(rows.model.objects.get(pk=row.pk)),
        add=add,
        count=lambda: rows.model.objects.filter(engagement=engagement).count(),
        long_field=long[0],
        long_limit=5_000,
        long_label=long[1],
        extra={"key": key},
    )


def problem_areas_case(world: World, engagement: Engagement) -> RowCase:
    def make_one(record: ActivityRecord, number: int) -> ProblemArea:
        return part_row_add(
            rows=PROBLEM_AREAS, actor=world.lea_lead, record=record, version=version_token(record),
            description=f"Problem {number}", quantification="22%", relates_to_identification=True,
        )  # fmt: skip

    return _text_rows_case(
        world, engagement, name="problem_areas", key="consolidation", rows=PROBLEM_AREAS,
        make_one=make_one, texts=("description", "quantification", "Quantification"),
        long=("description", "Problem area"),
        add_data={"description": "New problem", "quantification": "9%"},
    )  # fmt: skip


def root_causes_case(world: World, engagement: Engagement) -> RowCase:
    def make_one(record: ActivityRecord, number: int) -> RootCause:
        return part_row_add(
            rows=ROOT_CAUSES, actor=world.lea_lead, record=record, version=version_token(record),
            statement=f"Cause {number}", problem_areas=[], qualitative_support="Interviews",
        )  # fmt: skip

    return _text_rows_case(
        world, engagement, name="root_causes", key="root_cause_analysis", rows=ROOT_CAUSES,
        make_one=make_one,
        texts=("statement", "qualitative_support", "Qualitative supporting data"),
        long=("statement", "Root cause"),
        add_data={"statement": "New cause", "qualitative_support": "Surveys"},
    )  # fmt: skip


def _plan_case(
    world: World,
    engagement: Engagement,
    *,
    name: str,
    rows: RowPart[Any],
    make_one: Callable[[ActivityRecord, int], Any],
    texts: tuple[str, str, str],
    long: tuple[str, int, str],
    add: Callable[[ActivityRecord], tuple[str, dict[str, object]]],
) -> RowCase:
    """A row of the Plan for Improvement: views `plan_<url>_add/_edit/_remove`, the edit
    form prefixed `edit`, rows counted within the plan."""
    key = "plan_for_improvement"
    numbers = iter(range(1, 100))

    def record() -> ActivityRecord:
        return _record(engagement, key)

    def save_as_other(row: Any, values: dict[str, object]) -> object:
        row.refresh_from_db()
        return part_row_edit(
            rows=rows, actor=world.lea_member, record=record(), row=row,
            version=version_token(record()), **(rows.values(row) | values),
        )  # fmt: skip

    def form(row: Any) -> Any:
        row.refresh_from_db()
        return rows.edit_form(record(), row)

    return RowCase(
        name=name,
        make=lambda: make_one(record(), next(numbers)),
        edit_url=lambda row: reverse(f"{rows.url_name}_edit", args=[engagement.pk, key, row.pk]),
        remove_url=lambda row: reverse(
            f"{rows.url_name}_remove", args=[engagement.pk, key, row.pk]
        ),
        form=form,
        save_as_other=save_as_other,
        text_a=texts[0],
        text_b=texts[1],
        label_b=texts[2],
        read=lambda row: rows.values(rows.model.objects.get(pk=row.pk)),
        add=lambda: add(record()),
        count=lambda: rows.model.objects.count(),
        long_field=long[0],
        long_limit=long[1],
        long_label=long[2],
        extra={"key": key},
    )


def _plan_strategy(world: World, record: ActivityRecord, number: int) -> Strategy:
    return part_row_add(
        rows=plan.STRATEGIES,
        actor=world.lea_lead, record=record, version=version_token(record),
        title=f"Strategy {number}", description="Pairs of teachers", problems_of_practice=[],
    )  # fmt: skip


def strategies_case(world: World, engagement: Engagement) -> RowCase:
    def add(record: ActivityRecord) -> tuple[str, dict[str, object]]:
        return reverse("plan_strategy_add", args=[engagement.pk, record.definition.key]), {
            "strategy-title": "New strategy",
            "strategy-version": version_token(record),
        }

    return _plan_case(
        world, engagement, name="plan_strategies", rows=plan.STRATEGIES,
        make_one=lambda record, number: _plan_strategy(world, record, number),
        texts=("title", "description", "Description"), long=("title", 300, "Strategy"),
        add=add,
    )  # fmt: skip


def activities_case(world: World, engagement: Engagement) -> RowCase:
    def make_one(record: ActivityRecord, number: int) -> StrategyActivity:
        return part_row_add(
            rows=plan.ACTIVITIES,
            actor=world.lea_lead, record=record, strategy=_plan_strategy(world, record, number),
            version=version_token(_record(engagement, record.definition.key)),
            description=f"Training {number}", start_date=date(2025, 1, 6),
            end_date=date(2025, 3, 28), persons_responsible="Director", resources="Title I",
        )  # fmt: skip

    def add(record: ActivityRecord) -> tuple[str, dict[str, object]]:
        strategy = _plan_strategy(world, record, 99)
        record.refresh_from_db()
        prefix = f"activity-{strategy.pk}"
        data = {
            "description": "New activity", "start_date": "2025-01-06", "end_date": "2025-02-06",
            "persons_responsible": "Principal", "version": version_token(record),
        }  # fmt: skip
        url = reverse("plan_activity_add", args=[engagement.pk, record.definition.key, strategy.pk])
        return url, {f"{prefix}-{name}": value for name, value in data.items()}

    return _plan_case(
        world, engagement, name="plan_activities", rows=plan.ACTIVITIES, make_one=make_one,
        texts=("description", "resources", "Resources"),
        long=("persons_responsible", 300, "Persons responsible"), add=add,
    )  # fmt: skip


def outcomes_case(world: World, engagement: Engagement) -> RowCase:
    def make_one(record: ActivityRecord, number: int) -> Outcome:
        return part_row_add(
            rows=plan.OUTCOMES,
            actor=world.lea_lead, record=record, strategy=_plan_strategy(world, record, number),
            version=version_token(_record(engagement, record.definition.key)),
            measure=f"Measure {number}", baseline_value=Decimal(41),
            baseline_date=date(2024, 10, 1), target_value=Decimal(50),
            target_date=date(2026, 6, 1), data_source="CALPADS", monitoring_frequency="Monthly",
        )  # fmt: skip

    def add(record: ActivityRecord) -> tuple[str, dict[str, object]]:
        strategy = _plan_strategy(world, record, 99)
        record.refresh_from_db()
        prefix = f"outcome-{strategy.pk}"
        data = {
            "measure": "New measure", "baseline_value": "41", "baseline_date": "2024-10-01",
            "target_value": "50", "target_date": "2026-06-01", "data_source": "CALPADS",
            "monitoring_frequency": "Monthly", "version": version_token(record),
        }  # fmt: skip
        url = reverse("plan_outcome_add", args=[engagement.pk, record.definition.key, strategy.pk])
        return url, {f"{prefix}-{name}": value for name, value in data.items()}

    return _plan_case(
        world, engagement, name="plan_outcomes", rows=plan.OUTCOMES, make_one=make_one,
        texts=("measure", "data_source", "Data source"),
        long=("monitoring_frequency", 100, "Monitoring frequency"), add=add,
    )  # fmt: skip


CASES = {
    "team": team_case,
    "data_sources": data_sources_case,
    "findings": findings_case,
    "problem_areas": problem_areas_case,
    "root_causes": root_causes_case,
    "plan_strategies": strategies_case,
    "plan_activities": activities_case,
    "plan_outcomes": outcomes_case,
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest, world: World, engagement: Engagement) -> RowCase:
    return CASES[request.param](world, engagement)


def _page_of(case: RowCase, engagement: Engagement) -> str:
    return _page(engagement, case.extra["key"])


# --- The checks -----------------------------------------------------------------------------


def test_it_adds_a_row_while_someone_else_saves(world: World, case: RowCase) -> None:
    row = case.make()
    url, data = case.add()
    case.save_as_other(row, {case.text_a: "Changed meanwhile"})
    before = case.count()
    response = signed_in(world.lea_lead).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert case.count() == before + 1


def test_it_merges_edits_of_different_rows(world: World, case: RowCase) -> None:
    mine, theirs = case.make(), case.make()
    form = case.form(mine)
    case.save_as_other(theirs, {case.text_a: "Their words"})
    response = signed_in(world.lea_lead).post(
        case.edit_url(mine), posted(form, **{case.text_a: "My words"})
    )
    assert response.status_code == 302
    assert case.read(mine)[case.text_a] == "My words"
    assert case.read(theirs)[case.text_a] == "Their words"


def test_it_merges_edits_of_different_fields_and_keeps_theirs(
    world: World, case: RowCase, engagement: Engagement
) -> None:
    row = case.make()
    form = case.form(row)
    case.save_as_other(row, {case.text_b: "Their words"})
    client = signed_in(world.lea_lead)
    response = client.post(case.edit_url(row), posted(form, **{case.text_a: "My words"}))
    assert response.status_code == 302
    values = case.read(row)
    assert (values[case.text_a], values[case.text_b]) == ("My words", "Their words")
    page = unescape(client.get(response["Location"]).content.decode())
    assert f"Meanwhile Sam Member changed: {case.label_b}." in page


def test_it_refuses_the_same_field_and_shows_both_texts(world: World, case: RowCase) -> None:
    row = case.make()
    form = case.form(row)
    case.save_as_other(row, {case.text_a: "Their words"})
    client = signed_in(world.lea_lead)
    data = posted(form, **{case.text_a: "My words", case.text_b: "My other words"})
    response = client.post(case.edit_url(row), data)
    assert response.status_code == 409
    page = unescape(response.content.decode())
    assert "Sam Member changed this while you were editing it" in page
    assert "My words" in page
    assert "Their words" in page
    assert "data-conflict" in page
    # Nothing of the row was written, not even the field only the writer changed.
    assert case.read(row)[case.text_a] == "Their words"
    assert case.read(row)[case.text_b] != "My other words"
    # The writer has now seen theirs: saving again keeps what is in the box.
    name = form.add_prefix(case.text_a)
    theirs_base = fingerprint("Their words")
    assert f'name="base-{name}" value="{theirs_base}"' in page
    again = {**data, f"base-{name}": theirs_base}
    for other in form.fields:
        if other not in (case.text_a, case.text_b, "version"):
            again[f"base-{form.add_prefix(other)}"] = data[f"base-{form.add_prefix(other)}"]
    assert client.post(case.edit_url(row), again).status_code == 302
    assert case.read(row)[case.text_a] == "My words"


def test_it_refuses_to_remove_a_row_changed_since(
    world: World, case: RowCase, engagement: Engagement
) -> None:
    row = case.make()
    client = signed_in(world.lea_lead)
    data = remove_data(client, _page_of(case, engagement), case.remove_url(row))
    case.save_as_other(row, {case.text_b: "Their words"})
    response = client.post(case.remove_url(row), data, follow=True)
    page = unescape(response.content.decode())
    assert ROW_CHANGED.format(who="Sam Member") in page
    assert case.read(row)[case.text_b] == "Their words"
    fresh = remove_data(client, _page_of(case, engagement), case.remove_url(row))
    before = case.count()
    assert client.post(case.remove_url(row), fresh).status_code == 302
    assert case.count() == before - 1
    again = client.post(case.remove_url(row), fresh, follow=True)
    assert again.status_code == 200
    assert "was already removed by Casey Lead" in unescape(again.content.decode())


@pytest.mark.parametrize("token", ["", "foreign", "future"])
def test_it_refuses_a_bad_version_and_keeps_the_text(
    world: World, case: RowCase, engagement: Engagement, token: str
) -> None:
    row = case.make()
    form = case.form(row)
    data = posted(form, **{case.text_a: "Words kept"})
    record = _record(engagement, case.extra["key"])
    other = ActivityRecord.objects.filter(engagement=engagement).exclude(pk=record.pk).first()
    assert other is not None
    data[form.add_prefix("version")] = {
        "": "",
        "foreign": version_token(other),
        "future": f"{record.pk}-{record.version + 5}",
    }[token]
    response = signed_in(world.lea_lead).post(case.edit_url(row), data)
    assert response.status_code == 409
    page = unescape(response.content.decode())
    if token == "":
        assert VERSION_MISSING in page
    elif token == "foreign":
        assert VERSION_FOREIGN in page
    else:
        assert "but the latest saved version is" in page
    assert "Words kept" in page
    assert case.read(row)[case.text_a] != "Words kept"


def test_it_names_the_field_and_limit_of_too_long_text(world: World, case: RowCase) -> None:
    row = case.make()
    form = case.form(row)
    text = "x" * (case.long_limit + 1)
    response = signed_in(world.lea_lead).post(
        case.edit_url(row), posted(form, **{case.long_field: text})
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert f"“{case.long_label}” can hold at most {case.long_limit:,} characters" in page
    assert text in page
    # No maxlength on the row's form (the browser would cut a paste silently); the
    # activity page's own answers form is another form.
    name = re.escape(form.add_prefix(case.long_field))
    tags = re.findall(rf'<(?:textarea|input)[^>]*name="{name}"[^>]*>', page)
    assert tags
    assert not [tag for tag in tags if "maxlength" in tag]
