"""The volunteer service certificate (志愿服务证明), a PDF with the fields of the record
rules: name, ID type and masked number, volunteer number, hours and service, issuer and
contact, certificate number, date. Issuing one is audited."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.http import HttpResponse
from django.utils import timezone

from xingfuli.core import audit, pdf
from xingfuli.core.models import User
from xingfuli.volunteers.models import ServiceRecord, Volunteer
from xingfuli.volunteers.services import hours_of, star_level


def certificate_number(volunteer: Volunteer) -> str:
    return f"ZYFW-{volunteer.number}-{timezone.localdate():%Y%m%d}"


def render_certificate(volunteer: Volunteer) -> bytes:
    community = volunteer.community
    approved = ServiceRecord.objects.filter(volunteer=volunteer,
                                            status=ServiceRecord.Status.APPROVED)
    totals = approved.aggregate(minutes=Sum("minutes", default=0), n=Count("id"))
    services = list(approved.values("service").annotate(m=Sum("minutes"))
                    .order_by("-m")[:8])
    s = pdf.styles()
    stars = star_level(totals["minutes"])
    rows = [
        ["项目", "内容"],
        ["姓名", volunteer.name],
        ["证件类型", "居民身份证"],
        ["证件号码", volunteer.id_number_masked or "（未登记）"],
        ["志愿者编号", volunteer.number],
        ["累计服务时长", f"{hours_of(totals['minutes'])} 小时（{totals['n']} 次服务）"],
        ["星级", f"{stars} 星" if stars else "—"],
        ["服务内容", "；".join(f"{r['service']} {hours_of(r['m'])} 小时" for r in services)
         or "—"],
        ["出具单位", f"{community.name}新时代文明实践站"],
        ["联系方式", community.phone or "—"],
        ["证明编号", certificate_number(volunteer)],
        ["出具日期", f"{timezone.localdate():%Y年%m月%d日}"],
    ]
    story = [
        pdf.Paragraph("志愿服务证明", s["title"]),
        pdf.Paragraph(f"兹证明 {pdf.escape(volunteer.name)} 同志在{pdf.escape(community.name)}"
                      "参加志愿服务，服务记录如下：", s["body"]),
        pdf.table(rows, col_widths=[40 * 2.8346, 130 * 2.8346]),
        pdf.Spacer(1, 20),
        pdf.Paragraph("本证明依据《志愿服务条例》和《志愿服务记录与证明出具办法》出具，"
                      "记录真实、准确、完整，免费出具。", s["small"]),
    ]
    return pdf.render(story, title="志愿服务证明", footer=certificate_number(volunteer))


def response(*, actor: User, volunteer: Volunteer) -> HttpResponse:
    content = render_certificate(volunteer)
    audit.record("volunteers.certificate.issued", actor=actor, target=volunteer,
                 number=certificate_number(volunteer))
    return pdf.response(content, f"志愿服务证明-{volunteer.name}.pdf")
