"""JSON API of the property service center (mounted at /api/v1/property)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["property"])
