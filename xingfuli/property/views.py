"""Pages of the property service center: parse input, call selectors and services, render."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core.errors import DomainError, NotFound
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import form_error as _form_error
from xingfuli.core.pages import is_htmx as _is_htmx
from xingfuli.core.pages import staff_page
from xingfuli.property import selectors, services
from xingfuli.property.forms import AcceptForm, SpendingForm
from xingfuli.property.models import RenovationProject

# --- center and teams ----------------------------------------------------------------------


@staff_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    center = selectors.centers_for(actor=_actor(request)).first()
    if center is None:
        raise NotFound()
    return redirect("property:center", center.pk)


@staff_page
@require_GET
def center(request: HttpRequest, center_id: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.access_center(actor=actor, center_id=center_id)
    teams = list(selectors.teams_for(actor=actor, center_id=found.pk))
    members = selectors.members_of_teams(actor=actor, team_ids=[t.pk for t in teams])
    return render(request, "property/center.html", {
        "center": found,
        "teams": [(t, members[t.pk]) for t in teams],
        "can_manage": selectors.can_manage(actor, found.community_id),
    })


def _team_context(actor: User, team_id: int) -> dict[str, Any]:
    team = selectors.access_team(actor=actor, team_id=team_id)
    return {
        "team": team,
        "members": list(selectors.team_members(actor=actor, team_id=team.pk)),
        "can_manage": selectors.can_manage(actor, team.center.community_id),
        "me": actor,
    }


@staff_page
@require_GET
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    return render(request, "property/team.html", _team_context(_actor(request), team_id))


@staff_page
@require_POST
def member_duty(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = _actor(request)
    member = selectors.access_member(actor=actor, member_id=member_id)
    services.member_duty_set(actor=actor, member_id=member.pk,
                             on_duty=request.POST.get("on_duty") == "1")
    if _is_htmx(request):
        return render(request, "property/team.html#members",
                      _team_context(actor, member.team_id))
    return redirect("property:team", member.team_id)


# --- renovation projects ---------------------------------------------------------------------


@staff_page
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    if status not in RenovationProject.Status.values:
        status = ""
    rows = list(selectors.projects_for(actor=actor, status=status))
    return render(request, "property/projects.html", {
        "projects": rows, "status": status, "statuses": RenovationProject.Status.choices,
        "funds": list(selectors.funds_for(actor=actor)),
    })


def _project_context(actor: User, project_id: int, **forms: Any) -> dict[str, Any]:
    project = selectors.access_project(actor=actor, project_id=project_id)
    today = timezone.localdate()
    context = {
        "project": project,
        "remaining": project.ceiling - project.spent,  # type: ignore[attr-defined]
        "over_budget": project.spent >= project.ceiling,  # type: ignore[attr-defined]
        "buildings": selectors.project_buildings(project=project),
        "items": list(selectors.project_items(project=project)),
        "spendings": list(selectors.project_spendings(project=project)),
        "approvals": list(selectors.project_approvals(project=project)),
        "can_manage": selectors.can_manage(actor, project.community_id),
        "open": project.status in (RenovationProject.Status.PLANNED,
                                   RenovationProject.Status.IN_PROGRESS),
        "spending_form": SpendingForm(initial={"spent_on": today}),
        "accept_form": AcceptForm(initial={"accepted_on": today, "version": project.version}),
    }
    context.update(forms)
    return context


@staff_page
@require_GET
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    return render(request, "property/project.html", _project_context(_actor(request), project_id))


@staff_page
@require_http_methods(["POST"])
def spending_add(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)
    form = SpendingForm(request.POST)
    if form.is_valid():
        try:
            services.spending_record(
                actor=actor, project_id=project_id, amount=form.cleaned_data["amount"],
                spent_on=form.cleaned_data["spent_on"], payee=form.cleaned_data["payee"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden"):
                raise
            _form_error(form, exc)
    if form.is_valid() and not form.errors:
        if _is_htmx(request):
            return render(request, "property/project.html#spending",
                          _project_context(actor, project_id))
        return redirect(reverse("property:project", args=[project_id]) + "#spending")
    context = _project_context(actor, project_id, spending_form=form)
    template = "property/project.html#spending" if _is_htmx(request) else "property/project.html"
    return render(request, template, context, status=200 if _is_htmx(request) else 400)


@staff_page
@require_POST
def project_accept(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.project_accept(
                actor=actor, project_id=project_id,
                accepted_on=form.cleaned_data["accepted_on"], note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
            return redirect("property:project", project_id)
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden"):
                raise
            _form_error(form, exc)
    return render(request, "property/project.html",
                  _project_context(actor, project_id, accept_form=form), status=400)
