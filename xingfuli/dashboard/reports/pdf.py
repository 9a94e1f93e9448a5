"""The monthly report as a PDF: Chinese text and tables through `xingfuli.core.pdf`, charts
drawn with reportlab.graphics (a bar chart of the month-by-month figures, a line chart of the
youth palace)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from xingfuli.core import pdf
from xingfuli.dashboard.reports import layout
from xingfuli.dashboard.reports.content import MonthlyFigures
from xingfuli.dashboard.reports.layout import Row

PALETTE = (colors.HexColor("#1f5f9e"), colors.HexColor("#d9822b"), colors.HexColor("#3d8b3d"),
           colors.HexColor("#9e3d64"), colors.HexColor("#6b5b95"))
WIDTH = 180 * mm


def _two_columns(rows: Sequence[Row]) -> Any:
    return pdf.table([[r.label, r.shown] for r in rows], header=False,
                     col_widths=[120 * mm, 60 * mm])


def _kpi_table(first: str, named: Sequence[tuple[str, Sequence[Row]]]) -> Any:
    # Counts only (the rates are in the workbook): a table narrow enough for A4.
    headers = layout.kpi_headers(first)
    keep = [0, 1, 3, 4, 6, 9, 10]  # name, received, resolved, on time, satisfied, 2 rates
    rows = [[headers[i] for i in keep]]
    for name, cells in named:
        values = [name, *(c.shown for c in cells)]
        rows.append([values[i] for i in keep])
    return pdf.table(rows, font_size=9, col_widths=[36 * mm] + [24 * mm] * 6)


def _legend(x: float, y: float, names: Sequence[str]) -> Any:
    legend: Any = Legend()
    legend.x, legend.y = x, y
    legend.fontName = pdf.FONT
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 6
    legend.deltax = 70
    legend.colorNamePairs = list(zip(PALETTE, names, strict=False))
    return legend


def _axes(chart: Any, series: list[tuple[str, list[int]]]) -> None:
    """Chinese month names; a value axis in whole numbers from 0 (also when all are 0)."""
    chart.categoryAxis.labels.fontName = pdf.FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = pdf.FONT
    chart.valueAxis.labels.fontSize = 7
    top = max([1, *(v for _name, values in series for v in values)])
    step = max(1, math.ceil(top / 5))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = step * math.ceil(top / step)


def bar_chart(title: str, months: list[str], series: list[tuple[str, list[int]]]) -> Drawing:
    drawing = Drawing(WIDTH, 70 * mm)
    drawing.add(String(0, 66 * mm, title, fontName=pdf.FONT, fontSize=11))
    chart: Any = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width, chart.height = WIDTH - 20 * mm, 44 * mm
    chart.data = [values for _name, values in series] or [[0]]
    chart.categoryAxis.categoryNames = months
    _axes(chart, series)
    for i in range(len(series)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
    drawing.add(chart)
    drawing.add(_legend(12 * mm, 4 * mm, [name for name, _values in series]))
    return drawing


def line_chart(title: str, months: list[str], series: list[tuple[str, list[int]]]) -> Drawing:
    drawing = Drawing(WIDTH, 70 * mm)
    drawing.add(String(0, 66 * mm, title, fontName=pdf.FONT, fontSize=11))
    chart: Any = HorizontalLineChart()
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width, chart.height = WIDTH - 20 * mm, 44 * mm
    chart.data = [values for _name, values in series] or [[0]]
    chart.categoryAxis.categoryNames = months
    _axes(chart, series)
    for i in range(len(series)):
        chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    drawing.add(_legend(12 * mm, 4 * mm, [name for name, _values in series]))
    return drawing


def pdf_bytes(f: MonthlyFigures) -> bytes:
    s = pdf.styles()
    title = layout.title(f)
    months = layout.trend_months(f)
    named = {name: (str(label), f.trends.series[name]) for name, label in layout.TREND_SERIES}
    story: list[Any] = [
        pdf.Paragraph(pdf.escape(title), s["title"]),
        pdf.table([[label, value] for label, value in layout.facts(f)], header=False,
                  col_widths=[40 * mm, 140 * mm]),
        pdf.Paragraph(pdf.escape(str(layout.OVERVIEW)), s["heading"]),
        _two_columns(layout.overview_rows(f)),
        pdf.Paragraph(pdf.escape(str(layout.YEAR)), s["heading"]),
        _two_columns(layout.year_rows(f)),
        pdf.Paragraph(pdf.escape(str(layout.REQUESTS)), s["heading"]),
        pdf.Paragraph(pdf.escape(str(layout.BY_CATEGORY)), s["body"]),
        _kpi_table(_("Category"), [
            (k.name or "—", cells) for k, cells in
            zip(f.requests_by_category, layout.kpi_table(f.requests_by_category), strict=True)
        ]),
        pdf.Spacer(1, 4 * mm),
        pdf.Paragraph(pdf.escape(str(layout.BY_GRID)), s["body"]),
        _kpi_table(_("Grid"), [
            (k.name or "—", cells) for k, cells in
            zip(f.requests_by_grid, layout.kpi_table(f.requests_by_grid), strict=True)
        ]),
        pdf.Paragraph(pdf.escape(str(layout.VISITS)), s["heading"]),
        pdf.table([[_("Grid"), _("Household visits this month")],
                   *[[name, layout.shown(n)] for name, n in f.visits_by_grid],
                   [_("Total"), layout.shown(f.visits)]], col_widths=[120 * mm, 60 * mm]),
    ]
    for heading, rows in layout.service_rows(f):
        story += [pdf.Paragraph(pdf.escape(heading), s["heading"]), _two_columns(rows)]
    story += [
        pdf.Paragraph(pdf.escape(str(layout.DELIBERATION)), s["heading"]),
        pdf.table([[_("Topic"), _("Status"), _("Decided on")],
                   *[[t.title, t.status, t.decided_on.isoformat() if t.decided_on else "—"]
                     for t in f.topics_decided]], col_widths=[110 * mm, 40 * mm, 30 * mm])
        if f.topics_decided else
        pdf.Paragraph(pdf.escape(_("No topic was decided this month.")), s["body"]),
        pdf.Paragraph(pdf.escape(str(layout.ELEVATORS)), s["heading"]),
        _two_columns([
            Row(_("Elevators in use"), f.elevators["in_use"]),
            Row(_("Elevators being installed"), f.elevators["installing"]),
            Row(_("Elevator projects in preparation"), f.elevators["preparing"]),
        ]),
        pdf.PageBreak(),
        bar_chart(str(layout.TRENDS), months, [
            named["requests_resolved"], named["meals_served"], named["volunteer_activities"],
        ]),
        pdf.Spacer(1, 6 * mm),
        line_chart(str(layout.YOUTH), months, [
            named["youth_activities"], named["youth_participations"],
        ]),
    ]
    return pdf.render(story, title=title, footer=title)
