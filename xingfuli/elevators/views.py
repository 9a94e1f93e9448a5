"""Pages of the elevator module: parse input, call selectors and services, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xingfuli.core import pdf
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import form_error as _form_error
from xingfuli.core.pages import is_htmx as _is_htmx
from xingfuli.core.pages import staff_page
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scoped
from xingfuli.core.uploads import content_type_of, file_response
from xingfuli.deliberation import selectors as deliberation_selectors
from xingfuli.elevators import selectors, services
from xingfuli.elevators.forms import (
    ActivityForm,
    AdvanceForm,
    ContributionForm,
    DocumentForm,
    PaperBallotForm,
    PlanForm,
    ProjectForm,
    VoteForm,
)
from xingfuli.elevators.models import STAGE_ORDER, Activity, BallotRound, Project, Stage
from xingfuli.registry.models import Unit

TEST_LABELS = {
    "participation_area": gettext_lazy("Participation by area"),
    "participation_heads": gettext_lazy("Participation by headcount"),
    "approval_area": gettext_lazy("Approval by participating area"),
    "approval_heads": gettext_lazy("Approval by participating headcount"),
}


def _reraise(exc: DomainError) -> None:
    if exc.code in ("not_found", "forbidden"):
        raise exc


# --- list --------------------------------------------------------------------------------


def _units_of(actor: User) -> list[tuple[int, str]]:
    units = scoped(Unit.objects.select_related("building"), actor, write=True).order_by(
        "building__number", "number")
    return [(u.pk, _("Building %(b)s unit %(u)s") % {"b": u.building.number, "u": u.number})
            for u in units]


@staff_page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    stage = request.GET.get("stage", "")
    if stage not in Stage.values:
        stage = ""
    projects = list(selectors.projects_with_figures(actor=actor, stage=stage))
    manage = has_capability(actor, Capability.MANAGE_ELEVATORS)
    context: dict[str, Any] = {"projects": projects, "stage": stage, "stages": Stage.choices,
                               "can_manage": manage}
    if manage:
        community = scoped(Community.objects.all(), actor, write=True).first()
        if community is not None:
            context["counts"] = {**selectors.stage_counts(community_id=community.pk),
                                 **selectors.activity_counts(community_id=community.pk)}
        form = ProjectForm(initial={"started_on": timezone.localdate()})
        form.fields["unit_id"].choices = _units_of(actor)  # type: ignore[attr-defined]
        context["project_form"] = form
    return render(request, "elevators/index.html", context)


@staff_page
@require_POST
def project_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = ProjectForm(request.POST)
    form.fields["unit_id"].choices = _units_of(actor)  # type: ignore[attr-defined]
    if form.is_valid():
        unit = Unit.objects.filter(pk=form.cleaned_data["unit_id"]).first()
        try:
            project = services.project_create(
                actor=actor, building_id=unit.building_id if unit else 0,
                unit_id=form.cleaned_data["unit_id"],
                started_on=form.cleaned_data["started_on"])
            return redirect("elevators:project", project.pk)
        except DomainError as exc:
            _reraise(exc)
            _form_error(form, exc)
    projects = list(selectors.projects_with_figures(actor=actor))
    return render(request, "elevators/index.html", {
        "projects": projects, "stage": "", "stages": Stage.choices, "can_manage": True,
        "project_form": form}, status=400)


# --- the project page ----------------------------------------------------------------------


def _choices_of(project: Project, roll: selectors.Roll) -> tuple[list[tuple[int, str]],
                                                                  list[tuple[int, str]]]:
    owners = [(o.pk, f"{v.label} · {o.name}") for v in roll.voters for o in v.owners]
    dwellings = [(d.pk, d.room) for v in roll.voters for d in v.dwellings]
    return owners, sorted(dwellings, key=lambda x: x[1])


def _table_text(table: dict[str, str]) -> str:
    return ", ".join(f"{k}:{v}" for k, v in sorted(table.items(), key=lambda kv: int(kv[0])))


def _context(request: HttpRequest, project_id: int, **overrides: Any) -> dict[str, Any]:
    actor = _actor(request)
    project = selectors.access_project(actor=actor, project_id=project_id)
    manage = selectors.can_manage(actor, project.community_id)
    today = timezone.localdate()
    events = selectors.project_events(project=project)
    documents = selectors.project_documents(project=project)
    entered = {e.to_stage: e for e in events}
    current_i = STAGE_ORDER.index(project.stage) if project.stage in STAGE_ORDER else -1
    timeline = [
        {"value": s, "label": Stage(s).label, "event": entered.get(s),
         "current": s == project.stage, "done": i < current_i,
         "documents": [d for d in documents if d.stage == s]}
        for i, s in enumerate(STAGE_ORDER)
    ]
    round_ = selectors.current_round(project)
    roll = selectors.voter_roll(project)
    sheet: dict[str, Any] | None = None
    if round_ is not None:
        if round_.status == BallotRound.Status.OPEN:
            sheet = selectors.tally(roll, selectors.round_ballots(round_)).as_dict()
        else:
            sheet = round_.result
        for t in sheet["tests"]:
            t["label"] = TEST_LABELS.get(t["name"], t["name"])
    mine = [roll.by_owner[o] for o in selectors.owner_ids_of(actor) if o in roll.by_owner]
    me = mine[0] if mine else None
    funding = selectors.funding_of(project)
    owner_choices, dwelling_choices = _choices_of(project, roll)
    nxt = (STAGE_ORDER[current_i + 1] if 0 <= current_i < len(STAGE_ORDER) - 1 else None)
    advance = AdvanceForm(initial={"to_stage": nxt, "on": today, "version": project.version})
    plan = PlanForm(initial={
        "budget": project.budget, "maintenance_yearly": project.maintenance_yearly,
        "sharing_method": project.sharing_method,
        "maintenance_method": project.maintenance_method, "version": project.version,
        "subsidy": sum((s.amount for s in funding.sources if s.kind == "subsidy"), 0) or None,
        "outside": sum((s.amount for s in funding.sources if s.kind != "subsidy"), 0) or None,
        "floor_coefficients": _table_text(project.floor_coefficients),
        "maintenance_coefficients": _table_text(project.maintenance_coefficients),
    })
    if manage and project.stage in services.EDITABLE_PLAN_STAGES:
        plan.fields["adopt_suggested"].help_text = _("Suggested: %(table)s") % {
            "table": _table_text(selectors.suggested_coefficients(project))}
    paper = PaperBallotForm()
    paper.fields["owner_id"].choices = owner_choices  # type: ignore[attr-defined]
    contribution = ContributionForm(initial={"on": today, "idempotency_key": uuid.uuid4().hex})
    contribution.fields["dwelling_id"].choices = dwelling_choices  # type: ignore[attr-defined]
    my_vote = VoteForm(initial={"choice": me.choice if me and me.choice else None})
    context: dict[str, Any] = {
        "project": project, "can_manage": manage, "timeline": timeline, "events": events,
        "round": round_, "sheet": sheet, "me": me, "funding": funding,
        "withdrawn": project.stage == Stage.WITHDRAWN,
        "notice_days_left": selectors.notice_days_left(project, today),
        "plan_editable": project.stage in services.EDITABLE_PLAN_STAGES,
        "stage_choices": Stage.choices,
        "contributions": selectors.contributions_of(project=project) if manage else [],
        "activities": list(selectors.activities_for(actor=actor, project_id=project.pk)),
        "topics": deliberation_selectors.topics_linking_elevator_project(
            actor=actor, project_id=project.pk),
        "advance_form": advance, "plan_form": plan, "document_form": DocumentForm(
            initial={"stage": project.stage}),
        "paper_form": paper, "vote_form": my_vote, "contribution_form": contribution,
    }
    for name, form in overrides.items():
        if isinstance(form, forms.Form) and name in ("paper_form", "contribution_form"):
            field = "owner_id" if name == "paper_form" else "dwelling_id"
            form.fields[field].choices = (  # type: ignore[attr-defined]
                owner_choices if name == "paper_form" else dwelling_choices)
    context.update(overrides)
    return context


@staff_page
@require_GET
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    return render(request, "elevators/project.html", _context(request, project_id))


def _act(request: HttpRequest, project_id: int, form: forms.Form, name: str, anchor: str,
         call: Callable[[dict[str, Any]], Any], partial: str | None = None) -> HttpResponse:
    """Run `call` with the form's data; on a broken rule, show it beside the field."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            _reraise(exc)
            _form_error(form, exc)
        else:
            if partial and _is_htmx(request):
                return render(request, f"elevators/project.html#{partial}",
                              _context(request, project_id))
            return redirect(reverse("elevators:project", args=[project_id]) + f"#{anchor}")
    context = _context(request, project_id, **{name: form})
    if partial and _is_htmx(request):
        return render(request, f"elevators/project.html#{partial}", context)
    return render(request, "elevators/project.html", context, status=400)


@staff_page
@require_POST
def advance(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)

    def call(d: dict[str, Any]) -> Any:
        return services.project_advance(
            actor=actor, project_id=project_id, to_stage=d["to_stage"], on=d["on"],
            version=d["version"], note=d["note"], shortfall_reason=d["shortfall_reason"],
            registration_number=d["registration_number"], in_service_on=d["in_service_on"])

    return _act(request, project_id, AdvanceForm(request.POST), "advance_form", "stages", call)


def _coefficients(text: str, field: str = "floor_coefficients") -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.replace("，", ",").replace("：", ":").split(","):
        part = part.strip()
        if not part:
            continue
        floor, _sep, coef = part.partition(":")
        if not _sep:
            raise DomainError(ErrorCode.INVALID,
                              _("Write each floor as floor:coefficient, like 2:0.5."),
                              field=field)
        out[floor.strip()] = coef.strip()
    return out


@staff_page
@require_POST
def plan(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)

    def call(d: dict[str, Any]) -> Any:
        sources = [{"kind": kind, "name": str(label), "amount": d[key]}
                   for key, kind, label in (("subsidy", "subsidy", _("Government subsidy")),
                                            ("outside", "outside", _("Outside capital")))
                   if d.get(key)]
        floor = _coefficients(d["floor_coefficients"])
        upkeep = _coefficients(d["maintenance_coefficients"], "maintenance_coefficients")
        if d["adopt_suggested"]:  # the owners agreed the default table: record it as theirs
            suggested = selectors.suggested_coefficients(
                selectors.access_project(actor=actor, project_id=project_id))
            floor, upkeep = floor or suggested, upkeep or suggested
        return services.project_plan_set(
            actor=actor, project_id=project_id, version=d["version"], budget=d["budget"],
            maintenance_yearly=d["maintenance_yearly"], sharing_method=d["sharing_method"],
            floor_coefficients=floor, maintenance_coefficients=upkeep,
            maintenance_method=d["maintenance_method"], sources=sources,
            shaft_dwelling_ids=[int(x) for x in request.POST.getlist("shaft") if x.isdigit()])

    return _act(request, project_id, PlanForm(request.POST), "plan_form", "money", call)


@staff_page
@require_POST
def document_add(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)

    def call(d: dict[str, Any]) -> Any:
        return services.document_add(actor=actor, project_id=project_id, stage=d["stage"],
                                     title=d["title"], file=d["file"])

    return _act(request, project_id, DocumentForm(request.POST, request.FILES), "document_form",
                "stages", call)


@staff_page
@require_GET
def document(request: HttpRequest, document_id: int) -> FileResponse:
    """A project's document, for those who may see the project (not served from MEDIA_URL)."""
    doc = selectors.access_document(actor=_actor(request), document_id=document_id)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise NotFound() from None
    return file_response(handle, filename=doc.original_name,
                         content_type=content_type_of(doc.file.name))


@staff_page
@require_POST
def vote(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)

    def call(d: dict[str, Any]) -> Any:
        return services.ballot_cast_online(actor=actor, project_id=project_id,
                                           choice=d["choice"])

    return _act(request, project_id, VoteForm(request.POST), "vote_form", "vote", call, "vote")


@staff_page
@require_POST
def paper(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)
    project_ = selectors.access_project(actor=actor, project_id=project_id)
    form = PaperBallotForm(request.POST)
    owner_choices, _d = _choices_of(project_, selectors.voter_roll(project_))
    form.fields["owner_id"].choices = owner_choices  # type: ignore[attr-defined]

    def call(d: dict[str, Any]) -> Any:
        return services.ballot_record_paper(actor=actor, project_id=project_id,
                                            owner_id=d["owner_id"], choice=d["choice"],
                                            paper_number=d["paper_number"])

    return _act(request, project_id, form, "paper_form", "vote", call, "vote")


@staff_page
@require_POST
def round_open(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        services.round_open(actor=actor, project_id=project_id,
                            question=request.POST.get("question", ""))
    except DomainError as exc:
        _reraise(exc)
        return render(request, "elevators/project.html",
                      {**_context(request, project_id), "vote_error": exc.message}, status=400)
    return redirect(reverse("elevators:project", args=[project_id]) + "#vote")


@staff_page
@require_POST
def round_close(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        services.round_close(actor=actor, project_id=project_id)
    except DomainError as exc:
        _reraise(exc)
        return render(request, "elevators/project.html",
                      {**_context(request, project_id), "vote_error": exc.message}, status=400)
    return redirect(reverse("elevators:project", args=[project_id]) + "#vote")


@staff_page
@require_POST
def contribution_add(request: HttpRequest, project_id: int) -> HttpResponse:
    actor = _actor(request)
    project_ = selectors.access_project(actor=actor, project_id=project_id)
    form = ContributionForm(request.POST)
    _o, dwellings = _choices_of(project_, selectors.voter_roll(project_))
    form.fields["dwelling_id"].choices = dwellings  # type: ignore[attr-defined]

    def call(d: dict[str, Any]) -> Any:
        return services.contribution_record(
            actor=actor, project_id=project_id, dwelling_id=d["dwelling_id"], kind=d["kind"],
            amount=d["amount"], on=d["on"], note=d["note"],
            idempotency_key=d["idempotency_key"])

    return _act(request, project_id, form, "contribution_form", "ledger", call)


# --- printable sheet -----------------------------------------------------------------------


@staff_page
@require_GET
def sheet_pdf(request: HttpRequest, project_id: int) -> HttpResponse:
    """The unit's sheet: the plan's money, every dwelling's shares, and the vote result."""
    actor = _actor(request)
    found = selectors.access_project(actor=actor, project_id=project_id)
    funding = selectors.funding_of(found)
    s = pdf.styles()
    story: list[Any] = [
        pdf.Paragraph(pdf.escape(found.name) + " · " + _("cost sharing sheet"), s["title"]),
        pdf.Paragraph(_("Stage: %(stage)s") % {"stage": Stage(found.stage).label}, s["body"]),
        pdf.table([
            [_("Total budget (yuan)"), str(funding.budget)],
            [_("Other sources (yuan)"), str(funding.sources_total)],
            [_("Owners' total (yuan)"), str(funding.owners_total)],
            [_("Yearly maintenance (yuan)"), str(funding.maintenance_total)],
            [_("Cost sharing"), str(found.get_sharing_method_display())],
        ], header=False),
        pdf.Paragraph(_("Shares of each dwelling"), s["heading"]),
    ]
    rows: list[list[Any]] = [[_("Dwelling"), _("Floor"), _("Area (m²)"), _("Coefficient"),
                              _("Share (yuan)"), _("Maintenance per year (yuan)")]]
    for r in funding.rows:
        c, m = r.construction, r.maintenance
        rows.append([r.dwelling.room, str(r.dwelling.floor), str(r.dwelling.area or ""),
                     str(c.coefficient if c else ""), str(c.amount if c else ""),
                     str(m.amount if m else "")])
    total_c = sum((r.construction.amount for r in funding.rows if r.construction), 0)
    total_m = sum((r.maintenance.amount for r in funding.rows if r.maintenance), 0)
    rows.append([_("Total"), "", "", "", str(total_c), str(total_m)])
    story.append(pdf.table(rows))
    round_ = selectors.current_round(found)
    if round_ is not None:
        sheet = (selectors.ballot_result(round_).as_dict()
                 if round_.status == BallotRound.Status.OPEN else round_.result)
        story.append(pdf.Paragraph(_("Owners' vote"), s["heading"]))
        story.append(pdf.table(
            [[_("Test"), _("Counted"), _("Of"), _("Ratio"), _("At least"), _("Result")]]
            + [[str(TEST_LABELS.get(t["name"], t["name"])), t["part"], t["whole"],
                f'{t["ratio"]} ({t["percent"]})', t["threshold"],
                _("passed") if t["passed"] else _("not passed")] for t in sheet["tests"]]))
        story.append(pdf.Paragraph(
            _("Result: passed") if sheet["passed"] else _("Result: not passed"), s["body"]))
    return pdf.response(pdf.render(story, title=found.name, footer=found.name),
                        f"{found.name}.pdf")


# --- meetings and site inspections ---------------------------------------------------------


@staff_page
def activities(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community = scoped(Community.objects.all(), actor).first()
    projects_ = [(p.pk, p.name) for p in selectors.projects_for(actor=actor)
                 if p.stage != Stage.WITHDRAWN]
    form = ActivityForm(request.POST or None, initial={
        "held_on": timezone.localdate(), "idempotency_key": uuid.uuid4().hex})
    form.fields["project_id"].choices = [("", "—"), *projects_]  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        if form.is_valid() and community is not None:
            d = form.cleaned_data
            try:
                services.activity_record(
                    actor=actor, community_id=community.pk, kind=d["kind"],
                    held_on=d["held_on"], title=d["title"], project_id=d["project_id"],
                    place=d["place"], attendees=d["attendees"], notes=d["notes"],
                    idempotency_key=d["idempotency_key"])
                return redirect("elevators:activities")
            except DomainError as exc:
                _reraise(exc)
                _form_error(form, exc)
        status = 400
    kind = request.GET.get("kind", "")
    if kind not in Activity.Kind.values:
        kind = ""
    rows = list(selectors.activities_for(actor=actor, kind=kind)[:200])
    counts = (selectors.activity_counts(community_id=community.pk) if community is not None
              else {"meetings": 0, "site_visits": 0})
    return render(request, "elevators/activities.html", {
        "activities": rows, "counts": counts, "kind": kind, "kinds": Activity.Kind.choices,
        "form": form, "can_manage": community is not None and selectors.can_manage(
            actor, community.pk)}, status=status)
