"""Writes of the elevator module (一梯).

Who may do what:
- community staff and admins (MANAGE_ELEVATORS) create projects, move them between stages,
  upload documents, set the plan and cost sharing, open and close votes, record paper ballots,
  contributions, meetings and site inspections;
- an owner (a logged-in user whose resident record an Owner row points to) casts their own
  ballot online, in the units where they own a dwelling;
- grid workers and street officers read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.calendar import days_info
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.core.uploads import check_document
from xingfuli.elevators import selectors
from xingfuli.elevators.models import (
    STAGE_ORDER,
    Activity,
    Ballot,
    BallotRound,
    Contribution,
    CostShare,
    Document,
    FundingSource,
    Project,
    SharingMethod,
    Stage,
    StageEvent,
)
from xingfuli.registry.models import Building, Dwelling, Owner, Unit

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")
NOTICE_DAYS = 15  # RULES.md: public notice of 15 days
REGISTRATION_DAYS = 30  # Chongqing special-equipment regulation Art. 16
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
EDITABLE_PLAN_STAGES = (Stage.INTENTION, Stage.DESIGN, Stage.PLAN)
# Practice: the ground floor pays nothing, the share rises with height (agreed per project).
DEFAULT_FLOOR_COEFFICIENTS: dict[int, Decimal] = {
    1: Decimal("0"), 2: Decimal("0.5"), 3: Decimal("0.8"), 4: Decimal("1.0"),
    5: Decimal("1.2"), 6: Decimal("1.35"), 7: Decimal("1.5"), 8: Decimal("1.6"),
}


def default_coefficient(floor: int) -> Decimal:
    if floor in DEFAULT_FLOOR_COEFFICIENTS:
        return DEFAULT_FLOOR_COEFFICIENTS[floor]
    return Decimal("1.6") + Decimal("0.1") * (floor - 8)


def suggested_coefficients(floors: Iterable[int]) -> dict[str, str]:
    """The default table for these floors: a suggestion the owners may adopt as their agreed
    table. It is never applied by itself: with no agreed table the cost goes by area."""
    return {str(f): str(default_coefficient(f)) for f in sorted(set(floors))}


# --- helpers -------------------------------------------------------------------------------


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID, _("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(n)s characters, please.") % {"n": max_length}, field=field)
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise DomainError(ErrorCode.INVALID, _("Remove the control characters."), field=field)
    return value


def parse_money(value: Any, *, field: str, allow_zero: bool = False) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Write the amount in yuan, like 1200.50."),
                          field=field) from None
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise DomainError(ErrorCode.INVALID, _("An amount has at most two decimal places."),
                          field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(ErrorCode.INVALID, _("The amount must be more than zero."), field=field)
    if amount > MAX_MONEY:
        raise DomainError(ErrorCode.INVALID, _("This amount is too large."), field=field)
    return amount.quantize(CENT)


def _day(value: dt.date | None, *, field: str, today: dt.date) -> dt.date:
    if value is None:
        raise DomainError(ErrorCode.INVALID, _("Give the date."), field=field)
    if value > today:
        raise DomainError(ErrorCode.INVALID, _("The date cannot be in the future."), field=field)
    return value


def _managed(actor: User, project_id: int, *, lock: bool = False) -> Project:
    """Seen but not managed is a 403; not seen is a 404."""
    seen = selectors.projects_for(actor=actor).filter(pk=project_id).values_list(
        "community_id", flat=True).first()
    if seen is None:
        raise NotFound()
    require(actor, Capability.MANAGE_ELEVATORS, community_id=seen)
    qs = scoped(Project.objects.all(), actor, write=True).filter(pk=project_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    project = qs.first()
    if project is None:
        raise Forbidden()
    return project


def _check_version(project: Project, version: int | None) -> None:
    if version is not None and version != project.version:
        raise DomainError(ErrorCode.CONFLICT, _("Someone else changed this project in the "
                                                "meantime. Reload the page and try again."),
                          field="version")


def _bump(project: Project, *fields: str) -> None:
    project.version += 1
    project.save(update_fields=[*fields, "version"])


def _owner_users(project: Project) -> list[User]:
    owners = Owner.objects.filter(
        ownership__dwelling__in=selectors.scope_dwellings(project)
    ).values("resident__user")
    return list(User.objects.filter(pk__in=owners, is_active=True))


# --- projects ----------------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor: User, building_id: int, unit_id: int | None = None,
                   name: str = "", started_on: dt.date | None = None) -> Project:
    building = scoped(Building.objects.all(), actor, write=True).filter(pk=building_id).first()
    if building is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a building of your community."),
                          field="building_id")
    require(actor, Capability.MANAGE_ELEVATORS, community_id=building.community_id)
    unit = None
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, building=building).first()
        if unit is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a unit of this building."),
                              field="unit_id")
    live = Project.objects.filter(building=building).exclude(stage=Stage.WITHDRAWN)
    clash = live.filter(unit__isnull=True).exists() or (
        live.filter(unit=unit).exists() if unit else live.exists()
    )
    if clash:
        raise DomainError(ErrorCode.DUPLICATE, _("This unit already has an elevator project."),
                          field="unit_id")
    today = timezone.localdate()
    started_on = _day(started_on or today, field="started_on", today=today)
    if not name.strip():
        name = (_("Building %(b)s unit %(u)s elevator") % {"b": building.number, "u": unit.number}
                if unit else _("Building %(b)s elevator") % {"b": building.number})
    project = Project.objects.create(
        community_id=building.community_id, building=building, unit=unit,
        name=_text(name, field="name", max_length=100, required=True), stage_since=started_on,
        created_by=actor,
    )
    StageEvent.objects.create(project=project, from_stage="", to_stage=Stage.INTENTION,
                              on=started_on, actor=actor)
    audit.record("elevators.project.created", actor=actor, target=project, name=project.name)
    return project


def _coefficients(raw: Mapping[Any, Any] | None, *, field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (raw or {}).items():
        try:
            floor = int(key)
            coef = Decimal(str(value))
        except (InvalidOperation, ValueError, TypeError):
            raise DomainError(ErrorCode.INVALID, _("Give each floor a number like 0.8."),
                              field=field) from None
        if floor < 1 or floor > 60 or not coef.is_finite() or coef < 0 or coef > 100 \
                or coef != coef.quantize(Decimal("0.001"), rounding="ROUND_DOWN"):
            raise DomainError(
                ErrorCode.INVALID,
                _("Floor %(floor)s: a coefficient is between 0 and 100 with at most three "
                  "decimal places.") % {"floor": key}, field=field)
        out[str(floor)] = str(coef)
    return out


@transaction.atomic
def project_plan_set(
    *, actor: User, project_id: int, version: int | None, budget: Any,
    maintenance_yearly: Any = "0", sharing_method: str = SharingMethod.AREA,
    floor_coefficients: Mapping[Any, Any] | None = None,
    maintenance_method: str = SharingMethod.AREA,
    maintenance_coefficients: Mapping[Any, Any] | None = None,
    sources: Iterable[Mapping[str, Any]] = (), shaft_dwelling_ids: Iterable[int] = (),
) -> Project:
    """The plan: budget, other sources, sharing rules, the dwellings the shaft takes; the
    shares are computed again from it. Only before the public notice.

    Shares go by area unless the owners agreed a floor table (RULES.md, Civil Code Art. 283):
    the floor method needs that table; the default table is only a suggestion to adopt."""
    project = _managed(actor, project_id, lock=True)
    _check_version(project, version)
    if project.stage not in EDITABLE_PLAN_STAGES:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("The plan can change only until the public notice: move the project back to "
              "the implementation plan first."), field="budget")
    project.budget = parse_money(budget, field="budget", allow_zero=True)
    project.maintenance_yearly = parse_money(maintenance_yearly, field="maintenance_yearly",
                                             allow_zero=True)
    for value, field in ((sharing_method, "sharing_method"),
                         (maintenance_method, "maintenance_method")):
        if value not in SharingMethod.values:
            raise DomainError(ErrorCode.INVALID, _("Choose how the cost is shared."),
                              field=field)
    project.sharing_method = sharing_method
    project.maintenance_method = maintenance_method
    project.floor_coefficients = _coefficients(floor_coefficients, field="floor_coefficients")
    project.maintenance_coefficients = _coefficients(maintenance_coefficients,
                                                     field="maintenance_coefficients")
    for method, table, field in (
        (sharing_method, project.floor_coefficients, "floor_coefficients"),
        (maintenance_method, project.maintenance_coefficients, "maintenance_coefficients"),
    ):
        if method == SharingMethod.FLOOR and not table:
            raise DomainError(
                ErrorCode.INVALID,
                _("No floor coefficients were agreed: enter the agreed table (or adopt the "
                  "suggested one), or share in proportion to area."), field=field)
    rows: list[FundingSource] = []
    for i, source in enumerate(sources):
        kind = str(source.get("kind", ""))
        if kind not in FundingSource.Kind.values:
            raise DomainError(ErrorCode.INVALID, _("Choose the kind of each source."),
                              field=f"sources.{i}.kind")
        rows.append(FundingSource(
            project=project, kind=kind,
            name=_text(str(source.get("name", "")), field=f"sources.{i}.name", max_length=100,
                       required=True),
            amount=parse_money(source.get("amount"), field=f"sources.{i}.amount")))
    if sum((r.amount for r in rows), Decimal(0)) > project.budget:
        raise DomainError(ErrorCode.INVALID,
                          _("The other sources add up to more than the budget."), field="sources")
    wanted = set(shaft_dwelling_ids)
    in_scope = set(selectors.scope_dwellings(project).filter(pk__in=wanted)
                   .values_list("pk", flat=True))
    if wanted - in_scope:
        raise DomainError(ErrorCode.INVALID,
                          _("The shaft can only take dwellings of this project's unit."),
                          field="shaft_dwelling_ids")
    project.sources.all().delete()
    FundingSource.objects.bulk_create(rows)
    project.shaft_dwellings.set(in_scope)
    _bump(project, "budget", "maintenance_yearly", "sharing_method", "maintenance_method",
          "floor_coefficients", "maintenance_coefficients")
    _shares_compute(project)
    audit.record("elevators.project.plan_set", actor=actor, target=project,
                 budget=str(project.budget), sources=str(sum((r.amount for r in rows),
                                                             Decimal(0))),
                 method=sharing_method)
    return project


def split_fen(total: Decimal, weights: list[tuple[int, Fraction]]) -> dict[int, Decimal]:
    """Share `total` yuan over `weights` to the fen, summing exactly to `total`.

    Largest remainder: everyone gets the floor of their exact share in fen; the fen left over
    go one each to the largest remainders (ties: in the order given)."""
    fen = int((total / CENT).to_integral_value())
    whole = sum((w for _k, w in weights), Fraction(0))
    if fen == 0:
        return {k: Decimal("0.00") for k, _w in weights}
    if whole <= 0:
        raise DomainError(ErrorCode.INVALID, _("Nobody would pay: check the coefficients and "
                                               "the areas."), field="floor_coefficients")
    exact = [(k, fen * w / whole) for k, w in weights]
    base = {k: int(x) for k, x in exact}  # floor: x >= 0
    left = fen - sum(base.values())
    order = sorted(range(len(exact)), key=lambda i: -(exact[i][1] - base[exact[i][0]]))
    for i in order[:left]:
        base[exact[i][0]] += 1
    return {k: (Decimal(v) * CENT).quantize(CENT) for k, v in base.items()}


def _weights(project: Project, dwellings: list[Dwelling], method: str,
             agreed: Mapping[str, str], field: str) -> list[tuple[Dwelling, Decimal, Fraction]]:
    out = []
    for d in dwellings:
        if d.area is None:
            raise DomainError(ErrorCode.INVALID,
                              _("Dwelling %(room)s has no registered area: enter it in the "
                                "registry first.") % {"room": d.room}, field=field)
        # No agreed table means by area (Civil Code Art. 283), never the default table.
        if method == SharingMethod.AREA or not agreed:
            coef = Decimal("1")
        else:
            if str(d.floor) not in agreed:
                raise DomainError(ErrorCode.INVALID,
                                  _("Floor %(floor)s has no agreed coefficient.")
                                  % {"floor": d.floor}, field=field)
            coef = Decimal(agreed[str(d.floor)])
        out.append((d, coef, Fraction(coef) * Fraction(d.area)))
    return out


def _shares_compute(project: Project) -> None:
    """Replace the project's shares: construction over the owners' total, and maintenance."""
    dwellings = list(selectors.scope_dwellings(project))
    sources = project.sources.aggregate(t=Sum("amount"))["t"] or Decimal(0)
    rows: list[CostShare] = []
    for kind, total, method, agreed, field in (
        (CostShare.Kind.CONSTRUCTION, project.budget - sources, project.sharing_method,
         project.floor_coefficients, "floor_coefficients"),
        (CostShare.Kind.MAINTENANCE, project.maintenance_yearly, project.maintenance_method,
         project.maintenance_coefficients, "maintenance_coefficients"),
    ):
        weighted = _weights(project, dwellings, method, agreed, field)
        # Ties of the remainder go to the higher floors first (they use the lift most).
        weighted.sort(key=lambda x: (-x[0].floor, x[0].room))
        amounts = split_fen(total, [(d.pk, w) for d, _c, w in weighted])
        rows.extend(CostShare(project=project, dwelling=d, kind=kind, coefficient=c,
                              area=d.area or 0, amount=amounts[d.pk]) for d, c, _w in weighted)
    project.shares.all().delete()
    CostShare.objects.bulk_create(rows)


# --- stages ------------------------------------------------------------------------------


def notice_end(start: dt.date) -> dt.date:
    """The last day of a 15-day notice posted on `start`: the first day is not counted; a
    last day on a holiday or weekend moves to the next working day (Civil Code Arts. 201–203)."""
    end = start + dt.timedelta(days=NOTICE_DAYS)
    for info in days_info(end, end + dt.timedelta(days=14)):
        if info.is_working_day:
            return info.date
    return end


def _next(stage: str) -> str | None:
    i = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else -1
    return STAGE_ORDER[i + 1] if 0 <= i < len(STAGE_ORDER) - 1 else None


@transaction.atomic
def project_advance(
    *, actor: User, project_id: int, to_stage: str, on: dt.date | None, version: int | None,
    note: str = "", shortfall_reason: str = "", registration_number: str = "",
    in_service_on: dt.date | None = None,
) -> Project:
    """Move the project to `to_stage`: the next stage, back to the plan (from the notice or the
    consent stage), or withdrawn. Each move checks the rule of the stage it leaves."""
    project = _managed(actor, project_id, lock=True)
    _check_version(project, version)
    today = timezone.localdate()
    on = _day(on, field="on", today=today)
    note = _text(note, field="note", max_length=500)
    current = project.stage
    if on < project.stage_since:
        raise DomainError(ErrorCode.INVALID,
                          _("The date cannot be before the current stage began (%(day)s).")
                          % {"day": project.stage_since.isoformat()}, field="on")
    if to_stage not in Stage.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a stage."), field="to_stage")
    if current in (Stage.IN_USE, Stage.WITHDRAWN):
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("This project is finished; its stage no longer changes."),
                          field="to_stage")
    fields = ["stage", "stage_since"]
    if to_stage == Stage.WITHDRAWN or (
        to_stage == Stage.PLAN and current in (Stage.NOTICE, Stage.CONSENT)
    ):
        if not note:
            raise DomainError(ErrorCode.INVALID, _("Say why in the note."), field="note")
        project.rounds.filter(status=BallotRound.Status.OPEN).update(
            status=BallotRound.Status.CLOSED, closed_at=timezone.now(), closed_by=actor)
    elif to_stage != _next(current):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("From %(current)s the project can only move to %(next)s.")
            % {"current": Stage(current).label, "next": Stage(_next(current) or current).label},
            field="to_stage")
    else:
        fields += _check_leaving(project, on=on, today=today, note=note,
                                 shortfall_reason=shortfall_reason,
                                 registration_number=registration_number,
                                 in_service_on=in_service_on)
    if to_stage == Stage.NOTICE:
        project.notice_starts_on, project.notice_ends_on = on, notice_end(on)
        fields += ["notice_starts_on", "notice_ends_on"]
    project.stage, project.stage_since = to_stage, on
    _bump(project, *fields)
    StageEvent.objects.create(project=project, from_stage=current, to_stage=to_stage, on=on,
                              actor=actor, note=note)
    audit.record("elevators.project.stage_changed", actor=actor, target=project,
                 from_stage=current, to_stage=to_stage, on=on.isoformat())
    if to_stage in (Stage.NOTICE, Stage.IN_USE):
        notify(_owner_users(project), subject=_("%(name)s: %(stage)s")
               % {"name": project.name, "stage": Stage(to_stage).label},
               url=f"/elevators/{project.pk}/")
    return project


def _check_leaving(project: Project, *, on: dt.date, today: dt.date, note: str,
                   shortfall_reason: str, registration_number: str,
                   in_service_on: dt.date | None) -> list[str]:
    """The rule of the stage being left; returns the extra fields it set."""
    stage = project.stage
    if stage == Stage.DESIGN and project.budget <= 0:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Enter the cost estimate (the budget) of the preliminary design "
                            "first."), field="budget")
    if stage == Stage.PLAN:
        if project.budget <= 0:
            raise DomainError(ErrorCode.INVALID_TRANSITION,
                              _("The implementation plan needs a budget."), field="budget")
        if not project.shares.filter(kind=CostShare.Kind.CONSTRUCTION).exists():
            raise DomainError(ErrorCode.INVALID_TRANSITION,
                              _("Compute the cost shares before the public notice."),
                              field="budget")
    if stage == Stage.NOTICE:
        end = project.notice_ends_on or on
        if on <= end:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                _("The public notice runs until the end of %(end)s (15 days, the first day not "
                  "counted): the next stage can start on %(next)s.")
                % {"end": end.isoformat(), "next": (end + dt.timedelta(days=1)).isoformat()},
                field="on")
    if stage == Stage.CONSENT:
        if project.rounds.filter(status=BallotRound.Status.OPEN).exists():
            raise DomainError(ErrorCode.INVALID_TRANSITION,
                              _("Close the owners' vote first."), field="to_stage")
        last = project.rounds.order_by("-closed_at", "-pk").first()
        if last is None or not last.passed:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                _("The owners have not approved the project: a closed vote must pass both "
                  "tests and have the consent of the owners whose dwelling the shaft takes."),
                field="to_stage")
    if stage == Stage.APPROVAL:
        if not project.documents.filter(stage=Stage.APPROVAL).exists():
            raise DomainError(ErrorCode.INVALID_TRANSITION,
                              _("Upload the planning approval before construction."),
                              field="to_stage")
        funding = selectors.funding_of(project)
        reason = _text(shortfall_reason, field="shortfall_reason", max_length=500)
        if funding.shortfall > 0:
            if not reason:
                raise DomainError(
                    ErrorCode.INVALID_TRANSITION,
                    _("The funding is %(short)s yuan short: construction can start only if "
                      "you record why.") % {"short": funding.shortfall},
                    field="shortfall_reason")
            project.shortfall_reason = reason
            return ["shortfall_reason"]
    if stage == Stage.COMMISSIONING:
        number = _text(registration_number, field="registration_number", max_length=50,
                       required=True)
        if in_service_on is None:
            raise DomainError(ErrorCode.INVALID, _("Give the date the elevator entered "
                                                   "service."), field="in_service_on")
        if in_service_on > on:
            raise DomainError(ErrorCode.INVALID, _("The elevator cannot be registered before it "
                                                   "entered service."), field="in_service_on")
        if (on - in_service_on).days > REGISTRATION_DAYS and not note:
            raise DomainError(
                ErrorCode.INVALID,
                _("Registration is due within 30 days of entering service: say in the note why "
                  "it was late."), field="note")
        project.registration_number, project.in_service_on = number, in_service_on
        return ["registration_number", "in_service_on"]
    return []


@transaction.atomic
def document_add(*, actor: User, project_id: int, stage: str, title: str,
                 file: File[Any]) -> Document:
    project = _managed(actor, project_id)
    if stage not in Stage.values or stage == Stage.WITHDRAWN:
        raise DomainError(ErrorCode.INVALID, _("Choose the stage of the document."),
                          field="stage")
    if STAGE_ORDER.index(stage) > STAGE_ORDER.index(project.stage) \
            if project.stage in STAGE_ORDER else False:
        raise DomainError(ErrorCode.INVALID, _("The project has not reached this stage yet."),
                          field="stage")
    title = _text(title, field="title", max_length=100, required=True)
    # Accepted by its first bytes, stored under a name we choose (the type's extension).
    extension, _content_type = check_document(file, field="file")
    size = int(getattr(file, "size", 0) or 0)
    name = (getattr(file, "name", "") or "document").rsplit("/", 1)[-1][:200]
    file.seek(0)
    stored = ContentFile(file.read(), name=f"{uuid.uuid4().hex}.{extension}")
    doc = Document.objects.create(project=project, stage=stage, title=title, file=stored,
                                  original_name=name, size=size, uploaded_by=actor)
    audit.record("elevators.document.added", actor=actor, target=project, document=doc.pk,
                 title=title, stage=stage)
    return doc


# --- meetings and site inspections -------------------------------------------------------


@transaction.atomic
def activity_record(
    *, actor: User, community_id: int, kind: str, held_on: dt.date | None, title: str,
    project_id: int | None = None, place: str = "", attendees: int = 0, notes: str = "",
    idempotency_key: str = "",
) -> Activity:
    community = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if community is None:
        raise NotFound()
    require(actor, Capability.MANAGE_ELEVATORS, community_id=community.pk)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = Activity.objects.filter(recorded_by=actor, idempotency_key=key).first()
        if first is not None:
            return first
    if kind not in Activity.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a meeting or a site inspection."),
                          field="kind")
    if project_id is not None and not Project.objects.filter(
            pk=project_id, community=community).exists():
        raise DomainError(ErrorCode.INVALID, _("Choose a project of this community."),
                          field="project_id")
    if attendees < 0 or attendees > 10000:
        raise DomainError(ErrorCode.INVALID, _("Give the number of people who came."),
                          field="attendees")
    activity = Activity(
        community=community, project_id=project_id, kind=kind,
        held_on=_day(held_on, field="held_on", today=timezone.localdate()),
        title=_text(title, field="title", max_length=100, required=True),
        place=_text(place, field="place", max_length=100), attendees=attendees,
        notes=_text(notes, field="notes", max_length=4000), recorded_by=actor,
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        return Activity.objects.get(recorded_by=actor, idempotency_key=key)
    audit.record("elevators.activity.recorded", actor=actor, target=activity, kind=kind)
    return activity


# --- votes -------------------------------------------------------------------------------


@transaction.atomic
def round_open(*, actor: User, project_id: int, question: str = "",
               closes_on: dt.date | None = None) -> BallotRound:
    project = _managed(actor, project_id, lock=True)
    if project.stage != Stage.CONSENT:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Owners vote in the consent stage, after the public notice."),
                          field="question")
    if project.rounds.filter(status=BallotRound.Status.OPEN).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A vote is already open."), field="question")
    roll = selectors.voter_roll(project)
    if roll.missing_area:
        raise DomainError(ErrorCode.INVALID,
                          _("Dwellings without a registered area: %(rooms)s. Enter them in the "
                            "registry first.")
                          % {"rooms": "、".join(d.room for d in roll.missing_area)},
                          field="question")
    if roll.no_owner:
        raise DomainError(ErrorCode.INVALID,
                          _("Dwellings without an owner: %(rooms)s. Enter the owners in the "
                            "registry first.")
                          % {"rooms": "、".join(d.room for d in roll.no_owner)},
                          field="question")
    today = timezone.localdate()
    if closes_on is not None and closes_on < today:
        raise DomainError(ErrorCode.INVALID, _("The closing date cannot be in the past."),
                          field="closes_on")
    question = _text(question, field="question", max_length=200) or (
        _("Do you agree to add an elevator to %(name)s under the published plan?")
        % {"name": project.name})
    round_ = BallotRound.objects.create(project=project, question=question, opened_on=today,
                                        closes_on=closes_on, opened_by=actor)
    audit.record("elevators.vote.opened", actor=actor, target=project, round=round_.pk)
    notify(_owner_users(project), subject=_("Vote on %(name)s") % {"name": project.name},
           body=question, url=f"/elevators/{project.pk}/")
    return round_


def _open_round(project_id: int) -> BallotRound:
    round_ = BallotRound.objects.select_for_update(of=("self",)).filter(
        project_id=project_id, status=BallotRound.Status.OPEN).select_related("project").first()
    if round_ is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("No vote is open on this project."),
                          field="choice")
    return round_


def _choice(choice: str) -> str:
    if choice not in Ballot.Choice.values:
        raise DomainError(ErrorCode.INVALID, _("Choose agree, disagree or abstain."),
                          field="choice")
    return choice


def _store_ballot(round_: BallotRound, voter: selectors.Voter, owner: Owner, *, choice: str,
                  channel: str, actor: User, paper_number: str = "") -> Ballot:
    owner_ids = [o.pk for o in voter.owners]
    existing = Ballot.objects.filter(round=round_, owner_id__in=owner_ids).first()
    if existing is not None:
        if channel == Ballot.Channel.ONLINE and existing.owner_id == owner.pk \
                and existing.channel == Ballot.Channel.ONLINE:
            existing.choice, existing.cast_at = choice, timezone.now()
            existing.save(update_fields=["choice", "cast_at"])
            return existing
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("%(rooms)s already voted (%(channel)s, %(when)s); a ballot counts once.")
            % {"rooms": voter.label, "channel": existing.get_channel_display(),
               "when": timezone.localtime(existing.cast_at).strftime("%Y-%m-%d %H:%M")},
            field="owner_id")
    return Ballot.objects.create(round=round_, owner=owner, choice=choice, channel=channel,
                                 paper_number=paper_number, recorded_by=actor)


@transaction.atomic
def ballot_cast_online(*, actor: User, project_id: int, choice: str) -> Ballot:
    """The owner's own ballot; they may change it while the vote is open."""
    selectors.access_project(actor=actor, project_id=project_id)
    round_ = _open_round(project_id)
    choice = _choice(choice)
    roll = selectors.voter_roll(round_.project)
    mine = [oid for oid in selectors.owner_ids_of(actor) if oid in roll.by_owner]
    if not mine:
        raise Forbidden(_("Only owners of this unit's dwellings vote on its elevator."))
    owner = next(o for o in roll.by_owner[mine[0]].owners if o.pk == mine[0])
    ballot = _store_ballot(round_, roll.by_owner[mine[0]], owner, choice=choice,
                           channel=Ballot.Channel.ONLINE, actor=actor)
    audit.record("elevators.ballot.cast", actor=actor, target=round_.project,
                 round=round_.pk, channel="online")
    return ballot


@transaction.atomic
def ballot_record_paper(*, actor: User, project_id: int, owner_id: int, choice: str,
                        paper_number: str = "") -> Ballot:
    _managed(actor, project_id)
    round_ = _open_round(project_id)
    choice = _choice(choice)
    roll = selectors.voter_roll(round_.project)
    voter = roll.by_owner.get(owner_id)
    if voter is None:
        raise DomainError(ErrorCode.INVALID,
                          _("This person does not own a dwelling of the unit."), field="owner_id")
    owner = next(o for o in voter.owners if o.pk == owner_id)
    ballot = _store_ballot(round_, voter, owner, choice=choice, channel=Ballot.Channel.PAPER,
                           actor=actor, paper_number=_text(paper_number, field="paper_number",
                                                           max_length=30))
    audit.record("elevators.ballot.recorded", actor=actor, target=round_.project,
                 round=round_.pk, owner=owner_id, channel="paper")
    return ballot


@transaction.atomic
def round_close(*, actor: User, project_id: int) -> BallotRound:
    """Close the vote and keep the result sheet as it stands (every number used)."""
    _managed(actor, project_id, lock=True)
    round_ = _open_round(project_id)
    result = selectors.ballot_result(round_)
    round_.status = BallotRound.Status.CLOSED
    round_.closed_at, round_.closed_by = timezone.now(), actor
    round_.passed, round_.result = result.passed, result.as_dict()
    round_.save(update_fields=["status", "closed_at", "closed_by", "passed", "result"])
    audit.record("elevators.vote.closed", actor=actor, target=round_.project, round=round_.pk,
                 passed=result.passed)
    notify(_owner_users(round_.project),
           subject=(_("%(name)s: the owners approved the elevator") if result.passed
                    else _("%(name)s: the vote did not pass")) % {"name": round_.project.name},
           url=f"/elevators/{round_.project_id}/")
    return round_


# --- contributions -----------------------------------------------------------------------


@transaction.atomic
def contribution_record(
    *, actor: User, project_id: int, dwelling_id: int, kind: str, amount: Any,
    on: dt.date | None, note: str = "", idempotency_key: str = "",
) -> Contribution:
    project = _managed(actor, project_id, lock=True)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = Contribution.objects.filter(recorded_by=actor, idempotency_key=key).first()
        if first is not None:
            return first
    if kind not in Contribution.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a payment or a refund."), field="kind")
    if not selectors.scope_dwellings(project).filter(pk=dwelling_id).exists():
        raise DomainError(ErrorCode.INVALID, _("Choose a dwelling of this unit."),
                          field="dwelling_id")
    value = parse_money(amount, field="amount")
    if kind == Contribution.Kind.REFUND:
        sums = {r["kind"]: r["t"] for r in project.contributions.filter(dwelling_id=dwelling_id)
                .values("kind").annotate(t=Sum("amount"))}
        net = sums.get(Contribution.Kind.PAYMENT, Decimal(0)) - sums.get(
            Contribution.Kind.REFUND, Decimal(0))
        if value > net:
            raise DomainError(ErrorCode.INVALID,
                              _("A refund cannot exceed what was paid (%(net)s yuan).")
                              % {"net": net}, field="amount")
    row = Contribution(project=project, dwelling_id=dwelling_id, kind=kind, amount=value,
                       on=_day(on, field="on", today=timezone.localdate()),
                       note=_text(note, field="note", max_length=200), recorded_by=actor,
                       idempotency_key=key)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return Contribution.objects.get(recorded_by=actor, idempotency_key=key)
    audit.record("elevators.contribution.recorded", actor=actor, target=project,
                 dwelling=dwelling_id, kind=kind, amount=str(value))
    return row
