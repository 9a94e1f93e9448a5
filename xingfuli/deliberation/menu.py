"""Home-page links of the deliberation module."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_of


@home_links(order=60)
def deliberation_links(user: User) -> list[HomeLink]:
    """Staff run the pavilions; residents read the topics and add their views."""
    if has_capability(user, Capability.MANAGE_DELIBERATION):
        return [HomeLink(_("Deliberation pavilions"), reverse("deliberation:topics")),
                HomeLink(_("Pavilion posters"), reverse("deliberation:pavilions"))]
    scope = scope_of(user)
    if scope.households or scope.communities or scope.grids or scope.streets:
        return [HomeLink(_("Deliberation topics (议事亭)"), reverse("deliberation:topics"))]
    return []
