"""The one way a user's queries are filtered.

Every model that holds community data declares `scope_paths`: the ORM paths from it to its
community, grid and household. `scoped(queryset, actor)` turns the actor's roles into one filter
over those paths. A model without paths, or an actor without roles, gets no rows: there is no
way to list rows without a scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from xingfuli.core.models import User

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to the keys it is scoped by (None: not reachable that way)."""

    community: str | None = None
    street: str | None = None
    grid: str | None = None
    household: str | None = None
    team: str | None = None  # a property service team
    # Reference rows (grids, tags, the community itself) that every role in the
    # community may read, whatever its narrower scope.
    shared_in_community: bool = False
    # Work orders: a property dispatcher reads and changes them community-wide (by the
    # `community` path) without seeing the registry.
    dispatch: bool = False
    # Community-scoped module roles (canteen staff, volunteer organiser, youth teacher) that
    # read and change this model's rows in their community by the `community` path.
    module_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scope:
    """What one actor may see: sets of ids by kind. Street scope is read-only."""

    everything: bool = False
    communities: frozenset[int] = field(default_factory=frozenset)
    streets: frozenset[int] = field(default_factory=frozenset)
    grids: frozenset[int] = field(default_factory=frozenset)
    households: frozenset[int] = field(default_factory=frozenset)
    teams: frozenset[int] = field(default_factory=frozenset)  # property service teams
    # Communities where the actor dispatches work orders: models opt in with `dispatch`.
    dispatch: frozenset[int] = field(default_factory=frozenset)
    member_of: frozenset[int] = field(default_factory=frozenset)  # any role in these
    # (role, community id) of module roles: models opt in with `module_roles`.
    modules: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.communities or self.streets or self.grids
                    or self.households or self.teams or self.dispatch or self.modules)


def scope_of(actor: User | Any) -> Scope:
    """The actor's scope, computed once per user object (one query)."""
    from xingfuli.core.models import (
        COMMUNITY_ROLES,
        GRID_ROLES,
        MODULE_ROLES,
        TEAM_ROLES,
        Role,
    )
    from xingfuli.core.permissions import roles_of

    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Scope()
    cached: Scope | None = getattr(actor, "_xfl_scope", None)
    if cached is not None:
        return cached
    if actor.is_superuser:
        scope = Scope(everything=True)
    else:
        communities: set[int] = set()
        streets: set[int] = set()
        grids: set[int] = set()
        households: set[int] = set()
        teams: set[int] = set()
        dispatch: set[int] = set()
        member_of: set[int] = set()
        modules: set[tuple[str, int]] = set()
        for assignment in roles_of(actor):  # the same cached rows the capabilities use
            role, community_id = assignment.role, assignment.community_id
            street_id, scope_id = assignment.street_id, assignment.scope_id
            if community_id is not None:
                member_of.add(community_id)
            if role in COMMUNITY_ROLES and community_id is not None:
                communities.add(community_id)
            elif role == Role.STREET_OFFICER and street_id is not None:
                streets.add(street_id)
            elif role in GRID_ROLES and scope_id is not None:
                grids.add(scope_id)
            elif role == Role.RESIDENT and scope_id is not None:
                households.add(scope_id)
            elif role in TEAM_ROLES and scope_id is not None:
                teams.add(scope_id)
            elif role == Role.PROPERTY_DISPATCHER and community_id is not None:
                dispatch.add(community_id)
            elif role in MODULE_ROLES and community_id is not None:
                modules.add((str(role), community_id))
        scope = Scope(
            communities=frozenset(communities), streets=frozenset(streets),
            grids=frozenset(grids), households=frozenset(households),
            teams=frozenset(teams), dispatch=frozenset(dispatch),
            member_of=frozenset(member_of), modules=frozenset(modules),
        )
    setattr(actor, "_xfl_scope", scope)  # noqa: B010 - a per-request cache on the user
    return scope


def forget_scope(actor: Any) -> None:
    """Drop the cached roles and scope after the actor's roles changed."""
    for attr in ("_xfl_scope", "_xfl_roles"):
        if hasattr(actor, attr):
            delattr(actor, attr)


def scope_filter(model: type[Model], scope: Scope, *, write: bool = False) -> Q | None:
    """The filter for `model` under `scope`; None means everything."""
    if scope.everything:
        return None
    paths: ScopePaths | None = getattr(model, "scope_paths", None)
    nothing = Q(pk__in=[])
    if paths is None:
        return nothing
    q = nothing

    def add(path: str | None, ids: frozenset[int]) -> None:
        nonlocal q
        if path and ids:
            q |= Q(**{f"{path}__in": ids})

    add(paths.community, scope.communities)
    if not write and scope.streets:
        street_path = paths.street
        if street_path is None and paths.community:
            street_path = "street" if paths.community == "id" else f"{paths.community}__street"
        add(street_path, scope.streets)
    add(paths.grid, scope.grids)
    add(paths.household, scope.households)
    add(paths.team, scope.teams)
    if paths.dispatch:
        add(paths.community, scope.dispatch)
    if paths.module_roles and scope.modules:
        add(
            paths.community,
            frozenset(cid for role, cid in scope.modules if role in paths.module_roles),
        )
    if paths.shared_in_community and not write:
        add(paths.community, scope.member_of)
    return q


def scoped(queryset: QuerySet[M], actor: User | Any, *, write: bool = False) -> QuerySet[M]:
    """Filter `queryset` to the rows `actor` may read (or change, with write=True)."""
    q = scope_filter(queryset.model, scope_of(actor), write=write)
    return queryset if q is None else queryset.filter(q)
