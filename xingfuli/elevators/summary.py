"""The elevator section of the community summary: elevators in use and being installed, and the
meetings and site inspections held."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.elevators import selectors


class ElevatorsSummaryOut(Schema):
    elevators_in_use: int = Field(
        description="Elevator retrofit projects in the stage 'in use and maintained'.")
    elevators_installing: int = Field(
        description="Projects being installed: in construction or in commissioning and "
        "registration.")
    elevator_meetings: int = Field(
        description="Discussion meetings on elevator retrofits recorded (all time).")
    elevator_site_visits: int = Field(
        description="Site inspections for elevator retrofits recorded (all time).")


@summary_section(
    "elevators",
    schema=ElevatorsSummaryOut,
    cards=(
        SummaryCard("elevators_in_use", _("Elevators in use")),
        SummaryCard("elevators_installing", _("Elevators being installed")),
        SummaryCard("elevator_meetings", _("Elevator discussion meetings")),
        SummaryCard("elevator_site_visits", _("Elevator site inspections")),
    ),
)
def elevators_section(ctx: SummaryContext) -> dict[str, Any]:
    """Two queries: projects by stage, activities by kind."""
    stages = selectors.stage_counts(community_id=ctx.community.pk)
    acts = selectors.activity_counts(community_id=ctx.community.pk)
    return {
        "elevators_in_use": stages["in_use"],
        "elevators_installing": stages["installing"],
        "elevator_meetings": acts["meetings"],
        "elevator_site_visits": acts["site_visits"],
    }
