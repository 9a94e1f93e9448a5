"""The requests module's JSON endpoints under /api/v1/requests."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["requests"])
