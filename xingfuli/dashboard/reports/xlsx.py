"""The monthly report as a workbook: one sheet per section, native charts on the trend sheet.

Every text cell goes through `escape_cell` (names and titles are typed by people: a category
called "=1+1" must not become a formula)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from xingfuli.core.exports import escape_cell
from xingfuli.dashboard.reports import layout
from xingfuli.dashboard.reports.content import MonthlyFigures
from xingfuli.dashboard.reports.layout import Row

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_FORMATS = {"share": "0.0%", "hours": "0.0", "number": "#,##0"}


def _put(sheet: Worksheet, row: int, col: int, value: Any, *, bold: bool = False,
         kind: str = "number") -> None:
    cell = sheet.cell(row=row, column=col, value=escape_cell(
        float(value) if kind == "hours" and value is not None else value))
    if bold:
        cell.font = _BOLD
    if isinstance(value, int | float) or kind == "hours":
        cell.number_format = _FORMATS[kind]


def _heading(sheet: Worksheet, row: int, text: str) -> int:
    cell = sheet.cell(row=row, column=1, value=escape_cell(text))
    cell.font = _TITLE
    return row + 1


def _rows(sheet: Worksheet, start: int, rows: Sequence[Row]) -> int:
    for offset, item in enumerate(rows):
        _put(sheet, start + offset, 1, item.label)
        _put(sheet, start + offset, 2, item.value, kind=item.kind)
    return start + len(rows) + 1


def _table(sheet: Worksheet, start: int, headers: Sequence[str],
           body: Sequence[tuple[str, Sequence[Row]]]) -> int:
    for col, header in enumerate(headers, start=1):
        _put(sheet, start, col, header, bold=True)
        sheet.cell(row=start, column=col).alignment = Alignment(wrap_text=True)
    for r, (name, cells) in enumerate(body, start=start + 1):
        _put(sheet, r, 1, name)
        for col, item in enumerate(cells, start=2):
            _put(sheet, r, col, item.value, kind=item.kind)
    return start + len(body) + 2


def _sheet(book: Workbook, name: str) -> Worksheet:
    sheet = book.create_sheet(title=name[:31])
    sheet.column_dimensions["A"].width = 36
    for letter in "BCDEFGHIJK":
        sheet.column_dimensions[letter].width = 14
    return sheet


def workbook_bytes(f: MonthlyFigures) -> bytes:
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)

    sheet = _sheet(book, str(layout.OVERVIEW))
    row = _heading(sheet, 1, layout.title(f))
    for label, value in layout.facts(f):
        _put(sheet, row, 1, label)
        _put(sheet, row, 2, value)
        row += 1
    row = _heading(sheet, row + 1, str(layout.OVERVIEW))
    row = _rows(sheet, row, layout.overview_rows(f))
    row = _heading(sheet, row, str(layout.YEAR))
    _rows(sheet, row, layout.year_rows(f))

    sheet = _sheet(book, str(layout.REQUESTS))
    row = _heading(sheet, 1, str(layout.REQUESTS))
    row = _rows(sheet, row, layout.request_rows(f.requests))
    row = _heading(sheet, row, str(layout.BY_CATEGORY))
    row = _table(sheet, row, layout.kpi_headers(_("Category")),
                 [(k.name or "—", cells) for k, cells in
                  zip(f.requests_by_category, layout.kpi_table(f.requests_by_category),
                      strict=True)])
    row = _heading(sheet, row, str(layout.BY_GRID))
    _table(sheet, row, layout.kpi_headers(_("Grid")),
           [(k.name or "—", cells) for k, cells in
            zip(f.requests_by_grid, layout.kpi_table(f.requests_by_grid), strict=True)])

    sheet = _sheet(book, str(layout.VISITS))
    row = _heading(sheet, 1, str(layout.VISITS))
    _table(sheet, row, [_("Grid"), _("Household visits this month")],
           [(name, [Row("", n)]) for name, n in f.visits_by_grid]
           + [(_("Total"), [Row("", f.visits)])])

    sheet = _sheet(book, str(layout.SERVICES))
    row = 1
    for heading, rows in layout.service_rows(f):
        row = _heading(sheet, row, heading)
        row = _rows(sheet, row, rows)

    sheet = _sheet(book, str(layout.DELIBERATION))
    row = _heading(sheet, 1, str(layout.DELIBERATION))
    for col, header in enumerate((_("Topic"), _("Status"), _("Decided on")), start=1):
        _put(sheet, row, col, header, bold=True)
    for topic in f.topics_decided:
        row += 1
        _put(sheet, row, 1, topic.title)
        _put(sheet, row, 2, topic.status)
        _put(sheet, row, 3, topic.decided_on)
        sheet.cell(row=row, column=3).number_format = "yyyy-mm-dd"
    row = _heading(sheet, row + 2, str(layout.ELEVATORS))
    _rows(sheet, row, [
        Row(_("Elevators in use"), f.elevators["in_use"]),
        Row(_("Elevators being installed"), f.elevators["installing"]),
        Row(_("Elevator projects in preparation"), f.elevators["preparing"]),
    ])

    _trend_sheet(book, f)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _trend_sheet(book: Workbook, f: MonthlyFigures) -> None:
    sheet = _sheet(book, str(layout.TRENDS))
    _put(sheet, 1, 1, _("Month"), bold=True)
    for col, (_name, label) in enumerate(layout.TREND_SERIES, start=2):
        _put(sheet, 1, col, str(label), bold=True)
    months = layout.trend_months(f)
    for r, month in enumerate(months, start=2):
        _put(sheet, r, 1, month)
        for col, (name, _label) in enumerate(layout.TREND_SERIES, start=2):
            _put(sheet, r, col, f.trends.series[name][r - 2])
    last = len(months) + 1
    labels = Reference(sheet, min_col=1, min_row=2, max_row=last)

    bars = BarChart()
    bars.type = "col"
    bars.title = str(layout.TRENDS)
    bars.y_axis.title = _("Number")
    bars.add_data(Reference(sheet, min_col=2, max_col=4, min_row=1, max_row=last),
                  titles_from_data=True)
    bars.set_categories(labels)
    bars.width, bars.height = 22, 10
    sheet.add_chart(bars, f"A{last + 3}")

    line = LineChart()
    line.title = str(layout.YOUTH)
    line.add_data(Reference(sheet, min_col=5, max_col=6, min_row=1, max_row=last),
                  titles_from_data=True)
    line.set_categories(labels)
    line.width, line.height = 22, 10
    sheet.add_chart(line, f"A{last + 25}")
