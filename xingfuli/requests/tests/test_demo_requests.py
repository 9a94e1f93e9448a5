"""The demo's request history: 810 closed this year, consistent rows, the sequence continues."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from xingfuli.core.models import Community, User
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import build, reset
from xingfuli.demo.base import ADMIN_MOBILE, GRID1_FULL_MOBILE
from xingfuli.registry.models import Building
from xingfuli.requests import services
from xingfuli.requests.models import Category, Request, RequestCounter, RequestEvent
from xingfuli.requests.selectors import requests_kpis

pytestmark = pytest.mark.django_db


def test_demo_request_history_is_consistent_and_continues():
    build()
    wanquan = Community.objects.get(slug="wanquan")
    now = timezone.now()
    year = timezone.localdate().year
    summary = community_summary(wanquan)
    closed = Request.objects.filter(community=wanquan, status="closed")
    independent = sum(1 for c in closed.values_list("closed_at", flat=True)
                      if timezone.localtime(c).year == year)
    assert summary["matters_resolved_year"] == 810 == independent

    admin = User.objects.get(mobile=ADMIN_MOBILE)
    start = dt.datetime.combine(dt.date(year, 1, 1), dt.time.min,
                                tzinfo=timezone.get_current_timezone())
    kpi = requests_kpis(actor=admin, start=start, end=now)[0]
    for name in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert 0 < summary[name] < 1
        assert summary[name] == getattr(kpi, name)
    # Open right now (not closed nor withdrawn): 30–60, of which the summary counts those still
    # being worked on (not yet resolved).
    unfinished = Request.objects.filter(community=wanquan).exclude(
        status__in=["closed", "rejected", "duplicate", "cancelled"])
    assert 30 <= unfinished.count() <= 60
    assert 0 < summary["requests_open"] < unfinished.count()

    # Every closed request: a file of events ending in closed, times in order, all past.
    events: dict[int, list[RequestEvent]] = {}
    for e in RequestEvent.objects.filter(request__community=wanquan).order_by("at", "id"):
        events.setdefault(e.request_id, []).append(e)
    for r in closed:
        file = events[r.pk]
        assert file[0].kind == "submitted" and file[-1].to_status == "closed"
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(file))
        assert file[0].actor_id == r.recorded_by_id
        assert r.responded_at and r.resolved_at and r.closed_at and r.due_resolution_at
        assert r.submitted_at <= r.responded_at <= r.resolved_at <= r.closed_at < now
        assert r.version == len(file)
        assert r.resolution_seconds == int((r.resolved_at - r.submitted_at).total_seconds())
        assert r.resolution_breached == (r.resolved_at > r.due_resolution_at) or any(
            e.kind == "breached" for e in file)
    statuses = set(Request.objects.filter(community=wanquan).values_list("status", flat=True))
    assert {"submitted", "dispatched", "on_site", "resolved", "rejected", "duplicate",
            "cancelled"} <= statuses
    assert Request.objects.filter(community=wanquan, paused_at__isnull=False).count() == 1
    assert RequestEvent.objects.filter(request__community=wanquan, kind="escalated").exists()
    assert RequestEvent.objects.filter(request__community=wanquan, kind="reopened").exists()

    # Lighting: mostly on site and fixed within 2 h, a few late.
    lighting = closed.filter(category__code__in=["corridor_lighting", "street_lamps"])
    fast = [r for r in lighting
            if (r.resolution_seconds or 0) <= 7200 and not r.resolution_breached]
    assert 0.8 < len(fast) / lighting.count() < 1

    # The next submission continues the sequence.
    last = RequestCounter.objects.get(community=wanquan, year=year).last
    assert last == Request.objects.filter(community=wanquan,
                                          number__startswith=f"WQ-{year}-").count()
    gina = User.objects.get(mobile=GRID1_FULL_MOBILE)
    building = Building.objects.filter(community=wanquan, grid_link__grid__code__endswith="001")[0]
    req = services.request_submit(
        actor=gina, category_id=Category.objects.get(community=wanquan,
                                                     code="corridor_lighting").pk,
        title="3 楼的灯又不亮了", channel="phone_to_grid", building_id=building.pk, floor=3,
    )
    assert req.number == f"WQ-{year}-{last + 1:06d}"

    reset()
    assert not Request.objects.exists() and not Category.objects.exists()
