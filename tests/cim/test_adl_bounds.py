"""Hostile ADL files: each is refused, at its first bound, with the reason in words, and
an XLSX is measured from its zip directory, and its sheet refused while it streams."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cim import adl, uploads
from cim.adl import AdlFile, AdlIssue, parse_adl
from tests.steps.adl_files import csv_file, row, xlsx_file

CODES = {"4A", "8"}
SHEET = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024


def parse(content: bytes) -> AdlFile:
    return parse_adl(content, indicator_codes=CODES)


def rows(count: int) -> list[list[str]]:
    return [row(f"44{n:05d}", f"District {n}") for n in range(count)]


def with_sheet(path: Path, write_sheet: Any) -> bytes:
    """A real workbook whose first sheet is replaced by what `write_sheet(file)` writes,
    compressed; written to a file in the test's tmp dir and read back."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_file(*rows(1))))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            if info.filename == SHEET:
                with archive.open(SHEET, "w", force_zip64=True) as sheet:
                    write_sheet(sheet)
            else:
                archive.writestr(info, good.read(info))
    return path.read_bytes()


def sheet_xml(body: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + body + b"</sheetData></worksheet>"
    )


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl opened a file the bounds should have refused")

    monkeypatch.setattr("openpyxl.load_workbook", refuse)


def test_it_refuses_a_csv_cell_of_ten_megabytes_naming_row_and_column() -> None:
    cells = rows(11)
    cells[10][1] = "x" * (10 * MB)  # lea_name of spreadsheet row 12

    result = parse(csv_file(*cells))

    message = uploads.CELL_TOO_LONG.format(count=10 * MB, limit=1000)
    assert result.errors == [AdlIssue(12, "lea_name", message)]
    assert str(result.errors[0]) == (
        "row 12, lea_name: This cell has 10,485,760 characters; a cell may have at most 1,000."
    )
    assert result.rows == []


def test_it_names_an_ignored_column_and_a_headerless_one_by_what_the_file_calls_them() -> None:
    content = csv_file(row("4400017", "Seaside")).replace(b"\r\n", b",Notes\r\n", 1)
    long_note = content + b"," + b"n" * 1001
    past_header = content + b",," + b"n" * 1001

    assert parse(long_note).errors[0].column == "Notes"
    assert parse(past_header).errors[0].column == "column N"


def test_it_refuses_more_rows_than_the_setting_allows_in_csv_and_xlsx(settings: Any) -> None:
    settings.UPLOAD_MAX_ROWS = 5
    message = uploads.TOO_MANY_ROWS.format(limit=5)

    assert parse(csv_file(*rows(5))).is_valid
    assert parse(csv_file(*rows(6))).errors == [AdlIssue(7, adl.FILE, message)]
    assert parse(xlsx_file(*rows(5))).is_valid
    assert parse(xlsx_file(*rows(6))).errors == [AdlIssue(7, adl.FILE, message)]


def test_it_refuses_a_zip_bomb_from_its_directory(tmp_path: Path, no_openpyxl: None) -> None:
    # 60 MB of one repeated row, some 60 KB zipped.
    def bomb(sheet: Any) -> None:
        sheet.write(sheet_xml(b""))
        for _ in range(60):
            sheet.write(b"<row/>" * (MB // 6))

    content = with_sheet(tmp_path / "bomb.xlsx", bomb)
    assert len(content) < MB

    [issue] = parse(content).errors
    assert (issue.row, issue.column) == (1, adl.FILE)
    assert issue.message.startswith("This workbook unpacks to 60 MB, more than the 50 MB")


def test_it_refuses_a_member_that_unpacks_a_thousand_times_its_size(
    tmp_path: Path, no_openpyxl: None
) -> None:
    content = with_sheet(tmp_path / "ratio.xlsx", lambda sheet: sheet.write(b" " * (4 * MB)))

    [issue] = parse(content).errors
    assert issue.message.startswith("This workbook unpacks to 1,0")
    assert "a real workbook is at most 100 times" in issue.message


def test_it_refuses_a_row_of_millions_of_empty_cells_before_openpyxl_builds_it(
    tmp_path: Path, no_openpyxl: None
) -> None:
    # Stored, not compressed: the ratio is 1, and openpyxl would take 1.6 GB for it.
    good = zipfile.ZipFile(io.BytesIO(xlsx_file(*rows(1))))
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == SHEET:
                data = sheet_xml(b'<row r="1">' + b"<c/>" * 5_000_000 + b"</row>")
            archive.writestr(info.filename, data)

    started = time.monotonic()
    result = parse(path.read_bytes())

    message = uploads.TOO_MANY_COLUMNS.format(count=101, limit=100)
    assert result.errors == [AdlIssue(1, adl.FILE, message)]
    assert time.monotonic() - started < 5


def test_it_ignores_a_declared_dimension_of_every_cell_excel_has() -> None:
    content = xlsx_file(*rows(2))
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET:
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
                assert b"XFD1048576" in data
            archive.writestr(info, data)

    started = time.monotonic()
    result = parse(out.getvalue())

    assert result.errors == []
    assert len(result.rows) == 2
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_it_stops_reading_at_the_parse_deadline(settings: Any, kind: str) -> None:
    settings.UPLOAD_MAX_ROWS = 100_000
    settings.UPLOAD_PARSE_SECONDS = 0.001
    content = (csv_file if kind == "csv" else xlsx_file)(*rows(5_000))

    [issue] = parse(content).errors

    assert issue.column == adl.FILE
    assert issue.message.startswith("Reading this file took longer than 0.001 seconds")
    assert f"stopped at row {issue.row:,}." in issue.message


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04 not really a zip",
        b"PK\x03\x04" + b"\x00" * 5000,
    ],
)
def test_it_refuses_an_xlsx_that_is_not_a_zip(content: bytes, no_openpyxl: None) -> None:
    assert parse(content).errors == [AdlIssue(1, adl.FILE, adl.FILE_NOT_TABLE)]


def test_it_refuses_a_zip_that_is_not_a_workbook_or_has_a_broken_sheet(tmp_path: Path) -> None:
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("notes.txt", "hello")
    broken = with_sheet(tmp_path / "broken.xlsx", lambda sheet: sheet.write(b"<worksheet><row"))

    assert parse(other.getvalue()).errors == [AdlIssue(1, adl.FILE, adl.FILE_NOT_TABLE)]
    assert parse(broken).errors == [AdlIssue(1, adl.FILE, adl.FILE_NOT_TABLE)]


def test_it_refuses_a_file_over_the_size_setting_in_its_words(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    content = csv_file(*rows(40))

    assert parse(content).errors == [
        AdlIssue(1, adl.FILE, uploads.FILE_TOO_BIG.format(limit="1 KB"))
    ]


def test_it_reads_a_valid_file_as_before() -> None:
    result = parse(xlsx_file(*rows(3)))

    assert result.errors == []
    assert [r.cds_code for r in result.rows] == ["4400000", "4400001", "4400002"]
