"""The XLSX reader (cim/xlsx.xlsx_rows): each cell as the upload reads a CSV cell,
whatever Excel stored it as, and the same whether the sheet is read by the regular
expressions of the plain path or by expat."""

from __future__ import annotations

import io
import random
import time
import tracemalloc
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from cim import xlsx
from cim.uploads import TOO_MANY_COLUMNS, Deadline, UploadLimits, UploadRefused
from cim.xlsx import XLSX_BROKEN, xlsx_rows

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
RELS = "xl/_rels/workbook.xml.rels"
SHARED_REL = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
# After the root element, where XML allows it: a sheet with a comment is not plain, so
# expat reads it.
FOR_EXPAT = "<!-- read by expat -->"


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


def workbook_with(sheet: str, shared: str = "") -> bytes:
    """A workbook saved by openpyxl, its first sheet's XML replaced by `sheet`, with shared
    strings (openpyxl writes none) whose <si> elements are `shared`."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first["A1"] = date(2024, 1, 1)  # so that style 1 is a date
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET:
                data = sheet.encode()
            elif info.filename == RELS:
                data = data.replace(b"</Relationships>", SHARED_REL + b"</Relationships>")
            archive.writestr(info, data)
        archive.writestr(STRINGS, f'<sst xmlns="{MAIN}">{shared}</sst>')
    return out.getvalue()


def read(content: bytes) -> list[tuple[int, list[str]]]:
    limits = UploadLimits.from_settings()
    return list(xlsx_rows(content, limits, Deadline(limits.parse_seconds)))


def both_ways(sheet: str, shared: str = "") -> list[tuple[int, list[str]]]:
    """The rows of the sheet, after checking that expat reads them the same."""
    plain = read(workbook_with(sheet, shared))
    assert read(workbook_with(sheet + FOR_EXPAT, shared)) == plain
    return plain


def sheet_of(rows: str) -> str:
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'
    )


def test_it_reads_a_sheet_whose_writer_gives_the_namespace_a_prefix() -> None:
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>student_key</x:t></x:is></x:c>'
        '<x:c r="B1"><x:v>2</x:v></x:c><x:c r="C1" t="s"><x:v>0</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )

    assert both_ways(sheet, "<x:si><x:t>Oak</x:t></x:si>".replace("x:", "")) == [
        (1, ["student_key", "2", "Oak"])
    ]


def test_it_reads_rich_text_runs_without_their_phonetic_reading() -> None:
    inline = (
        '<c r="A1" t="inlineStr"><is><r><rPr><b/><color rgb="FF0000"/></rPr><t>Hel</t></r>'
        '<r><t xml:space="preserve">lo </t></r><rPh sb="0" eb="1"><t>ha</t></rPh></is></c>'
    )
    shared = (
        '<si><r><t xml:space="preserve">Oak </t></r><r><rPr><i/></rPr><t>Elementary</t></r>'
        '<rPh sb="0" eb="3"><t>oku</t></rPh><phoneticPr fontId="1"/></si>'
    )

    assert both_ways(
        sheet_of(f'<row r="1">{inline}<c r="B1" t="s"><v>0</v></c></row>'), shared
    ) == [(1, ["Hello", "Oak Elementary"])]


FORMS = {
    "formulas": (
        '<c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>',
        ["2", "ab"],
    ),
    "entities": (
        '<c r="A1" t="inlineStr"><is><t>a &amp; b &lt;&#233;&#x41;&quot;&apos;</t></is></c>',
        ["a & b <éA\"'"],
    ),
    "attributes": (
        "<c t='inlineStr' r='B1' ><is><t>x</t></is></c><c\n r=\"d1\"><v>4</v></c>",
        ["", "x", "", "4"],
    ),
    "empty-and-other-kinds": (
        '<c r="A1" s="1"/><c><v>1.5</v></c><c r="B1" t="b"><v>1</v></c>'
        '<c t="e"><v>#N/A</v></c><c r="D1" s="1"><v>45292</v></c>',
        ["", "yes", "#N/A", "2024-01-01T00:00:00"],
    ),
    "space-before-the-end": (  # openpyxl writes an empty cell so
        '<c r="A1" t="inlineStr" /><c r="B1" t="inlineStr" ><is><t>b</t></is></c>'
        '<c r="C1" s="1" t="inlineStr"  />',
        ["", "b", ""],
    ),
    "line-ends": (
        '<c r="A1" t="inlineStr"><is><t>one\r\ntwo</t></is></c><c r="B1" t="inlineStr"></c>',
        ["one\ntwo", ""],
    ),
    "unescaped-gt": (
        '<c r="A1" t="inlineStr"><is><t>a &gt; b</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>a > b</t></is></c>',
        ["a > b", "a > b"],
    ),
    "odd-pairs": (
        '<c r="A1" t="inlineStr"><v>5</v></c><c r="B1" t="s"><is><t>not shared</t></is></c>',
        ["5", ""],
    ),
}


@pytest.mark.parametrize(("cells", "expected"), FORMS.values(), ids=FORMS.keys())
def test_it_reads_every_form_of_a_cell_as_expat_does(cells: str, expected: list[str]) -> None:
    assert both_ways(sheet_of(f'<row r="3">{cells}</row>'), "<si><t>s</t></si>") == [(3, expected)]


def test_it_reads_cells_and_runs_cut_by_the_chunks_it_reads() -> None:
    # 3 MB of runs in one cell, then rows that the 1 MB chunks cut anywhere.
    runs = "<r><t>ab</t></r>" * 200_000
    long = f'<row r="1"><c r="A1" t="inlineStr"><is>{runs}</is></c></row>'
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>é{n}</t></is></c>'
        f'<c r="B{n}"><v>{n}</v></c></row>'
        for n in range(2, 60_000)
    )

    read = both_ways(sheet_of(long + rows))

    assert read[0] == (1, ["ab" * 200_000])
    assert read[1:] == [(n, [f"é{n}", str(n)]) for n in range(2, 60_000)]


def test_it_reads_rows_of_common_cells_whole_as_it_reads_them_cell_by_cell() -> None:
    # Once a row of common cells shows each column's form, rows of those forms are read
    # with one match each; empty cells of any type and style, missing cells and escaped
    # text among them.
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>key</t></is></c>'
        '<c r="B1" t="s"><v>0</v></c></row>'
    )
    rows = "".join(
        f'<row r="{n}" spans="1:6"><c r="A{n}" t="inlineStr"><is><t> K{n} &amp; co </t></is></c>'
        f'<c r="B{n}" t="s"><v>{n % 2}</v></c><c r="C{n}"><v>{n}.5</v></c>'
        f'<c r="D{n}" s="1"><v>45292</v></c>'
        + ("", f'<c r="E{n}" t="b"><v>{n % 2}</v></c>', f'<c r="E{n}" s="1"/>')[n % 3]
        + ("" if n % 5 else f'<c r="F{n}" t="inlineStr" />')
        + "</row>"
        for n in range(2, 40)
    )

    read = both_ways(sheet_of(header + rows), "<si><t>Oak </t></si><si><t>Elm</t></si>")

    assert read[0] == (1, ["key", "Oak"])
    for number, cells in read[1:]:
        last = [[], ["yes" if number % 2 else "no"], [""]][number % 3]
        assert cells == [
            f"K{number} & co",
            "Elm" if number % 2 else "Oak",
            f"{number}.5",
            "2024-01-01T00:00:00",
            *(last or ([] if number % 5 else [""])),
            *([] if number % 5 else [""]),
        ]


def test_it_reads_rows_that_change_form_among_rows_read_whole() -> None:
    # A column that turns from numbers to text, a formula, a cell past the learned ones,
    # a cell without a reference, an empty row, a row without a number.
    rows = [
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>7</v></c></row>'
        for n in range(1, 9)
    ]
    rows[3] = '<row r="4"><c r="A4" t="inlineStr"><is><t>four</t></is></c></row>'
    rows[4] = '<row r="5"><c r="A5"><f>A4</f><v>5</v></c><c r="C5"><v>3</v></c></row>'
    rows[5] = '<row r="6"><c r="A6"><v>6</v></c><c t="b"><v>0</v></c></row><row r="7"/>'
    rows[6] = '<row><c r="A8"><v>8</v></c><c r="B8" t="inlineStr"><v>b</v></c></row>'
    rows[7] = '<row r="9"><c r="A9"><v>9</v></c><c r="B9"><v>7</v></c></row>'

    assert both_ways(sheet_of("".join(rows))) == [
        (1, ["1", "7"]),
        (2, ["2", "7"]),
        (3, ["3", "7"]),
        (4, ["four"]),
        (5, ["5", "", "3"]),
        (6, ["6", "no"]),
        (7, []),
        (8, ["8", "b"]),
        (9, ["9", "7"]),
    ]


CELL_FORMS = [
    '<c r="{r}" t="s"><v>1</v></c>',
    '<c r="{r}"><v>12</v></c>',
    '<c r="{r}" s="1"><v>45292.25</v></c>',
    '<c r="{r}" t="b"><v>0</v></c>',
    '<c r="{r}" t="inlineStr"><is><t> a &lt; b </t></is></c>',
    '<c r="{r}" t="inlineStr"><v>v</v></c>',
    '<c r="{r}" t="str"><f>A1</f><v>ab</v></c>',
    '<c r="{r}" t="e"><v>#N/A</v></c>',
    '<c r="{r}"><v></v></c>',
    '<c r="{r}" s="1"/>',
    '<c r="{r}" t="inlineStr" />',
    '<c r="{r}"></c>',
    '<c t="inlineStr"><is><t>no reference</t></is></c>',
    "",
]


@pytest.mark.parametrize("seed", range(4))
def test_it_reads_rows_of_any_mix_of_forms_as_expat_does(seed: int) -> None:
    # Mostly the same form per column, as a table is, with every other form now and then:
    # rows read whole and rows read a cell at a time, one after the other.
    rng = random.Random(seed)
    usual = [rng.randrange(len(CELL_FORMS)) for _ in range(6)]
    rows = []
    for n in range(1, 400):
        cells = "".join(
            CELL_FORMS[form if rng.random() < 0.9 else rng.randrange(len(CELL_FORMS))].format(
                r=f"{letter}{n}"
            )
            for letter, form in zip("ABCDEF", usual, strict=True)
        )
        start = rng.choice([f'<row r="{n}">'] * 8 + [f'<row r="{n}" spans="1:6">', "<row>"])
        rows.append(f"{start}{cells}</row>")

    read = both_ways(sheet_of("".join(rows)), "<si><t>zero</t></si><si><t> one </t></si>")

    assert [number for number, _ in read] == list(range(1, 400))


def test_it_reads_a_column_that_keeps_changing_form_a_cell_at_a_time() -> None:
    forms = ['<c r="A{n}"><v>{n}</v></c>', '<c r="A{n}" t="inlineStr"><is><t>t{n}</t></is></c>']
    rows = "".join(f'<row r="{n}">{forms[n % 2].format(n=n)}</row>' for n in range(1, 200))

    assert both_ways(sheet_of(rows)) == [(n, [f"t{n}" if n % 2 else str(n)]) for n in range(1, 200)]


def test_it_reads_rows_as_wide_as_the_cells_bound_allows_whole() -> None:
    limit = UploadLimits.from_settings().max_columns
    letters = [xlsx.column_letter(column) for column in range(1, limit + 1)]
    rows = "".join(
        f'<row r="{n}">'
        + "".join(
            f'<c r="{letter}{n}"><v>{n * column}</v></c>'
            if column % 7
            else f'<c r="{letter}{n}" t="inlineStr"><is><t>{letter}</t></is></c>'
            for column, letter in enumerate(letters, start=1)
        )
        + "</row>"
        for n in range(1, 30)
    )

    assert both_ways(sheet_of(rows)) == [
        (
            n,
            [
                str(n * column) if column % 7 else letter
                for column, letter in enumerate(letters, start=1)
            ],
        )
        for n in range(1, 30)
    ]


def test_it_refuses_a_row_past_the_cells_bound_after_rows_read_whole() -> None:
    limit = UploadLimits.from_settings().max_columns
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 50))
    far = xlsx.column_letter(limit + 1)
    rows += f'<row r="50"><c r="A50"><v>1</v></c><c r="{far}50"><v>2</v></c></row>'
    message = TOO_MANY_COLUMNS.format(count=limit + 1, limit=limit)
    for sheet in (sheet_of(rows), sheet_of(rows) + FOR_EXPAT):
        with pytest.raises(UploadRefused) as refused:
            read(workbook_with(sheet))
        assert (refused.value.message, refused.value.row) == (message, 50)


def test_it_numbers_rows_without_a_number_and_keeps_empty_ones() -> None:
    rows = '<row><c r="A1"><v>1</v></c></row><row r="4"/><row spans="1:1"><c><v>2</v></c></row>'

    assert both_ways(sheet_of(rows)) == [(1, ["1"]), (4, []), (5, ["2"])]


@pytest.mark.parametrize(
    ("sheet", "prefix"),
    [
        (sheet_of(""), ""),
        (f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData/></x:worksheet>', "x:"),
        (sheet_of("") + FOR_EXPAT, None),
        (sheet_of('<row r="1"><c r="A1" t="inlineStr"><is><t>a > b</t></is></c></row>'), None),
        (sheet_of('<row r="1" xmlns="other"/>'), None),
        (sheet_of(f'<row r="1" xmlns:x="{MAIN}"/>'), None),
        (sheet_of('<row r="1" xmlns:mc="other"/>'), ""),
        (sheet_of("<row><c><is><t><![CDATA[<b>]]></t></is></c></row>"), None),
        ('<?xml version="1.0" encoding="ISO-8859-1"?>' + sheet_of("")[21:], None),
    ],
    ids=[
        "default",
        "prefix",
        "comment",
        "gt",
        "default-rebound",
        "main-twice",
        "other-ns",
        "cdata",
        "latin-1",
    ],
)
def test_it_reads_only_a_plain_sheet_with_regular_expressions(
    sheet: str, prefix: str | None
) -> None:
    assert xlsx._plain_prefix(io.BytesIO(sheet.encode("latin-1"))) == prefix


def test_it_refuses_a_sparse_far_cell_at_once_without_filling_the_columns_before_it() -> None:
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    message = TOO_MANY_COLUMNS.format(count=16_384, limit=UploadLimits.from_settings().max_columns)
    for sheet in (sheet_of(rows), sheet_of(rows) + FOR_EXPAT):
        content = workbook_with(sheet)
        tracemalloc.start()
        started = time.monotonic()
        with pytest.raises(UploadRefused) as refused:
            read(content)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert (refused.value.message, refused.value.row) == (message, 1_048_576)
        assert time.monotonic() - started < 1
        assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize(
    "cells",
    # Style 1 is the date of workbook_with's A1.
    ['<c r="A1" t="s"><v>7</v></c>', '<c r="A1" s="1"><v>1e20</v></c>'],
    ids=["shared-string-missing", "date-past-the-calendar"],
)
def test_it_refuses_a_cell_that_points_nowhere_as_a_broken_file(cells: str) -> None:
    sheet = sheet_of(f'<row r="1">{cells}</row>')
    for xml in (sheet, sheet + FOR_EXPAT):
        with pytest.raises(UploadRefused) as refused:
            read(workbook_with(xml, "<si><t>only one</t></si>"))
        assert refused.value.message == XLSX_BROKEN
