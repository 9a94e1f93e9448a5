"""The volunteers module's part of the JSON API under /api/v1/volunteers/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["volunteers"])
