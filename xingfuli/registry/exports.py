"""Exports: an exporter yields rows; one writer turns them into xlsx or CSV.

Cells that a spreadsheet would run as a formula (text starting with = + - @, or a tab or
carriage return) are written with a leading single quote, so that opening an export never runs
anything (CSV injection). The ledger import removes that quote again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.exports import FORMATS, CellValue, Exporter, escape_cell, write
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scoped
from xingfuli.registry.imports.columns import COLUMNS
from xingfuli.registry.imports.jobs import access_import_community
from xingfuli.registry.models import Resident, Tag

# --- the resident ledger --------------------------------------------------------------

class ResidentLedgerExporter(Exporter):
    """The active residents of one community, in the columns of the import template."""

    text_columns = frozenset(
        i for i, c in enumerate(COLUMNS) if c.key in {"id_number", "mobile", "household_code",
                                                       "room", "building"}
    )

    def __init__(self, residents: Iterable[Resident], *, unmask: bool) -> None:
        self.residents = residents
        self.unmask = unmask
        self.sheet_title = _("Residents")

    def headers(self) -> list[str]:
        return [str(c.label) for c in COLUMNS]

    def rows(self) -> Iterator[list[CellValue]]:
        for r in self.residents:
            dwelling = r.household.dwelling
            if self.unmask:
                id_number = crypto.decrypt(r.id_number_encrypted)
                mobile = crypto.decrypt(r.mobile_encrypted)
            else:
                id_number, mobile = r.id_number_masked, r.mobile_masked
            values: dict[str, CellValue] = {
                "building": dwelling.unit.building.number,
                "unit": dwelling.unit.number,
                "room": dwelling.room,
                "floor": dwelling.floor,
                "area": dwelling.area,
                "household_code": r.household.code,
                "name": r.name,
                "id_number": id_number,
                "mobile": mobile,
                "relation": r.get_relation_display(),
                "residence_type": r.get_residence_type_display(),
                "tags": "、".join(t.name for t in r.tags.all()),
                "note": r.note,
            }
            yield [values[c.key] for c in COLUMNS]


def ledger_residents(*, actor: Any, community: Community) -> Iterator[Resident]:
    qs = Resident.objects.filter(
        status=Resident.Status.ACTIVE, household__dwelling__unit__building__community=community
    )
    if actor is not None:
        qs = scoped(qs, actor)
    return qs.select_related("household__dwelling__unit__building").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("code"))
    ).order_by(
        "household__dwelling__unit__building__number", "household__dwelling__unit__number",
        "household__dwelling__floor", "household__dwelling__room", "household_id", "id",
    ).iterator(chunk_size=2000)


def residents_export(*, actor: Any, community_id: int, fmt: str, out: IO[bytes]) -> int:
    """Write the community's ledger to `out`; full numbers only for roles allowed to read them.

    Every export is audit-logged with its row count. `actor` None: the operator at the command
    line (full numbers)."""
    if fmt not in FORMATS:
        raise DomainError(ErrorCode.INVALID, _("Choose xlsx or CSV."), field="format")
    if actor is None:
        community = Community.objects.get(pk=community_id)
        unmask = True
    else:
        community = access_import_community(actor=actor, community_id=community_id)
        unmask = has_capability(actor, Capability.UNMASK_PERSONAL, community_id=community.pk)
    # No transaction around the writing: on SQLite it would hold the write lock meanwhile.
    exporter = ResidentLedgerExporter(
        ledger_residents(actor=actor, community=community), unmask=unmask
    )
    count = write(exporter, out, fmt)
    audit.record(
        "registry.export", actor=actor, target=community, community_id=community.pk,
        what="residents", rows=count, format=fmt, masked=not unmask,
    )
    return count


def export_filename(community: Community, fmt: str) -> str:
    # Translated like the template's file name: staff see "居民台账-…" in their downloads.
    name = _("residents-%(community)s-%(date)s") % {
        "community": community.slug, "date": f"{timezone.localdate():%Y%m%d}"}
    return f"{name}.{fmt}"


# --- the template ---------------------------------------------------------------------

def ledger_template(out: IO[bytes]) -> None:
    """An empty ledger with the headers in the active language, text-formatted number columns
    and a sheet explaining each column and the accepted values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = _("Residents")[:31]
    bold = Font(bold=True)
    text_keys = {"building", "room", "household_code", "id_number", "mobile"}
    widths = {"id_number": 22, "mobile": 14, "tags": 18, "note": 24, "residence_type": 16,
              "relation": 12}
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=str(column.label))
        cell.font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column.key, 10)
        if column.key in text_keys:
            # Text, so that Excel keeps all 18 characters of an ID number.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet(_("Instructions")[:31])
    help_sheet.column_dimensions["A"].width = 22
    help_sheet.column_dimensions["B"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    lines: list[tuple[str, str]] = [
        (_("Column"), _("What to write")),
        (str(_col("building")), _("Required. The building number as registered, e.g. 1 or "
                                 "1栋. The building must already exist in the registry.")),
        (str(_col("unit")), _("Required. The unit (staircase) number, up to the building's "
                             "number of units. A new unit is added.")),
        (str(_col("room")), _("Required. The room number, e.g. 301. A new room is added.")),
        (str(_col("floor")), _("Optional when the room number starts with the floor "
                              "(301 → 3, 1203 → 12).")),
        (str(_col("area")), _("Optional. The registered exclusive area in m², e.g. 62.5.")),
        (str(_col("household_code")), _("Optional. Rows with the same household number form "
                                        "one household; rows without one join the single "
                                        "household of their room.")),
        (str(_col("name")), _("Required.")),
        (str(_col("id_number")), _("Required. 18 characters. Keep this column as text so "
                                  "that Excel keeps every digit. A person already registered "
                                  "in this community is updated, not added twice.")),
        (str(_col("mobile")), _("Optional. 11 digits.")),
        (str(_col("relation")), _("Optional (head of household when empty). One of: %(v)s.")
         % {"v": "、".join(str(label) for _c, label in Resident.Relation.choices)}),
        (str(_col("residence_type")), _("Optional. One of: %(v)s.")
         % {"v": "、".join(str(label) for _c, label in Resident.ResidenceType.choices)}),
        (str(_col("tags")), _("Optional. Several separated by 、 or a comma, e.g. 独居、高龄. "
                             "Write 无 to remove all tags. Known tags: %(v)s.")
         % {"v": "、".join(t.name for t in Tag.objects.order_by("code"))}),
        (str(_col("note")), _("Optional.")),
        ("", ""),
        (_("Rules"), _("An empty cell never erases what is stored. Nothing is deleted. If any "
                       "row has an error, nothing is written and every error is listed with "
                       "its row and column.")),
    ]
    for row_no, (left, right) in enumerate(lines, start=1):
        a = help_sheet.cell(row=row_no, column=1, value=left)
        b = help_sheet.cell(row=row_no, column=2, value=escape_cell(right))
        a.alignment = b.alignment = wrap
        if row_no == 1 or left == _("Rules"):
            a.font = b.font = bold
    workbook.save(out)


def _col(key: str) -> str:
    return next(str(c.label) for c in COLUMNS if c.key == key)
