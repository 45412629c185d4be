"""Bounds on every uploaded table (the ADL today, drill-down files next), checked before
and while a file is parsed, so that no file can hold a worker for long or fill its memory.

A file past a bound is refused with an `UploadRefused` that says, in the uploader's words,
which bound and where (spreadsheet row and column). The bounds are settings
(`UPLOAD_*` in cim/settings.py) read at each call, so a deployment can widen them.

An XLSX file is read by cim/xlsx.py, within the same bounds and a few of its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

FILE = "file"  # the "column" of a problem with the whole file

FILE_TOO_BIG = "The file is larger than {limit}. Remove unused sheets or columns, or split it."
TOO_MANY_ROWS = (
    "This file has more than {limit:,} rows below the header; a file may have at most "
    "{limit:,}. Remove rows that do not belong, or split the file."
)
TOO_MANY_COLUMNS = (
    "This row has {count:,} cells; a row may have at most {limit:,}. Delete the unused "
    "columns to the right of the table."
)
CELL_TOO_LONG = "This cell has {count:,} characters; a cell may have at most {limit:,}."
TOO_SLOW = (
    "Reading this file took longer than {seconds:g} seconds, so it was stopped at row "
    "{row:,}. Remove rows or columns that do not belong, or split the file."
)


class UploadRefused(Exception):
    """A file past one of the bounds, with where and why."""

    def __init__(self, message: str, *, row: int = 1, column: str = FILE) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    max_unzipped_bytes: int
    max_zip_ratio: int
    parse_seconds: float

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_rows=settings.UPLOAD_MAX_ROWS,
            max_columns=settings.UPLOAD_MAX_COLUMNS,
            max_cell_chars=settings.UPLOAD_MAX_CELL_CHARS,
            max_unzipped_bytes=settings.UPLOAD_MAX_UNZIPPED_BYTES,
            max_zip_ratio=settings.UPLOAD_MAX_ZIP_RATIO,
            parse_seconds=settings.UPLOAD_PARSE_SECONDS,
        )


def size_words(size: int) -> str:
    """20971520 -> "20 MB", as people read file sizes."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"


class Deadline:
    """The parse-time bound, checked once per row read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self, row: int) -> None:
        if time.monotonic() > self._end:
            raise UploadRefused(TOO_SLOW.format(seconds=self.seconds, row=row), row=row)


def check_size(content: bytes, limits: UploadLimits) -> None:
    if len(content) > limits.max_bytes:
        raise UploadRefused(FILE_TOO_BIG.format(limit=size_words(limits.max_bytes)))


def check_row(
    number: int, cells: Sequence[str], limits: UploadLimits, *, header: Sequence[str] = ()
) -> None:
    """Refuse a row with too many cells or a cell that is too long. `header` names the
    column in the message (the header row itself is named by letter)."""
    if len(cells) > limits.max_columns:
        raise UploadRefused(
            TOO_MANY_COLUMNS.format(count=len(cells), limit=limits.max_columns), row=number
        )
    # max() in C first: a district's drill-down extract is a million cells, nearly all short.
    if not cells or max(map(len, cells)) <= limits.max_cell_chars:
        return
    for index, cell in enumerate(cells):
        if len(cell) > limits.max_cell_chars:
            column = header[index] if index < len(header) and header[index] else None
            raise UploadRefused(
                CELL_TOO_LONG.format(count=len(cell), limit=limits.max_cell_chars),
                row=number,
                column=column or f"column {column_letter(index + 1)}",
            )


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
