from __future__ import annotations

from typing import Any

from django.http import HttpRequest

LARGE_TEXT_COOKIE = "xfl_large_text"


def platform(request: HttpRequest) -> dict[str, Any]:
    """Per-page facts every template needs: the large-text mode and unread notifications."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        # One cheap indexed count; the header shows it on every staff page.
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        "unread_notifications": unread,
    }
