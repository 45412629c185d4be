"""ADL files for tests, written the way Excel writes them."""

from __future__ import annotations

import io

from openpyxl import Workbook

from cim.adl import COLUMNS


def row(
    cds: str,
    name: str,
    selpa: str = "4401",
    selpa_name: str = "Bay Shore SELPA",
    *,
    tier: str = "Targeted",
    level: str = "2",
    unmet: str = "",
    new: str = "yes",
    contact: str = "",
    county: str = "Santa Cruz",
    region: str = "5",
) -> list[str]:
    return [cds, name, selpa, selpa_name, county, region, tier, level, unmet, new, "", contact]


def csv_file(*rows: list[str], encoding: str = "utf-8") -> bytes:
    lines = [",".join(COLUMNS), *(",".join(cells) for cells in rows)]
    return "\r\n".join(lines).encode(encoding)


def xlsx_file(*rows: list[str]) -> bytes:
    """The same rows as Excel keeps them: codes and levels as numbers, headers reordered."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    order = list(reversed(COLUMNS))
    sheet.append([name.upper() for name in order])
    for cells in rows:
        values = dict(zip(COLUMNS, cells, strict=True))
        sheet.append([_as_excel(name, values[name]) for name in order])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _as_excel(name: str, value: str) -> object:
    # Excel drops leading zeros; real codes have at most one (counties 01-09).
    if name in ("cds_code", "selpa_code", "region", "level") and value.isdigit():
        return value if value.startswith("00") else int(value)
    if name == "new_to_cim":
        return value == "yes"
    return value or None
