from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from cim import adl
from cim.adl import AdlIssue, parse_adl, read_adl
from cim.uploads import FILE_TOO_BIG

HEADER = (
    "cds_code,lea_name,selpa_code,selpa_name,county,region,tier,level,"
    "unmet_indicators,new_to_cim,contact_name,contact_email"
)
ROW = "1964733,Sample Valley Unified,1901,Sample SELPA,Los Angeles,11,Targeted,2,4A; 8,yes,,"
CODES = {"1", "3A", "4A", "4B", "5B", "8"}


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join((header, *rows)).encode(encoding)


def xlsx_bytes(*rows: list[object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(content: bytes) -> adl.AdlFile:
    return parse_adl(content, indicator_codes=CODES)


def messages(result: adl.AdlFile) -> list[str]:
    return [str(issue) for issue in result.errors]


def test_it_reads_a_utf8_csv() -> None:
    result = parse(csv_bytes(ROW))

    assert result.errors == []
    (row,) = result.rows
    assert (row.row, row.cds_code, row.tier, row.level) == (2, "1964733", "targeted", 2)
    assert row.unmet_indicators == ("4A", "8")
    assert row.new_to_cim is True


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_it_reads_every_encoding_excel_saves(encoding: str) -> None:
    row = ROW.replace("Sample Valley Unified", "Escuela Montaña Élite")

    result = parse(csv_bytes(row, encoding=encoding))

    assert result.errors == []
    assert result.rows[0].lea_name == "Escuela Montaña Élite"


def test_it_reads_xlsx_with_numbers_excel_made_of_codes() -> None:
    result = parse(
        xlsx_bytes(
            [
                110017,
                "Example Unified",
                101,
                "Example SELPA",
                "Alameda",
                4,
                "Targeted",
                2.0,
                "5B",
                True,
                "Pat",
                "Pat@Example.org",
            ],
        )
    )

    assert result.errors == []
    (row,) = result.rows
    assert (row.cds_code, row.selpa_code, row.level) == ("0110017", "0101", 2)
    assert (row.new_to_cim, row.contact_email) == (True, "pat@example.org")


def test_it_accepts_headers_in_any_case_and_order() -> None:
    header = (
        "New To CIM,TIER,Level,LEA Name,CDS Code,SELPA-Code,selpa name,County,Region,"
        "unmet_indicators"
    )
    row = "no,universal,,Uni District,1111111,1901,Sample SELPA,Los Angeles,11,"

    result = parse(csv_bytes(row, header=header))

    assert result.errors == []
    assert result.rows[0].tier == "universal"
    assert result.rows[0].level is None
    assert result.rows[0].contact_email == ""


def test_it_ignores_an_extra_column_with_a_warning() -> None:
    result = parse(csv_bytes(ROW + ",call first", header=HEADER + ",Notes"))

    assert result.errors == []
    assert [str(warning) for warning in result.warnings] == [f"row 1, Notes: {adl.COLUMN_IGNORED}"]


@pytest.mark.parametrize(
    ("cds", "selpa", "expected"),
    [
        ("110017", "101", ("0110017", "0101")),
        ("1964733000001", "1901", ("01964733000001", "1901")),
        ("19-64733", "1901", ("1964733", "1901")),
        ("34674390000001", "0110", ("34674390000001", "0110")),
    ],
)
def test_it_restores_leading_zeros_excel_dropped(cds: str, selpa: str, expected: tuple) -> None:
    row = ROW.replace("1964733", cds, 1).replace("1901", selpa, 1)

    result = parse(csv_bytes(row))

    assert (result.rows[0].cds_code, result.rows[0].selpa_code) == expected


def test_it_reads_semicolon_separated_csv() -> None:
    header = HEADER.replace(",", ";")
    row = '1964733;Sample;1901;Sample SELPA;Los Angeles;11;Targeted;2;"4A; 8";yes;;'

    result = parse(csv_bytes(row, header=header))

    assert result.errors == []
    assert result.rows[0].unmet_indicators == ("4A", "8")


def test_it_reports_every_error_at_once_with_row_and_column() -> None:
    rows = (
        "12345,Too Short,19,Sample SELPA,Los Angeles,12,Focused,,9Z,maybe,,not-an-email",
        "1964733,,1901,Sample SELPA,Los Angeles,11,Targeted,4,,yes,,",
        "2222222,Uni,1901,Sample SELPA,Los Angeles,11,Universal,2,,no,,",
        "3333333,Big,1901,Sample SELPA,Los Angeles,11,Intensive,,,yes,,",
        ",,,,,,,,,,,",
        "1964733,Again,1901,Other Name SELPA,Los Angeles,11,Targeted,1,1.96E+13,yes,,",
    )

    result = parse(csv_bytes(*rows))

    assert result.rows == []
    assert messages(result) == [
        f"row 2, cds_code: {adl.CDS_LENGTH.format(value='12345', n=5)}",
        f"row 2, selpa_code: {adl.SELPA_LENGTH.format(value='19', n=2)}",
        f"row 2, region: {adl.REGION_RANGE.format(value='12')}",
        f"row 2, tier: {adl.TIER_UNKNOWN.format(value='Focused')}",
        f"row 2, unmet_indicators: {adl.INDICATOR_UNKNOWN.format(codes='"9Z" is')}",
        f"row 2, new_to_cim: {adl.YES_NO.format(value='maybe')}",
        f"row 2, contact_email: {adl.EMAIL_INVALID.format(value='not-an-email')}",
        f"row 3, lea_name: {adl.EMPTY}",
        f"row 3, level: {adl.LEVEL_RANGE.format(value='4')}",
        f"row 4, level: {adl.LEVEL_FOR_UNIVERSAL}",
        f"row 5, level: {adl.LEVEL_MISSING}",
        f"row 7, unmet_indicators: {adl.INDICATOR_UNKNOWN.format(codes='"1.96E+13" is')}",
    ]


def test_it_reports_the_same_lea_twice_and_a_selpa_with_two_names() -> None:
    again = ROW.replace("Sample SELPA", "Sample Valley SELPA")

    result = parse(csv_bytes(ROW, again))

    assert messages(result) == [
        f"row 3, cds_code: {adl.LEA_TWICE.format(code='1964733', row=2)}",
        "row 3, selpa_name: "
        + adl.SELPA_NAME_CONFLICT.format(code="1901", name="Sample SELPA", row=2),
    ]


def test_it_explains_a_code_excel_turned_into_a_number() -> None:
    result = parse(csv_bytes(ROW.replace("1964733", "1.96473E+13", 1)))

    assert messages(result) == [f"row 2, cds_code: {adl.EXCEL_NUMBER.format(value='1.96473E+13')}"]


def test_it_reports_missing_and_repeated_columns_in_row_1() -> None:
    header = HEADER.replace("tier,level,", "").replace("county", "lea_name")

    result = parse(csv_bytes("x", header=header))

    assert messages(result) == [
        f"row 1, lea_name: {adl.COLUMN_TWICE}",
        f"row 1, county: {adl.COLUMN_MISSING}",
        f"row 1, tier: {adl.COLUMN_MISSING}",
        f"row 1, level: {adl.COLUMN_MISSING}",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", adl.FILE_EMPTY),
        (b" \r\n,,,\r\n", adl.FILE_EMPTY),
        (HEADER.encode(), adl.FILE_NO_ROWS),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", adl.FILE_OLD_EXCEL),
        (b"PK\x03\x04 not really a zip", adl.FILE_NOT_TABLE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", adl.FILE_NOT_TABLE),
        (b"x" * (20 * 1024 * 1024 + 1), FILE_TOO_BIG.format(limit="20 MB")),
    ],
)
def test_it_refuses_files_that_are_not_an_adl(content: bytes, message: str) -> None:
    assert messages(parse(content)) == [f"row 1, file: {message}"]


def test_it_checks_indicators_and_cohorts_against_the_database(db: None) -> None:
    result = read_adl(csv_bytes(ROW.replace("4A; 8", "4a; indicator 8; 4")), year=2024)

    assert messages(result) == [
        f"row 2, unmet_indicators: {adl.INDICATOR_UNKNOWN.format(codes='"4" is')}",
    ]


def test_it_needs_the_cohort_of_a_new_lea_in_the_catalog(no_catalog: None) -> None:
    result = read_adl(csv_bytes(ROW), year=2024)

    assert result.errors == [
        AdlIssue(2, "tier", adl.COHORT_MISSING.format(tier="Targeted", year=2024))
    ]


def test_it_needs_the_cohort_of_a_continuing_lea_too_and_keeps_no_row(no_catalog: None) -> None:
    continuing = ROW.replace(",yes,", ",no,").replace("1964733", "0110017")
    intensive = ROW.replace("Targeted", "Intensive")

    result = read_adl(csv_bytes(continuing, intensive), year=2024)

    assert messages(result) == [
        "row 2, tier: There is no Targeted 2024 cohort in the activity catalog yet, and this "
        "LEA continues in CIM from an earlier cohort: its Step 4 progress reports follow this "
        "year's Targeted cohort. A CDE administrator loads it with `manage.py load_catalog`.",
        f"row 3, tier: {adl.COHORT_MISSING.format(tier='Intensive', year=2024)}",
    ]
    assert result.rows == []


def test_it_ships_a_template_that_loads_without_errors(cohorts: dict) -> None:
    template = adl.adl_template_csv()

    result = read_adl(template.encode("utf-8"), year=2024)

    assert result.errors == []
    assert len(result.rows) == 3
    with open("cim/static/cim/adl-template.csv", encoding="utf-8", newline="") as shipped:
        assert shipped.read() == template
