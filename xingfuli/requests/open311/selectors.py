"""Reads of the Open311 interface: a community's services and its requests, as a client sees
them (through the client's system user's scope, limited to the client's community)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from xingfuli.core.errors import NotFound
from xingfuli.core.models import Community
from xingfuli.core.scoping import scoped
from xingfuli.requests.models import OPEN_STATUSES, Category, Open311Client, Request

MAX_REQUESTS = 1000
DEFAULT_SPAN = dt.timedelta(days=90)


def community_for(*, jurisdiction_id: str, client: Open311Client | None) -> Community:
    """The jurisdiction: the slug given, else the client's community; else NotFound."""
    slug = (jurisdiction_id or "").strip()
    if client is not None and (not slug or slug == client.community.slug):
        return client.community
    if client is not None or not slug:
        raise NotFound()
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise NotFound()
    return community


def services_of(*, community: Community, code: str | None = None) -> list[Category]:
    """The community's leaf categories (those without active children), with their parents."""
    qs = (
        Category.objects.filter(community=community, active=True)
        .exclude(Exists(Category.objects.filter(parent=OuterRef("pk"), active=True)))
        .select_related("parent")
        .order_by("sort_order", "code")
    )
    if code is not None:
        qs = qs.filter(code=code)
    return list(qs)


def service_of(*, community: Community, code: str) -> Category:
    found = services_of(community=community, code=code)
    if not found:
        raise NotFound()
    return found[0]


@dataclass(frozen=True)
class RequestQuery:
    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: Sequence[str] = ()  # "open", "closed"


def _base(client: Open311Client) -> QuerySet[Request]:
    return (
        scoped(Request.objects.all(), client.user)
        .filter(community=client.community)
        .select_related("category", "team", "grid", "building", "unit", "community")
        .annotate(updated_at=Max("events__at"))
    )


def requests_for_client(*, client: Open311Client, query: RequestQuery,
                        now: dt.datetime | None = None) -> list[Request]:
    """GET requests: by ids (then nothing else applies), else by service, dates and status;
    without dates the last 90 days; at most 1000, newest first."""
    qs = _base(client)
    if query.ids:
        return list(qs.filter(number__in=list(query.ids)).order_by("-submitted_at", "-id"))
    if query.service_codes:
        qs = qs.filter(category__code__in=list(query.service_codes))
    start, end = query.start, query.end
    if start is None and end is None:
        start = (now or timezone.now()) - DEFAULT_SPAN
    if start is not None:
        qs = qs.filter(submitted_at__gte=start)
    if end is not None:
        qs = qs.filter(submitted_at__lte=end)
    statuses = set(query.statuses)
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    return list(qs.order_by("-submitted_at", "-id")[:MAX_REQUESTS])


def request_for_client(*, client: Open311Client, number: str) -> Request:
    req = _base(client).filter(number=number).first()
    if req is None:
        raise NotFound()
    return req


def request_for_token(*, client: Open311Client, token: str) -> Request:
    req = (
        scoped(Request.objects.all(), client.user)
        .filter(recorded_by=client.user, idempotency_key=token)
        .only("pk", "number", "idempotency_key")
        .first()
        if token else None
    )
    if req is None:
        raise NotFound()
    return req
