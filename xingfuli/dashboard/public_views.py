"""A building's public pages (no login, no personal data): the notice board, as a page to read
on a phone or print on A4 and as a PDF, and the "scan to report a problem" poster with the page
its QR code opens. What they show is decided in `xingfuli.dashboard.public`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from xingfuli.core import pdf
from xingfuli.core.errors import NotFound
from xingfuli.dashboard.public import (
    BuildingNotice,
    building_card,
    building_notice,
    service_contact,
)
from xingfuli.registry.selectors import PublicBuilding, public_building


def _notice_or_404(building_id: int) -> BuildingNotice:
    try:
        return building_notice(building_id=building_id)
    except NotFound:
        raise Http404 from None


def _building_or_404(building_id: int) -> PublicBuilding:
    try:
        return public_building(building_id=building_id)
    except NotFound:
        raise Http404 from None


def notice_url(request: HttpRequest, building_id: int) -> str:
    """The live notice board's address, which its printed QR code opens."""
    return request.build_absolute_uri(reverse("public:notice", args=[building_id]))


def report_url(request: HttpRequest, building_id: int) -> str:
    """What the poster's QR code opens."""
    return request.build_absolute_uri(reverse("public:report", args=[building_id]))


def module_names() -> dict[str, str]:
    return {"volunteers": _("Civilization practice station"), "youth": _("Youth palace")}


@require_GET
def notice(request: HttpRequest, building_id: int) -> HttpResponse:
    """The building's notice board (楼栋公示栏): large type, prints on A4 with a QR code."""
    found = _notice_or_404(building_id)
    url = notice_url(request, building_id)
    names = module_names()
    return render(request, "dashboard/public/notice.html", {
        "n": found,
        "b": found.building,
        "url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=4, title=found.building.name),
        "activities": [(names[m], rows) for m, rows in found.activities.items()],
        "printed": timezone.localtime(),
    })


def _day(day: Any) -> str:
    return f"{formats.date_format(day, 'MONTH_DAY_FORMAT')} {dateformat.format(day, 'l')}"


def _when(start: Any, end: Any) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{_day(start.date())} {start:%H:%M}–{end:%H:%M}"


def _places(free: int | None, waitlist: bool) -> str:
    if free is None:
        return _("open to all")
    if free == 0:
        return _("full, waiting list open") if waitlist else _("full")
    return _("%(n)s places left") % {"n": free}


def _styles() -> dict[str, ParagraphStyle]:
    """The PDF helper's styles, with headings kept with what follows them and a larger body
    for posters (readers are often 70+)."""
    s = dict(pdf.styles())
    s["heading"] = ParagraphStyle("nb-heading", parent=s["heading"], fontSize=17,
                                  leading=24, keepWithNext=1)
    s["label"] = ParagraphStyle("nb-label", parent=s["body"], fontSize=13, leading=18,
                                keepWithNext=1)
    s["poster"] = ParagraphStyle("nb-poster", parent=s["body"], fontSize=17, leading=26)
    return s


def notice_story(n: BuildingNotice, url: str) -> list[Any]:
    """The notice board as PDF flowables (A4, Chinese)."""
    s = _styles()
    b = n.building
    e = pdf.escape
    story: list[Any] = [
        pdf.Paragraph(e(_("%(community)s · notice board") % {"community": b.community_name}),
                      s["heading"]),
        pdf.Paragraph(e(b.name), s["big"]),
    ]
    if b.address:
        story.append(pdf.Paragraph(e(b.address), s["body"]))

    story.append(pdf.Paragraph(e(_("Your grid")), s["heading"]))
    rows: list[list[Any]] = [[pgettext("grid staff", "Role"), _("Name"), _("Phone")]]
    if n.card is not None:
        story.append(pdf.Paragraph(e(n.card.grid_name), s["label"]))
        rows += [[m.role_label, m.name, m.mobile] for m in n.card.staff]
    if b.community_phone:
        rows.append([_("Community office phone"), "", b.community_phone])
    rows.append([_("Supervision hotline"), "", b.hotline])
    story.append(pdf.table(rows, col_widths=[50 * mm, 50 * mm, 80 * mm], font_size=13))

    if n.party is not None and (n.party.branches or n.party.members):
        story.append(pdf.Paragraph(e(_("Party members serving here")), s["heading"]))
        story.extend(pdf.Paragraph(e(branch.name), s["label"]) for branch in n.party.branches)
        if n.party.members:
            story.append(pdf.Paragraph(e("、".join(m.name for m in n.party.members)), s["body"]))

    if n.center is not None:
        story.append(pdf.Paragraph(e(_("Property service teams")), s["heading"]))
        rows = [[_("Team"), _("Phone")]]
        if n.center.center_phone:
            rows.append([n.center.center_name, n.center.center_phone])
        rows += [[t.name, t.phone or "—"] for t in n.center.teams]
        story.append(pdf.table(rows, col_widths=[100 * mm, 80 * mm], font_size=13))

    story.append(pdf.Paragraph(e(_("This week's canteen menu")), s["heading"]))
    if not n.has_menu:
        story.append(pdf.Paragraph(e(_("No menu has been published for this week.")), s["body"]))
    for c in n.canteens:
        if not c.days:
            continue
        story.append(pdf.Paragraph(e(" · ".join(x for x in (c.name, c.phone) if x)), s["label"]))
        rows = [[_("Day"), _("Dishes")]]
        rows += [[_day(d.date), "、".join(d.dishes)] for d in c.days]
        story.append(pdf.table(rows, col_widths=[45 * mm, 135 * mm], font_size=13))

    story.append(pdf.Paragraph(e(_("Upcoming activities")), s["heading"]))
    names = module_names()
    if not n.has_activities:
        story.append(pdf.Paragraph(e(_("Nothing open to sign-up in the next two weeks.")),
                                   s["body"]))
    for module, acts in n.activities.items():
        if not acts:
            continue
        story.append(pdf.Paragraph(e(names[module]), s["label"]))
        rows = [[_("When"), _("Activity"), _("Where"), _("Places")]]
        rows += [[_when(a.starts_at, a.ends_at), a.title, a.place or "—",
                  _places(a.free, a.waitlist)] for a in acts]
        story.append(pdf.table(rows, col_widths=[64 * mm, 50 * mm, 36 * mm, 30 * mm],
                               font_size=12))

    story.append(pdf.Paragraph(e(_("Open deliberation topics")), s["heading"]))
    if n.topics:
        rows = [[_("Topic"), _("State"), _("Pavilion")]]
        rows += [[t.title, t.status, t.pavilion.name if t.pavilion else "—"] for t in n.topics]
        story.append(pdf.table(rows, col_widths=[95 * mm, 45 * mm, 40 * mm], font_size=13))
    else:
        story.append(pdf.Paragraph(e(_("No open topics.")), s["body"]))

    if n.elevators:
        story.append(pdf.Paragraph(e(_("Elevator retrofit")), s["heading"]))
        rows = [[_("Unit"), _("Stage"), _("Progress")]]
        for el in n.elevators:
            steps = "；".join(f"{st.stage} {st.on:%Y-%m-%d}" for st in el.steps)
            stage = _("%(stage)s since %(day)s") % {"stage": el.stage,
                                                    "day": f"{el.since:%Y-%m-%d}"}
            rows.append([el.unit or _("Whole building"), stage, steps or "—"])
        story.append(pdf.table(rows, col_widths=[30 * mm, 60 * mm, 90 * mm], font_size=12))

    story += [
        pdf.Spacer(1, 6 * mm),
        pdf.Paragraph(e(_("Scan for the latest version of this notice board:")), s["body"]),
        pdf.qr(url, size_mm=35),
        pdf.Paragraph(e(url), s["small"]),
    ]
    return story


@require_GET
def notice_pdf(request: HttpRequest, building_id: int) -> HttpResponse:
    found = _notice_or_404(building_id)
    b = found.building
    content = pdf.render(notice_story(found, notice_url(request, building_id)),
                         title=f"{b.community_name} {b.name}", footer=_("Xingfuli"))
    return pdf.response(content, f"{b.community_name}-{b.name}.pdf")


def _centred(flowable: Any) -> Any:
    flowable.hAlign = "CENTER"
    return flowable


def poster_story(b: PublicBuilding, url: str, *, contact_name: str, contact_phone: str
                 ) -> list[Any]:
    """The "scan to report a problem" poster (A4, Chinese, a big QR code)."""
    s = _styles()
    e = pdf.escape
    story: list[Any] = [
        pdf.Paragraph(e(f"{b.community_name} · {b.name}"), s["heading"]),
        pdf.Paragraph(e(_("Scan to report a problem")), s["big"]),
        pdf.Paragraph(e(_("A light out in the stairwell, a blocked drain, a broken door? Scan "
                          "the code with your phone's camera or WeChat, log in and tell us "
                          "what is wrong. Your grid worker sees it at once and we tell you "
                          "how it goes.")), s["poster"]),
        pdf.Spacer(1, 6 * mm),
        _centred(pdf.qr(url, size_mm=110)),
        pdf.Spacer(1, 4 * mm),
    ]
    if contact_phone:
        story.append(pdf.Paragraph(
            e(_("No smartphone? Call your grid worker %(name)s: %(phone)s")
              % {"name": contact_name, "phone": contact_phone}), s["heading"]))
    story += [
        pdf.Paragraph(e(_("Supervision hotline: %(phone)s") % {"phone": b.hotline}),
                      s["poster"]),
        pdf.Paragraph(e(url), s["small"]),
    ]
    return story


@require_GET
def poster_pdf(request: HttpRequest, building_id: int) -> HttpResponse:
    b = _building_or_404(building_id)
    contact = service_contact(building_card(b))
    content = pdf.render(
        poster_story(b, report_url(request, building_id),
                     contact_name=contact.name if contact else "",
                     contact_phone=contact.mobile if contact else ""),
        title=_("Scan to report a problem"), footer=_("Xingfuli"),
    )
    return pdf.response(content, f"{b.community_name}-{b.name}-{_('report poster')}.pdf")


@require_GET
def report(request: HttpRequest, building_id: int) -> HttpResponse:
    """What the poster's QR code opens: a phone-sized page that explains and forwards to the
    requests module's self-report form with the building chosen (after logging in)."""
    b = _building_or_404(building_id)
    contact = service_contact(building_card(b))
    form_url = f"{reverse('requests:report')}?building={b.id}"
    return render(request, "dashboard/public/report.html", {
        "b": b, "contact": contact, "form_url": form_url,
        "login_url": f"{reverse('core:login')}?next={quote(form_url, safe='/')}",
    })
