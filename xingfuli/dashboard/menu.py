"""Home page links of the dashboard: the 七个一 board of each community the user may see it for
(its staff, the officers of its street)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.selectors import communities_for


@home_links(order=5)
def dashboard_links(user: User) -> list[HomeLink]:
    if not has_capability(user, Capability.VIEW_DASHBOARD):
        return []
    communities = [c for c in communities_for(actor=user)
                   if has_capability(user, Capability.VIEW_DASHBOARD, community_id=c.pk)]
    if len(communities) == 1:
        return [HomeLink(_("The seven ones board"), reverse("dashboard:board",
                                                              args=[communities[0].slug]))]
    return [
        HomeLink(_("%(community)s: the seven ones board") % {"community": c.name},
                 reverse("dashboard:board", args=[c.slug]))
        for c in communities
    ]


@home_links(order=6)
def kpi_links(user: User) -> list[HomeLink]:
    """The KPI page of each community the user oversees (its staff, its street's officers) and,
    for a street officer, the street's communities side by side."""
    from xingfuli.dashboard.kpis import kpi_communities, officer_streets

    if not has_capability(user, Capability.VIEW_DASHBOARD):
        return []
    communities = kpi_communities(actor=user)
    links = [
        HomeLink(_("%(community)s: KPIs") % {"community": c.name} if len(communities) > 1
                 else _("KPIs"), reverse("dashboard:kpis", args=[c.slug]))
        for c in communities
    ]
    links += [
        HomeLink(_("%(street)s: communities side by side") % {"street": s.name},
                 reverse("dashboard:street", args=[s.pk]))
        for s in officer_streets(actor=user)
    ]
    return links


@home_links(order=7)
def report_links(user: User) -> list[HomeLink]:
    """The monthly reports of each community the user may read them for (the communities the
    user oversees: grid staff see the board, not the reports)."""
    from xingfuli.dashboard.kpis import kpi_communities
    from xingfuli.dashboard.reports.selectors import may_read_reports

    if not has_capability(user, Capability.VIEW_DASHBOARD):
        return []
    communities = [c for c in kpi_communities(actor=user) if may_read_reports(user, c)]
    return [
        HomeLink(_("%(community)s: monthly reports") % {"community": c.name}
                 if len(communities) > 1 else _("Monthly reports"),
                 reverse("dashboard:reports", args=[c.slug]))
        for c in communities
    ]
