"""The deliberation module's part of the JSON API under /api/v1/deliberation/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["deliberation"])
