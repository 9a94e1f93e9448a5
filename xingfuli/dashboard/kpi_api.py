"""KPI drill-down and street/district comparisons in the JSON API under /api/v1/dashboard/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["dashboard"])
