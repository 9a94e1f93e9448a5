"""Saved views in the JSON API (mounted at /api/v1/saved-views): the caller's own named
filters of a list page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from xingfuli.core import saved_views
from xingfuli.core.models import SavedView
from xingfuli.core.pages import actor_of

router = Router(tags=["saved views"])


class SavedViewIn(Schema):
    page: str
    name: str
    querystring: str = ""


class SavedViewRenameIn(Schema):
    name: str


class SavedViewOut(Schema):
    id: int
    page: str
    name: str
    querystring: str
    url: str
    created_at: datetime


def _out(view: SavedView) -> dict[str, Any]:
    from django.urls import reverse

    base = reverse(saved_views.PAGES[view.page])
    return {"id": view.pk, "page": view.page, "name": view.name,
            "querystring": view.querystring,
            "url": f"{base}?{view.querystring}" if view.querystring else base,
            "created_at": view.created_at}


@router.get("", response=list[SavedViewOut],
            summary="My saved views of a list page (page: e.g. requests.inbox)")
def saved_view_list(request: HttpRequest, page: str) -> list[dict[str, Any]]:
    actor = actor_of(request)
    saved_views.check_page(page)
    return [_out(v) for v in saved_views.saved_views_for(actor=actor, page=page)]


@router.post("", response={201: SavedViewOut},
             summary="Save a filter (a query string of the page) under a name")
def saved_view_create(request: HttpRequest, payload: SavedViewIn) -> Status[dict[str, Any]]:
    made = saved_views.saved_view_create(actor=actor_of(request), page=payload.page,
                                         name=payload.name, querystring=payload.querystring)
    return Status(201, _out(made))


@router.patch("/{view_id}", response=SavedViewOut, summary="Rename one of my saved views")
def saved_view_rename(request: HttpRequest, view_id: int,
                      payload: SavedViewRenameIn) -> dict[str, Any]:
    return _out(saved_views.saved_view_rename(actor=actor_of(request), view_id=view_id,
                                              name=payload.name))


@router.delete("/{view_id}", response={204: None}, summary="Delete one of my saved views")
def saved_view_delete(request: HttpRequest, view_id: int) -> Status[None]:
    saved_views.saved_view_delete(actor=actor_of(request), view_id=view_id)
    return Status(204, None)
