"""The 七个一 board: one panel per module with the article's headline figures, taken from the
summary document, and this year's trends by month (`trends.py`) for the charts.

Reads only: `board_for` runs the summary's fixed queries plus the five series' queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.dates import MONTHS_AP
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xingfuli.core.db_router import reads_from_replica
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, require
from xingfuli.core.selectors import access_community
from xingfuli.dashboard.selectors import community_summary
from xingfuli.dashboard.trends import Trends, community_trends
from xingfuli.survey.selectors import BOARD_LABELS, board_bars


@dataclass(frozen=True)
class Figure:
    key: str  # a key of the summary document
    label: str | Promise


@dataclass(frozen=True)
class Chart:
    id: str
    title: str | Promise
    series: tuple[tuple[str, str | Promise], ...]  # (trend series name, legend label)


@dataclass(frozen=True)
class Panel:
    key: str
    name: str | Promise  # the 七个一 name, e.g. 一"网"
    title: str | Promise
    figures: tuple[Figure, ...]
    charts: tuple[Chart, ...] = ()


# In the article's order (DESIGN.md §1). The first figures are the article's numbers.
PANELS: tuple[Panel, ...] = (
    Panel("grid", _("One network"), _("Grid network"), (
        Figure("grids", _("Grids")),
        Figure("grid_staff", _("Grid staff")),
        Figure("matters_resolved_year", _("Matters resolved this year")),
    ), (Chart("requests_resolved", _("Matters resolved by month"),
              (("requests_resolved", _("Matters resolved")),)),)),
    Panel("property", _("One center"), _("Property service center"), (
        Figure("buildings", _("Buildings")),
        Figure("service_teams", _("Service teams")),
        Figure("renovated_buildings", _("Buildings renovated")),
    )),
    Panel("deliberation", _("One pavilion"), _("Deliberation pavilions"), (
        Figure("pavilions", _("Pavilions")),
        Figure("topics_decided_year", _("Topics decided this year")),
    )),
    Panel("elevators", _("One elevator"), _("Elevator retrofits"), (
        Figure("elevators_in_use", _("Elevators in use")),
        Figure("elevators_installing", _("Elevators being installed")),
        Figure("elevator_meetings", _("Discussion meetings")),
        Figure("elevator_site_visits", _("Site inspections")),
    )),
    Panel("canteen", _("One meal"), _("Elderly canteen"), (
        Figure("meals_served_year", _("Meals served this year")),
        Figure("meals_delivered_year", _("Meals delivered home this year")),
        Figure("diners", _("Diners")),
    ), (Chart("meals_served", _("Meals served by month"),
              (("meals_served", _("Meals served")),)),)),
    Panel("volunteers", _("One station"), _("Civilization practice station"), (
        Figure("volunteer_teams", _("Volunteer teams")),
        Figure("activities_year", _("Activities held this year")),
    ), (Chart("volunteer_activities", _("Activities by month"),
              (("volunteer_activities", _("Activities held")),)),)),
    Panel("youth", _("One palace"), _("Micro youth palace"), (
        Figure("youth_activities", _("Activities this year")),
        Figure("youth_participations", _("Participant-times this year")),
    ), (Chart("youth", _("Youth palace by month"),
              (("youth_activities", _("Activities")),
               ("youth_participations", _("Participant-times")))),)),
)


@dataclass(frozen=True)
class Board:
    community: Community
    as_of: dt.date
    panels: list[dict[str, Any]]
    charts: dict[str, Any]  # the charts' data, embedded with json_script
    survey: dict[str, Any] | None = None  # the 幸福指数 panel (survey_panel)


def access_board(*, actor: Any, slug: str) -> Community:
    """The community whose board `actor` may see: its staff (any role holding VIEW_DASHBOARD
    there) and the officers of its street. Outside the actor's scope it is a 404; inside it
    without the capability (a resident, a canteen cook) a 403."""
    community = access_community(actor=actor, slug=slug)
    require(actor, Capability.VIEW_DASHBOARD, community_id=community.pk)
    return community


def month_label(month: int) -> str:
    """Short month names in the current language (Django's own: "Jan." / 一月)."""
    return str(MONTHS_AP[month])


@reads_from_replica
def board_for(community: Community, *, today: dt.date | None = None) -> Board:
    summary = community_summary(community, today=today)
    trends = community_trends(community, today=summary["as_of"])
    panels = [
        {
            "key": panel.key, "name": panel.name, "title": panel.title,
            "figures": [
                {"key": f.key, "label": f.label, "value": summary[f.key],
                 "shown": number_format(summary[f.key], force_grouping=True)}
                for f in panel.figures
            ],
            "charts": [{"id": chart.id, "title": chart.title} for chart in panel.charts],
        }
        for panel in PANELS
    ]
    return Board(community=community, as_of=summary["as_of"], panels=panels,
                 charts=charts_data(trends), survey=survey_panel(community, summary))


def survey_panel(community: Community, summary: dict[str, Any]) -> dict[str, Any]:
    """The 幸福指数 panel: the index and answers of the latest closed run (or the one open
    while none is closed) from the summary, and a bar per question's mean (one query)."""
    period, bars = board_bars(community.pk)
    index = summary["happiness_index"]
    return {
        "index": index, "shown": "—" if index is None else number_format(index, 1),
        "responses": summary["survey_responses"], "period": period, "bars": bars,
        "labels": BOARD_LABELS,
    }


def charts_data(trends: Trends) -> dict[str, Any]:
    """What board.js draws: month labels and, per chart, its named series (plain JSON)."""
    return {
        "year": trends.year,
        "months": [month_label(m) for m in trends.months],
        "charts": {
            chart.id: {
                "title": str(chart.title),
                "series": [{"name": str(label), "data": trends.series[name]}
                           for name, label in chart.series],
            }
            for panel in PANELS for chart in panel.charts
        },
    }

