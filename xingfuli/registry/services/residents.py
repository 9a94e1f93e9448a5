"""Residents: identity checked against GB 11643, numbers encrypted, versioned edits,
reveals audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import (
    Resident,
    Tag,
)
from xingfuli.registry.personal import (
    IdNumber,
    name_pinyin,
    normalize_mobile,
    parse_id_number,
    set_id_number,
    set_mobile,
)
from xingfuli.registry.services._common import (
    RESIDENT_FIELDS,
    household_community_id,
    invalid,
    writable_household,
)


def _tags_for(codes: list[str] | tuple[str, ...] | set[str]) -> list[Tag]:
    wanted = {c.strip() for c in codes if c and c.strip()}
    tags = list(Tag.objects.filter(code__in=wanted))
    missing = wanted - {t.code for t in tags}
    if missing:
        raise invalid(
            _("Unknown tag: %(codes)s") % {"codes": ", ".join(sorted(missing))}, "tags"
        )
    return tags


def _check_choice(value: str, choices: list[str], field: str) -> str:
    if value not in choices:
        raise invalid(_("Choose one of the listed values."), field)
    return value


def _apply_identity(
    resident: Resident, *, id_number: str | None, birth_date: dt.date | None, sex: str | None
) -> None:
    """Set the ID number (if given) and the birth date and sex it implies; any birth date or
    sex given as well must agree with it."""
    parsed: IdNumber | None
    if id_number is not None:
        parsed = parse_id_number(id_number, today=timezone.localdate())
        set_id_number(resident, parsed.number)
    else:
        current = crypto.decrypt(resident.id_number_encrypted)
        parsed = parse_id_number(current, today=timezone.localdate()) if current else None
    if parsed is None:
        # No ID number on file (an old import): the given facts stand alone.
        if sex is not None:
            resident.sex = _check_choice(sex, Resident.Sex.values, "sex")
        if birth_date is not None:
            resident.birth_date = birth_date
        return
    if birth_date is not None and birth_date != parsed.birth_date:
        raise invalid(
            _("The birth date does not match the ID number (which says %(date)s).")
            % {"date": parsed.birth_date.isoformat()},
            "birth_date",
        )
    if sex is not None and sex != parsed.sex:
        raise invalid(_("The sex does not match the ID number."), "sex")
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex


def _check_unique_active(resident: Resident) -> None:
    if resident.status != Resident.Status.ACTIVE or not resident.id_number_digest:
        return
    clash = Resident.objects.filter(
        id_number_digest=resident.id_number_digest, status=Resident.Status.ACTIVE
    )
    if resident.pk:
        clash = clash.exclude(pk=resident.pk)
    if clash.exists():
        raise _duplicate_id()


def _duplicate_id() -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE,
        _("A resident with this ID number is already registered as living here. If they moved, "
          "mark them as moved out in their old household first."),
        field="id_number",
    )


def _save(resident: Resident) -> None:
    try:
        with transaction.atomic():  # a savepoint: the race loser gets a clear error
            resident.save()
    except IntegrityError:
        raise _duplicate_id() from None


def _clean_name(name: str) -> tuple[str, str, str]:
    name = name.strip()
    if not name or len(name) > 50:
        raise invalid(_("Enter the name (up to 50 characters)."), "name")
    full, initials = name_pinyin(name)
    return name, full, initials


@transaction.atomic
def resident_create(
    *,
    actor: User,
    household_id: int,
    name: str,
    id_number: str,
    mobile: str = "",
    relation: str,
    residence_type: str,
    tags: list[str] | None = None,
    note: str = "",
    birth_date: dt.date | None = None,
    sex: str | None = None,
) -> Resident:
    household = writable_household(actor, household_id)
    resident = Resident(household=household, note=note.strip())
    resident.name, resident.name_pinyin, resident.name_initials = _clean_name(name)
    if not (id_number or "").strip():
        raise DomainError(ErrorCode.INVALID_ID_NUMBER, _("Enter the ID number."),
                          field="id_number")
    _apply_identity(resident, id_number=id_number, birth_date=birth_date, sex=sex)
    set_mobile(resident, normalize_mobile(mobile) if mobile.strip() else "")
    resident.relation = _check_choice(relation, Resident.Relation.values, "relation")
    resident.residence_type = _check_choice(
        residence_type, Resident.ResidenceType.values, "residence_type"
    )
    tag_rows = _tags_for(tags or [])
    _check_unique_active(resident)
    _save(resident)
    if tag_rows:
        resident.tags.set(tag_rows)
    audit.record(
        "registry.resident.created", actor=actor, target=resident,
        community_id=household_community_id(household), household=household.pk,
    )
    return resident


def _locked_resident(actor: User, resident_id: int) -> Resident:
    resident = (
        scoped(Resident.objects.select_related("household__dwelling__unit__building"), actor,
               write=True)
        .select_for_update(of=("self",))
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise NotFound(_("No such resident."))
    require(
        actor, Capability.EDIT_REGISTRY,
        community_id=household_community_id(resident.household),
    )
    return resident


def _conflict() -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT,
        _("Someone else saved this resident first; reload the page to see their changes."),
        field="version",
    )


@transaction.atomic
def resident_update(*, actor: User, resident_id: int, version: int, **changes: Any) -> Resident:
    """Change a resident; `version` must be the one the editor saw (else CONFLICT)."""
    unknown = set(changes) - RESIDENT_FIELDS
    if unknown:
        raise invalid(_("Unknown field."), sorted(unknown)[0])
    resident = _locked_resident(actor, resident_id)
    if resident.version != version:
        raise _conflict()
    community_id = household_community_id(resident.household)
    if "household_id" in changes and changes["household_id"] != resident.household_id:
        target = writable_household(actor, int(changes["household_id"]))
        if household_community_id(target) != community_id:
            raise NotFound(_("No such household."))
        resident.household = target
    if "name" in changes:
        resident.name, resident.name_pinyin, resident.name_initials = _clean_name(
            changes["name"]
        )
    id_number = changes.get("id_number")
    if id_number is not None and not str(id_number).strip():
        id_number = None  # blank keeps the number on file
    if id_number is not None or "birth_date" in changes or "sex" in changes:
        _apply_identity(resident, id_number=id_number, birth_date=changes.get("birth_date"),
                        sex=changes.get("sex"))
    if "mobile" in changes:
        mobile = (changes["mobile"] or "").strip()
        set_mobile(resident, normalize_mobile(mobile) if mobile else "")
    for field, choices in (
        ("relation", Resident.Relation.values),
        ("residence_type", Resident.ResidenceType.values),
        ("status", Resident.Status.values),
    ):
        if field in changes:
            setattr(resident, field, _check_choice(changes[field], choices, field))
    if "note" in changes:
        resident.note = (changes["note"] or "").strip()
    tag_rows = _tags_for(changes["tags"]) if changes.get("tags") is not None else None
    _check_unique_active(resident)
    resident.version += 1
    resident.updated_at = timezone.now()
    _save(resident)
    if tag_rows is not None:
        resident.tags.set(tag_rows)
    audit.record(
        "registry.resident.updated", actor=actor, target=resident, community_id=community_id,
        fields=sorted(changes), status=resident.status,
    )
    return resident


@transaction.atomic
def resident_tags_set(*, actor: User, resident_id: int, tag_codes: list[str]) -> Resident:
    resident = _locked_resident(actor, resident_id)
    tag_rows = _tags_for(tag_codes)
    resident.tags.set(tag_rows)
    resident.version += 1
    resident.updated_at = timezone.now()
    resident.save(update_fields=["version", "updated_at"])
    audit.record(
        "registry.resident.tags_set", actor=actor, target=resident,
        community_id=household_community_id(resident.household),
        tags=sorted(t.code for t in tag_rows),
    )
    return resident


