"""Home-page links of the civilization practice station."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.volunteers import selectors


@home_links(order=160)
def volunteer_links(user: User) -> list[HomeLink]:
    if selectors.home_community(user) is None:
        return []
    links = [HomeLink(_("Activities and volunteering"), reverse("volunteers:home")),
             HomeLink(_("My volunteer record"), reverse("volunteers:me"))]
    if selectors.managed_community(user) is not None:
        links += [HomeLink(_("Volunteer teams"), reverse("volunteers:teams")),
                  HomeLink(_("Hour claims to decide"), reverse("volunteers:claims")),
                  HomeLink(_("Birthday parties"), reverse("volunteers:birthdays"))]
    return links
