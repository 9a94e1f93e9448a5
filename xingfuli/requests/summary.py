"""The requests section of the community summary: matters resolved this year and the rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.requests.selectors import community_year_figures


class RequestsSummaryOut(Schema):
    matters_resolved_year: int = Field(
        description="Requests closed this calendar year (民生实事办结, 'matters resolved')."
    )
    requests_open: int = Field(description="Requests not yet closed, rejected or withdrawn.")
    response_rate: float | None = Field(
        description="响应率 this year: responded within the target ÷ taken up (0–1; null if none)."
    )
    resolution_rate: float | None = Field(
        description="解决率 this year: resolved ÷ taken up (0–1; null if none)."
    )
    satisfaction_rate: float | None = Field(
        description="满意率 this year: satisfied or basically satisfied ÷ followed up "
        "(0–1; null if none)."
    )


@summary_section(
    "requests",
    schema=RequestsSummaryOut,
    cards=(
        SummaryCard("matters_resolved_year", _("Matters resolved this year")),
        SummaryCard("requests_open", _("Requests being handled")),
    ),
)
def requests_section(ctx: SummaryContext) -> dict[str, Any]:
    """One scan of the community's requests: closed this year, open now, the year's rates."""
    start = ctx.start_of(dt.date(ctx.today.year, 1, 1))
    kpi, closed, open_now = community_year_figures(
        community_id=ctx.community.pk, start=start, end=ctx.now, year=ctx.today.year)
    return {
        "matters_resolved_year": closed,
        "requests_open": open_now,
        "response_rate": kpi.response_rate,
        "resolution_rate": kpi.resolution_rate,
        "satisfaction_rate": kpi.satisfaction_rate,
    }
