"""Helpers shared by the registry's services."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import Household

PHONE_RE = re.compile(r"^[\d\-+ ]{5,20}$")
MAX_UNITS = 20
MAX_ROOMS_PER_FLOOR = 99
# Fields of a resident that `resident_update` accepts.
RESIDENT_FIELDS = frozenset({
    "name", "id_number", "mobile", "relation", "residence_type", "status", "tags", "note",
    "birth_date", "sex", "household_id",
})


def invalid(message: str, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field=field)


def household_community_id(household: Household) -> int:
    return household.dwelling.unit.building.community_id


def writable_household(actor: User, household_id: int) -> Household:
    household = (
        scoped(Household.objects.select_related("dwelling__unit__building"), actor, write=True)
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("No such household."))
    require(actor, Capability.EDIT_REGISTRY, community_id=household_community_id(household))
    return household


def require_community_write(actor: User, community: Community) -> None:
    """Community-wide writes (buildings, owners): community staff, not a single grid's."""
    if not scoped(Community.objects.filter(pk=community.pk), actor).exists():
        raise NotFound(_("No such community."))
    require(actor, Capability.EDIT_REGISTRY, community_id=community.pk)
    if not scoped(Community.objects.filter(pk=community.pk), actor, write=True).exists():
        raise Forbidden()

