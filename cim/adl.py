"""Reading and checking the Annual Determination Letter (ADL) cohort file.

One row per LEA, as CSV or Excel (.xlsx). Files come from Excel on school-district
machines, so this accepts what Excel produces: UTF-8 with or without BOM or
Windows-1252, headers in any case and order, and codes whose leading zero Excel
dropped. Every row is checked and every problem reported at once, as
`row N, column: message` with N the spreadsheet row (the header is row 1).

Before and while it is read, a file is held to the upload bounds of cim/uploads.py (size,
rows, cells, cell length, what an XLSX unpacks to, time): a file past one is refused with
that one reason, and nothing else is checked.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cim import uploads, xlsx
from cim.models import Cohort, Indicator, Tier
from cim.uploads import FILE, Deadline, UploadLimits, UploadRefused

REQUIRED_COLUMNS = (
    "cds_code", "lea_name", "selpa_code", "selpa_name", "county", "region",
    "tier", "level", "unmet_indicators", "new_to_cim",
)  # fmt: skip
OPTIONAL_COLUMNS = ("contact_name", "contact_email")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
FILE_EMPTY = "The file is empty: it needs a header row and one row per LEA."
FILE_NOT_TABLE = (
    "This is not a CSV or Excel (.xlsx) file. In Excel, use Save As and choose "
    "CSV UTF-8 or Excel Workbook (.xlsx)."
)
FILE_OLD_EXCEL = (
    "This is an old Excel (.xls) file. In Excel, use Save As and choose Excel Workbook (.xlsx)."
)
FILE_NO_ROWS = "The file has a header row but no LEA rows."
COLUMN_MISSING = "This column is missing from the header row."
COLUMN_TWICE = "This column appears more than once in the header row."
COLUMN_IGNORED = "This column is not part of the ADL template, so it was ignored."
EMPTY = "This is empty: fill it in."
TOO_LONG = "This is longer than {limit} characters."
CDS_NOT_DIGITS = 'A CDS code has only digits; "{value}" has other characters.'
CDS_LENGTH = 'A CDS code has 7 digits (district) or 14 digits (charter); "{value}" has {n}.'
EXCEL_NUMBER = (
    'Excel turned this code into a number ("{value}") and lost digits. Format the column '
    "as Text in Excel, type the code again and save."
)
SELPA_NOT_DIGITS = 'A SELPA code has only digits; "{value}" has other characters.'
SELPA_LENGTH = 'A SELPA code has 4 digits; "{value}" has {n}.'
REGION_RANGE = '"{value}" is not a region: use the CCSESA region number, 1 to 11.'
TIER_UNKNOWN = '"{value}" is not a tier: use Universal, Targeted or Intensive.'
LEVEL_MISSING = "Targeted and Intensive LEAs need a level: 1, 2 or 3."
LEVEL_RANGE = '"{value}" is not a level: use 1, 2 or 3.'
LEVEL_FOR_UNIVERSAL = "Universal LEAs have no level: leave this empty."
INDICATOR_UNKNOWN = (
    "{codes} not an indicator code: use SPP/APR codes such as 1, 3A, 4B or 8, "
    "separated by semicolons."
)
YES_NO = '"{value}" is not yes or no.'
EMAIL_INVALID = '"{value}" is not an email address.'
LEA_TWICE = "This LEA (CDS code {code}) is already in row {row}: list each LEA once."
SELPA_NAME_CONFLICT = 'SELPA {code} is called "{name}" in row {row}: use one name per SELPA.'
COHORT_MISSING = (
    "There is no {tier} {year} cohort in the activity catalog yet: a CDE administrator "
    "loads it with `manage.py load_catalog`."
)
COHORT_MISSING_CONTINUING = (
    "There is no {tier} {year} cohort in the activity catalog yet, and this LEA continues "
    "in CIM from an earlier cohort: its Step 4 progress reports follow this year's {tier} "
    "cohort. A CDE administrator loads it with `manage.py load_catalog`."
)

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
FIELD_LIMITS = {
    "lea_name": 200, "selpa_name": 200, "county": 60, "contact_name": 150, "contact_email": 254,
}  # fmt: skip


@dataclass(frozen=True, order=True)
class AdlIssue:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class AdlRow:
    """One LEA's line of the ADL, cleaned."""

    row: int
    cds_code: str
    lea_name: str
    selpa_code: str
    selpa_name: str
    county: str
    region: int | None
    tier: str
    level: int | None
    unmet_indicators: tuple[str, ...]
    new_to_cim: bool
    contact_name: str = ""
    contact_email: str = ""


@dataclass
class AdlFile:
    rows: list[AdlRow] = field(default_factory=list)
    errors: list[AdlIssue] = field(default_factory=list)
    warnings: list[AdlIssue] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


class _FileProblem(Exception):
    pass


class _Invalid(Exception):
    pass


# --- Reading the table --------------------------------------------------------------------


def read_adl(content: bytes, *, year: int, limits: UploadLimits | None = None) -> AdlFile:
    """Parse and check an ADL file against the indicators and cohorts in the database."""
    codes = set(Indicator.objects.values_list("code", flat=True))
    result = parse_adl(content, indicator_codes=codes, limits=limits)
    cohort_tiers = set(Cohort.objects.filter(year__year=year).values_list("tier", flat=True))
    for row in result.rows:
        # A continuing LEA (new_to_cim = no) needs its tier's cohort as much as a new one:
        # its Step 4 is owed this year. Without the cohort the row would load no work.
        if row.tier != Tier.UNIVERSAL and row.tier not in cohort_tiers:
            missing = COHORT_MISSING if row.new_to_cim else COHORT_MISSING_CONTINUING
            message = missing.format(tier=Tier(row.tier).label, year=year)
            result.errors.append(AdlIssue(row.row, "tier", message))
    if result.errors:
        result.rows = []
    result.errors.sort(key=_issue_order)
    return result


def parse_adl(
    content: bytes, *, indicator_codes: Collection[str], limits: UploadLimits | None = None
) -> AdlFile:
    """Parse an ADL file without touching the database, within the upload bounds
    (`limits`, by default the settings')."""
    result = AdlFile()
    limits = limits or UploadLimits.from_settings()
    deadline = Deadline(limits.parse_seconds)
    try:
        table = list(_read_table(content, limits, deadline))
    except _FileProblem as problem:
        result.errors.append(AdlIssue(1, FILE, str(problem)))
        return result
    except UploadRefused as refused:
        result.errors.append(AdlIssue(refused.row, refused.column, refused.message))
        return result
    columns = _read_header(table[0][1], result)
    if result.errors:
        return result
    seen: dict[str, int] = {}
    selpa_names: dict[str, tuple[str, int]] = {}
    for number, cells in table[1:]:
        try:
            deadline.check(number)
        except UploadRefused as refused:
            return AdlFile(errors=[AdlIssue(refused.row, refused.column, refused.message)])
        row = _read_row(number, cells, columns, indicator_codes, result)
        if row is not None:
            _check_against_earlier_rows(row, seen, selpa_names, result)
            result.rows.append(row)
    if len(table) == 1:
        result.errors.append(AdlIssue(1, FILE, FILE_NO_ROWS))
    if result.errors:
        result.rows = []
    result.errors.sort(key=_issue_order)
    return result


def _issue_order(issue: AdlIssue) -> tuple[int, int, str]:
    position = COLUMNS.index(issue.column) if issue.column in COLUMNS else len(COLUMNS)
    return (issue.row, position, issue.message)


def _read_table(
    content: bytes, limits: UploadLimits, deadline: Deadline
) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cells) for every row that is not blank, refusing
    the file at the first bound it passes."""
    uploads.check_size(content, limits)
    if not content.strip():
        raise _FileProblem(FILE_EMPTY)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _FileProblem(FILE_OLD_EXCEL)
    if content.startswith(b"PK\x03\x04"):
        rows = xlsx.xlsx_rows(content, limits, deadline, broken=FILE_NOT_TABLE)
    else:
        rows = enumerate(_csv_rows(content, limits), start=1)
    header: list[str] = []
    filled = 0
    for number, cells in rows:
        deadline.check(number)
        uploads.check_row(number, cells, limits, header=header)
        if any(cells):
            filled += 1
            if filled == 1:
                header = [_column_name(cell) for cell in cells]
            elif filled > limits.max_rows + 1:
                raise UploadRefused(uploads.TOO_MANY_ROWS.format(limit=limits.max_rows), row=number)
            yield number, cells
    if not filled:
        raise _FileProblem(FILE_EMPTY)


def table_rows(
    content: bytes, limits: UploadLimits, deadline: Deadline, *, empty: str = FILE_EMPTY
) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of every row that is not blank, read and bounded as
    the ADL is: for other uploads of tables (the Data Drill Down's extract). A file that is
    not a table, or is empty (`empty` says so in the upload's words), is refused with an
    UploadRefused, like a file past a bound."""
    try:
        yield from _read_table(content, limits, deadline)
    except _FileProblem as problem:
        message = empty if str(problem) == FILE_EMPTY else str(problem)
        raise UploadRefused(message) from None


def _column_name(header_cell: str) -> str:
    key = _column_key(header_cell)
    return key if key in COLUMNS else header_cell


def _csv_rows(content: bytes, limits: UploadLimits) -> Iterator[list[str]]:
    if b"\x00" in content:
        raise _FileProblem(FILE_NOT_TABLE)
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    # Excel in some regions saves "CSV" with semicolons or tabs between cells.
    delimiter = max(",;\t", key=first_line.count)
    # The csv module stops at a cell of 128 KB with an error that names no row or column.
    # The whole text is already in memory and within the size bound, so let it read any
    # cell and let check_row refuse a long one in words. (Process-wide, and only raised.)
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_bytes))
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [cell.strip() for cell in cells]
    except csv.Error:
        raise _FileProblem(FILE_NOT_TABLE) from None


def _decode(content: bytes) -> str:
    # UTF-8 first: Windows-1252 would "decode" UTF-8 bytes into mojibake without failing.
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise _FileProblem(FILE_NOT_TABLE) from None


# --- The header ---------------------------------------------------------------------------


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _read_header(cells: list[str], result: AdlFile) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(cells):
        key = _column_key(name)
        if not key:
            continue
        if key not in COLUMNS:
            result.warnings.append(AdlIssue(1, name, COLUMN_IGNORED))
        elif key in columns:
            result.errors.append(AdlIssue(1, key, COLUMN_TWICE))
        else:
            columns[key] = index
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            result.errors.append(AdlIssue(1, key, COLUMN_MISSING))
    return columns


# --- One row ------------------------------------------------------------------------------


def _read_row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    indicator_codes: Collection[str],
    result: AdlFile,
) -> AdlRow | None:
    raw = {key: cells[index] if index < len(cells) else "" for key, index in columns.items()}
    parsers: dict[str, Callable[[str], Any]] = {
        **{key: _text_parser(key) for key in FIELD_LIMITS},
        "lea_name": _text_parser("lea_name", required=True),
        "selpa_name": _text_parser("selpa_name", required=True),
        "cds_code": _cds_code,
        "selpa_code": _selpa_code,
        "region": _region,
        "tier": _tier,
        "level": _level,
        "unmet_indicators": lambda value: _indicators(value, indicator_codes),
        "new_to_cim": _yes_no,
        "contact_email": _email,
    }
    values: dict[str, Any] = {}
    errors_before = len(result.errors)
    for key, parse in parsers.items():
        try:
            values[key] = parse(raw.get(key, ""))
        except _Invalid as invalid:
            result.errors.append(AdlIssue(number, key, str(invalid)))
    if "tier" in values and "level" in values:
        _check_level(number, values["tier"], values["level"], result)
    if len(result.errors) > errors_before:
        return None
    return AdlRow(row=number, **values)


def _check_level(number: int, tier: str, level: int | None, result: AdlFile) -> None:
    if tier == Tier.UNIVERSAL and level is not None:
        result.errors.append(AdlIssue(number, "level", LEVEL_FOR_UNIVERSAL))
    elif tier != Tier.UNIVERSAL and level is None:
        result.errors.append(AdlIssue(number, "level", LEVEL_MISSING))


def _check_against_earlier_rows(
    row: AdlRow, seen: dict[str, int], selpa_names: dict[str, tuple[str, int]], result: AdlFile
) -> None:
    if row.cds_code in seen:
        message = LEA_TWICE.format(code=row.cds_code, row=seen[row.cds_code])
        result.errors.append(AdlIssue(row.row, "cds_code", message))
    seen.setdefault(row.cds_code, row.row)
    name, first_row = selpa_names.setdefault(row.selpa_code, (row.selpa_name, row.row))
    if name.casefold() != row.selpa_name.casefold():
        message = SELPA_NAME_CONFLICT.format(code=row.selpa_code, name=name, row=first_row)
        result.errors.append(AdlIssue(row.row, "selpa_name", message))


def _text_parser(key: str, *, required: bool = False) -> Callable[[str], str]:
    limit = FIELD_LIMITS[key]

    def parse(value: str) -> str:
        value = " ".join(value.split())
        if required and not value:
            raise _Invalid(EMPTY)
        if len(value) > limit:
            raise _Invalid(TOO_LONG.format(limit=limit))
        return value

    return parse


def _digits(value: str, *, not_digits: str) -> str:
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", value, flags=re.IGNORECASE):
        raise _Invalid(EXCEL_NUMBER.format(value=value))
    code = re.sub(r"[\s\-]", "", value)
    if not code:
        raise _Invalid(EMPTY)
    if not code.isdigit():
        raise _Invalid(not_digits.format(value=value))
    return code


def _cds_code(value: str) -> str:
    code = _digits(value, not_digits=CDS_NOT_DIGITS)
    # Excel drops the leading zero of county codes 01-09 when it reads codes as numbers.
    if len(code) in (6, 13):
        code = "0" + code
    if len(code) not in (7, 14):
        raise _Invalid(CDS_LENGTH.format(value=value, n=len(code)))
    return code


def _selpa_code(value: str) -> str:
    code = _digits(value, not_digits=SELPA_NOT_DIGITS)
    if len(code) == 3:
        code = "0" + code
    if len(code) != 4:
        raise _Invalid(SELPA_LENGTH.format(value=value, n=len(code)))
    return code


def _region(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 11:
        raise _Invalid(REGION_RANGE.format(value=value))
    return int(value)


def _tier(value: str) -> str:
    tier = value.strip().lower()
    if not tier:
        raise _Invalid(EMPTY)
    if tier not in Tier.values:
        raise _Invalid(TIER_UNKNOWN.format(value=value))
    return tier


def _level(value: str) -> int | None:
    level = re.sub(r"^level\s*", "", value.strip(), flags=re.IGNORECASE)
    if not level:
        return None
    if level not in ("1", "2", "3"):
        raise _Invalid(LEVEL_RANGE.format(value=value))
    return int(level)


def _indicators(value: str, known: Collection[str]) -> tuple[str, ...]:
    codes = []
    for part in re.split(r"[;,]", value):
        code = re.sub(r"^indicator\s*", "", part.strip(), flags=re.IGNORECASE)
        if code:
            codes.append(code.replace(" ", "").upper())
    unknown = [code for code in codes if code not in known]
    if unknown:
        listed = ", ".join(f'"{code}"' for code in unknown)
        raise _Invalid(
            INDICATOR_UNKNOWN.format(codes=f"{listed} is" if len(unknown) == 1 else f"{listed} are")
        )
    return tuple(sorted(set(codes), key=lambda code: (len(code.rstrip("ABCD")), code)))


def _yes_no(value: str) -> bool:
    answer = value.strip().lower()
    if not answer:
        raise _Invalid(EMPTY)
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise _Invalid(YES_NO.format(value=value))


def _email(value: str) -> str:
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise _Invalid(EMAIL_INVALID.format(value=value)) from None
    return value.lower()


# --- The template -------------------------------------------------------------------------

TEMPLATE_ROWS = (
    ("0110017", "Example Unified School District", "0101", "Example County SELPA",
     "Alameda", "4", "Targeted", "2", "4A; 5B; 8", "yes", "Pat Example", "pat@example.org"),
    ("1964733", "Sample Valley Elementary", "1901", "Sample Valley SELPA",
     "Los Angeles", "11", "Intensive", "1", "3B; 5A", "yes", "", ""),
    ("34674390000001", "Demo Charter Academy", "3401", "Demo Charter SELPA",
     "Sacramento", "3", "Universal", "", "", "no", "", ""),
)  # fmt: skip


def adl_template_csv() -> str:
    """The downloadable template: the header and three example rows (UTF-8, with BOM so
    Excel opens it with accents intact)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return "\ufeff" + buffer.getvalue()
