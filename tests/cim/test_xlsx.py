"""The one-pass XLSX reader (cim/xlsx.xlsx_rows): each cell as the upload reads a
CSV cell, whatever Excel stored it as."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook

from cim.uploads import Deadline, UploadLimits
from cim.xlsx import xlsx_rows


def rows_of(workbook: Workbook) -> list[tuple[int, list[str]]]:
    buffer = io.BytesIO()
    workbook.save(buffer)
    limits = UploadLimits.from_settings()
    return list(xlsx_rows(buffer.getvalue(), limits, Deadline(limits.parse_seconds)))


def test_it_reads_each_kind_of_cell_as_its_text() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["  padded text  ", 42, 2.0, 0.25, True, False, date(2024, 7, 10)])
    # Excel keeps no time zone: a spreadsheet's date and time is as typed.
    sheet.append([datetime(2024, 7, 10, 8, 30), "=1+1", None, "", "last"])  # noqa: DTZ001
    sheet["B2"].value = "=A1"  # a formula: its cached result is read, and a new file has none

    assert rows_of(workbook) == [
        (1, ["padded text", "42", "2", "0.25", "yes", "no", "2024-07-10T00:00:00"]),
        (2, ["2024-07-10T08:30:00", "", "", "", "last"]),
    ]


def test_it_numbers_rows_as_the_sheet_does_and_fills_missing_cells() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "header"
    sheet["C5"] = "third column of row 5"

    assert rows_of(workbook) == [(1, ["header"]), (5, ["", "", "third column of row 5"])]


def test_it_reads_inline_strings_as_a_streamed_workbook_writes_them() -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["student_key", "grade"])
    sheet.append(["K0000001", "k"])

    assert rows_of(workbook) == [(1, ["student_key", "grade"]), (2, ["K0000001", "k"])]
