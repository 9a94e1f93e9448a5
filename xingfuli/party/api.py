"""The party module's part of the JSON API under /api/v1/party/: parse, call a service or
selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from xingfuli.core.errors import NotFound
from xingfuli.core.pages import actor_of as _actor
from xingfuli.party import selectors, services
from xingfuli.party.models import PartyOrganisation, Wish

router = Router(tags=["party"])


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    secretary: str | None
    member_count: int
    grid_ids: list[int]
    building_ids: list[int]


class WishOut(Schema):
    id: int
    title: str
    detail: str
    status: str
    grid_id: int | None
    building: str = Field(description="The resident's building number (no name, no room).")
    claimant: str
    minutes: int | None
    version: int


class WishIn(Schema):
    resident_id: int
    title: str
    detail: str = ""
    idempotency_key: str = Field("", description="A retry with the same key returns the "
                                                 "first wish.")


class FulfilIn(Schema):
    minutes: int
    note: str = ""
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None


class StatisticsOut(Schema):
    branches: int
    members: int
    in_service_registered: int
    in_service_pending: int
    wishes_posted: int
    wishes_claimed: int
    wishes_fulfilled: int
    wishes_confirmed: int
    member_hours: float


def _org_out(o: PartyOrganisation) -> dict[str, Any]:
    return {"id": o.pk, "kind": o.kind, "name": o.name,
            "secretary": o.secretary.name if o.secretary else None,
            "member_count": getattr(o, "member_count", 0),
            "grid_ids": [g.pk for g in o.grids.all()],
            "building_ids": [b.pk for b in o.buildings.all()]}


def _wish_out(w: Wish) -> dict[str, Any]:
    return {"id": w.pk, "title": w.title, "detail": w.detail, "status": w.status,
            "grid_id": w.grid_id, "building": w.resident.household.dwelling.unit.building.number,
            "claimant": w.claimant_name, "minutes": w.minutes, "version": w.version}


@router.get("/organisations", response=list[OrganisationOut])
def list_organisations(request: HttpRequest) -> list[dict[str, Any]]:
    return [_org_out(o) for o in selectors.branches_for(actor=_actor(request))]


@router.get("/statistics", response=StatisticsOut)
def statistics(request: HttpRequest, year: int | None = None) -> dict[str, Any]:
    actor = _actor(request)
    community = selectors.home_community(actor)
    if community is None:
        raise NotFound()
    s = selectors.statistics(actor=actor, community_id=community.pk, year=year)
    return {**s.__dict__, "member_hours": float(s.member_hours)}


@router.get("/wishes", response=list[WishOut])
def list_wishes(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    rows = selectors.wishes_for(actor=_actor(request), status=status or None)[:200]
    return [_wish_out(w) for w in rows]


@router.post("/wishes", response={201: WishOut})
def post_wish(request: HttpRequest, payload: WishIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    wish = services.wish_post(actor=actor, resident_id=payload.resident_id, title=payload.title,
                              detail=payload.detail, idempotency_key=payload.idempotency_key)
    return Status(201, _wish_out(selectors.access_wish(actor=actor, wish_id=wish.pk)))


def _answer(actor: Any, wish_id: int) -> dict[str, Any]:
    return _wish_out(Wish.objects.select_related(
        "resident__household__dwelling__unit__building").get(pk=wish_id))


@router.post("/wishes/{wish_id}/claim", response=WishOut)
def claim_wish(request: HttpRequest, wish_id: int) -> dict[str, Any]:
    actor = _actor(request)
    services.wish_claim(actor=actor, wish_id=wish_id)
    return _answer(actor, wish_id)


@router.post("/wishes/{wish_id}/fulfil", response=WishOut)
def fulfil_wish(request: HttpRequest, wish_id: int, payload: FulfilIn) -> dict[str, Any]:
    actor = _actor(request)
    services.wish_fulfil(actor=actor, wish_id=wish_id, minutes=payload.minutes,
                         note=payload.note, version=payload.version)
    return _answer(actor, wish_id)


@router.post("/wishes/{wish_id}/confirm", response=WishOut)
def confirm_wish(request: HttpRequest, wish_id: int, payload: VersionIn) -> dict[str, Any]:
    actor = _actor(request)
    services.wish_confirm(actor=actor, wish_id=wish_id, version=payload.version)
    return _answer(actor, wish_id)
