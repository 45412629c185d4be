"""The review queue's order, filters and rows, on three Step 1 submissions waiting in one
SELPA (made once for the module); who sees what is in tests/steps/test_queues.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pytest_django import DjangoDbBlocker

from cim.models import ActivityDefinition, Cohort
from lea.models import Role

# Services before the selectors: steps.submissions imported first runs into an import cycle.
from steps import queues
from steps.models import Submission
from steps.submissions import holder
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.lea import factories
from tests.module_data import OwnCopy
from tests.steps.engagements import start
from tests.steps.test_queues import (
    _items,
    _page,
    _queue,
    assign,
    lead_of,
    submit_ppr,
    submit_step1,
)

pytestmark = pytest.mark.django_db


def _work_in_selpa(world: World, targeted: Cohort) -> list[Submission]:
    """Three Step 1 submissions in the world's SELPA, oldest first: Riverbend (L1),
    Zephyr Charter (L2) and Aspen Union (L1)."""
    made = [submit_step1(world.lea_lead, start(world.lea, targeted, level=1))]
    for name, level in (("Zephyr Charter", 2), ("Aspen Union", 1)):
        lea = factories.lea(selpa=world.selpa, name=name)
        made.append(submit_step1(lead_of(lea), start(lea, targeted, level=level)))
    return made


@pytest.fixture(scope="module")
def _selpa_work(module_world: World, django_db_blocker: DjangoDbBlocker) -> list[Submission]:
    """Made once for the module's tests, in its transaction (tests/conftest.py)."""
    with django_db_blocker.unblock():
        return _work_in_selpa(module_world, load_2024()["targeted"])


@pytest.fixture
def selpa_work(_selpa_work: list[Submission], own_copy: OwnCopy) -> list[Submission]:
    return own_copy(_selpa_work)


def test_it_sorts_by_waiting_since_then_lea_name(
    world: World, selpa_work: list[Submission]
) -> None:
    riverbend, zephyr, aspen = selpa_work
    assert _queue(world.selpa_reviewer) == [riverbend, zephyr, aspen]
    assert _queue(world.selpa_reviewer, sort=queues.SORT_LEA) == [aspen, riverbend, zephyr]
    page = _page(world.selpa_reviewer, sort="lea")
    assert page.index("Aspen Union") < page.index("Riverbend Unified") < page.index("Zephyr")


def test_it_sorts_by_due_date(
    world: World, selpa_work: list[Submission], cohorts: dict[str, Cohort]
) -> None:
    riverbend, zephyr, aspen = selpa_work
    # The PPR is due with Step 1 unless the catalog gives it a date of its own.
    ActivityDefinition.objects.filter(key="policies_procedures_review").update(
        due_date=date(2024, 6, 1)
    )
    lea = factories.lea(selpa=world.selpa, name="Birch Union")
    ppr = submit_ppr(lead_of(lea), start(lea, cohorts["targeted"], level=1))
    assign(world, world.cde_consultant, lea)
    factories.membership(world.cde_consultant, world.selpa, Role.SELPA_REVIEWER)
    assert _queue(world.cde_consultant) == [riverbend, zephyr, aspen, ppr]
    by_due = _queue(world.cde_consultant, sort=queues.SORT_DUE)
    assert by_due == [ppr, riverbend, zephyr, aspen]
    assert [item.due for item in _items(world.cde_consultant, sort=queues.SORT_DUE)[:2]] == [
        date(2024, 6, 1),
        date(2024, 7, 10),
    ]
    page = _page(world.cde_consultant, sort="due")
    assert page.index("Birch Union") < page.index("Riverbend Unified")
    assert "overdue" in page


def test_it_filters_by_level_step_and_name(world: World, selpa_work: list[Submission]) -> None:
    _, zephyr, aspen = selpa_work
    reviewer = world.selpa_reviewer
    assert _queue(reviewer, level=2) == [zephyr]
    assert _queue(reviewer, lea_name="asp") == [aspen]
    assert _queue(reviewer, step=2) == []
    page = _page(reviewer, level="1", lea="union")
    assert "Aspen Union" in page
    assert "Riverbend Unified" not in page
    assert "Zephyr" not in page


def test_it_shows_the_nearest_page_and_states_in_words_and_colour(
    world: World, selpa_work: list[Submission]
) -> None:
    past = _page(world.selpa_reviewer, page=99)
    assert "There is no page “99”: this is page 1 of 1." in past
    assert "Aspen Union" in past
    assert '<span class="badge state-submitted">Submitted</span>' in past
    assert "July 10, 2024" in past  # Step 1's due date, as the other pages write dates


def test_it_ignores_filters_it_does_not_understand(
    world: World, selpa_work: list[Submission]
) -> None:
    page = _page(world.selpa_reviewer, step="²", level="9", state="lost", sort="x", lea="a\x00")
    assert "Some filters were not understood" in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_step-error"' in page
    assert 'id="id_step-error"' in page
    for name in ("Riverbend Unified", "Zephyr Charter", "Aspen Union"):
        assert name in page


def test_it_says_who_holds_each_item_and_for_how_long(
    world: World, selpa_work: list[Submission]
) -> None:
    riverbend = _queue(world.selpa_reviewer)[0]
    assert riverbend.state_changed_at is not None
    later = riverbend.state_changed_at + timedelta(days=6, hours=1)
    item = queues.queue_items(ids=[riverbend.pk], now=later)[0]
    assert item.holder == "waiting on SELPA review, 6 days"
    assert item.holder == holder(riverbend, now=later)
    assert (item.lea_name, item.what, item.tier, item.level) == (
        "Riverbend Unified",
        "Step 1",
        "Targeted",
        1,
    )
    assert item.selpa_name == "North Valley SELPA"


# --- Query count ---------------------------------------------------------------------------
