"""Home-page links of the 幸福指数 survey: residents while a run waits for their answer, staff
(the board's viewers) to the results."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xingfuli.core.menu import HomeLink, home_links
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.survey import selectors


@home_links(order=150)
def survey_links(user: User) -> list[HomeLink]:
    links: list[HomeLink] = []
    if selectors.has_open_run(actor=user):
        links.append(HomeLink(_("Answer the happiness survey"), reverse("survey:answer")))
    if has_capability(user, Capability.VIEW_DASHBOARD):
        links.append(HomeLink(_("Happiness survey: results"), reverse("survey:runs")))
    return links
