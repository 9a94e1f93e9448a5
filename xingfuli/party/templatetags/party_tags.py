"""Party fragments that other modules' pages include: `{% load party_tags %}` then
`{% building_party building %}` on the staff building page (its branches, one query)."""

from __future__ import annotations

from typing import Any

from django import template

from xingfuli.party import selectors

register = template.Library()


@register.inclusion_tag("party/_building_party.html")
def building_party(building: Any) -> dict[str, Any]:
    """The branches set up on `building` or on its grid (the page has already checked that its
    reader may see the building; branches are the community's reference rows)."""
    return {"branches": selectors.building_party(building_id=building.pk)}
