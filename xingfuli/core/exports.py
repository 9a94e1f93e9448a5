"""Exports: an exporter yields rows; one writer turns them into xlsx or CSV.

Cells that a spreadsheet would run as a formula (text starting with = + - @, or a tab or
carriage return) are written with a leading single quote, so that opening an export never runs
anything (CSV injection). Every module's exports subclass `Exporter`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from xingfuli.core.errors import DomainError, ErrorCode

CellValue = str | int | float | Decimal | date | datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def escape_cell(value: CellValue) -> CellValue:
    """Text that a spreadsheet would treat as a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Exporter:
    """Subclasses name the sheet and yield the header and the rows; nothing else."""

    sheet_title = "Sheet1"
    text_columns: frozenset[int] = frozenset()  # written as text in xlsx (ID numbers …)

    def headers(self) -> Sequence[str]:
        raise NotImplementedError

    def rows(self) -> Iterable[Sequence[CellValue]]:
        raise NotImplementedError


def write_xlsx(exporter: Exporter, out: IO[bytes]) -> int:
    """Write the exporter's rows as a workbook (openpyxl write-only); returns the row count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=exporter.sheet_title[:31])
    sheet.freeze_panes = "A2"
    header_cells = []
    for title in exporter.headers():
        cell = WriteOnlyCell(sheet, value=escape_cell(str(title)))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    text_columns = exporter.text_columns
    for row in exporter.rows():
        values: list[Any] = []
        for index, value in enumerate(row):
            value = escape_cell(value)
            if index in text_columns and value is not None:
                cell = WriteOnlyCell(sheet, value=str(value))
                cell.number_format = "@"
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)
        count += 1
    workbook.save(out)
    return count


def write_csv(exporter: Exporter, out: IO[bytes]) -> int:
    """Write the exporter's rows as UTF-8 CSV with a byte-order mark (Excel reads it right)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([escape_cell(str(h)) for h in exporter.headers()])
    count = 0
    for row in exporter.rows():
        writer.writerow(["" if v is None else escape_cell(v) for v in row])
        count += 1
    text.flush()
    text.detach()
    return count


def write(exporter: Exporter, out: IO[bytes], fmt: str) -> int:
    if fmt == "xlsx":
        return write_xlsx(exporter, out)
    if fmt == "csv":
        return write_csv(exporter, out)
    raise DomainError(ErrorCode.INVALID, _("Choose xlsx or CSV."), field="format")
