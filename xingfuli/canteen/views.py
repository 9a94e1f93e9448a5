"""Pages of the canteen: parse input, call selectors and services, render.

Staff pages (canteen staff, community staff) run the canteen; the phone pages serve the
residents and their families (menu, bookings, what was eaten) and the delivery volunteers.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.canteen import documents, selectors, services
from xingfuli.canteen.forms import (
    BookForm,
    CertificateForm,
    CorrectionForm,
    DinerForm,
    DishForm,
    FamilyForm,
    MenuCreateForm,
    OverrideForm,
    PaymentForm,
    RegisterForm,
    SampleForm,
    SettingsForm,
    StandingForm,
    TierForm,
    VolunteerForm,
    WalkInForm,
)
from xingfuli.canteen.models import (
    DELIVERY_WINDOW,
    SAMPLE_KEEP,
    Canteen,
    Delivery,
    Diner,
    EligibilityGroup,
    WeeklyMenu,
)
from xingfuli.core import pdf
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.exports import CONTENT_TYPES, write
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import form_error as _form_error
from xingfuli.core.pages import staff_page

WEEKDAY_NAMES = documents.WEEKDAY_NAMES


def _day(request: HttpRequest, name: str = "day") -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, "") or request.POST.get(name, ""))
    except ValueError:
        return timezone.localdate()


def _staff_canteen(request: HttpRequest, actor: User) -> Canteen:
    """The canteen the actor runs: `?canteen=<id>` among those they manage, else the first.
    Staff of several canteens keep their choice across the staff pages (see `_page`)."""
    managed = selectors.managed_canteens(actor=actor)
    if not managed:
        if selectors.canteens_for(actor=actor).exists():
            raise Forbidden()
        raise NotFound()
    raw = (request.GET.get("canteen") or request.POST.get("canteen") or "").strip()
    chosen = managed[0]
    if raw:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise DomainError(ErrorCode.INVALID, _("canteen: give the number of one of your "
                                                   "canteens."), field="canteen")
        found = next((c for c in managed if c.pk == int(raw)), None)
        if found is None:
            raise NotFound()
        chosen = found
    _remember(request, chosen, managed)
    return chosen


def _remember(request: HttpRequest, canteen: Canteen, managed: list[Canteen]) -> None:
    """What the staff pages need to keep the chosen canteen: a selector and the query."""
    several = len(managed) > 1
    setattr(request, "_canteen_nav", {  # noqa: B010 - a per-request note for _page/_to
        "canteen_choices": managed if several else [], "canteen_chosen": canteen,
        "canteen_query": f"?canteen={canteen.pk}" if several else "",
        "canteen_param": f"&canteen={canteen.pk}" if several else "",
    })


def _nav_of(request: HttpRequest) -> dict[str, Any]:
    nav: dict[str, Any] = getattr(request, "_canteen_nav", {})
    return nav


def _page(request: HttpRequest, template: str, context: dict[str, Any],
          status: int = 200) -> HttpResponse:
    return render(request, template, {**_nav_of(request), **context}, status=status)


def _to(request: HttpRequest, name: str, *args: Any, query: str = "") -> HttpResponse:
    """Redirect to a staff page, keeping the chosen canteen."""
    params = [p for p in (query, _nav_of(request).get("canteen_query", "").lstrip("?")) if p]
    return redirect(reverse(name, args=args) + ("?" + "&".join(params) if params else ""))


def _fail(request: HttpRequest, exc: DomainError) -> None:
    if exc.code in ("not_found", "forbidden"):
        raise exc
    messages.error(request, str(exc.message))


# --- the day: warnings, kitchen count, counter --------------------------------------------------


@staff_page
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    day = _day(request)
    info = selectors.canteen_days(canteen, day, day)[0]
    orders = selectors.counter_orders(canteen=canteen, day=day)
    diners = selectors.diners_for(actor=actor, canteen_id=canteen.pk).filter(active=True)
    walk_in = WalkInForm(diner_choices=[(d.pk, d.resident.name) for d in diners],
                         initial={"idempotency_key": uuid.uuid4().hex})
    return _page(request, "canteen/today.html", {
        "canteen": canteen, "day": day, "info": info,
        "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "count": selectors.kitchen_count(canteen=canteen, day=day),
        "orders": orders, "walk_in": walk_in, "is_today": day == timezone.localdate(),
        "warnings": selectors.warnings(canteen=canteen, today=timezone.localdate()),
    })


@staff_page
@require_POST
def walk_in(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    form = WalkInForm(request.POST, diner_choices=[
        (d.pk, "") for d in selectors.diners_for(actor=actor, canteen_id=canteen.pk)])
    if form.is_valid():
        try:
            services.walk_in_record(actor=actor, canteen_id=canteen.pk,
                                    diner_id=form.cleaned_data["diner"],
                                    guest_name=form.cleaned_data["guest_name"],
                                    idempotency_key=form.cleaned_data["idempotency_key"])
            messages.success(request, _("Walk-in meal recorded."))
        except DomainError as exc:
            _fail(request, exc)
    else:
        messages.error(request, _("Choose a diner or write a guest's name."))
    return _to(request, "canteen:today")


@staff_page
@require_POST
def order_serve(request: HttpRequest, order_id: int) -> HttpResponse:
    order = services.order_serve(actor=_actor(request), order_id=order_id)
    return redirect(reverse("canteen:today")
                    + f"?day={order.day.isoformat()}&canteen={order.canteen_id}")


@staff_page
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = _actor(request)
    order = selectors.access_order(actor=actor, order_id=order_id)
    try:
        services.order_cancel(actor=actor, order_id=order_id)
        messages.success(request, _("The meal of %(day)s is cancelled.") % {
            "day": order.day.isoformat()})
    except DomainError as exc:
        _fail(request, exc)
    if order.diner is None:
        return redirect(reverse("canteen:today") + f"?canteen={order.canteen_id}")
    return redirect("canteen:diner", order.diner.pk)


# --- settings -----------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    form = SettingsForm(initial={
        "meal_price": canteen.meal_price, "serving_time": canteen.serving_time,
        "cutoff_days_before": canteen.cutoff_days_before, "cutoff_time": canteen.cutoff_time,
        "follow_public_calendar": canteen.follow_public_calendar,
        "sample_min_grams": canteen.sample_min_grams, "version": canteen.version})
    tier_form, override_form = TierForm(), OverrideForm()
    status = 200
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "settings":
                form = SettingsForm(request.POST)
                if form.is_valid():
                    services.canteen_settings_update(actor=actor, canteen_id=canteen.pk,
                                                     **form.cleaned_data)
                    messages.success(request, _("Settings saved."))
                    return _to(request, "canteen:settings")
            elif what == "tier":
                tier_form = TierForm(request.POST)
                if tier_form.is_valid():
                    services.tier_set(actor=actor, canteen_id=canteen.pk,
                                      **tier_form.cleaned_data)
                    return _to(request, "canteen:settings")
            elif what == "override":
                override_form = OverrideForm(request.POST)
                if override_form.is_valid():
                    state = override_form.cleaned_data["state"]
                    services.day_override_set(
                        actor=actor, canteen_id=canteen.pk,
                        date=override_form.cleaned_data["date"],
                        is_open=None if state == "calendar" else state == "open",
                        note=override_form.cleaned_data["note"])
                    return _to(request, "canteen:settings")
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden"):
                raise
            target = {"settings": form, "tier": tier_form}.get(what or "", override_form)
            _form_error(target, exc)
        status = 400
    today = timezone.localdate()
    days = selectors.canteen_days(canteen, today, today + dt.timedelta(days=27))
    return _page(request, "canteen/settings.html", {
        "canteen": canteen, "form": form, "tier_form": tier_form,
        "override_form": override_form,
        "tiers": [(EligibilityGroup(g).label, a) for g, a in
                  sorted(selectors.tiers_of(canteen).items())],
        "closed": [d for d in days if not d.is_open and d.date.weekday() < 5]
        + [d for d in days if d.is_open and d.date.weekday() >= 5],
        "fallback": any(d.fallback for d in days),
    }, status=status)


# --- dishes and menus ---------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def dishes(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    form = DishForm()
    status = 200
    if request.method == "POST":
        form = DishForm(request.POST)
        if form.is_valid():
            try:
                services.dish_create(actor=actor, canteen_id=canteen.pk, **form.cleaned_data)
                return _to(request, "canteen:dishes")
            except DomainError as exc:
                _fail_form(form, exc)
        status = 400
    rows = list(selectors.dishes_for(actor=actor, canteen_id=canteen.pk))
    return _page(request, "canteen/dishes.html", {
        "canteen": canteen, "form": form,
        "dishes": [(d, selectors.flag_labels(d.diet_flags)) for d in rows],
    }, status=status)


def _fail_form(form: Any, exc: DomainError) -> None:
    if exc.code in ("not_found", "forbidden"):
        raise exc
    _form_error(form, exc)


@staff_page
@require_http_methods(["GET", "POST"])
def menus(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    next_monday = selectors.monday_of(timezone.localdate()) + dt.timedelta(days=7)
    form = MenuCreateForm(initial={"week_start": next_monday})
    status = 200
    if request.method == "POST":
        form = MenuCreateForm(request.POST)
        if form.is_valid():
            try:
                menu = services.menu_create(actor=actor, canteen_id=canteen.pk,
                                            week_start=form.cleaned_data["week_start"])
                return redirect("canteen:menu_edit", menu.pk)
            except DomainError as exc:
                _fail_form(form, exc)
        status = 400
    return _page(request, "canteen/menus.html", {
        "canteen": canteen, "form": form,
        "menus": list(selectors.menus_for(actor=actor, canteen_id=canteen.pk)[:30]),
    }, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def menu_edit(request: HttpRequest, menu_id: int) -> HttpResponse:
    actor = _actor(request)
    menu = selectors.access_menu(actor=actor, menu_id=menu_id)
    if not selectors.can_manage(actor, menu.canteen.community_id):
        raise Forbidden()  # residents read the menu on the public page, not the editor
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("what") == "publish":
                services.menu_publish(actor=actor, menu_id=menu.pk,
                                      version=int(request.POST.get("version") or 0))
                messages.success(request, _("The menu is published."))
                return redirect("canteen:menu_edit", menu.pk)
            date = dt.date.fromisoformat(request.POST.get("date", ""))
            ids = [int(v) for v in request.POST.getlist("dishes") if v.isdigit()]
            services.menu_day_set_dishes(actor=actor, menu_id=menu.pk, date=date, dish_ids=ids,
                                         version=int(request.POST.get("version") or 0))
            return redirect(reverse("canteen:menu_edit", args=[menu.pk]) + f"#d{date}")
        except ValueError:
            errors.append(_("Choose a day of the menu."))
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden"):
                raise
            errors.append(str(exc.message))
        menu = selectors.access_menu(actor=actor, menu_id=menu_id)
    days = selectors.menu_days(menu)
    all_dishes = list(selectors.dishes_for(actor=actor, canteen_id=menu.canteen_id,
                                           active_only=True))
    rows = []
    for day in days:
        chosen = {d.pk for d in day.dishes.all()}
        rows.append({"day": day, "weekday": WEEKDAY_NAMES[day.date.weekday()],
                     "chosen": chosen, "problems": selectors.composition_problems(
                         [d.kind for d in day.dishes.all()])})
    return render(request, "canteen/menu_edit.html", {
        "menu": menu, "rows": rows, "dishes": all_dishes, "errors": errors,
        "can_manage": selectors.can_manage(actor, menu.canteen.community_id),
        "draft": menu.status == WeeklyMenu.Status.DRAFT,
    }, status=400 if errors else 200)


@staff_page
@require_GET
def menu_poster(request: HttpRequest, menu_id: int) -> HttpResponse:
    menu = selectors.access_menu(actor=_actor(request), menu_id=menu_id)
    if menu.status != WeeklyMenu.Status.PUBLISHED:
        raise DomainError(ErrorCode.CONFLICT, _("This menu is still a draft: publish it before "
                                                "printing the poster."), field="status")
    url = request.build_absolute_uri(reverse("canteen:menu") + f"?canteen={menu.canteen_id}")
    content = documents.menu_poster(canteen=menu.canteen, week_start=menu.week_start,
                                    days=selectors.menu_days(menu), url=url)
    return pdf.response(content, f"菜单-{menu.week_start.isoformat()}.pdf")


@require_GET
def public_menu(request: HttpRequest) -> HttpResponse:
    """This week's and next week's published menus in large type (the poster's QR code leads
    here; no login: a menu holds no personal data)."""
    canteens = list(Canteen.objects.select_related("community").order_by("pk"))
    chosen = request.GET.get("canteen", "")
    canteen = next((c for c in canteens if str(c.pk) == chosen), canteens[0] if canteens else None)
    if canteen is None:
        raise NotFound()
    weeks = selectors.public_menu_weeks(canteen=canteen, today=timezone.localdate())
    return render(request, "canteen/public_menu.html", {
        "canteen": canteen, "canteens": canteens if len(canteens) > 1 else [],
        "weeks": [(monday, [(WEEKDAY_NAMES[d.date.weekday()], d) for d in days])
                  for monday, days in weeks],
        "today": timezone.localdate(),
    })


# --- diners ----------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def diners(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    q = request.GET.get("q", "").strip()[:20]
    form = RegisterForm(initial={"default_service": Diner.Service.DINE_IN})
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            try:
                diner = services.diner_register(actor=actor, canteen_id=canteen.pk,
                                                resident_id=form.cleaned_data["resident"],
                                                default_service=form.cleaned_data[
                                                    "default_service"],
                                                diet_flags=form.cleaned_data["diet_flags"],
                                                allergies=form.cleaned_data["allergies"])
                return redirect("canteen:diner", diner.pk)
            except DomainError as exc:
                _fail(request, exc)
        else:
            messages.error(request, _("Choose a resident to register."))
    rows = list(selectors.diners_for(actor=actor, canteen_id=canteen.pk, q=q)[:200])
    today = timezone.localdate()
    return _page(request, "canteen/diners.html", {
        "canteen": canteen, "q": q, "form": form,
        "rows": [(d, selectors.group_labels(selectors.diner_groups(d, today)),
                  selectors.flag_labels(d.diet_flags)) for d in rows],
        "candidates": [(r, selectors.age_on(r.birth_date, today)) for r in
                       selectors.diner_candidates(actor=actor, canteen=canteen, q=q,
                                                  today=today)],
    })


def _book_choices(diner: Diner, start: dt.date, days: int) -> list[tuple[str, str]]:
    canteen = diner.canteen
    now = timezone.now()
    end = start + dt.timedelta(days=days)
    published = selectors.published_days(canteen, start, end)
    choices = []
    for d in sorted(published):
        if now > selectors.cutoff_at(canteen, d):
            continue
        label = f"{WEEKDAY_NAMES[d.weekday()]} {d:%m-%d}"
        clash = selectors.diet_conflicts(allergies=diner.allergies, diet_flags=diner.diet_flags,
                                         dishes=list(published[d].dishes.all()))
        if clash:
            label += " · " + _("Note: %(what)s") % {"what": "；".join(clash)}
        choices.append((d.isoformat(), label))
    return choices


def _diner_context(actor: User, diner: Diner, **forms: Any) -> dict[str, Any]:
    today = timezone.localdate()
    start = today - dt.timedelta(days=14)
    orders = selectors.orders_of_diner(diner=diner, start=start,
                                       end=today + dt.timedelta(days=31))
    menus = selectors.published_days(diner.canteen, start, today + dt.timedelta(days=14))
    now = timezone.now()
    rows: list[dict[str, Any]] = [{"order": o, "dishes": [d.name for d in menus[o.day].dishes.all()]
             if o.day in menus else [], "weekday": WEEKDAY_NAMES[o.day.weekday()],
             "conflicts": selectors.diet_conflicts(
                 allergies=diner.allergies, diet_flags=diner.diet_flags,
                 dishes=list(menus[o.day].dishes.all())) if o.day in menus else [],
             "can_cancel": o.status == "booked" and now <= selectors.cutoff_at(diner.canteen,
                                                                              o.day)}
            for o in orders]
    booked = {o.day for o in orders}
    choices = [c for c in _book_choices(diner, today, 14)
               if dt.date.fromisoformat(c[0]) not in booked]
    staff = selectors.can_manage(actor, diner.canteen.community_id)
    context = {
        "diner": diner, "canteen": diner.canteen, "staff": staff,
        "address": selectors.address_of(diner),
        "groups": selectors.group_labels(selectors.diner_groups(diner, today)),
        "flags": selectors.flag_labels(diner.diet_flags),
        "upcoming": [r for r in rows if r["order"].day >= today],
        "eaten": [r for r in rows if r["order"].day < today][::-1],
        "book_form": BookForm(day_choices=choices, initial={
            "days": [c[0] for c in choices], "service": diner.default_service,
            "idempotency_key": uuid.uuid4().hex}),
        "has_choices": bool(choices),
        "standing": [(so, [WEEKDAY_NAMES[d] for d in so.weekdays])
                     for so in selectors.standing_of(diner=diner)],
        "standing_form": StandingForm(prefix="standing", initial={
                                      "service": diner.default_service,
                                               "starts_on": today + dt.timedelta(days=1)}),
        "family": selectors.family_of(actor=actor, diner=diner) if staff else [],
        "family_form": FamilyForm(),
        "diner_form": DinerForm(initial={
            "default_service": diner.default_service, "diet_flags": diner.diet_flags,
            "allergies": diner.allergies, "note": diner.note, "active": diner.active,
            "version": diner.version}),
        "month": today,
    }
    context.update(forms)
    return context


@staff_page
@require_http_methods(["GET", "POST"])
def diner(request: HttpRequest, diner_id: int) -> HttpResponse:
    """One diner: staff and family alike book, cancel and see what was eaten."""
    actor = _actor(request)
    found = selectors.access_diner(actor=actor, diner_id=diner_id)
    if not selectors.may_book(actor, found):
        raise NotFound()
    if request.method == "GET":
        return render(request, "canteen/diner.html", _diner_context(actor, found))
    what = request.POST.get("what")
    forms: dict[str, Any] = {}
    try:
        if what == "book":
            choices = _book_choices(found, timezone.localdate(), 14)
            book = BookForm(request.POST, day_choices=choices)
            forms["book_form"] = book
            if book.is_valid():
                orders = services.orders_book(
                    actor=actor, diner_id=found.pk,
                    days=[dt.date.fromisoformat(d) for d in book.cleaned_data["days"]],
                    service=book.cleaned_data["service"],
                    idempotency_key=book.cleaned_data["idempotency_key"])
                messages.success(request, _("Booked: %(n)s meals.") % {"n": len(orders)})
                return redirect("canteen:diner", found.pk)
        elif what == "standing":
            standing = StandingForm(request.POST, prefix="standing")
            forms["standing_form"] = standing
            if standing.is_valid():
                services.standing_order_create(actor=actor, diner_id=found.pk,
                                               **standing.cleaned_data)
                messages.success(request, _("Standing order saved."))
                return redirect("canteen:diner", found.pk)
        elif what == "stop":
            services.standing_order_stop(actor=actor,
                                         standing_id=int(request.POST.get("standing") or 0))
            return redirect("canteen:diner", found.pk)
        elif what == "family":
            family = FamilyForm(request.POST)
            forms["family_form"] = family
            if family.is_valid():
                services.family_link_add(actor=actor, diner_id=found.pk, **family.cleaned_data)
                return redirect("canteen:diner", found.pk)
        elif what == "diner":
            edit = DinerForm(request.POST)
            forms["diner_form"] = edit
            if edit.is_valid():
                services.diner_update(actor=actor, diner_id=found.pk, **edit.cleaned_data)
                return redirect("canteen:diner", found.pk)
    except DomainError as exc:
        if exc.code in ("not_found", "forbidden"):
            raise
        form = next(iter(forms.values()), None)
        if form is not None:
            _form_error(form, exc)
        else:
            messages.error(request, str(exc.message))
    found = selectors.access_diner(actor=actor, diner_id=diner_id)
    return render(request, "canteen/diner.html", _diner_context(actor, found, **forms),
                  status=400)


@staff_page
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """A family member's (or a diner's own) start: the diners they book for."""
    rows = selectors.my_diners(actor=_actor(request))
    if len(rows) == 1:
        return redirect("canteen:diner", rows[0].pk)
    return render(request, "canteen/mine.html", {"rows": rows})


def _month(year: int, month: int) -> tuple[int, int]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise NotFound()
    return year, month


def _payment_choices(st: selectors.Statement) -> list[tuple[int, str]]:
    return [(p.pk, f"{p.paid_on:%Y-%m-%d} · {p.amount} · {p.get_method_display()}")
            for p in st.payments if p.kind == p.Kind.RECEIVED]


@staff_page
@require_http_methods(["GET", "POST"])
def statement(request: HttpRequest, diner_id: int, year: int, month: int) -> HttpResponse:
    """The diner's month: meals, what is due, the payments and what is still to pay. The
    diner and their family read it; canteen staff also record payments and corrections."""
    actor = _actor(request)
    found = selectors.access_diner(actor=actor, diner_id=diner_id)
    if not selectors.may_book(actor, found):
        raise NotFound()
    year, month = _month(year, month)
    manages = selectors.can_manage(actor, found.canteen.community_id)
    if request.method == "POST" and not manages:
        raise Forbidden()
    st = selectors.statement(diner=found, year=year, month=month)
    fmt = request.GET.get("format", "")
    if request.method == "GET" and fmt in CONTENT_TYPES:
        return _export(documents.StatementExporter(st), fmt,
                       f"statement-{found.pk}-{year}-{month:02d}")
    pay_form = PaymentForm(initial={"paid_on": timezone.localdate(),
                                    "idempotency_key": uuid.uuid4().hex}) if manages else None
    correct_form = CorrectionForm(prefix="correct", payment_choices=_payment_choices(st)
                                  ) if manages else None
    status = 200
    if request.method == "POST":
        what = request.POST.get("what")
        form: PaymentForm | CorrectionForm | None = None
        try:
            if what == "payment":
                form = pay_form = PaymentForm(request.POST)
                if pay_form.is_valid():
                    services.payment_record(actor=actor, diner_id=found.pk, year=year,
                                            month=month, **pay_form.cleaned_data)
                    messages.success(request, _("Payment recorded."))
                    return redirect(request.path)
            elif what == "correct":
                form = correct_form = CorrectionForm(request.POST, prefix="correct",
                                                     payment_choices=_payment_choices(st))
                if correct_form.is_valid():
                    services.payment_correct(
                        actor=actor, payment_id=correct_form.cleaned_data["payment"],
                        amount=correct_form.cleaned_data["amount"],
                        reason=correct_form.cleaned_data["reason"])
                    messages.success(request, _("Correction recorded."))
                    return redirect(request.path)
            else:
                messages.error(request, _("Choose what to record."))
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden"):
                raise
            if form is not None:
                _form_error(form, exc)
        status = 400
    prev = st.start - dt.timedelta(days=1)
    nxt = st.end + dt.timedelta(days=1)
    return render(request, "canteen/statement.html", {
        "st": st, "diner": found, "prev": prev, "next": nxt, "year": year, "month": month,
        "pay_form": pay_form, "correct_form": correct_form, "manages": manages},
        status=status)


def _export(exporter: Any, fmt: str, name: str) -> HttpResponse:
    out = io.BytesIO()
    write(exporter, out, fmt)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@staff_page
@require_GET
def claim(request: HttpRequest, year: int, month: int) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    _month(year, month)
    rows, total, groups = selectors.subsidy_claim(canteen=canteen, year=year, month=month)
    fmt = request.GET.get("format", "")
    if fmt in CONTENT_TYPES:
        from xingfuli.core import audit

        audit.record("canteen.claim.exported", actor=actor, target=canteen,
                     year=year, month=month, format=fmt)
        return _export(documents.ClaimExporter(rows, total), fmt,
                       f"subsidy-claim-{year}-{month:02d}")
    start, end = selectors.month_bounds(year, month)
    prev = start - dt.timedelta(days=1)
    nxt = end + dt.timedelta(days=1)
    return _page(request, "canteen/claim.html", {
        "canteen": canteen, "rows": rows, "total": total, "groups": groups, "year": year,
        "month": month, "prev": prev, "next": nxt})


# --- deliveries ---------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def deliveries(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    day = _day(request)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "assign":
                services.run_assign(actor=actor, run_id=int(request.POST.get("run") or 0),
                                    volunteer_id=int(request.POST.get("volunteer") or 0) or None)
            elif what == "cooked":
                services.runs_cooked(actor=actor, canteen_id=canteen.pk, day=day)
            elif what == "volunteer":
                form = VolunteerForm(request.POST)
                if form.is_valid():
                    services.volunteer_add(actor=actor, canteen_id=canteen.pk,
                                           mobile=form.cleaned_data["mobile"])
        except DomainError as exc:
            _fail(request, exc)
        return _to(request, "canteen:deliveries", query=f"day={day.isoformat()}")
    runs = selectors.runs_for_day(actor=actor, canteen=canteen, day=day)
    now = timezone.now()
    return _page(request, "canteen/deliveries.html", {
        "canteen": canteen, "day": day, "prev": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "runs": [{"run": r, "stops": [(s, selectors.is_overdue(s, r, now),
                                       selectors.address_of(s.order.diner) if s.order.diner
                                       else "") for s in r.deliveries.all()]}
                 for r in runs],
        "volunteers": selectors.volunteers_of(actor=actor, canteen=canteen),
        "volunteer_form": VolunteerForm(),
    })


@staff_page
@require_GET
def delivery_sheets(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    day = _day(request)
    runs = selectors.runs_for_day(actor=actor, canteen=canteen, day=day)
    content = documents.delivery_sheets(canteen=canteen, day=day, runs=runs)
    return pdf.response(content, f"送餐-{day.isoformat()}.pdf")


@staff_page
@require_GET
def my_runs(request: HttpRequest) -> HttpResponse:
    """The volunteer's runs of today (and the next days)."""
    today = timezone.localdate()
    runs = selectors.runs_of_volunteer(actor=_actor(request), start=today,
                                       end=today + dt.timedelta(days=7))
    if len(runs) == 1 and runs[0].day == today:
        return redirect("canteen:run", runs[0].pk)
    return render(request, "canteen/my_runs.html", {"runs": runs, "today": today})


@staff_page
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    """The volunteer's phone page: each stop with a call button and one confirm action."""
    actor = _actor(request)
    found = selectors.access_run(actor=actor, run_id=run_id)
    if request.method == "POST":
        try:
            services.delivery_confirm(actor=actor,
                                      delivery_id=int(request.POST.get("delivery") or 0),
                                      outcome=request.POST.get("outcome", ""),
                                      note=request.POST.get("note", ""))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("canteen:run", found.pk)
    now = timezone.now()
    stops: list[dict[str, Any]] = []
    for s in found.deliveries.all():
        diner_row = s.order.diner
        if diner_row is None:
            continue
        stops.append({"stop": s, "diner": diner_row, "address": selectors.address_of(diner_row),
                      "flags": selectors.flag_labels(diner_row.diet_flags),
                      "overdue": selectors.is_overdue(s, found, now),
                      "phone": diner_row.resident.household.phone})
    pending = [s for s in stops if s["stop"].outcome == Delivery.Outcome.PENDING]
    return render(request, "canteen/run.html", {
        "run": found, "stops": stops, "pending": len(pending),
        "deadline": found.cooked_at + DELIVERY_WINDOW,
    })


# --- food safety ------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def safety(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    day = _day(request)
    menu_day = selectors.published_days(canteen, day, day).get(day)
    dish_choices = [(d.pk, d.name) for d in menu_day.dishes.all()] if menu_day else []
    sample_form = SampleForm(dish_choices=dish_choices,
                             initial={"grams": canteen.sample_min_grams})
    cert_form = CertificateForm()
    status = 200
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "sample":
                sample_form = SampleForm(request.POST, dish_choices=dish_choices)
                if sample_form.is_valid():
                    services.sample_record(actor=actor, canteen_id=canteen.pk, day=day,
                                           dish_id=sample_form.cleaned_data["dish"],
                                           grams=sample_form.cleaned_data["grams"])
                    return _to(request, "canteen:safety", query=f"day={day.isoformat()}")
            elif what == "discard":
                services.sample_discard(actor=actor,
                                        sample_id=int(request.POST.get("sample") or 0))
                return _to(request, "canteen:safety", query=f"day={day.isoformat()}")
            elif what == "certificate":
                cert_form = CertificateForm(request.POST)
                if cert_form.is_valid():
                    services.certificate_save(actor=actor, canteen_id=canteen.pk,
                                              certificate_id=int(request.POST.get("cert") or 0)
                                              or None, **cert_form.cleaned_data)
                    return _to(request, "canteen:safety")
        except DomainError as exc:
            if exc.code in ("not_found", "forbidden"):
                raise
            _form_error(cert_form if what == "certificate" else sample_form, exc)
        status = 400
    today = timezone.localdate()
    now = timezone.now()
    samples = selectors.samples_for_day(actor=actor, canteen=canteen, day=day)
    certs = selectors.certificates_for(actor=actor, canteen=canteen)
    sampled = {s.dish_id for s in samples}
    return _page(request, "canteen/safety.html", {
        "canteen": canteen, "day": day, "prev": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1), "sample_form": sample_form,
        "cert_form": cert_form,
        "samples": [(s, now >= s.kept_at + SAMPLE_KEEP) for s in samples],
        "missing": [name for pk, name in dish_choices if pk not in sampled],
        "certs": [(c, c.expires_on < today,
                   c.expires_on <= today + dt.timedelta(days=selectors.CERT_WARNING_DAYS))
                  for c in certs],
        "warnings": selectors.warnings(canteen=canteen, today=today),
    }, status=status)


@staff_page
@require_GET
def payments(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """The month's open balances: per diner, due, paid and still to pay (or in credit)."""
    actor = _actor(request)
    canteen = _staff_canteen(request, actor)
    year, month = _month(year, month)
    rows = selectors.balances(canteen=canteen, year=year, month=month)
    start, end = selectors.month_bounds(year, month)
    zero = Decimal("0.00")
    return _page(request, "canteen/payments.html", {
        "canteen": canteen, "rows": rows, "year": year, "month": month,
        "prev": start - dt.timedelta(days=1), "next": end + dt.timedelta(days=1),
        "outstanding": sum((r.outstanding for r in rows if r.outstanding > 0), zero),
        "credit": -sum((r.outstanding for r in rows if r.outstanding < 0), zero)})


@staff_page
@require_GET
def payments_now(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    chosen = request.GET.get("canteen", "")
    query = f"?canteen={chosen}" if chosen.isascii() and chosen.isdigit() else ""
    return redirect(reverse("canteen:payments", args=[today.year, today.month]) + query)


@staff_page
@require_GET
def claim_now(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    chosen = request.GET.get("canteen", "")
    query = f"?canteen={chosen}" if chosen.isascii() and chosen.isdigit() else ""
    return redirect(reverse("canteen:claim", args=[today.year, today.month]) + query)
