"""Registry pages: buildings and their 楼栋图, households, residents, search.

Views parse input, call selectors and services, and shape output. A NotFound or Forbidden raised
by them becomes a 404 or 403 page (core.middleware.DomainErrorMiddleware).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import Community, User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.core.selectors import communities_for
from xingfuli.registry import privacy, selectors, services
from xingfuli.registry.forms import BuildingForm, OwnerForm, ResidentEditForm, ResidentForm
from xingfuli.registry.models import Household, Resident


def _community_id(household: Household) -> int:
    return household.dwelling.unit.building.community_id


def _may(actor: User, capability: Capability, household: Household) -> bool:
    return has_capability(actor, capability, community_id=_community_id(household))


def _tag_choices() -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in selectors.tags_all()]


@login_required
def buildings(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = list(selectors.buildings_for(actor))
    return render(
        request, "registry/buildings.html",
        {"buildings": rows, "can_add_building": _may_add_buildings(actor)},
    )


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
    if request.method == "POST":  # "Show full numbers": each reveal audited with its reason
        if not _may(actor, Capability.UNMASK_PERSONAL, row):
            raise PermissionDenied
        try:
            with transaction.atomic():
                revealed = {r.pk: _reveal(request, actor, r.pk) for r in residents}
        except DomainError as exc:
            if exc.code != ErrorCode.INVALID:
                raise
            messages.error(request, str(exc.message))
    return render(
        request, "registry/household.html",
        {
            "household": row, "dwelling": row.dwelling, "people": _people(residents, revealed),
            "revealed": bool(revealed),
            "can_edit": _may(actor, Capability.EDIT_REGISTRY, row),
            "can_unmask": _may(actor, Capability.UNMASK_PERSONAL, row),
            "reveal_reasons": privacy.RevealReason.choices,
            "can_visit": _may(actor, Capability.RECORD_VISIT, row),
            "owners": selectors.dwelling_owners(actor, row.dwelling_id),
            "can_add_owner": _may_add_buildings(actor)
            and _may(actor, Capability.EDIT_REGISTRY, row),
        },
    )


@login_required
def owner_new(request: HttpRequest, household_id: int) -> HttpResponse:
    """Record an owner of the household's dwelling (community staff)."""
    actor = _actor(request)
    row = selectors.access_household(actor, household_id)
    form = OwnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dwelling_owner_add(actor=actor, dwelling_id=row.dwelling_id,
                                        **form.cleaned_data)
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The owner was recorded."))
            return redirect("registry:household", household_id=row.pk)
    return render(request, "registry/owner_form.html", {"form": form, "household": row})


def _reveal(request: HttpRequest, actor: User, resident_id: int) -> dict[str, str]:
    """Full numbers for the reason given on the form (audited with it; no reason, no numbers)."""
    return privacy.reveal_personal(
        actor=actor, resident_id=resident_id, field="all",
        reason=request.POST.get("reason", ""), note=request.POST.get("note", ""),
    )


@login_required
def resident(request: HttpRequest, resident_id: int) -> HttpResponse:
    actor = _actor(request)
    row = selectors.access_resident(actor, resident_id)
    revealed: dict[str, str] = {}
    if request.method == "POST":
        if not _may(actor, Capability.UNMASK_PERSONAL, row.household):
            raise PermissionDenied
        try:
            revealed = _reveal(request, actor, row.pk)
        except DomainError as exc:
            if exc.code != ErrorCode.INVALID:
                raise
            messages.error(request, str(exc.message))
    return render(
        request, "registry/resident.html",
        {
            "resident": row, "household": row.household,
            "age": selectors.age_on(row.birth_date, timezone.localdate()),
            "revealed": revealed,
            "can_edit": _may(actor, Capability.EDIT_REGISTRY, row.household),
            "can_unmask": _may(actor, Capability.UNMASK_PERSONAL, row.household),
            "reveal_reasons": privacy.RevealReason.choices,
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


def _may_add_buildings(actor: User) -> bool:
    """Whether to link "New building": from the roles already loaded, no extra query."""
    scope = scope_of(actor)
    return scope.everything or any(
        has_capability(actor, Capability.EDIT_REGISTRY, community_id=c) for c in scope.communities
    )


def _building_communities(actor: User) -> list[Community]:
    """The communities where the actor registers buildings: community staff, not a grid's."""
    return [
        c for c in scoped(communities_for(actor=actor), actor, write=True)
        if has_capability(actor, Capability.EDIT_REGISTRY, community_id=c.pk)
    ]


@login_required
def building_new(request: HttpRequest) -> HttpResponse:
    """Community staff register a new building (and, if they manage grids, put it in one)."""
    # The grid is another module built on the registry: imported here, where it is used.
    from xingfuli.grid import selectors as grid_selectors
    from xingfuli.grid import services as grid_services

    actor = _actor(request)
    communities = _building_communities(actor)
    if not communities:
        raise PermissionDenied
    by_id = {c.pk: c for c in communities}
    grids = [
        g for g in grid_selectors.grids_for(actor=actor)
        if g.community_id in by_id
        and has_capability(actor, Capability.MANAGE_GRID, community_id=g.community_id)
    ]
    many = len(communities) > 1
    form = BuildingForm(
        request.POST or None,
        communities=[(c.pk, c.name) for c in communities],
        grids=[(g.pk, f"{g.community.name} · {g.name}" if many else g.name) for g in grids]
        if grids else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grid = next((g for g in grids if g.pk == data.get("grid")), None)
        try:
            # The building and its place in a grid are saved together, or neither is.
            with transaction.atomic():
                created = services.building_create(
                    actor=actor, community=by_id[data["community"]], number=data["number"],
                    floors=data["floors"], units=data["units"],
                    rooms_per_floor=data["rooms_per_floor"], year_built=data["year_built"],
                    address=data["address"], area_default=data["area_default"] or None,
                )
                if grid is not None:
                    grid_services.grid_building_add(
                        actor=actor, grid_id=grid.pk, building_id=created.pk
                    )
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("%(building)s was registered with %(n)s dwellings.")
                % {"building": created,
                   "n": data["units"] * data["floors"] * data["rooms_per_floor"]},
            )
            return redirect("registry:building", building_id=created.pk)
    return render(request, "registry/building_new.html", {"form": form})
