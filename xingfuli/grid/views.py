"""Pages of the grid network: parse input, call selectors and services, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from xingfuli.core import services as core_services
from xingfuli.core.calendar import next_year_missing
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, Role, User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import form_error as _form_error
from xingfuli.core.pages import is_htmx as _is_htmx
from xingfuli.core.pages import staff_page
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.grid import selectors, services
from xingfuli.grid.forms import (
    CalendarYearForm,
    GridBuildingsForm,
    GridNewForm,
    RosterFillForm,
    ShiftForm,
    StaffAddForm,
    VisitForm,
)
from xingfuli.grid.models import Grid

PER_PAGE = 30


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # base.html shows this warning on staff pages until next year's holidays are entered.
    return render(request, template, context)


def _grid_param(request: HttpRequest, actor: User) -> Grid | None:
    raw = request.GET.get("grid", "")
    if not raw.isdigit():
        return None
    return selectors.access_grid(actor=actor, grid_id=int(raw))


def _posted_int(request: HttpRequest, name: str) -> int:
    raw = request.POST.get(name, "")
    if not raw.isdigit():
        raise DomainError(
            ErrorCode.INVALID, _("That request was not complete. Please try again."), field=name
        )
    return int(raw)


# --- grids -------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def grids(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.VIEW_DASHBOARD)
    rows = list(selectors.grids_for(actor=actor))
    staff = selectors.staff_by_grid(rows)
    coverage = {c["grid_id"]: c for c in selectors.visit_coverage(actor=actor, days=30)}
    managed: list[Community] = []
    seen: set[int] = set()
    for g in rows:
        if g.community_id not in seen and has_capability(
            actor, Capability.MANAGE_GRID, community_id=g.community_id
        ):
            managed.append(g.community)
        seen.add(g.community_id)
    violations = [
        (c, selectors.leaders_not_party_members(community=c)) for c in managed
    ]
    new_form: GridNewForm | None = GridNewForm(communities=managed) if managed else None
    if request.method == "POST":
        if not managed:
            raise Forbidden()
        new_form = GridNewForm(request.POST, communities=managed)
        if new_form.is_valid():
            data = new_form.cleaned_data
            try:
                created = services.grid_create(
                    actor=actor, community=data["community"], name=data["name"],
                    sequence=data["sequence"], code=data["code"],
                    area_description=data["area_description"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound | Forbidden):
                    raise
                _form_error(new_form, exc)
            else:
                messages.success(
                    request,
                    _("%(grid)s was created. Now add its staff and buildings.")
                    % {"grid": created.name},
                )
                return redirect("grid:grid", grid_id=created.pk)
    return _render(
        request, "grid/grids.html",
        {
            "new_form": new_form,
            "grids": [
                {"grid": g, "staff": staff.get(g.pk, []), "coverage": coverage.get(g.pk)}
                for g in rows
            ],
            "violations": [(c, v) for c, v in violations if v],
            "can_visit": has_capability(actor, Capability.VIEW_REGISTRY),
        },
    )


@staff_page
def grid(request: HttpRequest, grid_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.VIEW_DASHBOARD)
    found = selectors.access_grid(actor=actor, grid_id=grid_id)
    can_manage = _may_manage(actor, found)
    q = request.GET.get("q", "").strip()[:50] if can_manage else ""
    confirm: selectors.StaffMember | None = None
    staff = selectors.grid_staff(found)
    if can_manage and request.GET.get("remove", "").isdigit():
        # "Remove" asks first, in words on the page; the POST below it does the removal.
        confirm = next(
            (
                s for s in staff
                if s.user_id == int(request.GET["remove"]) and s.role == request.GET.get("role")
            ),
            None,
        )
    part = request.GET.get("part") if _is_htmx(request) and can_manage else None
    return _grid_page(
        request, actor, found, can_manage=can_manage, staff=staff, q=q, confirm=confirm,
        part=part if part in ("staff", "candidates") else None,
    )


def _may_manage(actor: User, grid: Grid) -> bool:
    return has_capability(actor, Capability.MANAGE_GRID, community_id=grid.community_id)


def _managed_grid(request: HttpRequest, grid_id: int) -> tuple[User, Grid]:
    """The grid for a management POST: not seen is a 404, seen but not managed a 403."""
    actor = _actor(request)
    found = selectors.access_grid(actor=actor, grid_id=grid_id)
    if not _may_manage(actor, found):
        raise Forbidden()
    return actor, found


def _grid_page(
    request: HttpRequest,
    actor: User,
    found: Grid,
    *,
    can_manage: bool,
    staff: list[selectors.StaffMember] | None = None,
    q: str = "",
    candidates: list[User] | None = None,
    staff_form: StaffAddForm | None = None,
    confirm: selectors.StaffMember | None = None,
    buildings_form: GridBuildingsForm | None = None,
    status: str = "",
    part: str | None = None,
) -> HttpResponse:
    """The grid page, or one of its parts for htmx (`staff`, `candidates`, `buildings`)."""
    context: dict[str, Any] = {
        "grid": found,
        "can_manage": can_manage,
        "staff": staff if staff is not None else selectors.grid_staff(found),
        "confirm": confirm,
        "q": q,
        "status": status,
    }
    if can_manage and part != "buildings":
        if candidates is None:
            candidates = selectors.staff_candidates(
                actor=actor, community=found.community, q=q
            ) if q else []
        context["candidates"] = candidates
        context["staff_form"] = staff_form or StaffAddForm(
            candidates=candidates, initial={"q": q}
        )
    if part in ("staff", "candidates"):
        return _render(request, f"grid/grid.html#{part}", context)
    if can_manage and buildings_form is None:
        buildings_form = GridBuildingsForm(
            grid=found,
            buildings=selectors.community_buildings(actor=actor, community=found.community),
        )
    context["buildings_form"] = buildings_form
    context["buildings"] = selectors.grid_buildings(found)
    if part == "buildings":
        return _render(request, "grid/grid.html#buildings", context)
    can_read = has_capability(actor, Capability.VIEW_REGISTRY)
    overdue_qs = selectors.overdue_key_households(actor=actor, grid=found)
    overdue = list(overdue_qs[:10])
    today = timezone.localdate()
    coverage = selectors.visit_coverage(actor=actor, days=30, grid=found)
    context.update(
        {
            "coverage": coverage[0] if coverage else None,
            "overdue": [_overdue_row(h, today) for h in overdue],
            "overdue_count": overdue_qs.count() if len(overdue) == 10 else len(overdue),
            "visits": [_visit_row(v) for v in selectors.visits_for(actor=actor, grid=found)[:10]],
            "can_read": can_read,
        }
    )
    return _render(request, "grid/grid.html", context)


def _done(request: HttpRequest, found: Grid, anchor: str, status: str) -> HttpResponse:
    messages.success(request, status)
    return redirect(reverse("grid:grid", args=[found.pk]) + f"#{anchor}")


@staff_page
@require_POST
def staff_add(request: HttpRequest, grid_id: int) -> HttpResponse:
    """Put a person found in the community, or a new person, on the grid's staff chain."""
    actor, found = _managed_grid(request, grid_id)
    q = request.POST.get("q", "").strip()[:50]
    candidates = (
        selectors.staff_candidates(actor=actor, community=found.community, q=q) if q else []
    )
    chosen = request.POST.get("user", "")
    if chosen.isdigit() and int(chosen) not in {c.pk for c in candidates}:
        candidates += selectors.staff_candidates(
            actor=actor, community=found.community, user_ids=[int(chosen)]
        )
    form = StaffAddForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        new_person = form.is_new_person
        try:
            # A new person and their place on the chain are saved together, or neither is.
            with transaction.atomic():
                if new_person:
                    user_id = core_services.user_create(
                        actor=actor, name=data["name"], mobile=data["mobile"],
                        is_party_member=data["is_party_member"],
                        community_id=found.community_id,
                    ).pk
                else:
                    user_id = data["user"]
                assignment = services.grid_staff_assign(
                    actor=actor, grid_id=found.pk, user_id=user_id, role=data["role"]
                )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            field = exc.field if exc.field in form.fields else None
            if field == "user" and new_person:
                # The service speaks of "the user"; here the new person's party membership
                # (or name) is what is wrong.
                field = "is_party_member" if exc.code == ErrorCode.NOT_PARTY_MEMBER else "name"
            form.add_error(field, str(exc.message))
        else:
            status = _("%(name)s is now on the staff of %(grid)s: %(role)s.") % {
                "name": assignment.user.name, "grid": found.name,
                "role": capfirst(Role(assignment.role).label),
            }
            if new_person:
                status += " " + _(
                    "They have no password yet: set one for them in the admin site."
                )
            if _is_htmx(request):
                return _grid_page(request, actor, found, can_manage=True, status=status,
                                  part="staff")
            return _done(request, found, "staff", status)
    return _grid_page(
        request, actor, found, can_manage=True, q=q, candidates=candidates, staff_form=form,
        part="staff" if _is_htmx(request) else None,
    )


@staff_page
@require_POST
def staff_remove(request: HttpRequest, grid_id: int) -> HttpResponse:
    """Take a person off the grid's staff, once the page asked and they said yes."""
    actor, found = _managed_grid(request, grid_id)
    user_id = _posted_int(request, "user")
    role = request.POST.get("role", "")
    staff = selectors.grid_staff(found)
    member = next((s for s in staff if s.user_id == user_id and s.role == role), None)
    if member is None:
        raise NotFound(_("This person does not hold that role in this grid."))
    part = "staff" if _is_htmx(request) else None
    if request.POST.get("confirm") != "yes":
        return _grid_page(request, actor, found, can_manage=True, staff=staff, confirm=member,
                          part=part)
    services.grid_staff_remove(actor=actor, grid_id=found.pk, user_id=user_id, role=role)
    status = _("%(name)s is no longer %(role)s of %(grid)s.") % {
        "name": member.name, "role": member.role_label, "grid": found.name,
    }
    if part:
        return _grid_page(request, actor, found, can_manage=True, status=status, part=part)
    return _done(request, found, "staff", status)


@staff_page
@require_POST
def grid_buildings(request: HttpRequest, grid_id: int) -> HttpResponse:
    """Choose the grid's buildings; one now in another grid moves only when asked to."""
    actor, found = _managed_grid(request, grid_id)
    buildings = selectors.community_buildings(actor=actor, community=found.community)
    form = GridBuildingsForm(request.POST, grid=found, buildings=buildings)
    part = "buildings" if _is_htmx(request) else None
    if form.is_valid():
        try:
            services.grid_buildings_set(
                actor=actor, grid_id=found.pk, building_ids=form.cleaned_data["building_ids"],
                move=form.cleaned_data["move"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            _form_error(form, exc)
        else:
            status = _("The buildings of %(grid)s were saved.") % {"grid": found.name}
            if part is None:
                return _done(request, found, "buildings", status)
            return _grid_page(request, actor, found, can_manage=True, status=status,
                              part=part)
    return _grid_page(request, actor, found, can_manage=True, buildings_form=form, part=part)


# --- visits ------------------------------------------------------------------------------


def _visit_row(v: Any) -> dict[str, Any]:
    return {
        "visit": v,
        "dwelling": selectors.dwelling_label(v.dwelling),
        "people": [r.name for r in v.people_met.all()],
        "opinions": list(v.opinions.all()),
    }


def _overdue_row(h: Any, today: dt.date) -> dict[str, Any]:
    living = getattr(h, "living", [])
    head = selectors.household_head(living)
    last = getattr(h, "last_visited_at", None)
    return {
        "household": h,
        "dwelling": selectors.dwelling_label(h.dwelling),
        "head": head,
        "key_groups": selectors.key_group_names(living),
        "last_visited_at": last,
        "days_since": selectors.days_since(last, today),
        "interval": h.dwelling.unit.building.community.visit_interval_days,
    }


@staff_page
def visits(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.VIEW_REGISTRY)
    selected = _grid_param(request, actor)
    page = Paginator(selectors.visits_for(actor=actor, grid=selected), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _render(
        request, "grid/visits.html",
        {
            "page": page,
            "rows": [_visit_row(v) for v in page.object_list],
            "grids": list(selectors.grids_for(actor=actor)),
            "selected": selected,
        },
    )


@staff_page
def visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.VIEW_REGISTRY)
    found = selectors.access_visit(actor=actor, visit_id=visit_id)
    return _render(
        request, "grid/visit.html",
        {"visit": found, "row": _visit_row(found), "grid_id": selectors.visit_grid_id(found)},
    )


@staff_page
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, dwelling_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.RECORD_VISIT)
    target = selectors.visit_target(actor=actor, dwelling_id=dwelling_id)
    if request.method == "POST":
        form = VisitForm(request.POST, residents=target.residents)
        if form.is_valid():
            data = form.cleaned_data
            try:
                recorded = services.visit_record(
                    actor=actor,
                    dwelling_id=target.dwelling.pk,
                    visited_at=data["visited_at"],
                    people_met_ids=data["people_met_ids"],
                    others_met=data["others_met"],
                    health=data["health"],
                    living_situation=data["living_situation"],
                    hardship=data["hardship"],
                    needs=data["needs"],
                    nobody_home=data["nobody_home"],
                    opinions=data["opinions"],
                    idempotency_key=data["idempotency_key"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound | Forbidden):
                    raise
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The visit to %(dwelling)s was recorded.")
                    % {"dwelling": selectors.dwelling_label(target.dwelling)},
                )
                if recorded.household_id:
                    return redirect(reverse("registry:household", args=[recorded.household_id]))
                return redirect("grid:visit", visit_id=recorded.pk)
    else:
        form = VisitForm(residents=target.residents)
    return _render(
        request, "grid/visit_new.html",
        {
            "target": target,
            "dwelling_label": selectors.dwelling_label(target.dwelling),
            "form": form,
        },
    )


@staff_page
def overdue(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.VIEW_REGISTRY)
    selected = _grid_param(request, actor)
    today = timezone.localdate()
    page = Paginator(
        selectors.overdue_key_households(actor=actor, grid=selected, today=today), 50
    ).get_page(request.GET.get("page"))
    return _render(
        request, "grid/overdue.html",
        {
            "page": page,
            "rows": [_overdue_row(h, today) for h in page.object_list],
            "grids": list(selectors.grids_for(actor=actor)),
            "selected": selected,
        },
    )


# --- the duty roster ---------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community = selectors.working_community(
        actor=actor, slug=request.GET.get("community") or request.POST.get("community")
    )
    require(actor, Capability.VIEW_DASHBOARD, community_id=community.pk)
    month = request.GET.get("month") or request.POST.get("month")
    start, end = selectors.month_bounds(month)
    can_manage = has_capability(actor, Capability.MANAGE_GRID, community_id=community.pk)
    people = selectors.duty_candidates(community=community) if can_manage else []
    shift_form = ShiftForm(
        people=people, prefix="shift", initial={"date": _day_param(request.GET.get("date"))}
    )
    fill_form = RosterFillForm(
        people=people, prefix="fill", initial={"start": start, "end": end}
    )
    back = f"{reverse('grid:roster')}?community={community.slug}&month={start:%Y-%m}"
    htmx = _is_htmx(request)
    # What the htmx fragments of the page (one day's cell, the "put on duty" form) need.
    part: dict[str, Any] = {"community": community, "start": start, "can_manage": can_manage}
    if request.method == "POST":
        if not can_manage:
            raise Forbidden()
        action = request.POST.get("action")
        try:
            if action == "remove":
                removed = services.duty_shift_remove(
                    actor=actor, shift_id=int(request.POST["shift"])
                )
                if htmx:  # the day's cell swaps in place
                    (day,) = selectors.duty_roster(
                        community=community, start=removed.date, end=removed.date
                    )
                    return _render(request, "grid/roster.html#day", {**part, "d": day})
                messages.success(request, _("The shift was removed."))
                return redirect(back)
            if action == "add":
                shift_form = ShiftForm(request.POST, people=people, prefix="shift")
                if shift_form.is_valid():
                    shift = services.duty_shift_set(
                        actor=actor, community=community,
                        date=shift_form.cleaned_data["date"],
                        person=shift_form.cleaned_data["person"],
                        note=shift_form.cleaned_data["note"],
                    )
                    status = _("%(name)s is on duty on %(date)s.") % {
                        "name": shift.person.name, "date": f"{shift.date:%Y-%m-%d}",
                    }
                    if htmx:  # a fresh form, and the day's cell swapped out of band
                        (day,) = selectors.duty_roster(
                            community=community, start=shift.date, end=shift.date
                        )
                        return _render(
                            request, "grid/roster.html#assign",
                            {**part, "shift_form": ShiftForm(people=people, prefix="shift"),
                             "status": status, "oob_day": day},
                        )
                    messages.success(request, status)
                    return redirect(back)
            elif action == "fill":
                fill_form = RosterFillForm(request.POST, people=people, prefix="fill")
                if fill_form.is_valid():
                    created = services.duty_roster_fill(
                        actor=actor, community=community,
                        start=fill_form.cleaned_data["start"], end=fill_form.cleaned_data["end"],
                        people=fill_form.cleaned_data["people"],
                    )
                    messages.success(
                        request,
                        ngettext("%(n)s day without anyone on duty was filled.",
                                 "%(n)s days without anyone on duty were filled.",
                                 len(created)) % {"n": len(created)},
                    )
                    return redirect(back)
        except (KeyError, ValueError):
            messages.error(request, _("That request was not complete. Please try again."))
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            target_form: Any = fill_form if action == "fill" else shift_form
            field = exc.field if exc.field in target_form.fields else None
            if action == "add" and exc.field == "person":
                field = "person"
            if action == "fill" and exc.field == "person":
                field = "people"
            target_form.add_error(field, str(exc.message))
        if htmx and action == "add":
            return _render(request, "grid/roster.html#assign", {**part, "shift_form": shift_form})
    days = selectors.duty_roster(community=community, start=start, end=end)
    prev_month = (start - dt.timedelta(days=1)).replace(day=1)
    next_month = end + dt.timedelta(days=1)
    return _render(
        request, "grid/roster.html",
        {
            "community": community,
            "days": days,
            "gaps": [d for d in days if d.is_gap],
            "fallback": any(d.fallback for d in days),
            "start": start,
            "prev_month": prev_month,
            "next_month": next_month,
            "can_manage": can_manage,
            "shift_form": shift_form,
            "fill_form": fill_form,
        },
    )


def _day_param(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


# --- the holiday arrangement ---------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.VIEW_DASHBOARD)
    can_edit = services.may_edit_calendar(actor)
    today = timezone.localdate()
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else today.year
    holidays, workdays = selectors.calendar_days_of(year)
    form: CalendarYearForm | None = None
    if can_edit:
        # Offer next year when it is missing, else the year shown, filled in for correction.
        edit_year = next_year_missing(today) or year
        h, w = (holidays, workdays) if edit_year == year else selectors.calendar_days_of(edit_year)
        form = CalendarYearForm(
            initial={
                "year": edit_year,
                "holidays": "\n".join(f"{d.date:%Y-%m-%d} {d.name}" for d in h),
                "workdays": "\n".join(f"{d.date:%Y-%m-%d} {d.name}" for d in w),
            }
        )
    if request.method == "POST":
        if not can_edit:
            raise Forbidden()
        if request.POST.get("action") == "package":
            added = services.calendar_fill_from_package(actor=actor)
            messages.success(
                request,
                _("Built-in years loaded: %(years)s")
                % {"years": ", ".join(str(y) for y in added) or _("none (all were there)")},
            )
            return redirect("grid:calendar")
        form = CalendarYearForm(request.POST)
        if form.is_valid():
            try:
                cal = services.calendar_arrangement_set(
                    actor=actor, year=form.cleaned_data["year"],
                    holidays=form.cleaned_data["holidays"],
                    workdays=form.cleaned_data["workdays"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound | Forbidden):
                    raise
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The holiday arrangement for %(year)s was saved.") % {"year": cal.year},
                )
                return redirect(f"{reverse('grid:calendar')}?year={cal.year}")
    years = selectors.calendar_years()
    return _render(
        request, "grid/calendar.html",
        {
            "year": year,
            "years": years,
            "entered": any(y["year"] == year for y in years),
            "holidays": holidays,
            "workdays": workdays,
            "form": form,
            "can_edit": can_edit,
        },
    )


# --- public ------------------------------------------------------------------------------


def card(request: HttpRequest, community: str, sequence: int) -> HttpResponse:
    """The public grid card: no login, printable, large type, no residents' data."""
    try:
        found = selectors.grid_card(community_slug=community, sequence=sequence)
    except NotFound:
        raise Http404 from None
    return render(request, "grid/card.html", {"card": found})
