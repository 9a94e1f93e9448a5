"""Home page links of the youth palace: teachers and staff run courses; guardians enrol."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import Role, User
from xingfuli.core.permissions import Capability, has_capability, roles_of


@home_links(order=170)
def youth_links(user: User) -> list[HomeLink]:
    links: list[HomeLink] = []
    if has_capability(user, Capability.MANAGE_YOUTH):
        links.append(HomeLink(_("Youth palace courses"), reverse("youth:courses")))
        links.append(HomeLink(_("Youth palace children"), reverse("youth:children")))
    if any(a.role == Role.RESIDENT for a in roles_of(user)):
        links.append(HomeLink(_("Youth palace: my children's courses"), reverse("youth:mine")))
    return links
