"""The survey's part of the JSON API under /api/v1/survey/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["survey"])
