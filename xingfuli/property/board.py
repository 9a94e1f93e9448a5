"""A service team's board: its open work orders, oldest due first, with the SLA in words, and
its pool (jobs nobody has taken yet, for a team that works from a pool).

Who sees a board: the team's own members, and the community's staff and property dispatchers
(every team of their community). Anyone else, including a member of another team, gets a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from xingfuli.core.errors import NotFound
from xingfuli.core.models import User
from xingfuli.core.scoping import scope_of
from xingfuli.property import selectors
from xingfuli.property.models import ServiceTeam

BOARD_LIMIT = 200


def access_team_board(*, actor: User, team_id: int) -> ServiceTeam:
    """The team, if the actor may see its board (see the module's docstring)."""
    team = selectors.access_team(actor=actor, team_id=team_id)
    if not may_see_board(actor, team):
        raise NotFound()
    return team


def may_see_board(actor: User, team: ServiceTeam) -> bool:
    """No query: the actor's scope is cached with their roles."""
    scope = scope_of(actor)
    community = team.center.community_id
    return (scope.everything or team.pk in scope.teams or community in scope.communities
            or community in scope.dispatch)


def due_words(due: dt.datetime | None, now: dt.datetime, *, paused: bool = False) -> str:
    """"due in 1 hour, 20 minutes" / "overdue by 3 days" / "no target"."""
    if due is None:
        return _("no target")
    if due < now:
        words = _("overdue by %(time)s") % {"time": timesince(due, now, depth=2)}
    else:
        words = _("due in %(time)s") % {"time": timeuntil(due, now, depth=2)}
    if paused:
        words = _("paused, waiting for the resident; %(due)s") % {"due": words}
    return words


@dataclass
class BoardRow:
    req: Any  # requests.models.Request
    due_words: str
    overdue: bool
    seconds_left: int | None  # negative: past the resolution target
    place: str
    in_pool: bool
    actions: list[tuple[str, str]] = field(default_factory=list)  # (action, label)


@dataclass
class Board:
    team: ServiceTeam
    rows: list[BoardRow]  # the jobs someone holds (and, outside pool mode, all open jobs)
    pool: list[BoardRow]  # pool mode: the jobs nobody has taken yet
    truncated: bool
    now: dt.datetime

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.pool)


def _place(req: Any) -> str:
    if req.building_id and req.building:
        words = _("Building %(n)s") % {"n": req.building.number}
        if req.floor:
            words += " · " + _("floor %(f)s") % {"f": req.floor}
        return str(words)
    return str(req.place or "")


def _actions(actor: User, reqs: list[Any]) -> dict[int, list[tuple[str, str]]]:
    """The actions of each job for the actor, as the request page offers them."""
    from xingfuli.requests import services

    return {
        pk: [(str(a), services.action_label(a)) for a in allowed]
        for pk, allowed in services.allowed_actions_many(actor=actor, reqs=reqs).items()
    }


def team_board(*, actor: User, team_id: int, now: dt.datetime | None = None) -> Board:
    """The board of a team the actor may see: a fixed number of queries however many jobs."""
    from xingfuli.requests import selectors as request_selectors

    team = access_team_board(actor=actor, team_id=team_id)
    now = now or timezone.now()
    jobs = list(request_selectors.team_open_work(actor=actor, team_id=team.pk)
                [: BOARD_LIMIT + 1])
    truncated = len(jobs) > BOARD_LIMIT
    jobs = jobs[:BOARD_LIMIT]
    actions = _actions(actor, jobs)
    pool_mode = team.dispatch_mode == ServiceTeam.DispatchMode.POOL
    rows: list[BoardRow] = []
    pool: list[BoardRow] = []
    for req in jobs:
        due = req.due_resolution_at
        overdue = bool(req.resolution_breached or (due is not None and due < now))
        row = BoardRow(
            req=req, due_words=due_words(due, now, paused=req.paused_at is not None),
            overdue=overdue,
            seconds_left=int((due - now).total_seconds()) if due is not None else None,
            place=_place(req), in_pool=pool_mode and req.assignee_id is None,
            actions=actions[req.pk],
        )
        (pool if row.in_pool else rows).append(row)
    return Board(team=team, rows=rows, pool=pool, truncated=truncated, now=now)


def my_board_team(*, actor: User) -> int:
    """The id of the first team the actor is a member of (for "my team's board")."""
    teams = sorted(scope_of(actor).teams)
    if not teams:
        raise NotFound()
    return teams[0]
