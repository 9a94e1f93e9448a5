"""Reading a ledger file (xlsx or CSV) into a header and rows of cell values."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.registry.imports.columns import looks_like_header

MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 10
Cell = object


@dataclass
class Table:
    """The header row (as text) and the data rows with their row numbers in the sheet."""

    headers: list[str]
    header_row: int  # 1-based row number of the header in the sheet
    rows: list[tuple[int, tuple[Cell, ...]]] = field(default_factory=list)


def file_kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xls"):
        raise DomainError(
            ErrorCode.IMPORT_FAILED,
            _("This is an old Excel file (.xls): open it in Excel or WPS and save it as .xlsx."),
            field="file",
        )
    raise DomainError(
        ErrorCode.IMPORT_FAILED, _("Please choose an Excel file (.xlsx) or a CSV file."),
        field="file",
    )


def _unreadable() -> DomainError:
    return DomainError(
        ErrorCode.IMPORT_FAILED,
        _("The file cannot be read: is it an Excel file (.xlsx) saved by Excel or WPS?"),
        field="file",
    )


# Untrusted XML: expat (2.4.1 and later, bundled with Python 3.11) never fetches external
# entities and limits entity amplification ("billion laughs"); openpyxl relies on the same.
_REL_NS = ("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}",
           "{http://purl.oclc.org/ooxml/officeDocument/relationships}")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_index(ref: str) -> int:
    index = 0
    for char in ref:
        if not char.isalpha():
            break
        index = index * 26 + (ord(char.upper()) - 64)
    return index - 1


def _number(text: str) -> Cell:
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    rid = None
    for element in workbook.iter():
        if _local(element.tag) == "sheet":
            rid = next((element.get(ns + "id") for ns in _REL_NS if element.get(ns + "id")), None)
            break
    rels = ElementTree.fromstring(  # noqa: S314
        archive.read("xl/_rels/workbook.xml.rels"))
    for element in rels.iter():
        if _local(element.tag) == "Relationship" and element.get("Id") == rid:
            target = element.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError("first sheet")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        stream = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings: list[str] = []
    with stream:
        for _event, element in ElementTree.iterparse(stream):  # noqa: S314
            if _local(element.tag) == "si":
                # Rich text has several runs; phonetic guides (rPh) are not part of the text.
                parts = [t.text or "" for t in _texts(element)]
                strings.append("".join(parts))
                element.clear()
    return strings


def _texts(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    for child in element:
        name = _local(child.tag)
        if name == "t":
            yield child
        elif name == "r":
            yield from (t for t in child if _local(t.tag) == "t")


def _fast_xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[Cell, ...]]:
    """The cell values of the first sheet, read straight from its XML: several times faster
    than openpyxl for the plain tables a ledger is (no styles, no dates are needed)."""
    with zipfile.ZipFile(stream) as archive:
        strings = _shared_strings(archive)
        expected_row = 1
        with archive.open(_first_sheet_path(archive)) as sheet:
            for _event, element in ElementTree.iterparse(sheet):  # noqa: S314
                if _local(element.tag) != "row":
                    continue
                number = int(element.get("r") or expected_row)
                while expected_row < number:  # rows left out of the file are empty
                    yield ()
                    expected_row += 1
                values: list[Cell] = []
                for cell in element:
                    if _local(cell.tag) != "c":
                        continue
                    ref = cell.get("r")
                    position = _column_index(ref) if ref else len(values)
                    while len(values) < position:
                        values.append(None)
                    kind = cell.get("t", "n")
                    value: Cell = None
                    if kind == "inlineStr":
                        inline = next((c for c in cell if _local(c.tag) == "is"), None)
                        if inline is not None:
                            value = "".join(t.text or "" for t in _texts(inline))
                    else:
                        v = next((c for c in cell if _local(c.tag) == "v"), None)
                        text = v.text if v is not None else None
                        if text is None:
                            value = None
                        elif kind == "s":
                            value = strings[int(text)]
                        elif kind == "n":
                            value = _number(text)
                        elif kind == "b":
                            value = text == "1"
                        elif kind == "e":
                            value = None
                        else:  # "str" (a formula's text) and "d" (an ISO date)
                            value = text
                    values.append(value)
                element.clear()
                expected_row = number + 1
                yield tuple(values)


def _xlsx_rows(stream: IO[bytes], limit: int | None = None) -> Iterator[tuple[Cell, ...]]:
    try:
        rows = list(islice(_fast_xlsx_rows(stream), limit))
    except zipfile.BadZipFile as exc:
        raise _unreadable() from exc
    except (KeyError, IndexError, ValueError, ElementTree.ParseError):
        stream.seek(0)  # not the plain layout the fast reader knows: openpyxl reads it
    else:
        yield from rows
        return
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable() from exc
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[Cell, ...]]:
    raw = stream.read()
    # Excel in China saves CSV as GB18030 (GBK); everything else writes UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _unreadable()
    for row in csv.reader(io.StringIO(text, newline="")):
        yield tuple(row)


def _blank(cells: tuple[Cell, ...]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _header_text(cell: Cell) -> str:
    if cell is None:
        return ""
    return str(cell).strip()


def read_table(stream: IO[bytes], name: str, *, header_only: bool = False) -> Table:
    """The header (the first row naming at least two known columns, within the first rows,
    else the first non-empty row) and the non-empty rows below it."""
    kind = file_kind(name)
    limit = HEADER_SEARCH_ROWS if header_only else None
    rows = _xlsx_rows(stream, limit) if kind == "xlsx" else _csv_rows(stream)
    table: Table | None = None
    first_nonblank: tuple[int, tuple[Cell, ...]] | None = None
    buffered: list[tuple[int, tuple[Cell, ...]]] = []
    number = 0
    for number, cells in enumerate(rows, start=1):
        if table is None:
            if _blank(cells):
                continue
            if looks_like_header(cells):
                table = Table(headers=[_header_text(c) for c in cells], header_row=number)
                if header_only:
                    return table
                continue
            if first_nonblank is None:
                first_nonblank = (number, cells)
            buffered.append((number, cells))
            if number >= HEADER_SEARCH_ROWS:
                # No recognised header: take the first non-empty row as the header.
                head_no, head = first_nonblank
                table = Table(headers=[_header_text(c) for c in head], header_row=head_no)
                if header_only:
                    return table
                table.rows.extend((n, c) for n, c in buffered if n > head_no and not _blank(c))
            continue
        if _blank(cells):
            continue
        table.rows.append((number, cells))
        if len(table.rows) > MAX_ROWS:
            raise DomainError(
                ErrorCode.IMPORT_FAILED,
                _("The file has more than %(max)s rows: please split it.") % {"max": MAX_ROWS},
                field="file",
            )
    if table is None and first_nonblank is not None:
        head_no, head = first_nonblank
        table = Table(headers=[_header_text(c) for c in head], header_row=head_no)
        table.rows.extend((n, c) for n, c in buffered if n > head_no and not _blank(c))
    if table is None or not any(table.headers):
        raise DomainError(
            ErrorCode.IMPORT_FAILED, _("The file is empty: no header row was found."),
            field="file",
        )
    # Trailing empty header cells come from formatted but unused columns.
    while table.headers and not table.headers[-1]:
        table.headers.pop()
    return table
