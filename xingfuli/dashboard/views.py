"""The public summary page of a community, phone-sized cards."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xingfuli.core.models import Role
from xingfuli.core.selectors import community_by_slug
from xingfuli.dashboard.selectors import community_summary, summary_cards


def summary(request: HttpRequest, community: str) -> HttpResponse:
    """Public; an unknown community is a 404 (the NotFound goes to the error page)."""
    found = community_by_slug(slug=community)
    document = community_summary(found)
    by_role = document.get("grid_staff_by_role", {})
    return render(
        request,
        "dashboard/summary.html",
        {
            "community": found,
            "summary": document,
            "cards": summary_cards(document),
            "staff_by_role": [(Role(role).label, n) for role, n in by_role.items()],
        },
    )
