"""The public summary page of a community (phone-sized cards) and the staff's 七个一 board."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from xingfuli.core.models import Role
from xingfuli.core.pages import actor_of, is_htmx, staff_page
from xingfuli.core.selectors import community_by_slug
from xingfuli.dashboard.board import access_board, board_for
from xingfuli.dashboard.kpis import oversees
from xingfuli.dashboard.reports.selectors import may_read_reports
from xingfuli.dashboard.selectors import public_summary, summary_cards


def summary(request: HttpRequest, community: str) -> HttpResponse:
    """Public; an unknown community is a 404 (the NotFound goes to the error page)."""
    found = community_by_slug(slug=community)
    document = public_summary(found)
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


@staff_page
def board(request: HttpRequest, community: str, screen: bool = False) -> HttpResponse:
    """The 七个一 board of a community for its staff and its street's officers.

    `screen`: the large-screen mode (数据大屏) for the office, also `?screen=1`; it polls the
    board's partial every 60 s with htmx. The same page at phone width stacks the panels."""
    actor = actor_of(request)
    found = access_board(actor=actor, slug=community)
    screen = screen or request.GET.get("screen") == "1"
    context = {
        "board": board_for(found),
        "screen": screen,
        "refresh_url": reverse("dashboard:board_screen", args=[found.slug]),
        # Grid staff see the board but not the KPIs and reports of the whole community.
        "kpis_url": reverse("dashboard:kpis", args=[found.slug]) if oversees(actor, found)
        else "",
        "may_read_reports": may_read_reports(actor, found),
    }
    if is_htmx(request):
        return render(request, "dashboard/board.html#board", context)
    return render(request, "dashboard/board.html", context)
