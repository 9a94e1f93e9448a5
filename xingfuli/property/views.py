"""Pages of the property service center: parse input, call selectors and services, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core.errors import DomainError, Forbidden, NotFound
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import form_error as _form_error
from xingfuli.core.pages import is_htmx as _is_htmx
from xingfuli.core.pages import staff_page
from xingfuli.property import selectors, services
from xingfuli.property.board import may_see_board, my_board_team, team_board
from xingfuli.property.forms import (
    AcceptForm,
    BudgetApprovalForm,
    CenterBuildingsForm,
    CenterForm,
    FundForm,
    ItemForm,
    MemberAddForm,
    MemberRoleForm,
    ProgressForm,
    ProjectEditForm,
    ProjectForm,
    SpendingForm,
    StartForm,
    TeamEditForm,
    TeamForm,
    VersionForm,
)
from xingfuli.property.models import RenovationProject, ServiceTeam, TeamMember


def _attempt(
    form: django_forms.Form, call: Callable[[dict[str, Any]], Any],
    rename: dict[str, str] | None = None,
) -> bool:
    """Validate the form and call the service with its data; a rule the service reports is
    shown next to the field it names (`rename`: the service's name → the form's). Not found
    and forbidden are not form errors."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        field = (rename or {}).get(exc.field or "", exc.field)
        if field in form.fields and form.fields[field].widget.is_hidden:
            field = None  # a stale version: said above the form, where it is seen
        if field != exc.field:
            form.add_error(field if field in form.fields else None, str(exc.message))
        else:
            _form_error(form, exc)
        return False
    return not form.errors


def _require_manage(actor: User, community_id: int) -> None:
    if not selectors.can_manage(actor, community_id):
        raise Forbidden()

# --- center and teams ----------------------------------------------------------------------


@staff_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    center = selectors.centers_for(actor=_actor(request)).first()
    if center is None:
        raise NotFound()
    return redirect("property:center", center.pk)


def _center_context(actor: User, center_id: int, **forms: Any) -> dict[str, Any]:
    found = selectors.access_center(actor=actor, center_id=center_id)
    teams = list(selectors.teams_for(actor=actor, center_id=found.pk))
    members = selectors.members_of_teams(actor=actor, team_ids=[t.pk for t in teams])
    context: dict[str, Any] = {
        "center": found,
        "teams": [(t, members[t.pk]) for t in teams],
        "can_manage": selectors.can_manage(actor, found.community_id),
        "team_form": TeamForm(initial={"dispatch_mode": ServiceTeam.DispatchMode.ASSIGNED}),
    }
    if context["can_manage"]:
        context["center_form"] = CenterForm(initial={"name": found.name, "phone": found.phone})
        if "buildings_form" not in forms:
            context["buildings_form"] = CenterBuildingsForm(
                buildings=selectors.community_buildings(
                    actor=actor, community_ids=[found.community_id]),
                initial={"building_ids": selectors.center_building_ids(center=found)},
            )
    context.update(forms)
    return context


@staff_page
@require_GET
def center(request: HttpRequest, center_id: int) -> HttpResponse:
    return render(request, "property/center.html", _center_context(_actor(request), center_id))


def _managed_center(request: HttpRequest, center_id: int) -> tuple[User, Any]:
    actor = _actor(request)
    found = selectors.access_center(actor=actor, center_id=center_id)
    _require_manage(actor, found.community_id)
    return actor, found


@staff_page
@require_POST
def center_edit(request: HttpRequest, center_id: int) -> HttpResponse:
    actor, found = _managed_center(request, center_id)
    form = CenterForm(request.POST)
    if _attempt(form, lambda d: services.center_update(
        actor=actor, center_id=found.pk, name=d["name"], phone=d["phone"],
    )):
        messages.success(request, _("The center is saved."))
        return redirect("property:center", found.pk)
    return render(request, "property/center.html",
                  _center_context(actor, found.pk, center_form=form), status=400)


@staff_page
@require_POST
def center_buildings(request: HttpRequest, center_id: int) -> HttpResponse:
    actor, found = _managed_center(request, center_id)
    form = CenterBuildingsForm(request.POST, buildings=selectors.community_buildings(
        actor=actor, community_ids=[found.community_id]))
    if _attempt(form, lambda d: services.center_buildings_set(
        actor=actor, center_id=found.pk, building_ids=d["building_ids"],
    )):
        messages.success(request, _("The buildings the center serves are saved."))
        return redirect("property:center", found.pk)
    return render(request, "property/center.html",
                  _center_context(actor, found.pk, buildings_form=form), status=400)


@staff_page
@require_POST
def team_new(request: HttpRequest, center_id: int) -> HttpResponse:
    """A new service team of the center; then its page, to add the members."""
    actor = _actor(request)
    found = selectors.access_center(actor=actor, center_id=center_id)
    _require_manage(actor, found.community_id)
    form = TeamForm(request.POST)
    made: list[ServiceTeam] = []
    if _attempt(form, lambda d: made.append(services.team_create(
        actor=actor, center_id=found.pk, name=d["name"], code=d["code"], phone=d["phone"],
        dispatch_mode=d["dispatch_mode"],
    ))):
        messages.success(request, _("Team %(name)s created. Now add its members.")
                         % {"name": made[0].name})
        return redirect("property:team", made[0].pk)
    return render(request, "property/center.html",
                  _center_context(actor, found.pk, team_form=form), status=400)


def _team_context(actor: User, team_id: int, **forms: Any) -> dict[str, Any]:
    team = selectors.access_team(actor=actor, team_id=team_id)
    members = list(selectors.team_members(actor=actor, team_id=team.pk))
    context: dict[str, Any] = {
        "team": team,
        "members": members,
        "on_duty_count": sum(1 for m in members if m.on_duty),
        "can_manage": selectors.can_manage(actor, team.center.community_id),
        "me": actor,
        "roles": TeamMember.Role.choices,
        "member_form": MemberAddForm(),
        "team_form": TeamEditForm(initial={
            "name": team.name, "code": team.code, "dispatch_mode": team.dispatch_mode,
            "phone": team.phone, "active": team.active,
        }),
        "role_form": None,
        "role_member_id": None,
        "board_url": reverse("property:board", args=[team.pk])
        if may_see_board(actor, team) else "",
    }
    context.update(forms)
    return context


def _members_done(request: HttpRequest, actor: User, team_id: int, status: str) -> HttpResponse:
    if _is_htmx(request):
        return render(request, "property/team.html#members",
                      _team_context(actor, team_id, status=status))
    messages.success(request, status)
    return redirect(reverse("property:team", args=[team_id]) + "#members")


def _members_failed(request: HttpRequest, actor: User, team_id: int, **forms: Any) -> (
    HttpResponse
):
    # htmx swaps only 2xx answers: the partial with the errors comes back as 200 to htmx,
    # the whole page as 400 otherwise.
    context = _team_context(actor, team_id, **forms)
    if _is_htmx(request):
        return render(request, "property/team.html#members", context)
    return render(request, "property/team.html", context, status=400)


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


@staff_page
@require_POST
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = _actor(request)
    team = selectors.access_team(actor=actor, team_id=team_id)
    _require_manage(actor, team.center.community_id)
    form = TeamEditForm(request.POST)
    if _attempt(form, lambda d: services.team_update(
        actor=actor, team_id=team.pk, name=d["name"], code=d["code"], phone=d["phone"],
        dispatch_mode=d["dispatch_mode"], active=d["active"],
    )):
        messages.success(request, _("The team is saved."))
        return redirect("property:team", team.pk)
    return render(request, "property/team.html", _team_context(actor, team.pk, team_form=form),
                  status=400)


@staff_page
@require_POST
def member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    """Add a person of the community, found by their mobile number, to the team."""
    actor = _actor(request)
    team = selectors.access_team(actor=actor, team_id=team_id)
    community_id = team.center.community_id
    _require_manage(actor, community_id)
    form = MemberAddForm(request.POST)
    added: list[TeamMember] = []

    def add(data: dict[str, Any]) -> None:
        person = selectors.member_candidate(actor=actor, community_id=community_id,
                                            mobile=data["mobile"])
        if person is None:
            form.add_error("mobile", _("Nobody in this community has this mobile number."))
            return
        added.append(services.member_add(actor=actor, team_id=team.pk, user_id=person.pk,
                                         role=data["role"]))

    # The service names the person `user_id`; on this page the person is the mobile number.
    if _attempt(form, add, rename={"user_id": "mobile"}) and added:
        return _members_done(request, actor, team.pk,
                             _("%(name)s is now in the team.") % {"name": added[0].user.name})
    return _members_failed(request, actor, team.pk, member_form=form)


@staff_page
@require_POST
def member_role(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = _actor(request)
    member = selectors.access_member(actor=actor, member_id=member_id)
    _require_manage(actor, member.team.center.community_id)
    form = MemberRoleForm(request.POST)
    if _attempt(form, lambda d: services.member_role_set(actor=actor, member_id=member.pk,
                                                         role=d["role"])):
        return _members_done(request, actor, member.team_id,
                             _("%(name)s's role is saved.") % {"name": member.user.name})
    return _members_failed(request, actor, member.team_id, role_form=form,
                           role_member_id=member.pk)


@staff_page
@require_POST
def member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    actor = _actor(request)
    member = selectors.access_member(actor=actor, member_id=member_id)
    _require_manage(actor, member.team.center.community_id)
    services.member_remove(actor=actor, member_id=member.pk)
    return _members_done(request, actor, member.team_id,
                         _("%(name)s is no longer in the team.") % {"name": member.user.name})


# --- renovation projects ---------------------------------------------------------------------


def _projects_context(actor: User, status: str = "", **forms: Any) -> dict[str, Any]:
    funds = list(selectors.funds_for(actor=actor))
    context: dict[str, Any] = {
        "projects": list(selectors.projects_for(actor=actor, status=status)),
        "status": status, "statuses": RenovationProject.Status.choices, "funds": funds,
    }
    managed = selectors.managed_communities(actor=actor)
    if managed:
        ids = [pk for pk, _name in managed]
        context["fund_form"] = forms.get("fund_form") or FundForm(communities=managed)
        context["project_form"] = forms.get("project_form") or ProjectForm(
            funds=[f for f in funds if f.community_id in ids],
            buildings=selectors.community_buildings(actor=actor, community_ids=ids),
        )
    return context


def _project_forms_input(actor: User, data: Any) -> tuple[FundForm, ProjectForm]:
    managed = selectors.managed_communities(actor=actor)
    ids = [pk for pk, _name in managed]
    if not ids:
        raise Forbidden()
    funds = [f for f in selectors.funds_for(actor=actor) if f.community_id in ids]
    buildings = selectors.community_buildings(actor=actor, community_ids=ids)
    return (FundForm(data, communities=managed),
            ProjectForm(data, funds=funds, buildings=buildings))


@staff_page
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in RenovationProject.Status.values:
        status = ""
    return render(request, "property/projects.html", _projects_context(_actor(request), status))


@staff_page
@require_POST
def fund_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form, _project_form = _project_forms_input(actor, request.POST)
    if _attempt(form, lambda d: services.fund_create(
        actor=actor, community=d["community"], name=d["name"], source=d["source"],
        amount=d["amount"], granted_on=d["granted_on"], note=d["note"],
    )):
        messages.success(request, _("The fund is recorded."))
        return redirect(reverse("property:projects") + "#funds-h")
    return render(request, "property/projects.html", _projects_context(actor, fund_form=form),
                  status=400)


@staff_page
@require_POST
def project_new(request: HttpRequest) -> HttpResponse:
    """A planned renovation project paid from one of the funds; then its page, to add items."""
    actor = _actor(request)
    _fund_form, form = _project_forms_input(actor, request.POST)
    made: list[RenovationProject] = []
    if _attempt(form, lambda d: made.append(services.project_create(
        actor=actor, fund_id=d["fund"], name=d["name"], budget=d["budget"],
        building_ids=d["building_ids"],
    ))):
        messages.success(request, _("Project %(name)s created. Now add its items of work.")
                         % {"name": made[0].name})
        return redirect("property:project", made[0].pk)
    return render(request, "property/projects.html",
                  _projects_context(actor, project_form=form), status=400)


def _project_context(actor: User, project_id: int, **forms: Any) -> dict[str, Any]:
    project = selectors.access_project(actor=actor, project_id=project_id)
    today = timezone.localdate()
    context_buildings = selectors.project_buildings(project=project)
    context = {
        "project": project,
        "remaining": project.ceiling - project.spent,  # type: ignore[attr-defined]
        "over_budget": project.spent >= project.ceiling,  # type: ignore[attr-defined]
        "buildings": context_buildings,
        "items": list(selectors.project_items(project=project)),
        "spendings": list(selectors.project_spendings(project=project)),
        "approvals": list(selectors.project_approvals(project=project)),
        "can_manage": selectors.can_manage(actor, project.community_id),
        "open": project.status in (RenovationProject.Status.PLANNED,
                                   RenovationProject.Status.IN_PROGRESS),
        "spending_form": SpendingForm(initial={"spent_on": today}),
        "accept_form": AcceptForm(initial={"accepted_on": today, "version": project.version}),
        "can_approve": selectors.can_approve_budget(actor, project.community_id),
        "item_form": ItemForm(buildings=context_buildings),
        "progress_form": None,
        "progress_labels": ProgressForm(),
        "progress_item_id": None,
        "start_form": StartForm(initial={"started_on": today, "version": project.version}),
        "cancel_form": VersionForm(initial={"version": project.version}),
        "approval_form": BudgetApprovalForm(),
    }
    if context["can_manage"] and context["open"] and "edit_form" not in forms:
        context["edit_form"] = ProjectEditForm(
            buildings=selectors.community_buildings(actor=actor,
                                                    community_ids=[project.community_id]),
            initial={"name": project.name, "budget": project.budget, "version": project.version,
                     "building_ids": [b.pk for b in context_buildings]},
        )
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


def _managed_project(request: HttpRequest, project_id: int) -> tuple[User, RenovationProject]:
    """The project, if the actor sees it (else 404) and manages its center (else 403)."""
    actor = _actor(request)
    project = selectors.access_project(actor=actor, project_id=project_id)
    _require_manage(actor, project.community_id)
    return actor, project


def _project_failed(actor: User, request: HttpRequest, project_id: int, **forms: Any) -> (
    HttpResponse
):
    return render(request, "property/project.html",
                  _project_context(actor, project_id, **forms), status=400)


@staff_page
@require_POST
def item_add(request: HttpRequest, project_id: int) -> HttpResponse:
    actor, project = _managed_project(request, project_id)
    form = ItemForm(request.POST, buildings=selectors.project_buildings(project=project))
    if _attempt(form, lambda d: services.item_add(
        actor=actor, project_id=project.pk, building_id=d["building_id"], kind=d["kind"],
        description=d["description"],
    )):
        messages.success(request, _("The item of work is added."))
        return redirect(reverse("property:project", args=[project.pk]) + "#items-h")
    return _project_failed(actor, request, project.pk, item_form=form)


@staff_page
@require_POST
def item_progress(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.access_item(actor=actor, item_id=item_id)
    _require_manage(actor, item.project.community_id)
    form = ProgressForm(request.POST)
    if _attempt(form, lambda d: services.item_progress_set(
        actor=actor, item_id=item.pk, progress=d["progress"], done_on=d["done_on"],
    )):
        if _is_htmx(request):
            return render(request, "property/project.html#items",
                          _project_context(actor, item.project_id))
        messages.success(request, _("The progress is saved."))
        return redirect(reverse("property:project", args=[item.project_id]) + "#items-h")
    context = _project_context(actor, item.project_id, progress_form=form,
                               progress_item_id=item.pk)
    if _is_htmx(request):  # htmx swaps only 2xx answers
        return render(request, "property/project.html#items", context)
    return render(request, "property/project.html", context, status=400)


@staff_page
@require_POST
def project_start(request: HttpRequest, project_id: int) -> HttpResponse:
    actor, project = _managed_project(request, project_id)
    form = StartForm(request.POST)
    if _attempt(form, lambda d: services.project_start(
        actor=actor, project_id=project.pk, started_on=d["started_on"], version=d["version"],
    )):
        messages.success(request, _("The project has started."))
        return redirect("property:project", project.pk)
    return _project_failed(actor, request, project.pk, start_form=form)


@staff_page
@require_POST
def project_cancel(request: HttpRequest, project_id: int) -> HttpResponse:
    actor, project = _managed_project(request, project_id)
    form = VersionForm(request.POST)
    if _attempt(form, lambda d: services.project_cancel(
        actor=actor, project_id=project.pk, version=d["version"],
    )):
        messages.success(request, _("The project is cancelled: its budget is back in the fund."))
        return redirect("property:project", project.pk)
    return _project_failed(actor, request, project.pk, cancel_form=form)


@staff_page
@require_POST
def budget_approve(request: HttpRequest, project_id: int) -> HttpResponse:
    actor, project = _managed_project(request, project_id)
    if not selectors.can_approve_budget(actor, project.community_id):
        raise Forbidden(_("Only a community admin approves spending over the budget."))
    form = BudgetApprovalForm(request.POST)
    if _attempt(form, lambda d: services.budget_approve(
        actor=actor, project_id=project.pk, new_ceiling=d["new_ceiling"], reason=d["reason"],
    )):
        messages.success(request, _("The new spending ceiling is approved."))
        return redirect(reverse("property:project", args=[project.pk]) + "#spending")
    return _project_failed(actor, request, project.pk, approval_form=form)


@staff_page
@require_POST
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    actor, project = _managed_project(request, project_id)
    form = ProjectEditForm(request.POST, buildings=selectors.community_buildings(
        actor=actor, community_ids=[project.community_id]))
    if _attempt(form, lambda d: services.project_update(
        actor=actor, project_id=project.pk, name=d["name"], budget=d["budget"],
        building_ids=d["building_ids"], version=d["version"],
    )):
        messages.success(request, _("The project is saved."))
        return redirect("property:project", project.pk)
    return _project_failed(actor, request, project.pk, edit_form=form)


# --- the team's board ----------------------------------------------------------------------


@staff_page
@require_GET
def board(request: HttpRequest, team_id: int) -> HttpResponse:
    """The team's open work, oldest due first, and its pool."""
    found = team_board(actor=_actor(request), team_id=team_id)
    return render(request, "property/board.html", {"board": found, "team": found.team})


@staff_page
@require_GET
def my_board(request: HttpRequest) -> HttpResponse:
    """A team member's way to their team's board (linked from "my jobs")."""
    return redirect("property:board", my_board_team(actor=_actor(request)))
