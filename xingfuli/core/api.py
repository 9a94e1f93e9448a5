"""Core endpoints: who am I, my notifications."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from xingfuli.core import selectors
from xingfuli.core.models import User
from xingfuli.core.permissions import roles_of

router = Router(tags=["core"])


class RoleOut(Schema):
    role: str
    community_id: int | None
    street_id: int | None
    scope_id: int | None


class MeOut(Schema):
    id: int
    name: str
    mobile: str
    roles: list[RoleOut]


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


@router.get("/me", response=MeOut, summary="The logged-in user and their roles")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the router requires auth
    return {
        "id": user.pk, "name": user.name, "mobile": user.mobile,
        "roles": [
            {"role": r.role, "community_id": r.community_id, "street_id": r.street_id,
             "scope_id": r.scope_id}
            for r in roles_of(user)
        ],
    }


@router.get("/notifications", response=list[NotificationOut], summary="My latest messages")
def notifications(request: HttpRequest) -> list[object]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    return list(selectors.notifications_for(actor=user)[:100])
