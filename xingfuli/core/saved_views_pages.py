"""The forms of `core/_saved_views.html`: save the list's current filter under a name, rename
or delete one of one's own saved views. Each answer goes back to the list page (mounted at
/saved-views/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xingfuli.core import saved_views
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import SavedView
from xingfuli.core.pages import actor_of, staff_page


def _back(page: str, query: str) -> HttpResponse:
    url = reverse(saved_views.PAGES[page])
    return redirect(f"{url}?{query}" if query else url)


def _refused(request: HttpRequest, exc: DomainError) -> None:
    if exc.code not in (ErrorCode.INVALID, ErrorCode.DUPLICATE):
        raise exc
    messages.error(request, _("The view was not saved: %(why)s") % {"why": exc.message})


@staff_page
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page_key", "")
    query = request.POST.get("querystring", "")
    try:
        made = saved_views.saved_view_create(actor=actor_of(request), page=page,
                                             name=request.POST.get("name", ""), querystring=query)
    except DomainError as exc:
        if exc.field == "page":
            raise
        _refused(request, exc)
        return _back(page, saved_views.clean_querystring(query) if exc.field != "querystring"
                     else "")
    messages.success(request, _("Saved as “%(name)s”.") % {"name": made.name})
    return _back(made.page, made.querystring)


def _mine(request: HttpRequest, view_id: int) -> SavedView:
    return saved_views.access_saved_view(actor=actor_of(request), view_id=view_id)


@staff_page
@require_POST
def rename(request: HttpRequest, view_id: int) -> HttpResponse:
    view = _mine(request, view_id)
    try:
        view = saved_views.saved_view_rename(actor=actor_of(request), view_id=view.pk,
                                             name=request.POST.get("name", ""))
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Renamed to “%(name)s”.") % {"name": view.name})
    return _back(view.page, "")


@staff_page
@require_POST
def delete(request: HttpRequest, view_id: int) -> HttpResponse:
    view = _mine(request, view_id)
    saved_views.saved_view_delete(actor=actor_of(request), view_id=view.pk)
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    return _back(view.page, "")


app_name = "saved_views"
urlpatterns: list[URLPattern] = [
    path("", create, name="create"),
    path("<int:view_id>/rename/", rename, name="rename"),
    path("<int:view_id>/delete/", delete, name="delete"),
]
