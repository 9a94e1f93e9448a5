"""Input and output shapes of the canteen API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class DishOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    diet_flags: list[str]
    allergens: list[str]


class MenuDayOut(Schema):
    date: dt.date
    dishes: list[DishOut]
    problems: list[str]


class MenuOut(Schema):
    id: int
    canteen_id: int
    week_start: dt.date
    status: str
    published_at: dt.datetime | None
    published_late: bool
    version: int


class MenuDetailOut(MenuOut):
    days: list[MenuDayOut]


class MenuCreateIn(Schema):
    canteen_id: int
    week_start: dt.date


class MenuDayIn(Schema):
    date: dt.date
    dish_ids: list[int]
    version: int | None = None


class PublishIn(Schema):
    version: int | None = None


class OrderOut(Schema):
    id: int
    diner_id: int | None
    diner_name: str
    day: dt.date
    service: str
    channel: str
    status: str
    price: Decimal
    subsidy: Decimal
    amount_due: Decimal
    paid_by: str | None
    dishes: list[str]


class BookIn(Schema):
    diner_id: int
    days: list[dt.date] = Field(..., min_length=1, max_length=31)
    service: str
    idempotency_key: str = Field("", max_length=64)


class StopOut(Schema):
    id: int
    order_id: int
    diner_name: str
    address: str
    diet_flags: list[str]
    outcome: str
    confirmed_at: dt.datetime | None
    late: bool
    overdue: bool


class RunOut(Schema):
    id: int
    day: dt.date
    building: str
    volunteer_id: int | None
    volunteer: str | None
    cooked_at: dt.datetime
    version: int
    stops: list[StopOut]


class AssignIn(Schema):
    volunteer_id: int | None
    version: int | None = None


class ConfirmIn(Schema):
    outcome: str
    note: str = Field("", max_length=200)


class ConflictOut(Schema):
    diner: str
    what: list[str]


class KitchenOut(Schema):
    day: dt.date
    meals: int
    dine_in: int
    delivery: int
    walk_in: int
    by_flag: dict[str, int]
    dishes: dict[str, int]
    # Diners whose allergies or vegetarian diet clash with the day's dishes (the rule of the
    # kitchen page: selectors.diet_conflicts).
    conflicts: list[ConflictOut]
