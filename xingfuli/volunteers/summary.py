"""The station's section of the community summary: teams, volunteers, activities, hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.core import scheduling as sch
from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.volunteers.models import ServiceRecord, Volunteer, VolunteerTeam
from xingfuli.volunteers.services import hours_of


class VolunteersSummaryOut(Schema):
    volunteer_teams: int = Field(description="Active volunteer teams of the station.")
    volunteers: int = Field(description="Active registered volunteers.")
    activities_year: int = Field(
        description="Activities with at least one session (not cancelled) held this year up "
                    "to now; a weekly class counts once."
    )
    volunteer_hours_year: float = Field(
        description="Approved service hours with a service date this year (one decimal)."
    )


def activities_held(community_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """Activities with at least one session (not cancelled) that started in [start, end]: a
    weekly class counts once. One query."""
    return (
        sch.Session.objects.filter(
            community_id=community_id, series__module="volunteers",
            series__owner_kind="volunteers.activity", status=sch.Session.Status.SCHEDULED,
            starts_at__gte=start, starts_at__lte=end,
        ).values("series__owner_id").distinct().count()
    )


@summary_section(
    "volunteers",
    schema=VolunteersSummaryOut,
    cards=(
        SummaryCard("volunteer_teams", _("Volunteer teams")),
        SummaryCard("activities_year", _("Activities held this year")),
    ),
)
def volunteers_section(ctx: SummaryContext) -> dict[str, Any]:
    """Four queries over the records."""
    cid = ctx.community.pk
    start = ctx.start_of(ctx.today.replace(month=1, day=1))
    activities = activities_held(cid, start, ctx.now)
    minutes = ServiceRecord.objects.filter(
        community_id=cid, status=ServiceRecord.Status.APPROVED,
        service_date__year=ctx.today.year,
    ).aggregate(m=Sum("minutes", default=0))["m"]
    return {
        "volunteer_teams": VolunteerTeam.objects.filter(community_id=cid, active=True).count(),
        "volunteers": Volunteer.objects.filter(community_id=cid, active=True).count(),
        "activities_year": activities,
        "volunteer_hours_year": float(hours_of(minutes)),
    }
