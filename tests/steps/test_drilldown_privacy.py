"""What of a drill-down leaves the LEA's team (steps/drilldown_privacy.py), by hand."""

from __future__ import annotations

from steps.drilldown import Cell, aggregate, read_extract
from steps.drilldown_privacy import exact, suppress
from tests.steps.drilldown_files import many, rows_csv
from tests.steps.test_drilldown import RULES


def breakdown(dimension: str, **denominators: int) -> list[Cell]:
    return [
        Cell("suspended_over_10", dimension, group, min(1, size), size)
        for group, size in denominators.items()
    ]


def hidden(cells: list[Cell]) -> list[str]:
    return [cell.group for cell in suppress(cells, suppress_up_to=10) if cell.suppressed]


def test_it_hides_a_group_of_1_to_10_and_its_numbers() -> None:
    cells = breakdown("gender", f=40, m=3, x=9) + breakdown("english_learner", yes=11, no=41)
    shown = suppress(cells, suppress_up_to=10)
    assert [cell.group for cell in shown if cell.suppressed] == ["m", "x"]
    m = shown[1]
    assert (m.numerator, m.denominator, m.rate, m.risk_ratio, m.label) == (
        None, None, None, None, "n<11",
    )  # fmt: skip
    yes = shown[3]
    assert (yes.numerator, yes.denominator, yes.rate, yes.suppressed) == (1, 11, 1 / 11, False)


def test_it_hides_the_next_smallest_group_when_only_one_is_hidden() -> None:
    assert hidden(breakdown("gender", f=40, m=5, x=12)) == ["m", "x"]
    # ties by group name
    assert hidden(breakdown("gender", x=12, f=12, m=5)) == ["f", "m"]
    # two hidden already: nobody can work either out from the total
    assert hidden(breakdown("gender", f=3, m=5, x=40)) == ["f", "m"]
    # one small group of two: both go
    assert hidden(breakdown("english_learner", yes=4, no=200)) == ["yes", "no"]


def test_it_hides_each_breakdown_on_its_own() -> None:
    cells = breakdown("gender", f=40, m=5, x=12) + breakdown("school_site", Oak=30, Pine=31)
    assert hidden(cells) == ["m", "x"]


def test_it_hides_a_small_overall_row_but_shows_an_empty_measure() -> None:
    assert hidden(breakdown("all", all=8)) == ["all"]
    assert hidden(breakdown("all", all=11)) == []
    (empty,) = suppress([Cell("proficiency", "all", "all", 0, 0)], suppress_up_to=10)
    assert (empty.suppressed, empty.denominator, empty.rate) == (False, 0, None)


def test_it_hides_a_risk_ratio_with_its_group() -> None:
    rows = many(30, race_ethnicity="hispanic_latino", days_suspended=11)
    rows += many(20, race_ethnicity="hispanic_latino")
    rows += many(10, race_ethnicity="white", days_suspended=11) + many(30, race_ethnicity="white")
    rows += many(4, race_ethnicity="asian")
    cells = aggregate(read_extract(rows_csv(rows)).students, RULES)
    shown = {
        (cell.measure, cell.dimension, cell.group): cell
        for cell in suppress(cells, suppress_up_to=RULES.suppress_up_to)
    }
    race = "suspended_over_10", "race_ethnicity"
    assert shown[(*race, "asian")].suppressed
    # the next smallest, white (40), goes with it, risk ratio and all
    assert shown[(*race, "white")].suppressed
    assert shown[(*race, "white")].risk_ratio is None
    assert shown[(*race, "hispanic_latino")].risk_ratio is not None
    team = {(c.measure, c.dimension, c.group): c for c in exact(cells)}
    assert team[(*race, "asian")].denominator == 4
    assert team[(*race, "white")].risk_ratio is not None
