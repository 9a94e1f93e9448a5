"""The property section of the community summary: service teams and renovated buildings."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from xingfuli.dashboard.selectors import SummaryCard, SummaryContext, summary_section
from xingfuli.property.models import RenovationProject, ServiceTeam


class PropertySummaryOut(Schema):
    service_teams: int = Field(description="Active service teams of the property service center.")
    renovation_projects: int = Field(description="Renovation projects not cancelled.")
    renovated_buildings: int = Field(
        description="Distinct buildings covered by accepted renovation projects."
    )


@summary_section(
    "property",
    schema=PropertySummaryOut,
    cards=(
        SummaryCard("service_teams", _("Service teams")),
        SummaryCard("renovated_buildings", _("Buildings renovated")),
    ),
)
def property_section(ctx: SummaryContext) -> dict[str, Any]:
    """Two queries: the teams, the projects with their distinct accepted buildings."""
    community_id = ctx.community.pk
    teams = ServiceTeam.objects.filter(center__community_id=community_id, active=True).count()
    projects = RenovationProject.objects.filter(community_id=community_id).aggregate(
        projects=Count("id", filter=~Q(status=RenovationProject.Status.CANCELLED),
                       distinct=True),
        buildings=Count("buildings", filter=Q(status=RenovationProject.Status.ACCEPTED),
                        distinct=True),
    )
    return {
        "service_teams": teams,
        "renovation_projects": projects["projects"],
        "renovated_buildings": projects["buildings"],
    }
