"""The KPI drill-down of a community and the street/district comparison pages (reads only;
the rules and queries are in kpis.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xingfuli.core.errors import DomainError
from xingfuli.core.pages import actor_of, staff_page
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.dashboard import kpis as k


@staff_page
@require_GET
def community_kpis(request: HttpRequest, community: str) -> HttpResponse:
    """Rates per grid, team and category over a month, quarter or year; visit coverage; key
    households due a visit; trends; the elderly by building. A bad period is a field error on
    the page (400), never a 500."""
    actor = actor_of(request)
    found = k.access_kpis(actor=actor, slug=community)
    chosen = {"period": request.GET.get("period", "month")[:20],
              "ref": request.GET.get("ref", "")[:20]}
    errors: dict[str, str] = {}
    try:
        period = k.period_of(chosen["period"], chosen["ref"])
    except DomainError as exc:
        errors[exc.field or "period"] = str(exc.message)
        period = k.period_of("month", None)
    context: dict[str, Any] = {
        "community": found, "chosen": chosen, "errors": errors, "period_kinds": k.PERIOD_KINDS,
        "may_inbox": any(has_capability(actor, c, community_id=found.pk)
                         for c in (Capability.HANDLE_REQUEST, Capability.DISPATCH_REQUEST)),
    }
    if errors:
        return render(request, "dashboard/kpis.html", context, status=400)
    context["page"] = k.kpi_page(actor=actor, community=found, period=period)
    return render(request, "dashboard/kpis.html", context)


def _comparison_page(request: HttpRequest, result: k.Comparison) -> HttpResponse:
    return render(request, "dashboard/street.html", {
        "cmp": result, "headlines": k.HEADLINES, "rates": k.RATES,
    })


@staff_page
@require_GET
def street(request: HttpRequest, street_id: int) -> HttpResponse:
    """The communities of a street side by side (a community's staff: their own row only)."""
    actor = actor_of(request)
    place, communities = k.access_street(actor=actor, street_id=street_id)
    return _comparison_page(request, k.comparison(actor=actor, kind="street", place=place,
                                                  communities=communities))


@staff_page
@require_GET
def district(request: HttpRequest, district_id: int) -> HttpResponse:
    """The communities of a district side by side, as far as the actor oversees them."""
    actor = actor_of(request)
    place, communities = k.access_district(actor=actor, district_id=district_id)
    return _comparison_page(request, k.comparison(actor=actor, kind="district", place=place,
                                                  communities=communities))
