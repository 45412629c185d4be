"""The first sheet of an uploaded XLSX workbook, as rows of text (`xlsx_rows`), within the
upload bounds of cim/uploads.py.

An XLSX file is a zip of XML files. Before any of it is read, the zip's directory is read
with zipfile: the sizes it declares bound what zipfile will ever inflate (it stops at the
declared size and fails the CRC check past it), so a zip bomb is refused from its
directory alone. The first worksheet is then read twice, a chunk at a time (inflating
50 MB of XML takes 0.1 s):

1. expat checks that it is well-formed, with no handler per element, and whether it is
   *plain* (`_plain_prefix`): the XML spreadsheet programs write, where a regular
   expression finds each cell exactly where expat would;
2. a plain sheet is read with regular expressions (`_PlainSheetReader`): a row of common
   cells in the forms its columns have shown, with one match for the whole row; any other
   row with one match per cell; any other sheet with expat calling Python for every
   element (`_SheetReader`); each row's cells refused past the cells bound before the row
   is built.

A large district's drill-down extract (65,000 rows, 1 million cells, 50 MB of XML) took
expat calling Python 3.4 s on a quiet machine, most of it in the calls themselves; side by
side on a loaded one, expat calling Python took 5.5 s of CPU and the two passes 2.0 s.
`python bench/drilldown.py` (read, check and count the extract's tables), medians of six
runs alternated with the previous version on a shared 2-core machine under a load of 4 to
7: one match per cell, 2.1 s of CPU (3.4 s on the clock); one per row, 1.47 s (2.4 s on
the clock, 1.9 s at the lighter load), peak 42 MB. Of that, the first pass takes 0.48 s
(expat alone 0.35 s; it holds the GIL, so a thread cannot run it beside the reading), the
reading 0.38 s, checking the rows as a CSV's are 0.42 s, and counting the tables 0.24 s.
Not with openpyxl: it reads a sheet without a declared size twice, builds objects
for every cell, and builds a whole row before yielding it (a 20 MB sheet of one row of
empty cells took it 1.6 GB); the same extract took it some 30 s. Nor with python-calamine:
it builds a dense range from the first to the last cell reference, so a small file with
one far cell (XFD1048576) fills the memory. lxml, building elements, took longer than
expat calling Python."""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import ParseError, fromstring
from xml.parsers.expat import ExpatError, ParserCreate

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from cim.uploads import (
    TOO_MANY_COLUMNS,
    Deadline,
    UploadLimits,
    UploadRefused,
    column_letter,
    size_words,
)

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
                prefix = _plain_prefix(source)
            with archive.open(book.sheet) as source:
                if prefix is None:
                    yield from _SheetReader(book, limits, deadline).rows(source)
                else:
                    yield from _PlainSheetReader(book, limits, deadline, prefix).rows(source)
        # IndexError: a shared string the workbook does not have; OverflowError: a date
        # past the calendar.
        except (
            zipfile.BadZipFile, ExpatError, ParseError, ValueError, OSError, EOFError,
            IndexError, OverflowError,
        ):  # fmt: skip
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
            value = _cell_text(self.book, self.kind, self.style, "".join(self.parts))
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


def _cell_text(book: _Workbook, kind: str, style: str, text: str) -> str:
    """A cell as text, from its type (`t`), style (`s`) and the text of its value: a string
    stripped, a whole number without ".0", a date in ISO form, TRUE and FALSE as yes and
    no."""
    if kind == "n":
        if not text:
            return ""
        number = float(text) if any(c in text for c in ".eE") else int(text)
        index = int(style) if style else 0
        if index in book.dates:
            moment = from_excel(number, book.epoch, timedelta=book.dates[index])
            return moment.isoformat() if hasattr(moment, "isoformat") else str(moment)
        if isinstance(number, float) and number.is_integer():
            return str(int(number))
        return str(number)
    if kind == "s":
        return book.shared[int(text)].strip() if text else ""
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


# --- The fast path: a plain sheet, read with regular expressions ----------------------------


MAIN_NS = _MAIN.rstrip()
_ATTRIBUTE = re.compile(r"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ROW_NUMBER = re.compile(r'row r="([0-9]+)"')
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Past this many distinct numbers a sheet's numbers are converted each time, not kept.
NUMBERS_KEPT = 10_000
# The rows of common cells are read whole once learned; past this many new column forms,
# or more rows that do not match than rows that do (past the first few), a sheet is read
# a cell at a time to its end.
WHOLE_ROW_BUILDS = 32
WHOLE_ROW_MISSES = 256


def _plain_prefix(source: IO[bytes]) -> str | None:
    """Check that the sheet is well-formed XML (raises ExpatError if not), with expat and no
    handler per element, and say whether it is plain: then the prefix its elements carry
    ("" or "x:"); else None.

    Plain is what spreadsheet programs write, and what lets a regular expression read the
    sheet exactly as expat would: UTF-8; no comment, CDATA section, processing instruction
    or DOCTYPE (so no entity but the five XML ones and character references); every `<`
    opens a tag and every `>` closes one (as many of each, so no `>` in an attribute or a
    text); the main namespace declared once, on the root element, for one prefix that is
    bound to nothing else anywhere, so that `<x:c` is a cell wherever it stands."""
    parser = ParserCreate(namespace_separator=" ")
    root: list[int] = []
    declared: list[tuple[str, str | None, int]] = []
    plain = [True]

    def root_element(name: str, attrs: Any) -> None:
        root.append(parser.CurrentByteIndex)
        parser.StartElementHandler = None  # the root only: a call per element costs 3 s

    def declaration(prefix: str | None, uri: str | None) -> None:
        declared.append((prefix or "", uri, parser.CurrentByteIndex))

    def xml_declaration(version: str, encoding: str | None, standalone: int) -> None:
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            plain[0] = False

    def unusual(*args: Any) -> None:
        plain[0] = False

    parser.StartElementHandler = root_element
    parser.StartNamespaceDeclHandler = declaration
    parser.XmlDeclHandler = xml_declaration
    parser.CommentHandler = parser.ProcessingInstructionHandler = unusual
    parser.StartCdataSectionHandler = parser.StartDoctypeDeclHandler = unusual
    chunk = source.read(CHUNK)
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, which expat reads too
        plain[0] = False
    balance = 0
    while chunk:
        parser.Parse(chunk, False)
        balance += chunk.count(b"<") - chunk.count(b">")
        chunk = source.read(CHUNK)
    parser.Parse(b"", True)
    prefixes = {prefix for prefix, uri, _ in declared if uri == MAIN_NS}
    if not plain[0] or balance or len(prefixes) != 1:
        return None
    [prefix] = prefixes
    for name, uri, at in declared:
        if (name == prefix or uri == MAIN_NS) and (name, uri, at) != (prefix, MAIN_NS, root[0]):
            return None
    return f"{prefix}:" if prefix else ""


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))


def _xml_text(raw: str) -> str:
    """Text as expat gives it: line ends as \\n, entities and character references replaced."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _ENTITY.sub(_entity, raw) if "&" in raw else raw


def _attributes(tag: str) -> dict[str, str]:
    """The attributes of a start tag, as expat gives them: white space as spaces."""
    return {
        name: _xml_text(re.sub(r"[\t\n\r]", " ", double or single))
        for name, double, single in _ATTRIBUTE.findall(tag)
    }


class _PlainSheetReader:
    """Reads a plain sheet (`_plain_prefix`) a chunk at a time, one match of `tokens` per
    cell and per row start, keeping only the rows of the chunk being read, and gives what
    _SheetReader gives for it. The common cell (`<c r="B7" s="1" t="s"><v>3</v></c>`, an
    inline string of one run, or empty: `<c r="B7"/>`, or openpyxl's `<c r="B7" />`) is
    read from the match alone; any other cell (a formula, rich text, no reference) from
    its own XML.

    A table's rows are mostly alike: each column's cells of one type and style. A row of
    common cells, one after the other from its start tag to its end tag, teaches each
    column's form (`learn`); then one expression reads every row of those forms whole,
    one match per row (`read_rows`), and any other row is read a token at a time as
    before. Per cell, a match costs more than the cell's own text: whole rows take half
    the time."""

    def __init__(
        self, book: _Workbook, limits: UploadLimits, deadline: Deadline, prefix: str
    ) -> None:
        self.book, self.limits, self.deadline = book, limits, deadline
        p = re.escape(prefix)
        self.tokens = re.compile(
            rf'<{p}(?:c r="([A-Z]{{1,3}})[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
            rf"\s*(?:/>|>(?:<{p}v>([^<]*)</{p}v>|<{p}is><{p}t>([^<]*)</{p}t></{p}is>)?</{p}c>)"
            rf"|(c(?=[\s/>])[^>]*?(?:/>|>.*?</{p}c\s*>))"
            rf"|(row(?=[\s/>])[^>]*>))",
            re.DOTALL,
        )
        # The last cell or row start of a chunk: what follows it may not have arrived yet.
        self.last_start = re.compile(rf".*(<{p}(?:c|row)[\s/>])", re.DOTALL)
        self.phonetic = re.compile(rf"<{p}rPh(?=[\s/>])(?:[^>]*/>|.*?</{p}rPh\s*>)", re.DOTALL)
        self.texts = re.compile(rf"<{p}(v|t)(?=[\s/>])[^>]*?(?:/>|>([^<]*)</{p}\1\s*>)")
        self.letters = {column_letter(n): n for n in range(1, limits.max_columns + 1)}
        self.shared = [text.strip() for text in book.shared]
        self.numbers: dict[tuple[str, str], str] = {}
        self.number = 0
        self.column = 0
        self.cells: list[str] | None = None
        self.prefix = p
        self.row_end = f"</{prefix}row>"
        # The rows read whole (`read_rows`): the form of each column's cells, learned from
        # the rows read a cell at a time, and the one expression that reads such rows.
        self.forms: dict[int, tuple[str, str, str]] = {}  # column -> (style, kind, form)
        self.whole_rows: re.Pattern[str] | None = None
        self.converters: list[Any] | None = []  # None: str.strip for every column
        self.learning = True
        self.rebuilds = self.hits = self.misses = 0

    def rows(self, source: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        # The text from the last cell or row start on, in pieces: one cell longer than a
        # chunk, or the end of the sheet, is joined once rather than once per chunk.
        pending: list[str] = []
        while chunk := source.read(CHUNK):
            text = decoder.decode(chunk)
            # A start cut in two by the chunk's end is not found: the cut is then at an
            # earlier start, as good a place.
            last = self.last_start.match(text)
            if last is None:
                pending.append(text)
                continue
            pending.append(text[: last.start(1)])
            yield from self.read("".join(pending))
            pending = [text[last.start(1) :]]
        pending.append(decoder.decode(b"", final=True))
        yield from self.read("".join(pending))
        if self.cells is not None:
            yield self.number, self.cells

    def read(self, text: str) -> list[tuple[int, list[str]]]:
        done: list[tuple[int, list[str]]] = []
        escaped = "&" in text or "\r" in text
        at, end = 0, len(text)
        while at < end:
            if self.whole_rows is not None:
                at = self.read_rows(self.whole_rows, text, at, done, escaped)
            if at < end:
                at = self.read_tokens(text, at, done, escaped)
        return done

    def read_rows(
        self,
        whole_rows: re.Pattern[str],
        text: str,
        at: int,
        done: list[tuple[int, list[str]]],
        escaped: bool,
    ) -> int:
        """Read the rows from `at` on that `whole_rows` reads, one match per row, as the
        tokens would read them; return where the first other row (or text) starts."""
        match_row, converters = whole_rows.match, self.converters
        cells, column, read = self.cells, self.column, 0
        while row := match_row(text, at):
            read += 1
            if cells is not None:
                done.append((self.number, cells))
            groups = row.groups()
            self.number = int(groups[0])
            self.deadline.check(self.number)
            # The value of each column to the last cell written; None for a cell missing
            # or empty: the last group that matched is that last cell's.
            values = groups[1 : row.lastindex : 2]
            if escaped:
                values = tuple(_xml_text(value) if value else "" for value in values)
            if converters is None:  # every column text: the common case, in half the time
                cells = [value.strip() if value else "" for value in values]
            else:
                cells = [
                    convert(value) if value else ""
                    # A row ends at its last cell: values may be fewer than the columns.
                    for convert, value in zip(converters, values, strict=False)
                ]
            column = len(cells)
            at = row.end()
        self.cells, self.column, self.hits = cells, column, self.hits + read
        return at

    def read_tokens(
        self, text: str, at: int, done: list[tuple[int, list[str]]], escaped: bool
    ) -> int:
        """Read the cells and row starts from `at` on a token at a time, learning the form
        of each column from rows of common cells; return where the second row start is
        (to read from there whole rows) or the end."""
        letters, shared, column, cells = self.letters, self.shared, self.column, self.cells
        stop = self.whole_rows is not None or self.learning
        learned: list[tuple[int, str, str, str]] | None = None
        after = at  # where the last token learned from ends
        for token in self.tokens.finditer(text, at):
            reference, style, kind, value, inline, other, row = token.groups("")
            if row:
                if stop and token.start() > at:
                    if learned is not None and text.startswith(self.row_end, after):
                        self.learn(learned)
                    self.misses += 1
                    if self.misses > WHOLE_ROW_MISSES and self.misses > self.hits:
                        self.whole_rows, self.learning = None, False
                    self.column, self.cells = column, cells
                    return token.start()
                if cells is not None:
                    done.append((self.number, cells))
                self.number = self.row_number(row)
                self.deadline.check(self.number)
                column, cells = 0, None if row.endswith("/>") else []
                if cells is None:
                    done.append((self.number, []))
                if self.learning:
                    plain_row = cells is not None and _ROW_NUMBER.match(row) is not None
                    learned, after = ([] if plain_row else None), token.end()
                continue
            if reference:
                column = letters.get(reference) or self.too_many(_column_number(reference))
                if escaped:
                    value, inline = _xml_text(value), _xml_text(inline)
                if kind == "inlineStr":
                    cell = (value or inline).strip()  # one of the two is there
                elif kind == "s":
                    cell = shared[int(value)] if value else ""
                elif kind and kind != "n":
                    cell = _cell_text(self.book, kind, style, value)
                else:
                    cell = self.number_text(style, value)
                if learned is not None:
                    if token.start() == after and (not learned or learned[-1][0] < column):
                        form = "v" if token.start(4) >= 0 else "is" if token.start(5) >= 0 else ""
                        learned.append((column, style, kind, form))
                        after = token.end()
                    else:
                        learned = None
            else:
                column, cell = self.other_cell(other, column)
                learned = None
            if cells is None:  # a cell outside any row: the expat reader's row too
                cells = []
            missing = column - len(cells) - 1
            if missing > 0:
                cells.extend([""] * missing)
            if missing >= 0:
                cells.append(cell)
            else:  # a cell given twice: the last one counts, as in openpyxl
                cells[column - 1] = cell
        self.column, self.cells = column, cells
        return len(text)

    def learn(self, row: list[tuple[int, str, str, str]]) -> None:
        """Take the form of each written cell of a row of common cells, one after the other
        from its start tag to its end tag, as its column's form; build `whole_rows` again
        if a column's form is new."""
        new = {column: (style, kind, form) for column, style, kind, form in row if form}
        if all(self.forms.get(column) == form for column, form in new.items()):
            return
        self.forms.update(new)
        self.rebuilds += 1
        if self.rebuilds > WHOLE_ROW_BUILDS:
            self.whole_rows, self.learning = None, False
            return
        p = self.prefix
        width = max(self.forms)
        slots: list[str] = []
        converters: list[Any] = []
        self.converters = converters
        # Each column's slot is possessive (?+): no other slot can match a cell that one
        # does, and with backtracking a row of 100 columns cost three times as much a cell
        # (the groups' marks are saved at every slot) and a row that does not match, the
        # square of its width.
        for column in range(1, width + 1):
            letter = column_letter(column)
            # Any empty cell reads as "", whatever its type and style (other_cell).
            empty = rf'<{p}c r="{letter}[0-9]+"[^>]*?(?:/>|></{p}c>)'
            if column not in self.forms:
                slots.append(rf"(?:{empty}()())?+")
                converters.append(str.strip)
                continue
            style, kind, form = self.forms[column]
            attributes = (f' s="{style}"' if style else "") + (f' t="{kind}"' if kind else "")
            start, end = (
                (f"<{p}v>", f"</{p}v>") if form == "v" else (f"<{p}is><{p}t>", f"</{p}t></{p}is>")
            )
            written = rf'<{p}c r="{letter}[0-9]+"{attributes}\s*>{start}([^<]*){end}</{p}c>'
            slots.append(rf"(?:(?:{written}|{empty})())?+")
            converters.append(self.converter(style, kind, form))
        self.whole_rows = re.compile(rf'<{p}row r="([0-9]+)"[^>]*(?<!/)>{"".join(slots)}</{p}row>')
        if all(convert is str.strip for convert in converters):
            self.converters = None

    def converter(self, style: str, kind: str, form: str) -> Any:
        """The text of a written cell of this form from the text of its value, as `read`
        takes it."""
        if kind == "inlineStr":
            return str.strip
        if form == "is":  # the <t> of a cell that is not an inline string: not its value
            return lambda value: ""
        if kind == "s":
            shared = self.shared
            return lambda value: shared[int(value)]
        if kind and kind != "n":
            book = self.book
            return lambda value: _cell_text(book, kind, style, value)
        number_text = self.number_text
        return lambda value: number_text(style, value)

    def number_text(self, style: str, value: str) -> str:
        # A district's extract repeats few numbers (ages, days) some 65,000 times each.
        key = (style, value)
        text = self.numbers.get(key)
        if text is None:
            text = _cell_text(self.book, "n", style, value)
            if len(self.numbers) < NUMBERS_KEPT:
                self.numbers[key] = text
        return text

    def other_cell(self, xml: str, column: int) -> tuple[int, str]:
        """(column, text) of a cell the tokens do not read whole, from its XML (`c ...>...</c>`
        or `c .../>`): its reference or the next column; the text of its <v>, and for an
        inline string of its <t> runs but not their phonetic reading."""
        head, _, body = xml.partition(">")
        attributes = _attributes(head[1:])
        reference = attributes.get("r")
        column = _column_number(reference) if reference else column + 1
        if column > self.limits.max_columns:
            self.too_many(column)
        kind = attributes.get("t", "n")
        parts = []
        if not head.endswith("/"):
            body = self.phonetic.sub("", body[: body.rindex("</")])
            for name, text in self.texts.findall(body):
                if name == "v" or kind == "inlineStr":
                    parts.append(text)
        return column, _cell_text(
            self.book, kind, attributes.get("s", ""), _xml_text("".join(parts))
        )

    def row_number(self, tag: str) -> int:
        written = _ROW_NUMBER.match(tag)
        number = written.group(1) if written else _attributes(tag[3:].rstrip("/")).get("r")
        return int(number) if number else self.number + 1

    def too_many(self, column: int) -> int:
        raise UploadRefused(
            TOO_MANY_COLUMNS.format(count=column, limit=self.limits.max_columns),
            row=self.number,
        )
