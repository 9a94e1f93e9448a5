"""The party module's part of the JSON API under /api/v1/party/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["party"])
