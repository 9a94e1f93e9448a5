"""Personal information rights (PIPL): full views with a reason, retention, a person's copy of
their data (查阅复制权, Art. 45) and its deletion on request (删除权, Art. 47).

- `reveal_personal`: the full ID or mobile number, for roles with UNMASK_PERSONAL, only with a
  reason (a code from `RevealReason` and, for "other", a note); audited who/what/when/why.
- `retention_purge`: moved-out and deceased residents' sensitive fields cleared once
  `PERSONAL_DATA_RETENTION_DAYS` (default 3 × 365) have passed since their record last changed
  (the status change is a change): numbers cleared, masks replaced by `PURGED`, tags and note
  removed, birth date reduced to the year. Idempotent; one audit entry per batch and community.
- `personal_data_export`: everything the platform holds about one resident across modules.
- `erasure_request` / `erasure_confirm` / `erasure_cancel`: deletion by two different staff
  users. The resident row stays (households, counts and other modules' records keep their
  meaning) but holds nothing identifying; links from other modules to the person are removed.

The pending erasure request is an audit entry (no new table): the latest of requested /
cancelled / confirmed for the resident decides, and a request lapses after
`ERASURE_REQUEST_DAYS`.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import AuditEntry, Role, RoleAssignment, User
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import Owner, Resident
from xingfuli.registry.services._common import household_community_id

# Data markers (stored, not shown through i18n: the registry is kept in Chinese).
PURGED = "已清除"
ERASED_NAME = "已删除居民 #{id}"
DEFAULT_RETENTION_DAYS = 3 * 365
ERASURE_REQUEST_DAYS = 14
BATCH = 500
NOTE_MAX = 200
RESIDENT_TYPE = "registry.resident"

# Sent after sensitive fields of residents were purged (retention) or a resident was erased,
# inside the transaction: modules holding more personal data of these residents (canteen
# allergies, youth care notes, …) may connect to clear it too. kwargs: resident_ids, why.
personal_data_purged = Signal()


class RevealReason(models.TextChoices):
    VISIT = "visit", gettext_lazy("home visit or care follow-up")
    SERVICE = "service", gettext_lazy("a service the resident asked for")
    EMERGENCY = "emergency", gettext_lazy("emergency: reach the resident or family")
    VERIFY = "verify", gettext_lazy("check identity or correct the record")
    AUTHORITY = "authority", gettext_lazy("request of a public authority under the law")
    OTHER = "other", gettext_lazy("other (explain)")


class ExportReason(models.TextChoices):
    SUBJECT = "subject", gettext_lazy("the resident asked for a copy of their data")
    GUARDIAN = "guardian", gettext_lazy("the guardian or next of kin asked")
    AUTHORITY = "authority", gettext_lazy("request of a public authority under the law")
    OTHER = "other", gettext_lazy("other (explain)")


class ErasureReason(models.TextChoices):
    SUBJECT = "subject", gettext_lazy("the resident asked for deletion")
    PURPOSE_ENDED = "purpose_ended", gettext_lazy("the purpose has ended (moved out, deceased)")
    CONSENT_WITHDRAWN = "consent_withdrawn", gettext_lazy("consent was withdrawn")
    UNLAWFUL = "unlawful", gettext_lazy("the data was collected or used unlawfully")
    OTHER = "other", gettext_lazy("other (explain)")


REVEAL_FIELDS = ("id_number", "mobile")


def retention_days() -> int:
    return int(getattr(settings, "PERSONAL_DATA_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def _reason(choices: type[models.TextChoices], reason: str, note: str) -> tuple[str, str]:
    """A valid reason code and its note; "other" needs a note."""
    note = (note or "").strip()
    if reason not in choices.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a reason from the list."), field="reason")
    if len(note) > NOTE_MAX:
        raise DomainError(
            ErrorCode.INVALID,
            _("Keep the explanation under %(n)s characters.") % {"n": NOTE_MAX}, field="note",
        )
    if reason == "other" and not note:
        raise DomainError(ErrorCode.INVALID, _("Explain the reason in a few words."),
                          field="note")
    return reason, note


def _resident_for(actor: User, resident_id: int, *, write: bool = False, lock: bool = False
                  ) -> tuple[Resident, int]:
    """The resident in the actor's scope and its community; UNMASK_PERSONAL required there."""
    qs = Resident.objects.select_related("household__dwelling__unit__building", "user")
    if lock:
        qs = qs.select_for_update(of=("self",))
    resident = scoped(qs, actor, write=write).filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("No such resident."))
    community_id = household_community_id(resident.household)
    require(actor, Capability.UNMASK_PERSONAL, community_id=community_id)
    return resident, community_id


def is_erased(resident: Resident) -> bool:
    return resident.name == ERASED_NAME.format(id=resident.pk)


def is_purged(resident: Resident) -> bool:
    return resident.id_number_masked == PURGED and resident.mobile_masked == PURGED


# --- (1) full views with a reason ----------------------------------------------------------

@transaction.atomic
def reveal_personal(*, actor: User, resident_id: int, field: str, reason: str, note: str = ""
                    ) -> dict[str, str]:
    """The full number(s) of one resident: `field` is "id_number", "mobile" or "all".

    Audited as "registry.resident.revealed" with the fields, the reason code and the note
    (never the numbers)."""
    if field not in (*REVEAL_FIELDS, "all"):
        raise DomainError(ErrorCode.INVALID, _("Choose which number to show."), field="field")
    reason, note = _reason(RevealReason, reason, note)
    resident, community_id = _resident_for(actor, resident_id)
    fields = list(REVEAL_FIELDS) if field == "all" else [field]
    audit.record(
        "registry.resident.revealed", actor=actor, target=resident, community_id=community_id,
        fields=fields, reason=reason, note=note,
    )
    values = {
        "id_number": crypto.decrypt(resident.id_number_encrypted),
        "mobile": crypto.decrypt(resident.mobile_encrypted),
    }
    return {f: values[f] for f in fields}


# --- (2) retention -------------------------------------------------------------------------

def _clear_sensitive(resident: Resident) -> None:
    """Numbers cleared, masks marked, note removed, birth date reduced to the year (age
    statistics by year keep working). Tags are removed by the caller (one query per batch)."""
    resident.id_number_encrypted = ""
    resident.id_number_digest = ""
    resident.id_number_masked = PURGED
    resident.mobile_encrypted = ""
    resident.mobile_digest = ""
    resident.mobile_tail = ""
    resident.mobile_masked = PURGED
    resident.note = ""
    resident.birth_date = dt.date(resident.birth_date.year, 1, 1)
    resident.version += 1


_CLEARED = ["id_number_encrypted", "id_number_digest", "id_number_masked", "mobile_encrypted",
            "mobile_digest", "mobile_tail", "mobile_masked", "note", "birth_date", "version"]


def retention_due(*, now: dt.datetime | None = None) -> models.QuerySet[Resident]:
    """Moved-out and deceased residents past the retention period, not purged yet."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    return (
        Resident.objects.filter(
            status__in=[Resident.Status.MOVED_OUT, Resident.Status.DECEASED],
            updated_at__lt=cutoff,
        )
        .exclude(id_number_masked=PURGED, mobile_masked=PURGED)
        .order_by("pk")
    )


def retention_purge(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Purge every resident due, in batches of `batch` (one transaction each); the count."""
    now = now or timezone.now()
    total = 0
    while True:
        seen, purged = _purge_batch(now=now, batch=batch)
        total += purged
        if seen < batch:
            return total


@transaction.atomic
def _purge_batch(*, now: dt.datetime, batch: int) -> tuple[int, int]:
    """(residents due in this batch, residents purged)."""
    community = "household__dwelling__unit__building__community_id"
    ids = list(retention_due(now=now).values_list("pk", flat=True)[:batch])
    if not ids:
        return 0, 0
    # Locked and checked again: an edit in between (a return, a correction) wins.
    rows = list(
        retention_due(now=now).filter(pk__in=ids).select_for_update(of=("self",))
        .annotate(community_id=models.F(community))
    )
    for row in rows:
        _clear_sensitive(row)
    Resident.objects.bulk_update(rows, _CLEARED)
    purged = [r.pk for r in rows]
    Resident.tags.through.objects.filter(resident_id__in=purged).delete()
    by_community: dict[int, list[int]] = {}
    for row in rows:
        by_community.setdefault(row.community_id, []).append(row.pk)
    for community_id, resident_ids in sorted(by_community.items()):
        audit.record(
            "registry.privacy.retention_purged", actor=None, community_id=community_id,
            target_type=RESIDENT_TYPE, count=len(resident_ids), resident_ids=resident_ids,
            retention_days=retention_days(), cutoff=(now - dt.timedelta(
                days=retention_days())).isoformat(),
        )
    personal_data_purged.send(sender=Resident, resident_ids=purged, why="retention")
    return len(ids), len(rows)


# --- (3) the person's copy of their data ---------------------------------------------------

def _dt(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _collect(resident: Resident) -> dict[str, Any]:
    """What the platform holds about the resident, section by section (JSON-ready).

    Other modules' models are read here, read-only, filtered by this one resident (or their
    login): a person's copy must be complete, and these modules have no per-person selector.
    """
    # Read-only reads of other modules' models (subject access: the whole picture).
    from xingfuli.canteen.models import Diner, Order
    from xingfuli.deliberation.models import Attendance, TopicView
    from xingfuli.elevators.models import Ballot
    from xingfuli.grid.models import Visit
    from xingfuli.requests.models import Request
    from xingfuli.volunteers.models import ServiceRecord, Volunteer
    from xingfuli.youth.models import Child, Guardian

    user = resident.user
    d = resident.household.dwelling
    data: dict[str, Any] = {
        "resident": [{
            "record": resident.pk, "name": resident.name, "sex": resident.get_sex_display(),
            "birth_date": _dt(resident.birth_date),
            "id_number": crypto.decrypt(resident.id_number_encrypted),
            "mobile": crypto.decrypt(resident.mobile_encrypted),
            "address": f"{d.unit.building.address} {d.unit.building.number}-{d.unit.number}-"
                       f"{d.room}".strip(),
            "relation": resident.get_relation_display(),
            "residence_type": resident.get_residence_type_display(),
            "status": resident.get_status_display(),
            "tags": "、".join(t.name for t in resident.tags.all()), "note": resident.note,
            "login": user.mobile if user else "", "created": _dt(resident.created_at),
            "updated": _dt(resident.updated_at),
        }],
        "owner_records": [
            {"name": o.name, "id_number": crypto.decrypt(o.id_number_encrypted),
             "mobile": crypto.decrypt(o.mobile_encrypted),
             "dwellings": "、".join(str(x) for x in o.dwellings.all())}
            for o in Owner.objects.filter(resident=resident).prefetch_related("dwellings")
        ],
        "visits": [
            {"at": _dt(v.visited_at), "by": v.visitor.name, "health": v.health,
             "living_situation": v.living_situation, "hardship": v.hardship, "needs": v.needs,
             "opinions": " / ".join(o.content for o in v.opinions.all())}
            for v in Visit.objects.filter(people_met=resident).select_related("visitor")
            .prefetch_related("opinions").order_by("visited_at", "pk")
        ],
        "requests": [
            {"number": r.number, "submitted": _dt(r.submitted_at), "title": r.title,
             "description": r.description, "status": r.get_status_display()}
            for r in Request.objects.filter(
                Q(reporter_resident=resident) | (Q(reporter_user=user) if user else Q(pk__in=[]))
            ).order_by("submitted_at", "pk")
        ],
        "canteen": [
            {"canteen": str(x.canteen), "diet": "、".join(map(str, x.diet_flags)),
             "allergies": "、".join(map(str, x.allergies)), "note": x.note,
             "registered": _dt(x.registered_at)}
            for x in Diner.objects.filter(resident=resident).select_related("canteen")
        ],
        "canteen_orders": [
            {"day": _dt(o.day), "service": o.get_service_display(),
             "status": o.get_status_display(), "amount_due": str(o.amount_due)}
            for o in Order.objects.filter(diner__resident=resident).order_by("day", "pk")
        ],
        "volunteering": [
            {"number": v.number, "name": v.name, "joined": _dt(v.joined_on),
             "skills": "、".join(map(str, v.skills)), "availability": v.availability}
            for v in Volunteer.objects.filter(
                Q(resident=resident) | (Q(user=user) if user else Q(pk__in=[])))
        ],
        "volunteer_service": [
            {"date": _dt(s.service_date), "service": s.service, "minutes": s.minutes,
             "status": s.get_status_display()}
            for s in ServiceRecord.objects.filter(
                Q(volunteer__resident=resident)
                | (Q(volunteer__user=user) if user else Q(pk__in=[]))
            ).order_by("service_date", "pk")
        ],
        "youth": [
            {"child": c.name, "birth_date": _dt(c.birth_date), "school": c.school,
             "care_note": c.care_note, "as": "child"}
            for c in Child.objects.filter(resident=resident)
        ] + [
            {"child": g.child.name, "birth_date": _dt(g.child.birth_date), "school": "",
             "care_note": "", "as": g.get_relation_display()}
            for g in (Guardian.objects.filter(user=user).select_related("child") if user
                      else Guardian.objects.none())
        ],
        "elevator_ballots": [
            {"vote": str(b.round), "choice": b.get_choice_display(),
             "channel": b.get_channel_display(), "cast": _dt(b.cast_at)}
            for b in Ballot.objects.filter(owner__resident=resident).select_related(
                "round__project").order_by("cast_at", "pk")
        ],
        "deliberation_views": [
            {"topic": str(t.topic), "view": t.text, "written": _dt(t.created_at)}
            for t in (TopicView.objects.filter(author=user).select_related("topic")
                      .order_by("created_at", "pk") if user else TopicView.objects.none())
        ],
        "meetings_attended": [
            {"meeting": str(a.meeting), "recorded": _dt(a.recorded_at)}
            for a in Attendance.objects.filter(resident=resident).select_related(
                "meeting__topic").order_by("recorded_at", "pk")
        ],
        # Who processed the person's record, when and why (PIPL Art. 44: the right to know).
        "processing_log": [
            {"at": _dt(e.at), "action": e.action, "by": e.actor.name if e.actor else "",
             "reason": str(e.data.get("reason", ""))}
            for e in AuditEntry.objects.filter(
                target_type=RESIDENT_TYPE, target_id=str(resident.pk)
            ).select_related("actor").order_by("at", "pk")
        ],
    }
    return data


SECTION_LABELS: dict[str, Any] = {
    "resident": gettext_lazy("Resident record"),
    "owner_records": gettext_lazy("Owner records"),
    "visits": gettext_lazy("Household visits"),
    "requests": gettext_lazy("Requests reported"),
    "canteen": gettext_lazy("Canteen"),
    "canteen_orders": gettext_lazy("Canteen orders"),
    "volunteering": gettext_lazy("Volunteering"),
    "volunteer_service": gettext_lazy("Volunteer service"),
    "youth": gettext_lazy("Youth palace"),
    "elevator_ballots": gettext_lazy("Elevator ballots"),
    "deliberation_views": gettext_lazy("Views on topics"),
    "meetings_attended": gettext_lazy("Meetings attended"),
    "processing_log": gettext_lazy("Processing log"),
}


@transaction.atomic
def personal_data_export(*, actor: User, resident_id: int, reason: str, note: str = "",
                         fmt: str = "json") -> dict[str, Any]:
    """One person's data across modules, for community staff with UNMASK_PERSONAL; audited
    (who, whose, when, why, which format, how many records per section)."""
    if fmt not in ("json", "xlsx"):
        raise DomainError(ErrorCode.INVALID, _("Choose JSON or Excel."), field="format")
    reason, note = _reason(ExportReason, reason, note)
    resident, community_id = _resident_for(actor, resident_id)
    data = _collect(resident)
    audit.record(
        "registry.privacy.exported", actor=actor, target=resident, community_id=community_id,
        reason=reason, note=note, format=fmt,
        counts={k: len(v) for k, v in data.items()},
    )
    return {"resident_id": resident.pk, "exported_at": timezone.now().isoformat(),
            "sections": data}


def export_xlsx(document: dict[str, Any], out: IO[bytes]) -> None:
    """The export as a workbook: one sheet per section that has records."""
    from openpyxl import Workbook

    from xingfuli.core.exports import escape_cell

    workbook = Workbook()
    first = workbook.active
    assert first is not None  # noqa: S101 - a new workbook has one sheet
    workbook.remove(first)
    for key, rows in document["sections"].items():
        if not rows:
            continue
        sheet = workbook.create_sheet(str(SECTION_LABELS.get(key, key))[:31])
        headers = list(rows[0])
        sheet.append(headers)
        for row in rows:
            sheet.append([escape_cell(row.get(h)) for h in headers])
    if not workbook.sheetnames:
        workbook.create_sheet(str(SECTION_LABELS["resident"]))
    workbook.save(out)


# --- (4) deletion on request ---------------------------------------------------------------

_ERASURE_ACTIONS = ("registry.privacy.erasure_requested", "registry.privacy.erasure_cancelled",
                    "registry.privacy.erased")


def erasure_pending(resident_id: int, *, now: dt.datetime | None = None) -> AuditEntry | None:
    """The open deletion request of a resident, if any (one query)."""
    last = (
        AuditEntry.objects.filter(target_type=RESIDENT_TYPE, target_id=str(resident_id),
                                  action__in=_ERASURE_ACTIONS)
        .select_related("actor").order_by("-at", "-pk").first()
    )
    if last is None or last.action != "registry.privacy.erasure_requested":
        return None
    if last.at < (now or timezone.now()) - dt.timedelta(days=ERASURE_REQUEST_DAYS):
        return None
    return last


def _staff_login(user: User | None) -> bool:
    """Whether a login holds more than a resident's role (staff are not erased with a
    resident record: their work records must stay attributable)."""
    if user is None:
        return False
    return RoleAssignment.objects.filter(user=user).exclude(role=Role.RESIDENT).exists() \
        or user.is_staff or user.is_superuser


@transaction.atomic
def erasure_request(*, actor: User, resident_id: int, reason: str, note: str = "") -> AuditEntry:
    """Ask for a resident's deletion; another staff user must confirm it."""
    reason, note = _reason(ErasureReason, reason, note)
    resident, community_id = _resident_for(actor, resident_id, write=True, lock=True)
    if is_erased(resident):
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This resident was already deleted."))
    if erasure_pending(resident.pk) is not None:
        raise DomainError(ErrorCode.CONFLICT,
                          _("A deletion request is already waiting for confirmation."))
    if _staff_login(resident.user):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("This resident's login also has a staff role: remove the role first."),
        )
    return audit.record(
        "registry.privacy.erasure_requested", actor=actor, target=resident,
        community_id=community_id, reason=reason, note=note,
    )


@transaction.atomic
def erasure_cancel(*, actor: User, resident_id: int, request_id: int) -> None:
    resident, community_id = _resident_for(actor, resident_id, write=True, lock=True)
    pending = erasure_pending(resident.pk)
    if pending is None or pending.pk != request_id:
        raise DomainError(ErrorCode.CONFLICT, _("This deletion request is no longer open."))
    audit.record("registry.privacy.erasure_cancelled", actor=actor, target=resident,
                 community_id=community_id, request=pending.pk)


@transaction.atomic
def erasure_confirm(*, actor: User, resident_id: int, request_id: int) -> Resident:
    """Confirm an open deletion request (a different staff user than the one who asked) and
    anonymise the resident. `request_id` is the request's audit entry: a page showing an
    older request cannot confirm a newer one."""
    resident, community_id = _resident_for(actor, resident_id, write=True, lock=True)
    pending = erasure_pending(resident.pk)
    if pending is None or pending.pk != request_id:
        raise DomainError(ErrorCode.CONFLICT, _("This deletion request is no longer open."))
    if pending.actor_id == actor.pk:
        raise Forbidden(_("Another staff member must confirm the deletion you asked for."))
    if _staff_login(resident.user):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("This resident's login also has a staff role: remove the role first."),
        )
    user = resident.user
    detached = _detach_from_modules(resident, user)
    _clear_sensitive(resident)
    resident.name = ERASED_NAME.format(id=resident.pk)
    resident.name_pinyin = ""
    resident.name_initials = ""
    resident.user = None
    resident.updated_at = timezone.now()
    resident.save(update_fields=[*_CLEARED, "name", "name_pinyin", "name_initials", "user",
                                 "updated_at"])
    resident.tags.clear()
    if user is not None:
        _close_login(user)
    audit.record(
        "registry.privacy.erased", actor=actor, target=resident, community_id=community_id,
        request=pending.pk, requested_by=pending.actor_id,
        reason=pending.data.get("reason", ""), login_closed=user is not None, detached=detached,
    )
    personal_data_purged.send(sender=Resident, resident_ids=[resident.pk], why="erasure")
    return resident


def _close_login(user: User) -> None:
    """Deactivate the login and remove what identifies it (the mobile is the login name)."""
    user.is_active = False
    user.name = ""
    user.mobile = f"d{user.pk:010d}"[:11]
    user.set_unusable_password()
    user.save(update_fields=["is_active", "name", "mobile", "password"])
    RoleAssignment.objects.filter(user=user).delete()


def _detach_from_modules(resident: Resident, user: User | None) -> dict[str, int]:
    """Remove the person from other modules' records, keeping the records (and so every
    count): requests without the reporter, visits without the person met, volunteer hours
    without the volunteer's identity, … The counts of rows changed are audited."""
    # Direct writes to other modules' models, limited to the fields naming this person:
    # the modules have no erasure service of their own yet (see docs/privacy.md).
    from xingfuli.canteen.models import DeliveryVolunteer, Diner, FamilyLink
    from xingfuli.grid.models import Visit
    from xingfuli.requests.models import Request
    from xingfuli.volunteers.models import BirthdayCalendar, Volunteer
    from xingfuli.youth.models import Child, Guardian

    erased = ERASED_NAME.format(id=resident.pk)

    def by_user(field: str) -> Q:
        return Q(**{field: user}) if user is not None else Q(pk__in=[])

    counts = {
        "requests": Request.objects.filter(Q(reporter_resident=resident) | by_user(
            "reporter_user")).update(
            reporter_resident=None, reporter_user=None, reporter_name="",
            reporter_mobile_encrypted="", reporter_mobile_masked="",
        ),
        "visits": Visit.people_met.through.objects.filter(resident=resident).delete()[0],
        "canteen": Diner.objects.filter(resident=resident).update(
            diet_flags=[], allergies=[], note="", active=False),
        "volunteers": Volunteer.objects.filter(Q(resident=resident) | by_user("user")).update(
            name=erased, user=None, resident=None, id_number_encrypted="", id_number_digest="",
            id_number_masked="", mobile_encrypted="", mobile_masked="", skills=[],
            availability="", active=False,
        ),
        "birthday": BirthdayCalendar.objects.filter(resident=resident).delete()[0],
        "youth_child": Child.objects.filter(resident=resident).update(
            name=erased, resident=None, school="", care_note=""),
        "owners": Owner.objects.filter(resident=resident).update(resident=None),
    }
    if user is not None:
        counts["guardian"] = Guardian.objects.filter(user=user).update(
            name=erased, user=None, mobile_encrypted="", mobile_masked="", may_pick_up=False,
        )
        Guardian.objects.filter(user__isnull=True, name=erased, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        counts["canteen_family"] = FamilyLink.objects.filter(user=user).delete()[0]
        counts["canteen_delivery"] = DeliveryVolunteer.objects.filter(user=user).update(
            active=False)
    return counts
