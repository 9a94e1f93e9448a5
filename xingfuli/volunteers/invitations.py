"""Birthday parties "ready to invite": the quarter's birthday list as an Excel workbook (the
project's exporter: formula cells escaped, mobiles masked unless the actor may read full
numbers) and a printable invitation sheet (PDF, one line per invitee) for the grid workers who
deliver the invitations. Same access as the birthday page (MANAGE_VOLUNTEERS in the
community); every export and print is audited with its row count.

The printed sheet is a Chinese document handed to grid workers (like the certificate), so its
text is Chinese whatever the page language; the workbook's headers follow the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from django.utils.translation import gettext as _

from xingfuli.core import audit, pdf
from xingfuli.core.exports import CellValue, Exporter, write
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.volunteers.selectors import InvitationRow, birthday_invitations


class BirthdayInvitationExporter(Exporter):
    text_columns = frozenset({6, 9})  # the phone numbers stay text

    def __init__(self, rows: list[InvitationRow], *, year: int, quarter: int) -> None:
        self.invitations = rows
        self.sheet_title = _("Birthdays %(year)s Q%(quarter)s") % {"year": year,
                                                                  "quarter": quarter}

    def headers(self) -> Sequence[str]:
        return [_("Name"), _("Turns"), _("Birthday (solar)"), _("Lunar birthday"),
                _("Round birthday"), _("Address"), _("Mobile"), _("Grid"), _("Grid worker"),
                _("Grid worker's phone")]

    def rows(self) -> Iterable[Sequence[CellValue]]:
        for inv in self.invitations:
            r = inv.row
            yield [r.name, r.age, r.birthday, r.lunar_label or None,
                   _("round birthday") if r.round else None, r.address, inv.mobile or None,
                   r.grid_name or None, inv.worker_name or None, inv.worker_mobile or None]


def _invitations(actor: User, community: Community, year: int,
                 quarter: int) -> tuple[list[InvitationRow], bool]:
    unmask = has_capability(actor, Capability.UNMASK_PERSONAL, community_id=community.pk)
    return birthday_invitations(actor=actor, community_id=community.pk, year=year,
                                quarter=quarter, unmask=unmask), unmask


def birthday_export(*, actor: User, community: Community, year: int, quarter: int,
                    out: IO[bytes]) -> int:
    """Write the quarter's invitation list as xlsx to `out`; returns the row count."""
    rows, unmask = _invitations(actor, community, year, quarter)
    count = write(BirthdayInvitationExporter(rows, year=year, quarter=quarter), out, "xlsx")
    audit.record("volunteers.birthdays.exported", actor=actor, target=community,
                 community_id=community.pk, year=year, quarter=quarter, rows=count,
                 format="xlsx", masked=not unmask)
    return count


def invitation_sheet(*, actor: User, community: Community, year: int, quarter: int) -> bytes:
    """The printable invitation sheet: one line per invitee (name, age turning, birthday with
    the lunar date for those who celebrate it, address, grid and the worker who delivers)."""
    # No residents' phone numbers on paper: the grid worker's own is enough.
    rows = birthday_invitations(actor=actor, community_id=community.pk, year=year,
                                quarter=quarter)
    s = pdf.styles()
    title = f"{community.name} {year}年第{quarter}季度 高龄老人集体生日会邀请名单"
    table = [["序号", "姓名", "寿龄", "生日", "住址", "网格", "送邀请的网格员"]]
    for i, inv in enumerate(rows, start=1):
        r = inv.row
        age = f"{r.age}岁" + ("（整寿）" if r.round else "")
        birthday = f"{r.birthday:%m月%d日}" + (f"（农历{r.lunar_label}）" if r.lunar else "")
        worker = " ".join(x for x in (inv.worker_name, inv.worker_mobile) if x) or "—"
        table.append([str(i), r.name, age, birthday, r.address, r.grid_name or "—", worker])
    mm = 2.8346
    story = [
        pdf.Paragraph(pdf.escape(title), s["heading"]),
        pdf.Paragraph(f"共 {len(rows)} 位老人。整寿（80、90、100 岁）已标注；"
                      "过农历生日的老人注明农历日期。请网格员将邀请函送到老人家中。",
                      s["small"]),
        pdf.Spacer(1, 8),
        pdf.table(table, col_widths=[12 * mm, 28 * mm, 26 * mm, 52 * mm, 40 * mm, 30 * mm,
                                     62 * mm], font_size=10),
    ]
    content = pdf.render(story, title=title, wide=True,
                         footer=f"{community.name}新时代文明实践站")
    audit.record("volunteers.birthdays.printed", actor=actor, target=community,
                 community_id=community.pk, year=year, quarter=quarter, rows=len(rows))
    return content
