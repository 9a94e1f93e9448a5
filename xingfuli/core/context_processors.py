from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from xingfuli.core.calendar import WARNING_CACHE_KEY, next_year_missing
from xingfuli.core.permissions import roles_of

LARGE_TEXT_COOKIE = "xfl_large_text"


def _calendar_warning_year() -> int | None:
    """Next year's holiday arrangement missing? Cached: it changes once a year."""
    today = timezone.localdate()
    values = cache.get(WARNING_CACHE_KEY) or {}
    if today not in values:
        values = {today: next_year_missing(today) or 0}
        cache.set(WARNING_CACHE_KEY, values, 600)
    return int(values[today]) or None


def platform(request: HttpRequest) -> dict[str, Any]:
    """Per-page facts every template needs: large-text mode, unread messages, calendar warning."""
    user = getattr(request, "user", None)
    unread = 0
    warning_year = None
    if user is not None and user.is_authenticated:
        # One cheap indexed count; the header shows it on every page.
        unread = user.notifications.filter(read_at__isnull=True).count()
        if user.is_superuser or any(r.role != "resident" for r in roles_of(user)):
            warning_year = _calendar_warning_year()
    return {
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        "unread_notifications": unread,
        "calendar_warning_year": warning_year,
    }
