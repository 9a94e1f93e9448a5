"""The elevator module's links on the home page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.elevators import selectors


@home_links(order=60)
def elevator_links(user: User) -> list[HomeLink]:
    if has_capability(user, Capability.MANAGE_ELEVATORS):
        return [HomeLink(_("Elevator retrofits"), reverse("elevators:index")),
                HomeLink(_("Elevator meetings and site inspections"),
                         reverse("elevators:activities"))]
    if selectors.projects_for(actor=user).exists():
        return [HomeLink(_("My unit's elevator"), reverse("elevators:index"))]
    return []
