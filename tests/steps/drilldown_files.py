"""Small Data Drill Down extracts for tests, written as CSV or XLSX bytes."""

from __future__ import annotations

import io
from typing import Any

from steps.drilldown import COLUMNS

HEADER = ",".join(COLUMNS)
# Eight students, the expected tables worked out by hand in tests/steps/test_drilldown.py.
HAND = f"""{HEADER}
s1,Oak,K,5,f,hispanic_latino,speech_language,yes,yes,regular_80_plus,0,,,180,20
s2,Oak,tk,5,m,white,autism,no,no,separate,0,,,180,5
s3,Oak,3,8,m,Hispanic Latino,specific_learning_disability,Yes,YES,regular_40_79,12,yes,no,170,17
s4,Pine,08,13,f,white,other_health,no,yes,regular_under_40,10,no,,180,3
s5,Pine,11,16,x,asian,emotional,no,no,separate,11,yes,yes,30,29
s6,Pine,10,15,f,hispanic_latino,specific_learning_disability,no,yes,regular_80_plus,0,yes,yes,31,3
s7,Oak,ps,4,m,black_african_american,speech_language,no,no,regular_80_plus,0,,,100,50
s8,Pine,12,22,f,two_or_more,intellectual,no,yes,regular_80_plus,0,,,180,0
"""

DEFAULTS: dict[str, Any] = {
    "school_site": "Oak", "grade": "5", "age": 10, "gender": "f",
    "race_ethnicity": "white", "disability": "autism", "english_learner": "no",
    "socioeconomically_disadvantaged": "no", "lre": "regular_80_plus", "days_suspended": 0,
    "assessed": "yes", "proficient": "no", "days_enrolled": 180, "days_absent": 0,
}  # fmt: skip


def rows_csv(rows: list[dict[str, Any]]) -> bytes:
    """A CSV of students, each the defaults with its own values; keys s1, s2, ..."""
    lines = [HEADER]
    for number, values in enumerate(rows, start=1):
        row = {"student_key": f"s{number}", **DEFAULTS, **values}
        lines.append(",".join(str(row[column]) for column in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def many(count: int, **values: Any) -> list[dict[str, Any]]:
    return [dict(values) for _ in range(count)]


def as_xlsx(text: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in text.strip().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
