"""Writes of the registry (一户一档): buildings, dwellings, households, residents, owners.

Every function checks the actor's write scope (`scoped(..., write=True)`: a row outside it is
not found) and the EDIT_REGISTRY capability in the row's community, validates, writes in one
transaction and leaves an audit entry. Personal numbers never go into the audit log.
"""

from xingfuli.registry.services.buildings import building_create, dwelling_update, household_create
from xingfuli.registry.services.owners import dwelling_owner_add, owner_create, ownership_add
from xingfuli.registry.services.residents import (
    resident_create,
    resident_tags_set,
    resident_update,
)

__all__ = [
    "building_create",
    "dwelling_owner_add",
    "dwelling_update",
    "household_create",
    "owner_create",
    "ownership_add",
    "resident_create",
    "resident_tags_set",
    "resident_update",
]
