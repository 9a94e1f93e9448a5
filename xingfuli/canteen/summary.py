"""The canteen's section of the community summary: meals served and delivered, diners."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.canteen.models import Diner, Order
from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section


class CanteenSummaryOut(Schema):
    meals_served_year: int = Field(
        description="Meals served by the community's canteens this calendar year up to today: "
                    "eaten at the canteen (booked or walk-in) or delivered and confirmed.")
    meals_delivered_year: int = Field(
        description="Of those, meals delivered home and confirmed by a volunteer this year.")
    diners: int = Field(description="Residents registered as diners (60+), still active.")


@summary_section(
    "canteen",
    schema=CanteenSummaryOut,
    cards=(
        SummaryCard("meals_served_year", _("Meals served this year")),
        SummaryCard("diners", _("Canteen diners")),
    ),
)
def canteen_section(ctx: SummaryContext) -> dict[str, Any]:
    """Two queries: this year's served meals (all, delivered), the active diners."""
    community_id = ctx.community.pk
    meals = Order.objects.filter(
        canteen__community_id=community_id, status=Order.Status.SERVED,
        day__gte=dt.date(ctx.today.year, 1, 1), day__lte=ctx.today,
    ).aggregate(served=Count("id"), delivered=Count("id", filter=Q(service="delivery")))
    diners = Diner.objects.filter(canteen__community_id=community_id, active=True).count()
    return {"meals_served_year": meals["served"], "meals_delivered_year": meals["delivered"],
            "diners": diners}
