from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xingfuli.core.calendar import next_year_missing
from xingfuli.core.permissions import roles_of

LARGE_TEXT_COOKIE = "xfl_large_text"


def platform(request: HttpRequest) -> dict[str, Any]:
    """Per-page facts every template needs: large-text mode, unread messages, calendar warning."""
    user = getattr(request, "user", None)
    unread = 0
    warning_year = None
    if user is not None and user.is_authenticated:
        # One cheap indexed count; the header shows it on every page.
        unread = user.notifications.filter(read_at__isnull=True).count()
        if user.is_superuser or any(r.role != "resident" for r in roles_of(user)):
            # One indexed query on staff pages, every month, so page costs do not vary by date.
            warning_year = next_year_missing()
    return {
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        "unread_notifications": unread,
        "calendar_warning_year": warning_year,
    }
