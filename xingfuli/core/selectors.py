"""Reads of core."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xingfuli.core.errors import NotFound
from xingfuli.core.models import ApiToken, AuditEntry, Community, Notification, User
from xingfuli.core.scoping import scoped


def communities_for(*, actor: Any) -> QuerySet[Community]:
    return scoped(Community.objects.select_related("street__district"), actor).order_by("name")


def access_community(*, actor: Any, slug: str) -> Community:
    community = communities_for(actor=actor).filter(slug=slug).first()
    if community is None:
        raise NotFound()
    return community


def community_by_slug(*, slug: str) -> Community:
    """For public pages only (grid cards, summary): no personal data hangs off it."""
    community = Community.objects.filter(slug=slug).select_related("street__district").first()
    if community is None:
        raise NotFound()
    return community


def notifications_for(*, actor: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=actor).order_by("-created_at", "-id")


def api_tokens_for(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor, revoked_at__isnull=True).order_by("-created_at")


def audit_entries_for(*, actor: Any, action: str = "") -> QuerySet[AuditEntry]:
    qs = scoped(AuditEntry.objects.select_related("actor"), actor)
    if action:
        qs = qs.filter(action__startswith=action)
    return qs.order_by("-at", "-id")
