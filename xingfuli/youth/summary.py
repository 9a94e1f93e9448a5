"""The youth palace's section of the community summary: sessions held and participant-times
this year, counted from the shared scheduling mechanism's sessions and attendance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.core.scheduling_models import Booking, Session
from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND


class YouthSummaryOut(Schema):
    youth_activities: int = Field(
        description="Youth palace sessions held this year (courses, weekend training, holiday "
                    "care days): started by now, not cancelled."
    )
    youth_participations: int = Field(
        description="Participant-times this year: children checked in at youth palace sessions."
    )


@summary_section(
    "youth",
    schema=YouthSummaryOut,
    cards=(
        SummaryCard("youth_activities", _("Youth palace activities this year")),
        SummaryCard("youth_participations", _("Youth palace participant-times this year")),
    ),
)
def youth_section(ctx: SummaryContext) -> dict[str, Any]:
    """Two counts."""
    start = ctx.start_of(dt.date(ctx.today.year, 1, 1))
    held = Session.objects.filter(
        community=ctx.community, series__owner_kind=COURSE_KIND,
        status=Session.Status.SCHEDULED, starts_at__gte=start, starts_at__lte=ctx.now,
    ).count()
    attended = Booking.objects.filter(
        community=ctx.community, attendee_kind=CHILD_KIND,
        session__series__owner_kind=COURSE_KIND, session__starts_at__gte=start,
        session__starts_at__lte=ctx.now, checked_in_at__isnull=False,
    ).count()
    return {"youth_activities": held, "youth_participations": attended}
