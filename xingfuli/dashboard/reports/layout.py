"""What the report says, shared by the workbook and the PDF: titles and labelled rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xingfuli.dashboard.board import month_label
from xingfuli.dashboard.reports.content import MonthlyFigures
from xingfuli.requests.selectors import Kpi

Value = int | float | Decimal | None
Kind = Literal["number", "share", "hours"]

# Section titles (most are the board's and the menus' words).
OVERVIEW = gettext_lazy("The month at a glance")
YEAR = gettext_lazy("The year so far")
REQUESTS = gettext_lazy("Requests")
BY_CATEGORY = gettext_lazy("Requests by category")
BY_GRID = gettext_lazy("Requests by grid")
VISITS = gettext_lazy("Household visits")
SERVICES = gettext_lazy("Canteen, volunteers, youth")
CANTEEN = gettext_lazy("Elderly canteen")
STATION = gettext_lazy("Civilization practice station")
YOUTH = gettext_lazy("Micro youth palace")
DELIBERATION = gettext_lazy("Deliberation pavilions")
ELEVATORS = gettext_lazy("Elevator retrofits")
TRENDS = gettext_lazy("Trends by month")

# (trend series, label), in the order of the trend sheet and the PDF's charts.
TREND_SERIES: tuple[tuple[str, str | Promise], ...] = (
    ("requests_resolved", gettext_lazy("Matters resolved")),
    ("meals_served", gettext_lazy("Meals served")),
    ("volunteer_activities", gettext_lazy("Activities held")),
    ("youth_activities", gettext_lazy("Youth palace sessions")),
    ("youth_participations", gettext_lazy("Participant-times")),
)


@dataclass(frozen=True)
class Row:
    label: str
    value: Value
    kind: Kind = "number"

    @property
    def shown(self) -> str:
        return shown(self.value, self.kind)


def shown(value: Value, kind: Kind = "number") -> str:
    if value is None:
        return "—"
    if kind == "share":
        return number_format(round(float(value) * 100, 1), 1) + "%"
    if kind == "hours":
        return number_format(value, 1, force_grouping=True)
    return number_format(value, force_grouping=True)


def title(figures: MonthlyFigures) -> str:
    return _("Monthly report of %(community)s, %(month)s") % {
        "community": figures.community.name, "month": month_name(figures),
    }


def month_name(figures: MonthlyFigures) -> str:
    return date_format(figures.period.month, "YEAR_MONTH_FORMAT")


def facts(figures: MonthlyFigures) -> list[tuple[str, str]]:
    c = figures.community
    return [
        (_("Community"), c.name),
        (_("Street"), f"{c.street.district.name} {c.street.name}"),
        (_("Month"), month_name(figures)),
        (_("Figures as of"), date_format(figures.period.as_of, "DATE_FORMAT")),
        (_("Generated"), date_format(figures.generated_at, "DATETIME_FORMAT")),
    ]


def request_rows(kpi: Kpi) -> list[Row]:
    return [
        Row(_("Requests received"), kpi.dispatched),
        Row(_("Answered in time"), kpi.responded_in_time),
        Row(_("Resolved"), kpi.resolved),
        Row(_("Resolved on time"), kpi.resolved_in_time),
        Row(_("Followed up"), kpi.followed_up),
        Row(_("Satisfied or basically satisfied"), kpi.satisfied),
        Row(_("Response rate"), kpi.response_rate, "share"),
        Row(_("Resolution rate"), kpi.resolution_rate, "share"),
        Row(_("Satisfaction rate"), kpi.satisfaction_rate, "share"),
        Row(_("On-time rate"), kpi.on_time_rate, "share"),
    ]


def overview_rows(f: MonthlyFigures) -> list[Row]:
    return [
        *request_rows(f.requests),
        Row(_("Matters closed this month"), f.matters_closed),
        Row(_("Household visits this month"), f.visits),
        Row(_("Meals served this month"), f.meals_served),
        Row(_("Volunteer activities this month"), f.volunteer_activities),
        Row(_("Volunteer service hours this month"), f.volunteer_hours, "hours"),
        Row(_("Youth palace sessions this month"), f.youth_activities),
        Row(_("Youth palace participant-times this month"), f.youth_participations),
        Row(_("Topics decided this month"), len(f.topics_decided)),
        Row(_("Elevators in use"), f.elevators["in_use"]),
        Row(_("Elevators being installed"), f.elevators["installing"]),
        Row(_("Elevator projects in preparation"), f.elevators["preparing"]),
    ]


def year_rows(f: MonthlyFigures) -> list[Row]:
    s = f.summary
    return [
        Row(_("Matters resolved this year"), s["matters_resolved_year"]),
        Row(_("Household visits this year"), s["visits_year"]),
        Row(_("Meals served this year"), s["meals_served_year"]),
        Row(_("Activities held this year"), s["activities_year"]),
        Row(_("Volunteer service hours this year"), s["volunteer_hours_year"], "hours"),
        Row(_("Youth palace sessions this year"), s["youth_activities"]),
        Row(_("Participant-times this year"), s["youth_participations"]),
        Row(_("Topics decided this year"), s["topics_decided_year"]),
    ]


def service_rows(f: MonthlyFigures) -> list[tuple[str, list[Row]]]:
    return [
        (str(CANTEEN), [Row(_("Meals served this month"), f.meals_served)]),
        (str(STATION), [
            Row(_("Volunteer activities this month"), f.volunteer_activities),
            Row(_("Volunteer service hours this month"), f.volunteer_hours, "hours"),
        ]),
        (str(YOUTH), [
            Row(_("Youth palace sessions this month"), f.youth_activities),
            Row(_("Youth palace participant-times this month"), f.youth_participations),
        ]),
    ]


def kpi_headers(first: str) -> list[str]:
    return [first, *(row.label for row in request_rows(_EMPTY_KPI))]


def kpi_table(kpis: Sequence[Kpi]) -> list[list[Row]]:
    return [request_rows(kpi) for kpi in kpis]


def trend_months(f: MonthlyFigures) -> list[str]:
    return [month_label(m) for m in f.trends.months]


_EMPTY_KPI = Kpi(key=None, name="", dispatched=0, responded_in_time=0, resolved=0,
                 resolved_in_time=0, followed_up=0, satisfied=0, median_seconds_to_resolve=None)
