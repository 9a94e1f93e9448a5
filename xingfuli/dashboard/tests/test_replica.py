"""The dashboards read their figures from the replica (when one is configured), and only their
figures: the session, the user and the access checks stay on the primary."""

from __future__ import annotations

from typing import Any

import pytest

from xingfuli.core import db_router


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every read the router is asked about: (model label, inside reading_from_replica())."""
    seen: list[tuple[str, bool]] = []

    def record(self: Any, model: type[Any], **hints: Any) -> None:
        seen.append((model._meta.label, db_router._on_replica.get()))
        return None  # the test database answers (no replica alias in tests)

    monkeypatch.setattr(db_router.ReplicaRouter, "db_for_read", record)
    return seen


def _split(reads: list[tuple[str, bool]]) -> tuple[set[str], set[str]]:
    return ({label for label, on in reads if on}, {label for label, on in reads if not on})


@pytest.mark.parametrize("url", ["/dashboard/wanquan/board/", "/dashboard/wanquan/kpis/"])
def test_staff_pages_read_figures_from_the_replica(world, login, reads, url):
    assert login(world.carol).get(url).status_code == 200
    replica, primary = _split(reads)
    assert {"requests.Request", "registry.Resident"} <= replica
    # the session's user and the access check (their roles) on the primary
    assert {"core.User", "core.RoleAssignment"} <= primary


def test_public_summary_reads_from_the_replica(world, client, settings, reads):
    settings.SUMMARY_CACHE_SECONDS = 0
    assert client.get("/api/v1/dashboard/summary", {"community": "wanquan"}).status_code == 200
    replica, _primary = _split(reads)
    assert {"requests.Request", "registry.Resident", "grid.Visit"} <= replica


def test_street_view_reads_from_the_replica(world, login, reads):
    assert login(world.sam).get(f"/dashboard/street/{world.street.pk}/").status_code == 200
    replica, _primary = _split(reads)
    assert "requests.Request" in replica
