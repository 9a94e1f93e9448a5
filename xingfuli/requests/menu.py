"""Home page links of the requests module beyond the core ones: Open311 clients for admins."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability


@home_links(order=20)
def requests_links(user: User) -> list[HomeLink]:
    if not has_capability(user, Capability.MANAGE_GRID):
        return []
    return [HomeLink(_("Open311 clients"), reverse("requests:open311_clients"))]
