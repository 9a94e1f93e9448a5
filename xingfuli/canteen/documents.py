"""Printed documents of the canteen (core.pdf) and its Excel exports (core.exports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.units import mm

from xingfuli.canteen import selectors
from xingfuli.canteen.models import Canteen, DeliveryRun, MenuDay
from xingfuli.core import pdf
from xingfuli.core.exports import CellValue, Exporter

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def menu_poster(*, canteen: Canteen, week_start: dt.date, days: Sequence[MenuDay],
                url: str) -> bytes:
    """The week's menu in big type for the canteen's wall, with a QR code to the phone page."""
    s = pdf.styles()
    end = week_start + dt.timedelta(days=6)
    story: list[object] = [
        pdf.Paragraph(pdf.escape(canteen.name), s["big"]),
        pdf.Paragraph(_("Menu of the week %(start)s – %(end)s") % {
            "start": week_start.strftime("%m-%d"), "end": end.strftime("%m-%d")}, s["title"]),
        pdf.Paragraph(_("Every meal: two meat dishes, two vegetable dishes, one soup, one rice "
                        "(两荤两素一汤一饭) · ¥%(price)s · lunch from %(time)s") % {
            "price": canteen.meal_price, "time": canteen.serving_time.strftime("%H:%M")},
            s["body"]),
    ]
    rows: list[list[object]] = [[_("Day"), _("Dishes")]]
    for day in days:
        names = "、".join(d.name for d in day.dishes.all())
        rows.append([f"{WEEKDAY_NAMES[day.date.weekday()]} {day.date:%m-%d}", names])
    story.append(pdf.table(rows, col_widths=[40 * mm, 140 * mm], font_size=16))
    story.append(pdf.Spacer(1, 8 * mm))
    story.append(pdf.qr(url, size_mm=35))
    story.append(pdf.Paragraph(_("Scan to see the menu on your phone; phone %(phone)s to "
                                 "book.") % {"phone": canteen.phone or "—"}, s["small"]))
    return pdf.render(story, title=_("Weekly menu"), footer=canteen.name)  # type: ignore[arg-type]


def delivery_sheets(*, canteen: Canteen, day: dt.date, runs: Iterable[DeliveryRun]) -> bytes:
    """Per run: the stop list floor by floor, then one label per meal (name, address, diet)."""
    s = pdf.styles()
    story: list[object] = [pdf.Paragraph(_("Meal deliveries %(day)s") % {"day": day.isoformat()},
                                         s["title"])]
    labels: list[list[object]] = []
    for run in runs:
        stops = list(run.deliveries.all())
        if not stops:
            continue  # every meal of the run was cancelled: nothing to carry
        volunteer = run.volunteer.name if run.volunteer else pgettext("volunteer", "not assigned")
        story.append(pdf.Paragraph(_("Building %(b)s · %(n)s meals · volunteer: %(v)s") % {
            "b": run.building.number, "n": len(stops), "v": volunteer}, s["heading"]))
        rows: list[list[object]] = [[_("Floor"), _("Name"), _("Address"), _("Diet"),
                                     _("Delivered at")]]
        for stop in stops:
            diner = stop.order.diner
            if diner is None:
                continue
            flags = "、".join(selectors.flag_labels(diner.diet_flags))
            address = selectors.address_of(diner)
            rows.append([str(diner.resident.household.dwelling.floor), diner.resident.name,
                         address, flags, ""])
            labels.append([pdf.Paragraph(pdf.escape(f"{diner.resident.name}"), s["heading"]),
                           pdf.Paragraph(pdf.escape(address), s["body"]),
                           pdf.Paragraph(pdf.escape(flags or "—"), s["body"])])
        story.append(pdf.table(rows, col_widths=[14 * mm, 28 * mm, 75 * mm, 35 * mm, 28 * mm]))
    if labels:
        story.append(pdf.PageBreak())
        story.append(pdf.Paragraph(_("Labels"), s["heading"]))
        cells = [labels[i:i + 2] for i in range(0, len(labels), 2)]
        grid = [[_label_cell(c) for c in pair] + ([""] if len(pair) == 1 else [])
                for pair in cells]
        story.append(pdf.table(grid, col_widths=[90 * mm, 90 * mm], header=False))
    return pdf.render(story, title=_("Meal deliveries"), footer=canteen.name)  # type: ignore[arg-type]


def _label_cell(parts: list[object]) -> object:
    return parts


class StatementExporter(Exporter):
    sheet_title = "statement"

    def __init__(self, statement: selectors.Statement) -> None:
        self.statement = statement

    def headers(self) -> Sequence[str]:
        return [_("Day"), pgettext("meal", "How"), _("Price (yuan)"), _("Subsidy (yuan)"),
                _("Subsidy group"), _("To pay (yuan)"), _("Paid by")]

    def rows(self) -> Iterable[Sequence[CellValue]]:
        for o in self.statement.orders:
            yield [o.day, str(o.get_service_display()), o.price, o.subsidy,
                   selectors.group_labels({o.subsidy_group})[0] if o.subsidy_group else "",
                   o.amount_due, o.payer.name if o.payer else _("the diner")]
        st = self.statement
        yield [_("Total"), f"{st.meals}", st.price_total, st.subsidy_total, "", st.due_total, ""]
        for p in st.payments:
            how = (_("correction: %(reason)s") % {"reason": p.reason} if p.reverses_id
                   else str(p.get_method_display()))
            yield [p.paid_on, how, "", "", "", p.amount, p.recorded_by.name]
        yield [_("Paid (yuan)"), "", "", "", "", st.paid_total, ""]
        yield [_("Still to pay (yuan)"), "", "", "", "", st.outstanding, ""]


class ClaimExporter(Exporter):
    sheet_title = "subsidy claim"

    def __init__(self, rows: list[selectors.ClaimRow], total: object) -> None:
        self.claim_rows = rows
        self.total = total

    def headers(self) -> Sequence[str]:
        return [_("Diner"), _("Group"), _("Meals"), _("Subsidy (yuan)")]

    def rows(self) -> Iterable[Sequence[CellValue]]:
        for r in self.claim_rows:
            yield [r.name, selectors.group_labels({r.group})[0] if r.group else "", r.meals,
                   r.subsidy]
        yield [_("Total"), "", sum(r.meals for r in self.claim_rows), self.total]  # type: ignore[list-item]
