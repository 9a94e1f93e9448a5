"""Pages of the requests module (民生诉求 / 工单): parse input, call selectors and services,
render. Phone intake, the staff inbox, the request page with the viewer's actions, a team
member's jobs, and the resident's "report a problem" and "my requests"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import User
from xingfuli.core.pages import CappedPaginator
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import form_error as _form_error
from xingfuli.core.pages import is_htmx as _is_htmx
from xingfuli.core.pages import staff_page as page
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.core.scoping import scope_of
from xingfuli.core.uploads import content_type_of, file_response
from xingfuli.grid import selectors as grid_selectors
from xingfuli.property import selectors as property_selectors
from xingfuli.registry import selectors as registry_selectors
from xingfuli.registry.selectors import PublicBuilding, public_building
from xingfuli.requests import selectors, services
from xingfuli.requests.forms import (
    ActionForm,
    IntakeForm,
    ReportForm,
    category_choices,
)
from xingfuli.requests.models import Level, Request, RequestEvent
from xingfuli.requests.services import Action

PER_PAGE = 30
S = Request.Status

# The fields each action's small form shows (all of them parsed by ActionForm).
ACTION_FIELDS: dict[Action, tuple[str, ...]] = {
    Action.ACCEPT: ("note",),
    Action.DISPATCH: ("team_id", "assignee_id", "note"),
    Action.TAKE: (),
    Action.ON_SITE: ("note", "before_photo"),
    Action.RESOLVE: ("note", "before_photo", "after_photo"),
    Action.FOLLOW_UP: ("satisfaction", "comment"),
    Action.CLOSE: ("note",),
    Action.REJECT: ("reason",),
    Action.MARK_DUPLICATE: ("original_number", "note"),
    Action.CANCEL: ("reason",),
    Action.ESCALATE: ("to_level", "reason"),
    Action.DEESCALATE: ("to_level", "reason"),
    Action.PAUSE: ("reason",),
    Action.RESUME: ("note",),
}
# Where to go after an action: the page the form was on.
_NEXT = {"detail", "mine", "my_jobs"}


def _is_staff_side(actor: User) -> bool:
    scope = scope_of(actor)
    return bool(scope.everything or scope.communities or scope.grids)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


# --- words for a request --------------------------------------------------------------------


def _duration_words(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def _due_words(due: dt.datetime | None, done: dt.datetime | None, late: bool,
               now: dt.datetime) -> str:
    """One due time said in words: met, missed, or how long is left."""
    if due is None:
        return _("no target")
    if done is not None:
        if late or done > due:
            return _("late: done %(late)s after the target") % {
                "late": _duration_words(done - due)}
        return _("met, %(early)s before the target") % {"early": _duration_words(due - done)}
    if late or now > due:
        return _("missed: %(late)s past the target") % {"late": _duration_words(now - due)}
    return _("%(left)s left") % {"left": _duration_words(due - now)}


def sla_words(req: Request, now: dt.datetime | None = None) -> dict[str, str]:
    now = now or timezone.now()
    return {
        "response": _due_words(req.due_response_at, req.responded_at, req.response_breached,
                               now),
        "resolution": _due_words(req.due_resolution_at, req.resolved_at,
                                 req.resolution_breached, now),
    }


def is_late(req: Request, now: dt.datetime | None = None) -> bool:
    """Whether a deadline was missed: marked by the breach run, or passed while open, or the
    work was done after it."""
    now = now or timezone.now()
    if req.response_breached or req.resolution_breached:
        return True
    due = req.due_resolution_at
    if due is None:
        return False
    done = req.resolved_at
    return done > due if done is not None else (req.status in _OPEN and now > due)


_OPEN = frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.ON_SITE})


def resident_status_words(req: Request) -> str:
    """The status as a resident would say it."""
    words = {
        S.SUBMITTED: _("We have your request and will look at it soon."),
        S.ACCEPTED: _("Your request is being looked at."),
        S.DISPATCHED: _("Someone has been sent to fix it."),
        S.ON_SITE: _("Someone is there now, working on it."),
        S.RESOLVED: _("It has been fixed. Please tell us if you are satisfied."),
        S.FOLLOWED_UP: _("Fixed, and you told us what you think. Thank you."),
        S.CLOSED: _("Finished."),
        S.REJECTED: _("It could not be taken up here; the note says why."),
        S.DUPLICATE: _("Someone already reported this; it is handled with that request."),
        S.CANCELLED: _("Cancelled."),
    }
    text = words.get(S(req.status), req.get_status_display())
    if req.paused_at is not None:
        text = _("Waiting for you: we could not reach you. ") + text
    return str(text)


def _event_row(event: RequestEvent, *, staff_side: bool = False) -> dict[str, Any]:
    status = dict(Request.Status.choices)
    level = dict(Level.choices)
    topic_id = event.data.get("topic_id") if event.kind == RequestEvent.Kind.REFERRED else None
    return {
        "topic_title": event.data.get("topic_title", "") if topic_id else "",
        "topic_url": reverse("deliberation:topic", args=[topic_id])
        if topic_id and staff_side else "",
        "event": event,
        "from_status": status.get(event.from_status, "") if event.from_status != event.to_status
        else "",
        "to_status": status.get(event.to_status, ""),
        "from_level": level.get(event.from_level, "") if event.from_level != event.to_level
        else "",
        "to_level": level.get(event.to_level, ""),
        "photos": list(event.photos.all()),
    }


# --- 1. phone intake ------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """A grid worker records a call on a resident's behalf."""
    actor = _actor(request)
    require(actor, Capability.REPORT_REQUEST)
    if not _is_staff_side(actor):
        return redirect("requests:report")
    part = request.GET.get("part") if _is_htmx(request) else None
    if part == "residents":
        q = request.GET.get("q", "").strip()[:50]
        try:
            found = registry_selectors.residents_search(actor, q, limit=8)
        except Forbidden:
            found = []
        return render(request, "requests/new.html#residents", {"residents": found, "q": q})
    if part == "similar":
        return render(request, "requests/new.html#similar",
                      {"similar": _similar(actor, request.GET)})
    categories = selectors.categories_for(actor=actor)
    try:
        buildings = list(registry_selectors.buildings_for(actor))
    except Forbidden:
        buildings = []
    form = IntakeForm(request.POST or None, categories=categories, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resident_id = data["reporter_resident_id"]
        dwelling_id = None
        if resident_id is not None and data["building_id"] is None and not data["place"]:
            # Nothing said about the place: the resident's own home.
            try:
                dwelling_id = registry_selectors.access_resident(
                    actor, resident_id).household.dwelling_id
            except (NotFound, Forbidden):
                dwelling_id = None
        try:
            created = services.request_submit(
                actor=actor, category_id=data["category_id"], title=data["title"],
                description=data["description"], channel=data["channel"],
                type=data["type"] or Request.Type.HELP,
                building_id=data["building_id"], floor=data["floor"], place=data["place"],
                unit_number=data["unit"] if dwelling_id is None else None,
                dwelling_id=dwelling_id, reporter_resident_id=resident_id,
                reporter_name=data["reporter_name"], reporter_mobile=data["reporter_mobile"],
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            _form_error(form, exc)
        else:
            messages.success(request, _("Request %(number)s was recorded.")
                             % {"number": created.number})
            return redirect("requests:detail", request_id=created.pk)
    status = 400 if form.is_bound else 200
    return render(request, "requests/new.html", {
        "form": form,
        "similar": _similar(actor, request.POST) if form.is_bound else [],
    }, status=status)


def _similar(actor: User, params: Any) -> list[Request]:
    """What the submit would flag as similar (selectors.similar_before_submit, the API's
    rule too), once the category and the building or place are chosen; a half-filled or bad
    choice shows nothing (the form says what is wrong when it is sent)."""
    category_id = _int(params.get("category_id"))
    if category_id is None:
        return []
    try:
        return selectors.similar_before_submit(
            actor=actor, category_id=category_id, building_id=_int(params.get("building_id")),
            unit_number=_int(params.get("unit")), floor=_int(params.get("floor")),
            place=str(params.get("place", ""))[:200])
    except DomainError:
        return []


# --- 2. the staff inbox ---------------------------------------------------------------------


def _may_work(actor: User) -> bool:
    return any(has_capability(actor, c) for c in (
        Capability.HANDLE_REQUEST, Capability.DISPATCH_REQUEST, Capability.HANDLE_JOB))


INBOX_PAGE = "requests.inbox"  # the inbox's key for saved views (xingfuli.core.saved_views)


def saved_views(actor: User) -> list[tuple[str, str, str]]:
    """The fixed presets: (key, name, query string). A user's own views are SavedView rows."""
    scope = scope_of(actor)
    level = Level.GRID if scope.grids and not (scope.communities or scope.everything) \
        else Level.COMMUNITY
    return [
        ("my_level", _("Open at my level"), f"open=on&level={level}"),
        ("overdue", _("Overdue"), "overdue=on"),
        ("follow_up", _("Waiting for follow-up"), f"status={S.RESOLVED}"),
    ]


@page
def inbox(request: HttpRequest) -> HttpResponse:
    """The staff inbox: filters (an invalid one is shown next to its field, with a 400, and
    left out), the presets and the user's own saved views (one query)."""
    from xingfuli.core.saved_views import clean_querystring, saved_views_for
    from xingfuli.requests.inbox_forms import InboxSearchForm

    actor = _actor(request)
    if not _may_work(actor):
        if has_capability(actor, Capability.REPORT_REQUEST):
            return redirect("requests:mine")
        raise Forbidden()
    categories = selectors.categories_for(actor=actor)
    grids = list(grid_selectors.grids_for(actor=actor))
    teams = list(property_selectors.teams_for(actor=actor))
    form = InboxSearchForm(request.GET, categories=categories, grids=grids, teams=teams)
    valid = form.is_valid()
    qs = selectors.requests_for_inbox(actor=actor, filters=form.filters())
    paginator = CappedPaginator(qs, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"req": r, "sla": sla_words(r, now),
             "overdue": r.status in {S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.ON_SITE}
             and (r.response_breached or r.resolution_breached
                  or (r.due_resolution_at is not None and r.due_resolution_at < now))}
            for r in page_obj.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    filter_query = clean_querystring(query.urlencode())
    return render(request, "requests/inbox.html", {
        "form": form, "page": page_obj, "rows": rows, "views": saved_views(actor),
        "saved": saved_views_for(actor=actor, page=INBOX_PAGE), "page_key": INBOX_PAGE,
        "query": query.urlencode(), "filter_query": filter_query,
        "bad_fields": [str(form.fields[f].label) for f in form.errors if f in form.fields],
        "can_record": has_capability(actor, Capability.REPORT_REQUEST)
        and _is_staff_side(actor),
    }, status=200 if valid else 400)


# --- 3. the request page --------------------------------------------------------------------


def _action_forms(
    actor: User, req: Request, *, bound: tuple[Action, ActionForm] | None = None
) -> list[dict[str, Any]]:
    actions = services.allowed_actions(actor=actor, req=req)
    teams: list[Any] = []
    members: list[Any] = []
    if Action.DISPATCH in actions:
        teams = [t for t in property_selectors.teams_for(actor=actor)
                 if t.center.community_id == req.community_id and t.active]
        by_team = property_selectors.members_of_teams(actor=actor,
                                                      team_ids=[t.pk for t in teams])
        members = [m for t in teams for m in by_team.get(t.pk, [])]
    out = []
    for action in actions:
        if bound is not None and bound[0] == action:
            form = bound[1]
            form.set_people(teams, members)
        else:
            initial: dict[str, Any] = {"version": req.version}
            if action == Action.ESCALATE:
                idx = list(Level.values).index(req.level)
                initial["to_level"] = Level.values[min(idx + 1, 2)]
            if action == Action.DEESCALATE:
                idx = list(Level.values).index(req.level)
                initial["to_level"] = Level.values[max(idx - 1, 0)]
            form = ActionForm(initial=initial, teams=teams, members=members,
                              prefix=str(action))
        out.append({
            "name": str(action),
            "label": services.action_label(action),
            "form": form,
            "fields": [form[f] for f in ACTION_FIELDS[action]],
            "multipart": action in (Action.RESOLVE, Action.ON_SITE),
        })
    return out


def _detail_context(actor: User, request_id: int, **extra: Any) -> dict[str, Any]:
    req = selectors.access_request(actor=actor, request_id=request_id)
    timeline = selectors.request_timeline(actor=actor, request_id=request_id)
    street = services.is_street_officer_for(actor, req)  # referred up to the actor's street
    staff_side = _is_staff_side(actor) or _may_work(actor) or street
    similar = (selectors.similar_open_requests(
        actor=actor, category_id=req.category_id, building_id=req.building_id,
        floor=req.floor, place=req.place, exclude_id=req.pk, unit_id=req.unit_id)
        if staff_side else [])
    actions = _action_forms(actor, req, bound=extra.pop("bound", None))
    return {
        "req": req, "timeline": [_event_row(e, staff_side=staff_side) for e in timeline],
        "refer_url": reverse("deliberation:from_request", args=[req.pk])
        if staff_side and services.may_refer_to_topic(actor=actor, req=req) else "",
        "sla": sla_words(req), "staff_side": staff_side, "late": is_late(req),
        "resident_words": resident_status_words(req), "similar": similar,
        "actions": actions,
        # One button per suggestion posts the mark-duplicate action with its number.
        "pick_original": any(a["name"] == Action.MARK_DUPLICATE for a in actions),
        "may_reply": street and services.may_reply(actor=actor, req=req),
        **extra,
    }


@page
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = _actor(request)
    return render(request, "requests/detail.html", _detail_context(actor, request_id))


def _call(actor: User, request_id: int, action: Action, data: dict[str, Any]) -> Request:
    common: dict[str, Any] = {"actor": actor, "request_id": request_id,
                              "version": data["version"]}
    note = data.get("note") or ""
    reason = data.get("reason") or ""
    match action:
        case Action.ACCEPT:
            return services.request_accept(note=note, **common)
        case Action.DISPATCH:
            return services.request_dispatch(team_id=data.get("team_id"),
                                             assignee_id=data.get("assignee_id"), note=note,
                                             **common)
        case Action.TAKE:
            return services.request_take(**common)
        case Action.ON_SITE:
            before = [("before", data["before_photo"])] if data.get("before_photo") else []
            return services.request_on_site(note=note, photos=before, **common)
        case Action.RESOLVE:
            photos = [(kind, data[f"{kind}_photo"]) for kind in ("before", "after")
                      if data.get(f"{kind}_photo")]
            return services.request_resolve(note=note, photos=photos, **common)
        case Action.FOLLOW_UP:
            if not data.get("satisfaction"):
                raise DomainError(ErrorCode.INVALID, _("Choose how satisfied you are."),
                                  field="satisfaction")
            return services.request_follow_up(satisfaction=data["satisfaction"],
                                              comment=data.get("comment") or "", **common)
        case Action.CLOSE:
            return services.request_close(note=note, **common)
        case Action.REJECT:
            return services.request_reject(reason=reason, **common)
        case Action.MARK_DUPLICATE:
            original = original_request(actor, request_id, data.get("original_number") or "")
            return services.request_mark_duplicate(original_id=original, note=note, **common)
        case Action.CANCEL:
            return services.request_cancel(reason=reason, **common)
        case Action.ESCALATE:
            return services.request_escalate(to_level=data.get("to_level") or "",
                                             reason=reason, **common)
        case Action.DEESCALATE:
            return services.request_deescalate(to_level=data.get("to_level") or "",
                                               reason=reason, **common)
        case Action.PAUSE:
            return services.request_pause(reason=reason, **common)
        case Action.RESUME:
            return services.request_resume(note=note, **common)
    raise NotFound()  # pragma: no cover - every action is handled above


def original_request(actor: User, request_id: int, number: str) -> int:
    """The id of the request numbered `number` (WQ-2026-000123) in the same community that the
    actor may see; else an error naming `original_number`."""
    number = (number or "").strip()
    if not number:
        raise DomainError(ErrorCode.INVALID, _("Give the number of the original request."),
                          field="original_number")
    req = selectors.access_request(actor=actor, request_id=request_id)
    found = selectors.request_by_number(actor=actor, community_id=req.community_id,
                                        number=number)
    if found is None:
        raise DomainError(
            ErrorCode.INVALID,
            _("There is no request %(number)s that you may see in this community.")
            % {"number": number}, field="original_number")
    return found.pk


# Lazy: built at import, shown in the language of each request.
_DONE = {
    Action.ACCEPT: gettext_lazy("Accepted."),
    Action.DISPATCH: gettext_lazy("Dispatched."),
    Action.TAKE: gettext_lazy("The job is yours."),
    Action.ON_SITE: gettext_lazy("Marked on site."),
    Action.RESOLVE: gettext_lazy("Resolved. The resident is asked if they are satisfied."),
    Action.FOLLOW_UP: gettext_lazy("Thank you: your answer is recorded."),
    Action.CLOSE: gettext_lazy("Closed."),
    Action.REJECT: gettext_lazy("Rejected."),
    Action.MARK_DUPLICATE: gettext_lazy("Marked as a duplicate."),
    Action.CANCEL: gettext_lazy("Cancelled."),
    Action.ESCALATE: gettext_lazy("Escalated."),
    Action.DEESCALATE: gettext_lazy("Handed back down."),
    Action.PAUSE: gettext_lazy("Paused."),
    Action.RESUME: gettext_lazy("Resumed."),
}


@page
@require_POST
def act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    """Take one action; bad input is shown on the request page, next to the field."""
    actor = _actor(request)
    if action not in Action.__members__.values():
        raise NotFound()
    chosen = Action(action)
    selectors.access_request(actor=actor, request_id=request_id)  # 404 before anything else
    form = ActionForm(request.POST, request.FILES, prefix=str(chosen))
    target = request.POST.get("next", "detail")
    target = target if target in _NEXT else "detail"
    notice = ""
    if form.is_valid():
        try:
            _call(actor, request_id, chosen, form.cleaned_data)
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            if exc.code == ErrorCode.CONFLICT:
                notice = _("Someone else changed this request; here it is as it is now. "
                           "What you wrote is kept below: check it and send it again.")
                if chosen in (Action.RESOLVE, Action.ON_SITE):
                    notice += " " + _("Choose the photos again.")
                fresh = selectors.access_request(actor=actor, request_id=request_id)
                data = request.POST.copy()
                data[f"{chosen}-version"] = str(fresh.version)
                form = ActionForm(data, prefix=str(chosen))
                form.is_valid()
                form.errors.clear()
            else:
                _form_error(form, exc)
        else:
            messages.success(request, _DONE[chosen])
            if target == "detail":
                return redirect("requests:detail", request_id=request_id)
            return redirect(f"requests:{target}")
    context = _detail_context(actor, request_id, bound=(chosen, form), notice=notice,
                              failed=str(chosen))
    return render(request, "requests/detail.html", context, status=409 if notice else 400)


@page
@require_POST
def reply(request: HttpRequest, request_id: int) -> HttpResponse:
    """The street's reply on a request referred to it (services.request_reply)."""
    actor = _actor(request)
    selectors.access_request(actor=actor, request_id=request_id)  # 404 before anything else
    try:
        services.request_reply(actor=actor, request_id=request_id,
                               note=request.POST.get("note", ""),
                               version=_int(request.POST.get("version")))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your reply is recorded; the community is told."))
    return redirect("requests:detail", request_id=request_id)


# --- 4. my jobs -----------------------------------------------------------------------------


@page
def my_jobs(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Capability.HANDLE_JOB)
    jobs = list(selectors.my_jobs(actor=actor)[:200])
    now = timezone.now()
    # Jobs assigned to the member and not yet accepted since their dispatch (one query).
    to_accept = selectors.jobs_to_accept(actor=actor, jobs=[
        r for r in jobs if r.assignee_id == actor.pk and r.status == S.DISPATCHED])
    mine = [{"req": r, "sla": sla_words(r, now), "to_accept": r.pk in to_accept}
            for r in jobs if r.assignee_id == actor.pk]
    pool = [{"req": r, "sla": sla_words(r, now)} for r in jobs if r.assignee_id is None]
    return render(request, "requests/my_jobs.html", {"mine": mine, "pool": pool})


# --- 5. residents ---------------------------------------------------------------------------


def _my_home(actor: User) -> Any:
    """The actor's household (with its dwelling and building), or None."""
    households = sorted(scope_of(actor).households)
    if not households:
        return None
    try:
        return registry_selectors.access_household(actor, households[0])
    except (NotFound, Forbidden):
        return None


def _report_building(actor: User, raw: str | None) -> PublicBuilding | None:
    """The building a poster's QR code chose (`?building=<id>`), if the actor may report about
    it (a building of their community, as `request_submit` checks); else None."""
    pk = _int(raw)
    if pk is None:
        return None
    try:
        found = public_building(building_id=pk)
    except NotFound:
        return None
    return found if found.community_id in scope_of(actor).member_of else None


@page
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a problem in three steps: what, where, describe (one question per screen).
    `?building=<id>` (the building's "scan to report" poster) answers "where" beforehand."""
    actor = _actor(request)
    require(actor, Capability.REPORT_REQUEST)
    if _is_staff_side(actor):
        return redirect("requests:new")
    home = _my_home(actor)
    building = _report_building(actor, request.GET.get("building"))
    categories = selectors.categories_for(actor=actor)
    choices = category_choices(categories)
    category_id = _int(request.GET.get("category"))
    chosen = next((label for pk, label in choices if category_id is not None
                   and pk == str(category_id)), None)
    where = request.GET.get("where", "") or ("building" if building else "")
    if chosen is None:
        return render(request, "requests/report.html",
                      {"step": 1, "choices": choices, "building": building})
    if where not in ("home", "place", "building") or (where == "home" and home is None) or (
            where == "building" and building is None):
        return render(request, "requests/report.html",
                      {"step": 2, "category_id": category_id, "category": chosen,
                       "home": home})
    at_home = home is not None and where == "home"
    form = ReportForm(request.POST or None, request.FILES or None,
                      initial={"floor": home.dwelling.floor if at_home else None,
                               "unit": home.dwelling.unit.number if at_home else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photos = [("before", data["photo"])] if data.get("photo") else []
        try:
            created = services.request_submit(
                actor=actor, category_id=category_id or 0, title=data["title"],
                channel=Request.Channel.SELF_REPORT, type=data["type"] or Request.Type.HELP,
                unit_number=data["unit"] if where in ("home", "building") else None,
                building_id=home.dwelling.unit.building_id if where == "home" and home
                else building.id if where == "building" and building else None,
                floor=data["floor"] if where in ("home", "building") else None,
                place=data["place"] if where == "place" else "",
                photos=photos, idempotency_key=data["idempotency_key"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            _form_error(form, exc)
        else:
            messages.success(request, _("Thank you. Your request %(number)s was sent; we will "
                                        "tell you how it goes.") % {"number": created.number})
            return redirect("requests:mine")
    return render(request, "requests/report.html", {
        "step": 3, "category_id": category_id, "category": chosen, "where": where,
        "home": home, "building": building, "form": form,
    }, status=400 if form.is_bound else 200)


@page
def mine(request: HttpRequest) -> HttpResponse:
    """A resident's own requests, the status in words, and the follow-up when resolved."""
    actor = _actor(request)
    require(actor, Capability.REPORT_REQUEST)
    qs = selectors.requests_for_inbox(actor=actor).filter(reporter_user=actor)
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for r in page_obj.object_list:
        follow = None
        if r.status == S.RESOLVED and r.paused_at is None:
            follow = ActionForm(initial={"version": r.version}, prefix=str(Action.FOLLOW_UP))
        rows.append({"req": r, "words": resident_status_words(r), "follow": follow})
    return render(request, "requests/mine.html", {"rows": rows, "page": page_obj,
                                                  "report_url": reverse("requests:report")})



@page
@require_GET
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A request's photo, for those who may see the request (not served from MEDIA_URL)."""
    row = selectors.access_photo(actor=_actor(request), photo_id=photo_id)
    try:
        handle = row.image.open("rb")
    except FileNotFoundError:
        raise NotFound() from None
    name = row.image.name.rsplit("/", 1)[-1]
    return file_response(handle, filename=name, content_type=content_type_of(name))


# --- Open311 clients -------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def open311_clients(request: HttpRequest) -> HttpResponse:
    """Community admins register the programs that report through Open311 and revoke them.

    A new client's API key is shown once, on the answer to the POST, and never stored.
    """
    from xingfuli.core.selectors import communities_for
    from xingfuli.requests.open311 import services as open311

    actor = _actor(request)
    communities = [c for c in communities_for(actor=actor)
                   if has_capability(actor, Capability.MANAGE_GRID, community_id=c.pk)]
    if not communities:
        raise Forbidden()
    new_key = ""
    error = ""
    status = 200
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                client = open311.open311_client_revoke(
                    actor=actor, client_id=_choice(request.POST["revoke"], "revoke"))
                messages.success(request, _("%(name)s can no longer report.")
                                 % {"name": client.name})
                return redirect("requests:open311_clients")
            community_id = _choice(request.POST.get("community_id") or communities[0].pk,
                                   "community_id")
            if community_id not in {c.pk for c in communities}:
                raise DomainError(ErrorCode.INVALID, _("Choose a community you manage."),
                                  field="community_id")
            _client, new_key = open311.open311_client_create(
                actor=actor, community_id=community_id, name=request.POST.get("name", ""))
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            error, status = str(exc.message), 400
    return render(request, "requests/open311_clients.html", {
        "clients": open311.open311_clients_for(actor=actor),
        "communities": communities,
        "new_key": new_key,
        "error": error,
        "name": request.POST.get("name", "") if error else "",
        "endpoint": request.build_absolute_uri(reverse("open311:discovery", args=["json"])),
    }, status=status)


def _choice(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Not a valid choice."), field=field) from None
