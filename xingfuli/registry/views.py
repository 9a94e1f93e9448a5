"""Registry pages: buildings and their 楼栋图, households, residents, search.

Views parse input, call selectors and services, and shape output. A NotFound or Forbidden raised
by them becomes a 404 or 403 page (core.middleware.DomainErrorMiddleware).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.registry import selectors, services
from xingfuli.registry.forms import ResidentEditForm, ResidentForm
from xingfuli.registry.models import Household, Resident


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by login_required
    return user


def _community_id(household: Household) -> int:
    return household.dwelling.unit.building.community_id


def _may(actor: User, capability: Capability, household: Household) -> bool:
    return has_capability(actor, capability, community_id=_community_id(household))


def _tag_choices() -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in selectors.tags_all()]


@login_required
def buildings(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.buildings_for(_actor(request)))
    return render(request, "registry/buildings.html", {"buildings": rows})


@login_required
def building(request: HttpRequest, building_id: int) -> HttpResponse:
    actor = _actor(request)
    plan = selectors.building_floorplan(actor, building_id)
    can_edit = has_capability(actor, Capability.EDIT_REGISTRY,
                              community_id=plan.building.community_id)
    return render(request, "registry/building.html", {"plan": plan, "can_edit": can_edit})


@login_required
@require_POST
def household_new(request: HttpRequest, dwelling_id: int) -> HttpResponse:
    """Register a household in an empty dwelling (from the 楼栋图), then add its residents."""
    household = services.household_create(
        actor=_actor(request), dwelling_id=dwelling_id, code=request.POST.get("code", ""),
        phone=request.POST.get("phone", ""),
    )
    messages.success(request, _("The household was registered. Now add its residents."))
    return redirect("registry:resident_new", household_id=household.pk)


def _people(
    residents: list[Resident], revealed: dict[int, dict[str, str]] | None = None
) -> list[tuple[Resident, int, dict[str, str] | None]]:
    """Rows of (resident, age today, full numbers if revealed)."""
    today = timezone.localdate()
    revealed = revealed or {}
    return [(r, selectors.age_on(r.birth_date, today), revealed.get(r.pk)) for r in residents]


@login_required
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    actor = _actor(request)
    row = selectors.access_household(actor, household_id)
    residents = list(row.residents.all())
    revealed: dict[int, dict[str, str]] = {}
    if request.method == "POST":  # "Show full numbers": every reveal is audited by the service
        if not _may(actor, Capability.UNMASK_PERSONAL, row):
            raise PermissionDenied
        revealed = {
            r.pk: services.resident_reveal(actor=actor, resident_id=r.pk) for r in residents
        }
    return render(
        request, "registry/household.html",
        {
            "household": row, "dwelling": row.dwelling, "people": _people(residents, revealed),
            "revealed": bool(revealed),
            "can_edit": _may(actor, Capability.EDIT_REGISTRY, row),
            "can_unmask": _may(actor, Capability.UNMASK_PERSONAL, row),
            "can_visit": _may(actor, Capability.RECORD_VISIT, row),
        },
    )


@login_required
def resident(request: HttpRequest, resident_id: int) -> HttpResponse:
    actor = _actor(request)
    row = selectors.access_resident(actor, resident_id)
    revealed: dict[str, str] = {}
    if request.method == "POST":
        revealed = services.resident_reveal(actor=actor, resident_id=row.pk)
    return render(
        request, "registry/resident.html",
        {
            "resident": row, "household": row.household,
            "age": selectors.age_on(row.birth_date, timezone.localdate()),
            "revealed": revealed,
            "can_edit": _may(actor, Capability.EDIT_REGISTRY, row.household),
            "can_unmask": _may(actor, Capability.UNMASK_PERSONAL, row.household),
        },
    )


@login_required
def resident_new(request: HttpRequest, household_id: int) -> HttpResponse:
    actor = _actor(request)
    row = selectors.access_household(actor, household_id)
    if not _may(actor, Capability.EDIT_REGISTRY, row):
        raise PermissionDenied
    form = ResidentForm(request.POST or None, tag_choices=_tag_choices())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.resident_create(actor=actor, household_id=row.pk,
                                               **form.cleaned_data)
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": created.name})
            return redirect("registry:household", household_id=row.pk)
    return render(request, "registry/resident_form.html",
                  {"form": form, "household": row, "resident": None})


@login_required
def resident_edit(request: HttpRequest, resident_id: int) -> HttpResponse:
    actor = _actor(request)
    row = selectors.access_resident(actor, resident_id)
    if not _may(actor, Capability.EDIT_REGISTRY, row.household):
        raise PermissionDenied
    initial: dict[str, Any] = {
        "name": row.name, "relation": row.relation, "residence_type": row.residence_type,
        "status": row.status, "note": row.note, "version": row.version,
        "tags": [t.code for t in row.tags.all()],
    }
    form = ResidentEditForm(request.POST or None, initial=initial, resident=row,
                            tag_choices=_tag_choices())
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(actor=actor, resident_id=row.pk,
                                     version=form.cleaned_data["version"], **form.changes())
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("registry:resident", resident_id=row.pk)
    return render(request, "registry/resident_form.html",
                  {"form": form, "household": row.household, "resident": row})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    q = request.GET.get("q", "").strip()[:50]
    limit = 50
    results = selectors.residents_search(actor, q, limit=limit)
    context = {
        "q": q, "people": _people(results), "limit_reached": len(results) >= limit,
    }
    template = "registry/search.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)
