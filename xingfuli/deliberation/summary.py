"""The deliberation section of the community summary: pavilions and topics decided this year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.deliberation.models import Pavilion, Topic


class DeliberationSummaryOut(Schema):
    pavilions: int = Field(description="Deliberation pavilions (议事亭) of the community in use.")
    topics_decided_year: int = Field(
        description="Topics decided at a pavilion this calendar year (Asia/Shanghai), whatever "
                    "became of them since (implementing or done)."
    )


@summary_section(
    "deliberation",
    schema=DeliberationSummaryOut,
    cards=(
        SummaryCard("pavilions", _("Deliberation pavilions")),
        SummaryCard("topics_decided_year", _("Topics decided this year")),
    ),
)
def deliberation_section(ctx: SummaryContext) -> dict[str, Any]:
    """Two queries: the pavilions in use, the topics decided since 1 January."""
    community_id = ctx.community.pk
    pavilions = Pavilion.objects.filter(community_id=community_id, active=True).count()
    start = ctx.start_of(dt.date(ctx.today.year, 1, 1))
    decided = Topic.objects.filter(community_id=community_id).aggregate(
        n=Count("id", filter=Q(decided_at__gte=start) & ~Q(status=Topic.Status.WITHDRAWN))
    )["n"]
    return {"pavilions": pavilions, "topics_decided_year": decided}
