"""Pages of the civilization practice station: parse input, call selectors and services, render."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core import pdf
from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.exports import CONTENT_TYPES
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import staff_page
from xingfuli.volunteers import certificate, invitations, selectors, services
from xingfuli.volunteers.chinese_calendar import festivals
from xingfuli.volunteers.forms import (
    ActivityForm,
    AttendanceForm,
    ClaimForm,
    CorrectForm,
    TeamForm,
    VolunteerForm,
)
from xingfuli.volunteers.models import BirthdayCalendar, ServiceRecord, Volunteer, VolunteerTeam


def _community_id(actor: User) -> int:
    community = selectors.home_community(actor)
    if community is None:
        raise NotFound()
    return community.pk


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return number if low <= number <= high else default


@staff_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The activity calendar of a month: festivals and sessions."""
    actor = _actor(request)
    community_id = _community_id(actor)
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year, 2000, 2100)
    month = _int(request.GET.get("month"), today.month, 1, 12)
    previous = dt.date(year, month, 1) - dt.timedelta(days=1)
    following = dt.date(year, month, 28) + dt.timedelta(days=7)
    return render(request, "volunteers/home.html", {
        "days": selectors.activity_calendar(community_id=community_id, year=year, month=month),
        "month": dt.date(year, month, 1),
        "previous": previous, "following": following,
        "can_manage": selectors.can_manage(actor, community_id),
        "festivals": festivals(year),
    })


def _activity_context(actor: User, activity_id: int) -> dict[str, Any]:
    activity = selectors.access_activity(actor=actor, activity_id=activity_id)
    return {
        "activity": activity,
        "sessions": selectors.activity_sessions(actor=actor, activity=activity,
                                                upcoming_only=True),
        "is_volunteer": services.volunteer_of(actor, activity.community_id) is not None,
        "can_manage": selectors.can_manage(actor, activity.community_id),
    }


@staff_page
@require_GET
def activity(request: HttpRequest, activity_id: int) -> HttpResponse:
    return render(request, "volunteers/activity.html",
                  _activity_context(_actor(request), activity_id))


@staff_page
@require_POST
def sign_up(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = _actor(request)
    session = sch.Session.objects.select_related("series").filter(
        pk=session_id, series__module=services.MODULE).first()
    if session is None:
        raise NotFound()
    activity_id = session.series.owner_id
    selectors.access_activity(actor=actor, activity_id=activity_id)
    try:
        booking = services.activity_sign_up(
            actor=actor, session_id=session.pk, role_code=request.POST.get("role", ""),
            idempotency_key=request.POST.get("idempotency_key", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if booking.status == sch.Booking.Status.WAITLISTED:
            messages.success(request, _("You are on the waiting list: number %(n)d.")
                             % {"n": sch.waitlist_position(booking) or 0})
        else:
            messages.success(request, _("You are signed up."))
    return redirect("volunteers:activity", activity_id)


@staff_page
@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    actor = _actor(request)
    booking = sch.Booking.objects.select_related("session__series").filter(
        pk=booking_id, contact=actor).first()
    if booking is None:
        raise NotFound()
    try:
        services.sign_up_cancel(actor=actor, booking_id=booking.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("volunteers:activity", booking.session.series.owner_id)


# --- at the door -----------------------------------------------------------------------------


def _scan_url(request: HttpRequest, session: sch.Session) -> str:
    return request.build_absolute_uri(
        reverse("volunteers:scan", args=[sch.checkin_token(session)]))


@staff_page
@require_GET
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    """The organiser's page of a session: the door QR code and the sign-ups with check-in."""
    actor = _actor(request)
    found = selectors.access_session(actor=actor, session_id=session_id)
    url = _scan_url(request, found)
    return render(request, "volunteers/session.html", {
        "session": found, "activity": selectors.activity_of_session(found),
        "bookings": list(sch.bookings_for_session(actor=actor, session_id=found.pk)),
        "qr_svg": segno.make(url).svg_inline(scale=5), "scan_url": url,
    })


@staff_page
@require_POST
def check(request: HttpRequest, booking_id: int, direction: str) -> HttpResponse:
    actor = _actor(request)
    booking = sch.bookings_scoped(actor, write=True).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    try:
        if direction == "in":
            services.session_check_in(actor=actor, booking_id=booking.pk)
        else:
            services.session_check_out(actor=actor, booking_id=booking.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("volunteers:session", booking.session_id)


@staff_page
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the door QR code: one button checks the person in, or out."""
    actor = _actor(request)
    try:
        found = sch.session_for_token(token)
    except DomainError as exc:
        return render(request, "volunteers/scan.html", {"error": exc.message}, status=400)
    mine = list(sch.Booking.objects.filter(
        session=found, contact=actor, status=sch.Booking.Status.CONFIRMED))
    if request.method == "POST":
        try:
            done = services.session_scan(actor=actor, token=token)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            if done and done[0].checked_out_at is not None:
                messages.success(request, _("Checked out. Thank you!"))
                return redirect("volunteers:me")
            messages.success(request, _("Checked in. Welcome!"))
        return redirect("volunteers:scan", token)
    return render(request, "volunteers/scan.html", {
        "session": found, "mine": mine, "token": token,
        "checked_in": any(b.checked_in_at and not b.checked_out_at for b in mine),
        "done": bool(mine) and all(b.checked_out_at for b in mine),
    })


# --- my record and certificate -------------------------------------------------------------


def _me_context(actor: User, **extra: Any) -> dict[str, Any]:
    volunteer = selectors.my_volunteer(actor=actor)
    context: dict[str, Any] = {
        "volunteer": volunteer,
        "record": selectors.volunteer_record(volunteer=volunteer) if volunteer else None,
        "bookings": list(sch.bookings_of_contact(user=actor)[:20]),
        "claim_form": ClaimForm(initial={"service_date": timezone.localdate()}),
        "community": selectors.home_community(actor),
        "next_star": None,
    }
    record = context["record"]
    if record is not None and record.stars < len(services.STAR_HOURS):
        context["next_star"] = services.STAR_HOURS[record.stars]
    context.update(extra)
    return context


@staff_page
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/me.html", _me_context(_actor(request)))


@staff_page
@require_POST
def join(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community = request.POST.get("community", "")
    community_id = int(community) if community.isdigit() else _community_id(actor)
    try:
        services.volunteer_join(actor=actor, community_id=community_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("volunteers:me")
    messages.success(request, _("Welcome to the volunteers!"))
    return redirect("volunteers:me")


@staff_page
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    volunteer = selectors.my_volunteer(actor=actor)
    if volunteer is None:
        raise Forbidden()
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            services.claim_submit(actor=actor, community_id=volunteer.community_id,
                                  service=form.cleaned_data["service"],
                                  service_date=form.cleaned_data["service_date"],
                                  minutes=int(form.cleaned_data["hours"] * 60))
        except DomainError as exc:
            field = {"minutes": "hours"}.get(exc.field or "", exc.field)
            form.add_error(field if field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Your claim is waiting for the organiser."))
            return redirect("volunteers:me")
    return render(request, "volunteers/me.html", _me_context(actor, claim_form=form),
                  status=400)


@staff_page
@require_GET
def my_certificate(request: HttpRequest) -> HttpResponse:
    volunteer = selectors.my_volunteer(actor=_actor(request))
    if volunteer is None:
        raise NotFound()
    return certificate.response(actor=_actor(request), volunteer=volunteer)


@staff_page
@require_GET
def volunteer_certificate(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    actor = _actor(request)
    volunteer = selectors.access_volunteer(actor=actor, volunteer_id=volunteer_id)
    return certificate.response(actor=actor, volunteer=volunteer)


# --- organiser pages ------------------------------------------------------------------------


@staff_page
@require_GET
def claims(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(request, "volunteers/claims.html",
                  {"claims": list(selectors.claims_pending(actor=actor)[:200]),
                   "corrections": list(selectors.corrections_pending(actor=actor)[:200])})


@staff_page
@require_POST
def claim_decide(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = _actor(request)
    record = selectors.claims_pending(actor=actor).filter(pk=record_id).first()
    if record is None:
        raise NotFound()
    try:
        services.claim_decide(actor=actor, record_id=record.pk,
                              approve=request.POST.get("decision") == "approve",
                              note=request.POST.get("note", ""),
                              version=_int(request.POST.get("version"), 0, 0, 10**9) or None)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The claim is decided."))
    return redirect("volunteers:claims")


@staff_page
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community = selectors.home_community(actor)
    return render(request, "volunteers/teams.html", {
        "can_manage": community is not None and selectors.can_manage(actor, community.pk),
        "teams": list(selectors.teams_for(actor=actor)),
        "volunteers": list(selectors.volunteers_for(actor=actor)[:200]),
    })


def _birthday_quarter(request: HttpRequest) -> tuple[Any, int, int]:
    """The organiser's community and the year and quarter asked for (this quarter if none)."""
    actor = _actor(request)
    community = selectors.managed_community(actor)
    if community is None:
        raise NotFound()
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year, 2000, 2100)
    quarter = _int(request.GET.get("quarter"), (today.month - 1) // 3 + 1, 1, 4)
    return community, year, quarter


@staff_page
@require_GET
def birthdays(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    community, year, quarter = _birthday_quarter(request)
    return render(request, "volunteers/birthdays.html", {
        "rows": selectors.birthday_list(actor=actor, community_id=community.pk, year=year,
                                        quarter=quarter),
        "year": year, "quarter": quarter, "quarters": (1, 2, 3, 4),
        "calendars": BirthdayCalendar.Calendar.choices,
    })


@staff_page
@require_GET
def birthdays_export(request: HttpRequest) -> HttpResponse:
    """The quarter's birthday list as an Excel workbook, ready to invite (audited)."""
    community, year, quarter = _birthday_quarter(request)
    out = io.BytesIO()
    invitations.birthday_export(actor=_actor(request), community=community, year=year,
                                quarter=quarter, out=out)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = (
        f'attachment; filename="birthdays-{community.slug}-{year}-q{quarter}.xlsx"')
    return response


@staff_page
@require_GET
def birthdays_invitations(request: HttpRequest) -> HttpResponse:
    """The printable invitation sheet of the quarter (PDF, one line per invitee; audited)."""
    community, year, quarter = _birthday_quarter(request)
    content = invitations.invitation_sheet(actor=_actor(request), community=community,
                                           year=year, quarter=quarter)
    return pdf.response(content, f"生日会邀请名单-{year}-Q{quarter}.pdf")


# --- organiser: teams, volunteers, activities, corrections, birthday calendars --------------


def _managed(actor: User) -> int:
    community = selectors.managed_community(actor)
    if community is None:
        raise NotFound()
    return community.pk


def _domain_error(form: Any, exc: DomainError, fields: dict[str, str] | None = None) -> None:
    """Put a service's error on the form field it names (or above the form)."""
    field = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))


def _team_choices(community_id: int) -> list[tuple[int, str]]:
    return list(VolunteerTeam.objects.filter(community_id=community_id, active=True)
                .order_by("id").values_list("pk", "name"))


def _form_page(request: HttpRequest, form: Any, title: str, *, status: int = 200,
               submit: str | None = None) -> HttpResponse:
    return render(request, "volunteers/form.html",
                  {"form": form, "title": title, "submit": submit or _("Save")}, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    """Create a team (no id) or edit one: name, description, leader."""
    actor = _actor(request)
    community_id = _managed(actor)
    team = None
    if team_id is not None:
        team = VolunteerTeam.objects.filter(pk=team_id, community_id=community_id,
                                            active=True).first()
        if team is None:
            raise NotFound()
    leaders = list(Volunteer.objects.filter(community_id=community_id, active=True)
                   .order_by("number").values_list("pk", "name"))
    initial = ({"name": team.name, "description": team.description,
                "leader": team.leader_id, "version": team.version} if team else {})
    form = TeamForm(request.POST or None, initial=initial, leaders=leaders)
    title = _("Edit team") if team else _("New volunteer team")
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if team is None:
                    services.team_create(actor=actor, community_id=community_id,
                                         name=data["name"], description=data["description"],
                                         leader_id=data["leader"])
                else:
                    services.team_update(actor=actor, team_id=team.pk, name=data["name"],
                                         description=data["description"],
                                         leader_id=data["leader"], version=data["version"])
            except DomainError as exc:
                _domain_error(form, exc, {"leader_id": "leader"})
            else:
                messages.success(request, _("The team is saved."))
                return redirect("volunteers:teams")
        return _form_page(request, form, title, status=400)
    return _form_page(request, form, title)


def _resident_by_id_number(community_id: int, id_number: str) -> int | None:
    from xingfuli.core import crypto
    from xingfuli.registry.models import Resident
    from xingfuli.registry.personal import parse_id_number

    number = parse_id_number(id_number).number
    found = Resident.objects.filter(
        id_number_digest=crypto.digest(number),
        household__dwelling__unit__building__community_id=community_id,
    ).values_list("pk", flat=True).first()
    return found


@staff_page
@require_http_methods(["GET", "POST"])
def volunteer_edit(request: HttpRequest, volunteer_id: int | None = None) -> HttpResponse:
    """Register a volunteer (a resident, found by the ID number, or someone from outside) or
    edit one: skills, availability, teams."""
    actor = _actor(request)
    community_id = _managed(actor)
    volunteer = None
    if volunteer_id is not None:
        volunteer = Volunteer.objects.filter(pk=volunteer_id, community_id=community_id).first()
        if volunteer is None:
            raise NotFound()
    initial: dict[str, Any] = {}
    if volunteer is not None:
        initial = {"name": volunteer.name, "skills": "、".join(volunteer.skills),
                   "availability": volunteer.availability,
                   "teams": list(volunteer.teams.values_list("pk", flat=True)),
                   "is_party_member": volunteer.is_party_member, "version": volunteer.version}
    form = VolunteerForm(request.POST or None, initial=initial,
                         teams=_team_choices(community_id), editing=volunteer is not None)
    title = _("Edit volunteer") if volunteer else _("Register a volunteer")
    if request.method != "POST":
        return _form_page(request, form, title)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if volunteer is None:
                resident_id = None
                if data["is_resident"]:
                    if not data["id_number"]:
                        raise DomainError(ErrorCode.INVALID,
                                          _("Give the ID number to find the resident."),
                                          field="id_number")
                    resident_id = _resident_by_id_number(community_id, data["id_number"])
                    if resident_id is None:
                        raise DomainError(ErrorCode.INVALID,
                                          _("No resident of this community has this ID "
                                            "number."), field="id_number")
                saved = services.volunteer_register(
                    actor=actor, community_id=community_id, name=data["name"],
                    mobile=data["mobile"], id_number=data["id_number"],
                    resident_id=resident_id, skills=data["skills"],
                    availability=data["availability"], team_ids=data["teams"],
                    is_party_member=data["is_party_member"])
            else:
                saved = services.volunteer_update(
                    actor=actor, volunteer_id=volunteer.pk, name=data["name"],
                    mobile=data["mobile"], skills=data["skills"],
                    availability=data["availability"], team_ids=data["teams"],
                    is_party_member=data["is_party_member"], version=data["version"])
        except DomainError as exc:
            _domain_error(form, exc, {"team_ids": "teams", "resident_id": "id_number"})
        else:
            messages.success(request, _("Volunteer %(number)s is saved.")
                             % {"number": saved.number})
            return redirect("volunteers:teams")
    return _form_page(request, form, title, status=400)


@staff_page
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    """Create an activity: one-off or weekly, roles with the numbers needed, capacity."""
    actor = _actor(request)
    community_id = _managed(actor)
    form = ActivityForm(request.POST or None, teams=_team_choices(community_id))
    title = _("New activity")
    if request.method != "POST":
        return _form_page(request, form, title)
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        try:
            created = services.activity_create(
                actor=actor, community_id=community_id, title=data["title"],
                kind=data["kind"], festival=data["festival"], team_id=data["team"],
                description=data["description"], place=data["place"],
                starts_at=dt.datetime.combine(data["day"], data["starts"], tz),
                ends_at=dt.datetime.combine(data["day"], data["ends"], tz),
                capacity=data["capacity"], weekly_until=data["weekly_until"],
                roles=[sch.RoleNeed(code, name, n) for code, name, n in data["roles"]])
        except DomainError as exc:
            _domain_error(form, exc, {"team_id": "team", "ends_at": "ends",
                                      "starts_at": "starts", "roles": "roles"})
        else:
            messages.success(request, _("The activity is created."))
            return redirect("volunteers:activity", created.pk)
    return _form_page(request, form, title, status=400)


@staff_page
@require_http_methods(["GET", "POST"])
def attendance_correct(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The organiser corrects the check-in/out times of a sign-up, with a reason; the hours
    credited from them follow (services.attendance_correct; audited, version-checked)."""
    actor = _actor(request)
    booking = (sch.bookings_scoped(actor, write=True).select_related("session__series")
               .filter(pk=booking_id, session__series__module=services.MODULE).first())
    if booking is None or not selectors.can_manage(actor, booking.community_id):
        raise NotFound()
    session = booking.session
    tz = timezone.get_current_timezone()
    local = {k: v and timezone.localtime(v).time().replace(second=0, microsecond=0)
             for k, v in (("checked_in_at", booking.checked_in_at),
                          ("checked_out_at", booking.checked_out_at))}
    form = AttendanceForm(request.POST or None, initial={
        "checked_in_at": local["checked_in_at"] or timezone.localtime(session.starts_at).time(),
        "checked_out_at": local["checked_out_at"], "version": booking.version})
    day = timezone.localtime(session.starts_at).date()
    title = _("Correct the attendance of %(name)s: %(title)s, %(date)s") % {
        "name": booking.attendee_name, "title": session.series.title,
        "date": f"{day:%Y-%m-%d}"}
    if request.method != "POST":
        return _form_page(request, form, title)
    if form.is_valid():
        data = form.cleaned_data
        out = data["checked_out_at"]
        try:
            services.attendance_correct(
                actor=actor, booking_id=booking.pk,
                checked_in_at=dt.datetime.combine(day, data["checked_in_at"], tz),
                checked_out_at=dt.datetime.combine(day, out, tz) if out else None,
                reason=data["reason"], version=data["version"])
        except DomainError as exc:
            _domain_error(form, exc, {"booking_id": ""})
        else:
            messages.success(request, _("The attendance times are corrected."))
            return redirect("volunteers:session", session.pk)
    return _form_page(request, form, title, status=400)


@staff_page
@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, record_id: int) -> HttpResponse:
    """The organiser corrects the hours of a record, with a reason (audited)."""
    actor = _actor(request)
    record = selectors.access_record(actor=actor, record_id=record_id)
    if not selectors.can_manage(actor, record.community_id):
        raise NotFound()
    form = CorrectForm(request.POST or None, initial={
        "hours": services.hours_of(record.minutes), "version": record.version})
    title = _("Correct the hours of %(name)s: %(service)s, %(date)s") % {
        "name": record.volunteer.name, "service": record.service,
        "date": f"{record.service_date:%Y-%m-%d}"}
    if request.method != "POST":
        return _form_page(request, form, title)
    if form.is_valid():
        try:
            services.record_correct(actor=actor, record_id=record.pk,
                                    minutes=int(form.cleaned_data["hours"] * 60),
                                    reason=form.cleaned_data["reason"],
                                    version=form.cleaned_data["version"])
        except DomainError as exc:
            _domain_error(form, exc, {"minutes": "hours"})
        else:
            messages.success(request, _("The hours are corrected."))
            return redirect("volunteers:volunteer_records", record.volunteer_id)
    return _form_page(request, form, title, status=400)


@staff_page
@require_GET
def volunteer_records(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """The organiser's view of a volunteer's record, with a correction link per entry."""
    actor = _actor(request)
    volunteer = selectors.access_volunteer(actor=actor, volunteer_id=volunteer_id)
    if not selectors.can_manage(actor, volunteer.community_id):
        raise NotFound()
    return render(request, "volunteers/records.html", {
        "volunteer": volunteer, "record": selectors.volunteer_record(volunteer=volunteer)})


@staff_page
@require_POST
def birthday_calendar(request: HttpRequest, resident_id: int) -> HttpResponse:
    """From the birthday list: set whether a resident celebrates by the solar or lunar calendar."""
    from xingfuli.registry.models import Resident

    actor = _actor(request)
    if not Resident.objects.filter(
        pk=resident_id, household__dwelling__unit__building__community_id=_managed(actor)
    ).exists():
        raise NotFound()
    try:
        services.birthday_calendar_set(actor=actor, resident_id=resident_id,
                                       calendar=request.POST.get("calendar", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The birthday calendar is saved."))
    back = {k: request.POST[k] for k in ("year", "quarter") if request.POST.get(k, "").isdigit()}
    url = reverse("volunteers:birthdays")
    return redirect(url + ("?" + "&".join(f"{k}={v}" for k, v in back.items()) if back else ""))


# --- a volunteer asks for a correction; the organiser decides -------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def correction_ask(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = _actor(request)
    record = ServiceRecord.objects.filter(pk=record_id, volunteer__user=actor).first()
    if record is None:
        raise NotFound()
    form = CorrectForm(request.POST or None,
                       initial={"hours": services.hours_of(record.minutes)})
    title = _("Ask for a correction: %(service)s, %(date)s") % {
        "service": record.service, "date": f"{record.service_date:%Y-%m-%d}"}
    if request.method != "POST":
        return _form_page(request, form, title, submit=_("Ask the organiser"))
    if form.is_valid():
        try:
            services.correction_ask(actor=actor, record_id=record.pk,
                                    minutes=int(form.cleaned_data["hours"] * 60),
                                    reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _domain_error(form, exc, {"minutes": "hours", "record_id": ""})
        else:
            messages.success(request, _("Your request is waiting for the organiser."))
            return redirect("volunteers:me")
    return _form_page(request, form, title, status=400, submit=_("Ask the organiser"))


@staff_page
@require_POST
def correction_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = _actor(request)
    ask = selectors.corrections_pending(actor=actor).filter(pk=request_id).first()
    if ask is None:
        raise NotFound()
    try:
        services.correction_decide(actor=actor, request_id=ask.pk,
                                   approve=request.POST.get("decision") == "approve",
                                   note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The request is decided."))
    return redirect("volunteers:claims")
