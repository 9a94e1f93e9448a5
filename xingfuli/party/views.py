"""Pages of 党建+网格: branches, a grid's public party notice, in-service registration and
review, the small-wishes board. Parse input, call selectors and services, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import is_htmx, staff_page
from xingfuli.party import selectors, services
from xingfuli.party.forms import OrganisationForm
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish


def _community_id(actor: User) -> int:
    community = selectors.home_community(actor)
    if community is None:
        raise NotFound()
    return community.pk


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


# --- organisations ------------------------------------------------------------------------------


@staff_page
@require_GET
def branches(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community_id = _community_id(actor)
    can_manage = selectors.can_manage(actor, community_id)
    return render(request, "party/branches.html", {
        "organisations": list(selectors.branches_for(actor=actor, include_inactive=can_manage)),
        "can_manage": can_manage,
        "stats": selectors.statistics(actor=actor, community_id=community_id)
        if can_manage else None,
        "breaking": selectors.grid_leaders_breaking_rule(actor=actor, community_id=community_id)
        if can_manage else [],
    })


def _branch_page(request: HttpRequest, actor: User, org: PartyOrganisation, *,
                 error: DomainError | None = None) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:20]
    can_manage = selectors.can_manage(actor, org.community_id)
    return render(request, "party/branch.html", {
        "org": org, "members": selectors.branch_members(actor=actor, organisation=org),
        "can_manage": can_manage,
        "can_add": selectors.can_add_members(actor, org),
        "q": q, "candidates": selectors.member_candidates(actor=actor, organisation=org, q=q),
        "error": error,
    }, status=400 if error else 200)


@staff_page
@require_GET
def branch(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = _actor(request)
    org = selectors.access_organisation(actor=actor, organisation_id=organisation_id)
    return _branch_page(request, actor, org)


def _organisation_form(request: HttpRequest, actor: User, community_id: int,
                       org: PartyOrganisation | None) -> OrganisationForm:
    choices = selectors.organisation_choices(
        actor=actor, community_id=community_id,
        keep_secretary_id=org.secretary_id if org is not None else None)
    initial: dict[str, Any] = {}
    if org is not None:
        initial = {"name": org.name, "secretary_id": org.secretary_id,
                   "grid_ids": [g.pk for g in org.grids.all()],
                   "building_ids": [b.pk for b in org.buildings.all()],
                   "active": org.active, "version": org.version}
    return OrganisationForm(request.POST if request.method == "POST" else None,
                            initial=initial, choices=choices, editing=org is not None,
                            kinds=choices.kinds)


def _saved(form: OrganisationForm, call: Callable[[dict[str, Any]], PartyOrganisation],
           ) -> tuple[PartyOrganisation | None, int]:
    """Validate the form and call the service; a rule it reports is shown next to the field
    it names (a stale version above the form, answered 409). Returns (saved, status)."""
    if not form.is_valid():
        return None, 400
    try:
        return call(form.cleaned_data), 200
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        field = exc.field if exc.field in form.fields and exc.field != "version" else None
        form.add_error(field, str(exc.message))
        return None, 409 if exc.code == ErrorCode.CONFLICT else 400


@staff_page
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest) -> HttpResponse:
    """Staff set up the community party committee, then its branches on grids and buildings."""
    actor = _actor(request)
    community = selectors.managed_community(actor)
    if community is None:
        raise NotFound()
    form = _organisation_form(request, actor, community.pk, None)
    status = 200
    if request.method == "POST":
        org, status = _saved(form, lambda d: services.organisation_create(
            actor=actor, community_id=community.pk, name=d["name"], kind=d["kind"],
            secretary_id=d["secretary_id"], grid_ids=d["grid_ids"],
            building_ids=d["building_ids"]))
        if org is not None:
            messages.success(request, _("%(name)s is set up.") % {"name": org.name})
            return redirect("party:branch", org.pk)
    return render(request, "party/organisation_form.html", {
        "form": form, "org": None, "community": community}, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Staff edit an organisation; the form carries the version it showed, so a change saved
    by someone else in the meantime is refused, never overwritten."""
    actor = _actor(request)
    org = selectors.access_managed_organisation(actor=actor, organisation_id=organisation_id)
    form = _organisation_form(request, actor, org.community_id, org)
    status = 200
    if request.method == "POST":
        saved, status = _saved(form, lambda d: services.organisation_update(
            actor=actor, organisation_id=org.pk, version=d["version"], name=d["name"],
            secretary_id=d["secretary_id"], grid_ids=d["grid_ids"],
            building_ids=d["building_ids"], active=d["active"]))
        if saved is not None:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("party:branch", saved.pk)
    return render(request, "party/organisation_form.html", {
        "form": form, "org": org, "community": None, "stale": status == 409}, status=status)


@staff_page
@require_POST
def member_add(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Staff link a resident tagged 党员 (found on the branch page) to the branch."""
    actor = _actor(request)
    org = selectors.access_managed_organisation(actor=actor, organisation_id=organisation_id)
    try:
        resident_id = int(request.POST.get("resident", "") or 0)
    except ValueError:
        resident_id = 0
    try:
        member = services.member_add(actor=actor, resident_id=resident_id, branch_id=org.pk)
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        return _branch_page(request, actor, org, error=exc)
    messages.success(request, _("%(name)s is now a member of %(branch)s.")
                     % {"name": member.name, "branch": org.name})
    return redirect("party:branch", org.pk)


@require_GET
def grid(request: HttpRequest, grid_id: int) -> HttpResponse:
    """Public notice (no login): a grid's branch and the members shown there (亮身份)."""
    info = selectors.grid_party(grid_id=grid_id)
    template = "party/grid.html#card" if is_htmx(request) else "party/grid.html"
    return render(request, template, {"info": info})


# --- members ---------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """双报到: an in-service party member registers with the community."""
    actor = _actor(request)
    community = selectors.registration_community(actor)
    if community is None:
        raise NotFound()
    branch_list = selectors.branches_to_report_to(community_id=community.pk)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            branch_id = int(request.POST.get("branch", "0") or 0)
        except ValueError:
            branch_id = 0
        try:
            services.in_service_register(
                actor=actor, community_id=community.pk, name=request.POST.get("name", ""),
                employer=request.POST.get("employer", ""), branch_id=branch_id,
                skills=request.POST.get("skills", "").replace("，", ",").split(","),
                availability=request.POST.get("availability", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Thank you: community staff will review your "
                                        "registration."))
            return redirect("party:me")
    return render(request, "party/register.html", {
        "community": community, "branches": branch_list, "error": error, "post": request.POST,
    }, status=400 if error else 200)


@staff_page
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    from xingfuli.volunteers.selectors import my_volunteer, volunteer_record

    volunteer = my_volunteer(actor=actor)
    return render(request, "party/me.html", {
        "memberships": selectors.my_memberships(actor),
        "record": volunteer_record(volunteer=volunteer, limit=5) if volunteer else None,
        "wishes": list(selectors.wishes_for(actor=actor).filter(claimed_by=actor)[:50]),
    })


@staff_page
@require_POST
def consent(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = _actor(request)
    agree = request.POST.get("agree") == "yes"
    member = services.identity_consent_set(actor=actor, member_id=member_id, agree=agree)
    if member.user_id == actor.pk:
        messages.success(request, _("You are now shown on the grid's notice.") if agree
                         else _("You are no longer shown on public pages."))
    else:
        messages.success(request, (_("%(name)s is now shown on the grid's notice.") if agree
                                   else _("%(name)s is no longer shown on public pages."))
                         % {"name": member.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = ""  # only a page of this site: never an open redirect
    return redirect(target or "party:me")


@staff_page
@require_GET
def in_service(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community_id = _community_id(actor)
    if not selectors.can_manage(actor, community_id):
        raise NotFound()
    rows = list(selectors.members_for(actor=actor, status=PartyMember.Status.PENDING,
                                      kind=PartyMember.Kind.IN_SERVICE)[:100])
    return render(request, "party/in_service.html", {"rows": rows})


@staff_page
@require_POST
def review(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        services.in_service_review(
            actor=actor, member_id=member_id, approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""), version=_version(request))
    except DomainError as exc:
        if exc.code == "not_found":
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The registration was reviewed."))
    return redirect("party:in_service")


# --- wishes ------------------------------------------------------------------------------------


@staff_page
@require_GET
def wishes(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    if status not in Wish.Status.values:
        status = ""
    rows = list(selectors.wishes_for(actor=actor, status=status or None)[:100])
    return render(request, "party/wishes.html", {
        "rows": rows, "status": status, "statuses": Wish.Status.choices,
    })


def _wish_page(request: HttpRequest, actor: User, wish: Wish,
               status: int = 200) -> HttpResponse:
    context = {
        "wish": wish, "can_claim": selectors.can_claim(actor, wish),
        "can_fulfil": wish.status == Wish.Status.CLAIMED and wish.claimed_by_id == actor.pk,
        "can_confirm": selectors.can_confirm(actor, wish),
        "can_cancel": selectors.can_cancel(actor, wish),
        "is_claimant": wish.claimed_by_id == actor.pk,
    }
    template = "party/wish.html#panel" if is_htmx(request) else "party/wish.html"
    return render(request, template, context, status=status)


@staff_page
@require_GET
def wish(request: HttpRequest, wish_id: int) -> HttpResponse:
    actor = _actor(request)
    return _wish_page(request, actor, selectors.access_wish(actor=actor, wish_id=wish_id))


@staff_page
@require_POST
def wish_action(request: HttpRequest, wish_id: int, action: str) -> HttpResponse:
    actor = _actor(request)
    selectors.access_wish(actor=actor, wish_id=wish_id)
    try:
        if action == "claim":
            services.wish_claim(actor=actor, wish_id=wish_id)
            messages.success(request, _("You claimed this wish. Thank you!"))
        elif action == "release":
            services.wish_release(actor=actor, wish_id=wish_id)
            messages.success(request, _("You gave the wish back: others may claim it now."))
        elif action == "fulfil":
            try:
                minutes = int(request.POST.get("minutes", ""))
            except ValueError:
                minutes = 0
            services.wish_fulfil(actor=actor, wish_id=wish_id, minutes=minutes,
                                 note=request.POST.get("note", ""), version=_version(request))
            messages.success(request, _("Recorded as fulfilled: waiting for confirmation."))
        elif action == "confirm":
            services.wish_confirm(actor=actor, wish_id=wish_id, version=_version(request))
            messages.success(request, _("Confirmed: the helper's service hours are credited."))
        elif action == "cancel":
            services.wish_cancel(actor=actor, wish_id=wish_id, version=_version(request))
            messages.success(request, _("The wish was cancelled."))
        else:
            raise NotFound()
    except DomainError as exc:
        if exc.code in ("not_found",):
            raise
        messages.error(request, str(exc.message))
        return redirect("party:wish", wish_id)
    if action in ("release",):
        return redirect("party:wishes")
    try:
        return redirect("party:wish", selectors.access_wish(actor=actor, wish_id=wish_id).pk)
    except NotFound:
        return redirect("party:wishes")


@staff_page
@require_http_methods(["GET", "POST"])
def wish_new(request: HttpRequest) -> HttpResponse:
    """Post a wish: a resident for their household, or staff and grid workers on a resident's
    behalf (search by name)."""
    actor = _actor(request)
    q = request.GET.get("q", "").strip()[:20]
    residents = selectors.wish_residents(actor=actor, q=q) if q or \
        not selectors.can_manage(actor, _community_id(actor)) else []
    error: DomainError | None = None
    if request.method == "POST":
        try:
            resident_id = int(request.POST.get("resident", "0") or 0)
        except ValueError:
            resident_id = 0
        try:
            created = services.wish_post(
                actor=actor, resident_id=resident_id, title=request.POST.get("title", ""),
                detail=request.POST.get("detail", ""),
                idempotency_key=request.POST.get("idempotency_key", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("The wish is on the board."))
            return redirect("party:wish", created.pk)
    return render(request, "party/wish_new.html", {
        "q": q, "residents": residents, "error": error, "post": request.POST,
        "key": uuid.uuid4().hex,
    }, status=400 if error else 200)
