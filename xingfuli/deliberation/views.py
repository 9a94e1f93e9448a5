"""Pages of the deliberation module (一亭): parse input, call selectors and services, render.

Topic and meeting pages for residents and staff, the pavilions with their QR posters, and the
public pages a QR code opens (a pavilion, a decision's notice 公示) that need no login.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from reportlab.lib.units import mm

from xingfuli.core import pdf
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import staff_page as page
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.deliberation import selectors, services
from xingfuli.deliberation.models import Attendance, Decision, Meeting, Topic
from xingfuli.registry.models import Building

PER_PAGE = 30
S = Topic.Status


# --- parsing ------------------------------------------------------------------------------------


def _int(data: QueryDict, name: str, *, required: bool = True) -> int | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        if required:
            raise DomainError(ErrorCode.INVALID, _("Fill in this field."), field=name)
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise DomainError(ErrorCode.INVALID, _("Give a whole number, 0 or more."), field=name)
    return int(raw)


def _ints(data: QueryDict, name: str) -> list[int]:
    values = data.getlist(name)
    if any(not v.isdigit() or len(v) > 9 for v in values):
        raise DomainError(ErrorCode.INVALID, _("Choose from the list."), field=name)
    return [int(v) for v in values]


def _when(data: QueryDict, name: str) -> dt.datetime:
    raw = (data.get(name) or "").strip()
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, _("Give the date and time, like 2026-12-05 09:30."),
                          field=name) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _date(data: QueryDict, name: str) -> dt.date | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, _("Give a date like 2026-12-31."),
                          field=name) from None


def _failed(exc: DomainError, form: str) -> dict[str, Any]:
    if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
        raise exc
    return {"form": form, "field": exc.field or "", "message": str(exc.message)}


# --- topics -------------------------------------------------------------------------------------


@page
@require_GET
def topics(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    if status not in S.values:
        status = ""
    qs = selectors.topics_for(actor=actor, status=status)
    paginator = Paginator(qs, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    scope = scope_of(actor)
    manages = any(selectors.can_manage(actor, c) for c in scope.communities) or scope.everything
    return render(request, "deliberation/topics.html", {
        "page": page_obj, "topics": list(page_obj.object_list), "status": status,
        "statuses": S.choices, "manages": manages, "resident": bool(scope.households),
    })


def _buildings_for(actor: User) -> list[Building]:
    return list(scoped(Building.objects.all(), actor).order_by("community_id", "number"))


@page
@require_http_methods(["GET", "POST"])
def topic_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    scope = scope_of(actor)
    communities = [c for c in scope.communities if selectors.can_manage(actor, c)]
    manages = bool(communities)
    if not manages and not scope.households:
        raise NotFound()
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            if manages:
                topic = services.topic_create(
                    actor=actor, community_id=communities[0], title=data.get("title", ""),
                    kind=data.get("kind", ""), origin=data.get("origin", "proposal"),
                    description=data.get("description", ""),
                    building_ids=_ints(data, "building_ids"),
                    pavilion_id=_int(data, "pavilion_id", required=False),
                    idempotency_key=data.get("idempotency_key", ""),
                )
            else:
                topic = services.topic_propose(
                    actor=actor, title=data.get("title", ""), kind=data.get("kind", ""),
                    description=data.get("description", ""),
                    idempotency_key=data.get("idempotency_key", ""),
                )
            messages.success(request, _("The topic is recorded."))
            return redirect("deliberation:topic", topic.pk)
        except DomainError as exc:
            error = _failed(exc, "topic")
    return render(request, "deliberation/topic_new.html", {
        "manages": manages, "error": error, "data": request.POST,
        "kinds": Topic.Kind.choices,
        "origins": [(v, label) for v, label in Topic.Origin.choices if v != "request"],
        "buildings": _buildings_for(actor) if manages else [],
        "pavilions": list(selectors.pavilions_for(actor=actor)) if manages else [],
        "key": uuid.uuid4().hex,
    }, status=400 if error else 200)


def _topic_context(actor: User, topic_id: int, error: dict[str, Any] | None = None) -> (
    dict[str, Any]
):
    topic = selectors.access_topic(actor=actor, topic_id=topic_id)
    manage = selectors.can_manage(actor, topic.community_id)
    decisions = selectors.decisions_of(topic=topic)
    household = services._resident_household(actor, topic.community_id)
    return {
        "topic": topic,
        "manage": manage,
        "resident": household is not None,
        "options": selectors.topic_options(topic=topic),
        "views": selectors.topic_views(actor=actor, topic=topic),
        "meetings": selectors.topic_meetings(topic=topic),
        "decisions": [(d, selectors.decision_check(d)) for d in decisions],
        "items": selectors.topic_items(topic=topic),
        "elevator_projects": selectors.elevator_projects_to_link(actor=actor, topic=topic)
        if manage and topic.status in services.ITEMS_OPEN else [],
        "events": list(topic.events.select_related("actor").order_by("at", "pk")) if manage
        else [],
        "pavilions": list(selectors.pavilions_for(actor=actor)) if manage else [],
        "quorum": services.quorum_share(topic),
        "approval": services.approval_share(topic),
        "views_open": topic.status in services.VIEWS_OPEN,
        "options_open": topic.status in services.OPTIONS_OPEN,
        "rule_open": topic.status in services.RULE_OPEN,
        "items_open": topic.status in services.ITEMS_OPEN,
        "can_schedule": services.can_move(topic, services.Action.SCHEDULE),
        "can_withdraw": services.can_move(topic, services.Action.WITHDRAW),
        "can_complete": services.can_move(topic, services.Action.COMPLETE),
        "public": topic.status in selectors.PUBLIC_STATUSES,
        "error": error,
        "key": uuid.uuid4().hex,
        "request_url": reverse("requests:detail", args=[topic.source_request_id])
        if topic.source_request_id else "",
    }


@page
@require_GET
def topic(request: HttpRequest, topic_id: int) -> HttpResponse:
    return render(request, "deliberation/topic.html", _topic_context(_actor(request), topic_id))


@page
@require_POST
def topic_post(request: HttpRequest, topic_id: int, action: str) -> HttpResponse:
    """Every form of the topic page posts here: `action` names the form."""
    actor = _actor(request)
    data = request.POST
    handlers: dict[str, Callable[[], object]] = {
        "view": lambda: services.view_add(
            actor=actor, topic_id=topic_id, text=data.get("text", ""),
            option_id=_int(data, "option_id", required=False),
            idempotency_key=data.get("idempotency_key", "")),
        "option": lambda: services.option_add(
            actor=actor, topic_id=topic_id, title=data.get("title", ""),
            description=data.get("description", "")),
        "schedule": lambda: services.meeting_schedule(
            actor=actor, topic_id=topic_id, pavilion_id=_int(data, "pavilion_id"),
            starts_at=_when(data, "starts_at"), agenda=data.get("agenda", ""),
            version=_int(data, "version", required=False),
            idempotency_key=data.get("idempotency_key", "")),
        "rule": lambda: services.topic_rule_set(
            actor=actor, topic_id=topic_id, basis=data.get("basis", ""),
            quorum_numerator=_int(data, "quorum_numerator") or 0,
            quorum_denominator=_int(data, "quorum_denominator") or 0,
            quorum_inclusive=data.get("quorum_inclusive") == "1",
            approval_numerator=_int(data, "approval_numerator") or 0,
            approval_denominator=_int(data, "approval_denominator") or 0,
            approval_inclusive=data.get("approval_inclusive") == "1",
            version=_int(data, "version", required=False)),
        "withdraw": lambda: services.topic_withdraw(
            actor=actor, topic_id=topic_id, reason=data.get("reason", ""),
            version=_int(data, "version", required=False)),
        "item": lambda: services.item_add(
            actor=actor, topic_id=topic_id, title=data.get("title", ""),
            owner_label=data.get("owner_label", ""),
            request_id=_int(data, "request_id", required=False),
            renovation_id=_int(data, "renovation_id", required=False),
            elevator_project_id=_int(data, "elevator_project_id", required=False),
            due_on=_date(data, "due_on"), idempotency_key=data.get("idempotency_key", "")),
        "progress": lambda: services.item_progress(
            actor=actor, item_id=_int(data, "item_id") or 0,
            progress=_int(data, "progress") or 0, note=data.get("note", ""),
            version=_int(data, "version", required=False)),
        "complete": lambda: services.topic_complete(
            actor=actor, topic_id=topic_id, version=_int(data, "version", required=False)),
    }
    handler = handlers.get(action)
    if handler is None:
        raise Http404
    try:
        result = handler()
    except DomainError as exc:
        context = _topic_context(actor, topic_id, _failed(exc, action))
        return render(request, "deliberation/topic.html", context, status=400)
    if action == "schedule" and isinstance(result, Meeting):
        messages.success(request, _("The meeting is scheduled."))
        return redirect("deliberation:meeting", result.pk)
    messages.success(request, _("Saved."))
    return redirect(reverse("deliberation:topic", args=[topic_id]) + f"#{action}")


@page
@require_http_methods(["GET", "POST"])
def from_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """Take a request the grid or community could not settle to the pavilion."""
    from xingfuli.requests import selectors as request_selectors

    actor = _actor(request)
    req = request_selectors.access_request(actor=actor, request_id=request_id)
    if not selectors.can_manage(actor, req.community_id):
        from xingfuli.core.errors import Forbidden

        raise Forbidden()
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            topic = services.topic_from_request(
                actor=actor, request_id=req.pk, title=data.get("title", ""),
                kind=data.get("kind", ""), description=data.get("description", ""),
                pavilion_id=_int(data, "pavilion_id", required=False),
                note=data.get("note", ""), idempotency_key=data.get("idempotency_key", ""),
            )
            messages.success(request, _("The request is now a deliberation topic."))
            return redirect("deliberation:topic", topic.pk)
        except DomainError as exc:
            error = _failed(exc, "topic")
    return render(request, "deliberation/from_request.html", {
        "req": req, "error": error, "data": request.POST, "kinds": Topic.Kind.choices,
        "pavilions": list(selectors.pavilions_for(actor=actor)), "key": uuid.uuid4().hex,
        "request_url": reverse("requests:detail", args=[req.pk]),
    }, status=400 if error else 200)


# --- meetings -------------------------------------------------------------------------------


def _meeting_context(actor: User, meeting_id: int, request: HttpRequest,
                     error: dict[str, Any] | None = None) -> dict[str, Any]:
    meeting = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    topic = meeting.topic
    manage = selectors.can_manage(actor, topic.community_id)
    attendance = list(selectors.meeting_attendance(actor=actor, meeting=meeting))
    q = request.GET.get("q", "")
    present = services.present_count(meeting=meeting, basis=topic.quorum_basis)
    representatives = [a for a in attendance if a.represents_household]
    return {
        "meeting": meeting, "topic": topic, "manage": manage, "attendance": attendance,
        "representatives": representatives,
        "present": present, "q": q,
        "candidates": selectors.attendance_candidates(actor=actor, meeting=meeting, q=q),
        "options": list(meeting.options_discussed.all()) if meeting.status == "held"
        else selectors.topic_options(topic=topic),
        "decisions": [(d, selectors.decision_check(d))
                      for d in selectors.decisions_of(topic=topic) if d.meeting_id == meeting.pk],
        "can_sign_in": manage and meeting.status == Meeting.Status.SCHEDULED
        and topic.status == S.SCHEDULED,
        "can_decide": manage and meeting.status == Meeting.Status.HELD
        and topic.status == S.DELIBERATED,
        "quorum": services.quorum_share(topic), "approval": services.approval_share(topic),
        "methods": Decision.Method.choices, "error": error,
    }


@page
@require_GET
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return render(request, "deliberation/meeting.html",
                  _meeting_context(_actor(request), meeting_id, request))


@page
@require_POST
def meeting_post(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    actor = _actor(request)
    data = request.POST

    def decide() -> Decision:
        votes: dict[int, str] | None = None
        if data.get("recording") == "households":
            votes = {}
            for key in data:
                value = data.get(key, "")
                if key.startswith("hh-") and key[3:].isdigit() and value:
                    votes[int(key[3:])] = value
        return services.decision_record(
            actor=actor, meeting_id=meeting_id, option_id=_int(data, "option_id") or 0,
            method=data.get("method", ""),
            votes_for=None if votes is not None else _int(data, "votes_for"),
            votes_against=None if votes is not None else _int(data, "votes_against"),
            abstained=None if votes is not None else _int(data, "abstained"),
            household_votes=votes, note=data.get("note", ""))

    handlers: dict[str, Callable[[], object]] = {
        "attend": lambda: services.attendance_record(
            actor=actor, meeting_id=meeting_id, resident_id=_int(data, "resident_id") or 0,
            represents_household=data.get("represents_household") == "1"),
        "unattend": lambda: services.attendance_remove(
            actor=actor, attendance_id=_int(data, "attendance_id") or 0),
        "hold": lambda: services.meeting_hold(
            actor=actor, meeting_id=meeting_id, minutes=data.get("minutes", ""),
            option_ids=_ints(data, "option_ids"),
            version=_int(data, "version", required=False)),
        "cancel": lambda: services.meeting_cancel(
            actor=actor, meeting_id=meeting_id, reason=data.get("reason", "")),
        "decide": decide,
    }
    handler = handlers.get(action)
    if handler is None:
        raise Http404
    try:
        result = handler()
    except DomainError as exc:
        context = _meeting_context(actor, meeting_id, request, _failed(exc, action))
        return render(request, "deliberation/meeting.html", context, status=400)
    if isinstance(result, Decision):
        if result.adopted:
            messages.success(request, _("Adopted: the topic is decided."))
        else:
            messages.warning(request, _("Not adopted: the vote did not meet the rule."))
    elif isinstance(result, Attendance):
        messages.success(request, _("Signed in: %(name)s") % {"name": result.resident.name})
    else:
        messages.success(request, _("Saved."))
    return redirect(reverse("deliberation:meeting", args=[meeting_id]) + f"#{action}")


# --- pavilions -------------------------------------------------------------------------------


@page
@require_GET
def pavilions(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(request, "deliberation/pavilions.html",
                  {"pavilions": list(selectors.pavilions_for(actor=actor))})


def _public_url(request: HttpRequest, pavilion_id: int) -> str:
    return request.build_absolute_uri(reverse("deliberation:public_pavilion",
                                              args=[pavilion_id]))


@page
@require_GET
def poster(request: HttpRequest, pavilion_id: int) -> HttpResponse:
    pavilion = selectors.access_pavilion(actor=_actor(request), pavilion_id=pavilion_id)
    url = _public_url(request, pavilion.pk)
    qr = segno.make(url, error="m").svg_inline(scale=6, title=pavilion.name)
    return render(request, "deliberation/poster.html",
                  {"pavilion": pavilion, "url": url, "qr": qr})


@page
@require_GET
def poster_pdf(request: HttpRequest, pavilion_id: int) -> HttpResponse:
    pavilion = selectors.access_pavilion(actor=_actor(request), pavilion_id=pavilion_id)
    url = _public_url(request, pavilion.pk)
    s = pdf.styles()
    buildings = ", ".join(b.number for b in pavilion.buildings.all())
    story: list[Any] = [
        pdf.Paragraph(pdf.escape(_("%(community)s · deliberation pavilion")
                                 % {"community": pavilion.community.name}), s["heading"]),
        pdf.Paragraph(pdf.escape(pavilion.name), s["big"]),
        pdf.Paragraph(pdf.escape(pavilion.location), s["body"]),
    ]
    if buildings:
        story.append(pdf.Paragraph(pdf.escape(_("Buildings around it: %(list)s")
                                              % {"list": buildings}), s["body"]))
    story += [
        pdf.Paragraph(pdf.escape(_(
            "Major, livelihood and hard matters are deliberated here together. Scan the code "
            "for this pavilion's topics, meetings and public notices of decisions.")), s["body"]),
        pdf.Spacer(1, 20),
        pdf.qr(url, size_mm=80),
        pdf.Paragraph(pdf.escape(url), s["small"]),
    ]
    return pdf.response(pdf.render(story, title=pavilion.name, footer=_("Xingfuli")),
                        f"{pavilion.name}.pdf")


# --- public pages ------------------------------------------------------------------------------


@require_GET
def public_pavilion(request: HttpRequest, pavilion_id: int) -> HttpResponse:
    try:
        found = selectors.public_pavilion(pavilion_id=pavilion_id)
    except NotFound:
        raise Http404 from None
    return render(request, "deliberation/public_pavilion.html", {"p": found})


@require_GET
def notice(request: HttpRequest, topic_id: int) -> HttpResponse:
    try:
        found = selectors.public_notice(topic_id=topic_id)
    except NotFound:
        raise Http404 from None
    return render(request, "deliberation/notice.html", {"n": found})


def _yes(value: bool) -> str:
    return _("met") if value else _("not met")


@require_GET
def notice_pdf(request: HttpRequest, topic_id: int) -> HttpResponse:
    try:
        n = selectors.public_notice(topic_id=topic_id)
    except NotFound:
        raise Http404 from None
    s = pdf.styles()
    c = n.check
    when = timezone.localtime(n.meeting_at).strftime("%Y-%m-%d %H:%M") if n.meeting_at else ""

    def para(text: str, style: str = "body") -> Any:
        return pdf.Paragraph(pdf.escape(text), s[style])

    story: list[Any] = [
        para(_("%(community)s · public notice of a decision") % {"community": n.community},
             "title"),
        para(n.title, "heading"),
        para(_("Kind: %(kind)s · Pavilion: %(pavilion)s · Meeting: %(when)s")
             % {"kind": n.kind, "pavilion": n.pavilion, "when": when}),
    ]
    if n.buildings:
        story.append(para(_("Buildings concerned: %(list)s") % {"list": ", ".join(n.buildings)}))
    if n.description:
        story.append(para(n.description))
    story += [
        para(_("Options discussed"), "heading"),
        pdf.table([[_("Option"), _("Result")]]
                  + [[o, _("chosen") if o == n.chosen else ""] for o in n.options],
                  col_widths=[130 * mm, 45 * mm]),
        para(_("The vote"), "heading"),
        pdf.table([
            ["", pgettext("count", "Number"), _("Rule"), _("Result")],
            [_("Eligible (%(basis)s)") % {"basis": n.basis}, str(c.eligible), "", ""],
            [_("Present"), str(c.present),
             _("%(rule)s of those eligible: at least %(n)s")
             % {"rule": c.quorum.describe(), "n": c.quorum_needed}, _yes(c.quorum_met)],
            [_("For"), str(c.votes_for),
             _("%(rule)s of those present: at least %(n)s")
             % {"rule": c.approval.describe(), "n": c.approval_needed}, _yes(c.approved)],
            [_("Against"), str(c.votes_against), "", ""],
            [_("Abstained"), str(c.abstained), "", ""],
            [_("Did not vote"), str(c.not_voting), "", ""],
        ], col_widths=[40 * mm, 22 * mm, 80 * mm, 33 * mm]),
        para(_("Voted by %(method)s. Adopted: %(option)s.")
             % {"method": n.method, "option": n.chosen}),
        para(_("Implementation: %(status)s, %(progress)s%%")
             % {"status": n.status, "progress": n.progress}, "heading"),
        pdf.table([[pgettext("implementation item", "Work"), _("Responsible"), _("Progress"),
                    _("Done on")]] + [
            [i.title, i.responsible, f"{i.progress}%",
             i.done_on.isoformat() if i.done_on else ""] for i in n.items
        ], col_widths=[70 * mm, 55 * mm, 20 * mm, 30 * mm]),
    ]
    return pdf.response(pdf.render(story, title=n.title, footer=n.community),
                        f"notice-{n.topic_id}.pdf")
