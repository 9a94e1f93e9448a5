"""The canteen's links on the home page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.canteen.models import DeliveryRun, Diner, FamilyLink
from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability


@home_links(order=50)
def canteen_links(user: User) -> list[HomeLink]:
    links: list[HomeLink] = []
    if has_capability(user, Capability.MANAGE_CANTEEN):
        links.append(HomeLink(_("Elderly canteen"), reverse("canteen:today")))
    if (FamilyLink.objects.filter(user=user).exists()
            or Diner.objects.filter(resident__user=user, active=True).exists()):
        links.append(HomeLink(_("Book meals (elderly canteen)"), reverse("canteen:mine")))
    today = timezone.localdate()
    if DeliveryRun.objects.filter(volunteer=user, day__gte=today,
                                  day__lte=today + dt.timedelta(days=7)).exists():
        links.append(HomeLink(_("My meal deliveries"), reverse("canteen:my_runs")))
    links.append(HomeLink(_("Canteen menu this week"), reverse("canteen:menu")))
    return links
