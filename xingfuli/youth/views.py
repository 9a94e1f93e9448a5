"""Pages of the youth palace: parse input, call selectors and services, render.

Guardians (resident parents) use `mine`, `courses` and `course` on their phones; teachers and
staff use the course, session (roster, check-in, pick-up), children and statistics pages.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core import scheduling
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import staff_page
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.registry.models import Resident
from xingfuli.youth import selectors, services
from xingfuli.youth.forms import (
    ChildForm,
    CourseForm,
    EnrolForm,
    PickupForm,
    PickupPersonForm,
    SessionsForm,
    TermForm,
)

PER_PAGE = 50


def _is_runner(actor: User) -> bool:
    return has_capability(actor, Capability.MANAGE_YOUTH)


def _domain_message(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    messages.error(request, str(exc.message))


@staff_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("youth:courses" if _is_runner(_actor(request)) else "youth:mine")


# --- guardians ---------------------------------------------------------------------------


@staff_page
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """A parent's children, their courses and places on waiting lists."""
    actor = _actor(request)
    kids = list(selectors.my_children(actor=actor))
    rows = selectors.enrolments_of(actor=actor, children=kids)
    waiting_ids = [r.first_waiting for r in rows if r.first_waiting]
    positions = {
        b.pk: scheduling.waitlist_position(b)
        for b in scheduling.Booking.objects.filter(pk__in=waiting_ids)
    }
    by_child: dict[int, list[Any]] = {k.pk: [] for k in kids}
    for r in rows:
        by_child[r.child.pk].append({"e": r, "position": positions.get(r.first_waiting or 0)})
    today = timezone.localdate()
    return render(request, "youth/mine.html", {
        "children": [{"child": k, "age": k.age_on(today), "rows": by_child[k.pk]}
                     for k in kids],
        "can_register": bool(scope_of(actor).households),
    })


@staff_page
@require_http_methods(["GET", "POST"])
def child_new(request: HttpRequest) -> HttpResponse:
    """A resident parent registers their child (from the household record or by hand)."""
    actor = _actor(request)
    households = sorted(scope_of(actor).households)
    if not households:
        raise NotFound()
    registered = set(selectors.my_children(actor=actor).values_list("resident_id", flat=True))
    kids = [r for r in scoped(Resident.objects.all(), actor).filter(
        household_id__in=households, status=Resident.Status.ACTIVE,
        birth_date__gt=timezone.localdate().replace(year=timezone.localdate().year - 18),
    ).order_by("birth_date") if r.pk not in registered]
    form = ChildForm(request.POST or None, residents=kids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            child = services.child_register(
                actor=actor, resident_id=int(data["resident"]) if data["resident"] else None,
                name=data["name"], sex=data["sex"], birth_date=data["birth_date"],
                school=data["school"], care_note=data["care_note"],
                guardian_relation=data["relation"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": child.name})
            return redirect("youth:mine")
    return render(request, "youth/child_new.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)


@staff_page
@require_http_methods(["GET", "POST"])
def my_child(request: HttpRequest, child_id: int) -> HttpResponse:
    """A parent's child: who may pick them up (add, stop)."""
    actor = _actor(request)
    child = selectors.my_children(actor=actor).filter(pk=child_id).first()
    if child is None:
        raise NotFound()
    form = PickupPersonForm(request.POST or None)
    if request.method == "POST":
        try:
            if "stop" in request.POST:
                services.guardian_pickup_set(actor=actor, guardian_id=int(request.POST["stop"]),
                                             may_pick_up=False)
                messages.success(request, _("Saved."))
                return redirect("youth:my_child", child.pk)
            if form.is_valid():
                d = form.cleaned_data
                services.guardian_add(actor=actor, child_id=child.pk, name=d["name"],
                                      relation=d["relation"], mobile=d["mobile"],
                                      may_pick_up=True)
                messages.success(request, _("Saved."))
                return redirect("youth:my_child", child.pk)
        except (DomainError, ValueError) as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            if isinstance(exc, DomainError):
                form.add_error(exc.field if exc.field in form.fields else None,
                               str(exc.message))
    return render(request, "youth/my_child.html", {
        "child": child, "guardians": list(selectors.guardians_of(actor=actor, child=child)),
        "form": form,
    }, status=400 if form.is_bound and form.errors else 200)


# --- courses ----------------------------------------------------------------------------------


@staff_page
@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    """Courses open now or soon, with the places left in their next session."""
    actor = _actor(request)
    today = timezone.localdate()
    rows = list(selectors.courses_for(actor=actor).filter(term__ends_on__gte=today))
    nxt = selectors.next_sessions([c.pk for c in rows])
    occ = scheduling.occupancy([s.pk for s in nxt.values()])
    items = []
    for c in rows:
        s = nxt.get(c.pk)
        o = occ.get(s.pk) if s else None
        items.append({"course": c, "next": s, "free": o.free if o else None,
                      "waiting": o.waitlisted if o else 0})
    runner = _is_runner(actor)
    return render(request, "youth/courses.html", {
        "items": items, "runner": runner,
        "today": selectors.sessions_today(actor=actor) if runner else [],
        "staff": runner and selectors.staff_communities(actor) != frozenset(),
    })


def _course_context(actor: User, course_id: int, **extra: Any) -> dict[str, Any]:
    course = selectors.access_course(actor=actor, course_id=course_id)
    runs = selectors.may_run_course(actor, course)
    sessions = list(selectors.course_sessions(course=course, upcoming=True)[:12])
    occ = scheduling.occupancy([s.pk for s in sessions])
    kids = list(selectors.my_children(actor=actor))
    enrolled = {e.child.pk: e for e in selectors.enrolments_of(actor=actor, children=kids)
                if e.course.pk == course.pk}
    today = timezone.localdate()
    context = {
        "course": course, "runs": runs,
        "teachers": selectors.teachers_of([course.pk])[course.pk],
        "sessions": [{"s": s, "o": occ[s.pk]} for s in sessions],
        "full": bool(sessions) and all(occ[s.pk].free == 0 for s in sessions[:1]),
        "my_children": [{"child": k, "age": k.age_on(today), "e": enrolled.get(k.pk)}
                        for k in kids],
        "purpose": services.consent_purpose(course),
        "enrol_form": EnrolForm(
            children=[k for k in kids if k.pk not in enrolled],
            initial={"idempotency_key": uuid.uuid4().hex},
        ),
        "sessions_form": SessionsForm() if runs else None,
    }
    context.update(extra)
    return context


@staff_page
@require_GET
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    return render(request, "youth/course.html", _course_context(_actor(request), course_id))


@staff_page
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = _actor(request)
    kids = list(selectors.my_children(actor=actor))
    form = EnrolForm(request.POST, children=kids)
    if form.is_valid():
        d = form.cleaned_data
        try:
            bookings = services.enrol(actor=actor, child_id=int(d["child"]),
                                      course_id=course_id, consent=d["consent"],
                                      idempotency_key=d["idempotency_key"])
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            form.add_error(exc.field if exc.field in ("consent",) else None, str(exc.message))
        else:
            waiting = [b for b in bookings if b.status == scheduling.Booking.Status.WAITLISTED]
            if waiting:
                messages.success(request, _(
                    "The course is full: %(name)s is on the waiting list (number %(n)s) and "
                    "will get a place when one frees up; we will tell you."
                ) % {"name": bookings[0].attendee_name,
                     "n": scheduling.waitlist_position(waiting[0])})
            else:
                messages.success(request, _("%(name)s is enrolled.")
                                 % {"name": bookings[0].attendee_name})
            return redirect("youth:mine")
    ctx = _course_context(actor, course_id)
    ctx["enrol_form"] = form
    return render(request, "youth/course.html", ctx, status=400)


@staff_page
@require_POST
def withdraw(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        services.enrolment_cancel(actor=actor, child_id=int(request.POST.get("child", "0")),
                                  course_id=course_id)
    except DomainError as exc:
        _domain_message(request, exc)
    except ValueError:
        raise NotFound() from None
    else:
        messages.success(request, _("Withdrawn from the course."))
    return redirect("youth:mine")


# --- teachers and staff: sessions, attendance, pick-up ---------------------------------------


def _session_context(actor: User, session_id: int, **extra: Any) -> dict[str, Any]:
    session, course = selectors.access_session(actor=actor, session_id=session_id)
    roster = selectors.session_roster(actor=actor, session=session)
    people = selectors.pickup_people([b.attendee_id for b in roster]) if course.is_care else {}
    rows = [{"b": b, "people": people.get(b.attendee_id, [])} for b in roster]
    ctx = {"session": session, "course": course, "rows": rows, "pickup_form": PickupForm()}
    ctx.update(extra)
    return ctx


@staff_page
@require_GET
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    return render(request, "youth/session.html", _session_context(_actor(request), session_id))


@staff_page
@require_POST
def booking_act(request: HttpRequest, booking_id: int, action: str) -> HttpResponse:
    actor = _actor(request)
    session_id = scheduling.bookings_scoped(actor).filter(pk=booking_id).values_list(
        "session_id", flat=True).first()
    if session_id is None:
        raise NotFound()
    try:
        if action == "check_in":
            services.attendance_check_in(actor=actor, booking_id=booking_id)
        elif action == "check_out":
            services.attendance_check_out(actor=actor, booking_id=booking_id)
        elif action == "pickup":
            form = PickupForm(request.POST)
            if not form.is_valid():
                raise DomainError(ErrorCode.INVALID, _("Check the pick-up form."))
            d = form.cleaned_data
            raw = request.POST.get("guardian", "")
            pickup = services.care_pick_up(
                actor=actor, booking_id=booking_id,
                guardian_id=int(raw) if raw.isdigit() else None,
                person_name=d["person_name"], note=d["note"],
            )
            if pickup.outcome == "refused":
                messages.error(request, _(
                    "Refused: %(person)s is not authorised to pick %(name)s up. The child "
                    "stays; the refusal is recorded and the parents are told."
                ) % {"person": pickup.person_name, "name": pickup.child.name})
            else:
                messages.success(request, _("%(name)s was handed over to %(person)s.")
                                 % {"name": pickup.child.name, "person": pickup.person_name})
        else:
            raise NotFound()
    except DomainError as exc:
        _domain_message(request, exc)
    return redirect("youth:session", session_id)


@staff_page
@require_GET
def children(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not _is_runner(actor):
        raise NotFound()
    page = Paginator(selectors.children_for(actor=actor), PER_PAGE).get_page(
        request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "youth/children.html", {
        "page": page, "rows": [{"c": c, "age": c.age_on(today)} for c in page.object_list],
    })


@staff_page
@require_GET
def child(request: HttpRequest, child_id: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.access_child(actor=actor, child_id=child_id)
    services.child_viewed(actor=actor, child=found)
    return render(request, "youth/child.html", {
        "child": found, "age": found.age_on(timezone.localdate()),
        "guardians": list(selectors.guardians_of(actor=actor, child=found)),
        "consents": list(selectors.consents_of(actor=actor, child=found)),
    })


@staff_page
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not _is_runner(actor):
        raise NotFound()
    terms = list(selectors.terms_for(actor=actor))
    raw = request.GET.get("term", "")
    term_id = int(raw) if raw.isdigit() else None
    figures = selectors.course_figures(actor=actor, term_id=term_id)
    return render(request, "youth/statistics.html", {
        "terms": terms, "term_id": term_id, "figures": figures,
        "held": sum(f.held for f in figures),
        "participations": sum(f.participations for f in figures),
    })



# --- staff: terms, courses, timetables ---------------------------------------------------------


def _staff_community(actor: User) -> int:
    """The community the actor manages the youth palace of as staff (404 otherwise)."""
    comms = selectors.staff_communities(actor)
    if comms is None:
        found = scoped(Community.objects.all(), actor).order_by("pk").values_list(
            "pk", flat=True).first()
        if found is None:
            raise NotFound()
        return int(found)
    if not comms or not _is_runner(actor):
        raise NotFound()
    return min(comms)


def _manage_context(actor: User, community_id: int, **forms: Any) -> dict[str, Any]:
    terms = list(selectors.terms_for(actor=actor).filter(community_id=community_id))
    ctx: dict[str, Any] = {
        "terms": terms,
        "term_form": TermForm(),
        "course_form": CourseForm(terms=terms, teachers=selectors.teacher_candidates(
            community_id=community_id)),
    }
    ctx.update(forms)
    return ctx


@staff_page
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Staff add terms and courses (with their teachers)."""
    actor = _actor(request)
    community_id = _staff_community(actor)
    if request.method == "GET":
        return render(request, "youth/manage.html", _manage_context(actor, community_id))
    ctx = _manage_context(actor, community_id)
    if request.POST.get("what") == "term":
        form: Any = TermForm(request.POST)
        ctx["term_form"] = form
        if form.is_valid():
            try:
                services.term_create(actor=actor, community_id=community_id,
                                     **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound | Forbidden):
                    raise
                form.add_error(exc.field if exc.field in form.fields else None,
                               str(exc.message))
            else:
                messages.success(request, _("Saved."))
                return redirect("youth:manage")
    else:
        form = CourseForm(request.POST, terms=ctx["terms"],
                          teachers=selectors.teacher_candidates(community_id=community_id))
        ctx["course_form"] = form
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = services.course_create(
                    actor=actor, term_id=int(d["term"]), name=d["name"], kind=d["kind"],
                    capacity=d["capacity"], min_age=d["min_age"], max_age=d["max_age"],
                    place=d["place"], teacher_ids=[int(t) for t in d["teachers"]],
                    opens_at=d["opens_at"], closes_at=d["closes_at"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound | Forbidden):
                    raise
                form.add_error(exc.field if exc.field in form.fields else None,
                               str(exc.message))
            else:
                messages.success(request, _("Course created: now schedule its sessions."))
                return redirect("youth:course", created.pk)
    return render(request, "youth/manage.html", ctx, status=400)


@staff_page
@require_POST
def sessions_add(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = _actor(request)
    form = SessionsForm(request.POST)
    if form.is_valid():
        try:
            rows = services.course_sessions_add(actor=actor, course_id=course_id,
                                                **form.cleaned_data)
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("%(n)s sessions scheduled.") % {"n": len(rows)})
            return redirect("youth:course", course_id)
    ctx = _course_context(actor, course_id, sessions_form=form)
    return render(request, "youth/course.html", ctx, status=400)
