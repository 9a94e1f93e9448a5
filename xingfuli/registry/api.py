"""JSON endpoints of the registry under /api/v1/registry.

Personal numbers are shown masked (`*_masked`); only `POST /residents/{id}/reveal` returns them
in full, to roles allowed to unmask, and every such call is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.params.functions import Query

from xingfuli.core.pages import actor_of as _actor
from xingfuli.registry import privacy, selectors, services
from xingfuli.registry.models import Resident

router = Router(tags=["registry"])


# --- schemas -----------------------------------------------------------------------------------


class TagOut(Schema):
    code: str
    name: str
    is_key_group: bool


class BuildingOut(Schema):
    id: int
    community_id: int
    number: str
    address: str
    floors: int
    unit_count: int
    year_built: int | None
    grid_id: int | None = None
    household_count: int
    resident_count: int

    @staticmethod
    def resolve_grid_id(obj: Any) -> int | None:
        link = getattr(obj, "grid_link", None)  # None when the building has no grid yet
        return link.grid_id if link is not None else None


class HouseholdCellOut(Schema):
    id: int
    code: str
    head_name: str
    resident_count: int
    key_tags: list[str]


class DwellingCellOut(Schema):
    id: int
    floor: int
    room: str
    area: Decimal | None
    resident_count: int
    head_name: str
    key_tags: list[str]
    is_key: bool
    households: list[HouseholdCellOut]


class FloorOut(Schema):
    number: int
    dwellings: list[DwellingCellOut]


class UnitOut(Schema):
    id: int
    number: int
    floors: list[FloorOut] = Field(..., description="Top floor first.")


class BuildingDetailOut(Schema):
    id: int
    number: str
    address: str
    floors: int
    year_built: int | None
    units: list[UnitOut]


class ResidentOut(Schema):
    id: int
    household_id: int
    name: str
    sex: str
    birth_date: dt.date
    age: int
    id_number_masked: str
    mobile_masked: str
    relation: str
    residence_type: str
    status: str
    note: str
    tags: list[TagOut]
    version: int
    address: str = Field(..., description="Building-unit-room, such as 1-2-301.")

    @staticmethod
    def resolve_age(obj: Resident) -> int:
        return selectors.age_on(obj.birth_date, timezone.localdate())

    @staticmethod
    def resolve_tags(obj: Resident) -> list[Any]:
        return list(obj.tags.all())

    @staticmethod
    def resolve_address(obj: Resident) -> str:
        d = obj.household.dwelling
        return f"{d.unit.building.number}-{d.unit.number}-{d.room}"


class HouseholdOut(Schema):
    id: int
    code: str
    phone: str
    note: str
    version: int
    dwelling_id: int
    building_id: int = Field(..., alias="dwelling.unit.building_id")
    building_number: str = Field(..., alias="dwelling.unit.building.number")
    unit_number: int = Field(..., alias="dwelling.unit.number")
    floor: int = Field(..., alias="dwelling.floor")
    room: str = Field(..., alias="dwelling.room")
    area: Decimal | None = Field(None, alias="dwelling.area")
    residents: list[ResidentOut]

    @staticmethod
    def resolve_residents(obj: Any) -> list[Any]:
        return list(obj.residents.all())


class ResidentIn(Schema):
    household_id: int
    name: str
    id_number: str
    mobile: str = ""
    relation: str = Resident.Relation.HEAD.value
    residence_type: str = Resident.ResidenceType.REGISTERED.value
    tags: list[str] = Field(default_factory=list, description="Tag codes, such as aged_80.")
    note: str = ""
    birth_date: dt.date | None = Field(None, description="Optional; must agree with the ID.")
    sex: str | None = Field(None, description="Optional, M or F; must agree with the ID.")


class ResidentPatch(Schema):
    version: int = Field(..., description="The version you read; 409 if someone saved since.")
    household_id: int | None = None
    name: str | None = None
    id_number: str | None = None
    mobile: str | None = Field(None, description="An empty string removes the number.")
    relation: str | None = None
    residence_type: str | None = None
    status: str | None = Field(None, description="active, moved_out or deceased.")
    tags: list[str] | None = None
    note: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None


class RevealIn(Schema):
    reason: str = Field(description="Why the full numbers are needed: " + ", ".join(
        str(v) for v in privacy.RevealReason.values))
    note: str = Field("", description="Needed when the reason is `other`.")


class RevealOut(Schema):
    id: int
    id_number: str
    mobile: str


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/buildings", response=list[BuildingOut], summary="List the buildings I may see")
@paginate(PageNumberPagination, page_size=50)
def building_list(request: HttpRequest) -> Any:
    return selectors.buildings_for(_actor(request))


@router.get(
    "/buildings/{building_id}", response=BuildingDetailOut,
    summary="A building with its floorplan (楼栋图): units, floors top first, dwellings",
)
def building_detail(request: HttpRequest, building_id: int) -> dict[str, Any]:
    plan = selectors.building_floorplan(_actor(request), building_id)
    b = plan.building
    return {"id": b.pk, "number": b.number, "address": b.address, "floors": b.floors,
            "year_built": b.year_built, "units": plan.units}


@router.get(
    "/households/{household_id}", response=HouseholdOut,
    summary="A household (一户一档) with its dwelling and residents, numbers masked",
)
def household_detail(request: HttpRequest, household_id: int) -> Any:
    return selectors.access_household(_actor(request), household_id)


@router.get(
    "/residents", response=list[ResidentOut],
    summary="List or search residents (name, pinyin initials, phone tail), numbers masked",
)
@paginate(PageNumberPagination, page_size=50)
def resident_list(
    request: HttpRequest,
    q: str = Query("", description="Name, pinyin initials (zs), pinyin prefix or phone tail."),
    include_inactive: bool = Query(False, description="Also moved-out and deceased residents."),
    household_id: int | None = None,
) -> Any:
    return selectors.residents_for(
        _actor(request), q=q, include_inactive=include_inactive, household_id=household_id
    )


@router.get("/residents/{resident_id}", response=ResidentOut,
            summary="One resident, numbers masked")
def resident_detail(request: HttpRequest, resident_id: int) -> Any:
    return selectors.access_resident(_actor(request), resident_id)


@router.post("/residents", response={201: ResidentOut},
             summary="Register a resident in a household (ID number checked, GB 11643)")
def resident_create(request: HttpRequest, payload: ResidentIn) -> Status[Any]:
    actor = _actor(request)
    resident = services.resident_create(actor=actor, **payload.dict())
    return Status(201, selectors.access_resident(actor, resident.pk))


@router.patch(
    "/residents/{resident_id}", response=ResidentOut,
    summary="Change a resident (send the version you read; 409 if someone saved first)",
)
def resident_update(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> Any:
    actor = _actor(request)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    services.resident_update(actor=actor, resident_id=resident_id, version=version, **changes)
    return selectors.access_resident(actor, resident_id)


@router.post(
    "/residents/{resident_id}/reveal", response=RevealOut,
    summary="Show a resident's full ID and mobile numbers, for a reason (authorised roles only; "
            "audited with the reason)",
)
def resident_reveal(request: HttpRequest, resident_id: int, payload: RevealIn) -> dict[str, Any]:
    numbers = privacy.reveal_personal(actor=_actor(request), resident_id=resident_id,
                                      field="all", reason=payload.reason, note=payload.note)
    return {"id": resident_id, **numbers}
