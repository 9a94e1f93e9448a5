"""Home-page links of 党建+网格."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.party import selectors


@home_links(order=200)
def party_links(user: User) -> list[HomeLink]:
    community = selectors.home_community(user)
    links = [HomeLink(_("Small wishes"), reverse("party:wishes")),
             HomeLink(_("My party service"), reverse("party:me"))]
    if community is None:
        return [HomeLink(_("Register as an in-service party member"),
                         reverse("party:register"))]
    if selectors.can_manage(user, community.pk):
        links += [HomeLink(_("Party branches"), reverse("party:branches")),
                  HomeLink(_("In-service registrations to review"),
                           reverse("party:in_service"))]
    return links
