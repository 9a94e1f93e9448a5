"""The public summary document: GET /api/v1/dashboard/summary?community=wanquan."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from xingfuli.core.selectors import community_by_slug
from xingfuli.dashboard.schemas import SummaryQuery, summary_schema
from xingfuli.dashboard.selectors import public_summary

router = Router(tags=["dashboard"])


@router.get(
    "/summary",
    response=summary_schema(),
    auth=None,
    summary="A community's public summary (七个一 in numbers)",
    description=(
        "Public: counts only, no personal data. Each figure is computed from the records, at "
        "most SUMMARY_CACHE_SECONDS (default 60) before it is served (`as_of` is the day). An "
        "unknown community is a 404 with `{\"code\": \"not_found\"}`."
    ),
)
def summary(request: HttpRequest, params: Query[SummaryQuery]) -> dict[str, Any]:
    return public_summary(community_by_slug(slug=params.community))
