"""Reads of the monthly reports: who may see a community's reports, and its runs.

The rule is the board's capability (VIEW_DASHBOARD in that community) over a community-wide
scope: the community's staff read and ask; the officers of its street (and district) read,
since their scope is read-only. Grid staff hold VIEW_DASHBOARD but see only their grids, and a
report covers every grid: they are refused, as are residents and module roles."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xingfuli.core.errors import Forbidden, NotFound
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.core.selectors import access_community
from xingfuli.dashboard.models import ReportRun

RECENT_RUNS = 36  # three years of months
FORMATS = ("xlsx", "pdf")


def may_read_reports(actor: Any, community: Community, *, write: bool = False) -> bool:
    """Whether the actor's scope covers the whole community (to ask: not through a street)."""
    scope = scope_of(actor)
    if scope.everything or community.pk in scope.communities:
        return True
    return not write and community.street_id in scope.streets


def access_reports(*, actor: Any, slug: str, write: bool = False) -> Community:
    """The community whose reports `actor` may read (or ask for, with write=True). Outside the
    actor's scope a 404; inside it without the right a 403."""
    community = access_community(actor=actor, slug=slug)
    require(actor, Capability.VIEW_DASHBOARD, community_id=community.pk)
    if not may_read_reports(actor, community, write=write):
        raise Forbidden()
    return community


def report_runs_for(*, actor: Any, community: Community) -> QuerySet[ReportRun]:
    """The community's runs the actor may read, newest month first; a run replaced by a newer
    build of the same month is left out (its files are gone)."""
    return (
        scoped(ReportRun.objects.all(), actor)
        .filter(community=community, superseded_by__isnull=True)
        .select_related("requested_by")
        .order_by("-month", "-created_at", "-id")
    )


def access_report_run(*, actor: Any, run_id: int) -> ReportRun:
    run = (
        scoped(ReportRun.objects.select_related("community"), actor)
        .filter(pk=run_id).first()
    )
    if run is None:
        raise NotFound()
    require(actor, Capability.VIEW_DASHBOARD, community_id=run.community_id)
    return run


def runs_pending(runs: list[ReportRun]) -> bool:
    return any(run.status in (ReportRun.Status.QUEUED, ReportRun.Status.RUNNING) for run in runs)
