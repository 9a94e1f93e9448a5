"""Links a module puts on the home page.

A module app declares them in ``xingfuli/<app>/menu.py`` with ``@home_links``: a function that
receives the signed-in user and returns the links that user may follow (decided by capabilities
or roles), so the home page needs no knowledge of the modules::

    @home_links(order=50)
    def canteen_links(user: User) -> list[HomeLink]:
        if not has_capability(user, Capability.MANAGE_CANTEEN):
            return []
        return [HomeLink(_("Canteen"), reverse("canteen:today"))]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from xingfuli.core.models import User


@dataclass(frozen=True)
class HomeLink:
    label: str | Promise
    url: str


LinksFn = Callable[["User"], list[HomeLink]]
_PROVIDERS: dict[str, tuple[int, LinksFn]] = {}
_discovered = False


def home_links(*, order: int = 100) -> Callable[[LinksFn], LinksFn]:
    """Register a provider of home-page links; lower `order` comes first."""

    def register(fn: LinksFn) -> LinksFn:
        _PROVIDERS[f"{fn.__module__}.{fn.__qualname__}"] = (order, fn)
        return fn

    return register


def links_for(user: User) -> list[HomeLink]:
    """Every module's links for `user`, in the providers' order."""
    global _discovered
    if not _discovered:
        autodiscover_modules("menu")
        _discovered = True
    links: list[HomeLink] = []
    for _order, fn in sorted(_PROVIDERS.values(), key=lambda item: item[0]):
        links.extend(fn(user))
    return links
