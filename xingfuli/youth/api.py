"""The youth module's part of the JSON API under /api/v1/youth/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["youth"])
