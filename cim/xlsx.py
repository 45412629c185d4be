"""The first sheet of an uploaded XLSX workbook, as rows of text (`xlsx_rows`), within the
upload bounds of cim/uploads.py.

An XLSX file is a zip of XML files. Before any of it is read, the zip's directory is read
with zipfile: the sizes it declares bound what zipfile will ever inflate (it stops at the
declared size and fails the CRC check past it), so a zip bomb is refused from its
directory alone. The first worksheet is then read in one stream with expat (`xlsx_rows`),
a chunk at a time, each row's cells refused past the cells bound before the row is built.
Not with openpyxl: it reads a sheet without a declared size twice, builds objects for
every cell, and builds a whole row before yielding it (a 20 MB sheet of one row of empty
cells took it 1.6 GB); a large district's drill-down extract (65,000 rows) took it some
30 s.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import ParseError, fromstring
from xml.parsers.expat import ExpatError, ParserCreate

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from cim.uploads import TOO_MANY_COLUMNS, Deadline, UploadLimits, UploadRefused, size_words

UNZIPPED_TOO_BIG = (
    "This workbook unpacks to {size}, more than the {limit} a workbook may hold. Remove "
    "unused sheets, pictures or formatting, or save the table as CSV."
)
ZIP_RATIO = (
    "This workbook unpacks to {ratio:,} times its size; a real workbook is at most {limit:,} "
    "times. It was refused as unsafe: save the table again from Excel, or as CSV."
)
XLSX_BROKEN = (
    "This Excel file is damaged or is not really an Excel workbook. Open it in Excel, use "
    "Save As and choose Excel Workbook (.xlsx), or CSV UTF-8."
)

SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Below this size a member's compression ratio says nothing: a few KB of repeated
# formatting compresses a thousand times and is harmless.
RATIO_FLOOR_BYTES = 1024 * 1024


def xlsx_rows(
    content: bytes, limits: UploadLimits, deadline: Deadline, *, broken: str = XLSX_BROKEN
) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells as text) of each row of the workbook's first sheet,
    cached formula results rather than formulas. A workbook whose zip would unpack past the
    bounds is refused before any of it is read; a row past the cells bound is refused at
    that cell, before the row is built. `broken` is the message for a file that is not a
    readable workbook at all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRefused(broken) from None
    with archive:
        _check_members(archive.infolist(), limits)
        try:
            book = _Workbook(archive)
            with archive.open(book.sheet) as source:
                yield from _SheetReader(book, limits, deadline).rows(source)
        except (zipfile.BadZipFile, ExpatError, ParseError, ValueError, OSError, EOFError):
            raise UploadRefused(broken) from None


def _check_members(members: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    unzipped = sum(member.file_size for member in members)
    if unzipped > limits.max_unzipped_bytes:
        raise UploadRefused(
            UNZIPPED_TOO_BIG.format(
                size=size_words(unzipped), limit=size_words(limits.max_unzipped_bytes)
            )
        )
    for member in members:
        if member.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = member.file_size // max(member.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            raise UploadRefused(ZIP_RATIO.format(ratio=ratio, limit=limits.max_zip_ratio))


class _Workbook:
    """What reading the first sheet needs from the rest of the workbook: where that sheet
    is, the shared strings its cells point at, which cell styles are dates, and the date
    system. Raises ValueError for a zip that is not a workbook."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        names = set(archive.namelist())
        workbook = _small_xml(archive, "xl/workbook.xml", names)
        rels = _small_xml(archive, "xl/_rels/workbook.xml.rels", names)
        targets: dict[str, str] = {}
        by_type: dict[str, str] = {}
        for rel in rels.iter(f"{PACKAGE_REL_NS}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            path = posixpath.normpath(path)
            targets[rel.get("Id", "")] = path
            by_type[rel.get("Type", "").rsplit("/", 1)[-1]] = path
        # The member openpyxl would read as `worksheets[0]`: the workbook's first <sheet>.
        first = workbook.find(f"{SHEET_NS}sheets/{SHEET_NS}sheet")
        sheet = None if first is None else targets.get(first.get(f"{REL_NS}id", ""))
        if sheet is None or sheet not in names:
            raise ValueError("no first sheet")
        self.sheet = sheet
        properties = workbook.find(f"{SHEET_NS}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        strings = by_type.get("sharedStrings")
        self.shared: list[str] = []
        if strings in names:
            with archive.open(strings) as source:
                self.shared = _shared_strings(source)
        styles = by_type.get("styles")
        self.dates: dict[int, bool] = {}  # style index -> is it a duration
        if styles in names:
            self.dates = _date_styles(_small_xml(archive, styles, names))


def _small_xml(archive: zipfile.ZipFile, name: str, names: set[str]) -> Any:
    if name not in names:
        raise ValueError(f"no {name}")
    # Bounded: _check_members has seen what every member unpacks to. S314: ElementTree
    # resolves no external entity, and the expat it runs on (2.4.1 and later) refuses
    # entity expansion bombs.
    return fromstring(archive.read(name))  # noqa: S314


def _date_styles(styles: Any) -> dict[int, bool]:
    """The cell styles whose number format is a date or a duration (True), as openpyxl
    tells them apart: a number in such a cell is a day count."""
    formats = dict(BUILTIN_FORMATS)
    for number_format in styles.iter(f"{SHEET_NS}numFmt"):
        formats[int(number_format.get("numFmtId", "0"))] = number_format.get("formatCode", "")
    dates: dict[int, bool] = {}
    cell_styles = styles.find(f"{SHEET_NS}cellXfs")
    for index, style in enumerate(() if cell_styles is None else cell_styles):
        code = formats.get(int(style.get("numFmtId", "0")))
        if code and is_date_format(code):
            dates[index] = is_timedelta_format(code)
    return dates


def _parser() -> Any:
    # Expat refuses entity expansion bombs and resolves no external entity (see
    # _small_xml); names come namespace-qualified, whatever prefix a file uses.
    parser = ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    return parser


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
CELL, ROW, VALUE, TEXT = (_MAIN + tag for tag in ("c", "row", "v", "t"))
# A string's phonetic reading (Japanese furigana): its text is not the cell's.
PHONETIC = _MAIN + "rPh"
CHUNK = 1024 * 1024


def _shared_strings(source: IO[bytes]) -> list[str]:
    """The workbook's shared strings: each <si>'s text runs, without phonetic readings."""
    strings: list[str] = []
    parts: list[str] = []
    inside = [0]  # depth of <rPh> we are in

    def start(name: str, attrs: Any) -> None:
        if name == _MAIN + "si":
            parts.clear()
        elif name == PHONETIC:
            inside[0] += 1

    def end(name: str) -> None:
        if name == _MAIN + "si":
            strings.append("".join(parts))
        elif name == PHONETIC:
            inside[0] -= 1

    def text(data: str) -> None:
        if not inside[0]:
            parts.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    parser.ParseFile(source)
    return strings


class _SheetReader:
    """One pass of expat over the sheet, keeping only the rows of the chunk being read:
    each row's cells as text (as `table_rows` reads a CSV cell), in column order, a
    missing cell empty."""

    def __init__(self, book: _Workbook, limits: UploadLimits, deadline: Deadline) -> None:
        self.book, self.limits, self.deadline = book, limits, deadline
        self.done: list[tuple[int, list[str]]] = []
        self.number = 0
        self.cells: list[str] = []
        self.column = 0
        self.kind = "n"
        self.style = ""
        self.parts: list[str] = []
        self.collecting = False
        self.phonetic = False

    def rows(self, source: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
        parser = _parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        while chunk := source.read(CHUNK):
            parser.Parse(chunk, False)
            yield from self.done
            self.done.clear()
        parser.Parse(b"", True)
        yield from self.done

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == CELL:
            reference = attrs.get("r")
            self.column = _column_number(reference) if reference else self.column + 1
            if self.column > self.limits.max_columns:
                raise UploadRefused(
                    TOO_MANY_COLUMNS.format(count=self.column, limit=self.limits.max_columns),
                    row=self.number,
                )
            self.kind, self.style = attrs.get("t", "n"), attrs.get("s", "")
            self.parts = []
        elif name == VALUE or (name == TEXT and self.kind == "inlineStr" and not self.phonetic):
            # The text of <v>, or of an inline string's <t> runs; a formula's <f> is not.
            self.collecting = True
        elif name == ROW:
            number = attrs.get("r")
            self.number = int(number) if number else self.number + 1
            self.deadline.check(self.number)
            self.cells, self.column = [], 0
        elif name == PHONETIC:
            self.phonetic = True

    def end(self, name: str) -> None:
        if name == CELL:
            value = self.value("".join(self.parts))
            missing = self.column - len(self.cells) - 1
            if missing > 0:
                self.cells.extend([""] * missing)
            if missing >= 0:
                self.cells.append(value)
            else:  # a cell given twice: the last one counts, as in openpyxl
                self.cells[self.column - 1] = value
        elif name == ROW:
            self.done.append((self.number, self.cells))
        elif name == PHONETIC:
            self.phonetic = False
        self.collecting = False

    def text(self, data: str) -> None:
        if self.collecting:
            self.parts.append(data)

    def value(self, text: str) -> str:
        """The cell as text: a string stripped, a whole number without ".0", a date in
        ISO form, TRUE and FALSE as yes and no."""
        kind = self.kind
        if kind == "n":
            if not text:
                return ""
            number = float(text) if any(c in text for c in ".eE") else int(text)
            style = int(self.style) if self.style else 0
            if style in self.book.dates:
                moment = from_excel(number, self.book.epoch, timedelta=self.book.dates[style])
                return moment.isoformat() if hasattr(moment, "isoformat") else str(moment)
            if isinstance(number, float) and number.is_integer():
                return str(int(number))
            return str(number)
        if kind == "s":
            return self.book.shared[int(text)].strip() if text else ""
        if kind == "b":
            return ("yes" if int(text) else "no") if text else ""
        return text.strip()  # inlineStr, str (a formula's text), e (an error), d (ISO)


def _column_number(reference: str) -> int:
    """B7 -> 2: the column of a cell reference."""
    number = 0
    for character in reference:
        if "A" <= character <= "Z":
            number = number * 26 + ord(character) - 64
        elif "a" <= character <= "z":
            number = number * 26 + ord(character) - 96
        else:
            break
    if not number:
        raise ValueError(f"no column in {reference}")
    return number
