"""Owners and their shares of dwellings (for votes: one owner counts once)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import (
    Dwelling,
    Owner,
    Ownership,
    Resident,
)
from xingfuli.registry.personal import (
    normalize_mobile,
    parse_id_number,
    set_id_number,
    set_mobile,
)
from xingfuli.registry.services._common import (
    invalid,
    require_community_write,
)


@transaction.atomic
def owner_create(
    *,
    actor: User,
    community: Community,
    name: str,
    id_number: str = "",
    mobile: str = "",
    is_developer: bool = False,
    resident_id: int | None = None,
) -> Owner:
    require_community_write(actor, community)
    name = name.strip()
    if not name or len(name) > 100:
        raise invalid(_("Enter the owner's name (up to 100 characters)."), "name")
    owner = Owner(community=community, name=name, is_developer=is_developer)
    if id_number.strip():
        parsed = parse_id_number(id_number, today=timezone.localdate())
        set_id_number(owner, parsed.number)
        if Owner.objects.filter(community=community,
                                id_number_digest=owner.id_number_digest).exists():
            raise DomainError(ErrorCode.DUPLICATE,
                              _("An owner with this ID number is already registered."),
                              field="id_number")
    set_mobile(owner, normalize_mobile(mobile) if mobile.strip() else "")
    if resident_id is not None:
        resident = scoped(Resident.objects.all(), actor, write=True).filter(
            pk=resident_id, household__dwelling__unit__building__community=community
        ).first()
        if resident is None:
            raise NotFound(_("No such resident."))
        owner.resident = resident
    owner.save()
    audit.record("registry.owner.created", actor=actor, target=owner)
    return owner


@transaction.atomic
def ownership_add(
    *, actor: User, owner_id: int, dwelling_id: int, share: Decimal | str = Decimal(1)
) -> Ownership:
    owner = scoped(Owner.objects.all(), actor, write=True).filter(pk=owner_id).first()
    if owner is None:
        raise NotFound(_("No such owner."))
    require(actor, Capability.EDIT_REGISTRY, community_id=owner.community_id)
    dwelling = (
        scoped(Dwelling.objects.all(), actor, write=True)
        .select_for_update(of=("self",))
        .filter(pk=dwelling_id, unit__building__community_id=owner.community_id)
        .first()
    )
    if dwelling is None:
        raise NotFound(_("No such dwelling."))
    try:
        value = Decimal(str(share))
    except (InvalidOperation, ValueError):
        raise invalid(_("Enter the share as a fraction, such as 0.5."), "share") from None
    if not Decimal(0) < value <= Decimal(1):
        raise invalid(_("The share must be more than 0 and at most 1."), "share")
    if Ownership.objects.filter(owner=owner, dwelling=dwelling).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This owner already holds this dwelling."),
                          field="dwelling")
    held = Ownership.objects.filter(dwelling=dwelling).aggregate(s=Sum("share"))["s"] or 0
    if held + value > 1:
        raise invalid(
            _("The shares of this dwelling would add up to more than 1 (already %(held)s).")
            % {"held": held},
            "share",
        )
    ownership = Ownership.objects.create(owner=owner, dwelling=dwelling, share=value)
    audit.record("registry.ownership.added", actor=actor, target=ownership,
                 community_id=owner.community_id, dwelling=dwelling.pk, share=str(value))
    return ownership


@transaction.atomic
def dwelling_owner_add(
    *,
    actor: User,
    dwelling_id: int,
    name: str,
    id_number: str = "",
    mobile: str = "",
    share: Decimal | str = Decimal(1),
    is_developer: bool = False,
) -> Ownership:
    """Record an owner of a dwelling. An owner already registered in the community with the
    same ID number is reused, so that one person holding several dwellings stays one owner."""
    dwelling = (
        scoped(Dwelling.objects.select_related("unit__building__community"), actor, write=True)
        .filter(pk=dwelling_id)
        .first()
    )
    if dwelling is None:
        raise NotFound(_("No such dwelling."))
    community = dwelling.unit.building.community
    require_community_write(actor, community)
    owner = None
    if id_number.strip():
        parsed = parse_id_number(id_number, today=timezone.localdate())
        probe = Owner()
        set_id_number(probe, parsed.number)
        owner = Owner.objects.filter(
            community=community, id_number_digest=probe.id_number_digest
        ).first()
    if owner is None:
        owner = owner_create(
            actor=actor, community=community, name=name, id_number=id_number, mobile=mobile,
            is_developer=is_developer,
        )
    return ownership_add(actor=actor, owner_id=owner.pk, dwelling_id=dwelling.pk, share=share)
