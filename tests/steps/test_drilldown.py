"""The Data Drill Down's reading and measures (steps/drilldown.py), against tables worked
out by hand (tests/steps/drilldown_files.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cim.drilldown_rules import drilldown_rules
from cim.uploads import FILE_TOO_BIG, TOO_MANY_ROWS, UploadLimits
from steps import drilldown
from steps.drilldown import Cell, DrilldownIssue, aggregate, read_extract
from tests.steps.drilldown_files import HAND, HEADER, as_xlsx, many, rows_csv

RULES = drilldown_rules(2024)


def tables(content: bytes) -> dict[tuple[str, str, str], Cell]:
    extract = read_extract(content)
    assert extract.errors == []
    return {(c.measure, c.dimension, c.group): c for c in aggregate(extract.students, RULES)}


def counts(found: dict[tuple[str, str, str], Cell], measure: str, dimension: str) -> dict:
    return {
        key[2]: (cell.numerator, cell.denominator)
        for key, cell in found.items()
        if key[:2] == (measure, dimension)
    }


def test_it_reads_the_rules_of_the_year_from_the_catalog() -> None:
    assert (RULES.suppress_up_to, RULES.min_cell_size, RULES.min_n_size) == (10, 10, 30)
    assert set(RULES.measures) == set(drilldown.MEASURES)
    with pytest.raises(LookupError):
        drilldown_rules(1999)


@pytest.mark.parametrize("as_file", [str.encode, as_xlsx])
def test_it_computes_every_measure_overall(as_file) -> None:
    found = tables(as_file(HAND))
    overall = {m: (found[(m, "all", "all")].numerator, found[(m, "all", "all")].denominator)
               for m in drilldown.MEASURES}  # fmt: skip
    assert overall == {
        "lre_80_plus": (2, 5),  # ages 6-21 and age 5 in kindergarten: s1 s3 s4 s5 s6
        "lre_under_40": (1, 5),
        "lre_separate": (1, 5),
        "suspended_over_10": (2, 8),  # s3 (12 days), s5 (11); s4's 10 days is not over 10
        "assessment_participation": (2, 3),  # grades 3-8 and 11: s3 s4 s5
        "proficiency": (2, 3),  # among the assessed: s3 s5 s6
        "chronic_absence": (3, 7),  # s5 enrolled 30 days is out; s3 at exactly 10% is in
    }


def test_it_breaks_each_measure_down_by_group() -> None:
    found = tables(HAND.encode())
    assert counts(found, "lre_80_plus", "race_ethnicity") == {
        "hispanic_latino": (2, 3), "asian": (0, 1), "white": (0, 1),
    }  # fmt: skip
    assert list(counts(found, "lre_80_plus", "race_ethnicity")) == [
        "hispanic_latino", "asian", "white",
    ]  # the code order of the template  # fmt: skip
    assert counts(found, "lre_80_plus", "school_site") == {"Oak": (1, 2), "Pine": (1, 3)}
    assert counts(found, "lre_80_plus", "gender") == {"f": (2, 3), "m": (0, 1), "x": (0, 1)}
    assert counts(found, "suspended_over_10", "english_learner") == {"yes": (1, 2), "no": (1, 6)}
    assert counts(found, "suspended_over_10", "lre") == {
        "regular_80_plus": (0, 4), "regular_40_79": (1, 1), "regular_under_40": (0, 1),
        "separate": (1, 2),
    }  # fmt: skip
    assert counts(found, "chronic_absence", "disability") == {
        "intellectual": (0, 1), "speech_language": (2, 2), "other_health": (0, 1),
        "specific_learning_disability": (1, 2), "autism": (0, 1),
    }  # fmt: skip
    assert counts(found, "proficiency", "socioeconomically_disadvantaged") == {
        "yes": (1, 2), "no": (1, 1),
    }  # fmt: skip


def test_it_does_not_break_placement_measures_down_by_placement() -> None:
    found = tables(HAND.encode())
    assert counts(found, "lre_separate", "lre") == {}
    assert counts(found, "chronic_absence", "lre") != {}


def _suspensions(hispanic: int, hispanic_suspended: int) -> dict[tuple[str, str, str], Cell]:
    rows = [
        *many(hispanic_suspended, race_ethnicity="hispanic_latino", days_suspended=11),
        *many(hispanic - hispanic_suspended, race_ethnicity="hispanic_latino"),
        *many(10, race_ethnicity="white", days_suspended=15),
        *many(30, race_ethnicity="white"),
        *many(5, race_ethnicity="asian", days_suspended=20),
    ]
    return tables(rows_csv(rows))


def _ratio(found: dict, group: str) -> tuple[float | None, bool]:
    cell = found[("suspended_over_10", "race_ethnicity", group)]
    return cell.risk_ratio, cell.flagged


def test_it_computes_the_risk_ratio_against_all_other_students() -> None:
    found = _suspensions(30, 15)
    # Hispanic 15/30 = 0.5; all others (white 10/40, asian 5/5) 15/45
    assert _ratio(found, "hispanic_latino") == (pytest.approx(1.5), False)
    # White 10/40 = 0.25; all others 20/35
    assert _ratio(found, "white") == (pytest.approx(0.4375), False)
    # Asian: 5 students, below the n-size
    assert _ratio(found, "asian") == (None, False)


def test_it_flags_a_risk_ratio_at_or_over_the_threshold() -> None:
    found = _suspensions(30, 30)
    # Hispanic 30/30 = 1; all others 15/45
    assert _ratio(found, "hispanic_latino") == (pytest.approx(3.0), True)


def test_it_needs_the_n_size_in_the_group_and_its_comparison() -> None:
    found = _suspensions(29, 15)
    assert _ratio(found, "hispanic_latino") == (None, False)  # 29 students
    assert _ratio(found, "white")[0] is not None  # 40 students; all others 34
    only_one = tables(rows_csv(many(40, days_suspended=11) + many(20, race_ethnicity="asian")))
    cell = only_one[("suspended_over_10", "race_ethnicity", "white")]
    assert cell.risk_ratio is None  # the other students are 20, below the n-size


def test_it_needs_the_cell_size_in_the_group_and_its_comparison() -> None:
    found = _suspensions(30, 9)
    assert _ratio(found, "hispanic_latino") == (None, False)  # 9 suspended
    rows = many(10, race_ethnicity="white", days_suspended=11) + many(30, race_ethnicity="white")
    rows += many(9, race_ethnicity="asian", days_suspended=11) + many(30, race_ethnicity="asian")
    found = tables(rows_csv(rows))
    assert _ratio(found, "white") == (None, False)  # its comparison has 9 suspended


def test_it_keeps_no_student_value_in_the_tables() -> None:
    extract = read_extract(HAND.encode())
    cells = aggregate(extract.students, RULES)
    keys = {key for cell in cells for key in cell.as_dict()}
    assert keys == {
        "measure", "dimension", "group", "numerator", "denominator", "risk_ratio", "flagged",
    }  # fmt: skip
    assert not any(f"s{n}" == cell.group for cell in cells for n in range(1, 9))


# --- Bad files --------------------------------------------------------------------------


def errors(content: bytes, limits: UploadLimits | None = None) -> list[str]:
    extract = read_extract(content, limits=limits)
    assert extract.students == []
    return [str(issue) for issue in extract.errors]


def test_it_lists_every_problem_by_row_and_column() -> None:
    bad = (
        f"{HEADER}\n"
        "s1,Oak,13,5,f,latino,autism,yes,maybe,regular_80_plus,-1,sometimes,,180,20\n"
        "s1,Oak,k,23,f,white,autism,no,no,regular_80_plus,1.5,,,10,11\n"
        ",,k,5,f,white,autism,no,no,regular_80_plus,0,,,10,1\n"
    )
    found = errors(bad.encode())
    grades = ", ".join(drilldown.GRADES)
    races = ", ".join(drilldown.RACE_ETHNICITY)
    assert found == [
        f"row 2, grade: {drilldown.CODE_UNKNOWN.format(value='13', allowed=grades)}",
        f"row 2, race_ethnicity: {drilldown.CODE_UNKNOWN.format(value='latino', allowed=races)}",
        "row 2, socioeconomically_disadvantaged: "
        + drilldown.CODE_UNKNOWN.format(value="maybe", allowed="yes, no"),
        f"row 2, days_suspended: {drilldown.DAYS_WHOLE.format(value='-1')}",
        f"row 2, assessed: {drilldown.YES_NO_BLANK.format(value='sometimes')}",
        f"row 3, student_key: {drilldown.KEY_TWICE.format(row=2)}",
        f"row 3, age: {drilldown.AGE_RANGE.format(limit=22, value='23')}",
        f"row 3, days_suspended: {drilldown.DAYS_WHOLE.format(value='1.5')}",
        f"row 3, days_absent: {drilldown.ABSENT_OVER_ENROLLED.format(absent=11, enrolled=10)}",
        f"row 4, student_key: {drilldown.EMPTY}",
        f"row 4, school_site: {drilldown.EMPTY}",
    ]


def test_it_refuses_missing_and_unknown_columns() -> None:
    header = HEADER.replace(",days_absent", ",notes").replace("student_key,", "")
    assert errors(f"{header}\n".encode()) == [
        f"row 1, notes: {drilldown.COLUMN_UNKNOWN}",
        f"row 1, student_key: {drilldown.COLUMN_MISSING}",
        f"row 1, days_absent: {drilldown.COLUMN_MISSING}",
    ]


def test_it_refuses_an_empty_file_and_one_without_students() -> None:
    assert errors(b"") == [f"row 1, file: {drilldown.FILE_EMPTY}"]
    assert errors(b" ,\n") == [f"row 1, file: {drilldown.FILE_EMPTY}"]
    assert errors(f"{HEADER}\n".encode()) == [f"row 1, file: {drilldown.FILE_NO_ROWS}"]


def test_it_refuses_a_file_that_is_not_a_table() -> None:
    assert len(errors(b"\x00\x01binary")) == 1
    assert "not a CSV or Excel" in errors(b"PK\x03\x04 not a zip")[0]


def test_it_holds_the_file_to_its_bounds_before_reading_rows() -> None:
    limits = drilldown.drilldown_limits()
    assert (limits.max_bytes, limits.max_rows) == (50 * 1024 * 1024, 200_000)
    small = replace(limits, max_bytes=100)
    too_big = FILE_TOO_BIG.format(limit="100 bytes")
    assert errors(HAND.encode(), small) == [f"row 1, file: {too_big}"]
    two_rows = replace(limits, max_rows=2)
    assert errors(HAND.encode(), two_rows) == [f"row 4, file: {TOO_MANY_ROWS.format(limit=2)}"]
    assert errors(as_xlsx(HAND), two_rows) == [f"row 4, file: {TOO_MANY_ROWS.format(limit=2)}"]


def test_it_stops_listing_problems_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drilldown, "MAX_ISSUES", 3)
    found = read_extract(rows_csv(many(5, gender="q"))).errors
    assert len(found) == 4
    assert found[-1] == DrilldownIssue(5, "file", drilldown.TOO_MANY_ISSUES.format(limit=3))


def test_it_refuses_digits_that_are_not_a_number() -> None:
    found = read_extract(rows_csv([{"age": "1²"}, {"days_absent": "²"}])).errors
    assert [(issue.row, issue.column) for issue in found] == [(2, "age"), (3, "days_absent")]
